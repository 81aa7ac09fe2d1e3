"""The full report reuses the register index this process keeps for the save-time check (index.register_snapshot)
and gives exactly what a report that loads the register gives: the same pairs, scores, labels and evidence after
every kind of change the index must follow, on both databases."""
from __future__ import annotations

import datetime as dt
from contextlib import contextmanager

import pytest
from sqlalchemy import create_engine, delete, insert, text, update

from adam.admin.operations import save_organisation
from adam.models import Organisation, Project
from adam.models.reference import region_countries
from adam.overlap import report as report_module
from adam.overlap.config import DEFAULT_CONFIG
from adam.overlap.features import RegionCatalogue, load_features
from adam.overlap.index import _engine, _state, forget, register_index, register_snapshot
from adam.overlap.report import FROM_INDEX, LOADED, REUSED, ReportFilters, run_report
from adam.projects.operations import withdraw_project
from tests.factories import country, make_project, organisation, region

TITLE = "Container profiling training for customs officers in Dushanbe"


def outcome(report) -> tuple:
    """What a reader of the report sees: each pair with its score, label, state and worded evidence."""
    pairs = [(p.a.id, p.b.id, p.score, p.label, p.state, [(s.name, s.explanation, s.points) for s in p.signals])
             for p in report.pairs]
    return pairs, report.projects, report.candidates_scored, report.names


def cold_report(session, monkeypatch, cfg=DEFAULT_CONFIG):
    """The report as a process without a register index makes it (the register loaded from the database)."""
    with monkeypatch.context() as m:
        m.setattr(report_module, "register_snapshot", lambda _session: None)
        report = run_report(session, ReportFilters(decided="all"), cfg)
    assert report.source == LOADED
    return report


def assert_same_as_cold(session, monkeypatch, source: str, cfg=DEFAULT_CONFIG) -> tuple:
    warm = run_report(session, ReportFilters(decided="all"), cfg)
    # the pairs computed from the index are taken again while it did not change (test_overlap_report_cache.py)
    assert warm.source == source or (source == FROM_INDEX and warm.source == REUSED)
    cold = cold_report(session, monkeypatch, cfg)
    assert outcome(warm) == outcome(cold)
    assert warm.pairs, "the register flags pairs"
    return outcome(warm)


def register(session) -> dict[str, Project]:
    """Projects flagged for most kinds of evidence: duplicates, a region meeting a country, a partner chain, a title
    that is an organisation's name, spelling variants of one implementer."""
    p = {}
    p["a"] = make_project(session, TITLE, donors=("UK",), institutions=("Customs Service of Tajikistan",))
    p["b"] = make_project(session, TITLE, donors=("Japan",), institutions=("Customs Service of Tajikistan",))
    p["c"] = make_project(session, "Precursor control laboratory for the drug control agency", countries=("KGZ",),
                          pillars=(3,), themes=(), donors=("Germany",),
                          institutions=("Drug Control Service of Kyrgyzstan",))
    p["d"] = make_project(session, "Precursor control laboratory, drug control agency", countries=("KGZ",),
                          pillars=(3,), themes=(), donors=("France",),
                          institutions=("Drug Control Service of Kyrgyzstan",))
    p["regional"] = make_project(session, TITLE, countries=(), regions=("central-asia",), donors=("Japan",),
                                 start=dt.date(2024, 2, 1))
    p["programme"] = make_project(session, "UNODC Tajikistan", owner="UNODC", donors=("UK",),
                                  implementers=("UNODC Tajikistan",), summary="Country programme")
    p["grant"] = make_project(session, "Canine units at border posts", owner="UNODC", donors=("UK",),
                              implementers=("UNODC Tajikistan",))
    # named before an organisation of that name exists
    p["kyrgyz"] = make_project(session, "Border Liaison Office Kyrgyzstan", countries=("KGZ",), owner="UNODC",
                               donors=("UK",), implementers=("UNODC",))
    p["agency1"] = make_project(session, "Mobile interdiction teams on the Tajik-Afghan border",
                                implementers=("Border Management Programme Agency",), start=dt.date(2024, 3, 1))
    p["agency2"] = make_project(session, "Mobile interdiction teams at the Tajik-Afghan border",
                                donors=("Japan",), implementers=("Tajik Border Partners Foundation",),
                                start=dt.date(2024, 3, 1))
    make_project(session, "Methadone maintenance in prisons", countries=("KAZ",), pillars=(4,), themes=())
    return p


def warm_index(session):
    index = register_index(session)
    assert run_report(session, ReportFilters(decided="all")).source == FROM_INDEX
    return index


@contextmanager
def other_process(session, database_url):
    """A connection of another engine (as another process would have), after the session's work is committed."""
    session.commit()
    engine = create_engine(database_url)
    try:
        with engine.begin() as conn:
            yield conn
    finally:
        engine.dispose()


def delete_project_sql(conn, project_id: int) -> None:
    """A plain DELETE of a project and its rows (SQLite enforces no foreign keys here)."""
    for table in ("project_countries", "project_regions", "project_pillars", "project_themes",
                  "project_institutions", "project_implementers", "project_funders", "project_changes"):
        conn.execute(text(f"DELETE FROM {table} WHERE project_id = :id"), {"id": project_id})
    conn.execute(text("DELETE FROM projects WHERE id = :id"), {"id": project_id})


