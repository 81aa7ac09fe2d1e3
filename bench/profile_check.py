"""Round trips and time of the save-time overlap check, one check at a time, on a throwaway register.

    .venv/bin/python -m bench.profile_check [N] [sqlite|postgresql]   # default 10000 sqlite

Builds a corpus of N projects as bench_overlap does (PostgreSQL: a throwaway database on
ADAM_BENCH_POSTGRES_URL), runs 200 checks through check_project (the form's code) and prints, per check, the
number of SQL statements and the time spent in them (load-independent: the count; the time is a round trip
each), the median and p95 of the check, and the statements of one check.
ADAM_PROFILE_CHECK_URL=<database URL> keeps the register there: built at the first run, reused by the next
(compare two versions of the code on one register).
"""
from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine

from bench.bench_overlap import _build, _draft
from bench.overlap_corpus import generate, spread_from_env
from bench.pgtemp import psycopg_url, throwaway_database


def profile(url: str, n: int, checks: int = 200, build: bool = True) -> None:
    from adam import create_app
    from adam.extensions import db
    from adam.overlap import check_project
    from adam.overlap.index import register_index

    projects = generate(n + checks, spread=spread_from_env())
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "RATELIMIT_ENABLED": False})
    if build:
        _build(app, projects[:n])
    projects = projects[n:]
    log: list[tuple[str, float]] = []

    def before(conn, cursor, statement, params, context, executemany):  # noqa: ANN001
        conn.info["t0"] = time.perf_counter()

    def after(conn, cursor, statement, params, context, executemany):  # noqa: ANN001
        log.append((statement, time.perf_counter() - conn.info.pop("t0")))

    with app.app_context():
        drafts = [_draft(db.session, p) for p in projects]
        db.session.expunge_all()
        started = time.perf_counter()
        register_index(db.session)
        print(f"index built in {time.perf_counter() - started:.1f} s", flush=True)
        event.listen(Engine, "before_cursor_execute", before)
        event.listen(Engine, "after_cursor_execute", after)
        try:
            timings, cpu, statements, sql_ms, samples = [], [], [], [], []
            for d in drafts:
                log.clear()
                started, cpu_started = time.perf_counter(), time.process_time()
                check_project(db.session, d)
                timings.append((time.perf_counter() - started) * 1000)
                cpu.append((time.process_time() - cpu_started) * 1000)
                statements.append(len(log))
                sql_ms.append(sum(t for _, t in log) * 1000)
                if len(log) > len(samples):
                    samples = list(log)
        finally:
            event.remove(Engine, "before_cursor_execute", before)
            event.remove(Engine, "after_cursor_execute", after)
        timings.sort()
        cpu.sort()
        p95 = timings[int(0.95 * len(timings)) - 1]
        print(f"{url.split(':')[0]} {n:,}: check median {statistics.median(timings):.2f} ms, p95 {p95:.2f} ms;"
              f" statements per check median {statistics.median(statements)}, max {max(statements)};"
              f" time in SQL median {statistics.median(sql_ms):.2f} ms; load {os.getloadavg()[0]:.1f}")
        print(f"  CPU time of this process per check (less sensitive to load; SQLite's work included,"
              f" PostgreSQL's not): median {statistics.median(cpu):.2f} ms,"
              f" p95 {cpu[int(0.95 * len(cpu)) - 1]:.2f} ms", flush=True)
        print("statements of the check with the most:")
        for statement, took in samples:
            print(f"  {took * 1000:7.2f} ms  {' '.join(statement.split())[:150]}")
        db.session.remove()
        db.engine.dispose()


def main(argv: list[str]) -> None:
    n = int(argv[0]) if argv else 10_000
    backend = argv[1] if len(argv) > 1 else "sqlite"
    kept = os.environ.get("ADAM_PROFILE_CHECK_URL")
    if kept:
        from sqlalchemy import inspect

        kept = psycopg_url(kept)
        profile(kept, n, build="projects" not in inspect(create_engine(kept)).get_table_names())
        return
    if backend == "sqlite":
        with tempfile.TemporaryDirectory() as tmp:
            profile(f"sqlite:///{tmp}/bench.sqlite3", n)
        return
    with throwaway_database(os.environ.get("ADAM_BENCH_POSTGRES_URL",
                                           "postgresql://postgres@127.0.0.1:5432/postgres")) as url:
        profile(url, n)


if __name__ == "__main__":
    main(sys.argv[1:])
