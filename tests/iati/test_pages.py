"""The IATI pages: upload with background progress (coordinators only), the report, and the export download."""
from __future__ import annotations

import datetime as dt
import io
import re
import shutil
import time

from lxml import etree
from sqlalchemy import func, select

from adam.extensions import db
from adam.models import ImportJob, Project
from tests import factories as f
from tests.helpers import login
from tests.iati.xml import FIXTURES, activity, document


def upload(client, data: bytes, name: str = "activities.xml", **fields):
    form = {"file": (io.BytesIO(data), name), "default_country": "", **fields}
    return client.post("/exchange/iati/import", data=form, content_type="multipart/form-data")


def test_only_coordinators_may_import(client, session):
    login(client, f.make_user(session, "focal_point"))
    assert client.get("/exchange/iati/import").status_code == 403
    assert upload(client, document(activity()).encode()).status_code == 403
    anonymous = client.application.test_client()
    assert anonymous.get("/exchange/iati/import").status_code == 302  # to the login page


def test_upload_imports_and_shows_the_report(client, session, app, monkeypatch):
    monkeypatch.setitem(app.config, "IMPORT_JOBS_INLINE", True)
    login(client, f.make_user(session, "coordinator", org="UNODC"))
    data = document(activity("XM-PAGE-1"), activity(None), activity("XM-PAGE-2", body='<recipient-country code="QQ"/>'))
    response = upload(client, data.encode(), "donor file.xml")
    assert response.status_code == 302
    job = session.scalars(select(ImportJob)).one()
    assert response.headers["Location"].endswith(f"/exchange/iati/jobs/{job.id}")
    assert job.status == "done" and job.file_name == "donor_file.xml"
    page = client.get(f"/exchange/iati/jobs/{job.id}").get_data(as_text=True)
    assert "<strong>2</strong> created" in page and "<strong>1</strong> rejected" in page
    assert "missing iati-identifier" in page and "unknown recipient-country code &#39;QQ&#39;" in page
    assert session.scalar(select(func.count()).select_from(Project)) == 2
    status = client.get(f"/exchange/iati/jobs/{job.id}/status").get_json()
    assert status["status"] == "done" and status["percent"] == 100.0 and status["activities"] == 3
    report = client.get(f"/exchange/iati/jobs/{job.id}/report.json").get_json()
    assert report["created"] == 2 and report["rejected"] == 1


def test_the_report_speaks_the_readers_language_and_the_json_stays_english(client, session, app, monkeypatch):
    monkeypatch.setitem(app.config, "IMPORT_JOBS_INLINE", True)
    coordinator = f.make_user(session, "coordinator", org="UNODC", language="fr")
    login(client, coordinator)
    data = document(activity(None), activity("XM-PAGE-3", body='<recipient-country code="QQ"/>'))
    job_url = upload(client, data.encode(), "donor.xml").headers["Location"]
    page = client.get(job_url).get_data(as_text=True)
    assert "erreur : iati-identifier manquant" in page or "erreur: iati-identifier manquant" in page
    assert "code recipient-country inconnu &#39;QQ&#39;, ignoré" in page
    assert "unknown recipient-country code" not in page
    report = client.get(job_url + "/report.json").get_json()
    messages = [m for a in report["activities"] for m in a["messages"]]
    assert "warning: unknown recipient-country code 'QQ', ignored" in messages


def test_the_upload_form_offers_countries_in_the_readers_language(client, session):
    login(client, f.make_user(session, "coordinator", org="UNODC", language="fr"))
    page = client.get("/exchange/iati/import").get_data(as_text=True)
    select_html = page.split('id="default_country"')[1].split("</select>")[0]
    assert "None (report such activities without a country)" not in select_html
    assert '<option selected value="">Aucun (signaler ces activités sans pays)</option>' in select_html
    assert '<option value="DEU">Allemagne</option>' in select_html
    names = [option.split(">", 1)[1].split("<", 1)[0] for option in select_html.split("<option")[2:]]
    assert names.index("Allemagne") < names.index("Autriche") < names.index("Espagne")  # in French order


