"""Command-line commands as a script would run them: clear errors and exit codes, never a traceback."""
from __future__ import annotations

import pytest

from tests import factories as f


@pytest.mark.parametrize("args", [
    ["export-iati", "-o", "{missing}/activities.xml"],
    ["backup", "{missing}/backup.jsonl.gz"],
    ["overlap-report", "--out", "{missing}/overlaps.csv"],
    ["import-iati", "{xml}", "--report", "{missing}/report.json"],
])
def test_an_output_file_in_a_missing_folder_is_a_usage_error_before_any_work(app, session, tmp_path, args):
    f.make_project(session, "Container profiling training")
    session.commit()
    xml = tmp_path / "one.xml"
    xml.write_text('<iati-activities version="2.03"/>', encoding="utf-8")
    values = {"missing": tmp_path / "no-such-folder", "xml": xml}
    result = app.test_cli_runner().invoke(args=[a.format(**values) for a in args])
    assert result.exit_code == 2, result.output
    assert "no-such-folder" in result.output and "does not exist" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_import_iati_exits_with_1_when_a_file_could_not_be_read_and_still_imports_the_others(app, session, tmp_path):
    from adam.models import Project
    from tests.iati.xml import activity, document

    good = tmp_path / "good.xml"
    good.write_text(document(activity("XM-CLI-1")), encoding="utf-8")
    broken = tmp_path / "broken.xml"
    broken.write_text("<iati-activities><iati-activity>", encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["import-iati", "--no-overlap-check", str(good), str(broken)])
    assert result.exit_code == 1, result.output
    assert "broken.xml: not readable as IATI XML" in result.output
    session.expire_all()
    assert session.query(Project).filter_by(iati_identifier="XM-CLI-1").count() == 1


@pytest.mark.parametrize("email, name, complaint", [
    ("not-an-address", "Ada Admin", "e-mail address"),
    ("", "Ada Admin", "e-mail address"),
    ("ada@example.org", "   ", "name"),
])
def test_create_user_refuses_an_address_or_name_no_one_could_sign_in_with(app, session, email, name, complaint):
    from adam.models import User

    result = app.test_cli_runner().invoke(args=["create-user", "--email", email, "--name", name,
                                                "--password", "a long enough password 42"])
    assert result.exit_code == 2, result.output
    assert complaint in result.output
    session.expire_all()
    assert session.query(User).filter(User.role == "admin").count() == 0


def test_create_user_creates_the_first_administrator(app, session):
    from adam.models import User

    result = app.test_cli_runner().invoke(args=["create-user", "--email", " Ada@Example.org ", "--name", " Ada ",
                                                "--password", "a long enough password 42"])
    assert result.exit_code == 0, result.output
    session.expire_all()
    user = session.query(User).filter_by(email="ada@example.org").one()
    assert (user.name, user.role) == ("Ada", "admin")


@pytest.mark.parametrize("value", ["XXX", "one.xml=QQ"])
def test_import_iati_refuses_an_unknown_default_country_before_importing(app, session, tmp_path, value):
    # Ignored, it left the register's activities without any country and said nothing.
    from adam.models import Project
    from tests.iati.xml import activity, document

    path = tmp_path / "one.xml"
    path.write_text(document(activity("XM-NO-COUNTRY")), encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["import-iati", "--no-overlap-check", "--default-country", value,
                                                str(path)])
    assert result.exit_code == 2, result.output
    assert "unknown country" in result.output
    session.expire_all()
    assert session.query(Project).count() == 0


@pytest.mark.parametrize("args, complaint", [
    (["overlap-report", "--from", "2026-01-01", "--to", "2020-01-01", "--out", "{tmp}/o.csv"], "--to"),
    (["demo", "--count", "-5"], "--count"),
])
def test_arguments_that_make_no_sense_are_usage_errors(app, session, tmp_path, args, complaint):
    result = app.test_cli_runner().invoke(args=[a.format(tmp=tmp_path) for a in args])
    assert result.exit_code == 2, result.output
    assert complaint in result.output


def test_import_iati_reads_the_xml_files_of_a_folder_whatever_the_case_of_their_suffix(app, session, tmp_path):
    from adam.models import Project
    from tests.iati.xml import activity, document

    (tmp_path / "sub").mkdir()
    (tmp_path / "lower.xml").write_text(document(activity("XM-DIR-1")), encoding="utf-8")
    (tmp_path / "UPPER.XML").write_text(document(activity("XM-DIR-2")), encoding="utf-8")
    (tmp_path / "sub" / "mixed.Xml").write_text(document(activity("XM-DIR-3")), encoding="utf-8")
    (tmp_path / "notes.txt").write_text("not IATI", encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["import-iati", "--no-overlap-check", str(tmp_path)])
    assert result.exit_code == 0, result.output
    session.expire_all()
    imported = {p.iati_identifier for p in session.query(Project).filter(Project.iati_identifier.like("XM-DIR-%"))}
    assert imported == {"XM-DIR-1", "XM-DIR-2", "XM-DIR-3"}


def test_create_user_finds_the_organisation_whatever_the_case(app, session):
    from adam.models import User

    unodc = f.organisation(session, "UNODC", "multilateral")
    session.commit()
    result = app.test_cli_runner().invoke(args=["create-user", "--email", "focal@example.org", "--name", "Focal",
                                                "--role", "focal_point", "--organisation", " unodc ",
                                                "--password", "a long enough password 42"])
    assert result.exit_code == 0, result.output
    session.expire_all()
    assert session.query(User).filter_by(email="focal@example.org").one().organisation_id == unodc.id
    refused = app.test_cli_runner().invoke(args=["create-user", "--email", "other@example.org", "--name", "Other",
                                                 "--organisation", "No such body",
                                                 "--password", "a long enough password 42"])
    assert refused.exit_code == 1 and "No organisation named 'No such body'" in refused.output
