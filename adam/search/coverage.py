"""Coverage of the matching set: country x pillar and donor x country matrices, and per-country map figures.

A project counts once in every cell it touches (a regional project in three countries appears in three
rows) and brings its whole USD budget to each: budgets are not split, since the register does not say
how a project shares its money between countries. Row and column totals count distinct projects.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Callable
from decimal import Decimal
from urllib.parse import quote_plus, urlencode

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from adam.models import Country, Organisation, Pillar, Project, ProjectFunder, Region
from adam.models.project import project_countries, project_pillars
from adam.models.reference import region_countries
from adam.search.filters import SearchFilters
from adam.search.query import matching_ids
from adam.textfold import fold

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

    def countries_in_order(self, name: Callable[[str, str], str]) -> "Matrix":
        """The same matrix with its countries (rows or columns) in the alphabetical order of their names as shown:
        name(iso3, English name) gives them in the interface language."""
        def order(axes: list[Axis]) -> list[Axis]:
            return sorted(axes, key=lambda axis: fold(name(axis.key, axis.label)))

        return dataclasses.replace(
            self, rows=order(self.rows) if self.row_filter == "countries" else self.rows,
            columns=order(self.columns) if self.column_filter == "countries" else self.columns)

    def links(self, base: SearchFilters) -> "CellLinks":
        return CellLinks(self, base)

    def cell_filters(self, base: SearchFilters, row: str | None, column: str | None) -> SearchFilters:
        """The search that lists exactly the projects of a cell (or of a row or column total)."""
        changes: dict = {"page": 1}
        if row is not None:
            changes[self.row_filter] = (_typed(self.row_filter, row),)
        if column is not None:
            changes[self.column_filter] = (_typed(self.column_filter, column),)
        return base.replace(**changes)


class CellLinks:
    """Query strings of a matrix's cells, rows and columns, built from one shared prefix.

    A matrix has hundreds of cells: rebuilding the whole search state for each one took most of the page's
    time, so the filters other than the row and column ones are encoded once.
    """

    def __init__(self, matrix: Matrix, base: SearchFilters) -> None:
        params = SearchFilters.PARAMS
        self.row_param, self.column_param = params[matrix.row_filter], params[matrix.column_filter]
        items = base.replace(page=1, **{matrix.row_filter: (), matrix.column_filter: ()}).query_items()
        self.prefix = urlencode(items)
        self.row_values = getattr(base, matrix.row_filter)
        self.column_values = getattr(base, matrix.column_filter)

    def __call__(self, row: str | None, column: str | None) -> str:
        extra: list[tuple[str, str]] = []
        extra += [(self.row_param, row)] if row is not None else [(self.row_param, str(v)) for v in self.row_values]
        extra += [(self.column_param, column)] if column is not None else \
            [(self.column_param, str(v)) for v in self.column_values]
        # What urlencode() gives, without its per-call overhead (a matrix has hundreds of cells).
        tail = "&".join(f"{quote_plus(name)}={quote_plus(value)}" for name, value in extra)
        return "&".join(part for part in (self.prefix, tail) if part)


def _typed(field: str, key: str):
    return int(key) if field in ("pillars", "donors") else key


def _matching(session: Session, f: SearchFilters):
    """The matching set as a CTE of (id, budget): the views join link tables to it, not to projects.

    Materialised on SQLite, whose planner otherwise re-reads the filters' subqueries inside the joins;
    PostgreSQL plans the inlined form better (parallel hash joins)."""
    return matching_ids(session, f, Project.budget_usd.label("budget")).cte("matching").prefix_with("MATERIALIZED", dialect="sqlite")


def country_pillar_matrix(session: Session, f: SearchFilters) -> Matrix:
    m = _matching(session, f)
    # (project, country, pillar) is unique through the two link tables' keys: count(*) counts projects.
    country_key, pillar_key = (project_countries.c.country_id + 0).label("c"), (project_pillars.c.pillar_id + 0).label("p")
    grouped = session.execute(
        select(country_key, pillar_key, func.count(), func.coalesce(func.sum(m.c.budget), 0))
        .select_from(m)
        .join(project_countries, project_countries.c.project_id == m.c.id)
        .join(project_pillars, project_pillars.c.project_id == m.c.id)
        .group_by(country_key, pillar_key)
    ).all()
    by_country = _by_link(session, m, project_countries.c.project_id, project_countries.c.country_id)
    by_pillar = _by_link(session, m, project_pillars.c.project_id, project_pillars.c.pillar_id)
    pillars = list(session.execute(select(Pillar.id, Pillar.number, Pillar.name).order_by(Pillar.number)))
    pillar_number = {pid: str(number) for pid, number, _name in pillars}
    wanted_ids = set(by_country)
    if f.regions or f.countries:
        # Countries asked for (directly or through a region) show as rows even with nothing at all: gaps.
        members = select(region_countries.c.country_id).join(Region, Region.id == region_countries.c.region_id) \
            .where(Region.code.in_(f.regions))
        wanted_ids |= set(session.scalars(select(Country.id).where(Country.iso3.in_(f.countries) | Country.id.in_(members))))
    meta = {cid: (iso, name) for cid, iso, name in
            session.execute(select(Country.id, Country.iso3, Country.name).where(Country.id.in_(wanted_ids)))}
    row_totals = {meta[cid][0]: cell for cid, cell in by_country.items() if cid in meta}
    cells = {(meta[cid][0], pillar_number[pid]): Cell(count, Decimal(budget))
             for cid, pid, count, budget in grouped if cid in meta}
    rows = sorted(meta.values(), key=lambda item: item[1])
    truncated = len(rows) > MAX_MATRIX_ROWS
    if truncated:
        rows = sorted(rows, key=lambda item: -row_totals.get(item[0], Cell()).count)[:MAX_MATRIX_ROWS]
        rows.sort(key=lambda item: item[1])
    return Matrix(
        rows=[Axis(iso, name) for iso, name in rows],
        columns=[Axis(str(number), f"{number}. {name}") for _pid, number, name in pillars],
        cells=cells,
        row_totals=row_totals,
        column_totals={pillar_number[pid]: cell for pid, cell in by_pillar.items()},
        row_filter="countries",
        column_filter="pillars",
        truncated=truncated,
    )


def _by_link(session: Session, m, project_column, key_column) -> dict[int, Cell]:
    """Projects and summed budget per key of a link table whose primary key is (project, key)."""
    # Grouping on "key + 0" stops SQLite from walking the key's index (and fetching every project row
    # out of order through it); it then scans the link table and probes projects: three times faster.
    key = (key_column + 0).label("key")
    rows = session.execute(
        select(key, func.count(), func.coalesce(func.sum(m.c.budget), 0))
        .select_from(m).join(project_column.table, project_column == m.c.id).group_by(key)
    ).all()
    return {key: Cell(count, Decimal(budget)) for key, count, budget in rows}


def donor_country_matrix(session: Session, f: SearchFilters, max_donors: int = 25, max_countries: int = 25) -> Matrix:
    m = _matching(session, f)
    donor_totals = _donor_totals(session, m)
    country_totals = _country_totals(session, m)
    top_donors = sorted(donor_totals, key=lambda k: -donor_totals[k].count)[:max_donors]
    top_countries = sorted(country_totals, key=lambda k: -country_totals[k].count)[:max_countries]
    truncated = len(donor_totals) > max_donors or len(country_totals) > max_countries
    # Distinct (project, donor, country) first: a donor listed twice on a project must not double it.
    triples = (
        select(m.c.id, m.c.budget, ProjectFunder.organisation_id.label("donor"), Country.iso3.label("iso3"))
        .select_from(m)
        .join(ProjectFunder, ProjectFunder.project_id == m.c.id)
        .join(project_countries, project_countries.c.project_id == m.c.id)
        .join(Country, Country.id == project_countries.c.country_id)
        .where(ProjectFunder.organisation_id.in_([int(d) for d in top_donors]), Country.iso3.in_(top_countries))
        .distinct().subquery()
    )
    grouped = session.execute(
        select(triples.c.donor, triples.c.iso3, func.count(), func.coalesce(func.sum(triples.c.budget), 0))
        .group_by(triples.c.donor, triples.c.iso3)
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


def _country_totals(session: Session, m) -> dict[str, Cell]:
    by_id = _by_link(session, m, project_countries.c.project_id, project_countries.c.country_id)
    iso = dict(session.execute(select(Country.id, Country.iso3).where(Country.id.in_(list(by_id)))).all()) if by_id else {}
    return {iso[cid]: cell for cid, cell in by_id.items()}


def _donor_totals(session: Session, m) -> dict[str, Cell]:
    pairs = (select(m.c.id, m.c.budget, ProjectFunder.organisation_id.label("donor")).select_from(m)
             .join(ProjectFunder, ProjectFunder.project_id == m.c.id).distinct().subquery())
    rows = session.execute(
        select(pairs.c.donor, func.count(), func.coalesce(func.sum(pairs.c.budget), 0)).group_by(pairs.c.donor)
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
    totals = _country_totals(session, _matching(session, f))
    if not totals:
        return []
    meta = {iso: (numeric, name) for iso, numeric, name in
            session.execute(select(Country.iso3, Country.numeric, Country.name).where(Country.iso3.in_(list(totals))))}
    figures = [CountryFigure(iso, meta[iso][0], meta[iso][1], cell.count, cell.budget_usd) for iso, cell in totals.items()]
    return sorted(figures, key=lambda c: (-c.count, c.name))
