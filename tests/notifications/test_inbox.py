"""The inbox: a focal point told of a possible overlap reads it in their own language, opens the project, marks it read;
nobody reads or marks another user's notifications. On both databases."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from adam.models import Notification
from adam.overlap import after_project_saved, check_project
from adam.overlap.notify import notice_text
from tests.factories import make_project, make_user
from tests.helpers import login
from tests.overlap.test_overlap_check import TITLE, draft


@pytest.fixture
def told(session):
    """The Japanese focal point told that the UK saved a project that may overlap theirs."""
    japan_fp = make_user(session, org="Japan", name="Keiko Sato")
    uk_fp = make_user(session, org="UK", name="Alice Brown")
    make_project(session, TITLE, donors=("Japan",), implementers=("UNDP",))
    new = draft(session)
    results = check_project(session, new)
    session.add(new)
    session.flush()
    after_project_saved(session, new, uk_fp, results, True, mail_settings={})
    session.commit()
    note = session.scalars(select(Notification).where(Notification.user_id == japan_fp.id)).one()
    return japan_fp, uk_fp, new, note


def signed_in(app, session, user, language: str | None = None):
    """A test client signed in as `user`, who reads the interface in `language` when given."""
    if language:
        user.language = language
        session.commit()
    client = app.test_client()
    login(client, user)
    return client


def test_the_focal_point_reads_the_notification_and_the_header_counts_it(app, session, told):
    japan_fp, uk_fp, new, _note = told
    client = app.test_client()
    login(client, japan_fp)
    page = client.get("/notifications/").get_data(as_text=True)
    assert TITLE in page and "Alice Brown" in page and "Why:" in page
    home = client.get("/").get_data(as_text=True)
    assert "1 new" in home and "New notifications" in home and TITLE in home
    # the one who saved it is not told of their own save
    saver = app.test_client()
    login(saver, uk_fp)
    assert TITLE not in saver.get("/notifications/").get_data(as_text=True)
    assert "1 new" not in saver.get("/").get_data(as_text=True)


def test_opening_a_notification_marks_it_read_and_leads_to_the_project(app, session, told):
    japan_fp, _uk_fp, new, note = told
    client = app.test_client()
    login(client, japan_fp)
    response = client.post(f"/notifications/{note.id}/open")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/projects/{new.id}")
    session.expire_all()
    assert session.get(Notification, note.id).read_at is not None
    assert "1 new" not in client.get("/").get_data(as_text=True)


def test_mark_all_read_touches_only_my_notifications(app, session, told):
    japan_fp, uk_fp, new, note = told
    mine = Notification(user_id=uk_fp.id, project_id=new.id, message="For the UK.")
    session.add(mine)
    session.commit()
    client = app.test_client()
    login(client, japan_fp)
    assert client.post("/notifications/read").status_code == 302
    session.expire_all()
    assert session.get(Notification, note.id).read_at is not None
    assert session.get(Notification, mine.id).read_at is None


def test_another_users_notification_is_not_found_and_stays_unread(app, session, told):
    _japan_fp, uk_fp, _new, note = told
    client = app.test_client()
    login(client, uk_fp)
    assert client.post(f"/notifications/{note.id}/open").status_code == 404
    session.expire_all()
    assert session.get(Notification, note.id).read_at is None


def test_each_reader_gets_the_notification_in_their_language(app, session, told):
    japan_fp, _uk_fp, _new, note = told
    page = signed_in(app, session, japan_fp, "fr").get("/notifications/").get_data(as_text=True)
    assert "pourrait recouper votre projet" in page and "Pourquoi" in page
    assert "may overlap your project" not in page
    # the stored English text is what the API, exports and older rows show
    assert "may overlap your project" in note.message and note.message == notice_text(note.content)


def test_a_notification_stored_as_plain_text_is_shown_as_stored(app, session):
    user = make_user(session, org="Japan")
    session.add(Notification(user_id=user.id, message="An older notification, stored before catalogue ids."))
    session.commit()
    client = signed_in(app, session, user)
    assert "An older notification, stored before catalogue ids." in client.get("/notifications/").get_data(as_text=True)


def test_the_evidence_saved_with_an_acknowledgement_is_shown_in_the_readers_language(app, session, told):
    japan_fp, _uk_fp, new, _note = told
    page = signed_in(app, session, japan_fp, "fr").get(f"/projects/{new.id}").get_data(as_text=True)
    # a worded signal with parameters (stored with its catalogue id), not only the plain ones
    assert "pays en commun" in page
    assert "country in common" not in page
