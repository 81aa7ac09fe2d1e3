"""Duplicate-check report pages: ranked pairs with evidence, decisions, CSV/XLSX exports and a print view."""
from __future__ import annotations

import math
from dataclasses import dataclass

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext, lazy_gettext
from flask_login import current_user, login_required
from sqlalchemy import select

from adam.extensions import db
from adam.i18n import country_name, translate, translate_error
from adam.models import Project
from adam.navigation import add_nav_item
from adam.overlap.decisions import DecisionError, decide
from adam.overlap.features import load_features
from adam.overlap.report import run_report
from adam.overlap_web.exports import report_rows, to_csv, to_xlsx
from adam.overlap_web.forms import DecisionForm, ReportFilterForm
from adam.search.export import Names
from adam.security import coordinator_required

bp = Blueprint("overlap", __name__, url_prefix="/overlaps")
PER_PAGE = 20


@bp.record_once
def _menu(state) -> None:  # noqa: ANN001
    add_nav_item(state.app, lazy_gettext("Duplicate check"), "overlap.report", order=30)


@dataclass
class Page:
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def next_num(self) -> int:
        return self.page + 1


def _report():
    form = ReportFilterForm(request.args)
    form.load_choices(db.session)
    if request.args and not form.validate():
        return form, None
    # Donor focal points see only pairs that involve a project of their organisation.
    organisation_id = None if current_user.is_coordinator else (current_user.organisation_id or -1)
    return form, run_report(db.session, form.to_filters(organisation_id), keep_index=True)


@bp.get("/")
@login_required
def report():
    form, result = _report()
    pairs, page, projects = [], Page(1, PER_PAGE, 0), {}
    if result is not None:
        page = Page(1, PER_PAGE, len(result.pairs))
        # A page past the last (the last pair of the last page was just decided, an old link) shows the last one.
        page.page = min(max(1, request.args.get("page", 1, type=int)), page.pages)
        pairs = result.pairs[(page.page - 1) * PER_PAGE: page.page * PER_PAGE]
        ids = {p.a.id for p in pairs} | {p.b.id for p in pairs}
        projects = {p.id: p for p in db.session.scalars(select(Project).where(Project.id.in_(ids)))} if ids else {}
    return render_template("overlap/report.html", form=form, report=result, pairs=pairs, page=page,
                           projects=projects, decision_form=DecisionForm(),
                           start_rank=(page.page - 1) * PER_PAGE), (200 if result is not None else 422)


@bp.get("/export.<fmt>")
@login_required
def export(fmt: str):
    if fmt not in ("csv", "xlsx"):
        abort(404)
    form, result = _report()
    if result is None:
        abort(422)
    rows = report_rows(db.session, result)
    if fmt == "csv":
        return Response(to_csv(rows), mimetype="text/csv",
                        headers={"Content-Disposition": "attachment; filename=adam-overlaps.csv"})
    return Response(to_xlsx(rows), mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": "attachment; filename=adam-overlaps.xlsx"})


@bp.get("/print")
@login_required
def print_view():
    form, result = _report()
    if result is None:
        abort(422)
    from adam.overlap_web.exports import HEADERS

    # Printed for the reader: labels, states, decisions, countries and evidence in the interface language (the CSV
    # and XLSX files keep the stored English words).
    names = Names(text=lambda value, **params: translate(value), country=lambda iso3, name: country_name((iso3, name)))
    # By column: "Project A title" as project_a_title (the page groups the 16 columns in four).
    keys = [header.lower().replace(" ", "_") for header in HEADERS]
    rows = [dict(zip(keys, row)) for row in report_rows(db.session, result, names)]
    return render_template("overlap/print.html", rows=rows, report=result)


@bp.post("/decide")
@coordinator_required
def decide_pair():
    form = DecisionForm()
    back = request.referrer or url_for("overlap.report")
    if not form.validate_on_submit():
        flash(gettext("The decision was not recorded: %(reasons)s", reasons=" ".join(form.problems())), "error")
        return redirect(back)
    ids = [int(form.project_a.data), int(form.project_b.data)]
    features = load_features(db.session, ids)
    if len(features) != 2:
        flash(gettext("The decision was not recorded: one of the projects does not exist or was withdrawn."), "error")
        return redirect(back)
    a, b = features[ids[0]], features[ids[1]]
    choice = form.withdraw.data or ""
    withdraw = {"a": a.id, "b": b.id, "merge-a": a.id, "merge-b": b.id}.get(choice)
    merge = choice.startswith("merge-")
    try:
        decide(db.session, a, b, form.decision.data, form.note.data or "", current_user, withdraw_id=withdraw,
               merge=merge)
    except DecisionError as exc:
        db.session.rollback()
        flash(gettext("The decision was not recorded: %(reasons)s", reasons=translate_error(exc)), "error")
        return redirect(back)
    db.session.commit()
    if merge:
        flash(gettext("Decision recorded. The duplicate record was merged into the other and withdrawn."), "success")
    else:
        flash(gettext("Decision recorded. The duplicate record was withdrawn.") if withdraw
              else gettext("Decision recorded."), "success")
    return redirect(back)


from adam.overlap_web import cli  # noqa: E402,F401  (registers the overlap-report command on bp.cli)
