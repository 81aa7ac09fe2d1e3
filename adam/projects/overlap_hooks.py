"""The bridge between saving a project and the overlap engine (adam.overlap), kept in one place."""
from __future__ import annotations

from sqlalchemy.orm import Session

from adam.models import Project, User

try:  # the engine lives in its own package; the register works without it
    from adam.overlap import after_project_saved as _after_saved
    from adam.overlap import check_project as _check
except ImportError:  # pragma: no cover - only before the overlap package exists
    _check = None
    _after_saved = None


def overlap_available() -> bool:
    return _check is not None


def check_draft(session: Session, draft: Project, editing: Project | None = None) -> list:
    """Possible overlaps of a draft; when it is an edit of a saved project, that project is not its own match."""
    if _check is None:
        return []
    results = _check(session, draft)
    if editing is not None:
        results = [r for r in results if r.other.id != editing.id]
    return results


def after_saved(session: Session, project: Project, user: User, results: list, acknowledged: bool) -> None:
    if _after_saved is not None and results:
        _after_saved(session, project, user, results, acknowledged)
