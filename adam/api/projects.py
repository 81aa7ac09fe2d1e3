"""/api/v1/projects: list with the search filters, get, create, update (PUT, PATCH) and withdraw.

Thin routes over adam.projects.operations: every rule (permissions, validation, optimistic locking) lives there.
"""
from __future__ import annotations

import re
from urllib.parse import urlencode

from flask import Response, request, url_for
from flask_smorest import abort
from sqlalchemy.orm.exc import StaleDataError

from adam.api import queries
from adam.api.auth import api_user, authenticate_request
from adam.api.blueprint import Blueprint
from adam.api.schemas import ProjectInSchema, ProjectOutSchema, ProjectPageSchema, ProjectQuerySchema, WithdrawSchema
from adam.extensions import db
from adam.models import Project
from adam.projects import operations as ops
from adam.projects.overlap_hooks import after_saved, check_draft

blp = Blueprint("api_projects", __name__, url_prefix="/projects", description="The project register")
blp.before_request(authenticate_request)

# operations name some fields by their meaning; the API names them as the request body does.
FIELD_NAMES = {
    "countries": "country_ids", "regions": "region_ids", "pillars": "pillar_ids", "themes": "theme_ids",
    "implementers": "implementer_ids", "institutions": "institution_ids",
}
_ETAG = re.compile(r'^\s*(?:W/)?"(\d{1,10})"\s*$')
ETAG_HEADER = {"ETag": {"description": 'W/"<version>"; send it back as If-Match', "schema": {"type": "string"}}}
IF_MATCH = {"in": "header", "name": "If-Match", "required": False, "schema": {"type": "string"},
            "description": 'The ETag you read (W/"<version>"); required unless the body has version'}


class ProjectPatchSchema(ProjectInSchema):
    """Any subset of the project's fields; the others keep their values."""


def etag(project: Project) -> str:
    return f'W/"{project.version}"'


def _with_etag(project: Project, status: int = 200, **headers):
    return project, status, {"ETag": etag(project), **headers}


def _get(project_id: int) -> Project:
    project = db.session.get(Project, project_id)
    if project is None:
        abort(404, message=f"No project with id {project_id}.")
    return project


def _if_match_version() -> int | None:
    """The version named by If-Match; None when absent. A value that names no version can never match."""
    header = request.headers.get("If-Match")
    if header is None:
        return None
    match = _ETAG.match(header)
    if header.strip() == "*":
        return None
    return int(match.group(1)) if match else -1


def _expected_version(project: Project, payload: dict) -> int:
    """The version a change was based on: If-Match (stale: 412) or the body's version; neither is a 428."""
    wanted = _if_match_version()
    if wanted is not None:
        if wanted != project.version:
            abort(412, message=f"The project is at version {project.version}, your If-Match names another; "
                               "read it again and reapply your change.")
        return wanted
    if payload.get("version") is None:
        abort(428, message="Send If-Match with the ETag you read, or the version field, so that no edit is lost.")
    return payload["version"]


def _to_input(payload: dict, base: ops.ProjectInput | None = None) -> ops.ProjectInput:
    data = base or ops.ProjectInput(title="")
    for key, value in payload.items():
        if key == "version":
            continue
        if key == "donors":
            value = [ops.DonorInput(d["organisation_id"], d.get("amount")) for d in value]
        elif key == "links":
            value = [(link["url"], link.get("label", "")) for link in value]
        elif key == "locations":
            value = [(place.get("country_id"), place["name"]) for place in value]
        setattr(data, key, value)
    return data


def _invalid(exc: ops.ProjectValidationError):
    db.session.rollback()
    errors = {FIELD_NAMES.get(k, k): v for k, v in exc.errors.items()}
    abort(422, message="The project is not valid; see errors for each field.", errors=errors)


def _save_checks(draft_input: ops.ProjectInput, user, project: Project | None) -> list:
    """Validate and run the overlap check on the draft (API clients see matches through /overlaps/check)."""
    try:
        draft = ops.build_draft(db.session, draft_input, user, project)
    except ops.ProjectValidationError as exc:
        _invalid(exc)
    results = check_draft(db.session, draft)
    # The draft of an edit carries no id, so the project would otherwise be flagged as its own duplicate.
    return [r for r in results if project is None or r.other.id != project.id]