def test_the_status_the_job_page_polls_names_the_state_in_the_readers_language(client, session, app, monkeypatch):
    monkeypatch.setitem(app.config, "IMPORT_JOBS_INLINE", True)
    login(client, f.make_user(session, "coordinator", org="UNODC", language="fr"))
    job_url = upload(client, document(activity("XM-STATUS-1")).encode()).headers["Location"]
    status = client.get(job_url + "/status").get_json()
    # exchange.js writes status_label into the page while the import runs; status stays the code.
    assert status["status"] == "done" and status["status_label"] == "terminé"
    script = client.get("/static/js/exchange.js").get_data(as_text=True)
    assert "status.textContent = job.status_label" in script


def test_a_file_named_in_another_script_keeps_its_name(client, session, app, monkeypatch):
    monkeypatch.setitem(app.config, "IMPORT_JOBS_INLINE", True)
    login(client, f.make_user(session, "coordinator", org="UNODC", language="ru"))
    job_url = upload(client, document(activity("XM-NAME-1")).encode(), "проекты 2025.xml").headers["Location"]
    assert "Импорт IATI: проекты_2025.xml" in client.get(job_url).get_data(as_text=True)  # not "xml" or "2025.xml"
    assert client.get(job_url + "/report.json").get_json()["files"] == ["проекты_2025.xml"]
    upload(client, document(activity("XM-NAME-2")).encode(), "../../reports/日本.xml")
    assert sorted(session.scalars(select(ImportJob.file_name))) == ["проекты_2025.xml", "日本.xml"]
    long_name = upload(client, document(activity("XM-NAME-3")).encode(), "отчёт" * 60 + ".xml")  # 600 bytes
    assert long_name.status_code == 302
    assert session.scalars(select(ImportJob).order_by(ImportJob.id.desc())).first().status == "done"


def test_the_report_counts_one_activity_in_the_singular(client, session, app, monkeypatch):
    monkeypatch.setitem(app.config, "IMPORT_JOBS_INLINE", True)
    user = f.make_user(session, "coordinator", org="UNODC")
    login(client, user)
    job_url = upload(client, document(activity("XM-ONE-1")).encode()).headers["Location"]
    page = " ".join(client.get(job_url).get_data(as_text=True).split())
    assert "1 activity read in" in page and "1 activities" not in page
    assert "The overlap check ran on 1 imported project:" in page
    assert "<strong>0</strong> have possible overlaps (matches recorded: 0)." in page
    user.language = "fr"
    session.commit()
    page = " ".join(client.get(job_url).get_data(as_text=True).split())
    assert "1 activité lue en" in page and "La vérification des chevauchements a porté sur 1 projet importé" in page
    assert re.search(r"1 activité lue en \d+(,\d+)? s :", page)  # a decimal comma in French, not 0.023


def test_upload_runs_in_the_background_with_progress(client, session):
    login(client, f.make_user(session, "coordinator", org="UNODC"))
    session.commit()
    data = (FIXTURES / "dportal-ebola-0-sample.xml").read_bytes()
    response = upload(client, data, "ebola.xml")
    job_id = int(response.headers["Location"].rsplit("/", 1)[1])
    db.session.rollback()
    deadline = time.monotonic() + 60
    status = {}
    while time.monotonic() < deadline:
        status = client.get(f"/exchange/iati/jobs/{job_id}/status").get_json()
        db.session.rollback()  # let the import thread write (SQLite allows one writer and no lingering readers)
        if status["status"] in ("done", "failed"):
            break
        assert status["status"] in ("queued", "running") and 0 <= status["percent"] <= 100
        time.sleep(0.2)
    assert status["status"] == "done", status
    assert status["activities"] == 14
    assert session.scalar(select(func.count()).select_from(Project)) == 14


def test_a_file_that_is_not_xml_is_refused_or_reported(client, session, app, monkeypatch):
    monkeypatch.setitem(app.config, "IMPORT_JOBS_INLINE", True)
    login(client, f.make_user(session, "coordinator", org="UNODC"))
    refused = upload(client, b"a,b\n", "projects.csv")
    assert refused.status_code == 200 and "Upload an .xml file." in refused.get_data(as_text=True)
    response = upload(client, (FIXTURES / "dportal-empty-result.xml").read_bytes(), "broken.xml")
    job = session.scalars(select(ImportJob)).one()
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert job.status == "done" and "broken.xml: not readable as IATI XML" in page


