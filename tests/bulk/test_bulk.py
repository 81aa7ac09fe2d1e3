"""Spreadsheet bulk import: the template reads back, row errors say where and what, the commit is all or nothing."""
from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from adam.bulk.columns import COLUMN_NAMES
from adam.bulk.importer import BulkImportError, commit, dry_run
from adam.bulk.spreadsheet import SpreadsheetError, read_spreadsheet, template_csv, template_xlsx
from adam.models import Project, ProjectChange
from tests import factories as f

HEADER = "title,countries,pillars,donors,implementers,planned_start,planned_end,budget_amount,budget_currency,status"


def csv_bytes(*lines: str, header: str = HEADER) -> bytes:
    return ("\n".join([header, *lines]) + "\n").encode()


def projects(session) -> int:
    return session.scalar(select(func.count()).select_from(Project))


def test_templates_read_back_and_their_example_row_is_valid(session):
    coordinator = f.make_user(session, "coordinator", org="UNODC")
    for name, data in (("t.csv", template_csv()), ("t.xlsx", template_xlsx())):
        rows = read_spreadsheet(name, data)
        assert len(rows) == 1 and rows[0].line == 2
        report = dry_run(session, rows, coordinator)
        assert report.ok, report.rows[0].errors
    book = load_workbook(io.BytesIO(template_xlsx()))
    assert book.sheetnames == ["Projects", "Columns"]
    assert [c.value for c in book["Projects"][1]] == COLUMN_NAMES
    assert book["Columns"].max_row == len(COLUMN_NAMES) + 1  # every column documented


def test_row_errors_name_the_row_and_the_problem(session):
    coordinator = f.make_user(session, "coordinator", org="UNODC")
    f.make_project(session, "Existing", iati_identifier="XM-DAC-41128-1")
    rows = read_spreadsheet("p.csv", csv_bytes(
        "Good project,TJK,1,UK: 1000,UNODC,2025-01-01,2025-12-31,1000,USD,ongoing",
        "Bad country,Atlantis,1,UK,UNODC,2025-01-01,2025-12-31,,,ongoing",
        "Bad dates,TJK,1,UK,UNODC,01/02/2025,2024-12-31,,,ongoing",
        "Dates reversed,TJK,1,UK,UNODC,2025-06-01,2025-01-01,,,ongoing",
        ",TJK,,Nobody Known,UNODC,,,\"250,000\",USD,sleeping",
    ))
    report = dry_run(session, rows, coordinator)
    errors = {r.line: r.errors for r in report.rows}
    assert errors[2] == []
    assert errors[3] == ["Unknown country 'Atlantis'."]
    assert errors[4] == ["planned_start: '01/02/2025' is not a date; write YYYY-MM-DD."]
    assert errors[5] == ["planned_end: The end date must not be before the start date."]
    assert sorted(errors[6]) == sorted(["pillars: required.", "title: required.", "Unknown donor 'Nobody Known'.",
                                        "budget_amount: '250,000' is not a number (no thousands separators)."])
    assert not report.ok and report.error_count == 4
    assert projects(session) == 1  # a dry run writes nothing


def test_identifier_clashes_in_the_file_and_in_the_register(session):
    coordinator = f.make_user(session, "coordinator", org="UNODC")
    f.make_project(session, "Existing", iati_identifier="XM-DAC-41128-1")
    rows = read_spreadsheet("p.csv", csv_bytes(
        "A,TJK,1,UK,UNODC,XM-NEW-1", "B,TJK,1,UK,UNODC,XM-NEW-1", "C,TJK,1,UK,UNODC,XM-DAC-41128-1",
        header="title,countries,pillars,donors,implementers,iati_identifier"))
    errors = {r.line: r.errors for r in dry_run(session, rows, coordinator).rows}
    assert errors[3] == ["iati_identifier: XM-NEW-1 is also on row 2."]
    assert errors[4] == [f"iati_identifier: Project {session.scalar(select(Project.id))} already has the IATI identifier "
                         "XM-DAC-41128-1."]


def test_commit_is_all_or_nothing(session):
    coordinator = f.make_user(session, "coordinator", org="UNODC")
    session.commit()
    bad = read_spreadsheet("p.csv", csv_bytes("Fine,TJK,1,UK,UNODC,2025-01-01,2025-12-31,,,ongoing",
                                              "Broken,XXX,1,UK,UNODC,2025-01-01,2025-12-31,,,ongoing"))
    with pytest.raises(BulkImportError, match="^1 row has errors.$"):  # the page adds "Nothing was imported:"
        commit(session, bad, coordinator)
    assert projects(session) == 0

    good = read_spreadsheet("p.csv", csv_bytes(
        "Border posts,TJK; KGZ,1,UK: 600; Japan: 400,UNODC,2025-01-01,2025-12-31,1000,EUR,ongoing",
        "Drug treatment,Pakistan,4,Norway,UNODC,2025-02-01,,,,pipeline"))
    created = commit(session, good, coordinator)
    session.commit()
    assert [p.title for p in created] == ["Border posts", "Drug treatment"]
    border = created[0]
    assert sorted(c.iso3 for c in border.countries) == ["KGZ", "TJK"]
    assert [(x.organisation.acronym, x.amount) for x in border.funders] == [("UK", Decimal("600")), ("JP", Decimal("400"))]
    assert (border.budget_amount, border.budget_currency, border.budget_usd) == (Decimal("1000"), "EUR", Decimal("1080.00"))
    assert border.planned_start_on == dt.date(2025, 1, 1) and border.status == "ongoing"
    assert [c.iso3 for c in created[1].countries] == ["PAK"] and [p.number for p in created[1].pillars] == [4]
    actions = session.scalars(select(ProjectChange.action).where(ProjectChange.project_id == border.id)).all()
    assert actions == ["created"]


