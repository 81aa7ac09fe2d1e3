"""Login, logout and the user's own profile."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _, refresh
from flask_login import current_user, login_required, login_user, logout_user

from adam.accounts import operations as ops
from adam.accounts.forms import LanguageForm, LoginForm, PasswordForm
from adam.extensions import db, limiter
from adam.i18n import SESSION_KEY, translate_error

bp = Blueprint("accounts", __name__, url_prefix="/account")


def _safe_next(target: str | None) -> str:
    # Only same-site relative paths: never an open redirect.
    if target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc:
        return target
    return url_for("main.index")


def _login_limit() -> str:
    return current_app.config["RATELIMIT_LOGIN"]


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(_safe_next(request.args.get("next")))
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = ops.authenticate(
                db.session, form.email.data, form.password.data,
                max_failures=current_app.config["LOGIN_MAX_FAILURES"],
                lock_seconds=current_app.config["LOGIN_LOCK_SECONDS"],
                ip=request.remote_addr or "",
            )
        except ops.AccountError as exc:
            db.session.commit()  # keep the failure count and the audit record
            flash(translate_error(exc), "danger")
            return render_template("accounts/login.html", form=form), 401
        db.session.commit()
        login_user(user, remember=form.remember.data)
        return redirect(_safe_next(request.args.get("next")))
    return render_template("accounts/login.html", form=form), (422 if request.method == "POST" else 200)


@bp.post("/logout")
@login_required
def logout():
    logout_user()
    flash(_("You are signed out."), "info")
    return redirect(url_for("accounts.login"))


@bp.route("/profile", methods=["GET", "POST"])
@login_required
def profile():
    form = PasswordForm()
    if form.validate_on_submit():
        try:
            ops.change_password(db.session, current_user, form.current.data, form.new.data, request.remote_addr or "")
        except ops.AccountError as exc:
            # The message goes with the field it is about: the current password, or the new one.
            (form.current if isinstance(exc, ops.WrongPassword) else form.new).errors.append(translate_error(exc))
        else:
            db.session.commit()
            flash(_("Password changed."), "success")
            return redirect(url_for("accounts.profile"))
    return render_template("accounts/profile.html", form=form,
                           language_form=LanguageForm(formdata=None, language=current_user.language or "",
                                                      next=url_for("accounts.profile"))), \
        (422 if request.method == "POST" else 200)


@bp.post("/language")
def set_language():
    """The language switcher: kept in the session, and on the profile of a signed-in user."""
    form = LanguageForm()
    if not form.validate_on_submit():
        flash(_("Choose a language from the list."), "danger")
        return redirect(_safe_next(form.next.data))
    language = form.language.data or None
    if language:
        session[SESSION_KEY] = language
    else:
        session.pop(SESSION_KEY, None)
    if current_user.is_authenticated:
        ops.set_language(db.session, current_user, language)
        db.session.commit()
    refresh()  # the flash below is already in the new language
    flash(_("Language changed."), "success")
    return redirect(_safe_next(form.next.data))
