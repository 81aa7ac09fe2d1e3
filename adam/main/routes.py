"""The home page."""
from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from adam.extensions import db
from adam.models import Project, ProjectFunder, project_implementers

bp = Blueprint("main", __name__)


@bp.get("/")
@login_required
def index():
    mine = []
    if current_user.organisation_id:
        org = current_user.organisation_id
        mine = db.session.scalars(
            select(Project)
            .options(selectinload(Project.countries))
            .where(Project.withdrawn_at.is_(None))
            .where(
                Project.id.in_(select(ProjectFunder.project_id).where(ProjectFunder.organisation_id == org))
                | Project.id.in_(select(project_implementers.c.project_id).where(project_implementers.c.organisation_id == org))
                | (Project.owner_organisation_id == org)
            )
            .order_by(Project.updated_at.desc())
            .limit(20)
        ).all()
    recent = db.session.scalars(
        select(Project).where(Project.withdrawn_at.is_(None)).order_by(Project.updated_at.desc()).limit(10)
    ).all()
    return render_template("main/index.html", mine=mine, recent=recent)


@bp.get("/healthz")
def health():
    db.session.execute(select(1))
    return {"status": "ok"}
