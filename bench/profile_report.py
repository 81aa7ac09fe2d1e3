"""The full duplicate-check report loaded (a process without a register index) and warm (a process that keeps the
register index of the save-time check), on one throwaway register.

    .venv/bin/python -m bench.profile_report [N] [sqlite|postgresql] [RUNS]   # default 100000 sqlite 3

Builds a corpus of N projects as bench_overlap does (PostgreSQL: a throwaway database on ADAM_BENCH_POSTGRES_URL),
then, RUNS times, runs each case in a fresh interpreter (as a restarted server would):

- loaded: run_report with no index in the process (the register loaded: report.register_features);
- warm: the index built first (register_index, as the first save-time check builds it), then run_report; then a
  project is created and another edited, and run_report again (the index patched: index.register_snapshot), and
  once more with the register loaded (as a process without an index would see the same changes).

For each report: its time, the CPU time of the process (the report's chunks run on one thread per CPU), the time of getting the features and the organisations' names (register_features, or
register_snapshot and organisation_names) and the path it took (report.source); and whether the flagged pairs, scores and
labels, and the evidence of the 200 best pairs, are the same on both paths. The 1-minute load average is printed
with every figure (2 cores shared: compare figures taken at similar load).
ADAM_PROFILE_REPORT_URL=<database URL> keeps the register there: built at the first run, reused by the next.
"""
from __future__ import annotations

import hashlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

from sqlalchemy import create_engine

from bench.pgtemp import psycopg_url, throwaway_database


def _digest(report) -> tuple[str, str]:  # noqa: ANN001
    """Hashes of (pairs, scores, labels) and of the evidence of the 200 best pairs."""
    pairs = hashlib.sha256(repr([(p.a.id, p.b.id, p.score, p.label) for p in report.pairs]).encode()).hexdigest()
    evidence = hashlib.sha256(repr([[(s.name, s.explanation, s.points) for s in p.signals]
                                    for p in report.pairs[:200]]).encode()).hexdigest()
    return pairs[:16], evidence[:16]


def child(case: str, url: str) -> None:
    """One case in this process; prints one JSON line per report."""
    import adam.overlap.report as report_module
    from adam import create_app
    from adam.extensions import db
    from adam.overlap.index import register_index
    from adam.overlap.report import ReportFilters, run_report

    spent: dict[str, float] = {}
    depth = [0]

    def timed(fn):  # noqa: ANN001, ANN202
        """fn, its time added to spent["features"] unless a timed function called it."""
        def wrapper(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
            depth[0] += 1
            started = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                depth[0] -= 1
                if not depth[0]:
                    spent["features"] = spent.get("features", 0.0) + time.perf_counter() - started
        return wrapper

    # the features and the organisations' names (register_features reads both; the warm path its names apart)
    for name in ("register_snapshot", "register_features", "organisation_names"):
        setattr(report_module, name, timed(getattr(report_module, name)))

    def report(label: str) -> None:
        spent.clear()
        load = os.getloadavg()[0]
        started, cpu = time.perf_counter(), time.process_time()
        result = run_report(db.session, ReportFilters(decided="all"))
        took, cpu = time.perf_counter() - started, time.process_time() - cpu
        pairs, evidence = _digest(result)
        print(json.dumps({"case": label, "source": result.source, "report_s": round(took, 3), "cpu_s": round(cpu, 2),
                          "features_s": round(spent.get("features", 0.0), 3), "flagged": len(result.pairs),
                          "projects": result.projects, "pairs": pairs, "evidence": evidence,
                          "load": round(load, 2)}), flush=True)

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "RATELIMIT_ENABLED": False})
    with app.app_context():
        if case == "loaded":
            report("loaded")
        else:
            started = time.perf_counter()
            register_index(db.session)
            print(json.dumps({"case": "index build", "s": round(time.perf_counter() - started, 2),
                              "load": round(os.getloadavg()[0], 2)}), flush=True)
            report("warm")
            _change(db.session)
            report("warm after changes")
            warm_snapshot = report_module.register_snapshot
            report_module.register_snapshot = lambda _session: None  # as a process without an index
            report("loaded after changes")
            report_module.register_snapshot = warm_snapshot
            db.session.rollback()  # the register stays as built for the next run
        db.session.remove()
        db.engine.dispose()


