"""The save-time overlap warning and "Save anyway": the user goes on only past the overlaps they were shown."""
import datetime as dt

from sqlalchemy import select

from adam.models import OverlapAcknowledgement, Project
from tests import factories as f
from tests.helpers import login
from tests.projects.test_pages import form_data, project_count

TITLE = "Precursor control training for the Customs Service of Tajikistan"


def _existing(session, country: str, donor: str) -> Project:
    return f.make_project(session, TITLE, countries=(country,), donors=(donor,), pillars=(3,),
                          themes=("precursor-control",), start=dt.date(2025, 1, 1), end=dt.date(2025, 12, 31))


def test_save_anyway_after_a_change_that_meets_other_projects_shows_them_first(client, session):
    in_tajikistan, in_kyrgyzstan = _existing(session, "TJK", "Japan"), _existing(session, "KGZ", "Germany")
    login(client, f.make_user(session, org="UK"))
    session.commit()
    warned = client.post("/projects/new", data=form_data(session)).get_data(as_text=True)
    assert f'/projects/{in_tajikistan.id}"' in warned and f'/projects/{in_kyrgyzstan.id}"' not in warned
    assert f'name="overlaps_seen" value="{in_tajikistan.id}"' in warned
    # The user moves the project to Kyrgyzstan and presses "Save anyway": the new match is shown, nothing saved.
    moved = form_data(session, countries=[str(f.country(session, "KGZ").id)], confirm_overlaps="y",
                      overlaps_seen=str(in_tajikistan.id))
    response = client.post("/projects/new", data=moved)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and f'/projects/{in_kyrgyzstan.id}"' in page and "Save anyway" in page
    assert project_count(session) == 2
    # Seen now: saved, and the acknowledgement names the project that was shown.
    response = client.post("/projects/new", data=dict(moved, overlaps_seen=str(in_kyrgyzstan.id)))
    assert response.status_code == 302 and project_count(session) == 3
    ack = session.scalars(select(OverlapAcknowledgement)).one()
    assert ack.other_project_id == in_kyrgyzstan.id
