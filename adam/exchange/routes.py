"""Exchange pages: IATI upload with progress (coordinators), IATI export, spreadsheet bulk import."""
from __future__ import annotations

import re
import secrets
import shutil
import tempfile
import time
from pathlib import Path

from flask_babel import gettext, lazy_gettext, ngettext
from flask import (Blueprint, Response, abort, current_app, flash, jsonify, redirect, render_template, request,
                   send_file, session as web_session, url_for)
from flask_login import current_user, login_required
from sqlalchemy import select
from werkzeug.utils import secure_filename

from adam.bulk.columns import COLUMNS
from adam.bulk.importer import BulkImportError, commit as bulk_commit, dry_run
from adam.bulk.spreadsheet import SpreadsheetError, read_spreadsheet, template_csv, template_xlsx
from adam.exchange import jobs
from adam.i18n import by_country_name, country_name, translate, translate_error
from adam.exchange.forms import BulkCommitForm, BulkUploadForm, IatiUploadForm
from adam.exchange.operations import ExportError, export_query, iter_export, search_export_query, upload_file_name
from adam.exchange.overlap_hook import check_projects
from adam.extensions import db
from adam.iati.exporter import export_bytes, write_activities
from adam.models import STATUSES, Country, ImportJob, Organisation, Pillar, Project, Region, Theme
from adam.projects.operations import can_create
from adam.search import query as search_query
from adam.search.filters import parse_filters
from adam.security import coordinator_required

bp = Blueprint("exchange", __name__, url_prefix="/exchange")


@bp.record_once
def _menu(state) -> None:  # noqa: ANN001
    from adam.navigation import add_nav_item

    add_nav_item(state.app, lazy_gettext("Exchange"), "exchange.index", order=60)


def _upload_root(kind: str) -> Path:
    root = Path(current_app.instance_path) / kind
    root.mkdir(parents=True, exist_ok=True)
    return root


@bp.get("/")
@login_required
def index():
    jobs_list = []
    if current_user.is_coordinator:
        jobs_list = db.session.scalars(select(ImportJob).order_by(ImportJob.id.desc()).limit(10)).all()
    job_statuses = jobs.shown_statuses(jobs_list, current_app.config["IMPORT_JOB_STALE_SECONDS"])
    countries = db.session.scalars(select(Country).order_by(Country.name)).all()
    organisations = db.session.scalars(select(Organisation).where(Organisation.active.is_(True))
                                       .order_by(Organisation.name)).all()
    return render_template("exchange/index.html", jobs=jobs_list, job_statuses=job_statuses, countries=countries,
                           organisations=organisations, statuses=STATUSES, upload_form=_iati_form())


# --- IATI import -----------------------------------------------------------------------------------------------

def _iati_form() -> IatiUploadForm:
    form = IatiUploadForm()
    form.default_country.choices = [("", gettext("None (report such activities without a country)"))] + [
        (c.iso3, country_name(c)) for c in by_country_name(db.session.scalars(select(Country)).all())]
    return form


@bp.route("/iati/import", methods=["GET", "POST"])
@coordinator_required
def iati_import():
    form = _iati_form()
    if form.validate_on_submit():
        # Before this job's first write: on SQLite, a write lock held here would keep every older job "running".
        jobs.sweep_uploads(_upload_root("imports"), current_app.config["IMPORT_JOB_STALE_SECONDS"])
        upload = form.file.data
        name = upload_file_name(upload.filename)
        job = ImportJob(user_id=current_user.id, file_name=name, status="queued")
        db.session.add(job)
        db.session.flush()
        folder = _upload_root("imports") / f"job-{job.id}-{secrets.token_hex(4)}"
        folder.mkdir()
        path = folder / name
        upload.save(path)  # streamed to disk: a large file never sits in memory
        job.bytes_total = path.stat().st_size
        db.session.commit()
        try:
            jobs.start(job, path, {"default_country": form.default_country.data or None,
                                   "ignore_links": form.ignore_links.data})
        except Exception:
            shutil.rmtree(folder, ignore_errors=True)
            raise
        return redirect(url_for("exchange.iati_job", job_id=job.id))
    return render_template("exchange/iati_import.html", form=form)


@bp.get("/iati/jobs/<int:job_id>")
@coordinator_required
def iati_job(job_id: int):
    job = db.get_or_404(ImportJob, job_id)
    return render_template("exchange/iati_job.html", job=job,
                           progress=jobs.progress_of(job, current_app.config["IMPORT_JOB_STALE_SECONDS"]))


