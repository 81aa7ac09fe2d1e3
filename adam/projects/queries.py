"""Read-side queries for the project register (list, filters, sorting). Plain SQLAlchemy, no request."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, select
from sqlalchemy.orm import selectinload

from adam.messages import N_
from adam.models import Project, ProjectFunder, project_countries, project_pillars

SORTS = {
    "updated": (Project.updated_at.desc(), N_("Last changed")),
    "title": (Project.title.asc(), N_("Title")),
    "start": (Project.starts_on.asc().nulls_last(), N_("Start date")),
    "end": (Project.ends_on.desc().nulls_last(), N_("End date")),
    "budget": (Project.budget_usd.desc().nulls_last(), N_("Budget (USD)")),
}


@dataclass
class ProjectFilters:
    country_id: int | None = None
    donor_id: int | None = None
    pillar_id: int | None = None
    status: str | None = None
    include_withdrawn: bool = False
    sort: str = "updated"


def project_list_query(filters: ProjectFilters) -> Select:
    query = select(Project).options(
        selectinload(Project.countries), selectinload(Project.regions), selectinload(Project.pillars),
        selectinload(Project.funders).selectinload(ProjectFunder.organisation),
    )
    if not filters.include_withdrawn:
        query = query.where(Project.withdrawn_at.is_(None))
    if filters.country_id:
        query = query.where(Project.id.in_(
            select(project_countries.c.project_id).where(project_countries.c.country_id == filters.country_id)))
    if filters.pillar_id:
        query = query.where(Project.id.in_(
            select(project_pillars.c.project_id).where(project_pillars.c.pillar_id == filters.pillar_id)))
    if filters.donor_id:
        query = query.where(Project.id.in_(
            select(ProjectFunder.project_id).where(ProjectFunder.organisation_id == filters.donor_id)))
    if filters.status:
        query = query.where(Project.status == filters.status)
    order, _label = SORTS.get(filters.sort, SORTS["updated"])
    return query.order_by(order, Project.id.desc())
