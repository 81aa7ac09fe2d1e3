"""The duplicate-check report as its readers meet it: pages, the print view in their language, the exports."""
from __future__ import annotations

from adam.overlap_web import routes
from tests.factories import make_user
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
