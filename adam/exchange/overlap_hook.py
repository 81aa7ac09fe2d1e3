"""The one place where imports reach the overlap check (adam.overlap, written on another branch).

Imported and bulk-loaded projects go through overlap_check() after they are written. Until the overlap engine is
merged, there is nothing to call and imports skip the check; once adam.overlap.check_project exists it is used
as is. To wire a different function, change overlap_check() only.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy.orm import Session

from adam.iati.importer import check_imported_projects


def overlap_check() -> Callable[[Session, Any], Any] | None:
    try:
        from adam.overlap import check_project  # type: ignore[attr-defined]
    except ImportError:
        return None
    return check_project


def check_projects(session: Session, project_ids: Iterable[int]) -> int | None:
    """Run the overlap check on the projects; None when no check is available, else how many were checked."""
    check = overlap_check()
    if check is None:
        return None
    return len(check_imported_projects(session, project_ids, check))
