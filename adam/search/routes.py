"""Search pages: results, coverage matrices, map, timeline, and their CSV/XLSX/print exports.

Every page reads the whole state from the query string (a GET form), so any view can be bookmarked,
shared and exported as it is. Visible to every logged-in user: the register is shared among partners; anonymous
visitors see them only while an administrator keeps the public read-only view open (never withdrawn projects).
"""
from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable
from typing import TypeVar

from flask import Blueprint, Response, abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext, lazy_gettext, ngettext
from flask_login import current_user, login_required
from markupsafe import Markup

from adam.extensions import db
from adam.i18n import N_, country_name, translate
from adam.formatting import current_locale, money, number
from adam.navigation import add_nav_item
from adam.search import coverage, export, query
from adam.search.cache import AggregateCache, register_version
from adam.search.choices import search_choices
from adam.search.dashboard import set_followed_countries
from adam.search.forms import follow_form
from adam.search.filters import PER_PAGE_CHOICES, SORTS, SearchFilters, parse_filters
from adam.search.timeline import GROUPINGS, MAX_PROJECTS, build_timeline
from adam.security import public_or_login_required

bp = Blueprint("search", __name__, url_prefix="/search")
T = TypeVar("T")

TABS = {
    "index": N_("Projects"),
    "matrix": N_("Country × pillar"),
    "donors": N_("Donor × country"),
    "map": N_("Map"),
    "timeline": N_("Timeline"),
}


@bp.record_once
def _setup(state) -> None:  # noqa: ANN001
    add_nav_item(state.app, lazy_gettext("Who does what"), "search.index", order=20)
    # Tests change data behind the operations' back, so they opt in to the cache explicitly.
    enabled = state.app.config.get("SEARCH_CACHE", not state.app.config.get("TESTING"))
    if enabled and os.environ.get("ADAM_SEARCH_CACHE") != "0":  # "0": measure without it (bench)
        state.app.extensions["adam_search_cache"] = AggregateCache()


def cached(kind: str, filters: SearchFilters | None, compute: Callable[[], T], exact: bool = False) -> T:
    """An aggregate of the current search, from the per-process cache while the register is unchanged.

    Keyed by the filters that decide the matching set, or with exact=True by the whole state (sort and page
    too: the ids of a results page); kind "choices" does not depend on the search."""
    cache: AggregateCache | None = current_app.extensions.get("adam_search_cache")
    if cache is None:
        return compute()
    # Read once per request, before anything is computed (kept in the request's environ: g can outlive a
    # request when an application context was pushed around it).
    version = request.environ.get("adam.search_version")
    if version is None:
        version = request.environ["adam.search_version"] = register_version(db.session)
    if kind == "choices":  # the lists of the form are labelled in the interface language: one set per language
        key = current_locale()
    else:
        key = None if filters is None else (filters if exact else filters.narrowing())
    return cache.get((kind, key), version, compute)


@bp.app_template_filter("usd")
def usd(amount) -> str:  # noqa: ANN001
    """Whole US dollars ("$1,250,000"): the same text as the money filter for USD, without Babel's cost,
    which matters on a matrix of a few hundred cells."""
    if amount is None:
        return "—"
    locale = current_locale()
    if locale == "en":
        return f"${amount:,.0f}"
    return money(amount, "USD", locale)


def _country_shown(iso3: str, name: str) -> str:
    """A country's name in the interface language, from its ISO code and stored (English) name."""
    return country_name((iso3, name))


@bp.app_template_filter("print_cell")
def print_cell(value) -> str:  # noqa: ANN001
    """A table cell as people read it: amounts (floats) with the reader's thousands separators and no cents, counts
    and ids as they are, ISO dates, blanks for nothing."""
    if value is None:
        return ""
    if isinstance(value, float):
        return number(round(value))
    return str(value)


PRINT_MAX_ROWS = 5000


def current_filters() -> tuple[SearchFilters, list[str]]:
    filters, errors = parse_filters(request.args)
    if not current_user.is_authenticated and filters.include_withdrawn:  # the public view never shows them
        filters = dataclasses.replace(filters, include_withdrawn=False)
    # Which filter values name something in the register: reference data, cached like the aggregates.
    filters, unknown = cached("references", filters, lambda: query.check_references(db.session, filters), exact=True)
    return filters, errors + unknown


def _page(template: str, tab: str, **context):
    filters, errors = context.pop("state")
    if "totals" not in context:
        context["totals"] = cached("totals", filters, lambda: query.totals(db.session, filters))
    return render_template(
        template, filters=filters, errors=errors, tab=tab, tabs=TABS,
        choices=cached("choices", None, lambda: search_choices(db.session, gettext, _country_shown)),
        sorts=SORTS, per_page_choices=PER_PAGE_CHOICES, groupings=GROUPINGS, **context,
    )


@bp.get("/")
@public_or_login_required
def index():
    state = current_filters()
    filters = state[0]
    totals = cached("totals", filters, lambda: query.totals(db.session, filters))
    # The page (a sort of the matching set, then its rows) is cached like the aggregates: the stamp also
    # moves when an organisation, country, region or pillar the rows name changes.
    page = cached("page", filters, lambda: query.results_page(db.session, filters, totals.count), exact=True)
    return _page("search/results.html", "index", state=state, totals=totals, page=page)


