"""Security headers and role checks shared by every blueprint."""
from __future__ import annotations

from functools import wraps

from flask import Flask, abort, current_app, request
from flask_login import current_user

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)


def register(app: Flask) -> None:
    app.context_processor(lambda: {"public_view": public_view})

    @app.after_request
    def set_security_headers(response):
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("Permissions-Policy", "geolocation=(), camera=(), microphone=()")
        if app.config.get("SESSION_COOKIE_SECURE"):
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        return response


def roles_required(*roles: str):
    """Allow only logged-in users with one of the roles; others get 403 (anonymous: the login page)."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            from adam.extensions import login_manager

            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


coordinator_required = roles_required("coordinator", "admin")
admin_required = roles_required("admin")


def public_view() -> bool:
    """True when this request is an anonymous visitor's and an administrator has opened the public read-only view."""
    if current_user.is_authenticated:
        return False
    cached = getattr(request, "_adam_public_view", None)  # once per request (g can outlive one in tests)
    if cached is None:
        from adam.extensions import db
        from adam.sitesettings import public_view_open

        cached = public_view_open(db.session, current_app.config.get("PUBLIC_READ_ONLY", False))
        request._adam_public_view = cached
    return cached


def public_or_login_required(view):
    """Read-only pages: signed-in users, and anonymous visitors while the public view is open (else: the login)."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        from adam.extensions import login_manager

        if not current_user.is_authenticated and not public_view():
            return login_manager.unauthorized()
        return view(*args, **kwargs)

    return wrapped
