"""The search pages over HTTP: login required, every view renders the same search, exports hold the same rows."""
from __future__ import annotations

import csv
import io
import re

import pytest
from openpyxl import load_workbook

from adam.search.coverage import country_pillar_matrix, donor_country_matrix
from adam.search.filters import parse_filters
from adam.search.query import totals
from tests.factories import make_project, make_user, organisation
from tests.helpers import login

VIEWS = ["/search/", "/search/matrix", "/search/donors", "/search/map", "/search/timeline"]


@pytest.fixture
def signed_in(client, session):
    login(client, make_user(session, "focal_point", "UK"))
    session.commit()
    return client


@pytest.mark.parametrize("url", VIEWS + ["/search/map.json", "/search/export/results.csv", "/search/print/matrix"])
def test_every_view_needs_login(client, register, url):
    response = client.get(url)
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


@pytest.mark.parametrize("url", VIEWS)
def test_every_view_renders_the_search_with_its_totals(signed_in, register, url):
    page = signed_in.get(url + "?region=central-asia").get_data(as_text=True)
    assert "<strong>4</strong> projects" in page
    assert "$4,250,000" in page
    # The whole state is in the links to the other views.
    assert 'href="/search/matrix?region=central-asia"' in page


def test_results_list_and_paginate(signed_in, register):
    page = signed_in.get("/search/?per_page=25&sort=title").get_data(as_text=True)
    page = page[page.index('class="data search-results"'):]
    assert page.index("Container profiling") < page.index("Financial intelligence") < page.index("Northern route")
    assert "Withdrawn canine" not in page
    assert "Withdrawn canine" in signed_in.get("/search/?withdrawn=1").get_data(as_text=True)


def test_bad_filter_values_are_reported_and_ignored(signed_in, register):
    response = signed_in.get("/search/?country=Narnia&from=yesterday&country=ZZZ")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Ignored country &#39;Narnia&#39;" in page and "Ignored country &#39;ZZZ&#39;: not in the register" in page
    assert "<strong>5</strong> projects" in page


def test_free_text_in_cyrillic_over_http(signed_in, register):
    page = signed_in.get("/search/?q=молодежи").get_data(as_text=True)
    assert re.search(r"<strong>1</strong> project\s", page) and "Профилактика наркомании" in page


def test_matrix_cells_reproduce_their_search_and_show_gaps(signed_in, session, register):
    filters, _ = parse_filters({"region": ["central-asia"]})
    matrix = country_pillar_matrix(session, filters)
    assert [r.key for r in matrix.rows] == ["KAZ", "KGZ", "TJK", "TKM", "UZB"]  # all of the region, gaps included
    for row in matrix.rows:
        for column in matrix.columns:
            cell = matrix.cell(row.key, column.key)
            searched = totals(session, matrix.cell_filters(filters, row.key, column.key))
            assert (cell.count, cell.budget_usd) == (searched.count, searched.budget_usd)
    assert matrix.cell("TJK", "1").count == 2 and matrix.cell("KAZ", "1").is_gap
    page = signed_in.get("/search/matrix?region=central-asia").get_data(as_text=True)
    assert page.count('class="gap"') == matrix.gaps()
    assert 'href="/search/?region=central-asia&amp;country=TJK&amp;pillar=1"' in page


def test_matrix_row_totals_count_each_project_once(session, register):
    filters, _ = parse_filters({})
    matrix = donor_country_matrix(session, filters)
    uk = str(organisation(session, "UK").id)
    assert matrix.row_totals[uk].count == 2  # the Tajik course and the regional network
    assert sum(matrix.cell(uk, c.key).count for c in matrix.columns) == 4  # regional counts in 3 countries
    for row in matrix.rows:
        searched = totals(session, matrix.cell_filters(filters, row.key, None))
        assert matrix.row_totals[row.key].count == searched.count


