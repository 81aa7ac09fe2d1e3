"""The public read-only view: closed by default, opened and closed by an administrator, and then it shows only
public facts (no contact person, no history, no withdrawn project) and lets nobody change anything."""
import datetime as dt
import html
import re

from sqlalchemy import select

from adam.models import AuditEvent, Project
from tests import factories as f
from tests.helpers import login


def _projects(session):
    shown = f.make_project(session, "Mobile interdiction team training in Kyrgyzstan", countries=("KGZ",),
                           contact_name="Aigul Osmonova", contact_email="a.osmonova@fco.example")
    hidden = f.make_project(session, "Withdrawn precursor workshop in Kyrgyzstan", countries=("KGZ",))
    hidden.withdrawn_at = dt.datetime.now(dt.timezone.utc)
    return shown, hidden


def test_anonymous_visitors_see_only_the_login_page_by_default(client, session):
    shown, _ = _projects(session)
    session.commit()
    for url in ("/", "/search/", "/search/matrix", f"/projects/{shown.id}"):
        response = client.get(url)
        assert response.status_code == 302 and "/account/login" in response.location, url


def test_an_administrator_opens_the_public_view_and_visitors_read_public_facts_only(client, session):
    shown, hidden = _projects(session)
    admin = f.make_user(session, role="admin", org="UNODC")
    session.commit()
    login(client, admin)
    assert client.post("/admin/settings", data={"public_read_only": "y"}).status_code == 302
    assert session.scalars(select(AuditEvent.event).where(AuditEvent.user_id == admin.id)).all()[-1] == "public_view_opened"
    client.post("/account/logout")

    visitor = client.application.test_client()
    assert visitor.get("/").location.endswith("/search/")
    results = visitor.get("/search/?withdrawn=1").get_data(as_text=True)  # withdrawn=1 is ignored for visitors
    assert shown.title in results and hidden.title not in results and "Public read-only view" in results
    detail = visitor.get(f"/projects/{shown.id}").get_data(as_text=True)
    assert shown.title in detail
    assert "a.osmonova@fco.example" not in detail and "Aigul Osmonova" not in detail and "Change history" not in detail
    assert visitor.get(f"/projects/{hidden.id}").status_code == 404
    csv = visitor.get("/search/export/results.csv").get_data(as_text=True)
    assert shown.title in csv and hidden.title not in csv
    # Reading is all: every change still needs a signed-in user with the right role.
    before = session.scalar(select(Project.version).where(Project.id == shown.id))
    for url in ("/projects/new", f"/projects/{shown.id}/edit", f"/projects/{shown.id}/withdraw"):
        response = visitor.post(url, data={"title": "Changed", "reason": "x"})
        assert response.status_code == 302 and "/account/login" in response.location, url
    session.expire_all()
    assert session.scalar(select(Project.version).where(Project.id == shown.id)) == before

    login(client, admin)
    closed = client.post("/admin/settings", data={})  # an unticked box closes it
    assert closed.status_code == 302, closed.get_data(as_text=True)[:3000]
    assert visitor.get("/search/").status_code == 302


def test_only_administrators_change_the_setting(client, session):
    coordinator = f.make_user(session, role="coordinator", org="UNODC")
    session.commit()
    login(client, coordinator)
    assert client.post("/admin/settings", data={"public_read_only": "y"}).status_code == 403
    client.post("/account/logout")
    assert client.application.test_client().get("/search/").status_code == 302


def test_the_public_search_offers_only_what_a_visitor_can_use(client, session):
    """Visitors were offered an "Include withdrawn projects" box that changed nothing and an IATI XML export
    that sent them to the login page."""
    _projects(session)
    admin = f.make_user(session, role="admin", org="UNODC")
    session.commit()
    login(client, admin)
    client.post("/admin/settings", data={"public_read_only": "y"})
    signed_in = client.get("/search/?country=KGZ").get_data(as_text=True)
    assert 'name="withdrawn"' in signed_in and "/exchange/iati/search.xml" in signed_in
    client.post("/account/logout")

    visitor = client.application.test_client()
    page = visitor.get("/search/?country=KGZ").get_data(as_text=True)
    assert "Mobile interdiction team training" in page
    assert 'name="withdrawn"' not in page and "Include withdrawn projects" not in page
    assert "/exchange/iati/search.xml" not in page
    for href in re.findall(r'href="(/[^"]*)"', page):  # every link of the page opens for the visitor
        response = visitor.get(html.unescape(href))
        assert response.status_code == 200 or (response.status_code == 302 and "/login" not in response.location), href
