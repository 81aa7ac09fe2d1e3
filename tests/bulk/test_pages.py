"""The bulk import pages: template downloads, the dry-run preview, the all-or-nothing commit."""
from __future__ import annotations

import io

from openpyxl import load_workbook
from sqlalchemy import func, select

from adam.models import Project
from tests import factories as f
from tests.helpers import login

GOOD = (b"title,countries,pillars,donors,implementers\n"
        b"Border posts,TJK,1,UK,UNODC\nCanine unit,KGZ,1,UK: 5000,UNODC\n")
BAD = GOOD + b"Nowhere,Atlantis,1,UK,UNODC\n"


def post_file(client, data: bytes, name: str = "projects.csv"):
    return client.post("/exchange/bulk", data={"file": (io.BytesIO(data), name)}, content_type="multipart/form-data")


def count(session) -> int:
    return session.scalar(select(func.count()).select_from(Project))


def test_templates_download(client, session):
    login(client, f.make_user(session, "focal_point"))
    csv = client.get("/exchange/bulk/template.csv")
    assert csv.status_code == 200 and csv.data.decode("utf-8-sig").startswith("title,summary,")
    xlsx = client.get("/exchange/bulk/template.xlsx")
    book = load_workbook(io.BytesIO(xlsx.data))
    assert book.sheetnames == ["Projects", "Columns", "Reference"]
    assert client.get("/exchange/bulk/template.pdf").status_code == 404


def test_preview_then_commit_creates_every_row(client, session):
    login(client, f.make_user(session, "focal_point", org="UK"))
    preview = post_file(client, GOOD)
    page = preview.get_data(as_text=True)
    assert "All 2 rows are valid." in page and "Import 2 projects" in page
    assert count(session) == 0  # the preview writes nothing
    token = page.split('name="token" type="hidden" value="')[1].split('"')[0]
    done = client.post("/exchange/bulk/commit", data={"token": token})
    assert done.status_code == 302 and done.headers["Location"].endswith("/projects/")
    assert sorted(session.scalars(select(Project.title))) == ["Border posts", "Canine unit"]
    again = client.post("/exchange/bulk/commit", data={"token": token}, follow_redirects=True)
    assert "no longer available" in again.get_data(as_text=True)  # a file is imported once
    assert count(session) == 2


def test_a_file_with_errors_shows_them_and_cannot_be_committed(client, session):
    login(client, f.make_user(session, "coordinator", org="UNODC"))
    page = post_file(client, BAD).get_data(as_text=True)
    assert "1 of 3 rows have errors" in page and "Unknown country &#39;Atlantis&#39;." in page
    assert "Import 3 projects" not in page
    assert client.post("/exchange/bulk/commit", data={"token": "guessed"}).status_code == 302
    assert count(session) == 0


def test_unreadable_file_gets_a_message(client, session):
    login(client, f.make_user(session, "coordinator", org="UNODC"))
    page = post_file(client, b"name,colour\nx,red\n").get_data(as_text=True)
    assert "no &#39;title&#39; column found" in page
    assert "Upload a .csv or .xlsx file." in post_file(client, b"%PDF", "p.pdf").get_data(as_text=True)


def test_another_users_token_is_refused(client, session, app):
    login(client, f.make_user(session, "focal_point", org="UK"))
    page = post_file(client, GOOD).get_data(as_text=True)
    token = page.split('name="token" type="hidden" value="')[1].split('"')[0]
    other = app.test_client()
    login(other, f.make_user(session, "coordinator", org="UNODC"))
    refused = other.post("/exchange/bulk/commit", data={"token": token}, follow_redirects=True)
    assert "no longer available" in refused.get_data(as_text=True)
    assert count(session) == 0


def test_users_without_an_organisation_may_not_bulk_import(client, session):
    login(client, f.make_user(session, "focal_point", org=None))
    assert client.get("/exchange/bulk").status_code == 403


def test_the_preview_gives_each_rows_errors_in_the_readers_language(client, session):
    login(client, f.make_user(session, "coordinator", org="UNODC", language="fr"))
    data = (b"title,countries,pillars,donors,implementers,planned_start,planned_end,budget_amount\n"
            b"Nowhere,Atlantis,1,UK,UNODC,,,\n"
            b"Reversed,TJK,1,UK,UNODC,2025-06-01,2025-01-01,\n"
            b",TJK,1,Nobody Known,UNODC,01/02/2025,,\"250,000\"\n")
    page = post_file(client, data).get_data(as_text=True)
    assert "Pays &#39;Atlantis&#39; inconnu." in page
    assert "planned_end : La date de fin ne doit pas précéder la date de début." in page
    assert "title : obligatoire." in page and "Donateur &#39;Nobody Known&#39; inconnu." in page
    assert "planned_start : &#39;01/02/2025&#39; n&#39;est pas une date ; écrivez AAAA-MM-JJ." in page
    assert "budget_amount : &#39;250,000&#39; n&#39;est pas un nombre (sans séparateur de milliers)." in page
    for english in ("Unknown", "required.", "not a date", "not a number", "The end date"):
        assert english not in page.split("<h2>")[1], english  # the preview table


def test_values_copied_from_the_templates_reference_sheet_are_accepted(client, session):
    login(client, f.make_user(session, "coordinator", org="UNODC"))
    book = load_workbook(io.BytesIO(client.get("/exchange/bulk/template.xlsx").data))
    columns = {column[0].value: [cell.value for cell in column[1:] if cell.value] for column in book["Reference"].columns}
    assert columns["pillars"][0].startswith("1 ") and columns["countries"][0][:4].isupper()  # "1 Name", "AFG Name"
    row = [columns["pillars"], columns["countries"], columns["themes"][:3], columns["regions"][:3], ["UNODC"]]
    data = "title,pillars,countries,themes,regions,implementers\n" + ",".join(
        ['"Copied from the reference sheet"'] + ['"' + "; ".join(values) + '"' for values in row]) + "\n"
    page = post_file(client, data.encode()).get_data(as_text=True)
    assert "The 1 row is valid." in page, page.split("<h2>")[1]


def test_previews_that_are_never_imported_do_not_pile_up(client, session, app):
    import os
    import time
    from pathlib import Path

    login(client, f.make_user(session, "focal_point", org="UK"))
    folder = Path(app.instance_path) / "bulk"
    folder.mkdir(parents=True, exist_ok=True)
    forgotten = folder / "forgotten-preview.csv"  # someone's preview of two days ago, never imported
    forgotten.write_bytes(GOOD)
    os.utime(forgotten, (time.time() - 2 * 86400,) * 2)
    before = set(folder.iterdir()) - {forgotten}
    post_file(client, GOOD)
    first = set(folder.iterdir()) - before
    assert not forgotten.exists() and len(first) == 1
    post_file(client, GOOD, "again.csv")  # a second preview replaces the user's first
    second = set(folder.iterdir()) - before
    assert len(second) == 1 and second != first
