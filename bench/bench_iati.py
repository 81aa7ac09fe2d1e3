"""IATI import speed and memory: all of ../shared/data/iati-real/ into a fresh database (SQLite, and PostgreSQL
when reachable), then the overlap check a user's import runs on what it wrote (timed apart: the import figure is
import_files and its commit), then a second import of the same files (idempotent: nothing new), and peak memory
per file size.

Run: .venv/bin/python -m bench.run iati     (or: .venv/bin/python -m bench.bench_iati)
"""
from __future__ import annotations

import gc
import os
import resource
import tempfile
import time
import tracemalloc
from pathlib import Path

from sqlalchemy import func, select

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
REAL = DATA / "iati-real"
TARGET_RATE = 2000.0
PG_ADMIN = os.environ.get("ADAM_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")


def _app(url: str):
    from adam import create_app

    return create_app({"TESTING": True, "SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": url,
                       "RATELIMIT_ENABLED": False})


def _prepare(app) -> None:
    from flask_migrate import upgrade

    from adam.extensions import db
    from adam.refdata import load_organisations, load_reference_data

    with app.app_context():
        upgrade()
        load_reference_data(db.session)
        load_organisations(db.session)
        db.session.commit()


def _files() -> list[Path]:
    return sorted(REAL.glob("*/*.xml"))


def _cpu() -> float:
    """CPU seconds of this process and of its finished children (the parse workers): unlike the wall time, this
    hardly depends on what else the machine runs. The database server's own CPU is not in it."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _load() -> str:
    try:
        return " / ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "?"


def _import_all(app, files: list[Path], label: str) -> list[dict]:
    from adam.extensions import db
    from adam.iati.importer import import_files
    from adam.models import Project

    rows = []
    with app.app_context():
        gc.collect()
        load = _load()
        started, cpu = time.perf_counter(), _cpu()
        report = import_files(db.session, files)
        db.session.commit()
        seconds, cpu = time.perf_counter() - started, _cpu() - cpu
        projects = db.session.scalar(select(func.count()).select_from(Project))
        rate = report.seen / seconds
        rows += [
            {"benchmark": f"iati import {label}", "metric": "activities", "value": report.seen, "unit": "",
             "target": "15,082 in 155 files", "ok": None},
            {"benchmark": f"iati import {label}", "metric": "projects after import", "value": projects, "unit": "",
             "target": None, "ok": None},
            {"benchmark": f"iati import {label}", "metric": "rejected + file errors",
             "value": f"{report.rejected} + {len(report.file_errors)}", "unit": "", "target": None, "ok": None},
            {"benchmark": f"iati import {label}", "metric": "seconds", "value": round(seconds, 2), "unit": "s",
             "target": None, "ok": None},
            {"benchmark": f"iati import {label}", "metric": "activities per second", "value": round(rate, 1),
             "unit": "act/s", "target": f">= {TARGET_RATE:,.0f}", "ok": rate >= TARGET_RATE},
            {"benchmark": f"iati import {label}", "metric": "CPU s (ADAM processes)", "value": round(cpu, 2),
             "unit": "s", "target": None, "ok": None},
            {"benchmark": f"iati import {label}", "metric": "activities per CPU second", "value": round(report.seen / cpu, 1),
             "unit": "act/s", "target": None, "ok": None},
            {"benchmark": f"iati import {label}", "metric": "load average at start", "value": load, "unit": "",
             "target": f"{os.cpu_count()} CPUs", "ok": None},
        ]
        # What a user's import (flask import-iati, the upload page) does next, before its commit: every written
        # project through the overlap check. Timed apart, so the import figure above stays comparable.
        from adam.exchange.overlap_hook import check_projects

        started = time.perf_counter()
        checked = check_projects(db.session, report.project_ids)
        db.session.commit()
        overlap = time.perf_counter() - started
        rows += [
            {"benchmark": f"iati import {label}", "metric": "overlap check of the imported, s", "value": round(overlap, 2),
             "unit": "s", "target": f"{checked.path} path" if checked else "no overlap engine", "ok": None},
            {"benchmark": f"iati import {label}", "metric": "act/s with the overlap check",
             "value": round(report.seen / (seconds + overlap), 1), "unit": "act/s", "target": None, "ok": None},
        ]
        started = time.perf_counter()
        again = import_files(db.session, files)
        db.session.commit()
        seconds = time.perf_counter() - started
        after = db.session.scalar(select(func.count()).select_from(Project))
        rows += [
            {"benchmark": f"iati re-import {label}", "metric": "new projects", "value": after - projects,
             "unit": "", "target": "0", "ok": after == projects and again.created == 0},
            {"benchmark": f"iati re-import {label}", "metric": "activities per second",
             "value": round(again.seen / seconds, 1), "unit": "act/s", "target": None, "ok": None},
        ]
    return rows


def _memory(app, files: list[Path]) -> list[dict]:
    """Peak Python memory while importing the smallest and the largest file: streaming keeps them alike."""
    from adam.extensions import db
    from adam.iati.importer import import_files

    by_size = sorted((f for f in files if f.stat().st_size > 10_000), key=lambda f: f.stat().st_size)
    small, large = by_size[0], by_size[-1]
    peaks = {}
    with app.app_context():
        for f in (small, large):
            gc.collect()
            tracemalloc.start()
            import_files(db.session, [f])
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            db.session.rollback()
            peaks[f] = peak
    ratio_size = large.stat().st_size / small.stat().st_size
    ratio_peak = peaks[large] / peaks[small]
    return [
        {"benchmark": "iati import memory", "metric": f"peak, {small.name} ({small.stat().st_size / 1e6:.2f} MB)",
         "value": round(peaks[small] / 1e6, 2), "unit": "MB", "target": None, "ok": None},
        {"benchmark": "iati import memory", "metric": f"peak, {large.name} ({large.stat().st_size / 1e6:.2f} MB)",
         "value": round(peaks[large] / 1e6, 2), "unit": "MB", "target": None, "ok": None},
        # The large file is many times the small one; the peak must grow far less (the batch, not the file).
        {"benchmark": "iati import memory", "metric": f"peak ratio (file size ratio {ratio_size:.0f}x)",
         "value": round(ratio_peak, 2), "unit": "x", "target": f"< {ratio_size / 4:.0f}x",
         "ok": ratio_peak < ratio_size / 4},
    ]


def _sqlite() -> list[dict]:
    files = _files()
    with tempfile.TemporaryDirectory() as tmp:
        app = _app(f"sqlite:///{tmp}/bench.sqlite3")
        _prepare(app)
        rows = _import_all(app, files, "sqlite")
        rows += _memory(app, files)
        with app.app_context():
            from adam.extensions import db

            db.engine.dispose()
    return rows


def _postgresql() -> list[dict]:
    from bench.pgtemp import throwaway_database, unreachable

    why = unreachable(PG_ADMIN)
    if why:
        return [{"benchmark": "iati import postgresql", "metric": "skipped", "value": 0, "unit": "",
                 "target": f"PostgreSQL not reachable: {why}", "ok": None}]
    with throwaway_database(PG_ADMIN) as url:
        app = _app(url)
        _prepare(app)
        rows = _import_all(app, _files(), "postgresql")
        with app.app_context():
            from adam.extensions import db

            db.session.remove()
            db.engine.dispose()
    return rows


def run() -> list[dict]:
    if not REAL.is_dir():
        return [{"benchmark": "iati import", "metric": "skipped", "value": 0, "unit": "",
                 "target": f"no data at {REAL}", "ok": None}]
    return _sqlite() + _postgresql()


if __name__ == "__main__":
    for row in run():
        print(row)
