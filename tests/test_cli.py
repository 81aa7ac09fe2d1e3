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
