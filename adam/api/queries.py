"""The API's project list query: the search page's filter names as plain SQLAlchemy filters (no Flask).

Kept behind one function (project_query) so that it can be swapped for adam.search once that lands on main.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session, selectinload

from adam.models import (
    Country,
    Pillar,
    Project,
    ProjectFunder,
    Region,
    Theme,
    project_countries,
    project_implementers,
    project_institutions,
    project_pillars,
    project_regions,
    project_themes,
)
from adam.models.reference import region_countries

SORTS = {
    "updated": (Project.updated_at.desc(),),
    "title": (Project.title.asc(),),
    "start": (Project.starts_on.asc().nulls_last(),),
    "end": (Project.ends_on.desc().nulls_last(),),
    "budget": (Project.budget_usd.desc().nulls_last(),),
}


@dataclass
class ProjectQuery:
    q: str = ""
    country: list[str] = field(default_factory=list)       # ISO 3166 alpha-3
    region: list[str] = field(default_factory=list)        # Region.code
    donor: list[int] = field(default_factory=list)         # Organisation.id
    implementer: list[int] = field(default_factory=list)
    institution: list[int] = field(default_factory=list)
    pillar: list[int] = field(default_factory=list)        # Pillar.number
    theme: list[str] = field(default_factory=list)         # Theme.code
    activity_type: list[str] = field(default_factory=list)
    status: list[str] = field(default_factory=list)
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    include_withdrawn: bool = False
    sort: str = "updated"


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


LOAD_FOR_OUTPUT = (
    selectinload(Project.countries), selectinload(Project.regions), selectinload(Project.pillars),
    selectinload(Project.themes), selectinload(Project.implementers),
    selectinload(Project.beneficiary_institutions), selectinload(Project.links),
    selectinload(Project.funders).selectinload(ProjectFunder.organisation),
)


def project_query(filters: ProjectQuery, columns=(Project,)) -> Select:
    """Projects (or the given columns) matching every filter (OR within one filter's values), sorted."""
    query = select(*columns)
    if not filters.include_withdrawn:
        query = query.where(Project.withdrawn_at.is_(None))
    if filters.country:
        codes = [c.upper() for c in filters.country]
        country_ids = select(Country.id).where(Country.iso3.in_(codes))
        # A project in a region that holds the country (or a global one) works there too.
        region_ids = select(region_countries.c.region_id).where(region_countries.c.country_id.in_(country_ids))
        query = query.where(or_(
            Project.id.in_(select(project_countries.c.project_id).where(project_countries.c.country_id.in_(country_ids))),
            Project.id.in_(select(project_regions.c.project_id).where(or_(
                project_regions.c.region_id.in_(region_ids),
                project_regions.c.region_id.in_(select(Region.id).where(Region.is_global.is_(True))),
            ))),
        ))
    if filters.region:
        region_ids = select(Region.id).where(Region.code.in_(filters.region))
        member_ids = select(region_countries.c.country_id).where(region_countries.c.region_id.in_(region_ids))
        query = query.where(or_(
            Project.id.in_(select(project_regions.c.project_id).where(project_regions.c.region_id.in_(region_ids))),
            Project.id.in_(select(project_countries.c.project_id).where(project_countries.c.country_id.in_(member_ids))),
        ))
    if filters.donor:
        query = query.where(Project.id.in_(
            select(ProjectFunder.project_id).where(ProjectFunder.organisation_id.in_(filters.donor))))
    if filters.implementer:
        query = query.where(Project.id.in_(select(project_implementers.c.project_id).where(
            project_implementers.c.organisation_id.in_(filters.implementer))))
    if filters.institution:
        query = query.where(Project.id.in_(select(project_institutions.c.project_id).where(
            project_institutions.c.organisation_id.in_(filters.institution))))
    if filters.pillar:
        pillar_ids = select(Pillar.id).where(Pillar.number.in_(filters.pillar))
        query = query.where(Project.id.in_(
            select(project_pillars.c.project_id).where(project_pillars.c.pillar_id.in_(pillar_ids))))
    if filters.theme:
        theme_ids = select(Theme.id).where(Theme.code.in_(filters.theme))
        query = query.where(Project.id.in_(
            select(project_themes.c.project_id).where(project_themes.c.theme_id.in_(theme_ids))))
    if filters.activity_type:
        query = query.where(Project.activity_type.in_(filters.activity_type))
    if filters.status:
        query = query.where(Project.status.in_(filters.status))
    # Active within the window: an open start or end counts as unbounded (an open end means ongoing).
    if filters.date_from:
        query = query.where(or_(Project.ends_on.is_(None), Project.ends_on >= filters.date_from))
    if filters.date_to:
        query = query.where(or_(Project.starts_on.is_(None), Project.starts_on <= filters.date_to))
    if filters.q:
        for word in filters.q.split()[:10]:
            pattern = f"%{_escape_like(word.lower())}%"
            query = query.where(or_(
                func.lower(Project.title).like(pattern, escape="\\"),
                func.lower(Project.summary).like(pattern, escape="\\"),
                func.lower(Project.description).like(pattern, escape="\\"),
                func.lower(func.coalesce(Project.iati_identifier, "")).like(pattern, escape="\\"),
            ))
    return query.order_by(*SORTS.get(filters.sort, SORTS["updated"]), Project.id.desc())


def page_of(session: Session, filters: ProjectQuery, page: int, per_page: int) -> tuple[list[Project], int]:
    """One page of matching projects (collections loaded for output) and the number of matches in all.

    The page's ids and the total come from one query (a window count), so the filters run once, not twice;
    the projects are then loaded by id.
    """
    total_over = func.count().over().label("total")
    rows = session.execute(
        project_query(filters, (Project.id, total_over)).limit(per_page).offset((page - 1) * per_page)
    ).all()
    if rows:
        total = rows[0].total
    else:  # past the last page: no row carries the total
        total = session.scalar(select(func.count()).select_from(
            project_query(filters, (Project.id,)).order_by(None).subquery())) or 0
    ids = [row.id for row in rows]
    loaded = {p.id: p for p in session.scalars(select(Project).where(Project.id.in_(ids)).options(*LOAD_FOR_OUTPUT))}
    return [loaded[i] for i in ids], total
