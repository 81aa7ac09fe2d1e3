"""Importing IATI files into the register: idempotent, organisations matched, children written, history kept."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import func, select

from adam.iati.importer import check_imported_projects, import_files
from adam.models import (
    IatiActivitySource,
    Organisation,
    OrganisationAlias,
    Project,
    ProjectChange,
    ProjectRelatedActivity,
    ProjectSector,
)
from adam.refdata import set_aliases
from tests import factories as f
from tests.iati.xml import FIXTURES, activity, write

FULL = activity("XM-DAC-41128-TJK-1", title="Border liaison offices in Tajikistan", body=(
    '<description><narrative>Training and equipment for border posts.</narrative></description>'
    '<reporting-org ref="XM-DAC-41128" type="40"><narrative>UNODC</narrative></reporting-org>'
    '<participating-org role="1" ref="GB-GOV-1" type="10"><narrative>United Kingdom</narrative></participating-org>'
    '<participating-org role="4" ref="XM-DAC-41128"><narrative>UNODC</narrative></participating-org>'
    '<participating-org role="3"><narrative>Border Management Programme Office</narrative></participating-org>'
    '<activity-status code="2"/>'
    '<activity-date type="1" iso-date="2024-01-01"/><activity-date type="3" iso-date="2025-12-31"/>'
    '<recipient-country code="TJ"/><recipient-region code="619"/>'
    '<sector code="16063" vocabulary="1"/><sector code="15130" vocabulary="1"/>'
    '<budget type="1"><period-start iso-date="2024-01-01"/><value currency="GBP">1000000</value></budget>'
    '<related-activity ref="GB-GOV-1-300123" type="1"/>'
    '<contact-info><person-name><narrative>A. Rahimov</narrative></person-name>'
    '<email>a.rahimov@example.org</email></contact-info>'))


def count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def project(session, identifier: str) -> Project:
    return session.scalars(select(Project).where(Project.iati_identifier == identifier)).one()


def test_imports_every_mapped_field(session, tmp_path):
    report = import_files(session, [write(tmp_path, FULL)])
    session.commit()
    assert (report.seen, report.created, report.rejected) == (1, 1, 0)
    p = project(session, "XM-DAC-41128-TJK-1")
    assert p.title == "Border liaison offices in Tajikistan"
    assert p.summary == "Training and equipment for border posts."
    assert p.language == "en" and p.status == "ongoing"
    assert (p.planned_start_on, p.planned_end_on) == (dt.date(2024, 1, 1), dt.date(2025, 12, 31))
    assert (p.starts_on, p.ends_on) == (dt.date(2024, 1, 1), dt.date(2025, 12, 31))
    assert (p.budget_amount, p.budget_currency, p.budget_usd) == (Decimal("1000000.00"), "GBP", Decimal("1270000.00"))
    unodc = f.organisation(session, "UNODC")
    assert p.owner_organisation == unodc  # matched by its IATI ref, not created again
    assert [(x.organisation.acronym, x.amount, x.currency) for x in p.funders] == [("UK", Decimal("1000000.00"), "GBP")]
    assert sorted(o.name for o in p.implementers) == ["Border Management Programme Office",
                                                      "United Nations Office on Drugs and Crime"]
    assert [c.iso3 for c in p.countries] == ["TJK"] and [r.code for r in p.regions] == ["dac-619"]
    assert [(s.vocabulary, s.code) for s in p.sectors] == [("1", "16063"), ("1", "15130")]
    assert [x.number for x in p.pillars] == [1]
    assert sorted(t.code for t in p.themes) == ["interdiction", "legal-frameworks"]
    assert [(r.iati_identifier, r.kind, r.relation_type) for r in p.related_activities] == [
        ("GB-GOV-1-300123", "related-activity", "1")]
    assert (p.contact_name, p.contact_email) == ("A. Rahimov", "a.rahimov@example.org")
    (change,) = session.scalars(select(ProjectChange).where(ProjectChange.project_id == p.id)).all()
    assert change.action == "imported" and "activities.xml" in change.note
    assert report.project_ids == [p.id]


def test_second_import_of_the_same_file_creates_and_changes_nothing(session, tmp_path):
    path = write(tmp_path, FULL, activity("XM-OTHER-2", body='<recipient-country code="KG"/>'))
    import_files(session, [path])
    session.commit()
    before = {m: count(session, m) for m in (Project, Organisation, OrganisationAlias, ProjectChange, ProjectSector)}
    versions = dict(session.execute(select(Project.iati_identifier, Project.version)).all())
    again = import_files(session, [path])
    session.commit()
    assert (again.seen, again.created, again.updated, again.unchanged) == (2, 0, 0, 2)
    assert {m: count(session, m) for m in before} == before
    assert dict(session.execute(select(Project.iati_identifier, Project.version)).all()) == versions
    assert again.project_ids == []


def test_changed_activity_updates_the_same_project_and_replaces_children(session, tmp_path):
    import_files(session, [write(tmp_path, FULL)])
    session.commit()
    first = project(session, "XM-DAC-41128-TJK-1")
    first_id, first_version = first.id, first.version
    changed = FULL.replace('code="TJ"', 'code="KG"').replace("Tajikistan", "Kyrgyzstan").replace(
        '<activity-status code="2"/>', '<activity-status code="4"/>')
    report = import_files(session, [write(tmp_path, changed, name="v2.xml")])
    session.commit()
    assert (report.created, report.updated) == (0, 1)
    p = project(session, "XM-DAC-41128-TJK-1")
    assert p.id == first_id and p.version == first_version + 1
    assert p.title == "Border liaison offices in Kyrgyzstan" and p.status == "completed"
    assert [c.iso3 for c in p.countries] == ["KGZ"]
    assert len(p.funders) == 1 and len(p.sectors) == 2  # replaced, not added to
    changes = session.scalars(select(ProjectChange).where(ProjectChange.project_id == p.id)
                              .order_by(ProjectChange.id)).all()
    assert [c.action for c in changes] == ["imported", "imported"]
    assert changes[1].changes["title"] == ["Border liaison offices in Tajikistan", "Border liaison offices in Kyrgyzstan"]
    assert changes[1].changes["status"] == ["ongoing", "completed"]
    assert session.get(IatiActivitySource, p.id).source_file == "v2.xml"


def test_re_import_keeps_a_coordinators_pillars(session, tmp_path):
    import_files(session, [write(tmp_path, FULL)])
    session.commit()
    p = project(session, "XM-DAC-41128-TJK-1")
    p.pillars.append(f.pillar(session, 3))
    session.commit()
    import_files(session, [write(tmp_path, FULL.replace("Tajikistan", "TJ"), name="v2.xml")])
    session.commit()
    assert [x.number for x in project(session, "XM-DAC-41128-TJK-1").pillars] == [1, 3]


def test_same_activity_twice_in_one_import_is_one_project(session, tmp_path):
    a = write(tmp_path, FULL, name="a.xml")
    b = write(tmp_path, FULL.replace("Tajikistan", "TJK"), name="b.xml")
    report = import_files(session, [a, b])
    session.commit()
    assert (report.seen, report.created, report.updated) == (2, 1, 1)
    assert count(session, Project) == 1
    assert project(session, "XM-DAC-41128-TJK-1").title == "Border liaison offices in TJK"  # the last one wins


def test_organisations_matched_by_ref_then_alias_else_created_once(session, tmp_path):
    australia = Organisation(name="Government of Australia", acronym="AU", type="bilateral_donor")
    session.add(australia)
    session.flush()
    set_aliases(australia, [("Australian Aid Program", "en"), ("DFAT - Australian Aid Program", "en")], session)
    session.commit()
    orgs_before = count(session, Organisation)
    donors = [activity(f"XM-AU-{n}", body=f'<participating-org role="1"><narrative>{name}</narrative>'
                                           f'</participating-org><recipient-country code="TL"/>')
              for n, name in enumerate(["Australian Aid Program", "DFAT - Australian Aid Program",
                                        "australian aid  program", "Sweden", "SWEDEN"])]
    report = import_files(session, [write(tmp_path, *donors)])
    session.commit()
    funders = [project(session, f"XM-AU-{n}").funders[0].organisation.name for n in range(5)]
    assert funders == ["Government of Australia"] * 3 + ["Sweden", "Sweden"]
    assert count(session, Organisation) == orgs_before + 1 and report.organisations_created == 1
    sweden = session.scalars(select(Organisation).where(Organisation.name == "Sweden")).one()
    assert [a.key for a in sweden.aliases] == ["sweden"]  # its name is an alias, so later imports find it


def test_new_organisation_keeps_a_well_formed_ref_and_the_ref_finds_it_again(session, tmp_path):
    first = activity("XM-1", body='<participating-org role="4" ref="XM-OCHA-CBPF" type="40">'
                                  '<narrative>OCHA Pooled Fund</narrative></participating-org>'
                                  '<participating-org role="1" ref="5062"><narrative>Odd Ref Donor</narrative>'
                                  '</participating-org>')
    second = activity("XM-2", body='<participating-org role="4" ref="XM-OCHA-CBPF">'
                                   '<narrative>Country-Based Pooled Fund</narrative></participating-org>')
    import_files(session, [write(tmp_path, first, second)])
    session.commit()
    fund = session.scalars(select(Organisation).where(Organisation.iati_identifier == "XM-OCHA-CBPF")).one()
    assert fund.name == "OCHA Pooled Fund" and fund.type == "multilateral"
    assert project(session, "XM-2").implementers == [fund]
    assert "country-based pooled fund" in {a.key for a in fund.aliases}
    odd = session.scalars(select(Organisation).where(Organisation.name == "Odd Ref Donor")).one()
    assert odd.iati_identifier is None  # "5062" is not an IATI organisation identifier


def test_errors_are_reported_per_activity_and_never_abort_the_file(session, tmp_path):
    path = write(tmp_path,
                 activity(None, title="No identifier"),
                 activity("XM-BAD-DATE", body='<activity-date type="1" iso-date="31/12/2024"/>'),
                 activity("XM-UNKNOWN", body='<recipient-country code="QQ"/><sector code="00000"/>'),
                 activity("XM-FINE"))
    report = import_files(session, [path, FIXTURES / "dportal-empty-result.xml"])
    session.commit()
    assert (report.seen, report.created, report.rejected) == (4, 3, 1)
    assert [(e.file, "not readable" in e.message) for e in report.file_errors] == [("dportal-empty-result.xml", True)]
    by_position = {a.position: a for a in report.activities}
    assert by_position[1].outcome == "rejected" and by_position[1].messages == ["error: missing iati-identifier"]
    assert by_position[2].outcome == "created" and "bad date '31/12/2024'" in by_position[2].messages[0]
    assert by_position[3].messages == ["warning: unknown recipient-country code 'QQ', ignored",
                                       "warning: unknown sector code '00000' in vocabulary 1"]
    assert 4 not in by_position  # nothing to say about a clean activity
    assert report.seen == report.created + report.updated + report.unchanged + report.rejected


def test_ignore_links_skips_stated_links(session, tmp_path):
    import_files(session, [write(tmp_path, FULL)], ignore_links=True)
    session.commit()
    assert count(session, ProjectRelatedActivity) == 0


def test_default_country_for_aid_register_files(session):
    report = import_files(session, [FIXTURES / "NigeriaAIMS-12.xml"], default_country={"NigeriaAIMS-12": "NGA"})
    session.commit()
    assert (report.seen, report.created) == (12, 12)
    took = [a for a in report.activities if any("took the file's country NGA" in m for m in a.messages)]
    assert len(took) == 2
    nigeria = f.country(session, "NGA")
    projects = session.scalars(select(Project)).all()
    assert all(p.countries == [nigeria] for p in projects)


def test_progress_reports_bytes_and_activities(session, tmp_path):
    path = write(tmp_path, *[activity(f"XM-{n}") for n in range(7)])
    calls = []
    import_files(session, [path], progress=lambda done, total, n: calls.append((done, total, n)), batch_size=3)
    size = path.stat().st_size
    assert calls[-1] == (size, size, 7)
    assert [n for _, _, n in calls] == sorted(n for _, _, n in calls)


def test_parallel_parsing_gives_the_same_result(session, tmp_path):
    paths = [FIXTURES / "dportal-ebola-0-sample.xml", FIXTURES / "global-fund.xml"]
    report = import_files(session, paths, parallel=True)
    session.commit()
    assert report.files == ["dportal-ebola-0-sample.xml", "global-fund.xml"]
    assert (report.seen, report.created, report.rejected) == (21, 14, 7)  # the 1.0 grants have no iati-identifier
    again = import_files(session, paths, parallel=False)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 14)


def test_several_parse_workers_keep_the_file_order(session, tmp_path):
    # Five files over two workers: events come back in file order, so the later file's version of a repeated
    # activity is the one kept, as in a single-process import.
    paths = [write(tmp_path, activity(f"XM-F{n}"), activity("XM-DUP", title=f"Version {n}"), name=f"f{n}.xml")
             for n in range(5)]
    report = import_files(session, paths, parallel=True, workers=2)
    session.commit()
    assert report.files == [f"f{n}.xml" for n in range(5)]
    assert (report.seen, report.created, report.updated) == (10, 6, 4)
    assert session.scalar(select(Project.title).where(Project.iati_identifier == "XM-DUP")) == "Version 4"


def test_overlap_hook_runs_the_given_check_on_written_projects(session, tmp_path):
    report = import_files(session, [write(tmp_path, FULL)])
    seen = check_imported_projects(session, report.project_ids, lambda s, p: p.iati_identifier)
    assert seen == [(report.project_ids[0], "XM-DAC-41128-TJK-1")]
    assert check_imported_projects(session, report.project_ids) == []
