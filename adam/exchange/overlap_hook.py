"""The one place where imported projects reach the overlap check.

IATI imports and spreadsheet bulk imports call check_projects() on the projects they wrote, after writing them and
before the commit. Each imported project's possible overlaps (at most CHECK_LIMIT, best first, pairs a coordinator
has decided left out unless re-opened) are recorded as for a project saved in the web form, with acknowledged=False
since nobody saw a warning at import time, and the focal points of the other projects are notified.

Two paths give the same matches:
- a few projects: the save-time check (adam.overlap.check_project) of each one, which touches only its candidates;
- many projects (more than BATCH_THRESHOLD): one pass of the duplicate report's engine (find_all_overlaps) over the
  register, keeping the pairs that involve an imported project. A save-time check costs a few queries and a scoring
  per project; the report's pass costs about the same as a few hundred of them and then scores every pair at once
  with numpy, so a large import is checked in a bounded time (about the report's time) instead of one check each.

Plain Python: no Flask.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from adam.collector import collections_paused
from adam.iati.importer import check_imported_projects, insert_rows
from adam.models import Notification, OverlapAcknowledgement, User
from adam.overlap.notify import notice_text, overlap_notice, signal_rows
from adam.projects import overlap_hooks

CHECK_LIMIT = 10  # as the save-time check: the closest ten
BATCH_THRESHOLD = 200


@dataclass
class OverlapSummary:
    """What the overlap check found for an import: shown in the import report."""

    checked: int = 0  # imported projects checked
    with_overlaps: int = 0  # of them, how many have at least one possible overlap
    matches: int = 0  # matches recorded (project, other project)
    path: str = "single"  # single | batch

    def as_dict(self) -> dict:
        return asdict(self)


def check_projects(session: Session, project_ids: Iterable[int], user: Any = None, *,
                   batch_threshold: int = BATCH_THRESHOLD) -> OverlapSummary | None:
    """Run the overlap check on the projects and record their matches; None when no check is available."""
    if not overlap_hooks.overlap_available():
        return None
    ids = list(dict.fromkeys(project_ids))
    session.flush()
    if len(ids) > batch_threshold:
        return _check_batch(session, ids, user)
    summary = OverlapSummary(checked=len(ids))

    def check(s: Session, project: Any) -> list:
        results = overlap_hooks.check_draft(s, project)
        overlap_hooks.after_saved(s, project, user, results, acknowledged=False)
        return results

    for _, results in check_imported_projects(session, ids, check):
        if results:
            summary.with_overlaps += 1
            summary.matches += len(results)
    return summary


def _check_batch(session: Session, ids: list[int], user: Any) -> OverlapSummary:
    # Everything the check makes (the register's features, the scored pairs, the rows written) stays alive to
    # the end, and the import before it left a large heap: a cyclic collection now would walk it all for nothing.
    with collections_paused():
        return _check_register(session, ids, user)


def _check_register(session: Session, ids: list[int], user: Any) -> OverlapSummary:
    from adam.overlap.decisions import decision_state, decisions_for
    from adam.overlap.engine import find_all_overlaps
    from adam.overlap.report import register_features

    imported = set(ids)
    features, names = register_features(session)
    flagged, _ = find_all_overlaps(features, names=names)  # best first
    decisions = decisions_for(session)
    matches: dict[int, list] = defaultdict(list)
    for pair in flagged:
        a, b = (pair.a, pair.b) if pair.a.id < pair.b.id else (pair.b, pair.a)
        if a.id not in imported and b.id not in imported:
            continue
        if decision_state(decisions.get((a.id, b.id)), a, b) == "decided":
            continue
        for mine, other in ((a, b), (b, a)):
            if mine.id in imported and len(matches[mine.id]) < CHECK_LIMIT:
                matches[mine.id].append((mine, other, pair.result))

    now = dt.datetime.now(dt.timezone.utc)
    user_id = getattr(user, "id", None)
    rows = [{"project_id": mine.id, "other_project_id": other.id, "user_id": user_id, "score": result.score,
             "label": result.label, "acknowledged": False, "created_at": now,
             "signals": signal_rows(result.signals)}
            for found in matches.values() for mine, other, result in found]
    insert_rows(session, OverlapAcknowledgement.__table__, rows)
    _notify(session, [m for found in matches.values() for m in found if m[1].id not in imported], user, now)
    return OverlapSummary(checked=len(ids), with_overlaps=sum(1 for found in matches.values() if found),
                          matches=len(rows), path="batch")


def _notify(session: Session, found: list, user: Any, now: dt.datetime) -> None:
    """Tell the focal points of projects already in the register that an imported one may overlap theirs (pairs
    of two imported projects are for the coordinators' report: nobody saved either of them by hand)."""
    if not found:
        return
    organisations = sorted({o for _, other, _ in found for o in other.organisations})
    recipients: dict[int, list[int]] = defaultdict(list)
    for start in range(0, len(organisations), 900):
        for uid, oid in session.execute(select(User.id, User.organisation_id).where(
                User.organisation_id.in_(organisations[start:start + 900]), User.active.is_(True))):
            recipients[oid].append(uid)
    rows = []
    who = getattr(user, "name", None)
    for mine, other, result in found:
        content = overlap_notice(mine.title, other.title, result, who=who, imported=True)
        message = notice_text(content)
        for uid in sorted({u for o in other.organisations for u in recipients.get(o, ())}):
            if uid != getattr(user, "id", None):
                rows.append({"user_id": uid, "project_id": mine.id, "message": message, "content": content,
                             "created_at": now})
    insert_rows(session, Notification.__table__, rows)

