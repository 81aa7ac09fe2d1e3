"""Two people edit one project: the second save is refused clearly, and nothing either typed is lost."""
from sqlalchemy import select

from adam.models import Project, ProjectChange
from tests import factories as f
from tests.helpers import login
from tests.projects.test_pages import form_data


def two_editors(app, session, **bob):
    """Alice and Bob of one organisation, each signed in on a client of their own, and a project both opened at
    the same version: (Alice's client, Bob's client, the project, that version)."""
    alice = f.make_user(session, org="UK", name="Alice")
    bob = f.make_user(session, org="UK", name="Bob", **bob)
    project = f.make_project(session, donors=("UK",))
    session.commit()
    alice_client, bob_client = app.test_client(), app.test_client()
    login(alice_client, alice)
    login(bob_client, bob)
    return alice_client, bob_client, project, project.version


def test_second_save_on_a_stale_version_is_refused_and_keeps_what_was_typed(app, session):
    alice_client, bob_client, project, loaded_version = two_editors(app, session)

    first = alice_client.post(f"/projects/{project.id}/edit",
                              data=form_data(session, title="Alice's title", version=str(loaded_version)))
    assert first.status_code == 302

    second = bob_client.post(
        f"/projects/{project.id}/edit",
        data=form_data(session, title="Bob's title", summary="Bob's careful summary", version=str(loaded_version)),
    )
    html = second.data.decode()
    assert second.status_code == 409
    assert "Someone else saved this project" in html and "Alice" in html
    assert "Bob&#39;s careful summary" in html  # Bob's typing is still in the form
    assert "Alice&#39;s title" in html  # and the saved version is shown beside it
    session.expire_all()
    saved = session.get(Project, project.id)
    assert saved.title == "Alice's title" and saved.version == loaded_version + 1
    assert len(session.scalars(select(ProjectChange).where(ProjectChange.action == "updated")).all()) == 1

    # Having seen the conflict, Bob saves again on the version he was shown: it goes through.
    third = bob_client.post(
        f"/projects/{project.id}/edit",
        data=form_data(session, title="Bob's title", version=str(saved.version)),
    )
    assert third.status_code == 302
    session.expire_all()
    assert session.get(Project, project.id).title == "Bob's title"
    titles = [c.changes["title"] for c in session.scalars(select(ProjectChange).where(ProjectChange.action == "updated").order_by(ProjectChange.id))]
    assert titles[0][1] == "Alice's title" and titles[1] == ["Alice's title", "Bob's title"]


def test_the_conflict_table_names_fields_and_values_in_the_readers_language(app, session):
    alice_client, bob_client, project, loaded_version = two_editors(app, session, language="fr")
    assert alice_client.post(f"/projects/{project.id}/edit", data=form_data(
        session, title="Alice's title", status="ongoing", planned_start_on="2025-04-01",
        version=str(loaded_version))).status_code == 302
    html = bob_client.post(f"/projects/{project.id}/edit", data=form_data(
        session, title="Bob's title", version=str(loaded_version))).get_data(as_text=True)
    table = html[html.index('<table class="data compact">'):html.index("</table>")]
    assert "<td>Titre</td>" in table and "<td>Statut</td>" in table and "<td>Début prévu</td>" in table
    assert "En cours" in table and "En préparation" in table and "1 avr. 2025" in table
    assert "planned start on" not in table and "ongoing" not in table