def test_without_an_index_the_report_loads_the_register(session, monkeypatch):
    register(session)
    forget(_engine(session))
    assert register_snapshot(session) is None
    report = run_report(session, ReportFilters(decided="all"))
    assert report.source == LOADED
    assert register_snapshot(session) is None  # a report builds no index
    assert outcome(report) == outcome(cold_report(session, monkeypatch))


def test_the_snapshot_equals_a_fresh_load_and_is_the_callers_own(session):
    p = register(session)
    index = register_index(session)
    before = [tuple(getattr(f, name) for name in f.__slots__) for f in index.features]
    features, regions = register_snapshot(session)
    assert features == sorted(load_features(session, regions=RegionCatalogue(session)).values(), key=lambda f: f.id)
    assert regions is index.regions
    run_report(session, ReportFilters(decided="all"))
    features.clear()  # the report's list, not the index's
    assert [tuple(getattr(f, name) for name in f.__slots__) for f in index.features] == before
    taken = register_snapshot(session)[0]
    values = [tuple(getattr(f, name) for name in f.__slots__) for f in taken]
    p["a"].title = "Renamed after the snapshot"  # a check patches the index: the snapshot taken stays as it was
    session.flush()
    make_project(session, TITLE, donors=("France",))
    assert register_index(session) is index
    assert [tuple(getattr(f, name) for name in f.__slots__) for f in taken] == values
    assert "Renamed after the snapshot" in {f.title for f in register_snapshot(session)[0]}


def test_a_created_and_an_edited_project(session, monkeypatch):
    p = register(session)
    index = warm_index(session)
    make_project(session, TITLE, donors=("France",), start=dt.date(2024, 1, 15))  # created
    first = assert_same_as_cold(session, monkeypatch, FROM_INDEX)
    p["d"].title = TITLE  # a material field
    p["c"].countries = [country(session, "TJK")]  # links only
    p["c"].planned_start_on = dt.date(2023, 6, 1)
    session.flush()
    second = assert_same_as_cold(session, monkeypatch, FROM_INDEX)
    assert first != second
    assert register_index(session) is index  # brought up to date, not rebuilt


def test_a_project_edited_by_another_process(session, database_url, monkeypatch):
    p = register(session)
    warm_index(session)
    before = assert_same_as_cold(session, monkeypatch, FROM_INDEX)
    with other_process(session, database_url) as conn:
        conn.execute(update(Project).where(Project.id == p["d"].id)
                     .values(title="Mobile forensic laboratory for drug control", updated_at=dt.datetime.now(dt.timezone.utc)))
    after = assert_same_as_cold(session, monkeypatch, FROM_INDEX)
    evidence = lambda outcome: {pair[:2]: pair[5] for pair in outcome[0]}.get(tuple(sorted((p["c"].id, p["d"].id))))  # noqa: E731
    assert ("title_similarity", "Titles are 100% similar.", 35) in evidence(before)
    assert evidence(after) != evidence(before)


def test_a_project_withdrawn_by_this_process(session, monkeypatch):
    p = register(session)
    warm_index(session)
    withdraw_project(session, p["b"], None, "entered twice")
    pairs, *_ = assert_same_as_cold(session, monkeypatch, FROM_INDEX)
    assert not any(p["b"].id in pair[:2] for pair in pairs)


def test_a_project_deleted_by_this_process(session, monkeypatch):
    p = register(session)
    warm_index(session)
    session.delete(p["b"])
    session.flush()
    # a database may give a deleted id to a new project: the index is rebuilt by the next check, not by a report
    pairs, *_ = assert_same_as_cold(session, monkeypatch, LOADED)
    assert not any(p["b"].id in pair[:2] for pair in pairs)
    register_index(session)
    assert_same_as_cold(session, monkeypatch, FROM_INDEX)


def test_a_project_deleted_by_another_process_is_not_reported_a_moment_later(session, database_url, monkeypatch):
    p = register(session)
    index = warm_index(session)
    gone = p["b"].id
    register_index(session)  # a check has just counted the projects: it would not count again for 30 s
    with other_process(session, database_url) as conn:
        delete_project_sql(conn, gone)
    assert register_index(session) is index  # the check does not see it yet
    pairs, *_ = assert_same_as_cold(session, monkeypatch, LOADED)  # the report counts: it loads the register
    assert not any(gone in pair[:2] for pair in pairs)
    assert register_index(session) is not index  # and the next check counts and rebuilds
    assert_same_as_cold(session, monkeypatch, FROM_INDEX)


