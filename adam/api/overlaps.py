"""/api/v1/overlaps/check: the closest existing projects to a draft, each with its score and evidence."""
from __future__ import annotations

from flask_smorest import Blueprint, abort

from adam.api.auth import api_user, authenticate_request
from adam.api.projects import FIELD_NAMES, _to_input
from adam.api.schemas import OverlapCheckSchema, ProjectInSchema
from adam.extensions import db
from adam.projects import operations as ops
from adam.projects.overlap_hooks import check_draft, overlap_available

blp = Blueprint("api_overlaps", __name__, url_prefix="/overlaps", description="Overlap and duplicate detection")
blp.before_request(authenticate_request)


def _match(result) -> dict:
    return {
        "project": result.other,
        "score": float(result.score),
        "label": str(result.label),
        "signals": [{"name": s.name, "explanation": s.explanation, "points": float(s.points)} for s in result.signals],
    }


@blp.route("/check", methods=["POST"])
@blp.arguments(ProjectInSchema)
@blp.response(200, OverlapCheckSchema)
def check(payload: dict):
    """Score a draft project (nothing is saved) against the register: flagged matches, best first, with signals."""
    user = api_user()
    try:
        # Any user may check a draft; the donor rule applies when the project is saved, not here.
        draft = ops.build_draft(db.session, _to_input(payload), None)
    except ops.ProjectValidationError as exc:
        db.session.rollback()
        abort(422, message="The draft is not valid; see errors for each field.",
              errors={FIELD_NAMES.get(k, k): v for k, v in exc.errors.items()})
    draft.owner_organisation_id = user.organisation_id
    results = check_draft(db.session, draft)
    return {"available": overlap_available(), "matches": [_match(r) for r in results]}
