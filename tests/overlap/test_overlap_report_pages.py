"""The duplicate-check report as its readers meet it: pages, the print view in their language, the exports."""
from __future__ import annotations

import csv
import io

from adam.overlap_web import routes
from tests.factories import make_project, make_user
from tests.helpers import login
from tests.overlap.test_overlap_report import TITLE, two_pairs


def test_a_page_past_the_last_shows_the_last_page(client, session, monkeypatch):
    # After the last pair of the last page is decided, the redirect comes back to a page that no longer exists.
    monkeypatch.setattr(routes, "PER_PAGE", 1)
    two_pairs(session)
    login(client, make_user(session, role="coordinator"))
    session.commit()
    first = client.get("/overlaps/?page=1").get_data(as_text=True)
    last = client.get("/overlaps/?page=2").get_data(as_text=True)
    for page_number in ("3", "99999", "99999999999999999999999"):
        response = client.get(f"/overlaps/?page={page_number}")
        page = response.get_data(as_text=True)
        assert response.status_code == 200
        assert "No flagged pair in this scope." not in page and "Page 2 of 2" in page
        assert (TITLE in page) == (TITLE in last) != (TITLE in first)
    assert "Page 1 of 2" in client.get("/overlaps/?page=-4").get_data(as_text=True)


def test_the_print_view_speaks_the_readers_language_and_the_files_keep_the_stored_words(client, session):
    a, b, c, d = two_pairs(session)
    coordinator = make_user(session, role="coordinator", language="fr")
    session.commit()
    login(client, coordinator)
    client.post("/overlaps/decide", data={"project_a": c.id, "project_b": d.id, "decision": "complementary"})
    page = client.get("/overlaps/print?decided=all").get_data(as_text=True)
    assert "Tadjikistan" in page and "Kirghizistan" in page  # not Tajikistan, Kyrgyzstan
    assert "doublon probable" in page and "likely duplicate" not in page
    assert "Same beneficiary institution" not in page and "Même institution bénéficiaire" in page
    assert ">undecided<" not in page and ">decided<" not in page and ">complementary<" not in page
    csv_text = client.get("/overlaps/export.csv?decided=all").data.decode("utf-8-sig")
    assert "Tajikistan" in csv_text and "likely duplicate" in csv_text and "complementary" in csv_text
    assert "Same beneficiary institution" in csv_text and ",undecided," in csv_text and ",decided," in csv_text


def test_the_csv_file_opens_right_in_a_spreadsheet(client, session):
    # Without a byte order mark spreadsheet programs read UTF-8 as the local code page: Cyrillic becomes mojibake.
    title = "Обучение сотрудников таможни профилированию контейнеров в Душанбе"
    make_project(session, title, donors=("UK",), institutions=("Customs Service of Tajikistan",))
    make_project(session, title, donors=("Japan",), institutions=("Customs Service of Tajikistan",))
    login(client, make_user(session, role="coordinator"))
    session.commit()
    data = client.get("/overlaps/export.csv").data
    assert data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0][:3] == ["Rank", "Score", "Label"] and rows[1][6] == title


def test_the_cli_writes_the_same_csv_file(app, session, tmp_path):
    two_pairs(session)
    out = tmp_path / "overlaps.csv"
    assert app.test_cli_runner().invoke(args=["overlap-report", "--out", str(out)]).exit_code == 0
    assert out.read_bytes().startswith("\ufeffRank,Score".encode())


def test_counts_are_written_as_the_reader_writes_numbers(client, session, monkeypatch):
    run_report = routes.run_report

    def a_large_register(*args, **kwargs):  # as after an IATI import: thousands of projects and of pairs
        report = run_report(*args, **kwargs)
        report.projects, report.pairs = 12345, report.pairs * 600
        return report

    monkeypatch.setattr(routes, "run_report", a_large_register)
    monkeypatch.setattr(routes, "PER_PAGE", 1)
    two_pairs(session)
    coordinator = make_user(session, role="coordinator")
    session.commit()
    login(client, coordinator)
    page = client.get("/overlaps/").get_data(as_text=True)
    assert "1,200 flagged pairs among 12,345 projects." in page and "Page 1 of 1,200 (1,200 in all)" in page
    coordinator.language = "fr"
    session.commit()
    page = client.get("/overlaps/?page=1200").get_data(as_text=True)
    assert "1\u202f200 paires signalées parmi 12\u202f345 projets." in page
    assert "Page 1\u202f200 sur 1\u202f200 (1\u202f200 au total)" in page