@blp.route("/")
@blp.arguments(ProjectQuerySchema, location="query", as_kwargs=False)
@blp.response(200, ProjectPageSchema)
def list_projects(args: dict):
    """List projects (not withdrawn unless include_withdrawn), filtered like the search page, one page at a time.
    A filter value that names nothing in the register (a country code, theme code, organisation id...) is a 422."""
    page, per_page = args.pop("page"), args.pop("per_page")
    filters = queries.search_filters(args)
    unknown = queries.unknown_references(db.session, filters)
    if unknown:
        abort(422, message="Some filter values name nothing in the register; see errors.", errors=unknown)
    items, total = queries.page_of(db.session, filters, page, per_page)
    pages = max(1, -(-total // per_page))

    def link(number: int | None) -> str | None:
        if number is None:
            return None
        params = request.args.to_dict(flat=False)
        params.update(page=[str(number)], per_page=[str(per_page)])
        # Encoded here, not passed to url_for: a parameter named _method, _anchor, _scheme or _external is the
        # client's, not an option of url_for.
        return url_for("api_projects.list_projects") + "?" + urlencode(params, doseq=True)

    return {
        "items": items, "page": page, "per_page": per_page, "total": total, "pages": pages,
        "links": {"self": link(page), "first": link(1), "last": link(pages),
                  # past the end, "prev" leads back to the last page that has items
                  "prev": link(min(page - 1, pages)) if page > 1 else None,
                  "next": link(page + 1) if page < pages else None},
    }


@blp.route("/", methods=["POST"])
@blp.arguments(ProjectInSchema)
@blp.response(201, ProjectOutSchema, headers=ETAG_HEADER)
@blp.alt_response(403, response="FORBIDDEN")
def create_project(payload: dict):
    """Register a project. A focal point's organisation must be among its donors or implementers."""
    user = api_user()
    if not ops.can_create(user):
        abort(403, message="Your account may not register projects (it belongs to no organisation).")
    data = _to_input(payload)
    results = _save_checks(data, user, None)
    try:
        project = ops.create_project(db.session, data, user)
    except ops.ProjectValidationError as exc:
        _invalid(exc)
    after_saved(db.session, project, user, results, acknowledged=False)
    db.session.commit()
    return _with_etag(project, 201, Location=url_for("api_projects.project", project_id=project.id))


@blp.route("/<int(max=2147483647):project_id>")
@blp.response(200, ProjectOutSchema, headers=ETAG_HEADER)
@blp.alt_response(304, description="Not modified (If-None-Match)")
@blp.alt_response(404, response="NOT_FOUND")
def project(project_id: int):
    """One project, withdrawn or not, with its ETag."""
    found = _get(project_id)
    if request.if_none_match and request.if_none_match.contains_weak(str(found.version)):
        return Response(status=304, headers={"ETag": etag(found)})
    return _with_etag(found)


def _update(project_id: int, payload: dict, partial: bool):
    user = api_user()
    project = _get(project_id)
    if not ops.can_edit(user, project):
        abort(403, message="You may edit only projects that your organisation funds or implements.")
    expected = _expected_version(project, payload)
    # PUT and PATCH alike start from the project as it is: a field the request does not mention keeps its value
    # (marshmallow filled in defaults for the fields left out; they are not what the client said).
    sent = request.get_json(silent=True) or {}
    if not partial:
        payload = {k: v for k, v in payload.items() if k in sent}
    data = _to_input(payload, ops.ProjectInput.from_project(project))
    if expected != project.version:
        abort(409, message=f"The project is at version {project.version}, your edit was based on version "
                           f"{expected}; read it again and reapply your change.", errors={"version": [
                               f"Stale: the current version is {project.version}."]})
    results = _save_checks(data, user, project)
    try:
        ops.update_project(db.session, project, data, user, expected)
        after_saved(db.session, project, user, results, acknowledged=False)
        db.session.commit()
    except ops.ProjectValidationError as exc:
        _invalid(exc)
    except (ops.StaleProjectError, StaleDataError):
        db.session.rollback()
        abort(409, message="The project changed while your edit was saved; read it again and reapply your change.")
    return _with_etag(project)


@blp.route("/<int(max=2147483647):project_id>", methods=["PUT"])
@blp.doc(parameters=[IF_MATCH])
@blp.arguments(ProjectInSchema)
@blp.response(200, ProjectOutSchema, headers=ETAG_HEADER)
@blp.alt_response(403, response="FORBIDDEN")
@blp.alt_response(404, response="NOT_FOUND")
@blp.alt_response(409, response="CONFLICT")
@blp.alt_response(412, response="PRECONDITION_FAILED")
@blp.alt_response(428, response="PRECONDITION_REQUIRED")
def replace_project(payload: dict, project_id: int):
    """Update a project with the fields given (title required); a field left out keeps its current value, so
    an update never drops data it does not mention (places, links, institutions...)."""
    return _update(project_id, payload, partial=False)


@blp.route("/<int(max=2147483647):project_id>", methods=["PATCH"])
@blp.doc(parameters=[IF_MATCH])
@blp.arguments(ProjectPatchSchema(partial=True))
@blp.response(200, ProjectOutSchema, headers=ETAG_HEADER)
@blp.alt_response(403, response="FORBIDDEN")
@blp.alt_response(404, response="NOT_FOUND")
@blp.alt_response(409, response="CONFLICT")
@blp.alt_response(412, response="PRECONDITION_FAILED")
@blp.alt_response(428, response="PRECONDITION_REQUIRED")
def patch_project(payload: dict, project_id: int):
    """Change some of a project's fields."""
    return _update(project_id, payload, partial=True)


@blp.route("/<int(max=2147483647):project_id>/withdraw", methods=["POST"])
@blp.doc(parameters=[IF_MATCH])
@blp.arguments(WithdrawSchema)
@blp.response(200, ProjectOutSchema, headers=ETAG_HEADER)
@blp.alt_response(403, response="FORBIDDEN")
@blp.alt_response(404, response="NOT_FOUND")
@blp.alt_response(409, response="CONFLICT")
@blp.alt_response(412, response="PRECONDITION_FAILED")
@blp.alt_response(428, response="PRECONDITION_REQUIRED")
def withdraw_project(payload: dict, project_id: int):
    """Withdraw a project: it leaves lists and overlap checks but stays in the history (never deleted)."""
    user = api_user()
    project = _get(project_id)
    if not ops.can_edit(user, project):
        abort(403, message="You may withdraw only projects that your organisation funds or implements.")
    expected = _expected_version(project, payload)
    try:
        ops.withdraw_project(db.session, project, user, payload["reason"], expected)
        db.session.commit()
    except (ops.StaleProjectError, StaleDataError):
        db.session.rollback()
        abort(409, message=f"The project is at version {project.version}; read it again before withdrawing.")
    return _with_etag(project)