def test_export_downloads_valid_looking_iati_for_the_filters(client, session):
    f.make_project(session, "Border posts Tajikistan", countries=("TJK",), iati_identifier="XM-1")
    f.make_project(session, "Treatment Pakistan", countries=("PAK",), pillars=(4,), themes=("treatment",))
    login(client, f.make_user(session, "focal_point"))
    response = client.get("/exchange/iati/export.xml?country=TJK")
    assert response.status_code == 200 and response.mimetype == "application/xml"
    root = etree.fromstring(response.data)
    assert root.xpath("//iati-identifier/text()") == ["XM-1"]
    assert len(etree.fromstring(client.get("/exchange/iati/export.xml").data)) == 2
    bad = client.get("/exchange/iati/export.xml?country=XXX")
    assert bad.status_code == 302
    none = client.get("/exchange/iati/export.xml?country=NOR", follow_redirects=True)
    assert "nothing to export" in none.get_data(as_text=True)


def test_export_of_an_id_out_of_range_is_refused_not_a_crash(client, session):
    login(client, f.make_user(session, "focal_point"))
    for query in ("id=99999999999999999999", "organisation=99999999999999999999", "id=-1"):
        response = client.get(f"/exchange/iati/export.xml?{query}", follow_redirects=True)
        assert response.status_code == 200 and "Nothing exported" in response.get_data(as_text=True), query


def test_export_with_a_filter_it_cannot_read_is_refused_not_the_whole_register(client, session):
    # Dropped, id=abc or status=bogus exported every project instead of the one asked for.
    f.make_project(session, "Border posts Tajikistan")
    login(client, f.make_user(session, "focal_point"))
    for query in ("id=abc", "id=1.5", "id=--1", "status=bogus"):
        response = client.get(f"/exchange/iati/export.xml?{query}", follow_redirects=True)
        assert response.status_code == 200 and "Nothing exported" in response.get_data(as_text=True), query
    assert client.get("/exchange/iati/export.xml?status=&id=").mimetype == "application/xml"


def test_exchange_page_shows_imports_to_coordinators_only(client, session):
    login(client, f.make_user(session, "focal_point"))
    page = client.get("/exchange/").get_data(as_text=True)
    assert "Download IATI XML" in page and "Upload an IATI file" not in page


def _identifiers_of_csv(text: str) -> set[str]:
    import csv

    rows = list(csv.reader(io.StringIO(text)))
    column = rows[0].index("IATI identifier")
    return {row[column] for row in rows[1:] if row and row[column]}


def test_search_result_exports_as_valid_iati_with_exactly_its_projects(client, session, shared_data):
    import datetime as dt

    from tests.iati.test_exporter import assert_valid

    path = shared_data / "iati-schema" / "iati-activities-schema.xsd"
    schema = etree.XMLSchema(etree.parse(str(path)))
    f.make_project(session, "Border liaison offices Tajikistan", countries=("TJK",), iati_identifier="XM-S1")
    f.make_project(session, "Border posts training Pakistan", countries=("PAK",), pillars=(4,),
                   themes=("treatment",), iati_identifier="XM-S2")
    f.make_project(session, "Container control Tajikistan", countries=("TJK",), pillars=(2,),
                   iati_identifier="XM-S3")
    gone = f.make_project(session, "Border liaison offices withdrawn", countries=("TJK",), iati_identifier="XM-S4")
    gone.withdrawn_at = dt.datetime.now(dt.timezone.utc)
    session.commit()
    login(client, f.make_user(session, "focal_point"))

    page = client.get("/search/?q=border&country=TJK").get_data(as_text=True)
    assert "/exchange/iati/search.xml?" in page and ">IATI XML</a>" in page
    for query, expected in (("q=border&country=TJK", {"XM-S1"}), ("q=border", {"XM-S1", "XM-S2"}),
                            ("pillar=1", {"XM-S1", "XM-S4"} - {"XM-S4"}),
                            ("q=border&withdrawn=1", {"XM-S1", "XM-S2", "XM-S4"}), ("", {"XM-S1", "XM-S2", "XM-S3"})):
        response = client.get(f"/exchange/iati/search.xml?{query}&page=2&per_page=10")
        assert response.status_code == 200 and response.mimetype == "application/xml"
        assert_valid(schema, response.data)
        exported = set(etree.fromstring(response.data).xpath("//iati-identifier/text()"))
        # The same projects as the search's own CSV export of the result, whatever the page number.
        listed = _identifiers_of_csv(client.get(f"/search/export/results.csv?{query}").get_data(as_text=True))
        assert exported == listed == expected, query

    empty = client.get("/exchange/iati/search.xml?country=NOR", follow_redirects=True)
    assert "nothing to export" in empty.get_data(as_text=True)  # an IATI document needs an activity
    bad = client.get("/exchange/iati/search.xml?country=XXX&start=notadate", follow_redirects=True)
    assert "Nothing exported" in bad.get_data(as_text=True)