def _change(session) -> None:  # noqa: ANN001
    """A project created (a copy of the first, another donor) and another edited (its title): flushed, not committed."""
    from sqlalchemy import func, select

    from adam.models import Organisation, Project, ProjectFunder

    first, second = session.scalars(select(Project).order_by(Project.id).limit(2)).all()
    # the corpus was inserted with its ids (PostgreSQL's sequence has not moved)
    copy = Project(id=session.scalar(select(func.max(Project.id))) + 1, title=first.title, summary=first.summary, description="", status="ongoing",
                   activity_type=first.activity_type, planned_start_on=first.planned_start_on,
                   planned_end_on=first.planned_end_on, starts_on=first.starts_on, ends_on=first.ends_on,
                   budget_usd=first.budget_usd, contact_name="", contact_email="", withdrawn_reason="")
    copy.countries = list(first.countries)
    copy.pillars = list(first.pillars)
    copy.implementers = list(first.implementers)
    copy.funders = [ProjectFunder(organisation=session.scalars(select(Organisation).order_by(Organisation.id.desc())
                                                               .limit(1)).one())]
    session.add(copy)
    second.title = first.title
    session.flush()


def run(url: str, n: int, runs: int, build: bool) -> None:
    if build:
        from adam import create_app
        from bench.bench_overlap import _build
        from bench.overlap_corpus import generate, spread_from_env

        started = time.perf_counter()
        _build(create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "RATELIMIT_ENABLED": False}),
               generate(n, spread=spread_from_env()))
        print(f"register of {n:,} projects built in {time.perf_counter() - started:.0f} s", flush=True)
    rows: list[dict] = []
    for _ in range(runs):
        for case in ("loaded", "warm"):
            done = subprocess.run([sys.executable, "-m", "bench.profile_report", "--child", case, url],
                                  capture_output=True, text=True)
            if done.returncode:
                sys.exit(f"the {case} case failed:\n{done.stderr[-3000:]}")
            for line in done.stdout.splitlines():
                if line.startswith("{"):
                    rows.append(json.loads(line))
                    print("  " + line, flush=True)
    by_case: dict[str, list[dict]] = {}
    for row in rows:
        by_case.setdefault(row["case"], []).append(row)
    backend = url.split(":")[0].split("+")[0]
    print(f"{backend} {n:,}, {runs} run(s), each case in a fresh process:")
    for case, found in by_case.items():
        key = "s" if case == "index build" else "report_s"
        values = sorted(r[key] for r in found)
        extra = ""
        if key == "report_s":
            features = sorted(r["features_s"] for r in found)
            extra = (f"; CPU (both threads) median {statistics.median(r['cpu_s'] for r in found):.2f} s"
                     f"; getting the features median {statistics.median(features):.2f} s"
                     f" ({', '.join(sorted({r['source'] for r in found}))})")
        print(f"  {case}: median {statistics.median(values):.2f} s (min {values[0]:.2f}, max {values[-1]:.2f}){extra};"
              f" load {min(r['load'] for r in found):.1f}-{max(r['load'] for r in found):.1f}")
    for cases in (("loaded", "warm"), ("loaded after changes", "warm after changes")):
        same = {(r["pairs"], r["evidence"]) for r in rows if r["case"] in cases}
        if same:
            print(f"  {' and '.join(cases)} identical (pairs, scores, labels, evidence of the best 200): {len(same) == 1}")


def main(argv: list[str]) -> None:
    if argv and argv[0] == "--child":
        child(argv[1], argv[2])
        return
    n = int(argv[0]) if argv else 100_000
    backend = argv[1] if len(argv) > 1 else "sqlite"
    runs = int(argv[2]) if len(argv) > 2 else 3
    kept = os.environ.get("ADAM_PROFILE_REPORT_URL")
    if kept:
        from sqlalchemy import inspect

        kept = psycopg_url(kept)
        run(kept, n, runs, build="projects" not in inspect(create_engine(kept)).get_table_names())
        return
    if backend == "sqlite":
        with tempfile.TemporaryDirectory() as tmp:
            run(f"sqlite:///{tmp}/bench.sqlite3", n, runs, build=True)
        return
    with throwaway_database(os.environ.get("ADAM_BENCH_POSTGRES_URL",
                                           "postgresql://postgres@127.0.0.1:5432/postgres")) as url:
        run(url, n, runs, build=True)


if __name__ == "__main__":
    main(sys.argv[1:])
