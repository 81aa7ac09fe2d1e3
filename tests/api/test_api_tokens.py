"""Tokens carry exactly their user's rights: created and revoked on the profile page, checked on every request."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from adam.api import tokens
from adam.models import ApiToken, AuditEvent, Project
from tests.api.conftest import bearer
from tests.factories import make_project, make_user, organisation
from tests.helpers import login


def test_no_token_is_401_with_bearer_challenge(client):
    response = client.get("/api/v1/projects/")
    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_unknown_and_malformed_tokens_are_401(client):
    for header in ("Bearer adam_notatoken", "Bearer ", "Basic dXNlcjpwYXNz", "Bearer " + "x" * 500):
        assert client.get("/api/v1/pillars", headers={"Authorization": header}).status_code == 401


def test_cookie_session_does_not_authenticate_the_api(client, session, coordinator):
    login(client, coordinator)
    assert client.get("/api/v1/projects/").status_code == 401


def test_only_the_hash_of_a_token_is_stored(session, focal_point):
    new = tokens.create_token(session, focal_point, "CI")
    stored = session.get(ApiToken, new.token.id)
    assert new.secret not in (stored.token_hash, stored.prefix)
    assert stored.token_hash == tokens.hash_token(new.secret)
    assert new.secret.startswith(stored.prefix)


def test_revoked_token_stops_working(client, session, focal_point):
    new = tokens.create_token(session, focal_point, "CI")
    session.commit()
    headers = {"Authorization": f"Bearer {new.secret}"}
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    tokens.revoke_token(session, focal_point, new.token.id)
    session.commit()
    assert client.get("/api/v1/me", headers=headers).status_code == 401


def test_deactivated_users_token_stops_working(client, session, focal_point, focal_headers):
    assert client.get("/api/v1/me", headers=focal_headers).status_code == 200
    focal_point.active = False
    session.commit()
    assert client.get("/api/v1/me", headers=focal_headers).status_code == 401


def test_token_use_is_stamped(client, session, focal_point, focal_headers):
    client.get("/api/v1/me", headers=focal_headers)
    session.expire_all()
    token = session.scalars(select(ApiToken).where(ApiToken.user_id == focal_point.id)).one()
    assert token.last_used_at is not None


def test_me_tells_whose_token_it_is(client, focal_point, focal_headers):
    body = client.get("/api/v1/me", headers=focal_headers).get_json()
    assert (body["email"], body["role"], body["organisation"]["acronym"]) == (focal_point.email, "focal_point", "UK")


def test_focal_point_edits_own_organisations_project_but_gets_403_on_others(client, session, focal_headers):
    own = make_project(session, "UK-funded border training", donors=("UK",))
    other = make_project(session, "Someone else's project", donors=("UNODC",), implementers=("UNODC",))
    session.commit()
    ok = client.patch(f"/api/v1/projects/{own.id}", headers=focal_headers, json={"status": "completed", "version": 1})
    assert ok.status_code == 200
    for response in (
        client.patch(f"/api/v1/projects/{other.id}", headers=focal_headers, json={"status": "completed", "version": 1}),
        client.put(f"/api/v1/projects/{other.id}", headers=focal_headers, json={"title": "Taken over", "version": 1}),
        client.post(f"/api/v1/projects/{other.id}/withdraw", headers=focal_headers, json={"version": 1}),
    ):
        assert response.status_code == 403
        assert response.mimetype == "application/problem+json"
    session.expire_all()
    unchanged = session.get(Project, other.id)
    assert (unchanged.status, unchanged.withdrawn_at, unchanged.version) == ("ongoing", None, 1)


def test_focal_point_sees_every_project(client, session, focal_headers):
    other = make_project(session, "Someone else's project", donors=("UNODC",), implementers=("UNODC",))
    session.commit()
    assert client.get(f"/api/v1/projects/{other.id}", headers=focal_headers).status_code == 200


def test_focal_point_cannot_register_a_project_for_another_organisation(client, session, focal_headers):
    from tests.api.test_api_projects import _payload

    body = _payload(session, donors=[{"organisation_id": organisation(session, "UNODC").id}], implementer_ids=[])
    response = client.post("/api/v1/projects/", headers=focal_headers, json=body)
    assert response.status_code == 422
    assert "donors" in response.get_json()["errors"]
    assert session.scalar(select(Project.id)) is None


def test_coordinator_token_edits_any_project(client, session, coordinator_headers):
    other = make_project(session, "Anyone's project", donors=("UNODC",))
    session.commit()
    response = client.patch(f"/api/v1/projects/{other.id}", headers=coordinator_headers,
                            json={"status": "completed", "version": 1})
    assert response.status_code == 200


def test_user_without_organisation_cannot_create(client, session):
    from tests.api.test_api_projects import _payload

    user = make_user(session, "focal_point", org=None)
    headers = bearer(session, user)
    assert client.post("/api/v1/projects/", headers=headers, json=_payload(session)).status_code == 403


def test_profile_page_creates_token_shown_once_and_revokes_it(client, session, focal_point):
    login(client, focal_point)
    page = client.get("/account/profile")
    assert b"API tokens" in page.data
    created = client.post("/account/tokens/", data={"name": "Our project database"})
    assert created.status_code == 201
    assert created.headers["Cache-Control"] == "no-store"
    token = session.scalars(select(ApiToken).where(ApiToken.user_id == focal_point.id)).one()
    secret = created.get_data(as_text=True).split('id="api-token-secret">', 1)[1].split("<", 1)[0]
    assert tokens.hash_token(secret) == token.token_hash
    assert secret.encode() not in client.get("/account/profile").data  # never shown again
    headers = {"Authorization": f"Bearer {secret}"}
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    revoked = client.post(f"/account/tokens/{token.id}/revoke")
    assert revoked.status_code == 302
    assert client.get("/api/v1/me", headers=headers).status_code == 401
    events = session.scalars(select(AuditEvent.event).where(AuditEvent.user_id == focal_point.id)).all()
    assert {"api_token_created", "api_token_revoked"} <= set(events)


def test_profile_refuses_a_nameless_token_and_anothers_revocation(client, session, focal_point):
    other_user = make_user(session, "coordinator", org="UNODC")
    theirs = tokens.create_token(session, other_user, "theirs")
    session.commit()
    login(client, focal_point)
    client.post("/account/tokens/", data={"name": "   "})
    assert session.scalars(select(ApiToken).where(ApiToken.user_id == focal_point.id)).first() is None
    client.post(f"/account/tokens/{theirs.token.id}/revoke")
    session.expire_all()
    assert session.get(ApiToken, theirs.token.id).revoked_at is None


def test_token_pages_need_login(client):
    response = client.post("/account/tokens/", data={"name": "x"})
    assert response.status_code in (302, 401)
    assert "/account/login" in response.headers.get("Location", "/account/login")


def test_token_names_are_checked(session, focal_point):
    with pytest.raises(tokens.TokenError):
        tokens.create_token(session, focal_point, "")
    with pytest.raises(tokens.TokenError):
        tokens.create_token(session, focal_point, "x" * 101)
    assert tokens.active_tokens(session, focal_point) == []
    focal_point.active = False
    with pytest.raises(tokens.TokenError):
        tokens.create_token(session, focal_point, "ok")


def test_api_is_csrf_exempt_while_the_token_pages_are_not(app, client, session, focal_point, focal_headers):
    from tests.api.test_api_projects import _payload

    app.config["WTF_CSRF_ENABLED"] = True
    try:
        created = client.post("/api/v1/projects/", headers=focal_headers, json=_payload(session))
        assert created.status_code == 201
        login(client, focal_point)
        refused = client.post("/account/tokens/", data={"name": "no csrf token"})
        assert refused.status_code == 400
        assert all(t.name != "no csrf token" for t in tokens.active_tokens(session, focal_point))
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


def test_api_is_rate_limited_per_token_with_a_problem_response(database_url, _migrated_app):
    from adam.api.tokens import create_token
    from adam.extensions import db
    from tests.conftest import make_test_app
    from tests.factories import make_user

    app = make_test_app(database_url, RATELIMIT_ENABLED=True, RATELIMIT_API="3 per minute")
    with app.app_context():
        user = make_user(db.session, org="UK", email="limited@example.org")
        other = make_user(db.session, org="US", email="other@example.org")
        mine = create_token(db.session, user, "script").secret
        theirs = create_token(db.session, other, "script").secret
        db.session.commit()
        client = app.test_client()
        codes = [client.get("/api/v1/pillars", headers={"Authorization": f"Bearer {mine}"}).status_code
                 for _ in range(4)]
        assert codes == [200, 200, 200, 429]
        limited = client.get("/api/v1/pillars", headers={"Authorization": f"Bearer {mine}"})
        assert limited.mimetype == "application/problem+json" and limited.json["status"] == 429
        # The detail says what the limit is and when to try again, not only "3 per 1 minute".
        assert limited.headers["Retry-After"].isdigit()
        assert limited.json["detail"] == ("Too many requests: the limit is 3 per 1 minute. Try again after the number "
                                          "of seconds in the Retry-After header.")
        # Another client's allowance is its own.
        assert client.get("/api/v1/pillars", headers={"Authorization": f"Bearer {theirs}"}).status_code == 200
        db.session.remove()