def test_map_data_links_each_country_to_its_search(signed_in, register):
    data = signed_in.get("/search/map.json?pillar=1").get_json()
    by_iso = {d["iso3"]: d for d in data}
    assert by_iso["TJK"]["count"] == 2 and by_iso["TJK"]["numeric"] == "762"
    assert by_iso["TJK"]["budget_usd"] == 3_250_000
    assert by_iso["TJK"]["search"] == "country=TJK&pillar=1"
    assert "SEN" not in by_iso


def test_timeline_stacks_overlapping_projects(signed_in, register):
    page = signed_in.get("/search/timeline?country=TJK&country=UZB&group=country").get_data(as_text=True)
    # Uzbekistan: the FIU mentoring (2024-, open) overlaps the regional network (2024-2026): two lanes.
    uzb = page[page.index("<h3>Uzbekistan"):]
    assert re.search(r"up to 2 at once", uzb[:200])
    # Tajikistan: the 2023 course ends before the network starts: one lane.
    tjk = page[page.index("<h3>Tajikistan"):page.index("<h3>Uzbekistan")]
    assert "at once" not in tjk
    donors = signed_in.get("/search/timeline?group=donor").get_data(as_text=True)
    assert "<h3>UK" in donors or "<h3>Government of the United Kingdom" in donors


def _csv_rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


@pytest.mark.parametrize("view", ["results", "matrix", "donors", "map", "timeline"])
def test_csv_and_xlsx_exports_hold_the_same_rows(signed_in, register, view):
    query = "?region=central-asia&sort=title"
    as_csv = signed_in.get(f"/search/export/{view}.csv{query}")
    assert as_csv.status_code == 200 and as_csv.mimetype == "text/csv"
    assert f"adam-{view}.csv" in as_csv.headers["Content-Disposition"]
    rows = _csv_rows(as_csv.data)
    as_xlsx = signed_in.get(f"/search/export/{view}.xlsx{query}")
    sheet = load_workbook(io.BytesIO(as_xlsx.data), read_only=True).active
    xlsx_rows = [["" if v is None else v for v in row] for row in sheet.iter_rows(values_only=True)]
    assert rows[0] == list(xlsx_rows[0])
    assert len(rows) == len(xlsx_rows)
    assert [r[0] for r in rows[1:]] == [str(r[0]) for r in xlsx_rows[1:]]
    printed = signed_in.get(f"/search/print/{view}{query}").get_data(as_text=True)
    assert printed.count("<tr>") == max(len(rows), 2)  # header row + body rows (or the "no project" row)


def test_results_export_matches_the_search(signed_in, register):
    rows = _csv_rows(signed_in.get("/search/export/results.csv?country=TJK&sort=title").data)
    assert [r[1] for r in rows[1:]] == ["Container profiling training for customs officers",
                                         "Northern route interdiction network"]
    assert rows[2][11] == "3000000.0"


def test_exports_neutralise_spreadsheet_formulas(signed_in, session, register):
    from tests.factories import make_project
    make_project(session, "=HYPERLINK(\"http://evil\")", countries=("TJK",))
    session.commit()
    rows = _csv_rows(signed_in.get("/search/export/results.csv?q=hyperlink").data)
    assert rows[1][1].startswith("'=")


def test_unknown_export_view_or_format_is_not_found(signed_in, register):
    assert signed_in.get("/search/export/users.csv").status_code == 404
    assert signed_in.get("/search/export/results.pdf").status_code == 404


def test_the_form_shows_the_current_filters_selected(signed_in, session, register):
    uk = organisation(session, "UK").id
    page = signed_in.get(f"/search/?country=TJK&donor={uk}&pillar=2&status=ongoing").get_data(as_text=True)
    assert '<option value="TJK" selected>Tajikistan</option>' in page
    assert f'<option value="{uk}" selected>' in page
    assert '<option value="2" selected>2. Illicit financial flows</option>' in page
    assert '<option value="ongoing" selected>Ongoing</option>' in page
    assert '<option value="UZB">Uzbekistan</option>' in page


