"""Authentication and account operations: login with throttling, password rules, the audit log."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from adam.messages import N_, Message, ngettext
from adam.models import ROLES, AuditEvent, Organisation, User, utcnow

MIN_PASSWORD_LENGTH = 10


class AccountError(ValueError):
    """One or more messages (each a str, translatable by the web layer), read as one sentence by str()."""

    def __str__(self) -> str:
        return " ".join(str(a) for a in self.args)


class WrongPassword(AccountError):
    """The current password given to change it is not the user's."""


def password_problems(password: str, email: str = "") -> list[str]:
    problems = []
    if len(password) < MIN_PASSWORD_LENGTH:
        problems.append(Message("Use at least %(count)s characters.", count=MIN_PASSWORD_LENGTH))
    if email and password.casefold() == email.casefold():
        problems.append(N_("The password must not be your e-mail address."))
    if password.isdigit():
        problems.append(N_("Use more than digits."))
    return problems


def audit(session: Session, event: str, user: User | None = None, ip: str = "", **detail) -> None:
    session.add(AuditEvent(event=event, user_id=user.id if user else None, ip=ip or "", detail=detail))


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    # SQLite returns naive datetimes even for timezone-aware columns.
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=dt.timezone.utc)
    return value


def authenticate(session: Session, email: str, password: str, *, max_failures: int, lock_seconds: int,
                 ip: str = "") -> User:
    """Return the user, or raise AccountError with a message that does not reveal whether the e-mail exists."""
    user = session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))
    now = utcnow()
    if user is not None and user.locked_until and _aware(user.locked_until) > now:
        audit(session, "login_locked", user, ip, email=email)
        wait = int((_aware(user.locked_until) - now).total_seconds() // 60) + 1
        raise AccountError(ngettext("Too many failed attempts. Try again in %(num)s minute.",
                                    "Too many failed attempts. Try again in %(num)s minutes.", wait))
    if user is None or not user.check_password(password) or not user.active:
        if user is not None:
            user.failed_logins = (user.failed_logins or 0) + 1
            if user.failed_logins >= max_failures:
                user.locked_until = now + dt.timedelta(seconds=lock_seconds)
                user.failed_logins = 0
        audit(session, "login_failed", user, ip, email=email[:254])
        raise AccountError(N_("Invalid e-mail or password."))
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    audit(session, "login", user, ip)
    return user


def create_user(session: Session, *, email: str, name: str, password: str, role: str,
                organisation: Organisation | None, actor: User | None = None, ip: str = "") -> User:
    email = email.strip().lower()
    if role not in ROLES:
        raise AccountError(f"Unknown role {role!r}; choose one of {', '.join(ROLES)}.")
    if role == "focal_point" and organisation is None:
        raise AccountError(N_("A donor focal point belongs to an organisation."))
    if session.scalar(select(User.id).where(func.lower(User.email) == email)):
        raise AccountError(Message("A user with e-mail %(email)s exists already.", email=email))
    problems = password_problems(password, email)
    if problems:
        raise AccountError(*problems)
    user = User(email=email, name=name.strip(), role=role, organisation=organisation, active=True)
    user.set_password(password)
    session.add(user)
    session.flush()
    audit(session, "user_created", actor, ip, target=user.email, role=role)
    return user


def update_user(session: Session, user: User, *, name: str, role: str, organisation: Organisation | None,
                active: bool, actor: User, ip: str = "") -> None:
    if role not in ROLES:
        raise AccountError(f"Unknown role {role!r}.")
    if role == "focal_point" and organisation is None:
        raise AccountError(N_("A donor focal point belongs to an organisation."))
    if user.id == actor.id and (role != "admin" or not active):
        raise AccountError(N_("You cannot remove your own administrator rights or deactivate yourself."))
    changes = {}
    if user.role != role:
        changes["role"] = [user.role, role]
    if user.active != active:
        changes["active"] = [user.active, active]
    if user.organisation_id != (organisation.id if organisation else None):
        changes["organisation"] = [user.organisation.name if user.organisation else None,
                                   organisation.name if organisation else None]
    user.name, user.role, user.organisation, user.active = name.strip(), role, organisation, active
    if changes:
        audit(session, "permissions_changed", actor, ip, target=user.email, changes=changes)
    session.flush()


def change_password(session: Session, user: User, current: str, new: str, ip: str = "") -> None:
    if not user.check_password(current):
        raise WrongPassword(N_("The current password is not right."))
    problems = password_problems(new, user.email)
    if problems:
        raise AccountError(*problems)
    user.set_password(new)
    audit(session, "password_changed", user, ip)


def set_language(session: Session, user: User, language: str | None) -> None:
    """Record the user's interface language (None: follow the browser)."""
    user.language = language or None
    session.add(user)
