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
