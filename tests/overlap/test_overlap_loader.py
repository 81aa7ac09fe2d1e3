"""The register's features read through the driver's cursor (features.load_features) are exactly those the
Session-based loader gave before, and those a saved project's own object gives, on both databases."""
from __future__ import annotations

import dataclasses
import datetime as dt
from collections import defaultdict
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, text

from adam.models import Project, ProjectFunder, ProjectRelatedActivity, ProjectSector
from adam.models.project import (
    project_countries,
    project_implementers,
    project_institutions,
    project_pillars,
    project_regions,
    project_themes,
)
from adam.overlap.features import (
    ProjectFeatures,
    RegionCatalogue,
    _as_date,
    countries_named,
    features_from_project,
    load_features,
)
from adam.overlap.report import register_features
from tests.factories import make_project, organisation


def reference_load_features(session, ids=None, regions=None, include_withdrawn=False) -> dict[int, ProjectFeatures]:
    """The loader as it was before the driver's cursor (Session.execute, one Row per row): the oracle."""
    regions = regions or RegionCatalogue(session)
    columns = (Project.id, Project.title, Project.summary, Project.description, Project.language, Project.status,
               Project.activity_type, Project.starts_on, Project.ends_on, Project.created_at,
               Project.owner_organisation_id, Project.iati_identifier, Project.budget_usd)
    id_list = None if ids is None else sorted(set(ids))
    chunks = [None] if id_list is None else [id_list[i:i + 900] for i in range(0, len(id_list), 900)]
    rows = []
    for chunk in chunks:
        stmt = select(*columns)
        if chunk is not None:
            stmt = stmt.where(Project.id.in_(chunk))
        if not include_withdrawn:
            stmt = stmt.where(Project.withdrawn_at.is_(None))
        rows.extend(session.execute(stmt))
    found = [r[0] for r in rows]

    def pairs(table, column):
        out = defaultdict(set)
        stmt = select(table.c.project_id, column)
        for start in ([0] if id_list is None else range(0, len(found), 900)):
            chunk = stmt if id_list is None else stmt.where(table.c.project_id.in_(found[start:start + 900]))
            for pid, value in session.execute(chunk):
                out[pid].add(value)
        return out

    countries = pairs(project_countries, project_countries.c.country_id)
    region_links = pairs(project_regions, project_regions.c.region_id)
    pillars = pairs(project_pillars, project_pillars.c.pillar_id)
    themes = pairs(project_themes, project_themes.c.theme_id)
    institutions = pairs(project_institutions, project_institutions.c.organisation_id)
    implementers = pairs(project_implementers, project_implementers.c.organisation_id)
    funders = pairs(ProjectFunder.__table__, ProjectFunder.__table__.c.organisation_id)
    sectors = pairs(ProjectSector.__table__, ProjectSector.__table__.c.code)
    related = pairs(ProjectRelatedActivity.__table__, ProjectRelatedActivity.__table__.c.iati_identifier)
    empty: frozenset = frozenset()
    result = {}
    for (pid, title, summary, description, language, status, activity_type, starts_on, ends_on, created_at,
         owner, iati_identifier, budget_usd) in rows:
        named = frozenset(countries.get(pid, empty))
        places, wide = regions.places(named, region_links.get(pid, empty))
        result[pid] = ProjectFeatures(
            id=pid, title=title or "", text=" ".join(t for t in (summary, description) if t), language=language,
            status=status or "pipeline", activity_type=activity_type, starts_on=starts_on, ends_on=ends_on,
            recorded_on=_as_date(created_at), countries=named, places=places, wide=wide,
            pillars=frozenset(pillars.get(pid, empty)), themes=frozenset(themes.get(pid, empty)),
            sectors=frozenset(sectors.get(pid, empty)), institutions=frozenset(institutions.get(pid, empty)),
            funders=regions.organisations(funders.get(pid, empty)),
            implementers=regions.organisations(implementers.get(pid, empty)), owner=regions.organisation(owner),
            iati_identifier=iati_identifier, related=frozenset(related.get(pid, empty)),
            budget_usd=float(budget_usd) if budget_usd is not None else None,
            title_organisation=regions.organisation_titled(title),
            title_countries=countries_named(title),
        )
    return result


