"""Coverage of the matching set: country x pillar and donor x country matrices, and per-country map figures.

A project counts once in every cell it touches (a regional project in three countries appears in three
rows) and brings its whole USD budget to each: budgets are not split, since the register does not say
how a project shares its money between countries. Row and column totals count distinct projects.
"""
from __future__ import annotations

import dataclasses
from decimal import Decimal

from sqlalchemy import distinct, func, select
from sqlalchemy.orm import Session

from adam.models import Country, Organisation, Pillar, Project, ProjectFunder, Region
from adam.models.project import project_countries, project_pillars
from adam.models.reference import region_countries
from adam.search.filters import SearchFilters
from adam.search.query import matching_ids

MAX_MATRIX_ROWS = 60


@dataclasses.dataclass
class Cell:
    count: int = 0
    budget_usd: Decimal = Decimal(0)

    @property
    def is_gap(self) -> bool:
        return self.count == 0


@dataclasses.dataclass
class Axis:
    key: str        # value of the URL filter (ISO3, pillar number, organisation id)
    label: str


@dataclasses.dataclass
class Matrix:
    rows: list[Axis]
    columns: list[Axis]
    cells: dict[tuple[str, str], Cell]
    row_totals: dict[str, Cell]
    column_totals: dict[str, Cell]
    row_filter: str     # SearchFilters field a row narrows (countries, donors)
    column_filter: str  # SearchFilters field a column narrows (pillars, countries)
    truncated: bool = False

    def cell(self, row: str, column: str) -> Cell:
        return self.cells.get((row, column), Cell())

    def gaps(self) -> int:
        return sum(1 for r in self.rows for c in self.columns if self.cell(r.key, c.key).is_gap)

    def cell_filters(self, base: SearchFilters, row: str | None, column: str | None) -> SearchFilters:
        """The search that lists exactly the projects of a cell (or of a row or column total)."""
        changes: dict = {"page": 1}
        if row is not None:
            changes[self.row_filter] = (_typed(self.row_filter, row),)
        if column is not None:
            changes[self.column_filter] = (_typed(self.column_filter, column),)
        return base.replace(**changes)


def _typed(field: str, key: str):
    return int(key) if field in ("pillars", "donors") else key


def _region_countries(session: Session, f: SearchFilters) -> list[tuple[str, str]]:
    """Countries of the region filter, so that a country with nothing at all still shows as a gap."""
    if not f.regions:
        return []
    return list(session.execute(
        select(Country.iso3, Country.name).join(region_countries, region_countries.c.country_id == Country.id)
        .join(Region, Region.id == region_countries.c.region_id).where(Region.code.in_(f.regions)).distinct()
    ))


def country_pillar_matrix(session: Session, f: SearchFilters) -> Matrix:
    ids = matching_ids(session, f).subquery()
    grouped = session.execute(
        select(Country.iso3, Country.name, Pillar.number, func.count(distinct(Project.id)),
               func.coalesce(func.sum(Project.budget_usd), 0))
        .select_from(Project)
        .join(ids, ids.c.id == Project.id)
        .join(project_countries, project_countries.c.project_id == Project.id)
        .join(Country, Country.id == project_countries.c.country_id)
        .join(project_pillars, project_pillars.c.project_id == Project.id)
        .join(Pillar, Pillar.id == project_pillars.c.pillar_id)
        .group_by(Country.iso3, Country.name, Pillar.number)
    ).all()
    row_totals = _totals(session, ids, "country")
    pillars = list(session.execute(select(Pillar.number, Pillar.name).order_by(Pillar.number)))
    names = {iso: name for iso, name, *_ in grouped}
    names.update(dict(_region_countries(session, f)))
    names.update({iso: name for iso, name in session.execute(select(Country.iso3, Country.name).where(Country.iso3.in_(f.countries)))} if f.countries else {})
    cells = {(iso, str(num)): Cell(count, Decimal(budget)) for iso, _n, num, count, budget in grouped}
    rows = sorted(names, key=lambda iso: names[iso])
    truncated = len(rows) > MAX_MATRIX_ROWS
    if truncated:
        rows = sorted(rows, key=lambda iso: -row_totals.get(iso, Cell()).count)[:MAX_MATRIX_ROWS]
        rows.sort(key=lambda iso: names[iso])
    column_totals = _totals(session, ids, "pillar")
    return Matrix(
        rows=[Axis(iso, names[iso]) for iso in rows],
        columns=[Axis(str(n), f"{n}. {name}") for n, name in pillars],
        cells=cells,
        row_totals=row_totals,
        column_totals={str(k): v for k, v in column_totals.items()},
        row_filter="countries",
        column_filter="pillars",
        truncated=truncated,
    )


