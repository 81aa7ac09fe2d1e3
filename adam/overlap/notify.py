"""After a project is saved despite a warning: record the acknowledgement and tell the other projects' focal points."""
from __future__ import annotations

import logging
import smtplib
from collections.abc import Mapping, Sequence
from email.message import EmailMessage

from sqlalchemy import select
from sqlalchemy.orm import Session

from adam.models import Notification, OverlapAcknowledgement, Project, User

log = logging.getLogger(__name__)


def _mail_settings() -> Mapping | None:
    # Read lazily so that the engine stays importable and usable without Flask.
    try:
        from flask import current_app, has_app_context
    except ImportError:  # pragma: no cover
        return None
    return current_app.config if has_app_context() else None


def after_project_saved(session: Session, project: Project, user: User, results: Sequence, acknowledged: bool,
                        mail_settings: Mapping | None = None) -> list[Notification]:
    """Record that `user` saved `project` with these overlap results shown, and notify the focal points of each
    other project (in the app, and by e-mail when MAIL_SERVER is configured). The caller commits."""
    if not results:
        return []
    if project.id is None:
        session.flush()
    notifications: list[Notification] = []
    for result in results:
        other = result.other
        session.add(OverlapAcknowledgement(
            project_id=project.id, other_project_id=other.id, user_id=user.id if user else None,
            score=result.score, label=result.label, acknowledged=acknowledged,
            signals=[{"name": s.name, "explanation": s.explanation, "points": s.points} for s in result.signals],
        ))
        org_ids = other.organisation_ids()
        if not org_ids:
            continue
        recipients = session.scalars(select(User).where(
            User.organisation_id.in_(list(org_ids)), User.active.is_(True))).all()
        message = (f"“{project.title}” was saved by {user.name if user else 'someone'} and may overlap your project "
                   f"“{other.title}” ({result.label}, score {result.score}). "
                   f"Why: {'; '.join(s.explanation for s in result.signals[:3])}")
        for recipient in recipients:
            if user is not None and recipient.id == user.id:
                continue
            note = Notification(user_id=recipient.id, project_id=project.id, message=message)
            session.add(note)
            notifications.append(note)
    session.flush()
    settings = mail_settings if mail_settings is not None else _mail_settings()
    if settings and settings.get("MAIL_SERVER") and notifications:
        send_emails(session, notifications, settings)
    return notifications


def send_emails(session: Session, notifications: Sequence[Notification], settings: Mapping) -> int:
    """One message per notification; a mail failure is logged and never loses the in-app notification."""
    sent = 0
    try:
        with smtplib.SMTP(settings["MAIL_SERVER"], int(settings.get("MAIL_PORT") or 25), timeout=10) as smtp:
            for note in notifications:
                recipient = session.get(User, note.user_id)
                msg = EmailMessage()
                msg["Subject"] = "ADAM: a project may overlap yours"
                msg["From"] = settings.get("MAIL_FROM") or "adam@localhost"
                msg["To"] = recipient.email
                msg.set_content(note.message)
                smtp.send_message(msg)
                sent += 1
    except (OSError, smtplib.SMTPException) as exc:
        log.warning("overlap e-mail not sent: %s", exc)
    return sent
