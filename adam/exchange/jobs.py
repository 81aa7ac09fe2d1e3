"""Background IATI imports for the upload page: one thread per upload, progress kept in memory for polling.

The import itself runs in one transaction (committed at the end), so progress cannot be written to the database
while it runs (SQLite would wait for the import's lock): the thread records it in a process-local registry that
the status endpoint reads. The job row holds the status and, once done, the report. Behind several server
processes a poll answered by another process sees the status but not the byte count.

A job whose process stopped mid-import (a restart, a crash) would stay "running" for ever; its transaction is
rolled back with the process, so nothing of its file was saved. The worker shows it is alive: it stamps
heartbeat_at when it starts and, where the database lets another connection write beside the import's
transaction (PostgreSQL), after every batch. SQLite allows one writer, which the import is from its first write
to its commit, and the operating system takes a dead process's lock away: there the lock is the proof of life.
A queued or running job without either for IMPORT_JOB_STALE_SECONDS is shown as interrupted (never stored: a
worker that was only slow still writes its result when it ends).
"""
from __future__ import annotations

import datetime as dt
import re
import shutil
import sqlite3
import threading
import time
from collections.abc import Iterable
from pathlib import Path

from flask import Flask, current_app
from sqlalchemy import Engine, select, update

from adam.extensions import db
from adam.models import ImportJob, User
from adam.models.base import utcnow

INTERRUPTED = "interrupted"  # shown for a job whose worker is gone; the row keeps its last stored status

_progress: dict[int, dict] = {}
_lock = threading.Lock()


def _aware(value: dt.datetime) -> dt.datetime:
    # SQLite returns naive datetimes even for timezone-aware columns.
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.timezone.utc)


def _sqlite_writer_active(engine: Engine) -> bool:
    """Whether a connection holds the SQLite database's write lock now (tried without waiting for it)."""
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        waited = cursor.execute("PRAGMA busy_timeout").fetchone()[0]
        cursor.execute("PRAGMA busy_timeout = 0")
        try:
            cursor.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError:  # database is locked
            return True
        finally:
            cursor.execute(f"PRAGMA busy_timeout = {int(waited)}")
        cursor.execute("ROLLBACK")
        return False
    finally:
        raw.close()


def shown_statuses(jobs: Iterable[ImportJob], stale_seconds: float) -> dict[int, str]:
    """Each job's status as the pages show it: a queued or running job whose worker has not shown it is alive for
    stale_seconds is interrupted."""
    cutoff = utcnow() - dt.timedelta(seconds=stale_seconds)
    shown, silent = {}, []
    for job in jobs:
        shown[job.id] = job.status
        if job.status in ("queued", "running") and _aware(job.heartbeat_at or job.created_at) < cutoff:
            silent.append(job.id)
    if silent and not (db.engine.dialect.name == "sqlite" and _sqlite_writer_active(db.engine)):
        shown.update(dict.fromkeys(silent, INTERRUPTED))
    return shown


# The upload of a job whose process stopped mid-import stays on disk (the worker's clean-up below never ran). Each
# new upload sweeps such folders once this old, when their job is over (done, failed, interrupted) or gone.
IMPORT_KEEP_SECONDS = 24 * 3600
_UPLOAD_FOLDER = re.compile(r"job-([0-9]{1,9})-[0-9a-f]+")


def sweep_uploads(root: Path, stale_seconds: float, keep_seconds: float = IMPORT_KEEP_SECONDS) -> None:
    """Delete the upload folders of jobs that ended without deleting them (see IMPORT_KEEP_SECONDS); a job still
    importing keeps its file however old."""
    cutoff = time.time() - keep_seconds
    old: dict[Path, int] = {}
    for folder in root.iterdir():
        match = _UPLOAD_FOLDER.fullmatch(folder.name)
        try:
            if match and folder.is_dir() and folder.stat().st_mtime < cutoff:
                old[folder] = int(match.group(1))
        except OSError:
            continue  # another request deleted it meanwhile
    if not old:
        return
    found = db.session.scalars(select(ImportJob).where(ImportJob.id.in_(set(old.values())))).all()
    statuses = shown_statuses(found, stale_seconds)
    for folder, job_id in old.items():
        if statuses.get(job_id) not in ("queued", "running"):
            shutil.rmtree(folder, ignore_errors=True)


def progress_of(job: ImportJob, stale_seconds: float) -> dict:
    with _lock:
        live = dict(_progress.get(job.id, {}))
    done = live.get("bytes_done", job.bytes_done)
    total = live.get("bytes_total", job.bytes_total) or job.bytes_total
    return {
        "id": job.id, "status": shown_statuses([job], stale_seconds)[job.id], "file": job.file_name,
        "bytes_done": done, "bytes_total": total,
        "percent": round(100 * done / total, 1) if total else (100.0 if job.status == "done" else 0.0),
        "activities": live.get("activities", job.activities_done),
    }


def start(job: ImportJob, path: Path, options: dict) -> None:
    """Run the import of an uploaded file in the background (or at once when IMPORT_JOBS_INLINE is set)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if app.config.get("IMPORT_JOBS_INLINE"):
        run(app, job.id, path, options)
        return
    threading.Thread(target=run, args=(app, job.id, path, options), daemon=True, name=f"iati-import-{job.id}").start()


def run(app: Flask, job_id: int, path: Path, options: dict) -> None:
    from adam.exchange.overlap_hook import check_projects
    from adam.iati.importer import import_files

    with app.app_context():
        session = db.session
        job = session.get(ImportJob, job_id)
        job.status = "running"
        job.heartbeat_at = utcnow()
        session.commit()
        beats = db.engine.dialect.name != "sqlite"  # SQLite: the import's write lock shows it is alive (above)

        def progress(done: int, total: int, activities: int) -> None:
            with _lock:
                _progress[job_id] = {"bytes_done": done, "bytes_total": total, "activities": activities}
            if beats:  # on a connection of its own, committed at once: the import's transaction is not
                with db.engine.begin() as connection:
                    connection.execute(update(ImportJob).where(ImportJob.id == job_id).values(heartbeat_at=utcnow()))

        try:
            report = import_files(session, [path], ignore_links=options.get("ignore_links", False),
                                  default_country=options.get("default_country") or None,
                                  progress=progress, user_id=job.user_id)
            checked = check_projects(session, report.project_ids, session.get(User, job.user_id) if job.user_id else None)
            job = session.get(ImportJob, job_id)
            job.status = "done"
            job.report = report.as_dict() | {"overlap": checked.as_dict() if checked is not None else None}
            job.bytes_done = job.bytes_total
            job.activities_done = report.seen
            job.finished_at = dt.datetime.now(dt.timezone.utc)
            session.commit()
        except Exception as exc:  # noqa: BLE001 (whatever happens, the page must show the job as failed)
            session.rollback()
            job = session.get(ImportJob, job_id)
            job.status = "failed"
            job.report = {"error": f"{exc.__class__.__name__}: {exc}"}
            job.finished_at = dt.datetime.now(dt.timezone.utc)
            session.commit()
            app.logger.exception("IATI import job %s failed", job_id)
        finally:
            with _lock:
                _progress.pop(job_id, None)
            shutil.rmtree(path.parent, ignore_errors=True)  # the upload's own folder
            session.remove()
