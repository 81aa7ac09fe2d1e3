"""Search filters turned into SQL: the matching set, a sorted page of it and its totals. No Flask.

Every view (results, matrix, map, timeline, exports) starts from matching_ids(), so the same URL gives
the same projects everywhere and a matrix cell's link reproduces the cell.
"""
from __future__ import annotations

import dataclasses
from decimal import Decimal

from sqlalchemy import ColumnElement, Select, and_, exists, func, literal, or_, select
from sqlalchemy.orm import Session, selectinload

from adam.models import Country, Organisation, Pillar, Project, ProjectFunder, Region, Theme
from adam.models.project import (
    project_countries,
    project_implementers,
    project_institutions,
    project_pillars,
    project_regions,
    project_themes,
)
from adam.models.reference import region_countries
from adam.search.filters import SearchFilters
from adam.search.fulltext import ranked_matches


def _in_link(link, column_name: str, values) -> ColumnElement[bool]:
    """Project.id IN (SELECT project_id FROM link WHERE link.column IN values)."""
    link_column = link.c[column_name]
    return Project.id.in_(select(link.c.project_id).where(link_column.in_(values)))


def conditions(f: SearchFilters) -> list[ColumnElement[bool]]:
    """WHERE clauses for every filter except free text (which is a join, for its rank)."""
    where: list[ColumnElement[bool]] = []
    if not f.include_withdrawn:
        where.append(Project.withdrawn_at.is_(None))
    if f.countries:
        where.append(_in_link(project_countries, "country_id", select(Country.id).where(Country.iso3.in_(f.countries))))
    if f.regions:
        region_ids = select(Region.id).where(Region.code.in_(f.regions))
        # A region matches projects naming the region itself or any of its countries.
        member_ids = select(region_countries.c.country_id).where(region_countries.c.region_id.in_(region_ids))
        where.append(or_(_in_link(project_regions, "region_id", region_ids),
                         _in_link(project_countries, "country_id", member_ids)))
    if f.donors:
        where.append(Project.id.in_(select(ProjectFunder.project_id).where(ProjectFunder.organisation_id.in_(f.donors))))
    if f.implementers:
        where.append(_in_link(project_implementers, "organisation_id", f.implementers))
    if f.institutions:
        where.append(_in_link(project_institutions, "organisation_id", f.institutions))
    if f.pillars:
        where.append(_in_link(project_pillars, "pillar_id", select(Pillar.id).where(Pillar.number.in_(f.pillars))))
    if f.themes:
        where.append(_in_link(project_themes, "theme_id", select(Theme.id).where(Theme.code.in_(f.themes))))
    if f.activity_types:
        where.append(Project.activity_type.in_(f.activity_types))
    if f.statuses:
        where.append(Project.status.in_(f.statuses))
    # Active at any time within the window: started by its end, not ended before its start (open end = ongoing).
    if f.active_to:
        where.append(and_(Project.starts_on.is_not(None), Project.starts_on <= f.active_to))
    if f.active_from:
        where.append(or_(Project.ends_on.is_(None), Project.ends_on >= f.active_from))
    if f.budget_min is not None:
        where.append(Project.budget_usd >= f.budget_min)
    if f.budget_max is not None:
        where.append(Project.budget_usd <= f.budget_max)
    return where


def matching(session: Session, f: SearchFilters) -> Select:
    """SELECT Project.id AS project_id, score for the matching set (score is 0 without free text)."""
    fts = ranked_matches(session.get_bind().dialect.name, f.q) if f.q else None
    if fts is None:
        return select(Project.id.label("project_id"), literal(0).label("score")).where(*conditions(f))
    ranked = fts.subquery("fts")
    return (
        select(Project.id.label("project_id"), ranked.c.score)
        .join(ranked, ranked.c.project_id == Project.id)
        .where(*conditions(f))
    )