def _job_left_running(session, user, minutes_ago: float) -> ImportJob:
    """A job whose worker is gone: the process stopped mid-import and nothing updates the row any more."""
    started = dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=minutes_ago)
    job = ImportJob(user_id=user.id, file_name="donor.xml", status="running", bytes_total=1000, bytes_done=0,
                    created_at=started)
    session.add(job)
    session.commit()
    return job


def test_a_job_whose_worker_stopped_is_shown_interrupted_when_polled_and_listed(client, session, app, monkeypatch):
    monkeypatch.setitem(app.config, "IMPORT_JOB_STALE_SECONDS", 300)
    user = f.make_user(session, "coordinator", org="UNODC")
    job = _job_left_running(session, user, minutes_ago=30)
    login(client, user)
    status = client.get(f"/exchange/iati/jobs/{job.id}/status").get_json()
    # exchange.js stops polling on any state but queued and running, and reloads the page to show it.
    assert status["status"] == "interrupted" and status["status_label"] == "interrupted"
    page = " ".join(client.get(f"/exchange/iati/jobs/{job.id}").get_data(as_text=True).split())
    assert "data-status-url" not in page  # no more polling
    assert "An interrupted import stopped before it ended" in page and "Upload the file again" in page
    listed = client.get("/exchange/").get_data(as_text=True)
    assert "<td>interrupted</td>" in listed and "<td>running</td>" not in listed
    script = client.get("/static/js/exchange.js").get_data(as_text=True)
    assert 'job.status !== "queued" && job.status !== "running"' in script

    user.language = "fr"
    session.commit()
    assert client.get(f"/exchange/iati/jobs/{job.id}/status").get_json()["status_label"] == "interrompu"
    page = " ".join(client.get(f"/exchange/iati/jobs/{job.id}").get_data(as_text=True).split())
    assert "Importez de nouveau le fichier" in page


def test_a_running_job_with_a_recent_heartbeat_is_still_running(client, session, app, monkeypatch):
    monkeypatch.setitem(app.config, "IMPORT_JOB_STALE_SECONDS", 300)
    user = f.make_user(session, "coordinator", org="UNODC")
    job = _job_left_running(session, user, minutes_ago=60)
    job.heartbeat_at = dt.datetime.now(dt.timezone.utc) - dt.timedelta(seconds=30)  # a long import, still beating
    session.commit()
    login(client, user)
    assert client.get(f"/exchange/iati/jobs/{job.id}/status").get_json()["status"] == "running"
    assert "data-status-url" in client.get(f"/exchange/iati/jobs/{job.id}").get_data(as_text=True)
    monkeypatch.setitem(app.config, "IMPORT_JOB_STALE_SECONDS", 10)
    assert client.get(f"/exchange/iati/jobs/{job.id}/status").get_json()["status"] == "interrupted"


