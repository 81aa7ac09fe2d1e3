"""/api/v1/overlaps: the check of a draft (closest projects, scored, with evidence) and the duplicate report."""
from __future__ import annotations

from flask_smorest import abort
from sqlalchemy import select

from adam.api.auth import api_user, authenticate_request
from adam.api.blueprint import Blueprint
from adam.api.projects import FIELD_NAMES, _to_input
from adam.api.schemas import OverlapCheckSchema, OverlapReportQuerySchema, OverlapReportSchema, ProjectInSchema
from adam.extensions import db
from adam.models import Country, Pillar, Region
from adam.projects import operations as ops
from adam.projects.overlap_hooks import check_draft, overlap_available

blp = Blueprint("api_overlaps", __name__, url_prefix="/overlaps", description="Overlap and duplicate detection")
blp.before_request(authenticate_request)


def _match(result) -> dict:
    return {
        "project": result.other,
        "score": float(result.score),
        "label": str(result.label),
        "signals": [_signal(s) for s in result.signals],
    }


def _signal(signal) -> dict:
    return {"name": signal.name, "explanation": signal.explanation, "points": float(signal.points)}


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


@blp.route("/report")
@blp.arguments(OverlapReportQuerySchema, location="query")
@blp.response(200, OverlapReportSchema)
def report(args: dict):
    """Every flagged pair in a scope, ranked by score, with its evidence; a focal point sees pairs involving
    their organisation's projects, a coordinator all pairs."""
    user = api_user()
    if not overlap_available():
        abort(503, message="The overlap engine is not installed on this server.")
    from adam.overlap.report import ReportFilters, run_report

    countries = set(db.session.scalars(select(Country.id).where(Country.iso3.in_([c.upper() for c in args.get("country", [])]))))
    if args.get("country") and not countries:
        abort(422, message="No such country.", errors={"country": ["Unknown ISO 3166 alpha-3 code(s)."]})
    region_id = None
    if args.get("region"):
        region_id = db.session.scalar(select(Region.id).where(Region.code == args["region"]))
        if region_id is None:
            abort(422, message="No such region.", errors={"region": [f"Unknown region code {args['region']!r}."]})
    pillars = set(db.session.scalars(select(Pillar.id).where(Pillar.number.in_(args.get("pillar", [])))))
    filters = ReportFilters(
        countries=countries, region_id=region_id, pillars=pillars, donors=set(args.get("donor", [])),
        period_start=args.get("date_from"), period_end=args.get("date_to"), min_score=args["min_score"],
        decided=args["decided"], organisation_id=None if user.is_coordinator else (user.organisation_id or -1),
    )
    result = run_report(db.session, filters, keep_index=True)
    page, per_page = args["page"], args["per_page"]
    chosen = result.pairs[(page - 1) * per_page: page * per_page]
    return {
        "pairs": [{"a": p.a, "b": p.b, "score": float(p.score), "label": str(p.label), "state": p.state,
                   "signals": [_signal(s) for s in p.signals]} for p in chosen],
        "total": len(result.pairs), "page": page, "per_page": per_page, "projects": result.projects,
        "candidates_scored": result.candidates_scored,
    }