def test_focal_point_may_import_only_their_organisations_projects(session):
    focal = f.make_user(session, "focal_point", org="UK")
    rows = read_spreadsheet("p.csv", csv_bytes("Ours,TJK,1,UK,UNODC", "Not ours,TJK,1,Norway,UNODC",
                                               header="title,countries,pillars,donors,implementers"))
    errors = {r.line: r.errors for r in dry_run(session, rows, focal).rows}
    assert errors[2] == []
    assert errors[3] == ["donors: Government of the United Kingdom must be among the donors or implementers of "
                         "projects you register or edit."]


def test_xlsx_with_real_date_cells_and_semicolon_csv(session):
    coordinator = f.make_user(session, "coordinator", org="UNODC")
    book = Workbook()
    sheet = book.active
    sheet.append(["Title", "Countries", "Pillars", "Planned start", "Budget amount", "Budget currency"])
    sheet.append(["Precursor lab", "IRN", 3, dt.datetime(2025, 5, 1), 120000.0, "USD"])
    buffer = io.BytesIO()
    book.save(buffer)
    (row,) = read_spreadsheet("p.xlsx", buffer.getvalue())
    assert row.values["planned_start"] == "2025-05-01" and row.values["budget_amount"] == "120000"
    assert dry_run(session, [row], coordinator).ok
    (semi,) = read_spreadsheet("p.csv", b"title;countries;pillars\nLab;IRN;3\n")
    assert semi.values == {"title": "Lab", "countries": "IRN", "pillars": "3"}


@pytest.mark.parametrize(("name", "data", "message"), [
    ("p.csv", b"name,countries\nx,TJK\n", "no 'title' column"),
    ("p.csv", b"title,colour\nx,red\n", "Unknown column(s): colour"),
    ("p.csv", b"title,title\nx,y\n", "Column(s) named twice: title"),
    ("p.csv", "title\nCafé\n".encode("latin-1"), "not UTF-8"),
    ("p.xlsx", b"not a workbook", "Not a readable XLSX workbook"),
    ("p.pdf", b"%PDF", "Upload a .csv or .xlsx file"),
    ("p.csv", b"", "The file is empty"),
])
def test_unreadable_files_get_a_clear_message(name, data, message):
    with pytest.raises(SpreadsheetError, match=message.replace("(", "\\(").replace(")", "\\)")):
        read_spreadsheet(name, data)


def test_a_row_with_more_values_than_named_columns_is_an_error(session):
    coordinator = f.make_user(session, "coordinator", org="UNODC")
    # An unquoted comma in the last column: the rest of the summary used to be dropped without a word.
    rows = read_spreadsheet("p.csv", b"title,countries,pillars,summary\n"
                                     b"Lab,TJK,1,Training, mentoring and equipment\n"
                                     b"Quoted,TJK,1,\"Training, mentoring\"\n"
                                     b"Trailing empty cells,TJK,1,Training,,\n")
    errors = {r.line: r.errors for r in dry_run(session, rows, coordinator).rows}
    assert errors == {2: ["More values than columns: 'mentoring and equipment' has no column (a comma or semicolon "
                          "inside a cell needs quotes)."], 3: [], 4: []}
    book = Workbook()
    book.active.append(["title", "countries", "pillars"])
    book.active.append(["Lab", "TJK", 1, None, "a note right of the columns"])
    buffer = io.BytesIO()
    book.save(buffer)
    assert dry_run(session, read_spreadsheet("p.xlsx", buffer.getvalue()), coordinator).ok  # cells never shift there


def test_a_row_repeated_in_the_file_is_an_error_not_a_second_project(session):
    user = f.make_user(session, org="UK")
    row = "Precursor kits,TJK,3,UK,UNODC,2025-01-01,2025-12-31,1000,EUR,pipeline"
    other = "Precursor kits,UZB,3,UK,UNODC,2025-01-01,2025-12-31,1000,EUR,pipeline"
    report = dry_run(session, read_spreadsheet("p.csv", csv_bytes(row, other, row)), user)
    assert [r.errors for r in report.rows] == [[], [], ["The same as row 2: remove one of them."]]
    with pytest.raises(BulkImportError):
        commit(session, read_spreadsheet("p.csv", csv_bytes(row, row)), user)
    assert projects(session) == 0


def test_a_refused_commit_is_worded_in_the_readers_language_with_its_plural(app):
    from flask_babel import force_locale

    from adam.i18n import translate_error
    from adam.messages import Message, ngettext

    with app.test_request_context(), force_locale("ru"):
        for count, said in ((1, "1 строка содержит ошибки."), (3, "3 строки содержат ошибки."),
                            (5, "5 строк содержат ошибки.")):
            error = BulkImportError(ngettext("%(num)s row has errors.", "%(num)s rows have errors.", count))
            assert translate_error(error) == said
    with app.test_request_context(), force_locale("fr"):
        error = BulkImportError(Message("Row %(line)s:", line=4), "title: required.")
        assert str(error) == "Row 4: title: required."
        assert translate_error(error).startswith("Ligne 4 :")
