"""The search index of a bulk write: refreshed once per batch of projects instead of once per row.

The full-text index and (on SQLite) the register's version counter are kept by row triggers (migrations
0003_search, 0004_search_perf). For an import of thousands of projects, those per-row triggers cost more than
the import's own writes. Inside `deferred_search_index(session)` the triggers that the import fires stand aside
(migration 0005_iati_speed: on SQLite while project_search_bulk holds a row, on PostgreSQL while the
transaction-local setting adam.bulk_import is 'on'), and the writer calls `refresh(created, replaced)` after
each batch: one INSERT ... SELECT rebuilds the index rows of those projects from the tables, exactly as the
triggers would have, and on SQLite the version counter moves once. Leaving the block, normally or by an
exception, puts the triggers back for the rest of the transaction.

Only the writes made inside the block and reported to refresh() skip the triggers: every project whose title,
summary, description or beneficiary institutions the block writes must be passed to refresh() before the
block ends (the IATI importer passes every project it creates or updates). Other connections never see the
flag: on SQLite it is an uncommitted row of the writer's own transaction, on PostgreSQL a setting local to it.

Plain Python: takes a SQLAlchemy session, imports no Flask.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from functools import partial
from typing import Any

from sqlalchemy import bindparam, text
from sqlalchemy.orm import Session

CHUNK = 500  # ids per statement: well under SQLite's bound-parameter limit
# PostgreSQL: the refresh looks up each project's beneficiary institutions (adam_project_document), planned from
# the statistics of project_institutions and organisations; a block that fills them from (nearly) empty leaves
# those stale, and the lookup becomes a scan of the whole table per project: quadratic (100,000 projects with an
# institution each, written in one transaction: 137-155 s). The block analyses both tables (in its own
# transaction, which sees its own rows) when it has refreshed 1,000 projects, then 2,000, 4,000 and so on: a
# handful of times however large the block (23 s for those 100,000).
ANALYZE_FIRST = 1_000
_ANALYZE = "ANALYZE project_institutions, organisations"
_OPEN = "adam.search.bulk: deferred"  # session.info key of an open block


def _fold(expression: str) -> str:
    # As migration 0003_search: ё is written е in the index, on both sides of a query.
    return f"replace(replace(coalesce({expression}, ''), 'ё', 'е'), 'Ё', 'Е')"


_SQLITE_INSTITUTIONS = _fold(
    "(SELECT group_concat(o.name || ' ' || coalesce(o.acronym, ''), ' ') "
    "FROM project_institutions pi JOIN organisations o ON o.id = pi.organisation_id "
    "WHERE pi.project_id = p.id)"
)
_SQLITE_DELETE = text("DELETE FROM project_search WHERE rowid IN :ids").bindparams(
    bindparam("ids", expanding=True))
_SQLITE_INSERT = text(
    "INSERT INTO project_search (rowid, title, summary, description, institutions) "
    f"SELECT p.id, {_fold('p.title')}, {_fold('p.summary')}, {_fold('p.description')}, {_SQLITE_INSTITUTIONS} "
    "FROM projects p WHERE p.id IN :ids"
).bindparams(bindparam("ids", expanding=True))
_SQLITE_BUMP = text("UPDATE project_search_version SET version = version + 1 WHERE id = 1")
# PostgreSQL: adam_project_document(id) of migration 0003_search is a SQL function that cannot be inlined, so
# each call runs its own small query (plus the beneficiary institutions' subquery, planned for tables whose
# statistics an import has not caught up with yet: a hash join over every organisation). For a project without
# beneficiary institutions its document is exactly this expression of the row itself (the institutions' part is
# an empty tsvector, and appending one changes nothing); projects with institutions still get the function's own
# document. About 2.1 s -> 1.7 s of the server's CPU for the 15,082 projects of iati-real (tests compare every
# row with adam_project_document, and the expression with the function's source).
POSTGRES_OWN_TEXT_DOCUMENT = (
    "setweight(to_tsvector('simple', unaccent(coalesce(p.title, ''))), 'A')"
    " || setweight(to_tsvector('simple', unaccent(coalesce(p.summary, ''))), 'B')"
    " || setweight(to_tsvector('simple', unaccent(coalesce(p.description, ''))), 'C')"
)
_POSTGRES_REFRESH_SQL = (
    "INSERT INTO project_search (project_id, document) "
    # The batch's projects with institutions, listed once (an uncorrelated subquery: one index scan, whatever
    # the planner believes of a table the import is filling), not looked up per project.
    "SELECT p.id, CASE WHEN p.id = ANY(ARRAY(SELECT pi.project_id FROM project_institutions pi "
    "WHERE pi.project_id = ANY({ids}))) "
    f"THEN adam_project_document(p.id) ELSE {POSTGRES_OWN_TEXT_DOCUMENT} END "
    "FROM projects p WHERE p.id = ANY({ids}) "
    "ON CONFLICT (project_id) DO UPDATE SET document = EXCLUDED.document"
)
_POSTGRES_REFRESH = text(_POSTGRES_REFRESH_SQL.replace("{ids}", ":ids"))
_POSTGRES_REFRESH_DRIVER = _POSTGRES_REFRESH_SQL.replace("{ids}", "%(ids)s")  # psycopg's own parameter style
# The same expression over texts given as parameters (the alias p keeps it word for word), in their order.
_POSTGRES_DOCUMENTS_OF_TEXTS = (
    f"SELECT {POSTGRES_OWN_TEXT_DOCUMENT} FROM unnest(%(title)s::text[], %(summary)s::text[], "
    "%(description)s::text[]) WITH ORDINALITY AS p(title, summary, description, n) ORDER BY p.n"
)


class PendingDocuments:
    def __init__(self, ids: list[int], future: Any) -> None:
        self.ids, self.future = ids, future

    def result(self) -> list[tuple[int, bytes]]:
        return self.future.result()


class TextDocuments:
    """PostgreSQL: the documents of new projects without beneficiary institutions, computed from their texts on a
    second connection, in a thread, while the import's own connection writes the batch's other rows.

    Such a document depends on nothing but the project's title, summary and description (the function's
    expression, POSTGRES_OWN_TEXT_DOCUMENT), so another connection, which cannot see the import's uncommitted
    rows, computes it from the same texts with the same functions. Computing the 15,082 documents of iati-real
    is 1.5 s of server CPU; on the second connection it no longer waits behind the import's own statements. The
    documents travel in PostgreSQL's binary form (no text to parse) and are written by the import's connection
    with a binary COPY: created projects have no index row yet, so nothing is replaced.
    """

    def __init__(self, dbapi: Any) -> None:
        from concurrent.futures import ThreadPoolExecutor

        self.dbapi = dbapi
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="adam-search-documents")

    def submit(self, ids: list[int], titles: list[str | None], summaries: list[str | None],
               descriptions: list[str | None]) -> Any:
        """The documents being computed: .ids, and .result() [(project id, document in binary form)]."""
        return PendingDocuments(ids, self.executor.submit(self._compute, ids, titles, summaries, descriptions))

    def _compute(self, ids: list[int], titles: list, summaries: list, descriptions: list) -> list[tuple[int, bytes]]:
        with self.dbapi.cursor(binary=True) as cursor:
            cursor.execute(_POSTGRES_DOCUMENTS_OF_TEXTS,
                           {"title": titles, "summary": summaries, "description": descriptions})
            documents = [row[0] for row in cursor.fetchall()]
        return list(zip(ids, documents, strict=True))

    def close(self) -> None:
        self.executor.shutdown(wait=True)


class DeferredSearchIndex:
    """Handle of a deferred_search_index block: refresh() after each batch of written projects."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.dialect = session.get_bind().dialect.name
        self.active = False
        self.refreshed = 0  # projects refreshed in this block (PostgreSQL: when to analyse, see ANALYZE_FIRST)
        self.analyse_at = ANALYZE_FIRST

    def _start(self) -> None:
        if self.session.info.get(_OPEN):
            return  # an enclosing block of this session refreshes its projects and puts the triggers back
        if self.dialect == "sqlite":
            # OR IGNORE: a row that some failed run left committed is taken over (and removed at the end).
            self.session.execute(text("INSERT OR IGNORE INTO project_search_bulk (id) VALUES (1)"))
        elif self.dialect == "postgresql":
            self.session.execute(text("SELECT set_config('adam.bulk_import', 'on', true)"))
        else:
            return  # no deferred triggers on other databases: they run as usual
        self.session.info[_OPEN] = True
        self.active = True

    def _stop(self) -> None:
        if not self.active:
            return
        self.active = False
        self.session.info.pop(_OPEN, None)
        if self.dialect == "sqlite":
            self.session.execute(text("DELETE FROM project_search_bulk"))
        elif self.dialect == "postgresql":
            self.session.execute(text("SELECT set_config('adam.bulk_import', 'off', true)"))

    def refresh(self, created: Iterable[int] = (), replaced: Iterable[int] = (), *, changed: bool = False,
                defer: Callable[[Callable[[Any], None]], None] | None = None, documents: Any = None) -> None:
        """Rebuild the index rows of projects created or updated in this block; changed: other rows that the
        version counter covers were written (organisations), so the counter must move even with no project.

        defer (PostgreSQL): instead of running the statement now, hand defer() a step that runs it on the
        session's driver connection (psycopg), for a writer that sends it later in the same transaction, after
        the rows it reads (the IATI importer's background writer); documents (with defer): a future of
        TextDocuments for some of the created projects, whose index rows are then those documents."""
        created, replaced = list(created), list(replaced)
        if not self.active:
            return  # the triggers ran (an enclosing block refreshes, or none is deferred)
        if self.dialect == "sqlite":
            for start in range(0, len(replaced), CHUNK):
                self.session.execute(_SQLITE_DELETE, {"ids": replaced[start:start + CHUNK]})
            ids = created + replaced
            for start in range(0, len(ids), CHUNK):
                self.session.execute(_SQLITE_INSERT, {"ids": ids[start:start + CHUNK]})
            if ids or changed:
                self.session.execute(_SQLITE_BUMP)
        elif self.dialect == "postgresql":
            ids = created + replaced
            self.refreshed += len(ids)
            if self.refreshed >= self.analyse_at:
                self.analyse_at = 2 * self.refreshed
                if defer is not None:
                    defer(_analyse_on_driver)  # after the rows written before it, as the refresh itself
                else:
                    self.session.execute(text(_ANALYZE))
            if documents is not None and defer is not None:
                defer(partial(_copy_documents, documents=documents))
                ready = set(documents.ids)
                ids = [i for i in ids if i not in ready]
            if ids and defer is not None:
                defer(partial(_refresh_on_driver, ids=ids))
            elif ids:
                self.session.execute(_POSTGRES_REFRESH, {"ids": ids})