def matching_ids(session: Session, f: SearchFilters, *columns) -> Select:
    """SELECT Project.id (and any further Project columns) of the matching set, for the other views."""
    fts = ranked_matches(session.get_bind().dialect.name, f.q) if f.q else None
    query = select(Project.id, *columns).where(*conditions(f))
    if fts is not None:
        query = query.where(Project.id.in_(select(fts.subquery("fts").c.project_id)))
    return query


@dataclasses.dataclass
class Totals:
    count: int
    budget_usd: Decimal
    without_budget: int


def totals(session: Session, f: SearchFilters) -> Totals:
    ids = matching_ids(session, f).subquery()
    count, budget, without = session.execute(
        select(
            func.count(),
            func.coalesce(func.sum(Project.budget_usd), 0),
            func.count().filter(Project.budget_usd.is_(None)),
        ).select_from(Project).join(ids, ids.c.id == Project.id)
    ).one()
    return Totals(count=count, budget_usd=Decimal(budget or 0), without_budget=without)


def _order(sort: str, score) -> list:
    nulls_last_start = Project.starts_on.is_(None)
    return {
        "relevance": [score.desc(), Project.id.desc()],
        "start-desc": [nulls_last_start, Project.starts_on.desc(), Project.id.desc()],
        "start-asc": [nulls_last_start, Project.starts_on.asc(), Project.id.asc()],
        "budget-desc": [Project.budget_usd.is_(None), Project.budget_usd.desc(), Project.id.desc()],
        "budget-asc": [Project.budget_usd.is_(None), Project.budget_usd.asc(), Project.id.asc()],
        "title": [Project.title.asc(), Project.id.asc()],
        "updated": [Project.updated_at.desc(), Project.id.desc()],
    }[sort]


def _with_display_relations(query: Select) -> Select:
    return query.options(
        selectinload(Project.countries),
        selectinload(Project.regions),
        selectinload(Project.pillars),
        selectinload(Project.funders).joinedload(ProjectFunder.organisation),
        selectinload(Project.implementers),
    )


def results(session: Session, f: SearchFilters, limit: int | None = None, offset: int = 0) -> list[Project]:
    """Matching projects in the requested order, with what the results table shows already loaded."""
    ranked = matching(session, f).subquery("matching")
    query = (
        select(Project)
        .join(ranked, ranked.c.project_id == Project.id)
        .order_by(*_order(f.effective_sort, ranked.c.score))
    )
    if limit is not None:
        query = query.limit(limit).offset(offset)
    return list(session.scalars(_with_display_relations(query)))


@dataclasses.dataclass
class Page:
    items: list[Project]
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def results_page(session: Session, f: SearchFilters, total: int) -> Page:
    page = min(f.page, max(1, -(-total // f.per_page)))
    items = results(session, f, limit=f.per_page, offset=(page - 1) * f.per_page)
    return Page(items=items, page=page, per_page=f.per_page, total=total)


def check_references(session: Session, f: SearchFilters) -> tuple[SearchFilters, list[str]]:
    """Drop filter values that name nothing in the register, with a message for each."""
    errors: list[str] = []

    def known(values, column, label: str):
        if not values:
            return values
        found = set(session.scalars(select(column).where(column.in_(values))))
        for v in values:
            if v not in found:
                errors.append(f"Ignored {label} {v!r}: not in the register.")
        return tuple(v for v in values if v in found)

    checked = f.replace(
        countries=known(f.countries, Country.iso3, "country"),
        regions=known(f.regions, Region.code, "region"),
        donors=known(f.donors, Organisation.id, "donor"),
        implementers=known(f.implementers, Organisation.id, "implementer"),
        institutions=known(f.institutions, Organisation.id, "beneficiary institution"),
        pillars=known(f.pillars, Pillar.number, "pillar"),
        themes=known(f.themes, Theme.code, "theme"),
    )
    return checked, errors


def any_project_exists(session: Session) -> bool:
    return bool(session.scalar(select(exists().where(Project.id.is_not(None)))))
