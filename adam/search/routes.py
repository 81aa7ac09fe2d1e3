"""Search pages: results, coverage matrices, map, timeline, and their CSV/XLSX/print exports.

Every page reads the whole state from the query string (a GET form), so any view can be bookmarked,
shared and exported as it is. Visible to every logged-in user: the register is shared among partners.
"""
from __future__ import annotations

from flask import Blueprint, Response, abort, jsonify, render_template, request
from flask_login import login_required

from adam.extensions import db
from adam.navigation import add_nav_item
from adam.search import coverage, export, query
from adam.search.choices import search_choices
from adam.search.filters import PER_PAGE_CHOICES, SORTS, SearchFilters, parse_filters
from adam.search.timeline import GROUPINGS, MAX_PROJECTS, build_timeline

bp = Blueprint("search", __name__, url_prefix="/search")

TABS = {
    "index": "Projects",
    "matrix": "Country × pillar",
    "donors": "Donor × country",
    "map": "Map",
    "timeline": "Timeline",
}


@bp.record_once
def _menu(state) -> None:  # noqa: ANN001
    add_nav_item(state.app, "Who does what", "search.index", order=20)


@bp.app_template_filter("usd")
def usd(amount) -> str:  # noqa: ANN001
    """Whole US dollars ("$1,250,000"): the same text as the money filter for USD, without Babel's cost,
    which matters on a matrix of a few hundred cells."""
    if amount is None:
        return "—"
    return f"${amount:,.0f}"


def current_filters() -> tuple[SearchFilters, list[str]]:
    filters, errors = parse_filters(request.args)
    filters, unknown = query.check_references(db.session, filters)
    return filters, errors + unknown


def _page(template: str, tab: str, **context):
    filters, errors = context.pop("state")
    if "totals" not in context:
        context["totals"] = query.totals(db.session, filters)
    return render_template(
        template, filters=filters, errors=errors, tab=tab, tabs=TABS, choices=search_choices(db.session),
        sorts=SORTS, per_page_choices=PER_PAGE_CHOICES, groupings=GROUPINGS, **context,
    )


@bp.get("/")
@login_required
def index():
    state = current_filters()
    filters = state[0]
    totals = query.totals(db.session, filters)
    return _page("search/results.html", "index", state=state, totals=totals,
                 page=query.results_page(db.session, filters, totals.count))


@bp.get("/matrix")
@login_required
def matrix():
    state = current_filters()
    return _page("search/matrix.html", "matrix", state=state,
                 matrix=coverage.country_pillar_matrix(db.session, state[0]), row_header="Country")


@bp.get("/donors")
@login_required
def donors():
    state = current_filters()
    return _page("search/matrix.html", "donors", state=state,
                 matrix=coverage.donor_country_matrix(db.session, state[0]), row_header="Donor")


@bp.get("/map", endpoint="map")
@login_required
def map_view():
    state = current_filters()
    measure = "budget" if request.args.get("measure") == "budget" else "count"
    return _page("search/map.html", "map", state=state, measure=measure,
                 figures=coverage.country_figures(db.session, state[0]))


@bp.get("/map.json")
@login_required
def map_data():
    filters, _errors = current_filters()
    return jsonify([
        {"iso3": c.iso3, "numeric": c.numeric, "name": c.name, "count": c.count, "budget_usd": float(c.budget_usd),
         "search": filters.query_string(countries=(c.iso3,), page=1)}
        for c in coverage.country_figures(db.session, filters)
    ])


@bp.get("/timeline")
@login_required
def timeline():
    state = current_filters()
    group_by = request.args.get("group", "country")
    group_by = group_by if group_by in GROUPINGS else "country"
    return _page("search/timeline.html", "timeline", state=state, group_by=group_by, max_projects=MAX_PROJECTS,
                 timeline=build_timeline(db.session, state[0], group_by))


def _export_view(view: str) -> str:
    if view not in export.VIEWS:
        abort(404)
    return view


@bp.get("/export/<view>.<fmt>")
@login_required
def download(view: str, fmt: str):
    _export_view(view)
    if fmt not in export.FORMATS:
        abort(404)
    filters, _errors = current_filters()
    table = export.build_table(db.session, view, filters, request.args.get("group", "country"))
    if fmt == "csv":
        body, mimetype = export.to_csv(table), "text/csv; charset=utf-8"
    else:
        body, mimetype = export.to_xlsx(table), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return Response(body, mimetype=mimetype,
                    headers={"Content-Disposition": f'attachment; filename="adam-{view}.{fmt}"'})


@bp.get("/print/<view>")
@login_required
def print_view(view: str):
    _export_view(view)
    filters, errors = current_filters()
    table = export.build_table(db.session, view, filters, request.args.get("group", "country"))
    return render_template("search/print.html", table=table, filters=filters, errors=errors,
                           totals=query.totals(db.session, filters), view=view)
