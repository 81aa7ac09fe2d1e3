"""Search filters turned into SQL: the matching set, a sorted page of it and its totals. No Flask.

Every view (results, matrix, map, timeline, exports) starts from matching_ids(), so the same URL gives
the same projects everywhere and a matrix cell's link reproduces the cell.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal
from typing import NamedTuple

from sqlalchemy import ColumnElement, Integer, Select, String, and_, cast, exists, func, literal, null, or_, select, union_all
from sqlalchemy.orm import Session, selectinload

from adam.messages import Message
from adam.models import ACTIVITY_TYPES, STATUSES, Country, Organisation, Pillar, Project, ProjectFunder, Region, Theme
from adam.models.project import (
    ProjectLabels,
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
        # One IN over a UNION rather than an OR of two INs: both databases then build one set of ids.
        where.append(Project.id.in_(
            select(project_regions.c.project_id).where(project_regions.c.region_id.in_(region_ids))
            .union(select(project_countries.c.project_id).where(project_countries.c.country_id.in_(member_ids)))
        ))
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


def _fts(session: Session, f: SearchFilters) -> Select | None:
    return ranked_matches(session.get_bind().dialect.name, f.q) if f.q else None


def where_clauses(session: Session, f: SearchFilters) -> list[ColumnElement[bool]]:
    """Every filter, free text included (as Project.id IN the full-text matches)."""
    where = conditions(f)
    fts = _fts(session, f)
    if fts is not None:
        where.append(Project.id.in_(select(fts.subquery("fts").c.project_id)))
    return where


def matching_ids(session: Session, f: SearchFilters, *columns) -> Select:
    """SELECT Project.id (and any further Project columns) of the matching set, for the other views."""
    return select(Project.id, *columns).where(*where_clauses(session, f))


@dataclasses.dataclass
class Totals:
    count: int
    budget_usd: Decimal
    without_budget: int


def totals(session: Session, f: SearchFilters) -> Totals:
    count, budget, with_budget = session.execute(
        select(func.count(), func.coalesce(func.sum(Project.budget_usd), 0), func.count(Project.budget_usd))
        .where(*where_clauses(session, f))
    ).one()
    without = count - with_budget
    return Totals(count=count, budget_usd=Decimal(budget or 0), without_budget=without)


def _order(sort: str, score) -> list:
    # Undated projects last. NULLS LAST is standard on both databases (SQLite >= 3.30); written as a
    # modifier rather than an "IS NULL" sort key so that an index on starts_on can still serve the order.
    return {
        "relevance": [score.desc(), Project.id.desc()],
        "start-desc": [Project.starts_on.desc().nulls_last(), Project.id.desc()],
        "start-asc": [Project.starts_on.asc().nulls_last(), Project.id.asc()],
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


LOAD_BATCH = 1000


def result_ids(session: Session, f: SearchFilters, limit: int | None = None, offset: int = 0) -> list[int]:
    """Ids of the matching projects in the requested order (one page of them with a limit).

    Only ids and sort keys go through the sort: sorting thousands of whole rows (titles, descriptions)
    was most of the cost of a results page on a large register.
    """
    fts = _fts(session, f)
    if fts is None:
        ids = select(Project.id).where(*conditions(f)).order_by(*_order(f.effective_sort, literal(0)))
    else:
        ranked = fts.subquery("fts")
        ids = (select(Project.id).join(ranked, ranked.c.project_id == Project.id).where(*conditions(f))
               .order_by(*_order(f.effective_sort, ranked.c.score)))
    if limit is not None:
        ids = ids.limit(limit).offset(offset)
    return list(session.scalars(ids))


def results(session: Session, f: SearchFilters, limit: int | None = None, offset: int = 0) -> list[Project]:
    """Matching projects (ORM objects) in the requested order, with what the results table shows loaded."""
    ordered = result_ids(session, f, limit, offset)
    loaded: dict[int, Project] = {}
    # In batches: an export may hold tens of thousands of ids, beyond SQLite's limit of bound parameters.
    for start in range(0, len(ordered), LOAD_BATCH):
        batch = ordered[start:start + LOAD_BATCH]
        loaded.update((p.id, p) for p in session.scalars(
            _with_display_relations(select(Project).where(Project.id.in_(batch)))))
    return [loaded[i] for i in ordered if i in loaded]


class CountryRef(NamedTuple):
    iso3: str
    name: str


class RegionRef(NamedTuple):
    code: str
    name: str


class OrganisationRef(NamedTuple):
    id: int
    name: str
    acronym: str | None


class PillarRef(NamedTuple):
    number: int
    name: str


@dataclasses.dataclass
class ResultRow(ProjectLabels):
    """What the results table, the exports and the timeline show of a project: plain values read by a few
    narrow queries instead of ORM objects and their relationships (several times cheaper per page)."""
    id: int
    title: str
    status: str
    activity_type: str | None
    starts_on: dt.date | None
    ends_on: dt.date | None
    budget_usd: Decimal | None
    withdrawn_at: dt.datetime | None
    iati_identifier: str | None
    countries: list[CountryRef] = dataclasses.field(default_factory=list)
    regions: list[RegionRef] = dataclasses.field(default_factory=list)
    donors: list[OrganisationRef] = dataclasses.field(default_factory=list)
    implementers: list[OrganisationRef] = dataclasses.field(default_factory=list)
    pillars: list[PillarRef] = dataclasses.field(default_factory=list)


def result_rows(session: Session, ids: list[int]) -> list[ResultRow]:
    """The rows of these projects, in the order of ids (same orderings as the ORM relationships)."""
    rows: dict[int, ResultRow] = {}
    for start in range(0, len(ids), LOAD_BATCH):
        batch = ids[start:start + LOAD_BATCH]
        for values in session.execute(
            select(Project.id, Project.title, Project.status, Project.activity_type, Project.starts_on,
                   Project.ends_on, Project.budget_usd, Project.withdrawn_at, Project.iati_identifier)
            .where(Project.id.in_(batch))
        ):
            rows[values[0]] = ResultRow(*values)
        # The five lists in one round trip (a UNION ALL tagged by kind), put in order here: on a busy
        # machine a round trip to the database costs more than the little work of these queries.
        text_, int_ = String(), Integer()

        def part(kind: str, link, target, on, ref_id, code, name, acronym, number):
            return (select(literal(kind, text_).label("kind"), link.c.project_id.label("project_id"),
                           cast(ref_id, int_).label("ref_id"), cast(code, text_).label("code"),
                           cast(name, text_).label("name"), cast(acronym, text_).label("acronym"),
                           cast(number, int_).label("number"))
                    .select_from(link).join(target, on).where(link.c.project_id.in_(batch)))

        none_text, none_int = null(), null()
        funders = ProjectFunder.__table__
        lists = union_all(
            part("c", project_countries, Country, Country.id == project_countries.c.country_id,
                 none_int, Country.iso3, Country.name, none_text, none_int),
            part("r", project_regions, Region, Region.id == project_regions.c.region_id,
                 none_int, Region.code, Region.name, none_text, none_int),
            part("p", project_pillars, Pillar, Pillar.id == project_pillars.c.pillar_id,
                 none_int, none_text, Pillar.name, none_text, Pillar.number),
            part("d", funders, Organisation, Organisation.id == funders.c.organisation_id,
                 Organisation.id, none_text, Organisation.name, Organisation.acronym, funders.c.id),
            part("i", project_implementers, Organisation, Organisation.id == project_implementers.c.organisation_id,
                 Organisation.id, none_text, Organisation.name, Organisation.acronym, none_int),
        )
        found: dict[str, list] = {"c": [], "r": [], "p": [], "d": [], "i": []}
        for kind, *values in session.execute(lists):
            found[kind].append(values)
        # The orders of the ORM relationships: names (code-point order, as both databases sort here),
        # pillar numbers, donors as recorded.
        for pid, _ref, code, name, _acronym, _number in sorted(found["c"], key=lambda r: (r[3], r[2])):
            rows[pid].countries.append(CountryRef(code, name))
        for pid, _ref, code, name, _acronym, _number in sorted(found["r"], key=lambda r: (r[3], r[2])):
            rows[pid].regions.append(RegionRef(code, name))
        for pid, _ref, _code, name, _acronym, number in sorted(found["p"], key=lambda r: r[5]):
            rows[pid].pillars.append(PillarRef(number, name))
        for pid, ref, _code, name, acronym, _number in sorted(found["d"], key=lambda r: r[5]):
            rows[pid].donors.append(OrganisationRef(ref, name, acronym))
        for pid, ref, _code, name, acronym, _number in sorted(found["i"], key=lambda r: (r[3], r[1])):
            rows[pid].implementers.append(OrganisationRef(ref, name, acronym))
    return [rows[i] for i in ids if i in rows]


@dataclasses.dataclass
class Page:
    items: list[ResultRow]
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


def page_number(f: SearchFilters, total: int) -> int:
    """The requested page, or the last one when the search has fewer pages."""
    return min(f.page, max(1, -(-total // f.per_page)))


def page_ids(session: Session, f: SearchFilters, total: int) -> list[int]:
    """Ids of the projects on the requested page (what the page cache keeps)."""
    return result_ids(session, f, limit=f.per_page, offset=(page_number(f, total) - 1) * f.per_page)


def results_page(session: Session, f: SearchFilters, total: int, ids: list[int] | None = None) -> Page:
    if ids is None:
        ids = page_ids(session, f, total)
    return Page(items=result_rows(session, ids), page=page_number(f, total), per_page=f.per_page, total=total)


def check_references(session: Session, f: SearchFilters) -> tuple[SearchFilters, list[str]]:
    """Drop filter values that name nothing in the register, with a message for each."""
    errors: list[str] = []

    def known(values, column, label: str):
        if not values:
            return values
        found = set(session.scalars(select(column).where(column.in_(values))))
        for v in values:
            if v not in found:
                errors.append(Message("Ignored %(label)s %(value)r: not in the register.", label=label, value=v))
        return tuple(v for v in values if v in found)

    checked = f.replace(
        countries=known(f.countries, Country.iso3, Message("country")),
        regions=known(f.regions, Region.code, Message("region")),
        donors=known(f.donors, Organisation.id, Message("donor")),
        implementers=known(f.implementers, Organisation.id, Message("implementer")),
        institutions=known(f.institutions, Organisation.id, Message("beneficiary institution")),
        pillars=known(f.pillars, Pillar.number, Message("pillar")),
        themes=known(f.themes, Theme.code, Message("theme")),
    )
    return checked, errors


def any_project_exists(session: Session) -> bool:
    return bool(session.scalar(select(exists().where(Project.id.is_not(None)))))