def exact(features: dict[int, ProjectFeatures]) -> dict[int, tuple]:
    """Every field with its type: 1 == 1.0 == True would hide a date read as text or a float read as Decimal."""
    return {pid: tuple((field.name, type(value).__name__, value)
                       for field in dataclasses.fields(f) for value in [getattr(f, field.name)])
            for pid, f in features.items()}


def rich_register(session) -> list[Project]:
    """Projects with everything the features read, and the awkward cases: no dates, open ends, regions (global,
    with members, without), spelling variants of one organisation, a title that is an organisation's name,
    sectors and stated links, budgets with more decimals than the column keeps, accents, empty texts, withdrawn."""
    iom = organisation(session, "International Organization for Migration (IOM)", "multilateral")
    variant = organisation(session, "International Organisation for Migration", "multilateral")
    wva = organisation(session, "World Vision Afghanistan", "ngo")
    projects = [
        make_project(session, "Container profiling training for customs officers in Dushanbe",
                     summary="Türkiye and Tajikistan: profiling of containers", description="Longer text.",
                     institutions=("Customs Service of Tajikistan",), language="en", iati_identifier="XM-1",
                     budget=Decimal("1234.56")),
        make_project(session, "Border management in Central Asia", countries=(), regions=("central-asia",),
                     donors=("UK", "Japan"), implementers=(variant.name, "UNODC"), owner=iom, start=None, end=None,
                     status="completed", budget=None, language="ru-RU", iati_identifier="XM-2"),
        make_project(session, "Global research on synthetic drugs", countries=(), regions=("dac-998",),
                     pillars=(3,), themes=(), donors=(), implementers=(), activity_type=None, status="pipeline",
                     end=None, summary="", budget=Decimal("0.10")),
        make_project(session, "World Vision Afghanistan", countries=("AFG", "PAK"), donors=("USAID",),
                     implementers=(wva.name,), owner="USAID", start=None, end=dt.date(2025, 6, 30),
                     budget=Decimal("99999999.99"), iati_identifier="XM-4"),
        make_project(session, "Programme de prévention en Côte d'Ivoire", countries=("CIV",), pillars=(4,),
                     themes=("prevention",), institutions=("Ministère de la Santé",), language="fr",
                     actual_start_on=dt.date(2023, 5, 2), status="cancelled"),
        make_project(session, "No country at all", countries=(), pillars=(), themes=(), donors=(), implementers=(),
                     start=None, end=None, activity_type="", status="ongoing"),
    ]
    projects[0].sectors = [ProjectSector(code="15210"), ProjectSector(code="12263", vocabulary="1"),
                           ProjectSector(code="", vocabulary="2")]
    projects[1].related_activities = [ProjectRelatedActivity(iati_identifier="XM-1"),
                                      ProjectRelatedActivity(iati_identifier="XM-unknown", kind="provider-activity")]
    projects[3].related_activities = [ProjectRelatedActivity(iati_identifier="XM-2")]
    withdrawn = make_project(session, "Withdrawn duplicate", donors=("Japan",))
    withdrawn.withdrawn_at = dt.datetime.now(dt.timezone.utc)
    for p in projects:
        p.refresh_effective_dates()
    session.flush()
    return projects + [withdrawn]


def test_the_fast_loader_gives_what_the_old_one_gave_for_a_rich_register(session):
    projects = rich_register(session)
    regions = RegionCatalogue(session)
    expected = reference_load_features(session, regions=regions)
    assert len(expected) == len(projects) - 1  # the withdrawn one is not read
    assert exact(load_features(session, regions=regions)) == exact(expected)
    # By ids, with and without withdrawn projects, unknown ids ignored.
    ids = [p.id for p in projects[::2]] + [projects[-1].id, 10**9]
    for include_withdrawn in (False, True):
        assert exact(load_features(session, ids, regions, include_withdrawn=include_withdrawn)) == exact(
            reference_load_features(session, ids, regions, include_withdrawn=include_withdrawn))
    assert load_features(session, [], regions) == {}
    every = load_features(session, regions=regions, include_withdrawn=True)
    assert set(every) == {p.id for p in projects}
    # The awkward cases really are in the register.
    got = load_features(session, regions=regions)
    iom = got[projects[1].id].owner  # the two spellings of IOM read as one organisation
    assert iom in got[projects[1].id].implementers and len(got[projects[1].id].implementers) == 2
    assert got[projects[2].id].wide and got[projects[1].id].places and not got[projects[1].id].countries
    assert got[projects[3].id].title_organisation is not None
    assert got[projects[0].id].budget_usd == 1234.56 and isinstance(got[projects[0].id].recorded_on, dt.date)
    assert got[projects[1].id].related == frozenset({"XM-1", "XM-unknown"})


