"""`flask --app adam overlap-report [filters] --out FILE`: the report as CSV or XLSX, with a progress bar."""
from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import click
from sqlalchemy import select

from adam.cli import OutputPath
from adam.extensions import db
from adam.models import Country, Organisation, Pillar, Region
from adam.overlap.report import DECIDED_CHOICES, ReportFilters, run_report
from adam.overlap_web.exports import report_rows, to_csv, to_xlsx
from adam.overlap_web.routes import bp

def _lookup(model, column, values, what: str) -> set[int]:  # noqa: ANN001
    ids = set()
    for value in values:
        found = db.session.scalars(select(model.id).where(column == value)).first()
        if found is None:
            raise click.BadParameter(f"unknown {what}: {value}")
        ids.add(found)
    return ids


@click.command("overlap-report")
@click.option("--country", "countries", multiple=True, help="ISO 3166 alpha-3 code; repeat for several.")
@click.option("--region", help="Region or route code, e.g. central-asia, route-northern.")
@click.option("--pillar", "pillars", multiple=True, type=int, help="Pillar number 1-4; repeat for several.")
@click.option("--donor", "donors", multiple=True, help="Donor acronym or name; repeat for several.")
@click.option("--from", "period_start", type=click.DateTime(["%Y-%m-%d"]), help="Period start (YYYY-MM-DD).")
@click.option("--to", "period_end", type=click.DateTime(["%Y-%m-%d"]), help="Period end (YYYY-MM-DD).")
@click.option("--min-score", type=click.IntRange(0, 100), default=0)
@click.option("--decided", type=click.Choice(DECIDED_CHOICES), default="undecided")
@click.option("--out", "out", required=True, type=OutputPath(path_type=Path),
              help="Output file: .csv or .xlsx")
def overlap_report(countries, region, pillars, donors, period_start, period_end, min_score, decided, out):  # noqa: ANN001
    """Write the duplicate-check report (ranked pairs with their evidence)."""
    if out.suffix.lower() not in (".csv", ".xlsx"):
        raise click.BadParameter("--out must end in .csv or .xlsx")
    if period_start and period_end and period_end < period_start:
        raise click.BadParameter("--to must not be before --from")
    region_id = None
    if region:
        region_id = db.session.scalars(select(Region.id).where(Region.code == region)).first()
        if region_id is None:
            raise click.BadParameter(f"unknown region: {region}")
    donor_ids = set()
    for d in donors:
        found = db.session.scalars(select(Organisation.id).where(
            (Organisation.acronym == d) | (Organisation.name == d))).first()
        if found is None:
            raise click.BadParameter(f"unknown donor: {d}")
        donor_ids.add(found)
    filters = ReportFilters(
        countries=_lookup(Country, Country.iso3, [c.upper() for c in countries], "country"),
        region_id=region_id, pillars=_lookup(Pillar, Pillar.number, pillars, "pillar"), donors=donor_ids,
        period_start=period_start.date() if period_start else None,
        period_end=period_end.date() if period_end else None, min_score=min_score, decided=decided,
    )
    with click.progressbar(length=100, label="Comparing projects", file=sys.stderr) as bar:
        done = [0]

        def progress(step: int, steps: int) -> None:
            target = int(100 * step / max(steps, 1))
            bar.update(target - done[0])
            done[0] = target

        report = run_report(db.session, filters, progress=progress)
    rows = report_rows(db.session, report)
    if out.suffix.lower() == ".csv":
        out.write_bytes(to_csv(rows))
    else:
        out.write_bytes(to_xlsx(rows))
    click.echo(f"{len(rows)} flagged pairs among {report.projects} projects "
               f"({report.candidates_scored} candidate pairs scored) written to {out}")


@bp.record_once
def _register(state) -> None:  # noqa: ANN001
    # A top-level command (flask --app adam overlap-report), not one under the blueprint's group.
    state.app.cli.add_command(overlap_report)