def test_an_organisation_renamed_into_a_spelling_variant_of_another(session, monkeypatch):
    p = register(session)
    warm_index(session)
    before = assert_same_as_cold(session, monkeypatch, FROM_INDEX)
    partners = organisation(session, "Tajik Border Partners Foundation")
    save_organisation(session, partners, name="Border Management Program Agency", acronym=None, type="ngo",
                      country_id=None, iati_identifier=None, aliases_text="Tajik Border Partners Foundation",
                      active=True)
    # the two implementers now read as one: the indexed features of both projects must be read again
    pairs, *_ = after = assert_same_as_cold(session, monkeypatch, LOADED)
    assert before != after
    agency = {(pair[0], pair[1]): {s[0] for s in pair[5]} for pair in pairs}
    key = tuple(sorted((p["agency1"].id, p["agency2"].id)))
    assert "same_implementer" in agency.get(key, set())
    register_index(session)  # the next check rebuilds
    assert_same_as_cold(session, monkeypatch, FROM_INDEX)


def test_an_alias_and_a_rename_that_leave_the_spellings_alone(session, monkeypatch):
    register(session)
    warm_index(session)
    partners = organisation(session, "Tajik Border Partners Foundation")
    save_organisation(session, partners, name="Tajik Border Partnership Foundation", acronym="TBPF", type="ngo",
                      country_id=None, iati_identifier=None, aliases_text="Tajik Border Partners Foundation",
                      active=True)
    assert_same_as_cold(session, monkeypatch, FROM_INDEX)


def test_an_organisation_named_as_an_indexed_title(session, monkeypatch):
    """An organisation created (or renamed) after the index was built may be the name an indexed project's title
    reads as (title_organisation): those projects are read again."""
    p = register(session)
    index = warm_index(session)
    grant = make_project(session, "Mobile interdiction teams", countries=("KGZ",), owner="UK", donors=("UK",),
                         implementers=("UNODC", "Border Liaison Office Kyrgyzstan"))  # creates the organisation
    pairs, *_ = assert_same_as_cold(session, monkeypatch, FROM_INDEX)
    found = {(pair[0], pair[1]): {s[0] for s in pair[5]} for pair in pairs}
    key = tuple(sorted((p["kyrgyz"].id, grant.id)))
    assert "title_organisation" in found.get(key, set())
    # a check sees it too, from the index it kept
    assert register_index(session) is index
    row = index.row_of[p["kyrgyz"].id]
    assert not index.view[1][row]
    assert [f.title_organisation for f in index.view[2] if f.id == p["kyrgyz"].id] == [
        organisation(session, "Border Liaison Office Kyrgyzstan").id]
    # renamed away: the title names no organisation any more
    named = organisation(session, "Border Liaison Office Kyrgyzstan")
    named.name = "Kyrgyz Border Liaison Service"
    session.flush()
    assert_same_as_cold(session, monkeypatch, FROM_INDEX)


def test_an_organisation_renamed_by_another_process(session, database_url, monkeypatch):
    p = register(session)
    warm_index(session)
    implementer = organisation(session, "Tajik Border Partners Foundation").id
    with other_process(session, database_url) as conn:
        conn.execute(update(Organisation).where(Organisation.id == implementer)
                     .values(name="Border Management Program Agency (BMPA)"))
    # the report reads the spellings (their count, highest id and total length tell a rename): it loads the register
    pairs, *_ = assert_same_as_cold(session, monkeypatch, LOADED)
    key = tuple(sorted((p["agency1"].id, p["agency2"].id)))
    assert any((pair[0], pair[1]) == key and "same_implementer" in {s[0] for s in pair[5]} for pair in pairs)


def test_a_region_membership_change(session, monkeypatch):
    p = register(session)
    warm_index(session)
    before = assert_same_as_cold(session, monkeypatch, FROM_INDEX)
    # the project of the Central Asia region now meets Afghanistan's too (not committed: reference data stays)
    session.execute(insert(region_countries).values(region_id=region(session, "central-asia").id,
                                                    country_id=country(session, "AFG").id))
    make_project(session, TITLE, countries=("AFG",), donors=("France",), start=dt.date(2024, 2, 1))
    pairs, *_ = after = assert_same_as_cold(session, monkeypatch, LOADED)
    assert before != after
    assert any(p["regional"].id in pair[:2] for pair in pairs)
    session.execute(delete(region_countries).where(region_countries.c.country_id == country(session, "AFG").id,
                                                   region_countries.c.region_id == region(session, "central-asia").id))


def test_a_report_with_other_weights_uses_the_index_built_for_the_default(session, monkeypatch):
    register(session)
    index = warm_index(session)
    strict = DEFAULT_CONFIG.with_points(title_similarity=45.0, same_registrant=0.0)
    assert_same_as_cold(session, monkeypatch, FROM_INDEX, strict)
    assert register_index(session) is index and index.cfg == DEFAULT_CONFIG


@pytest.mark.parametrize("many", [False, True])
def test_too_many_changes_load_the_register(session, monkeypatch, many):
    from adam.overlap import index as index_module

    p = register(session)
    warm_index(session)
    monkeypatch.setattr(index_module, "REBUILD_AFTER", 1 if many else 2000)
    p["a"].title, p["b"].title = TITLE + " in Khujand", TITLE + " in Khujand"
    session.flush()
    assert_same_as_cold(session, monkeypatch, LOADED if many else FROM_INDEX)
    state = _state(_engine(session))
    assert state.index is not None
