"""Coordinators' decisions on pairs: silence a pair until a material field of either project changes."""
from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from adam.messages import N_, Message
from adam.models import DECISIONS, OverlapDecision, Project, ProjectChange, User
from adam.overlap.features import ProjectFeatures
from adam.projects import reasons


def fingerprint(f: ProjectFeatures) -> str:
    """Hash of the material fields: dates, places, pillars/themes, institutions, title and summary."""
    material = {
        "dates": [str(f.starts_on), str(f.ends_on)],
        "places": sorted(f.places), "wide": f.wide,
        "pillars": sorted(f.pillars), "themes": sorted(f.themes),
        "institutions": sorted(f.institutions),
        "title": " ".join(f.title.split()).casefold(), "text": " ".join(f.text.split()).casefold(),
    }
    return hashlib.sha256(json.dumps(material, sort_keys=True).encode()).hexdigest()


def ordered(a: int, b: int) -> tuple[int, int]:
    return (a, b) if a < b else (b, a)


def decisions_for(session: Session, ids: Iterable[int] | None = None) -> dict[tuple[int, int], OverlapDecision]:
    """Decisions touching the given projects (all when ids is None), by ordered pair."""
    stmt = select(OverlapDecision)
    if ids is not None:
        ids = list(set(ids))
        if not ids:
            return {}
        stmt = stmt.where(or_(OverlapDecision.project_a_id.in_(ids), OverlapDecision.project_b_id.in_(ids)))
    return {(d.project_a_id, d.project_b_id): d for d in session.scalars(stmt)}


def decision_state(decision: OverlapDecision | None, a: ProjectFeatures, b: ProjectFeatures) -> str:
    """'undecided', 'decided' (silenced) or 'reopened' (decided, then a material field changed)."""
    if decision is None:
        return "undecided"
    first, second = (a, b) if a.id == decision.project_a_id else (b, a)
    if fingerprint(first) == decision.fingerprint_a and fingerprint(second) == decision.fingerprint_b:
        return "decided"
    return "reopened"


class DecisionError(ValueError):
    pass


def decide(session: Session, a: ProjectFeatures, b: ProjectFeatures, decision: str, note: str, user: User,
           score: int | None = None, withdraw_id: int | None = None, merge: bool = False) -> OverlapDecision:
    """Record (or replace) the decision on a pair; a duplicate may withdraw one of the two records, and with
    `merge` first merge it into the other (adam.projects.operations.merge_projects).

    Nothing is deleted: the withdrawn record keeps its history, with a change naming the one it duplicates.
    """
    if decision not in DECISIONS:
        raise DecisionError(Message("Unknown decision %(value)r: choose one of %(choices)s.", value=decision,
                                    choices=", ".join(DECISIONS)))
    if a.id is None or b.id is None or a.id == b.id:
        raise DecisionError(N_("A decision needs two different saved projects."))
    if withdraw_id is not None and (decision != "duplicate" or withdraw_id not in (a.id, b.id)):
        raise DecisionError(N_("Only one of the two projects of a duplicate pair can be withdrawn."))
    if merge and withdraw_id is None:
        raise DecisionError(N_("Say which of the two projects is merged into the other."))
    first, second = (a, b) if a.id < b.id else (b, a)
    existing = session.scalars(select(OverlapDecision).where(
        OverlapDecision.project_a_id == first.id, OverlapDecision.project_b_id == second.id)).first()
    record = existing or OverlapDecision(project_a_id=first.id, project_b_id=second.id)
    record.decision = decision
    record.note = note.strip()
    record.score = score
    record.fingerprint_a = fingerprint(first)
    record.fingerprint_b = fingerprint(second)
    record.decided_by_id = user.id
    record.decided_at = dt.datetime.now(dt.timezone.utc)
    session.add(record)
    if withdraw_id is not None and merge:
        from adam.projects.operations import ProjectValidationError, merge_projects  # the rules of projects

        kept = second.id if withdraw_id == first.id else first.id
        try:
            merge_projects(session, session.get(Project, kept), session.get(Project, withdraw_id), user, note)
        except ProjectValidationError as exc:
            raise DecisionError(*[m for messages in exc.errors.values() for m in messages]) from exc
    elif withdraw_id is not None:
        kept = second.id if withdraw_id == first.id else first.id
        project = session.get(Project, withdraw_id)
        if project.withdrawn_at is None:
            project.withdrawn_at = dt.datetime.now(dt.timezone.utc)
            project.withdrawn_reason = str(reasons.with_note(reasons.DUPLICATE_OF, note, id=kept))
            project.updated_by_id = user.id
            session.add(ProjectChange(project_id=project.id, user_id=user.id, action="withdrawn",
                                      changes={"withdrawn": [False, True], "duplicate_of": [None, kept]},
                                      note=project.withdrawn_reason))
    session.flush()
    return record
