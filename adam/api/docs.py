"""The OpenAPI document (/api/v1/openapi.json) and a browsable, server-rendered page of it (/api/v1/docs)."""
from __future__ import annotations

import re

from flask import Blueprint, current_app, jsonify, render_template
from markupsafe import Markup, escape
from flask_login import current_user, login_required

from adam.api import API_PREFIX
from adam.api.auth import authenticate_request

bp = Blueprint("api_docs", __name__, url_prefix=API_PREFIX)

METHODS = ("get", "post", "put", "patch", "delete")


def openapi_document() -> dict:
    return current_app.extensions["adam_api"].spec.to_dict()


@bp.get("/openapi.json")
def openapi_json():
    """The spec, for a signed-in browser or a token holder (the data is for partners, and so is its shape)."""
    if not current_user.is_authenticated:
        authenticate_request()
    return jsonify(openapi_document())


def _operations(spec: dict) -> list[dict]:
    """Every operation with its parameters, body and responses, resolved enough to read on one page."""
    ops = []
    for path, item in spec.get("paths", {}).items():
        for method in METHODS:
            op = item.get(method)
            if op is None:
                continue
            body = op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema", {})
            ops.append({
                "method": method.upper(), "path": path, "summary": op.get("summary", ""),
                "description": op.get("description", ""), "tag": (op.get("tags") or [""])[0],
                "parameters": [p for p in op.get("parameters", []) if "name" in p],
                "body": body.get("$ref", "").rsplit("/", 1)[-1],
                "responses": sorted(k for k in op.get("responses", {}) if k != "default"),
                "anchor": f"{method}-{path}".replace("/", "-").replace("{", "").replace("}", ""),
            })
    return ops


def _paragraphs(text: str) -> list[Markup]:
    """The spec's description (Markdown, as OpenAPI says) as paragraphs, its `code` spans as code."""
    return [Markup(re.sub(r"`([^`]+)`", r"<code>\1</code>", str(escape(part)))) for part in text.split("\n\n") if part]


@bp.get("/docs")
@login_required
def docs():
    spec = openapi_document()
    schemas = spec.get("components", {}).get("schemas", {})
    return render_template("api/docs.html", spec=spec, operations=_operations(spec), schemas=schemas,
                           description=_paragraphs(spec.get("info", {}).get("description", "")))