def _matrix_page(kind: str, state, compute: Callable[[], coverage.Matrix], row_header: str):
    """A matrix view. Its table (hundreds of cells, each with a link) is rendered once per search and
    register version and kept with the aggregates: rendering it cost more than everything else in the page."""
    filters = state[0]
    totals = cached("totals", filters, lambda: query.totals(db.session, filters))

    def table() -> Markup:
        # The countries in the order of their names in this language (the matrix itself is shared by languages).
        matrix = cached(kind, filters, compute).countries_in_order(_country_shown)
        return Markup(render_template("search/_matrix_table.html", matrix=matrix, tab=kind,
                                      filters=filters, totals=totals, row_header=row_header))

    # Keyed by the whole state (the cell links carry the sort and page size along) and the language (the
    # labels and numbers in the table are translated and formatted for it).
    return _page("search/matrix.html", kind, state=state, totals=totals, row_header=row_header,
                 matrix_html=cached(f"{kind}-html-{current_locale()}", filters, table, exact=True))


@bp.get("/matrix")
@public_or_login_required
def matrix():
    state = current_filters()
    return _matrix_page("matrix", state, lambda: coverage.country_pillar_matrix(db.session, state[0]), N_("Country"))


@bp.get("/donors")
@public_or_login_required
def donors():
    state = current_filters()
    return _matrix_page("donors", state, lambda: coverage.donor_country_matrix(db.session, state[0]), N_("Donor"))


@bp.get("/map", endpoint="map")
@public_or_login_required
def map_view():
    state = current_filters()
    measure = "budget" if request.args.get("measure") == "budget" else "count"
    return _page("search/map.html", "map", state=state, measure=measure,
                 figures=cached("figures", state[0], lambda: coverage.country_figures(db.session, state[0])))


@bp.get("/map.json")
@public_or_login_required
def map_data():
    filters, _errors = current_filters()
    return jsonify([
        {"iso3": c.iso3, "numeric": c.numeric, "name": country_name((c.iso3, c.name)), "count": c.count, "budget_usd": float(c.budget_usd),
         "search": filters.query_string(countries=(c.iso3,), page=1),
         # The tooltip, worded and formatted for the user's language (the script only shows it).
         "label": ngettext("%(country)s: %(num)d project, %(budget)s", "%(country)s: %(num)d projects, %(budget)s", c.count,
                           country=country_name((c.iso3, c.name)), budget=usd(c.budget_usd))}
        for c in cached("figures", filters, lambda: coverage.country_figures(db.session, filters))
    ])


@bp.get("/timeline")
@public_or_login_required
def timeline():
    state = current_filters()
    group_by = request.args.get("group", "country")
    group_by = group_by if group_by in GROUPINGS else "country"
    def shown(key: str, label: str) -> str:  # a group's name as the page shows it (search/timeline.html)
        return translate(_country_shown(key, label) if group_by == "country" else label)

    return _page("search/timeline.html", "timeline", state=state, group_by=group_by, max_projects=MAX_PROJECTS,
                 timeline=build_timeline(db.session, state[0], group_by, name=shown))


def _export_view(view: str) -> str:
    if view not in export.VIEWS:
        abort(404)
    return view


@bp.get("/export/<view>.<fmt>")
@public_or_login_required
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
@public_or_login_required
def print_view(view: str):
    _export_view(view)
    filters, errors = current_filters()
    group_by = request.args.get("group", "country")
    # Printed for the reader: headers, statuses, pillar and country names in the interface language (the CSV and
    # XLSX files keep the stored English names).
    names = export.Names(text=lambda msgid, **params: gettext(msgid, **params) if msgid else msgid,
                         country=_country_shown)
    table = export.build_table(db.session, view, filters, group_by, names)
    back = {"results": "search.index", "matrix": "search.matrix", "donors": "search.donors", "map": "search.map",
            "timeline": "search.timeline"}[view]
    # Back to the same view: the search, and the timeline's grouping.
    state = [filters.replace(page=1).query_string()]
    if view == "timeline" and group_by in GROUPINGS:
        state.append(f"group={group_by}")
    back_url = url_for(back) + ("?" + "&".join(part for part in state if part) if any(state) else "")
    return render_template("search/print.html", table=table, filters=filters, errors=errors,
                           totals=query.totals(db.session, filters), view=view, back_url=back_url,
                           max_rows=PRINT_MAX_ROWS)


@bp.post("/follow")
@login_required
def follow():
    """Save the countries whose recent changes the dashboard shows."""
    form = follow_form(db.session)
    if form.validate_on_submit():
        set_followed_countries(db.session, current_user, form.countries.data or [])
        db.session.commit()
        if form.countries.data:
            flash(gettext("The countries you follow were saved."), "success")
        else:
            flash(gettext("You now follow no country."), "success")
    else:
        flash(gettext("Choose countries from the list."), "danger")
    return redirect(url_for("main.index"))
