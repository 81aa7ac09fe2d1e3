"""A bulk import refreshes the search index batch by batch (adam.search.bulk): what it leaves is exactly what the
row triggers would have left, the version stamp moves, and the triggers are back for every later write."""
from __future__ import annotations

import pytest
from sqlalchemy import select, text

from adam.iati import importer as importer_module
from adam.iati.importer import import_files
from adam.models import Project
from adam.search.bulk import DeferredSearchIndex, deferred_search_index
from adam.search.cache import register_version
from adam.search.fulltext import ranked_matches
from tests.iati.xml import activity, write

RUSSIAN = activity("XM-DAC-41128-KGZ-9", title="Профилактика наркомании в Бишкеке", attrs='xml:lang="ru"', body=(
    '<description><narrative>Школьные психологи и родители.</narrative></description>'
    '<recipient-country code="KG"/>'))
FRENCH = activity("XM-DAC-41128-SEN-3", title="Contrôle des précurseurs", attrs='xml:lang="fr"', body=(
    '<description type="2"><narrative>Laboratoires côtiers.</narrative></description>'
    '<participating-org role="beneficiary"><narrative>Office central des stupéfiants</narrative></participating-org>'
    '<recipient-country code="SN"/>'))


def matches(session, words: str) -> set[str]:
    query = ranked_matches(session.get_bind().dialect.name, words)
    ids = [row.project_id for row in session.execute(query)]
    return set(session.scalars(select(Project.iati_identifier).where(Project.id.in_(ids)))) if ids else set()


def index_as_triggers_build_it(session) -> list:
    """Every project's index row next to the one the triggers' own expressions build from the tables."""
    if session.get_bind().dialect.name == "postgresql":
        return session.execute(text(
            "SELECT p.id, s.document IS NOT DISTINCT FROM adam_project_document(p.id) "
            "FROM projects p LEFT JOIN project_search s ON s.project_id = p.id ORDER BY p.id")).all()
    fold = "replace(replace(coalesce({}, ''), 'ё', 'е'), 'Ё', 'Е')"
    institutions = fold.format(
        "(SELECT group_concat(o.name || ' ' || coalesce(o.acronym, ''), ' ') FROM project_institutions pi "
        "JOIN organisations o ON o.id = pi.organisation_id WHERE pi.project_id = p.id)")
    return session.execute(text(
        f"SELECT p.id, s.title = {fold.format('p.title')} AND s.summary = {fold.format('p.summary')} "
        f"AND s.description = {fold.format('p.description')} AND coalesce(s.institutions, '') = {institutions} "
        "FROM projects p LEFT JOIN project_search s ON s.rowid = p.id ORDER BY p.id")).all()


def deferred(session) -> bool:
    if session.get_bind().dialect.name == "postgresql":
        return session.scalar(text("SELECT current_setting('adam.bulk_import', true)")) == "on"
    return session.scalar(text("SELECT count(*) FROM project_search_bulk")) > 0


def test_imported_projects_are_found_at_once_and_their_index_rows_match_the_triggers(session, tmp_path, monkeypatch):
    refreshed = []
    refresh = DeferredSearchIndex.refresh

    def spy(self, created=(), replaced=(), **kwargs):
        refreshed.append((self.active, deferred(session), list(created), list(replaced)))
        return refresh(self, created, replaced, **kwargs)

    monkeypatch.setattr(DeferredSearchIndex, "refresh", spy)
    before = register_version(session)
    report = import_files(session, [write(tmp_path, RUSSIAN, FRENCH)], batch_size=1)
    session.commit()
    assert report.created == 2
    # The bulk path ran: the triggers stood aside, and each batch (of one here) was refreshed by itself.
    assert [(active, flag, len(created), replaced) for active, flag, created, replaced in refreshed] == [
        (True, True, 1, []), (True, True, 1, [])]
    assert matches(session, "наркомании") == {"XM-DAC-41128-KGZ-9"}
    assert matches(session, "precurseurs cotiers") == {"XM-DAC-41128-SEN-3"}
    assert matches(session, "stupefiants") == {"XM-DAC-41128-SEN-3"}  # a beneficiary institution's name
    rows = index_as_triggers_build_it(session)
    assert rows and all(same for _, same in rows)
    assert register_version(session) != before
    assert not deferred(session)


def test_an_updating_import_replaces_the_old_words(session, tmp_path):
    import_files(session, [write(tmp_path, FRENCH)])
    session.commit()
    renamed = FRENCH.replace("Contrôle des précurseurs", "Surveillance portuaire")
    before = register_version(session)
    report = import_files(session, [write(tmp_path, renamed, name="v2.xml")])
    session.commit()
    assert report.updated == 1
    assert matches(session, "precurseurs") == set()
    assert matches(session, "portuaire") == {"XM-DAC-41128-SEN-3"}
    assert all(same for _, same in index_as_triggers_build_it(session))
    assert register_version(session) != before


