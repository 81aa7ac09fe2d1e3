"""The register index of the save-time check stays equal to the register: edits, new projects, withdrawals and
deletions after it was built are seen by the next check, and its scores equal a fresh scan's."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import delete

from adam.models import Project
from adam.models.project import project_countries
from adam.overlap import check_project
from adam.overlap.engine import find_overlaps
from adam.overlap.features import features_from_project, load_features
from adam.overlap.index import register_index
from tests.factories import country, make_project, organisation
from tests.overlap.test_overlap_check import TITLE, draft


def matched(session, project=None) -> list[int]:
    return [r.other.id for r in check_project(session, project if project is not None else draft(session))]


def test_index_sees_edits_new_projects_withdrawals_and_deletions(session):
    a = make_project(session, TITLE)
    b = make_project(session, "Methadone maintenance in prisons", countries=("KAZ",), pillars=(4,), themes=())
    assert matched(session) == [a.id]  # builds the index

    c = make_project(session, TITLE, donors=("Japan",))  # a new project
    assert sorted(matched(session)) == sorted([a.id, c.id])

    a.countries = [country(session, "GEO")]  # only a link changes: no column of the project row does
    session.flush()
    assert matched(session) == [c.id]

    b.title, b.countries = TITLE, [country(session, "TJK")]  # an edit makes another project a match
    session.flush()
    assert sorted(matched(session)) == sorted([b.id, c.id])

    b.withdrawn_at = dt.datetime.now(dt.timezone.utc)
    session.flush()
    assert matched(session) == [c.id]

    session.execute(delete(project_countries).where(project_countries.c.project_id == c.id))
    session.execute(delete(Project).where(Project.id == c.id))  # outside the ORM
    assert matched(session) == []


def test_index_scores_equal_a_fresh_scan(session):
    for i in range(6):
        make_project(session, f"{TITLE} phase {i}", donors=("UK", "Japan")[i % 2:i % 2 + 1],
                     start=dt.date(2024, 1 + i, 1), summary="Profiling units at Dushanbe airport" if i % 2 else "")
    register_index(session)  # built now: the project below is compared as a change since the build
    make_project(session, TITLE, countries=("TJK", "UZB"), institutions=("Customs Service of Tajikistan",))
    d = draft(session, institutions=("Customs Service of Tajikistan",), summary="Profiling units at Dushanbe airport")
    results = check_project(session, d, limit=None)
    index = register_index(session)
    expected = find_overlaps(features_from_project(d, index.regions), list(load_features(session).values()),
                             title_idf=index.corpus.title_idf, text_idf=index.corpus.text_idf)
    assert len(results) >= 5
    assert [(r.other.id, r.score) for r in results] == [(f.id, s.score) for f, s in expected]


def test_index_scores_iati_records_of_one_publisher_like_the_fresh_scan(session):
    """The save-time index applies the same-publisher discount exactly as the worded score does."""
    uk = organisation(session, "UK")
    for i in range(3):
        make_project(session, TITLE, owner=uk, iati_identifier=f"GB-GOV-1-{i}",
                     institutions=("Customs Service of Tajikistan",))
    make_project(session, TITLE, owner=uk, institutions=("Customs Service of Tajikistan",))  # typed, no identifier
    register_index(session)
    d = draft(session, institutions=("Customs Service of Tajikistan",), start=dt.date(2024, 1, 1), end=dt.date(2024, 12, 31))
    d.iati_identifier, d.owner_organisation_id = "GB-GOV-1-9", uk.id
    results = check_project(session, d, limit=None)
    index = register_index(session)
    expected = find_overlaps(features_from_project(d, index.regions), list(load_features(session).values()),
                             title_idf=index.corpus.title_idf, text_idf=index.corpus.text_idf)
    assert len(results) == 4
    assert [(r.other.id, r.score) for r in results] == [(f.id, s.score) for f, s in expected]
    names = {r.other.iati_identifier: {s.name for s in r.signals} for r in results}
    assert any("same_publisher" in n for ident, n in names.items() if ident)
    assert all("same_publisher" not in n and "same_registrant" in n for ident, n in names.items() if not ident)


def test_index_scores_a_title_that_names_an_organisation_like_the_fresh_scan(session):
    # the country programme of "UNODC Tajikistan", registered by UNODC and funded by the UK; in the index
    programme = make_project(session, "UNODC Tajikistan", owner="UNODC", donors=("UK",),
                             implementers=("UNODC Tajikistan",), summary="Country programme")
    grant = make_project(session, "Canine units at border posts", owner="UNODC", donors=("UK",),
                         implementers=("UNODC Tajikistan",))
    index = register_index(session)
    # a draft grant of the UK carried out by UNODC Tajikistan; and a draft titled with that organisation's name
    d = draft(session, title="Mobile interdiction teams")
    d.owner_organisation = organisation(session, "UK")
    d.implementers = [organisation(session, n, "multilateral") for n in ("UNODC", "UNODC Tajikistan")]
    titled = draft(session, title="UNODC Tajikistan", donors=("UK",))
    titled.owner_organisation = organisation(session, "UK")
    for project, other in ((d, programme), (titled, grant)):
        results = check_project(session, project, limit=None)
        expected = find_overlaps(features_from_project(project, index.regions), list(load_features(session).values()),
                                 title_idf=index.corpus.title_idf, text_idf=index.corpus.text_idf)
        assert [(r.other.id, r.score) for r in results] == [(f.id, s.score) for f, s in expected]
        found = {r.other.id: r for r in results}
        assert other.id in found
        assert "title_organisation" in {s.name for s in found[other.id].signals}


def test_index_reads_a_title_naming_an_organisation_created_after_it_was_built(session):
    make_project(session, TITLE)
    register_index(session)  # built before the organisation below exists
    programme = make_project(session, "UNODC Kyrgyzstan", owner="UNODC", donors=("UK",),
                             implementers=("UNODC Kyrgyzstan",))
    d = draft(session, title="Mobile interdiction teams")
    d.owner_organisation = organisation(session, "UK")
    d.implementers = [organisation(session, n, "multilateral") for n in ("UNODC", "UNODC Kyrgyzstan")]
    found = {r.other.id: r for r in check_project(session, d, limit=None)}
    assert "title_organisation" in {s.name for s in found[programme.id].signals}


def _statements(session, call) -> tuple[object, list[str]]:
    """What `call()` returns and the SQL statements it sent (each a round trip on PostgreSQL)."""
    from sqlalchemy import event

    engine = session.get_bind()
    sent: list[str] = []

    def note(conn, cursor, statement, *args):  # noqa: ANN001
        sent.append(statement)

    event.listen(engine, "before_cursor_execute", note)
    try:
        return call(), sent
    finally:
        event.remove(engine, "before_cursor_execute", note)


def test_a_check_with_several_matches_costs_three_round_trips(session):
    """Once the index is current, a check sends the stamp query and, when something is flagged, one query for
    the organisations' names and one for the flagged projects (not one per project)."""
    for i in range(5):
        make_project(session, f"{TITLE} phase {i}", institutions=("Customs Service of Tajikistan",))
    d = draft(session, institutions=("Customs Service of Tajikistan",))
    check_project(session, d)  # builds the index
    session.expunge_all()  # the flagged projects are not in the session: they must be loaded
    results, sent = _statements(session, lambda: check_project(session, d))
    assert len(results) == 5
    assert all(r.other.title.startswith(TITLE) for r in results)
    assert len(sent) == 3, sent
    elsewhere = draft(session, countries=("GEO",))
    _, sent = _statements(session, lambda: check_project(session, elsewhere))
    assert len(sent) == 1, sent  # nothing flagged: the stamp alone


