"""The token section of the profile page: create a token (its secret is shown once) and revoke one."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from flask_babel import gettext, lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from adam.accounts.operations import audit
from adam.api import tokens
from adam.extensions import db
from adam.i18n import translate_error

bp = Blueprint("api_tokens", __name__, url_prefix="/account/tokens")


class TokenForm(FlaskForm):
    name = StringField(_l("Token name"), validators=[DataRequired(), Length(max=tokens.MAX_NAME_LENGTH)])


class RevokeForm(FlaskForm):
    pass


@bp.app_context_processor
def token_section_helpers():
    def api_tokens():
        return tokens.user_tokens(db.session, current_user) if current_user.is_authenticated else []

    return {"api_tokens": api_tokens, "api_token_form": TokenForm, "api_revoke_form": RevokeForm}


@bp.post("/")
@login_required
def create():
    form = TokenForm()
    if not form.validate_on_submit():
        messages = [m for errors in form.errors.values() for m in errors]
        flash(gettext("The token was not created: %(reasons)s", reasons=" ".join(messages)), "danger")
        return redirect(url_for("accounts.profile"))
    try:
        new = tokens.create_token(db.session, current_user, form.name.data)
    except tokens.TokenError as exc:
        db.session.rollback()
        flash(translate_error(exc), "danger")
        return redirect(url_for("accounts.profile"))
    audit(db.session, "api_token_created", current_user, request.remote_addr or "", name=new.token.name,
          prefix=new.token.prefix)
    db.session.commit()
    response = render_template("api/token_created.html", token=new.token, secret=new.secret)
    # The secret is on this page only: never cached, never stored in the session or a flash message.
    return response, 201, {"Cache-Control": "no-store"}


@bp.post("/<int:token_id>/revoke")
@login_required
def revoke(token_id: int):
    form = RevokeForm()
    if not form.validate_on_submit():
        flash(gettext("The request expired; try again."), "danger")
        return redirect(url_for("accounts.profile"))
    try:
        token = tokens.revoke_token(db.session, current_user, token_id)
    except tokens.TokenError as exc:
        db.session.rollback()
        flash(translate_error(exc), "danger")
        return redirect(url_for("accounts.profile"))
    audit(db.session, "api_token_revoked", current_user, request.remote_addr or "", name=token.name,
          prefix=token.prefix)
    db.session.commit()
    flash(gettext("Token “%(name)s” revoked: it no longer works.", name=token.name), "success")
    return redirect(url_for("accounts.profile"))
