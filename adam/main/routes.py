"""The home page: a dashboard per role (my organisation's projects, recent changes where I follow)."""
from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import select

from adam.extensions import db, login_manager
from adam.notifications.inbox import latest_unread
from adam.search.dashboard import organisation_projects, recent_changes, watched_countries
from adam.search.filters import SearchFilters
from adam.search.forms import follow_form
from adam.security import public_view

bp = Blueprint("main", __name__)


@bp.get("/")
def index():
    if not current_user.is_authenticated:  # the public view starts at the search; otherwise the login page
        return redirect(url_for("search.index")) if public_view() else login_manager.unauthorized()
    countries = watched_countries(db.session, current_user)
    country_ids = [c.id for c in countries]
    return render_template(
        "main/index.html",
        mine=organisation_projects(db.session, current_user.organisation_id),
        countries=countries,
        changes=recent_changes(db.session, country_ids),
        follow_form=follow_form(db.session, country_ids),
        watched_search=SearchFilters(countries=tuple(c.iso3 for c in countries)),
        notifications=latest_unread(db.session, current_user.id),
    )


@bp.get("/healthz")
def health():
    db.session.execute(select(1))
    return {"status": "ok"}