def test_the_fast_loader_reads_a_saved_project_as_its_own_object_does(session):
    projects = rich_register(session)[:-1]
    regions = RegionCatalogue(session)
    loaded = load_features(session, regions=regions)
    for project in projects:
        from_object = features_from_project(project, regions)
        # features_from_project drops empty sector codes (a form never sends one); the loader keeps what is stored
        from_object = dataclasses.replace(from_object, sectors=frozenset(
            s.code for s in project.sectors))
        assert exact({project.id: loaded[project.id]}) == exact({project.id: from_object}), project.title


def test_values_the_driver_returns_are_converted_as_sqlalchemy_converts_them(session, backend):
    """Dates and the budget are text and floats in SQLite: the column types' own conversion applies (a budget
    written with more decimals than Numeric(18, 2) keeps reads as SQLAlchemy rounds it)."""
    project = make_project(session, "Budget written by plain SQL")
    session.execute(text("UPDATE projects SET budget_usd = :b WHERE id = :i"), {"b": 1234.5678, "i": project.id})
    got = load_features(session, [project.id])[project.id]
    assert got.budget_usd == float(session.scalar(select(Project.budget_usd).where(Project.id == project.id)))
    assert got.starts_on == dt.date(2024, 1, 1) and type(got.starts_on) is dt.date
    assert exact({1: got}) == exact({1: reference_load_features(session, [project.id])[project.id]})


def test_the_fast_loader_sees_what_the_session_has_not_flushed_yet(session):
    project = make_project(session, "Flushed")
    regions = RegionCatalogue(session)  # built before: its queries do not flush what follows
    project.title = "Renamed but not flushed"
    added = Project(title="Added but not flushed", status="pipeline")
    session.add(added)
    got = load_features(session, regions=regions)
    assert got[project.id].title == "Renamed but not flushed"
    assert added.id in got


def test_register_features_name_every_organisation_the_features_mention(session):
    projects = rich_register(session)
    features, names = register_features(session)
    mentioned = set()
    for f in features:
        mentioned |= f.organisations | f.institutions
    assert set(names) == mentioned and len(features) == len(projects) - 1


def test_organisation_names_read_many_ids_in_one_range_like_the_lists_of_ids(session):
    """A register's many organisations are read in one range query; the names are those the lists give."""
    from sqlalchemy import func, insert

    from adam.models import Organisation
    from adam.overlap.check import organisation_names

    session.execute(insert(Organisation), [{"name": f"Partner {i}", "acronym": f"P{i}" if i % 3 else None,
                                            "type": "ngo"} for i in range(1200)])
    top = session.scalar(select(func.max(Organisation.id)))
    ids = [i for i in range(top - 1199, top + 1) if i % 7]  # most of a range, with gaps
    ids.append(None)
    statements = []
    from sqlalchemy import event

    def note(conn, cursor, statement, *args):  # noqa: ANN001
        statements.append(statement)

    event.listen(session.get_bind(), "before_cursor_execute", note)
    try:
        names = organisation_names(session, ids)
    finally:
        event.remove(session.get_bind(), "before_cursor_execute", note)
    assert len(statements) == 1 and "BETWEEN" in statements[0]
    listed = {}
    for start in range(0, len(ids) - 1, 500):  # below 900 ids, the lists of ids
        listed.update(organisation_names(session, ids[start:start + 500]))
    assert names == listed and len(names) == len(ids) - 1
    first = top - 1199
    assert all(names[i] == (f"Partner {i - first} (P{i - first})" if (i - first) % 3 else f"Partner {i - first}")
               for i in ids if i is not None)


