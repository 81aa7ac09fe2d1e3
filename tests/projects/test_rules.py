"""Every rule is enforced on the server, also against crafted requests; bad input changes nothing."""
import pytest
from sqlalchemy import func, select

from adam.models import Project
from tests import factories as f
from tests.helpers import login
from tests.projects.test_pages import form_data


def count(session):
    return session.scalar(select(func.count()).select_from(Project))


@pytest.fixture
def focal(client, session):
    user = f.make_user(session, org="UK")
    session.commit()
    login(client, user)
    return user


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"planned_start_on": "2025-06-01", "planned_end_on": "2025-01-01"}, "end date must not be before"),
        ({"actual_start_on": "2025-06-01", "actual_end_on": "2025-05-31"}, "end date must not be before"),
        ({"budget_amount": "-5"}, "must not be negative"),
        ({"budget_currency": "XXQ"}, "Not a valid choice"),
        ({"budget_currency": ""}, "Give the currency"),
        ({"countries": []}, "at least one recipient country or region"),
        ({"pillars": []}, "at least one pillar"),
        ({"countries": ["999999"]}, "not a valid choice"),
        ({"themes": ["abc"]}, "could not be coerced"),
        ({"donors-0-organisation_id": "999999"}, "Unknown organisation id(s): 999999"),
        ({"title": ""}, "This field is required"),
        ({"status": "finished"}, "Not a valid choice"),
        ({"donors-0-organisation_id": "", "implementers": []}, "must be among the donors or implementers"),
        # Beyond what Numeric(18, 2) holds: PostgreSQL refused them with a 500, SQLite failed on infinity.
        ({"budget_amount": "1e20"}, "The budget is too large"),
        ({"budget_amount": "Infinity"}, "The budget is too large"),
        ({"budget_amount": "9500000000000000"}, "The budget is too large"),  # its USD figure is beyond
        ({"donors-0-amount": "1e20"}, "amount is too large"),
        ({"donors-0-amount": "Infinity"}, "amount is too large"),
        ({"summary": "Kits\x00 and courses"}, "must not contain the NUL character"),
        ({"links-0-url": "https://example.org/\x00"}, "must not contain the NUL character"),
    ],
)
def test_invalid_project_is_refused_with_a_field_message_and_nothing_saved(client, session, focal, overrides, message):
    response = client.post("/projects/new", data=form_data(session, **overrides))
    assert response.status_code == 422
    assert message in response.data.decode()
    assert count(session) == 0
    # What the user typed is shown again.
    assert "Precursor control training" in response.data.decode() or overrides.get("title") == ""


def test_a_region_alone_is_enough(client, session, focal):
    data = form_data(session, countries=[], regions=[str(f.region(session, "central-asia").id)])
    assert client.post("/projects/new", data=data).status_code == 302
    assert [r.code for r in session.scalars(select(Project)).one().regions] == ["central-asia"]


def test_focal_point_cannot_edit_or_withdraw_another_organisations_project(client, session, focal):
    other = f.make_project(session, donors=("US",), implementers=("OSCE",))
    session.commit()
    assert client.get(f"/projects/{other.id}/edit").status_code == 403
    crafted = form_data(session, title="Hijacked", version=str(other.version))
    assert client.post(f"/projects/{other.id}/edit", data=crafted).status_code == 403
    assert client.post(f"/projects/{other.id}/withdraw", data={"reason": "x"}).status_code == 403
    assert client.post(f"/projects/{other.id}/restore").status_code == 403
    session.expire_all()
    assert session.get(Project, other.id).title != "Hijacked"
    assert session.get(Project, other.id).withdrawn_at is None


def test_focal_point_edits_projects_their_organisation_implements(client, session):
    user = f.make_user(session, org="UNODC")
    project = f.make_project(session, donors=("US",), implementers=("UNODC",))
    session.commit()
    login(client, user)
    data = form_data(session, title="Updated by the implementer", version=str(project.version),
                     **{"donors-0-organisation_id": str(f.organisation(session, "US").id)})
    assert client.post(f"/projects/{project.id}/edit", data=data).status_code == 302


def test_coordinator_edits_any_project(client, session):
    coordinator = f.make_user(session, role="coordinator", org="UNODC")
    project = f.make_project(session, donors=("US",), implementers=("OSCE",))
    session.commit()
    login(client, coordinator)
    data = form_data(session, title="Coordinator fix", version=str(project.version),
                     **{"donors-0-organisation_id": str(f.organisation(session, "US").id), "implementers": []})
    assert client.post(f"/projects/{project.id}/edit", data=data).status_code == 302
    session.expire_all()
    assert session.get(Project, project.id).title == "Coordinator fix"


def test_unknown_project_is_404(client, session, focal):
    assert client.get("/projects/999999").status_code == 404
    assert client.get("/projects/999999", headers={"Accept": "application/json"}).json["status"] == 404


def test_duplicate_iati_identifier_is_refused(client, session, focal):
    f.make_project(session, iati_identifier="XM-DAC-41128-TJK-123")
    session.commit()
    response = client.post("/projects/new", data=form_data(session, iati_identifier="XM-DAC-41128-TJK-123"))
    assert response.status_code == 422 and "already has the IATI identifier" in response.data.decode()
