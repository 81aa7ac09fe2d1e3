"""Where a PostgreSQL (or SQLite) import of ../shared/data/iati-real/ spends its time, phase by phase.

For every kind of statement the import sends (grouped by verb and table), the wall time this process waits for
it and, on a local PostgreSQL, the CPU time of the server process that serves the session (from
/proc/<pid>/schedstat, nanoseconds: it hardly depends on the machine's load). Also the time spent waiting for
the parse workers, the commit (deferred triggers run there) and the CPU of the other server processes (WAL
writer, checkpointer). Statements of the background writer (PostgreSQL) are timed in its thread: their wall time
overlaps the main thread's; "waiting for the background writer" is what the main thread still waits for them.
"documents on the second connection": the search documents computed there, with that server process's CPU.

Run: .venv/bin/python -m bench.profile_iati [postgresql|sqlite] [sync|background]
"""
from __future__ import annotations

import re
import sys
import tempfile
import time
from collections import defaultdict
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import event, text

from bench.bench_iati import PG_ADMIN, _app, _cpu, _files, _load, _prepare
from bench.pgtemp import throwaway_database


def _server_cpu(pid: int | None) -> float:
    """CPU seconds of one local process (0 if it cannot be read: a remote server)."""
    if pid is None:
        return 0.0
    try:
        return int(Path(f"/proc/{pid}/schedstat").read_text().split()[0]) / 1e9
    except (OSError, ValueError, IndexError):
        return 0.0


def _postgres_pids() -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() == "postgres":
                    pids.append(int(entry.name))
            except OSError:
                pass
    return pids


def _label(statement: str) -> str:
    words = statement.split(None, 6)
    verb = words[0].upper() if words else "?"
    table = re.search(r"(?:INTO|FROM|UPDATE|COPY)\s+\"?(\w+)", statement, re.IGNORECASE)
    if verb == "SELECT" and "set_config" in statement:
        return "SELECT set_config"
    return f"{verb} {table.group(1) if table else ''}".strip()


class Profile:
    def __init__(self, pid: int | None) -> None:
        self.pid = pid
        self.wall: dict[str, float] = defaultdict(float)
        self.server: dict[str, float] = defaultdict(float)
        self.count: dict[str, int] = defaultdict(int)

    @contextmanager
    def phase(self, label: str):
        wall, server = time.perf_counter(), _server_cpu(self.pid)
        try:
            yield
        finally:
            self.wall[label] += time.perf_counter() - wall
            self.server[label] += _server_cpu(self.pid) - server
            self.count[label] += 1

    def table(self) -> str:
        lines = [f"{'phase':45} {'calls':>7} {'wall s':>8} {'server CPU s':>13}"]
        for label in sorted(self.wall, key=lambda k: -self.wall[k]):
            lines.append(f"{label:45} {self.count[label]:7} {self.wall[label]:8.2f} {self.server[label]:13.2f}")
        return "\n".join(lines)


