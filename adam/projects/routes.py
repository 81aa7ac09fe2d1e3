"""Project pages: list, detail with history, create, edit (with the overlap check), withdraw, restore."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from adam.extensions import db
from adam.formatting import date as format_date
from adam.i18n import by_country_name, country_name, translate
from adam.models import STATUSES, Country, Organisation, Pillar, Project, ProjectChange
from adam.messages import Message
from adam.projects import operations as ops, reasons
from adam.projects.forms import ListFilterForm, ProjectForm, WithdrawForm
from adam.projects.history import history_rows
from adam.projects.overlap_hooks import after_saved, check_draft
from adam.security import public_or_login_required
from adam.projects.queries import SORTS, ProjectFilters, project_list_query

bp = Blueprint("projects", __name__, url_prefix="/projects")


@bp.app_context_processor
def _registration() -> dict:
    # Pages offer "Register a project" and the bulk import only to those who may register (ops.can_create).
    return {"can_register_projects": lambda: ops.can_create(current_user)}


@bp.get("/")
@login_required
def index():
    form = ListFilterForm(request.args)
    form.country.choices = [(None, gettext("Any country"))] + [
        (c.id, country_name(c)) for c in by_country_name(db.session.scalars(select(Country)).all())]
    form.donor.choices = [(None, gettext("Any donor"))] + [
        (o.id, o.label) for o in db.session.scalars(select(Organisation).where(Organisation.type != "recipient_agency").order_by(Organisation.name))
    ]
    form.pillar.choices = [(None, gettext("Any pillar"))] + [
        (p.id, translate(p.name)) for p in db.session.scalars(select(Pillar).order_by(Pillar.number))]
    form.status.choices = [("", gettext("Any status"))] + [(key, gettext(label)) for key, label in STATUSES.items()]
    form.sort.choices = [(k, gettext(label)) for k, (_o, label) in SORTS.items()]
    form.validate()
    filters = ProjectFilters(
        country_id=form.country.data, donor_id=form.donor.data, pillar_id=form.pillar.data,
        status=form.status.data or None, sort=form.sort.data or "updated",
        include_withdrawn=request.args.get("withdrawn") == "1",
    )
    page = db.paginate(project_list_query(filters), per_page=current_app.config["PROJECTS_PER_PAGE"], error_out=False)
    return render_template("projects/index.html", page=page, form=form)


def _get_project(project_id: int) -> Project:
    return db.get_or_404(Project, project_id)


def _readable(changes: dict) -> dict:
    """Changes ({key: {field: [before, after]}}) as rows in the reader's language: the form's field labels,
    translated values, local dates (adam.projects.history)."""
    # Snapshots keep English country names: shown in the reader's language through their ISO codes.
    named = {name for fields in changes.values() for values in (fields.get("countries") or [])
             for name in (values or [])}
    iso3 = dict(db.session.execute(select(Country.name, Country.iso3).where(Country.name.in_(named))).all()) \
        if named else {}
    return {key: history_rows(fields, country=lambda name: country_name((iso3.get(name), name)), date=format_date)
            for key, fields in changes.items()}


def _reason_shown(stored: str) -> str:
    # ADAM's own reasons ("Duplicate of project #12") are stored in English: shown in the reader's language; a
    # person's own words as they wrote them.
    text = reasons.readable(stored)
    return translate(text) if isinstance(text, Message) else text


@bp.get("/<int:project_id>")
@public_or_login_required
def detail(project_id: int):
    project = _get_project(project_id)
    if not current_user.is_authenticated:  # the public view: public facts only, never a withdrawn project
        if project.is_withdrawn:
            abort(404)
        return render_template("projects/detail.html", project=project, history=[], can_edit=False)
    history = db.session.scalars(
        select(ProjectChange).where(ProjectChange.project_id == project.id).order_by(ProjectChange.changed_at.desc(), ProjectChange.id.desc())
    ).all()
    rows = _readable({change.id: change.changes for change in history
                      if change.changes and change.action != "created"})
    notes = {change.id: _reason_shown(change.note) for change in history if change.note}
    return render_template("projects/detail.html", project=project, history=history, history_rows=rows,
                           history_notes=notes, withdrawn_reason=_reason_shown(project.withdrawn_reason),
                           can_edit=ops.can_edit(current_user, project))


def _overlaps_seen(results: list) -> bool:
    """Whether the user saw every possible overlap before "Save anyway": after a change in the form the check may
    find other projects, which are shown first. (The warning lists them in the field overlaps_seen; a request
    without it confirms whatever is found.)"""
    if "overlaps_seen" not in request.form:
        return True
    seen = {part.strip() for part in request.form["overlaps_seen"].split(",")}
    return all(str(r.other.id) in seen for r in results)


def _save(form: ProjectForm, project: Project | None):
    """Validate, run the overlap check, then create or update. Returns a response or None to re-show the form."""
    data = form.to_input()
    try:
        draft = ops.build_draft(db.session, data, current_user, project)
    except ops.ProjectValidationError as exc:
        form.apply_errors(exc.errors)
        return None, []
    results = check_draft(db.session, draft, editing=project)
    if results and not (form.confirm_overlaps.data and _overlaps_seen(results)):
        return None, results
    try:
        if project is None:
            project = ops.create_project(db.session, data, current_user)
            message = gettext("Project registered.")
        else:
            ops.update_project(db.session, project, data, current_user, form.version.data)
            message = gettext("Project saved.")
        after_saved(db.session, project, current_user, results, acknowledged=bool(results))
        db.session.commit()
    except ops.ProjectValidationError as exc:
        db.session.rollback()
        form.apply_errors(exc.errors)
        return None, []
    except (ops.StaleProjectError, StaleDataError):
        db.session.rollback()
        return "stale", []
    flash(message, "success")
    return redirect(url_for("projects.detail", project_id=project.id)), []


@bp.route("/new", methods=["GET", "POST"])
@login_required
def create():
    if not ops.can_create(current_user):
        abort(403)
    form = ProjectForm()
    form.load_choices(db.session)
    results = []
    if request.method == "GET" and current_user.organisation_id:
        form.donors[0].organisation_id.data = current_user.organisation_id
    if form.validate_on_submit():
        response, results = _save(form, None)
        if response is not None:
            return response
    form.fill_donor_rows()
    status = 422 if request.method == "POST" and not results else 200  # an overlap warning is not an error
    return render_template("projects/form.html", form=form, project=None, results=results), status


@bp.route("/<int:project_id>/edit", methods=["GET", "POST"])
@login_required
def edit(project_id: int):
    project = _get_project(project_id)
    if not ops.can_edit(current_user, project):
        abort(403)
    form = ProjectForm()
    form.load_choices(db.session, project)
    results, conflict = [], None
    if request.method == "GET":
        form.fill_from_input(ops.ProjectInput.from_project(project))
        form.version.data = project.version
    elif form.validate_on_submit():
        response, results = _save(form, project)
        if response == "stale":
            db.session.refresh(project)
            conflict = _conflict(project, form)
            # The next save is based on the version the user has now seen; their typing stays in the form.
            form.version.data = project.version
        elif response is not None:
            return response
    form.fill_donor_rows()
    status = 200 if request.method == "GET" or (results and not conflict) else (409 if conflict else 422)
    return render_template("projects/form.html", form=form, project=project, results=results, conflict=conflict), status


def _conflict(project: Project, form: ProjectForm) -> dict:
    """Fields where the saved version differs from what the user typed, to show side by side."""
    saved = ops.snapshot(project)
    try:
        typed = ops.snapshot(ops.build_draft(db.session, form.to_input(), None, project))
    except ops.ProjectValidationError:
        typed = {}
    last = db.session.scalars(
        select(ProjectChange).where(ProjectChange.project_id == project.id).order_by(ProjectChange.id.desc())
    ).first()
    fields = {k: [typed.get(k), v] for k, v in saved.items() if typed and typed.get(k) != v}
    return {"rows": _readable({"conflict": fields})["conflict"],
            "by": last.user.name if last and last.user else gettext("someone"), "at": last.changed_at if last else None}


@bp.route("/<int:project_id>/withdraw", methods=["GET", "POST"])
@login_required
def withdraw(project_id: int):
    project = _get_project(project_id)
    if not ops.can_edit(current_user, project):
        abort(403)
    form = WithdrawForm()
    if request.method == "GET":
        form.version.data = project.version
    if form.validate_on_submit():
        try:
            withdrawn = ops.withdraw_project(db.session, project, current_user, form.reason.data, form.version.data)
            db.session.commit()
        except (ops.StaleProjectError, StaleDataError):
            db.session.rollback()
            flash(gettext("The project was changed by someone else meanwhile; review it and withdraw again."), "warning")
            return redirect(url_for("projects.detail", project_id=project.id))
        if withdrawn:
            flash(gettext("Project withdrawn. It stays in the history and can be restored."), "success")
        else:
            flash(gettext("This project was withdrawn already; nothing changed."), "info")
        return redirect(url_for("projects.detail", project_id=project.id))
    return render_template("projects/withdraw.html", form=form, project=project), (422 if request.method == "POST" else 200)


@bp.post("/<int:project_id>/restore")
@login_required
def restore(project_id: int):
    project = _get_project(project_id)
    if not ops.can_edit(current_user, project):
        abort(403)
    restored = ops.restore_project(db.session, project, current_user)
    db.session.commit()
    if restored:
        flash(gettext("Project restored."), "success")
    else:
        flash(gettext("This project is not withdrawn; nothing changed."), "info")
    return redirect(url_for("projects.detail", project_id=project.id))