def _fresh(session, d):
    """The check's answer computed from scratch: a fresh region catalogue and organisation spellings."""
    from adam.overlap.features import RegionCatalogue

    index = register_index(session)
    return [(f.id, s.score) for f, s in find_overlaps(
        features_from_project(d, RegionCatalogue(session)), list(load_features(session).values()),
        title_idf=index.corpus.title_idf, text_idf=index.corpus.text_idf)]


def test_index_sees_organisations_added_and_renamed_after_it_was_built(session):
    """Spelling variants of one organisation read as one (organisation_canon): an organisation added or renamed
    after the index was built is read as the fresh scan reads it."""
    from adam.models import Organisation

    iom = organisation(session, "International Organisation for Migration")
    a = make_project(session, TITLE, donors=("UK",), implementers=(iom.name,), start=dt.date(2024, 3, 1))
    make_project(session, "Methadone maintenance in prisons", countries=("KAZ",), pillars=(4,), themes=())
    register_index(session)
    variant = Organisation(name="International Organization for Migration (IOM)", type="multilateral")
    session.add(variant)
    session.flush()
    d = draft(session, donors=("UK",))
    d.implementers = [variant]
    before = [(r.other.id, r.score) for r in check_project(session, d, limit=None)]
    assert before == _fresh(session, d) and before[0][0] == a.id
    assert "same_implementer" in {s.name for s in check_project(session, d)[0].signals}

    other = Organisation(name="Crown Agents", type="multilateral")  # renamed into a variant of IOM's name
    session.add(other)
    session.flush()
    d.implementers = [other]
    assert "same_implementer" not in {s.name for s in check_project(session, d)[0].signals}
    other.name = "International Organization for Migration"
    session.flush()
    assert "same_implementer" in {s.name for s in check_project(session, d)[0].signals}
    assert [(r.other.id, r.score) for r in check_project(session, d, limit=None)] == _fresh(session, d)


def test_a_new_organisation_reads_only_the_new_spellings(session):
    """After a new organisation, the next check reads the new names only, not every organisation's."""
    from adam.models import Organisation

    make_project(session, TITLE, implementers=("International Organisation for Migration",))
    d = draft(session)
    check_project(session, d)  # builds the index
    session.add(Organisation(name="International Organization for Migration (IOM)", type="multilateral"))
    session.flush()
    _, sent = _statements(session, lambda: check_project(session, d))
    names_read = [s for s in sent if "organisations.id, organisations.name" in s and "WHERE" not in s]
    assert not names_read, names_read
    assert any("organisations.id >" in s for s in sent)

