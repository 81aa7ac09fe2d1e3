"""IATI export: valid against the 2.03 schema, and export then import gives the same projects."""
from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from lxml import etree
from sqlalchemy import select

from adam.iati.exporter import export_bytes, write_activities
from adam.iati.importer import import_files
from adam.models import Project, ProjectLocation, ProjectRelatedActivity, ProjectSector
from tests import factories as f
from tests.iati.xml import FIXTURES


@pytest.fixture(scope="module")
def schema(shared_data):
    path = shared_data / "iati-schema" / "iati-activities-schema.xsd"
    if not path.exists():
        pytest.skip(f"IATI schema not found at {path}")
    return etree.XMLSchema(etree.parse(str(path)))


def assert_valid(schema, xml: bytes) -> None:
    document = etree.fromstring(xml)
    if not schema.validate(document):
        raise AssertionError("\n".join(str(e) for e in list(schema.error_log)[:10]))


def rich_project(session, title="Container profiling training for customs officers", **kw):
    project = f.make_project(
        session, title, summary="Risk profiling of sea containers at Bandar Abbas and Karachi.",
        countries=("PAK", "IRN"), regions=("dac-619",), pillars=(1,), themes=("container-control", "capacity-building"),
        donors=("UK", "JP"), implementers=("UNODC",), owner="UNODC", status="ongoing", activity_type="training",
        start=dt.date(2024, 2, 1), end=dt.date(2025, 1, 31), budget=Decimal("480000.50"), currency="EUR",
        contact_name="Jane Doe", contact_email="jane.doe@example.org", language="en", **kw)
    project.funders[0].amount, project.funders[0].currency = Decimal("300000"), "EUR"
    project.funders[1].amount, project.funders[1].currency = Decimal("180000.50"), "EUR"
    project.actual_start_on = dt.date(2024, 3, 1)
    project.description = "Objectives: better targeting.\n\nActivities: mentoring."
    project.sectors = [ProjectSector(vocabulary="1", code="16063", percentage=Decimal("100"))]
    project.related_activities = [ProjectRelatedActivity(iati_identifier="GB-GOV-1-300500", kind="related-activity",
                                                         relation_type="1")]
    project.locations = [ProjectLocation(name="Port of Karachi")]
    session.flush()
    return project


def snapshot(project: Project) -> dict:
    return {
        "title": project.title, "summary": project.summary, "description": project.description,
        "status": project.status, "activity_type": project.activity_type, "language": project.language,
        "dates": (project.planned_start_on, project.actual_start_on, project.planned_end_on, project.actual_end_on),
        "budget": (project.budget_amount, project.budget_currency),
        "contact": (project.contact_name, project.contact_email),
        "owner": project.owner_organisation.name if project.owner_organisation else None,
        "funders": sorted((x.organisation.name, x.amount, x.currency) for x in project.funders),
        "implementers": sorted(o.name for o in project.implementers),
        "countries": sorted(c.iso3 for c in project.countries),
        "regions": sorted(r.code for r in project.regions),
        "pillars": sorted(p.number for p in project.pillars),
        "themes": sorted(t.code for t in project.themes),
        "sectors": sorted((s.vocabulary, s.code, s.percentage) for s in project.sectors),
        "related": sorted((r.iati_identifier, r.kind, r.relation_type) for r in project.related_activities),
        "locations": sorted(x.name for x in project.locations),
    }


def test_export_is_valid_iati_2_03(session, schema):
    rich_project(session, iati_identifier="XM-DAC-41128-PAK-7")
    # A sparse project: no summary, dates, budget, owner or organisations; the export still validates
    bare = Project(title="Bare project", status="pipeline")
    session.add(bare)
    session.flush()
    xml = export_bytes(session.scalars(select(Project).order_by(Project.id)).all())
    assert_valid(schema, xml)
    root = etree.fromstring(xml)
    assert root.get("version") == "2.03"
    identifiers = root.xpath("//iati-identifier/text()")
    assert identifiers == ["XM-DAC-41128-PAK-7", f"ADAM-{bare.id}"]


