"""Per-user API tokens: create (the secret is shown once), revoke, and authenticate a bearer token.

Plain Python on a SQLAlchemy session; only the SHA-256 hash of a token is stored, so a leaked database does not
leak usable tokens. A token carries exactly its user's rights: it authenticates the user and nothing more.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from adam.messages import N_, Message
from adam.models import ApiToken, User, utcnow

# "adam_" makes a leaked token recognisable to secret scanners; the random part has 256 bits.
TOKEN_PREFIX = "adam_"
MAX_NAME_LENGTH = 100
MAX_ACTIVE_TOKENS = 20
LAST_USED_RESOLUTION_SECONDS = 60


class TokenError(ValueError):
    """A token request that breaks a rule (a clear message for the user)."""


@dataclass
class NewToken:
    token: ApiToken
    secret: str  # the only time the plain token exists outside the client


def hash_token(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def create_token(session: Session, user: User, name: str) -> NewToken:
    name = " ".join((name or "").split())
    if not name:
        raise TokenError(N_("Give the token a name, for example the system that will use it."))
    if len(name) > MAX_NAME_LENGTH:
        raise TokenError(Message("The name may have at most %(count)s characters.", count=MAX_NAME_LENGTH))
    if not user.active:
        raise TokenError(N_("A deactivated account cannot have API tokens."))
    if len(active_tokens(session, user)) >= MAX_ACTIVE_TOKENS:
        raise TokenError(Message("You already have %(count)s active tokens; revoke one first.", count=MAX_ACTIVE_TOKENS))
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user_id=user.id, name=name, token_hash=hash_token(secret), prefix=secret[:12])
    session.add(token)
    session.flush()
    return NewToken(token, secret)


def active_tokens(session: Session, user: User) -> list[ApiToken]:
    return list(session.scalars(
        select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None)).order_by(ApiToken.id)
    ))


def user_tokens(session: Session, user: User) -> list[ApiToken]:
    """All of a user's tokens, active first, for the profile page."""
    tokens = session.scalars(select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id.desc()))
    return sorted(tokens, key=lambda t: t.revoked_at is not None)


def revoke_token(session: Session, user: User, token_id: int) -> ApiToken:
    """Revoke one of the user's own tokens (a user can never touch another user's token)."""
    token = session.get(ApiToken, token_id)
    if token is None or token.user_id != user.id:
        raise TokenError(N_("No such token among yours."))
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        session.flush()
    return token


def authenticate(session: Session, secret: str) -> User | None:
    """The active user a bearer token belongs to, or None (unknown, revoked, or the user is deactivated)."""
    if not secret or not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
        return None
    digest = hash_token(secret)
    token = session.scalar(select(ApiToken).where(ApiToken.token_hash == digest))
    # The lookup is by hash; the constant-time compare guards against any prefix-matching index behaviour.
    if token is None or not hmac.compare_digest(token.token_hash, digest) or token.revoked_at is not None:
        return None
    user = session.get(User, token.user_id)
    if user is None or not user.active:
        return None
    now = utcnow()
    last = token.last_used_at
    if last is not None and last.tzinfo is None:  # SQLite gives naive datetimes back
        last = last.replace(tzinfo=now.tzinfo)
    # Stamp at most once a minute: a busy client should not turn every read into a write.
    if last is None or (now - last).total_seconds() >= LAST_USED_RESOLUTION_SECONDS:
        token.last_used_at = now
    return user
