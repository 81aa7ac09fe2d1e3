"""CLI: `flask --app adam import-iati FILE...` and `flask --app adam export-iati`."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask import Flask

from adam.cli import OutputPath
from adam.extensions import db


def _default_countries(values: tuple[str, ...]) -> str | dict[str, str] | None:
    """--default-country NGA for every file, or FILE=NGA (file name or stem) for one file."""
    per_file = {}
    overall = None
    for value in values:
        if "=" in value:
            name, code = value.rsplit("=", 1)
            per_file[Path(name).name] = code
            per_file[Path(name).stem] = code
        else:
            overall = value
    if per_file:
        if overall:
            raise click.BadParameter("give either one country for all files or FILE=COUNTRY pairs, not both",
                                     param_hint="--default-country")
        return per_file
    return overall


def _check_countries(default_country: str | dict[str, str] | None) -> None:
    """Every --default-country code names a country (ISO alpha-2 or alpha-3), checked before anything is imported."""
    from sqlalchemy import or_, select

    from adam.models import Country

    codes = set(default_country.values()) if isinstance(default_country, dict) else {default_country} - {None}
    for code in sorted(codes):
        wanted = code.strip().upper()
        known = select(Country.id).where(or_(Country.iso2 == wanted, Country.iso3 == wanted))
        if db.session.scalars(known).first() is None:
            raise click.BadParameter(f"unknown country code {code!r} (give ISO 3166 alpha-3, e.g. NGA)",
                                     param_hint="--default-country")


def register(app: Flask) -> None:
    @app.cli.command("import-iati")
    @click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True))
    @click.option("--ignore-links", is_flag=True, help="Do not record the links to other activities.")
    @click.option("--default-country", "default_countries", multiple=True, metavar="ISO|FILE=ISO",
                  help="Country for activities that name none (aid registers); FILE=ISO for one file.")
    @click.option("--report", "report_path", type=OutputPath(),
                  help="Write the full report (every activity with something to say) as JSON.")
    @click.option("--dry-run", is_flag=True, help="Read and check everything, then roll back.")
    @click.option("--overlap-check/--no-overlap-check", default=True, show_default=True,
                  help="Pass imported projects through the overlap check (when the overlap engine is installed).")
    def import_iati_command(paths: tuple[str, ...], ignore_links: bool, default_countries: tuple[str, ...],
                            report_path: str | None, dry_run: bool, overlap_check: bool) -> None:
        """Import IATI activity XML files (or every *.xml under a directory): idempotent by iati-identifier."""
        from adam.exchange.operations import expand_paths
        from adam.exchange.overlap_hook import check_projects
        from adam.iati.importer import import_files

        files = expand_paths(paths)
        if not files:
            raise click.ClickException("no XML files found")
        default_country = _default_countries(default_countries)
        _check_countries(default_country)
        total = sum(Path(f).stat().st_size for f in files)
        with click.progressbar(length=total, label=f"Importing {len(files)} file(s)", file=sys.stderr,
                               show_pos=False, show_percent=True) as bar:
            state = {"done": 0}

            def progress(done: int, _total: int, activities: int) -> None:
                if sys.stderr.isatty():  # off a terminal click prints every label change as a new line
                    bar.label = f"Importing {len(files)} file(s), {activities:,} activities"
                bar.update(max(0, done - state["done"]))
                state["done"] = max(state["done"], done)

            try:
                report = import_files(db.session, files, ignore_links=ignore_links,
                                      default_country=default_country, progress=progress)
            except Exception:
                db.session.rollback()
                raise
        checked = None
        if overlap_check and not dry_run:
            checked = check_projects(db.session, report.project_ids)
        if dry_run:
            db.session.rollback()
        else:
            db.session.commit()
        click.echo(f"{report.seen:,} activities in {len(report.files)} file(s) in {report.seconds:.1f} s: "
                   f"{report.created:,} created, {report.updated:,} updated, {report.unchanged:,} unchanged, "
                   f"{report.rejected:,} rejected; {report.organisations_created:,} new organisations."
                   + (" (dry run: nothing saved)" if dry_run else ""))
        if checked is not None:
            click.echo(f"Overlap check run on {checked.checked:,} projects: {checked.with_overlaps:,} have possible "
                       f"overlaps ({checked.matches:,} matches recorded; see the overlap report).")
        for error in report.file_errors:
            click.echo(f"  file {error.file}: {error.message}", err=True)
        for item in report.rejections[:20]:
            click.echo(f"  rejected {item.file} #{item.position} (line {item.line}): {'; '.join(item.messages)}",
                       err=True)
        if report.rejected > 20:
            click.echo(f"  ... and {report.rejected - 20:,} more rejected (see --report)", err=True)
        warned = len(report.warnings)
        if warned:
            click.echo(f"  {warned:,} imported activities have warnings (see --report).", err=True)
        if report_path:
            Path(report_path).write_text(json.dumps(report.as_dict(limit=None), indent=1, ensure_ascii=False),
                                         encoding="utf-8")
            click.echo(f"Report written to {report_path}.")
        if report.file_errors:
            # The other files' activities are saved; a script still learns that something was not imported.
            sys.exit(1)

    @app.cli.command("export-iati")
    @click.option("-o", "--output", default="-", type=OutputPath(allow_dash=True),
                  show_default=True, help="File to write (- for standard output).")
    @click.option("--country", "countries", multiple=True, metavar="ISO3", help="Recipient country (repeatable).")
    @click.option("--organisation", default=None, help="Donor, implementer or owner: name, acronym, IATI ref or id.")
    @click.option("--status", "statuses", multiple=True,
                  type=click.Choice(["pipeline", "ongoing", "completed", "cancelled"]))
    @click.option("--id", "ids", multiple=True, type=int, help="Project id (repeatable).")
    @click.option("--include-withdrawn", is_flag=True)
    def export_iati_command(output: str, countries: tuple[str, ...], organisation: str | None,
                            statuses: tuple[str, ...], ids: tuple[int, ...], include_withdrawn: bool) -> None:
        """Export projects as IATI 2.03 activity XML."""
        from adam.exchange.operations import ExportError, export_query, iter_export
        from adam.iati.exporter import write_activities

        try:
            query = export_query(db.session, ids=ids, countries=countries, organisation=organisation,
                                 statuses=statuses, include_withdrawn=include_withdrawn)
        except ExportError as exc:
            raise click.ClickException(str(exc)) from exc
        if db.session.scalars(query.limit(1)).first() is None:
            raise click.ClickException("no project matches: nothing to export (IATI needs at least one activity)")
        if output == "-":
            count = write_activities(iter_export(db.session, query), sys.stdout.buffer)
        else:
            count = write_activities(iter_export(db.session, query), Path(output))
        click.echo(f"Exported {count:,} projects.", err=True)