def test_export_of_imported_real_files_is_valid(session, schema):
    import_files(session, [FIXTURES / "dportal-ebola-0-sample.xml", FIXTURES / "NigeriaAIMS-12.xml"])
    projects = session.scalars(select(Project)).all()
    assert len(projects) == 26
    assert_valid(schema, export_bytes(projects))


def test_export_then_import_gives_the_same_projects(session):
    originals = [rich_project(session, iati_identifier="XM-DAC-41128-PAK-7"),
                 rich_project(session, "Precursor control laboratory", iati_identifier="XM-DAC-41128-IRN-2")]
    originals[1].pillars = [f.pillar(session, 3)]
    originals[1].themes = [f.theme(session, "forensics")]
    originals[1].status = "completed"
    session.commit()
    before = {p.iati_identifier: snapshot(p) for p in originals}
    buffer = io.BytesIO()
    assert write_activities(originals, buffer) == 2
    for project in originals:
        session.delete(project)  # the ORM clears the link tables too
    session.commit()
    assert session.scalars(select(Project)).all() == []

    buffer.seek(0)
    buffer.name = "export.xml"
    report = import_files(session, [buffer])
    session.commit()
    assert (report.created, report.rejected) == (2, 0), report.activities
    after = {p.iati_identifier: snapshot(p) for p in session.scalars(select(Project))}
    for identifier, fields in before.items():
        assert {k: v for k, v in after[identifier].items() if v != fields[k]} == {}, identifier


def test_importing_adam_s_own_export_updates_its_projects_instead_of_duplicating_them(session):
    """Projects with no IATI identifier are exported as "<reporting-org ref>-ADAM-<id>"; that file imported back
    (a round trip through another system, or by mistake) must not register every project a second time."""
    unodc = f.organisation(session, "UNODC")
    unodc.iati_identifier = unodc.iati_identifier or "XM-TEST-UNODC"
    ref = unodc.iati_identifier
    plain = rich_project(session)
    orphan = f.make_project(session, "Canine unit development for Georgia", donors=(), implementers=(), owner=None)
    session.commit()
    before = snapshot(plain)
    xml = export_bytes([plain, orphan])
    assert f"{ref}-ADAM-{plain.id}".encode() in xml and f"<iati-identifier>ADAM-{orphan.id}<".encode() in xml
    buffer = io.BytesIO(xml)
    buffer.name = "export.xml"
    report = import_files(session, [buffer])
    session.commit()
    assert report.created == 0 and report.rejected == 0, report.activities
    assert session.scalars(select(Project.id).order_by(Project.id)).all() == sorted([plain.id, orphan.id])
    session.expire_all()
    plain = session.get(Project, plain.id)
    assert plain.iati_identifier == f"{ref}-ADAM-{plain.id}"
    assert {k: v for k, v in snapshot(plain).items() if v != before[k]} == {}
    # an identifier of that shape that is not the one ADAM gives the project (another id, another organisation)
    # is a new activity, as before
    other = xml.replace(f"{ref}-ADAM-{plain.id}".encode(), f"XM-DAC-47066-ADAM-{orphan.id}".encode())
    buffer = io.BytesIO(other)
    buffer.name = "other.xml"
    assert import_files(session, [buffer]).created == 1


def test_text_that_xml_cannot_carry_is_left_out_of_the_export(session, schema):
    # U+FFFE and U+FFFF are not XML characters, nor a control character in an identifier typed in a form or the API:
    # the export drops them instead of failing half-way through the file.
    project = rich_project(session, "Bad \x01 title", iati_identifier="XM-\x02DAC-1")
    project.summary, project.description = "Sum\ufffemary", "Desc\uffffription \x1f"
    session.flush()
    xml = export_bytes([project])
    assert_valid(schema, xml)
    activity = etree.fromstring(xml)[0]
    assert activity.findtext("iati-identifier") == "XM-DAC-1"
    assert [d.findtext("narrative") for d in activity.findall("description")] == ["Summary", "Description "]
