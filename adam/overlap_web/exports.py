"""The report as rows for CSV and XLSX (the same rows the print view shows)."""
from __future__ import annotations

import csv
import io

from openpyxl import Workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from adam.models import Country
from adam.overlap.features import ProjectFeatures
from adam.overlap.report import Report

HEADERS = ["Rank", "Score", "Label", "State", "Decision", "Project A id", "Project A title", "Project A donors",
           "Project A countries", "Project A dates", "Project B id", "Project B title", "Project B donors",
           "Project B countries", "Project B dates", "Evidence"]


def _dates(f: ProjectFeatures) -> str:
    return f"{f.starts_on or '…'} – {f.ends_on or 'ongoing'}"


def report_rows(session: Session, report: Report) -> list[list]:
    countries = dict(session.execute(select(Country.id, Country.name)).all())
    names = report.names

    def side(f: ProjectFeatures) -> list:
        return [f.id, f.title, "; ".join(sorted(names.get(i, str(i)) for i in f.funders)),
                "; ".join(sorted(countries.get(c, str(c)) for c in f.countries)) or ("global / unspecified" if f.wide else ""),
                _dates(f)]

    rows = []
    for rank, p in enumerate(report.pairs, start=1):
        decision = p.decision.decision if p.decision is not None else ""
        rows.append([rank, p.score, p.label, p.state, decision, *side(p.a), *side(p.b),
                     " | ".join(f"{s.points:+d} {s.explanation}" for s in p.signals)])
    return rows


def _safe(value):  # noqa: ANN001, ANN202
    # Spreadsheet formula injection: text starting with = + - @ is shown as text.
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value


def to_csv(rows: list[list]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADERS)
    for row in rows:
        writer.writerow([_safe(v) for v in row])
    return out.getvalue()


def to_xlsx(rows: list[list]) -> bytes:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Overlaps")
    ws.append(HEADERS)
    for row in rows:
        ws.append([_safe(v) for v in row])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
