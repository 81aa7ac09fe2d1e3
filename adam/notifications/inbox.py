"""A user's notifications: the newest first, how many are unread, marking them read. Plain SQLAlchemy, no Flask."""
from __future__ import annotations

from sqlalchemy import Select, func, select, update
from sqlalchemy.orm import Session

from adam.models import Notification
from adam.models.base import utcnow


def inbox_query(user_id: int) -> Select:
    """The user's own notifications, unread and read, newest first (nobody sees another user's)."""
    return (select(Notification).where(Notification.user_id == user_id)
            .order_by(Notification.created_at.desc(), Notification.id.desc()))


def latest_unread(session: Session, user_id: int, limit: int = 5) -> list[Notification]:
    """The newest unread notifications of the user (for the home page)."""
    return list(session.scalars(inbox_query(user_id).where(Notification.read_at.is_(None)).limit(limit)))


def unread_count(session: Session, user_id: int) -> int:
    return session.scalar(select(func.count(Notification.id)).where(
        Notification.user_id == user_id, Notification.read_at.is_(None))) or 0


def own_notification(session: Session, user_id: int, notification_id: int) -> Notification | None:
    """The notification if it is the user's, else None (another user's is answered as if it did not exist)."""
    note = session.get(Notification, notification_id)
    return note if note is not None and note.user_id == user_id else None


def mark_read(session: Session, user_id: int, notification_id: int | None = None) -> int:
    """Mark one of the user's notifications (or all of them) read; returns how many changed. The caller commits."""
    stmt = update(Notification).where(Notification.user_id == user_id, Notification.read_at.is_(None))
    if notification_id is not None:
        stmt = stmt.where(Notification.id == notification_id)
    return session.execute(stmt.values(read_at=utcnow()).execution_options(synchronize_session=False)).rowcount