def test_the_worker_shows_it_is_alive_while_it_imports(client, session, app, monkeypatch, backend):
    """PostgreSQL: the worker's heartbeat is committed per batch, seen by every process. SQLite allows one writer,
    which the import is from its first write to its commit: the write lock it holds is its proof of life."""
    import adam.iati.importer as importer
    from adam.exchange import jobs

    monkeypatch.setitem(app.config, "IMPORT_JOBS_INLINE", True)
    login(client, f.make_user(session, "coordinator", org="UNODC"))
    session.commit()
    seen = []
    real_import = importer.import_files

    def import_in_small_batches(s, paths, progress, **options):
        def watched(done, total, activities):
            progress(done, total, activities)
            with db.engine.connect() as conn:
                job_id, started = conn.execute(select(ImportJob.id, ImportJob.created_at)).one()
                if backend == "postgresql":
                    beat = conn.scalar(select(ImportJob.heartbeat_at).where(ImportJob.id == job_id))
                    seen.append(beat)
                else:  # an old heartbeat, and yet alive: the import holds the write lock
                    old = ImportJob(id=job_id, status="running", created_at=started,
                                    heartbeat_at=dt.datetime.now(dt.timezone.utc) - dt.timedelta(hours=1))
                    seen.append(jobs.shown_statuses([old], stale_seconds=1)[job_id])
        return real_import(s, paths, progress=watched, batch_size=5, **options)

    monkeypatch.setattr(importer, "import_files", import_in_small_batches)
    before = dt.datetime.now(dt.timezone.utc)
    upload(client, (FIXTURES / "dportal-ebola-0-sample.xml").read_bytes(), "ebola.xml")
    assert len(seen) >= 3  # 14 activities in batches of 5, then the end
    if backend == "postgresql":
        assert all(beat is not None and beat >= before for beat in seen)
        assert seen == sorted(seen) and seen[-1] > seen[0]  # moved on with the batches
    else:
        assert set(seen) == {"running"}
    assert session.scalars(select(ImportJob)).one().status == "done"


def test_a_new_upload_sweeps_the_files_left_by_jobs_that_ended_without_deleting_them(client, session, app,
                                                                                      monkeypatch):
    import os
    from pathlib import Path

    monkeypatch.setitem(app.config, "IMPORT_JOBS_INLINE", True)
    monkeypatch.setitem(app.config, "IMPORT_JOB_STALE_SECONDS", 300)
    user = f.make_user(session, "coordinator", org="UNODC")
    dead = _job_left_running(session, user, minutes_ago=3 * 24 * 60)  # its process died mid-import
    alive = _job_left_running(session, user, minutes_ago=2 * 24 * 60)  # a very long import, still beating
    alive.heartbeat_at = dt.datetime.now(dt.timezone.utc) - dt.timedelta(seconds=30)
    done = _job_left_running(session, user, minutes_ago=2 * 24 * 60)
    done.status = "done"
    recent = _job_left_running(session, user, minutes_ago=30)  # interrupted, but within the day
    session.commit()
    root = Path(app.instance_path) / "imports"
    root.mkdir(parents=True, exist_ok=True)
    two_days_ago = time.time() - 2 * 24 * 3600
    folders = {}
    for name, job_id, age in (("dead", dead.id, two_days_ago), ("alive", alive.id, two_days_ago),
                              ("done", done.id, two_days_ago), ("recent", recent.id, time.time()),
                              ("gone", 999_999, two_days_ago)):
        folder = folders[name] = root / f"job-{job_id}-ab12cd34"
        folder.mkdir()
        (folder / "donor.xml").write_text("<iati-activities/>")
        os.utime(folder, (age, age))
    other = root / "notes.txt"  # not an upload folder: left alone
    other.write_text("x")
    os.utime(other, (two_days_ago, two_days_ago))
    login(client, user)
    try:
        assert upload(client, document(activity("XM-SWEEP-1")).encode()).status_code == 302
        left = {name for name, folder in folders.items() if folder.exists()}
        assert left == {"alive", "recent"} and other.exists()
    finally:
        for folder in folders.values():
            shutil.rmtree(folder, ignore_errors=True)
        other.unlink(missing_ok=True)
