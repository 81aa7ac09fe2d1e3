"""Every search view as a plain table (headers + rows), written out as CSV or XLSX. No Flask.

The table is built once per view and shared by the CSV, XLSX and print renderings, so the three always
hold the same rows.
"""
from __future__ import annotations

import csv
import dataclasses
import io
from collections.abc import Callable
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.utils import get_column_letter
from sqlalchemy.orm import Session

from adam.messages import N_
from adam.search.coverage import Axis, Matrix, country_figures, country_pillar_matrix, donor_country_matrix
from adam.search.filters import SearchFilters
from adam.search.query import result_ids, result_rows
from adam.search.timeline import build_timeline

VIEWS = {
    "results": "Projects",
    "matrix": "Country x pillar",
    "donors": "Donor x country",
    "map": "Projects by country",
    "timeline": "Timeline",
}
FORMATS = ("csv", "xlsx")
MAX_EXPORT_ROWS = 100_000


@dataclasses.dataclass
class Table:
    title: str
    headers: list[str]
    rows: list[list]


def _as_stored(msgid: str, **params) -> str:  # noqa: ANN003
    return msgid % params if params else msgid


@dataclasses.dataclass(frozen=True)
class Names:
    """How a table names what it shows. CSV and XLSX keep the stored English names (stable for other programs);
    the print view passes the reader's language: text(msgid, **params) for headers and labels that the catalogue
    holds (statuses, activity types, pillar, theme and region names), country(iso3, English name) for countries."""

    text: Callable[..., str] = _as_stored
    country: Callable[[str, str], str] = lambda iso3, name: name


AS_STORED = Names()


def _names(items) -> str:
    return "; ".join(items)


def _amount(value: Decimal | None):
    return float(value) if value is not None else None


def results_table(session: Session, f: SearchFilters, names: Names = AS_STORED) -> Table:
    projects = result_rows(session, result_ids(session, f, limit=MAX_EXPORT_ROWS))
    t = names.text
    return Table(VIEWS["results"], [t(h) for h in (
        N_("ID"), N_("Title"), N_("Status"), N_("Activity type"), N_("Countries"), N_("Regions"), N_("Donors"),
        N_("Implementers"), N_("Pillars"), N_("Start"), N_("End"), N_("Budget (USD)"), N_("IATI identifier"),
    )], [[
        p.id, p.title, t(p.status_label), t(p.activity_type_label) if p.activity_type_label else "",
        _names(names.country(c.iso3, c.name) for c in p.countries), _names(t(r.name) for r in p.regions),
        _names(o.acronym or o.name for o in p.donors), _names(o.acronym or o.name for o in p.implementers),
        _names(str(x.number) for x in p.pillars),
        p.starts_on, p.ends_on, _amount(p.budget_usd), p.iati_identifier or "",
    ] for p in projects])


def _axis_label(axis: Axis, kind: str, names: Names) -> str:
    """A row's or column's name as the matrix page shows it (templates/search/_matrix_table.html)."""
    if kind == "countries":
        return names.country(axis.key, axis.label)
    if kind == "pillars":
        return f"{axis.key}. {names.text(axis.label.split('. ', 1)[-1])}"
    return axis.label


def matrix_table(matrix: Matrix, title: str, row_header: str, names: Names = AS_STORED) -> Table:
    t = names.text
    matrix = matrix.countries_in_order(names.country)  # as the page lists them, by the names shown
    headers = [t(row_header)]
    for column in matrix.columns:
        label = _axis_label(column, matrix.column_filter, names)
        headers += [t(N_("%(label)s: projects"), label=label), t(N_("%(label)s: budget (USD)"), label=label)]
    headers += [t(N_("All: projects")), t(N_("All: budget (USD)"))]
    rows = []
    for row in matrix.rows:
        line: list = [_axis_label(row, matrix.row_filter, names)]
        for column in matrix.columns:
            cell = matrix.cell(row.key, column.key)
            line += [cell.count, _amount(cell.budget_usd)]
        total = matrix.row_totals.get(row.key)
        line += [total.count if total else 0, _amount(total.budget_usd) if total else 0.0]
        rows.append(line)
    return Table(title, headers, rows)


def map_table(session: Session, f: SearchFilters, names: Names = AS_STORED) -> Table:
    t = names.text
    return Table(VIEWS["map"], [t(N_("ISO3")), t(N_("Country")), t(N_("Projects")), t(N_("Budget (USD)"))],
                 [[c.iso3, names.country(c.iso3, c.name), c.count, _amount(c.budget_usd)]
                  for c in country_figures(session, f)])


def timeline_table(session: Session, f: SearchFilters, group_by: str, names: Names = AS_STORED) -> Table:
    t = names.text
    group_name = names.country if group_by == "country" else (lambda key, label: t(label) if label else label)
    timeline = build_timeline(session, f, group_by, name=group_name)
    rows = []
    for group in timeline.groups:
        for bar in sorted(group.bars, key=lambda b: (b.lane, b.start)):
            rows.append([group_name(group.key, group.label), bar.lane + 1, bar.project.id, bar.project.title, bar.start,
                         None if bar.open_end else bar.end, t(bar.project.status_label)])
    return Table(VIEWS["timeline"], [t(h) for h in (N_("Group"), N_("Lane"), N_("ID"), N_("Title"), N_("Start"),
                                                    N_("End"), N_("Status"))], rows)


def build_table(session: Session, view: str, f: SearchFilters, group_by: str = "country",
                names: Names = AS_STORED) -> Table:
    if view == "results":
        return results_table(session, f, names)
    if view == "matrix":
        return matrix_table(country_pillar_matrix(session, f), VIEWS["matrix"], N_("Country"), names)
    if view == "donors":
        return matrix_table(donor_country_matrix(session, f), VIEWS["donors"], N_("Donor"), names)
    if view == "map":
        return map_table(session, f, names)
    if view == "timeline":
        return timeline_table(session, f, group_by, names)
    raise KeyError(view)


def _cell_text(value) -> str:
    if value is None:
        return ""
    text = str(value)
    # Spreadsheet formula injection: a cell starting with = + - @ would run as a formula when opened.
    if isinstance(value, str) and text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + text
    return text


def to_csv(table: Table) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(table.headers)
    for row in table.rows:
        writer.writerow([_cell_text(v) for v in row])
    # UTF-8 with BOM so that spreadsheet programs read Cyrillic and accents correctly.
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def to_xlsx(table: Table) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(table.title[:31])
    sheet.append(table.headers)
    for row in table.rows:
        sheet.append([_cell_text(v) if isinstance(v, str) else v for v in row])
    for index in range(1, len(table.headers) + 1):
        sheet.column_dimensions[get_column_letter(index)].width = 18
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
