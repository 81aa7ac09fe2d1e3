"""The one place where imported projects reach the overlap check.

IATI imports and spreadsheet bulk imports call check_projects() on the projects they wrote, after writing them and
before the commit. It goes through adam.projects.overlap_hooks (the lead's bridge to adam.overlap, which lives on
another branch): while the overlap engine is absent nothing runs and check_projects() returns None; once it is
merged every imported project is checked and its results recorded by after_saved(), as for a project saved in the
web form (acknowledged=False: nobody saw the warning at import time).
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy.orm import Session

from adam.iati.importer import check_imported_projects
from adam.projects import overlap_hooks


def check_projects(session: Session, project_ids: Iterable[int], user: Any = None) -> int | None:
    """Run the overlap check on the projects; None when no check is available, else how many were checked."""
    if not overlap_hooks.overlap_available():
        return None

    def check(s: Session, project: Any) -> list:
        results = overlap_hooks.check_draft(s, project)
        overlap_hooks.after_saved(s, project, user, results, acknowledged=False)
        return results

    return len(check_imported_projects(session, list(project_ids), check))
