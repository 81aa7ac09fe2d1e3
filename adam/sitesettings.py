"""Run-time site settings (plain Python, no Flask): the public read-only view.

The data is shared among partners, not public: anonymous visitors see nothing but the login page, unless an
administrator opens the public read-only view. Then they may search, read the matrices, map and timeline, export
them and read a project's public facts (no contact person, no change history, no withdrawn project).
`ADAM_PUBLIC_READ_ONLY=1` only sets the default used until an administrator first decides.
"""
from __future__ import annotations

from sqlalchemy.orm import Session

from adam.models import SiteSetting, User, utcnow

PUBLIC_VIEW = "public_read_only"


def public_view_open(session: Session, default: bool = False) -> bool:
    setting = session.get(SiteSetting, PUBLIC_VIEW)
    return default if setting is None else setting.value == "1"


def set_public_view(session: Session, open_: bool, user: User | None) -> bool:
    """Store the choice; returns True when it changed. The caller commits (and audits)."""
    setting = session.get(SiteSetting, PUBLIC_VIEW)
    if setting is None:
        setting = SiteSetting(key=PUBLIC_VIEW, value="")
        session.add(setting)
    value = "1" if open_ else "0"
    changed = setting.value != value
    setting.value, setting.updated_by_id, setting.updated_at = value, user.id if user else None, utcnow()
    return changed
