"""After a project is saved despite a warning: record the acknowledgement and tell the other projects' focal points."""
from __future__ import annotations

import contextlib
import logging
import smtplib
from collections.abc import Callable, Mapping, Sequence
from email.message import EmailMessage

from sqlalchemy import select
from sqlalchemy.orm import Session

from adam.messages import N_, Message, message_data, message_from_data
from adam.models import Notification, OverlapAcknowledgement, Project, User

log = logging.getLogger(__name__)


def _mail_settings() -> Mapping | None:
    # Read lazily so that the engine stays importable and usable without Flask.
    try:
        from flask import current_app, has_app_context
    except ImportError:  # pragma: no cover
        return None
    return current_app.config if has_app_context() else None


def signal_rows(signals: Sequence) -> list[dict]:
    """The evidence of a pair as stored with an acknowledgement: English text, and the message for translation."""
    return [{"name": s.name, "explanation": str(s.explanation), "message": message_data(s.explanation),
             "points": s.points} for s in signals]


def overlap_notice(project_title: str, other_title: str, result, who: str | None = None,  # noqa: ANN001
                   imported: bool = False) -> dict:
    """What the focal points of `other` are told, as stored data (Notification.content): a message and the three
    strongest reasons, each as catalogue id and parameters, so that every reader gets it in their own language."""
    msgid = (N_("“%(title)s” was imported by %(who)s and may overlap your project “%(other)s” "
                "(%(label)s, score %(score)s).") if imported else
             N_("“%(title)s” was saved by %(who)s and may overlap your project “%(other)s” "
                "(%(label)s, score %(score)s)."))
    who = who or Message(N_("an import") if imported else N_("someone"))
    notice = Message(msgid, title=project_title, who=who, other=other_title, label=Message(result.label),
                     score=result.score)
    return {"notice": notice.as_data(), "reasons": [message_data(s.explanation) for s in result.signals[:3]]}


def notice_text(content: Mapping, translate: Callable[[object], str] = str) -> str:
    """A stored notice as text, through `translate` (adam.i18n.translate for the reader's language; str: English)."""
    notice = translate(message_from_data(content["notice"]))
    reasons = [translate(message_from_data(r)) for r in content.get("reasons") or ()]
    if not reasons:
        return notice
    return translate(Message(N_("%(notice)s Why: %(reasons)s"), notice=notice, reasons="; ".join(reasons)))


def notification_text(note: Notification, translate: Callable[[object], str] = str) -> str:
    """A notification through `translate`; one stored before notifications kept catalogue ids, as stored."""
    return notice_text(note.content, translate) if note.content else note.message


def _language_of(recipient: User | None):  # noqa: ANN202
    """A context in which text is rendered in the recipient's language, and the function that renders it: within a
    Flask application the catalogues apply; without one (the engine used alone), English."""
    try:
        from flask import has_app_context
    except ImportError:  # pragma: no cover
        return contextlib.nullcontext(), str
    if not has_app_context():
        return contextlib.nullcontext(), str
    from flask_babel import force_locale

    from adam.i18n import DEFAULT_LANGUAGE, translate
    return force_locale(getattr(recipient, "language", None) or DEFAULT_LANGUAGE), translate


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
            signals=signal_rows(result.signals),
        ))
        org_ids = other.organisation_ids()
        if not org_ids:
            continue
        recipients = session.scalars(select(User).where(
            User.organisation_id.in_(list(org_ids)), User.active.is_(True))).all()
        content = overlap_notice(project.title, other.title, result, who=user.name if user else None)
        message = notice_text(content)
        for recipient in recipients:
            if user is not None and recipient.id == user.id:
                continue
            note = Notification(user_id=recipient.id, project_id=project.id, message=message, content=content)
            session.add(note)
            notifications.append(note)
    session.flush()
    settings = mail_settings if mail_settings is not None else _mail_settings()
    if settings and settings.get("MAIL_SERVER") and notifications:
        send_emails(session, notifications, settings)
    return notifications


def send_emails(session: Session, notifications: Sequence[Notification], settings: Mapping) -> int:
    """One message per notification, in its recipient's language; a mail failure is logged and never loses the
    in-app notification."""
    sent = 0
    try:
        with smtplib.SMTP(settings["MAIL_SERVER"], int(settings.get("MAIL_PORT") or 25), timeout=10) as smtp:
            for note in notifications:
                recipient = session.get(User, note.user_id)
                language, translate = _language_of(recipient)
                with language:
                    subject = translate(Message(N_("ADAM: a project may overlap yours")))
                    body = notification_text(note, translate)
                msg = EmailMessage()
                msg["Subject"] = subject
                msg["From"] = settings.get("MAIL_FROM") or "adam@localhost"
                msg["To"] = recipient.email
                msg.set_content(body)
                smtp.send_message(msg)
                sent += 1
    except (OSError, smtplib.SMTPException) as exc:
        log.warning("overlap e-mail not sent: %s", exc)
    return sent