@bp.get("/iati/jobs/<int:job_id>/status")
@coordinator_required
def iati_job_status(job_id: int):
    job = db.get_or_404(ImportJob, job_id)
    db.session.refresh(job)
    # The page shows the state in the reader's language while it polls; status stays the code.
    progress = jobs.progress_of(job, current_app.config["IMPORT_JOB_STALE_SECONDS"])
    return jsonify(progress | {"status_label": translate(progress["status"])})


@bp.get("/iati/jobs/<int:job_id>/report.json")
@coordinator_required
def iati_job_report(job_id: int):
    job = db.get_or_404(ImportJob, job_id)
    response = jsonify(job.report or {})
    response.headers["Content-Disposition"] = f'attachment; filename="import-{job.id}-report.json"'
    return response


# --- IATI export -----------------------------------------------------------------------------------------------

@bp.get("/iati/export.xml")
@login_required
def iati_export():
    """IATI 2.03 XML of the projects matching the filters (the same parameters a search page can pass on)."""
    # An empty value is the form's "any"; a value that cannot be read is refused rather than dropped (dropped, the
    # filter would be gone and the whole register exported).
    ids = [v.strip() for v in request.args.getlist("id") if v.strip()]
    statuses = [v for v in request.args.getlist("status") if v]
    try:
        unreadable = [v for v in ids if not re.fullmatch(r"-?[0-9]+", v)] + [v for v in statuses if v not in STATUSES]
        if unreadable:
            raise ExportError(f"unknown project id or status {', '.join(unreadable)}")
        query = export_query(
            db.session,
            ids=[int(v) for v in ids],
            countries=[c for c in request.args.getlist("country") if c],
            organisation=request.args.get("organisation") or None,
            statuses=statuses,
            include_withdrawn=current_user.is_coordinator and request.args.get("withdrawn") == "1",
        )
    except ExportError as exc:
        flash(gettext("Nothing exported: %(reason)s.", reason=translate_error(exc)), "danger")
        return redirect(url_for("exchange.index"))
    if db.session.scalars(query.limit(1)).first() is None:
        flash(gettext("No project matches these filters: nothing to export."), "warning")
        return redirect(url_for("exchange.index"))
    xml = export_bytes(iter_export(db.session, query))
    return Response(xml, mimetype="application/xml",
                    headers={"Content-Disposition": 'attachment; filename="adam-iati-activities.xml"'})


@bp.get("/iati/search.xml")
@login_required
def iati_search_export():
    """IATI 2.03 XML of exactly the result of a search: the search page's query string, parsed by the search's own
    parser. Every signed-in user sees the whole register in search, so the export holds what the page shows."""
    filters, errors = parse_filters(request.args)
    filters, unknown = search_query.check_references(db.session, filters)
    if errors or unknown:
        for message in errors + unknown:
            flash(translate(message), "danger")
        flash(gettext("Nothing exported: correct the search first."), "danger")
        return redirect(url_for("search.index") + "?" + filters.query_string())
    query = search_export_query(db.session, filters)
    if db.session.scalars(query.with_only_columns(Project.id).limit(1)).first() is None:
        # An IATI document must hold at least one activity.
        flash(gettext("No project matches this search: nothing to export."), "warning")
        return redirect(url_for("search.index") + "?" + filters.query_string())
    # Written to a spooled file in the request (projects loaded in chunks), then streamed: a large result does
    # not sit in memory, and no database work happens after the request.
    output = tempfile.SpooledTemporaryFile(max_size=8_000_000)  # noqa: SIM115 (send_file closes it)
    write_activities(iter_export(db.session, query), output)
    output.seek(0)
    return send_file(output, mimetype="application/xml", as_attachment=True,
                     download_name="adam-search-iati.xml")


# --- spreadsheet bulk import -------------------------------------------------------------------------------------

def _reference_lists() -> dict[str, list[str]]:
    return {
        "pillars": [f"{p.number} {p.name}" for p in db.session.scalars(select(Pillar).order_by(Pillar.number))],
        "themes": [t.code for t in db.session.scalars(select(Theme).where(Theme.active.is_(True)).order_by(Theme.code))],
        "regions": [r.code for r in db.session.scalars(select(Region).order_by(Region.code))],
        "countries": [f"{c.iso3} {c.name}" for c in db.session.scalars(select(Country).order_by(Country.name))],
        "organisations": [o.name for o in db.session.scalars(select(Organisation).where(Organisation.active.is_(True))
                                                             .order_by(Organisation.name))],
    }