def _copy_documents(dbapi: Any, documents: Any) -> None:
    rows = documents.result()
    with dbapi.cursor() as cursor, cursor.copy(
            "COPY project_search (project_id, document) FROM STDIN WITH (FORMAT BINARY)") as copier:
        # bytea's binary form is the bytes themselves: the server reads them as the column's type, tsvector.
        copier.set_types(["int4", "bytea"])
        for row in rows:
            copier.write_row(row)


def _analyse_on_driver(dbapi: Any) -> None:
    with dbapi.cursor() as cursor:
        cursor.execute(_ANALYZE)


def _refresh_on_driver(dbapi: Any, ids: list[int]) -> None:
    with dbapi.cursor() as cursor:
        cursor.execute(_POSTGRES_REFRESH_DRIVER, {"ids": ids})


@contextmanager
def deferred_search_index(session: Session) -> Iterator[DeferredSearchIndex]:
    """Let the block write projects with the search triggers aside; it calls refresh() for what it wrote."""
    index = DeferredSearchIndex(session)
    index._start()
    try:
        yield index
    except BaseException:
        # The writes so far stay in the transaction until the caller rolls back: put the triggers back if the
        # transaction can still take a statement, and let the original error through whatever happens here.
        try:
            index._stop()
        except Exception:  # noqa: BLE001, S110
            pass
        raise
    index._stop()
