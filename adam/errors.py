"""One error handler: JSON problem details to API clients, a page to browsers."""
from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from adam.messages import N_

# Werkzeug's names and descriptions of the errors a browser meets, for the catalogue: error.html shows them
# translated (a description given to abort() is shown as it is unless the catalogue knows it).
BROWSER_ERRORS = (
    N_("Bad Request"), N_("The browser (or proxy) sent a request that this server could not understand."),
    N_("Unauthorized"),
    N_("Forbidden"),
    N_("You don't have the permission to access the requested resource. It is either read-protected or not readable by the server."),
    N_("Not Found"),
    N_("The requested URL was not found on the server. If you entered the URL manually please check your spelling and try again."),
    N_("Method Not Allowed"), N_("The method is not allowed for the requested URL."),
    N_("Request Entity Too Large"), N_("The data value transmitted exceeds the capacity limit."),
    N_("Unprocessable Entity"),
    N_("The request was well-formed but was unable to be followed due to semantic errors."),
    N_("Too Many Requests"), N_("This user has exceeded an allotted request count. Try again later."),
    N_("Internal Server Error"),
    N_("The server encountered an internal error and was unable to complete your request. Either the server is overloaded or there is an error in the application."),
)


def wants_json_response() -> bool:
    if request.path.startswith("/api/"):
        return True
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]


def problem(status: int, title: str, detail: str = "", **extra):
    body = {"type": "about:blank", "title": title, "status": status}
    if detail:
        body["detail"] = detail
    body.update(extra)
    response = jsonify(body)
    response.status_code = status
    response.mimetype = "application/problem+json"
    return response


def _flatten(messages, prefix: str = "") -> dict[str, list[str]]:
    """{"donors": {0: {"amount": [..]}}} -> {"donors.0.amount": [..]}: one list of messages per field path."""
    if isinstance(messages, dict):
        flat: dict[str, list[str]] = {}
        for key, value in messages.items():
            flat.update(_flatten(value, f"{prefix}.{key}" if prefix else str(key)))
        return flat
    if isinstance(messages, (list, tuple)) and all(isinstance(m, str) for m in messages):
        return {prefix or "_schema": list(messages)}
    return {prefix or "_schema": [str(messages)]}


def field_errors(error: HTTPException) -> dict[str, list[str]]:
    """Field-level messages carried by an error: flask-smorest/webargs put them in error.data."""
    data = getattr(error, "data", None) or {}
    if "errors" in data:
        return _flatten(data["errors"])
    if "messages" in data:  # webargs: {location: {field: [messages]}}; the location adds nothing for clients
        merged: dict[str, list[str]] = {}
        for location_messages in data["messages"].values():
            merged.update(_flatten(location_messages))
        return merged
    return {}


def json_error(error: HTTPException):
    data = getattr(error, "data", None) or {}
    extra = {}
    errors = field_errors(error)
    if errors:
        extra["errors"] = errors
    detail = data.get("message") or error.description or ""
    if errors and not data.get("message"):
        detail = "The request is not valid; see errors for each field."
    if error.code == 429:  # flask-limiter describes only the limit ("600 per 1 minute")
        detail = (f"Too many requests: the limit is {error.description}. Try again after the number of seconds in "
                  "the Retry-After header.")
    response = problem(error.code or 500, error.name, detail, **extra)
    for name, value in (data.get("headers") or {}).items():
        response.headers[name] = value
    return response


# A browser form refused by the CSRF check (flask_wtf says "The CSRF session token is missing." and the like): most
# often the page was opened before the session ended (the browser was closed and its tabs restored, a sign-out in
# another tab). Said in the reader's language, with what to do.
FORM_EXPIRED = N_("This form was sent from a page opened before your session ended or changed, so ADAM could not "
                  "check that it came from you, and nothing was saved. Go back, reload the page and send it again.")


def register(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def handle_http_error(error: HTTPException):
        if wants_json_response():
            return json_error(error)
        return render_template("error.html", error=error), error.code

    @app.errorhandler(CSRFError)
    def handle_csrf_error(error: CSRFError):
        if wants_json_response():
            return json_error(error)
        return render_template("error.html", error=error, description=FORM_EXPIRED), error.code