@bp.get("/bulk/template.<fmt>")
@login_required
def bulk_template(fmt: str):
    if fmt == "csv":
        return Response(template_csv(), mimetype="text/csv",
                        headers={"Content-Disposition": 'attachment; filename="adam-projects-template.csv"'})
    if fmt == "xlsx":
        return Response(template_xlsx(_reference_lists()),
                        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                        headers={"Content-Disposition": 'attachment; filename="adam-projects-template.xlsx"'})
    abort(404)


# A previewed file waits this long for its commit; older ones (a preview nobody imported) are deleted.
BULK_KEEP_SECONDS = 24 * 3600


def _keep_for_commit(data: bytes, suffix: str) -> str:
    """Store a previewed file for the commit and return its token. The user's previous preview, and anyone's
    older than BULK_KEEP_SECONDS, are deleted: previews that are never imported do not pile up on disk."""
    root = _upload_root("bulk")
    previous = web_session.get("bulk_upload") or {}
    if previous.get("token"):
        (root / f"{previous['token']}{previous.get('suffix', '')}").unlink(missing_ok=True)
    cutoff = time.time() - BULK_KEEP_SECONDS
    for stale in root.iterdir():
        try:
            if stale.is_file() and stale.stat().st_mtime < cutoff:
                stale.unlink()
        except OSError:
            pass  # another request deleted it meanwhile
    token = secrets.token_urlsafe(16)
    (root / f"{token}{suffix}").write_bytes(data)
    return token


def _stored_upload(token: str) -> Path | None:
    """The file a dry run kept for the commit, if it belongs to this user's session."""
    pending = web_session.get("bulk_upload") or {}
    if not token or pending.get("token") != token or pending.get("user_id") != current_user.id:
        return None
    path = _upload_root("bulk") / f"{token}{pending.get('suffix', '')}"
    return path if path.exists() else None


@bp.route("/bulk", methods=["GET", "POST"])
@login_required
def bulk():
    if not can_create(current_user):
        abort(403)
    form = BulkUploadForm()
    report = None
    commit_form = None
    if form.validate_on_submit():
        upload = form.file.data
        data = upload.read()
        filename = upload.filename or ""
        try:
            rows = read_spreadsheet(filename, data)
        except SpreadsheetError as exc:
            form.file.errors.append(translate_error(exc))
        else:
            if not rows:
                form.file.errors.append(gettext("The file has no project rows below the header."))
            else:
                report = dry_run(db.session, rows, current_user)  # reads only
                if report.ok:
                    suffix = Path(filename).suffix.lower()
                    token = _keep_for_commit(data, suffix)
                    web_session["bulk_upload"] = {"token": token, "suffix": suffix, "user_id": current_user.id,
                                                  "filename": secure_filename(filename)}
                    commit_form = BulkCommitForm(token=token)
    return render_template("exchange/bulk.html", form=form, report=report, commit_form=commit_form, columns=COLUMNS)


@bp.post("/bulk/commit")
@login_required
def bulk_commit_view():
    form = BulkCommitForm()
    if not form.validate_on_submit():
        abort(400)
    path = _stored_upload(form.token.data)
    if path is None:
        flash(gettext("That upload is no longer available; upload the file again."), "warning")
        return redirect(url_for("exchange.bulk"))
    try:
        rows = read_spreadsheet(path.name, path.read_bytes())
        created = bulk_commit(db.session, rows, current_user)
        overlaps = check_projects(db.session, [p.id for p in created], current_user)
        db.session.commit()
    except (SpreadsheetError, BulkImportError) as exc:
        db.session.rollback()
        flash(gettext("Nothing was imported: %(reason)s", reason=translate_error(exc)), "danger")
        return redirect(url_for("exchange.bulk"))
    finally:
        if path.exists():
            path.unlink()
        web_session.pop("bulk_upload", None)
    flash(ngettext("%(num)d project imported.", "%(num)d projects imported.", len(created)), "success")
    if overlaps is not None and overlaps.with_overlaps:
        flash(gettext("%(count)s of them may overlap projects already in the register: see the overlap report.",
                      count=overlaps.with_overlaps), "warning")
    return redirect(url_for("projects.index"))