def test_a_re_import_that_changes_nothing_leaves_the_stamp_alone(session, tmp_path):
    path = write(tmp_path, RUSSIAN, FRENCH)
    import_files(session, [path])
    session.commit()
    before = register_version(session)
    again = import_files(session, [path])
    session.commit()
    assert again.unchanged == 2 and register_version(session) == before


def test_writes_after_the_import_in_the_same_transaction_fire_the_triggers_again(session, tmp_path):
    import_files(session, [write(tmp_path, FRENCH)])
    assert not deferred(session)
    session.execute(text("UPDATE projects SET title = 'Ports et aéroports' WHERE iati_identifier = 'XM-DAC-41128-SEN-3'"))
    session.commit()
    assert matches(session, "aeroports") == {"XM-DAC-41128-SEN-3"}


def test_an_import_that_fails_half_way_puts_the_triggers_back(session, tmp_path, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(importer_module._Importer, "_children", broken)
    with pytest.raises(RuntimeError, match="disk full"):
        import_files(session, [write(tmp_path, FRENCH)])
    assert not deferred(session)
    session.rollback()
    assert not deferred(session)


def test_a_nested_block_leaves_the_flag_to_the_outer_one(session):
    with deferred_search_index(session) as outer:
        with deferred_search_index(session) as inner:
            assert not inner.active
        assert outer.active and deferred(session)
    assert not deferred(session)
    session.rollback()


def test_a_flag_left_committed_by_a_failed_run_is_taken_over(session, tmp_path):
    if session.get_bind().dialect.name != "sqlite":
        pytest.skip("PostgreSQL's flag is a transaction-local setting: nothing can leave it behind")
    session.execute(text("INSERT INTO project_search_bulk (id) VALUES (1)"))
    session.commit()
    import_files(session, [write(tmp_path, FRENCH)])
    session.commit()
    assert not deferred(session)
    assert matches(session, "precurseurs") == {"XM-DAC-41128-SEN-3"}
    assert all(same for _, same in index_as_triggers_build_it(session))


def test_sqlite_settings_of_the_import_are_as_they_were_after_it(session, tmp_path, monkeypatch):
    if session.get_bind().dialect.name != "sqlite":
        pytest.skip("settings of SQLite's")

    def settings():
        return tuple(session.execute(text(f"PRAGMA {name}")).scalar() for name in ("temp_store", "cache_size"))

    before = settings()
    seen = []
    refresh = DeferredSearchIndex.refresh

    def spy(self, *args, **kwargs):
        seen.append(settings())
        return refresh(self, *args, **kwargs)

    monkeypatch.setattr(DeferredSearchIndex, "refresh", spy)
    import_files(session, [write(tmp_path, FRENCH)])
    assert seen == [(2, -65536)]  # statement journals in memory and a 64 MiB page cache while importing
    assert settings() == before
    session.commit()


def test_a_large_block_analyses_the_institutions_table_on_postgresql(session, monkeypatch):
    """Its refresh looks up each project's institutions; planned from the statistics of a table the block has
    filled, that lookup scans the whole table per project (bench_overlap: 100,000 projects in 137-155 s, 25 s
    once analysed). The block analyses the table at 1,000 projects refreshed, 2,000, 4,000 and so on."""
    if session.get_bind().dialect.name != "postgresql":
        pytest.skip("PostgreSQL plans the refresh's lookups from the tables' statistics")
    from adam.search import bulk
    from tests.factories import make_project

    monkeypatch.setattr(bulk, "ANALYZE_FIRST", 2)

    def statistics():
        return session.scalar(text("SELECT reltuples FROM pg_class WHERE relname = 'project_institutions'"))

    with deferred_search_index(session) as index:
        projects = [make_project(session, f"Precursor control {k}", institutions=("Office central des stupéfiants",))
                    for k in range(5)]
        rows = session.scalar(text("SELECT count(*) FROM project_institutions"))
        assert statistics() != rows  # what the table held when it was last analysed, if ever
        index.refresh(created=[projects[0].id])  # 1 refreshed: not yet
        assert statistics() != rows
        index.refresh(created=[p.id for p in projects[1:3]])  # 3: analysed, the block's own rows counted
        assert statistics() == rows
        assert index.analyse_at == 6
        index.refresh(created=[p.id for p in projects[3:]])  # 5: not again before 6
    assert all(same for _, same in index_as_triggers_build_it(session))
    found = {row.project_id for row in session.execute(ranked_matches("postgresql", "stupefiants"))}
    assert found == {p.id for p in projects}  # by their institution's name, accents folded