def profile(url: str, background: bool | None = None) -> None:
    from adam.extensions import db
    from adam.iati import importer

    app = _app(url)
    _prepare(app)
    files = _files()
    with app.app_context():
        session = db.session
        postgres = session.get_bind().dialect.name == "postgresql"
        pid = session.execute(text("SELECT pg_backend_pid()")).scalar() if postgres else None
        prof = Profile(pid)
        engine = session.get_bind()
        started_at: dict[int, tuple] = {}

        @event.listens_for(engine, "before_cursor_execute")
        def before(conn, cursor, statement, parameters, context, executemany):  # noqa: ANN001, ARG001
            started_at[id(cursor)] = (time.perf_counter(), _server_cpu(pid))

        @event.listens_for(engine, "after_cursor_execute")
        def after(conn, cursor, statement, parameters, context, executemany):  # noqa: ANN001, ARG001
            wall, server = started_at.pop(id(cursor))
            label = _label(statement) + (" (executemany)" if executemany else "")
            prof.wall[label] += time.perf_counter() - wall
            prof.server[label] += _server_cpu(pid) - server
            prof.count[label] += 1

        from adam.search import bulk

        write_rows = importer._RowsPayload.write
        refresh_on_driver = bulk._refresh_on_driver
        copy_documents = bulk._copy_documents

        def timed_copy_documents(dbapi, documents):  # noqa: ANN001
            with prof.phase("COPY project_search (background, documents of the second connection)"):
                return copy_documents(dbapi, documents)
        wait = importer._BackgroundWriter.wait

        def timed_write_rows(self, dbapi):  # noqa: ANN001
            with prof.phase(_label(self.sql) + ("" if self.copy else " (driver executemany)")):
                return write_rows(self, dbapi)

        def timed_refresh(dbapi, ids):  # noqa: ANN001
            with prof.phase("INSERT project_search (background)"):
                return refresh_on_driver(dbapi, ids)

        compute_documents = bulk.TextDocuments._compute

        def timed_compute(self, *args):  # noqa: ANN001, ANN002
            # On the second connection: its own server process's CPU.
            other = self.dbapi.info.backend_pid
            wall, server = time.perf_counter(), _server_cpu(other)
            try:
                return compute_documents(self, *args)
            finally:
                prof.wall["documents on the second connection"] += time.perf_counter() - wall
                prof.server["documents on the second connection"] += _server_cpu(other) - server
                prof.count["documents on the second connection"] += 1

        def timed_wait(self):  # noqa: ANN001
            with prof.phase("waiting for the background writer"):
                return wait(self)

        read_parallel = importer._read_parallel

        def timed_read_parallel(*args, **kwargs):  # noqa: ANN002, ANN003
            events = read_parallel(*args, **kwargs)
            while True:
                with prof.phase("waiting for the parse workers"):
                    item = next(events, None)
                if item is None:
                    return
                yield item

        importer._RowsPayload.write = timed_write_rows
        bulk._refresh_on_driver = timed_refresh
        importer._BackgroundWriter.wait = timed_wait
        bulk.TextDocuments._compute = timed_compute
        bulk._copy_documents = timed_copy_documents
        importer._read_parallel = timed_read_parallel
        others = [p for p in _postgres_pids() if p != pid] if postgres else []
        others_before = sum(_server_cpu(p) for p in others)
        load = _load()
        wall, cpu, server = time.perf_counter(), _cpu(), _server_cpu(pid)
        try:
            report = importer.import_files(session, files, background=background)
            with prof.phase("commit"):
                session.commit()
        finally:
            importer._RowsPayload.write = write_rows
            bulk._refresh_on_driver = refresh_on_driver
            importer._BackgroundWriter.wait = wait
            bulk.TextDocuments._compute = compute_documents
            bulk._copy_documents = copy_documents
            importer._read_parallel = read_parallel
        wall, cpu, server = time.perf_counter() - wall, _cpu() - cpu, _server_cpu(pid) - server
        others_cpu = sum(_server_cpu(p) for p in others) - others_before
        print(prof.table())
        print(f"\n{report.seen} activities, {report.created} created, in {wall:.2f} s ({report.seen / wall:,.0f} act/s), "
              f"load at start {load}")
        print(f"CPU: ADAM processes {cpu:.2f} s; server process of the session {server:.2f} s; "
              f"other server processes {others_cpu:.2f} s")
        db.session.remove()
        db.engine.dispose()


def main() -> None:
    kind = sys.argv[1] if len(sys.argv) > 1 else "postgresql"
    background = {"sync": False, "background": True}.get(sys.argv[2]) if len(sys.argv) > 2 else None
    if kind == "sqlite":
        with tempfile.TemporaryDirectory() as tmp:
            profile(f"sqlite:///{tmp}/profile.sqlite3", background)
        return
    with throwaway_database(PG_ADMIN, "adam_profile") as url:
        profile(url, background)


if __name__ == "__main__":
    main()
