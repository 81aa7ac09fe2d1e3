"""Where the overlap check after an IATI import spends its time, phase by phase (wall and CPU seconds).

    .venv/bin/python -m bench.profile_import_check [sqlite|postgresql ...]     # default: both, one process each

As `bench.run iati` does: all of ../shared/data/iati-real into a fresh database (PostgreSQL: a throwaway database
on ADAM_TEST_POSTGRES_URL), commit, then in the same process check_projects on what the import wrote (the batch
path above 200 projects) and its commit. Each phase is timed by wrapping the function that does it; nested
phases are indented, and a phase's time includes those under it. CPU seconds count every thread of the process
(the report's candidate chunks run on one thread per CPU), not the database server's.
"""
from __future__ import annotations

import functools
import os
import sys
import tempfile
import time

from bench.bench_iati import PG_ADMIN, _app, _files, _prepare
from bench.pgtemp import throwaway_database

# (module, attribute, label): the wrapped functions, outermost first.
PHASES = [
    ("adam.exchange.overlap_hook", "_check_batch", "check (batch path)"),
    ("adam.overlap.report", "register_features", "  register_features (the register's features)"),
    ("adam.overlap.report", "load_features", "    load_features"),
    ("adam.overlap.report", "organisation_names", "    organisation_names"),
    ("adam.overlap.engine", "find_all_overlaps", "  find_all_overlaps (the report's engine)"),
    ("adam.overlap.engine", "Corpus.build", "    Corpus.build (tokens, vectors)"),
    ("adam.overlap.engine", "score_pair", "    score_pair (worded pairs: stated links, and the matches)"),
    ("adam.overlap.decisions", "decisions_for", "  decisions_for"),
    ("adam.exchange.overlap_hook", "signal_rows", "  signal_rows (evidence of each match)"),
    ("adam.exchange.overlap_hook", "insert_rows", "  inserts (acknowledgements, notifications)"),
    ("adam.exchange.overlap_hook", "_notify", "  _notify"),
]


def _wrap(spent: dict) -> None:
    import importlib
    import inspect

    for module_name, attribute, label in PHASES:
        owner = importlib.import_module(module_name)
        *path, name = attribute.split(".")
        for part in path:
            owner = getattr(owner, part)
        original = getattr(owner, name, None)  # a classmethod comes bound to its class
        if original is None:  # not in this version of the code
            continue
        is_classmethod = isinstance(inspect.getattr_static(owner, name), classmethod)

        def timed(*args, __original=original, __label=label, __bound=is_classmethod,  # noqa: ANN002, ANN202
                  **kwargs):  # noqa: ANN003
            wall, cpu = time.perf_counter(), time.process_time()
            try:
                return __original(*(args[1:] if __bound else args), **kwargs)
            finally:
                w, c = spent.get(__label, (0.0, 0.0))
                spent[__label] = (w + time.perf_counter() - wall, c + time.process_time() - cpu)

        setattr(owner, name, classmethod(timed) if is_classmethod else timed)


def profile(url: str, label: str) -> None:
    from adam.exchange.overlap_hook import check_projects
    from adam.extensions import db
    from adam.iati.importer import import_files

    spent: dict = {}
    app = _app(url)
    _prepare(app)
    with app.app_context():
        load = os.getloadavg()[0]
        started = time.perf_counter()
        report = import_files(db.session, _files())
        db.session.commit()
        imported = time.perf_counter() - started
        _wrap(spent)
        started, cpu = time.perf_counter(), time.process_time()
        summary = check_projects(db.session, report.project_ids)
        db.session.commit()
        checked, cpu = time.perf_counter() - started, time.process_time() - cpu
        print(f"\n{label}: {report.seen:,} activities, load {load:.2f} at start / {os.getloadavg()[0]:.2f} at end")
        print(f"  import {imported:.2f} s ({report.seen / imported:,.0f} act/s); check {checked:.2f} s "
              f"(CPU {cpu:.2f} s); import + check {report.seen / (imported + checked):,.0f} act/s; {summary}")
        print(f"  {'phase':<62} {'wall s':>7} {'CPU s':>7}")
        for _, _, name in PHASES:
            if name in spent:
                wall, cpu = spent[name]
                print(f"  {name:<62} {wall:7.2f} {cpu:7.2f}")
        db.session.remove()
        db.engine.dispose()


def main(argv: list[str]) -> int:
    which = argv or ["sqlite", "postgresql"]
    if len(which) > 1:  # one process each: the second would find the tokens cached
        import subprocess

        for one in which:
            subprocess.run([sys.executable, "-m", "bench.profile_import_check", one], check=True)
        return 0
    if "sqlite" in which:
        with tempfile.TemporaryDirectory() as tmp:
            profile(f"sqlite:///{tmp}/check.sqlite3", "SQLite")
    if "postgresql" in which:
        with throwaway_database(PG_ADMIN, "adam_profile") as url:
            profile(url, "PostgreSQL")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
