"""Where an imported project came from: the IATI file and a digest of what it said, so re-imports skip unchanged activities."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from adam.models.base import Base, utcnow


class IatiActivitySource(Base):
    """One row per project imported from IATI: the last file it came from and the digest of its content.

    A re-import compares digests: an activity that says the same as last time is counted as unchanged and not
    written again (no new history entry), which keeps a second import of the same files cheap and silent.
    """

    __tablename__ = "iati_activity_sources"

    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True)
    digest: Mapped[str] = mapped_column(String(64))
    source_file: Mapped[str] = mapped_column(String(255), default="")
    imported_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ImportJob(Base):
    """An IATI file uploaded through the web page, imported in the background; the page polls its progress."""

    __tablename__ = "import_jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    file_name: Mapped[str] = mapped_column(String(255))
    # queued | running | done | failed; shown as interrupted when its worker is gone (adam.exchange.jobs)
    status: Mapped[str] = mapped_column(String(20), default="queued")
    bytes_done: Mapped[int] = mapped_column(Integer, default=0)
    bytes_total: Mapped[int] = mapped_column(Integer, default=0)
    activities_done: Mapped[int] = mapped_column(Integer, default=0)
    # ImportReport.as_dict() once finished; the failure message when failed
    report: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    # Last sign of life of the worker: when it started and, on PostgreSQL, after every batch.
    heartbeat_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
