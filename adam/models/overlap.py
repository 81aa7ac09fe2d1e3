"""Overlap decisions on pairs of projects, and acknowledgements of warnings shown on save."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Boolean, CheckConstraint, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, backref, mapped_column, relationship

from adam.messages import N_
from adam.models.base import Base, utcnow
from adam.models.project import Project
from adam.models.user import User

DECISIONS = {
    "duplicate": N_("Duplicate"),
    "complementary": N_("Complementary (coordinated on purpose)"),
    "unrelated": N_("Unrelated"),
}


class OverlapDecision(Base):
    """A coordinator's verdict on a flagged pair (lower project id first).

    The fingerprints of both projects' material fields at decision time let the check tell whether either has
    changed since: then the pair comes back, marked as re-opened.
    """

    __tablename__ = "overlap_decisions"
    __table_args__ = (
        UniqueConstraint("project_a_id", "project_b_id", name="uq_overlap_decisions_pair"),
        CheckConstraint("project_a_id < project_b_id", name="pair_ordered"),
        CheckConstraint("decision IN ('duplicate', 'complementary', 'unrelated')", name="decision_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_a_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    project_b_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    decision: Mapped[str] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(Text, default="")
    score: Mapped[int | None] = mapped_column(Integer)
    fingerprint_a: Mapped[str] = mapped_column(String(64))
    fingerprint_b: Mapped[str] = mapped_column(String(64))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    project_a: Mapped[Project] = relationship(foreign_keys=[project_a_id])
    project_b: Mapped[Project] = relationship(foreign_keys=[project_b_id])
    decided_by: Mapped[User | None] = relationship()

    @property
    def decision_label(self) -> str:
        return DECISIONS.get(self.decision, self.decision)


class OverlapAcknowledgement(Base):
    """A user saved a project although the check showed it may overlap another one."""

    __tablename__ = "overlap_acknowledgements"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    other_project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    score: Mapped[int] = mapped_column(Integer)
    label: Mapped[str] = mapped_column(String(40))
    # [{"name", "explanation", "points"}, ...] as shown to the user
    signals: Mapped[list] = mapped_column(JSON, default=list)
    acknowledged: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    project: Mapped[Project] = relationship(
        foreign_keys=[project_id],
        backref=backref("overlap_acknowledgements", order_by="OverlapAcknowledgement.created_at.desc()",
                        cascade="all, delete-orphan", passive_deletes=True),
    )
    other_project: Mapped[Project] = relationship(foreign_keys=[other_project_id])
    user: Mapped[User | None] = relationship()