def test_a_large_export_is_loaded_in_batches(signed_in, session, register, monkeypatch):
    from adam.search import query

    monkeypatch.setattr(query, "LOAD_BATCH", 2)  # five projects: three batches, same rows in the same order
    rows = _csv_rows(signed_in.get("/search/export/results.csv?sort=title").data)
    assert [r[1] for r in rows[1:]] == sorted(p.title for name, p in register.items() if name != "withdrawn")


def test_the_country_list_is_in_the_alphabetical_order_of_the_interface_language(client, session, register):
    """In French the Émirats arabes unis were listed last, after Tadjikistan."""
    make_project(session, "Airport interdiction in Dubai", countries=("ARE",), pillars=(1,), donors=("UK",))
    login(client, make_user(session, "focal_point", "UK", language="fr"))
    session.commit()
    page = client.get("/search/").get_data(as_text=True)
    options = re.findall(r'<option value="([A-Z]{3})"', page[page.index('id="f-country"'):page.index('id="f-region"')])
    assert options == ["ARE", "KGZ", "UZB", "SEN", "TJK"]  # Émirats, Kirghizistan, Ouzbékistan, Sénégal, Tadjikistan


def test_matrices_and_timeline_list_countries_in_the_order_of_their_names_shown(client, session, register):
    """In French the rows were in the order of the English names: Ouzbékistan after Turkménistan."""
    login(client, make_user(session, "focal_point", "UK", language="fr"))
    session.commit()

    def order(page: str, pattern: str) -> list[str]:
        return re.findall(pattern, page)

    matrix = client.get("/search/matrix?region=central-asia").get_data(as_text=True)
    rows = order(matrix, r'<th scope="row"><a href="[^"]*country=([A-Z]{3})[^"]*">')
    assert rows == ["KAZ", "KGZ", "UZB", "TJK", "TKM"]  # Kazakhstan, Kirghizistan, Ouzbékistan, Tadjikistan, Turkm…
    donors = client.get("/search/donors").get_data(as_text=True)
    columns = order(donors[donors.index("<thead>"):donors.index("</thead>")], r'country=([A-Z]{3})')
    assert columns == ["KGZ", "UZB", "SEN", "TJK"]
    timeline = client.get("/search/timeline?group=country").get_data(as_text=True)
    groups = order(timeline, r"<h3>([^<]+?) <small")
    assert groups == ["Kirghizistan", "Ouzbékistan", "Sénégal", "Tadjikistan"]


def test_the_print_view_leads_back_to_the_same_view(signed_in, register):
    """Back from the print view of a timeline grouped by donor, the timeline was grouped by country again."""
    page = signed_in.get("/search/print/timeline?country=TJK&group=donor").get_data(as_text=True)
    assert 'href="/search/timeline?country=TJK&amp;group=donor"' in page
    page = signed_in.get("/search/print/matrix?country=TJK").get_data(as_text=True)
    assert 'href="/search/matrix?country=TJK"' in page


def test_the_print_views_are_in_the_reader_s_language_and_the_files_stay_as_stored(client, session, register):
    """A French reader prints statuses, countries, pillars and headers in French; the CSV keeps English names."""
    login(client, make_user(session, "focal_point", "UK", language="fr"))
    session.commit()
    results = client.get("/search/print/results?country=UZB&sort=title").get_data(as_text=True)
    for shown in ("Ouzbékistan", "En cours", "Conseil", "Titre", "Statut", "1\u202f000\u202f000"):
        assert shown in results, shown
    assert "Uzbekistan" not in results and ">Ongoing<" not in results
    matrix = client.get("/search/print/matrix?country=UZB").get_data(as_text=True)
    assert "Ouzbékistan" in matrix and "Total : projets" in matrix and ": projets" in matrix
    assert "Regional initiatives: projects" not in matrix
    timeline = client.get("/search/print/timeline?country=UZB").get_data(as_text=True)
    assert "Ouzbékistan" in timeline and "En cours" in timeline
    rows = _csv_rows(client.get("/search/export/results.csv?country=UZB&sort=title").data)
    assert rows[0][:3] == ["ID", "Title", "Status"] and "Uzbekistan" in rows[1][4] and rows[1][2] == "Ongoing"
