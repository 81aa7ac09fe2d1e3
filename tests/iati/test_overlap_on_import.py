"""Imported projects pass through the overlap check: matches recorded, focal points told, the report counts them."""
from __future__ import annotations

import datetime as dt
import io

import pytest
from sqlalchemy import select

from adam.exchange.overlap_hook import check_projects
from adam.iati.importer import import_files
from adam.models import Notification, OverlapAcknowledgement, Project
from tests import factories as f
from tests.helpers import login
from tests.iati.xml import activity, document, write

TITLE = "Container profiling training for customs officers in Dushanbe"
SAME = activity("XM-IMPORTED-1", title=TITLE, body=(
    '<participating-org role="1"><narrative>Japan</narrative></participating-org>'
    '<participating-org role="4"><narrative>UNODC</narrative></participating-org>'
    '<activity-date type="1" iso-date="2024-03-01"/><activity-date type="3" iso-date="2024-10-31"/>'
    '<recipient-country code="TJ"/><sector code="33120" vocabulary="1"/>'))
OTHER = activity("XM-IMPORTED-2", title="Methadone maintenance in prisons", body=(
    '<participating-org role="4"><narrative>WHO</narrative></participating-org>'
    '<activity-date type="1" iso-date="2019-01-01"/><recipient-country code="KZ"/>'))


def _register(session):
    existing = f.make_project(session, TITLE, donors=("UK",), start=dt.date(2024, 3, 1), end=dt.date(2024, 10, 31))
    focal = f.make_user(session, "focal_point", org="UK")
    coordinator = f.make_user(session, "coordinator", org="UNODC")
    session.commit()
    return existing, focal, coordinator


@pytest.mark.parametrize("threshold", [0, 1000], ids=["batch", "single"])
def test_imported_projects_get_their_overlaps_recorded(session, tmp_path, threshold):
    existing, focal, coordinator = _register(session)
    report = import_files(session, [write(tmp_path, SAME, OTHER)], user_id=coordinator.id)
    summary = check_projects(session, report.project_ids, coordinator, batch_threshold=threshold)
    session.commit()
    imported = session.scalar(select(Project).where(Project.iati_identifier == "XM-IMPORTED-1"))
    assert (summary.checked, summary.with_overlaps) == (2, 1)
    assert summary.path == ("batch" if threshold == 0 else "single")
    found = session.scalars(select(OverlapAcknowledgement)).all()
    assert [(a.project_id, a.other_project_id, a.acknowledged) for a in found] == [(imported.id, existing.id, False)]
    assert summary.matches == 1 and found[0].score > 0 and found[0].signals
    # The existing project's focal point hears of it; the importing coordinator does not notify themself.
    notes = session.scalars(select(Notification)).all()
    assert [(n.user_id, n.project_id) for n in notes] == [(focal.id, imported.id)]
    assert TITLE in notes[0].message


def test_both_paths_record_the_same_matches(session, tmp_path):
    existing, _, coordinator = _register(session)
    report = import_files(session, [write(tmp_path, SAME, OTHER)], user_id=coordinator.id)
    single = check_projects(session, report.project_ids, coordinator, batch_threshold=1000)
    one = [(a.project_id, a.other_project_id, a.score, a.label) for a in session.scalars(select(OverlapAcknowledgement))]
    session.rollback()
    report = import_files(session, [write(tmp_path, SAME, OTHER)], user_id=coordinator.id)
    batch = check_projects(session, report.project_ids, coordinator, batch_threshold=0)
    other = [(a.project_id, a.other_project_id, a.score, a.label) for a in session.scalars(select(OverlapAcknowledgement))]
    assert (single.with_overlaps, single.matches) == (batch.with_overlaps, batch.matches) == (1, 1)
    assert [x[1:] for x in one] == [x[1:] for x in other] and one[0][1] == existing.id


def test_import_page_report_says_how_many_imported_projects_may_overlap(client, session, app, monkeypatch):
    monkeypatch.setitem(app.config, "IMPORT_JOBS_INLINE", True)
    _, _, coordinator = _register(session)
    login(client, coordinator)
    data = document(SAME, OTHER).encode()
    response = client.post("/exchange/iati/import", data={"file": (io.BytesIO(data), "a.xml"), "default_country": ""},
                           content_type="multipart/form-data")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "The overlap check ran on 2 imported projects" in page
    assert "<strong>1</strong> has possible overlaps" in page and "/overlaps/" in page
    # ... and the coordinators' report lists the pair.
    report = client.get("/overlaps/").get_data(as_text=True)
    assert TITLE in report
