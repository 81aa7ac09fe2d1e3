"""A theme or an organisation deactivated after a project named it stays on the project when it is edited."""
import re

from sqlalchemy import select

from adam.models import Project, ProjectChange
from tests import factories as f
from tests.helpers import login


def _form_fields(html: str) -> dict:
    """What the browser would send back unchanged: checked boxes, selected options, input values."""
    data: dict = {}
    for name, value in re.findall(r'<input[^>]*checked[^>]*name="([^"]+)"[^>]*value="([^"]*)"', html):
        data.setdefault(name, []).append(value)
    for name, value in re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"[^>]*checked', html):
        data.setdefault(name, []).append(value)
    for name, body in re.findall(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', html, re.S):
        data[name] = re.findall(r'<option[^>]*selected[^>]*value="([^"]*)"|<option[^>]*value="([^"]*)"[^>]*selected', body)
        data[name] = [a or b for a, b in data[name]]
    return data


def test_editing_keeps_a_deactivated_theme_and_implementer(client, session):
    theme = f.theme(session, "canine-units")
    implementer = f.organisation(session, "Canine Training Centre", "multilateral")
    project = f.make_project(session, donors=("UK",), themes=("border-control", "canine-units"),
                             implementers=("Canine Training Centre",))
    user = f.make_user(session, org="UK")
    theme.active = implementer.active = False
    session.commit()
    try:
        login(client, user)
        html = client.get(f"/projects/{project.id}/edit").get_data(as_text=True)
        sent = _form_fields(html)
        assert str(theme.id) in sent["themes"] and str(implementer.id) in sent["implementers"]
        response = client.post(f"/projects/{project.id}/edit", data={
            **sent, "title": "Renamed", "version": str(project.version),
            "donors-0-organisation_id": str(f.organisation(session, "UK").id)})
        assert response.status_code == 302, response.get_data(as_text=True)[-3000:]
        session.expire_all()
        project = session.get(Project, project.id)
        assert {t.code for t in project.themes} == {"border-control", "canine-units"}
        assert [o.name for o in project.implementers] == ["Canine Training Centre"]
        change = session.scalars(select(ProjectChange).where(ProjectChange.action == "updated")).one()
        assert "themes" not in change.changes and "implementers" not in change.changes
    finally:
        theme.active = True
        session.commit()
