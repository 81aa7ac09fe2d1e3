"""Bearer-token authentication for the API blueprints; no cookie session ever counts on the API."""
from __future__ import annotations

from flask import abort, g, request
from werkzeug.exceptions import RequestEntityTooLarge, Unauthorized, UnsupportedMediaType

from adam.api import tokens
from adam.extensions import db
from adam.models import User

MAX_BODY_BYTES = 2 * 1024 * 1024


def bearer_secret() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


def unauthorized(detail: str) -> Unauthorized:
    error = Unauthorized(detail)
    # adam.errors copies data["headers"] onto the problem response.
    error.data = {"headers": {"WWW-Authenticate": 'Bearer realm="ADAM API"'}}
    return error


def authenticate_request() -> None:
    """before_request of every API blueprint: set g.api_user from the bearer token or answer 401."""
    secret = bearer_secret()
    if secret is None:
        raise unauthorized("Send a personal API token: Authorization: Bearer <token> (create one on your profile page).")
    user = tokens.authenticate(db.session, secret)
    if user is None:
        db.session.rollback()
        raise unauthorized("The token is unknown or revoked, or its account is deactivated.")
    if db.session.dirty:
        # Only the token's last-used stamp (at most once a minute); saved now so a failed request keeps it too.
        db.session.commit()
    g.api_user = user
    require_json_body()


def require_json_body() -> None:
    """A request body must be JSON, of at most MAX_BODY_BYTES: read as JSON or not at all, a form (what curl -d
    sends) would otherwise be taken for an empty body and answered "title: missing". A request without a body needs
    no content type."""
    # No project needs more (the longest texts are 100,000 characters); an upload of IATI files is not an API call.
    request.max_content_length = MAX_BODY_BYTES
    if request.content_length and request.content_length > MAX_BODY_BYTES:
        raise RequestEntityTooLarge(f"A request body may have at most {MAX_BODY_BYTES // (1024 * 1024)} MiB.")
    if request.method in ("POST", "PUT", "PATCH") and request.content_length and not request.is_json:
        raise UnsupportedMediaType(
            "Send the body as JSON, with the header Content-Type: application/json "
            f"(this request said {request.mimetype or 'nothing'}).")


def api_user() -> User:
    user = g.get("api_user")
    if user is None:  # pragma: no cover - every API blueprint runs authenticate_request first
        abort(401)
    return user
