"""Every search view as a plain table (headers + rows), written out as CSV or XLSX. No Flask.

The table is built once per view and shared by the CSV, XLSX and print renderings, so the three always
hold the same rows.
"""
from __future__ import annotations

import csv
import dataclasses
import io
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.utils import get_column_letter
from sqlalchemy.orm import Session

from adam.search.coverage import Matrix, country_figures, country_pillar_matrix, donor_country_matrix
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


def _names(items) -> str:
    return "; ".join(items)


def _amount(value: Decimal | None):
    return float(value) if value is not None else None


def results_table(session: Session, f: SearchFilters) -> Table:
    projects = result_rows(session, result_ids(session, f, limit=MAX_EXPORT_ROWS))
    return Table(VIEWS["results"], [
        "ID", "Title", "Status", "Activity type", "Countries", "Regions", "Donors", "Implementers",
        "Pillars", "Start", "End", "Budget (USD)", "IATI identifier",
    ], [[
        p.id, p.title, p.status_label, p.activity_type_label,
        _names(c.name for c in p.countries), _names(r.name for r in p.regions),
        _names(o.acronym or o.name for o in p.donors), _names(o.acronym or o.name for o in p.implementers),
        _names(str(x.number) for x in p.pillars),
        p.starts_on, p.ends_on, _amount(p.budget_usd), p.iati_identifier or "",
    ] for p in projects])


def matrix_table(matrix: Matrix, title: str, row_header: str) -> Table:
    headers = [row_header]
    for column in matrix.columns:
        headers += [f"{column.label}: projects", f"{column.label}: budget (USD)"]
    headers += ["All: projects", "All: budget (USD)"]
    rows = []
    for row in matrix.rows:
        line: list = [row.label]
        for column in matrix.columns:
            cell = matrix.cell(row.key, column.key)
            line += [cell.count, _amount(cell.budget_usd)]
        total = matrix.row_totals.get(row.key)
        line += [total.count if total else 0, _amount(total.budget_usd) if total else 0.0]
        rows.append(line)
    return Table(title, headers, rows)


def map_table(session: Session, f: SearchFilters) -> Table:
    return Table(VIEWS["map"], ["ISO3", "Country", "Projects", "Budget (USD)"],
                 [[c.iso3, c.name, c.count, _amount(c.budget_usd)] for c in country_figures(session, f)])


def timeline_table(session: Session, f: SearchFilters, group_by: str) -> Table:
    timeline = build_timeline(session, f, group_by)
    rows = []
    for group in timeline.groups:
        for bar in sorted(group.bars, key=lambda b: (b.lane, b.start)):
            rows.append([group.label, bar.lane + 1, bar.project.id, bar.project.title, bar.start,
                         None if bar.open_end else bar.end, bar.project.status_label])
    return Table(VIEWS["timeline"], ["Group", "Lane", "ID", "Title", "Start", "End", "Status"], rows)


def build_table(session: Session, view: str, f: SearchFilters, group_by: str = "country") -> Table:
    if view == "results":
        return results_table(session, f)
    if view == "matrix":
        return matrix_table(country_pillar_matrix(session, f), VIEWS["matrix"], "Country")
    if view == "donors":
        return matrix_table(donor_country_matrix(session, f), VIEWS["donors"], "Donor")
    if view == "map":
        return map_table(session, f)
    if view == "timeline":
        return timeline_table(session, f, group_by)
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
