"""The aggregate cache serves repeated views and never outlives a change to the register."""
from __future__ import annotations

from adam.search.cache import AggregateCache, register_version
from tests.factories import make_project


def test_a_cached_aggregate_is_recomputed_after_a_change(session, register):
    cache = AggregateCache()
    calls = []

    def compute():
        calls.append(1)
        return len(calls)

    version = register_version(session)
    assert cache.get("matrix", version, compute) == 1
    assert cache.get("matrix", register_version(session), compute) == 1  # unchanged register: served
    make_project(session, "A new project changes the stamp", countries=("AFG",))
    session.commit()
    assert register_version(session) != version
    assert cache.get("matrix", register_version(session), compute) == 2


def test_old_entries_leave_when_the_cache_is_full():
    cache = AggregateCache(max_entries=2)
    for key in ("a", "b", "c"):
        cache.get(key, (1,), lambda key=key: key)
    assert cache.get("a", (1,), lambda: "again") == "again"
    assert cache.get("c", (1,), lambda: "unused") == "c"


def test_pages_serve_the_same_figures_with_the_cache_on(client, session, register, app):
    from tests.factories import make_user
    from tests.helpers import login

    app.extensions["adam_search_cache"] = AggregateCache()
    try:
        login(client, make_user(session, "coordinator", "UNODC"))
        session.commit()
        first = client.get("/search/matrix?region=central-asia").get_data(as_text=True)
        assert client.get("/search/matrix?region=central-asia").get_data(as_text=True) == first
        assert app.extensions["adam_search_cache"].hits >= 1
    finally:
        app.extensions.pop("adam_search_cache", None)


# --- Invalidation: every write a search can see moves the stamp, and cached pages never show stale data. ---

import pytest  # noqa: E402
from sqlalchemy import text  # noqa: E402

from adam.extensions import db  # noqa: E402
from adam.projects.operations import withdraw_project  # noqa: E402


@pytest.fixture
def cached_client(client, session, register, app):
    from tests.factories import make_user
    from tests.helpers import login

    app.extensions["adam_search_cache"] = AggregateCache()
    login(client, make_user(session, "coordinator", "UNODC"))
    session.commit()
    yield client
    app.extensions.pop("adam_search_cache", None)


@pytest.mark.parametrize("statement", [
    "UPDATE projects SET title = 'Renamed behind the application' WHERE id = (SELECT min(id) FROM projects)",
    "DELETE FROM project_countries WHERE project_id = (SELECT min(project_id) FROM project_countries)",
    "UPDATE project_funders SET organisation_id = organisation_id WHERE id = (SELECT min(id) FROM project_funders)",
    # The newest organisation is the register's own (seeded ones and reference data outlive the test):
    "UPDATE organisations SET acronym = 'XX' WHERE id = (SELECT max(id) FROM organisations)",
    # Reference data stays between tests: an update that changes nothing still is a write.
    "UPDATE themes SET name = name WHERE id = (SELECT min(id) FROM themes)",
])
def test_any_committed_write_moves_the_stamp_even_behind_the_application(session, register, statement):
    before = register_version(session)
    session.execute(text(statement))
    session.commit()
    assert register_version(session) != before


def test_postgresql_truncate_moves_the_stamp(session, register):
    if session.get_bind().dialect.name != "postgresql":
        pytest.skip("SQLite has no TRUNCATE (a DELETE fires the row triggers)")
    before = register_version(session)
    session.execute(text("TRUNCATE project_themes"))
    session.commit()
    assert register_version(session) != before


def test_a_read_leaves_the_stamp_alone(session, register):
    before = register_version(session)
    session.execute(text("SELECT count(*) FROM projects")).scalar()
    session.commit()
    assert register_version(session) == before


def test_cached_results_page_totals_and_matrix_follow_a_withdrawal(cached_client, session, register, app):
    url = "/search/?country=TJK&sort=title"
    first = cached_client.get(url).get_data(as_text=True)
    assert "Container profiling training" in first and "<strong>2</strong> projects" in first
    matrix = cached_client.get("/search/matrix?country=TJK").get_data(as_text=True)
    assert cached_client.get(url).get_data(as_text=True) == first  # served from the cache
    hits = app.extensions["adam_search_cache"].hits
    assert hits >= 2

    withdraw_project(session, register["tjk_border"], None, "duplicate")
    session.commit()

    after = cached_client.get(url).get_data(as_text=True)
    assert "Container profiling training" not in after
    assert "<strong>1</strong> project" in after
    assert cached_client.get("/search/matrix?country=TJK").get_data(as_text=True) != matrix


def test_cached_page_shows_a_new_project_and_an_edit_made_with_sql(cached_client, session, register):
    from tests.factories import make_project

    url = "/search/?country=UZB&sort=title"
    assert "Brand new" not in cached_client.get(url).get_data(as_text=True)
    make_project(session, "Brand new UZB project", countries=("UZB",))
    session.commit()
    page = cached_client.get(url).get_data(as_text=True)
    assert "Brand new UZB project" in page
    # Moved to another country behind the application's back: gone from the cached search at once.
    session.execute(text("UPDATE project_countries SET country_id = (SELECT id FROM countries WHERE iso3 = 'SEN') "
                         "WHERE project_id = :id"), {"id": register["uzb_fiu"].id})
    session.commit()
    page = cached_client.get(url).get_data(as_text=True)
    assert "Financial intelligence unit mentoring" not in page


def test_postgresql_stamp_moves_at_commit_in_commit_order(session, register):
    """Two writers commit out of order (the later one first): the stamp read between the two commits
    differs from the one read after both, so an entry computed in between is not served afterwards."""
    if session.get_bind().dialect.name != "postgresql":
        pytest.skip("SQLite has one writer at a time")
    session.commit()
    first, second = db.engine.connect(), db.engine.connect()
    try:
        first.execute(text("UPDATE projects SET title = title || ' (1)' WHERE id = :id"), {"id": register["tjk_border"].id})
        stamp_before = register_version(session)
        session.commit()
        second.execute(text("UPDATE projects SET title = title || ' (2)' WHERE id = :id"), {"id": register["uzb_fiu"].id})
        second.commit()
        between = register_version(session)
        session.commit()
        assert between != stamp_before
        assert session.execute(text("SELECT count(*) FROM projects WHERE title LIKE '%(1)'")).scalar() == 0
        session.commit()
        first.commit()
        after = register_version(session)
        session.commit()
        assert after != between
    finally:
        first.close()
        second.close()


def test_cached_page_shows_a_renamed_donor_at_once(cached_client, session, register):
    from adam.models import Organisation

    url = "/search/?country=UZB&sort=title"
    assert "<td>US</td>" in cached_client.get(url).get_data(as_text=True)
    donor = session.query(Organisation).filter_by(acronym="US").one()
    donor.acronym = "USA-renamed"
    session.commit()
    try:
        page = cached_client.get(url).get_data(as_text=True)
        assert "USA-renamed" in page and "<td>US</td>" not in page
    finally:  # seeded organisations outlive the test
        donor.acronym = "US"
        session.commit()


def test_a_cached_matrix_is_served_in_each_reader_s_language(cached_client, session, register):
    english = cached_client.get("/search/matrix?country=TJK", headers={"Accept-Language": "en"}).get_data(as_text=True)
    french = cached_client.get("/search/matrix?country=TJK", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    again = cached_client.get("/search/matrix?country=TJK", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Each cell counts the projects" in english and "Each cell counts the projects" not in french
    assert "Chaque cellule compte les projets" in french and "Tadjikistan" in french
    assert again == english
