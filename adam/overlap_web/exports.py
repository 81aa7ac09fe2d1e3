"""The report as rows for CSV and XLSX (the same rows the print view shows)."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from adam.messages import N_
from adam.models import Country
from adam.overlap.features import ProjectFeatures
from adam.overlap.report import Report
from adam.search.export import AS_STORED, Names, Table
from adam.search.export import to_csv as table_csv, to_xlsx as table_xlsx
from adam.textfold import fold

HEADERS = ["Rank", "Score", "Label", "State", "Decision", "Project A id", "Project A title", "Project A donors",
           "Project A countries", "Project A dates", "Project B id", "Project B title", "Project B donors",
           "Project B countries", "Project B dates", "Evidence"]


# The states and decisions as the files write them (codes, stable for other programs); the print view shows them
# through the catalogue, in the reader's language.
STATES_AND_DECISIONS = (N_("undecided"), N_("decided"), N_("reopened"),
                        N_("duplicate"), N_("complementary"), N_("unrelated"))


def report_rows(session: Session, report: Report, names: Names = AS_STORED) -> list[list]:
    """The report's rows; `names` words them for the reader (the print view), as the search's tables do."""
    countries = {cid: (iso3, name) for cid, iso3, name in session.execute(select(Country.id, Country.iso3, Country.name))}
    organisations, t = report.names, names.text

    def country(cid: int) -> str:
        return names.country(*countries[cid]) if cid in countries else str(cid)

    def side(f: ProjectFeatures) -> list:
        return [f.id, f.title, "; ".join(sorted(organisations.get(i, str(i)) for i in f.funders)),
                "; ".join(sorted((country(c) for c in f.countries), key=fold)) or (t("global / unspecified") if f.wide else ""),
                f"{f.starts_on or '…'} – {f.ends_on or t('ongoing')}"]

    rows = []
    for rank, p in enumerate(report.pairs, start=1):
        decision = t(p.decision.decision) if p.decision is not None else ""
        rows.append([rank, p.score, t(p.label), t(p.state), decision, *side(p.a), *side(p.b),
                     " | ".join(f"{s.points:+d} {t(s.explanation)}" for s in p.signals)])
    return rows


def _table(rows: list[list]) -> Table:
    return Table("Overlaps", HEADERS, rows)


def to_csv(rows: list[list]) -> bytes:
    """UTF-8 with a BOM (Cyrillic titles open right in spreadsheet programs), formula-like text made inert."""
    return table_csv(_table(rows))


def to_xlsx(rows: list[list]) -> bytes:
    return table_xlsx(_table(rows))
