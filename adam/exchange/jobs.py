"""Background IATI imports for the upload page: one thread per upload, progress kept in memory for polling.

The import itself runs in one transaction (committed at the end), so progress cannot be written to the database
while it runs (SQLite would wait for the import's lock): the thread records it in a process-local registry that
the status endpoint reads. The job row holds the status and, once done, the report. Behind several server
processes a poll answered by another process sees the status but not the byte count.
"""
from __future__ import annotations

import datetime as dt
import shutil
import threading
from pathlib import Path

from flask import Flask, current_app

from adam.extensions import db
from adam.models import ImportJob, User

_progress: dict[int, dict] = {}
_lock = threading.Lock()


def progress_of(job: ImportJob) -> dict:
    with _lock:
        live = dict(_progress.get(job.id, {}))
    done = live.get("bytes_done", job.bytes_done)
    total = live.get("bytes_total", job.bytes_total) or job.bytes_total
    return {
        "id": job.id, "status": job.status, "file": job.file_name,
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
        session.commit()

        def progress(done: int, total: int, activities: int) -> None:
            with _lock:
                _progress[job_id] = {"bytes_done": done, "bytes_total": total, "activities": activities}

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
