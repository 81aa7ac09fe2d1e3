"""Administration: users and organisations (administrators), themes (coordinators), the audit log, site settings."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext, lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from adam.accounts import operations as accounts
from adam.admin import operations as ops
from adam.admin.forms import OrganisationForm, SiteSettingsForm, ThemeForm, UserForm
from adam.extensions import db
from adam.i18n import by_country_name, country_name, translate, translate_error
from adam.models import ROLES, AuditEvent, Country, Organisation, Pillar, Theme, User
from adam.security import admin_required, coordinator_required
from adam.sitesettings import public_view_open, set_public_view

bp = Blueprint("admin", __name__, url_prefix="/admin")


def _none() -> str:
    return gettext("— none —")


def _organisation_choices() -> list:
    return [(None, _none())] + [(o.id, o.label) for o in db.session.scalars(select(Organisation).order_by(Organisation.name))]


@bp.get("/users")
@admin_required
def users():
    rows = db.session.scalars(select(User).order_by(User.active.desc(), User.name)).all()
    return render_template("admin/users.html", users=rows)


@bp.route("/users/new", methods=["GET", "POST"])
@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@admin_required
def user_form(user_id: int | None = None):
    user = db.get_or_404(User, user_id) if user_id else None
    form = UserForm(obj=user)
    form.organisation_id.choices = _organisation_choices()
    if user is not None:
        del form.email  # the e-mail is the login; it does not change here
    if form.validate_on_submit():
        organisation = db.session.get(Organisation, form.organisation_id.data) if form.organisation_id.data else None
        try:
            if user is None:
                user = accounts.create_user(
                    db.session, email=form.email.data, name=form.name.data, password=form.password.data or "",
                    role=form.role.data, organisation=organisation, actor=current_user, ip=request.remote_addr or "",
                )
                if not form.active.data:
                    user.active = False
            else:
                accounts.update_user(db.session, user, name=form.name.data, role=form.role.data,
                                     organisation=organisation, active=form.active.data, actor=current_user,
                                     ip=request.remote_addr or "")
                if form.password.data:
                    problems = accounts.password_problems(form.password.data, user.email)
                    if problems:
                        raise accounts.AccountError(*problems)
                    user.set_password(form.password.data)
                    accounts.audit(db.session, "password_reset", current_user, request.remote_addr or "", target=user.email)
        except accounts.AccountError as exc:
            db.session.rollback()
            form.form_errors.append(translate_error(exc))
        else:
            db.session.commit()
            flash(gettext("User %(email)s saved.", email=user.email), "success")
            return redirect(url_for("admin.users"))
    status = 422 if request.method == "POST" else 200
    return render_template("admin/user_form.html", form=form, user=user), status


@bp.get("/organisations")
@coordinator_required
def organisations():
    rows = db.session.scalars(select(Organisation).order_by(Organisation.type, Organisation.name)).all()
    return render_template("admin/organisations.html", organisations=rows)


@bp.route("/organisations/new", methods=["GET", "POST"])
@bp.route("/organisations/<int:organisation_id>", methods=["GET", "POST"])
@admin_required
def organisation_form(organisation_id: int | None = None):
    organisation = db.get_or_404(Organisation, organisation_id) if organisation_id else None
    form = OrganisationForm(obj=organisation)
    form.country_id.choices = [(None, _none())] + [
        (c.id, country_name(c)) for c in by_country_name(db.session.scalars(select(Country)).all())]
    if request.method == "GET" and organisation is not None:
        form.aliases.data = "\n".join(
            (f"{a.language}: " if a.language else "") + a.alias
            for a in organisation.aliases
            if a.alias not in (organisation.name, organisation.acronym)
        )
    if form.validate_on_submit():
        try:
            organisation = ops.save_organisation(
                db.session, organisation, name=form.name.data, acronym=form.acronym.data, type=form.type.data,
                country_id=form.country_id.data, iati_identifier=form.iati_identifier.data,
                aliases_text=form.aliases.data or "", active=form.active.data,
            )
        except ops.ReferenceDataError as exc:
            db.session.rollback()
            form.form_errors.append(translate_error(exc))
        else:
            db.session.commit()
            flash(gettext("Organisation %(name)s saved.", name=organisation.name), "success")
            return redirect(url_for("admin.organisations"))
    status = 422 if request.method == "POST" else 200
    return render_template("admin/organisation_form.html", form=form, organisation=organisation), status


@bp.get("/themes")
@coordinator_required
def themes():
    pillars = db.session.scalars(select(Pillar).order_by(Pillar.number)).all()
    cross = db.session.scalars(select(Theme).where(Theme.pillar_id.is_(None)).order_by(Theme.name)).all()
    return render_template("admin/themes.html", pillars=pillars, cross_cutting=cross)


@bp.route("/themes/new", methods=["GET", "POST"])
@bp.route("/themes/<int:theme_id>", methods=["GET", "POST"])
@coordinator_required
def theme_form(theme_id: int | None = None):
    theme = db.get_or_404(Theme, theme_id) if theme_id else None
    form = ThemeForm(obj=theme)
    form.pillar_id.choices = [(None, f"— {gettext('cross-cutting')} —")] + [
        (p.id, f"{p.number}. {translate(p.name)}") for p in db.session.scalars(select(Pillar).order_by(Pillar.number))]
    if form.validate_on_submit():
        try:
            ops.save_theme(db.session, theme, name=form.name.data, pillar_id=form.pillar_id.data, active=form.active.data)
        except ops.ReferenceDataError as exc:
            db.session.rollback()
            form.form_errors.append(translate_error(exc))
        else:
            db.session.commit()
            flash(gettext("Theme saved."), "success")
            return redirect(url_for("admin.themes"))
    status = 422 if request.method == "POST" else 200
    return render_template("admin/theme_form.html", form=form, theme=theme), status


# The keys an event's detail is stored with (adam.accounts.operations.audit), as the reader reads them.
AUDIT_LABELS = {"target": _l("User account"), "role": _l("Role"), "email": _l("E-mail"), "name": _l("Token name"),
                "prefix": _l("Token prefix"), "active": _l("Active"), "organisation": _l("Organisation")}


def _audit_label(key: str) -> str:
    label = AUDIT_LABELS.get(key)
    return str(label) if label is not None else key.replace("_", " ")


def _audit_text(key: str, value: object) -> object:
    """A stored value in the reader's language: a role by its name (the rest as stored, or yes/no)."""
    return translate(ROLES[value]) if key == "role" and value in ROLES else value


@bp.get("/audit")
@admin_required
def audit_log():
    page = db.paginate(select(AuditEvent).order_by(AuditEvent.at.desc(), AuditEvent.id.desc()), per_page=50, error_out=False)
    return render_template("admin/audit.html", page=page, audit_label=_audit_label, audit_text=_audit_text)


@bp.route("/settings", methods=["GET", "POST"])
@admin_required
def settings():
    form = SiteSettingsForm()
    if request.method == "GET":
        form.public_read_only.data = public_view_open(db.session, current_app.config.get("PUBLIC_READ_ONLY", False))
    if form.validate_on_submit():
        open_ = bool(form.public_read_only.data)
        if set_public_view(db.session, open_, current_user):
            accounts.audit(db.session, "public_view_opened" if open_ else "public_view_closed", current_user,
                           request.remote_addr or "")
        db.session.commit()
        flash(gettext("Settings saved."), "success")
        return redirect(url_for("admin.settings"))
    return render_template("admin/settings.html", form=form), (422 if request.method == "POST" else 200)
