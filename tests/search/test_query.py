"""Filters and their combinations against expected sets, on SQLite and PostgreSQL."""
from __future__ import annotations

from decimal import Decimal

import pytest
from werkzeug.datastructures import MultiDict

from adam.search.filters import parse_filters
from adam.search.query import check_references, results, totals
from tests.factories import organisation


def found(session, register, **params) -> set[str]:
    args = MultiDict([(k, v) for k, values in params.items() for v in ([values] if isinstance(values, str) else values)])
    filters, errors = parse_filters(args)
    assert errors == []
    by_id = {p.id: name for name, p in register.items()}
    return {by_id[p.id] for p in results(session, filters)}


def test_no_filter_lists_every_project_but_withdrawn(session, register):
    assert found(session, register) == {"tjk_border", "uzb_fiu", "regional", "russian", "french"}


def test_withdrawn_projects_appear_only_when_asked(session, register):
    assert "withdrawn" in found(session, register, withdrawn="1")


def test_country_filter_matches_projects_naming_the_country(session, register):
    assert found(session, register, country="TJK") == {"tjk_border", "regional"}
    assert found(session, register, country=["SEN", "KGZ"]) == {"french", "russian", "regional"}


def test_region_filter_matches_projects_naming_the_region_or_one_of_its_countries(session, register):
    assert found(session, register, region="central-asia") == {"tjk_border", "uzb_fiu", "regional", "russian"}
    # The Northern route holds Afghanistan..Russia but not Senegal.
    assert "french" not in found(session, register, region="route-northern")


def test_donor_implementer_and_institution_filters(session, register):
    us = organisation(session, "US").id
    uk = organisation(session, "UK").id
    assert found(session, register, donor=str(us)) == {"uzb_fiu", "regional"}
    assert found(session, register, donor=[str(us), str(uk)]) == {"uzb_fiu", "regional", "tjk_border"}
    dca = organisation(session, "Drug Control Agency of Tajikistan").id
    assert found(session, register, institution=str(dca)) == {"tjk_border"}
    unodc = organisation(session, "UNODC").id
    assert len(found(session, register, implementer=str(unodc))) == 5


def test_pillar_theme_activity_and_status_filters(session, register):
    assert found(session, register, pillar="2") == {"uzb_fiu", "regional"}
    assert found(session, register, theme="precursor-control") == {"french"}
    assert found(session, register, activity="advisory") == {"uzb_fiu"}
    assert found(session, register, status=["pipeline", "completed"]) == {"russian", "tjk_border", "french"}


def test_date_window_finds_projects_active_at_any_time_within_it(session, register):
    # 2023-06..2023-07: the Tajik course (all 2023) only; the French one ended in May 2023.
    assert found(session, register, **{"from": "2023-06-01", "to": "2023-07-31"}) == {"tjk_border"}
    # An open end is ongoing: the FIU mentoring (from 2024-03, no end) is active in 2030.
    assert found(session, register, **{"from": "2030-01-01"}) == {"uzb_fiu"}
    assert found(session, register, **{"to": "2022-12-31"}) == {"french"}


def test_budget_range_is_on_usd_and_skips_unknown_budgets(session, register):
    assert found(session, register, budget_min="300000", budget_max="1000000") == {"uzb_fiu", "french"}
    assert "russian" not in found(session, register, budget_min="0")


def test_filters_combine_with_and(session, register):
    uk = organisation(session, "UK").id
    assert found(session, register, country="TJK", pillar="2") == {"regional"}
    assert found(session, register, donor=str(uk), status="completed", country="TJK") == {"tjk_border"}
    assert found(session, register, region="central-asia", q="interdiction", pillar="1") == {"regional"}
    assert found(session, register, country="SEN", pillar="1") == set()


def test_totals_count_projects_and_sum_usd_budgets(session, register):
    filters, _ = parse_filters(MultiDict([("region", "central-asia")]))
    t = totals(session, filters)
    assert t.count == 4
    assert t.budget_usd == Decimal(250_000 + 1_000_000 + 3_000_000)
    assert t.without_budget == 1


@pytest.mark.parametrize("sort, first", [("budget-desc", "regional"), ("budget-asc", "tjk_border"),
                                         ("start-asc", "french"), ("start-desc", "russian")])
def test_results_sort(session, register, sort, first):
    filters, _ = parse_filters(MultiDict([("sort", sort)]))
    by_id = {p.id: name for name, p in register.items()}
    assert by_id[results(session, filters)[0].id] == first


def test_bad_values_are_dropped_with_a_message(session, register):
    filters, errors = parse_filters(MultiDict([("country", "Tajikistan"), ("from", "31/12/2024"),
                                               ("budget_min", "-5"), ("status", "lost"), ("donor", "x")]))
    assert len(errors) == 5
    assert filters.countries == () and filters.active_from is None and filters.statuses == ()
    filters, errors = parse_filters(MultiDict([("country", "XXX"), ("theme", "no-such-theme")]))
    assert errors == []
    checked, errors = check_references(session, filters)
    assert checked.countries == () and checked.themes == ()
    assert any("XXX" in e for e in errors) and any("no-such-theme" in e for e in errors)


def test_query_string_round_trips_the_whole_state():
    args = MultiDict([("q", "border"), ("country", "TJK"), ("country", "UZB"), ("pillar", "1"), ("from", "2024-01-01"),
                      ("budget_max", "500000"), ("withdrawn", "1"), ("sort", "title"), ("page", "2")])
    filters, errors = parse_filters(args)
    assert not errors
    again, _ = parse_filters(MultiDict(__import__("urllib.parse").parse.parse_qsl(filters.query_string())))
    assert again == filters


def test_light_result_rows_hold_what_the_orm_objects_hold(session, register):
    """The results table, exports and timeline read plain rows: the same values, in the same orders."""
    from adam.models import Project
    from adam.search.query import result_rows

    ids = [p.id for p in register.values()]
    rows = result_rows(session, list(reversed(ids)))
    assert [r.id for r in rows] == list(reversed(ids))
    for row in rows:
        project = session.get(Project, row.id)
        assert (row.title, row.status_label, row.activity_type_label, row.starts_on, row.ends_on, row.budget_usd,
                row.is_withdrawn, row.iati_identifier) == (
            project.title, project.status_label, project.activity_type_label, project.starts_on, project.ends_on,
            project.budget_usd, project.is_withdrawn, project.iati_identifier)
        assert [(c.iso3, c.name) for c in row.countries] == [(c.iso3, c.name) for c in project.countries]
        assert [(r.code, r.name) for r in row.regions] == [(r.code, r.name) for r in project.regions]
        assert [p.number for p in row.pillars] == [p.number for p in project.pillars]
        assert [(o.id, o.name, o.acronym) for o in row.donors] == [(o.id, o.name, o.acronym) for o in project.donors]
        assert [(o.id, o.name, o.acronym) for o in row.implementers] == \
            [(o.id, o.name, o.acronym) for o in project.implementers]
    assert any(len(r.countries) == 3 and len(r.donors) == 2 and r.regions for r in rows)