COUNTRIES = ("TJK", "AFG", "PAK", "KAZ", "GEO")
REGIONS = ("central-asia", "dac-998")
ORGANISATIONS = ("UK", "Japan", "UNODC", "International Organisation for Migration",
                 "International Organization for Migration (IOM)", "World Vision Afghanistan")
dates = st.one_of(st.none(), st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2040, 12, 31)))
words = st.sampled_from(["Border", "control", "Türkiye", "précurseurs", "контроль", "UNODC", "", "World Vision",
                         "Afghanistan", "(IOM)", "the"])
projects_strategy = st.lists(st.fixed_dictionaries({
    "title": st.lists(words, max_size=5).map(" ".join),
    "summary": st.one_of(st.just(""), st.lists(words, max_size=6).map(" ".join)),
    "countries": st.lists(st.sampled_from(COUNTRIES), max_size=3, unique=True),
    "regions": st.lists(st.sampled_from(REGIONS), max_size=2, unique=True),
    "pillars": st.lists(st.integers(1, 4), max_size=2, unique=True),
    "donors": st.lists(st.sampled_from(ORGANISATIONS), max_size=2, unique=True),
    "implementers": st.lists(st.sampled_from(ORGANISATIONS), max_size=2, unique=True),
    "institutions": st.lists(st.sampled_from(("Customs Service of Tajikistan", "Drug Control Agency")), max_size=2,
                             unique=True),
    "owner": st.one_of(st.none(), st.sampled_from(ORGANISATIONS)),
    "start": dates, "days": st.one_of(st.none(), st.integers(0, 3000)),
    "status": st.sampled_from(("pipeline", "ongoing", "completed", "cancelled")),
    "activity_type": st.sampled_from((None, "training", "equipment")),
    "budget": st.one_of(st.none(), st.decimals(min_value=0, max_value=10**9, places=2)),
    "language": st.sampled_from((None, "en", "fr", "ru-RU")),
    "sectors": st.lists(st.sampled_from(("15210", "12263", "")), max_size=2, unique=True),
    "related": st.lists(st.sampled_from(("XM-0", "XM-1", "XM-2", "XM-9")), max_size=2, unique=True),
    "withdrawn": st.booleans(),
}), min_size=1, max_size=6)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(drafts=projects_strategy)
def test_the_fast_loader_equals_the_old_one_on_any_register(session, drafts):
    try:
        saved = []
        for k, d in enumerate(drafts):
            end = None if d["days"] is None else (d["start"] or dt.date(2020, 1, 1)) + dt.timedelta(d["days"])
            p = make_project(session, d["title"], summary=d["summary"], countries=d["countries"],
                             regions=d["regions"], pillars=d["pillars"], themes=(), donors=d["donors"],
                             implementers=d["implementers"], institutions=d["institutions"], owner=d["owner"],
                             start=d["start"], end=end, status=d["status"], activity_type=d["activity_type"],
                             budget=d["budget"], language=d["language"], iati_identifier=f"XM-{k}")
            p.sectors = [ProjectSector(code=c) for c in d["sectors"]]
            p.related_activities = [ProjectRelatedActivity(iati_identifier=r) for r in d["related"]]
            if d["withdrawn"]:
                p.withdrawn_at = dt.datetime.now(dt.timezone.utc)
            p.refresh_effective_dates()
            saved.append(p)
        session.flush()
        regions = RegionCatalogue(session)
        assert exact(load_features(session, regions=regions)) == exact(
            reference_load_features(session, regions=regions))
        ids = [p.id for p in saved[::2]]
        assert exact(load_features(session, ids, regions, include_withdrawn=True)) == exact(
            reference_load_features(session, ids, regions, include_withdrawn=True))
    finally:
        session.rollback()


@pytest.mark.parametrize("chunk", [1, 2])
def test_ids_in_many_chunks_read_as_in_one(session, monkeypatch, chunk):
    import adam.overlap.features as features

    projects = rich_register(session)
    ids = [p.id for p in projects]
    whole = exact(load_features(session, ids, include_withdrawn=True))
    real = features._chunks
    monkeypatch.setattr(features, "_chunks", lambda items, size=900: real(items, chunk))
    assert exact(load_features(session, ids, include_withdrawn=True)) == whole
