"""The home page: a dashboard per role (my organisation's projects, recent changes where I follow)."""
from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user, login_required
from sqlalchemy import select

from adam.extensions import db
from adam.search.dashboard import organisation_projects, recent_changes, watched_countries
from adam.search.filters import SearchFilters
from adam.search.forms import follow_form

bp = Blueprint("main", __name__)


@bp.get("/")
@login_required
def index():
    countries = watched_countries(db.session, current_user)
    country_ids = [c.id for c in countries]
    return render_template(
        "main/index.html",
        mine=organisation_projects(db.session, current_user.organisation_id),
        countries=countries,
        changes=recent_changes(db.session, country_ids),
        follow_form=follow_form(db.session, country_ids),
        watched_search=SearchFilters(countries=tuple(c.iso3 for c in countries)),
    )


@bp.get("/healthz")
def health():
    db.session.execute(select(1))
    return {"status": "ok"}
