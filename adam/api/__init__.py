"""The JSON API under /api/v1 with its OpenAPI 3 document, generated from the code by flask-smorest."""
from __future__ import annotations

import http

from flask import Flask, current_app
from flask_smorest import Api
from flask_smorest.spec import APISpecMixin
from flask_smorest.utils import prepare_response

from adam.api.schemas import DecimalString, ProblemSchema

API_PREFIX = "/api/v1"
PROBLEM_JSON = "application/problem+json"

API_DESCRIPTION = """\
The ADAM register of counter-narcotics technical assistance, for donors' own systems.

Authenticate with a personal token from your profile page: `Authorization: Bearer adam_...`.
A token has exactly the rights of its user: focal points edit only their organisation's projects.
Errors are problem details (`application/problem+json`); a 422 names each faulty field in `errors`.
Updates are safe: send the `ETag` you read as `If-Match` (stale: 412) or the `version` field (stale: 409).
"""


class AdamApi(Api):
    """flask-smorest's Api, answering errors with the application's own problem-details handler."""

    ERROR_SCHEMA = ProblemSchema

    def _register_error_handlers(self) -> None:
        # adam.errors answers every HTTP error (JSON for /api/, pages otherwise); keep that single handler.
        pass

    def _register_responses(self) -> None:
        """Document error responses as problem details, the content type the handler really sends."""
        for status in http.HTTPStatus:
            response = {"description": status.phrase}
            if not (100 <= status < 200) and status not in (204, 304):
                response["schema"] = self.ERROR_SCHEMA
            prepare_response(response, self.spec, PROBLEM_JSON)
            self.spec.components.response(status.name, response, lazy=True)
        response = {"description": "Default error response", "schema": self.ERROR_SCHEMA}
        prepare_response(response, self.spec, PROBLEM_JSON)
        self.spec.components.response(APISpecMixin.DEFAULT_ERROR_RESPONSE_NAME, response, lazy=True)


def api_rate_key() -> str:
    """Rate-limit key: the token's hash (so one client cannot use up another's allowance), else the address."""
    import hashlib

    from flask import request
    from flask_limiter.util import get_remote_address

    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        return "token:" + hashlib.sha256(header[7:].strip().encode()).hexdigest()[:32]
    return "addr:" + get_remote_address()


def init_api(app: Flask) -> Api:
    """Configure flask-smorest, register the API blueprints (CSRF-exempt: token auth only) and the docs pages."""
    from adam.api.docs import bp as docs_bp
    from adam.api.overlaps import blp as overlaps_blp
    from adam.api.projects import blp as projects_blp
    from adam.api.reference import blp as reference_blp
    from adam.api.tokens_web import bp as tokens_bp
    from adam.extensions import csrf, limiter
    from adam.navigation import add_nav_item, add_profile_section

    app.config.setdefault("API_TITLE", "ADAM API")
    app.config.setdefault("API_VERSION", "1.0")
    app.config.setdefault("OPENAPI_VERSION", "3.0.3")
    # No smorest docs blueprint: the spec and the browsable page are served by adam.api.docs behind login.
    app.config.setdefault("OPENAPI_URL_PREFIX", None)
    app.config.setdefault("API_SPEC_OPTIONS", {
        "info": {"description": API_DESCRIPTION},
        "servers": [{"url": "/"}],
        "components": {"securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}}},
        "security": [{"bearerAuth": []}],
    })
    api = AdamApi(app)
    api.register_field(DecimalString, "string", "decimal")
    for blp in (projects_blp, reference_blp, overlaps_blp):
        csrf.exempt(blp)
        # Per client: a token (hashed) when one is sent, else the address; a 429 answers as problem details.
        # The limiter and the blueprints live at module level: attach the limit once, whatever the number of apps.
        if not getattr(blp, "_adam_rate_limited", False):
            limiter.limit(lambda: current_app.config["RATELIMIT_API"], key_func=api_rate_key)(blp)
            blp._adam_rate_limited = True
        api.register_blueprint(blp, url_prefix=API_PREFIX + blp.url_prefix)
    app.extensions["adam_api"] = api
    app.register_blueprint(docs_bp)
    app.register_blueprint(tokens_bp)
    add_profile_section(app, "api/_profile_tokens.html")
    add_nav_item(app, "API", "api_docs.docs", order=90)  # the same word in every language
    return api