def donor_country_matrix(session: Session, f: SearchFilters, max_donors: int = 25, max_countries: int = 25) -> Matrix:
    ids = matching_ids(session, f).subquery()
    donor_totals = _totals(session, ids, "donor")
    country_totals = _totals(session, ids, "country")
    top_donors = sorted(donor_totals, key=lambda k: -donor_totals[k].count)[:max_donors]
    top_countries = sorted(country_totals, key=lambda k: -country_totals[k].count)[:max_countries]
    truncated = len(donor_totals) > max_donors or len(country_totals) > max_countries
    grouped = session.execute(
        select(ProjectFunder.organisation_id, Country.iso3, func.count(distinct(Project.id)),
               func.coalesce(func.sum(Project.budget_usd), 0))
        .select_from(Project)
        .join(ids, ids.c.id == Project.id)
        .join(ProjectFunder, ProjectFunder.project_id == Project.id)
        .join(project_countries, project_countries.c.project_id == Project.id)
        .join(Country, Country.id == project_countries.c.country_id)
        .where(ProjectFunder.organisation_id.in_([int(d) for d in top_donors]), Country.iso3.in_(top_countries))
        .group_by(ProjectFunder.organisation_id, Country.iso3)
    ).all() if top_donors and top_countries else []
    donor_names = dict(session.execute(
        select(Organisation.id, func.coalesce(Organisation.acronym, Organisation.name))
        .where(Organisation.id.in_([int(d) for d in top_donors]))
    ).all())
    country_names = dict(session.execute(select(Country.iso3, Country.name).where(Country.iso3.in_(top_countries))).all())
    return Matrix(
        rows=sorted((Axis(d, donor_names[int(d)]) for d in top_donors), key=lambda a: a.label.casefold()),
        columns=sorted((Axis(c, country_names[c]) for c in top_countries), key=lambda a: a.label),
        cells={(str(d), iso): Cell(count, Decimal(budget)) for d, iso, count, budget in grouped},
        row_totals=donor_totals,
        column_totals=country_totals,
        row_filter="donors",
        column_filter="countries",
        truncated=truncated,
    )


def _totals(session: Session, ids, by: str) -> dict[str, Cell]:
    """Distinct projects and their summed budget per country, pillar or donor."""
    if by == "country":
        key, joins = Country.iso3, [(project_countries, project_countries.c.project_id == Project.id),
                                    (Country, Country.id == project_countries.c.country_id)]
    elif by == "pillar":
        key, joins = Pillar.number, [(project_pillars, project_pillars.c.project_id == Project.id),
                                     (Pillar, Pillar.id == project_pillars.c.pillar_id)]
    else:
        key, joins = ProjectFunder.organisation_id, [(ProjectFunder, ProjectFunder.project_id == Project.id)]
    # Distinct (project, key) first, so a donor funding a project twice does not double its budget.
    pairs = select(Project.id.label("pid"), Project.budget_usd.label("budget"), key.label("k")).select_from(Project)
    pairs = pairs.join(ids, ids.c.id == Project.id)
    for target, on in joins:
        pairs = pairs.join(target, on)
    pairs = pairs.distinct().subquery()
    rows = session.execute(
        select(pairs.c.k, func.count(), func.coalesce(func.sum(pairs.c.budget), 0)).group_by(pairs.c.k)
    ).all()
    return {str(k): Cell(count, Decimal(budget)) for k, count, budget in rows}


@dataclasses.dataclass
class CountryFigure:
    iso3: str
    numeric: str | None
    name: str
    count: int
    budget_usd: Decimal


def country_figures(session: Session, f: SearchFilters) -> list[CountryFigure]:
    """Per country: projects naming it and their summed USD budget (the map's shading)."""
    ids = matching_ids(session, f).subquery()
    totals = _totals(session, ids, "country")
    if not totals:
        return []
    meta = {iso: (numeric, name) for iso, numeric, name in
            session.execute(select(Country.iso3, Country.numeric, Country.name).where(Country.iso3.in_(list(totals))))}
    figures = [CountryFigure(iso, meta[iso][0], meta[iso][1], cell.count, cell.budget_usd) for iso, cell in totals.items()]
    return sorted(figures, key=lambda c: (-c.count, c.name))
