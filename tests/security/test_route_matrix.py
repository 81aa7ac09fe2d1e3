"""For every route of the application, who gets 200, 302, 401, 403 or 404.

A new route fails this test until its access is declared in ACCESS below: access is decided, never left to chance.
Roles: anonymous; a focal point of the UK (whose organisation funds the test project); a focal point of the US
(unrelated to it); a coordinator; an administrator. API routes take tokens only, so a browser session gets 401.
"""
from __future__ import annotations

import pytest
from flask import url_for

from adam.api.tokens import create_token
from adam.models import Notification
from adam.models.iati import ImportJob
from adam.sitesettings import set_public_view
from tests import factories as f
from tests.helpers import login

ROLES = ("anonymous", "focal_own", "focal_other", "coordinator", "admin")
LOGIN = 302  # anonymous visitors are sent to the login page


def everyone(code):
    return dict.fromkeys(ROLES, code)


def signed_in(code, anonymous=LOGIN):
    return {"anonymous": anonymous, **dict.fromkeys(ROLES[1:], code)}


def owner_or_coordinator(code):
    return {"anonymous": LOGIN, "focal_own": code, "focal_other": 403, "coordinator": code, "admin": code}


def coordinator_only(code):
    return {"anonymous": LOGIN, "focal_own": 403, "focal_other": 403, "coordinator": code, "admin": code}


def admin_only(code):
    return {"anonymous": LOGIN, "focal_own": 403, "focal_other": 403, "coordinator": 403, "admin": code}


API_SESSION = everyone(401)  # the API ignores the browser session: tokens only

# endpoint -> (method, url parameters, expected status per role)
ACCESS: dict[str, tuple[str, dict, dict]] = {
    "static": ("GET", {"filename": "css/adam.css"}, everyone(200)),
    "main.health": ("GET", {}, everyone(200)),
    "accounts.login": ("GET", {}, {"anonymous": 200, **dict.fromkeys(ROLES[1:], 302)}),
    "accounts.logout": ("POST", {}, {"anonymous": LOGIN, **dict.fromkeys(ROLES[1:], 302)}),
    "accounts.profile": ("GET", {}, signed_in(200)),
    # The language switcher: open to anonymous visitors too (the login page has it); always back to a page.
    "accounts.set_language": ("POST", {}, everyone(302)),
    "main.index": ("GET", {}, signed_in(200)),
    "projects.index": ("GET", {}, signed_in(200)),
    "projects.detail": ("GET", {"project_id": "{project}"}, signed_in(200)),
    "projects.create": ("GET", {}, signed_in(200)),
    "projects.edit": ("GET", {"project_id": "{project}"}, owner_or_coordinator(200)),
    "projects.withdraw": ("GET", {"project_id": "{project}"}, owner_or_coordinator(200)),
    "projects.restore": ("POST", {"project_id": "{project}"}, owner_or_coordinator(302)),
    "admin.users": ("GET", {}, admin_only(200)),
    "admin.user_form": ("GET", {"user_id": "{user}"}, admin_only(200)),
    "admin.audit_log": ("GET", {}, admin_only(200)),
    "admin.settings": ("GET", {}, admin_only(200)),
    "admin.organisations": ("GET", {}, coordinator_only(200)),
    "admin.organisation_form": ("GET", {"organisation_id": "{organisation}"}, admin_only(200)),
    "admin.themes": ("GET", {}, coordinator_only(200)),
    "admin.theme_form": ("GET", {"theme_id": "{theme}"}, coordinator_only(200)),
    "search.index": ("GET", {}, signed_in(200)),
    "search.donors": ("GET", {}, signed_in(200)),
    "search.matrix": ("GET", {}, signed_in(200)),
    "search.map": ("GET", {}, signed_in(200)),
    "search.map_data": ("GET", {}, signed_in(200)),
    "search.timeline": ("GET", {}, signed_in(200)),
    "search.download": ("GET", {"view": "results", "fmt": "csv"}, signed_in(200)),
    "search.print_view": ("GET", {"view": "results"}, signed_in(200)),
    "search.follow": ("POST", {}, {"anonymous": LOGIN, **dict.fromkeys(ROLES[1:], 302)}),
    "api_docs.docs": ("GET", {}, signed_in(200)),
    "api_docs.openapi_json": ("GET", {}, signed_in(200, anonymous=401)),
    "api_tokens.create": ("POST", {}, {"anonymous": LOGIN, **dict.fromkeys(ROLES[1:], 302)}),
    # Someone else's token: refused with a message on the profile page (tests/api prove it stays valid).
    "api_tokens.revoke": ("POST", {"token_id": "{token}"}, {"anonymous": LOGIN, **dict.fromkeys(ROLES[1:], 302)}),
    "api_projects.list_projects": ("GET", {}, API_SESSION),
    "api_projects.project": ("GET", {"project_id": "{project}"}, API_SESSION),
    "api_projects.create_project": ("POST", {}, API_SESSION),
    "api_projects.replace_project": ("PUT", {"project_id": "{project}"}, API_SESSION),
    "api_projects.patch_project": ("PATCH", {"project_id": "{project}"}, API_SESSION),
    "api_projects.withdraw_project": ("POST", {"project_id": "{project}"}, API_SESSION),
    "api_reference.countries": ("GET", {}, API_SESSION),
    "api_reference.currencies": ("GET", {}, API_SESSION),
    "api_reference.me": ("GET", {}, API_SESSION),
    "api_reference.organisations": ("GET", {}, API_SESSION),
    "api_reference.pillars": ("GET", {}, API_SESSION),
    "api_reference.regions": ("GET", {}, API_SESSION),
    "api_reference.themes": ("GET", {}, API_SESSION),
    "api_overlaps.check": ("POST", {}, API_SESSION),
    "exchange.index": ("GET", {}, signed_in(200)),
    "exchange.bulk": ("GET", {}, signed_in(200)),
    "exchange.bulk_template": ("GET", {"fmt": "csv"}, signed_in(200)),
    # Without an upload token the commit is refused back to the upload page.
    "exchange.bulk_commit_view": ("POST", {}, signed_in(302)),
    "exchange.iati_export": ("GET", {}, signed_in(200)),
    "exchange.iati_search_export": ("GET", {}, signed_in(200)),
    "exchange.iati_import": ("GET", {}, coordinator_only(200)),
    "exchange.iati_job": ("GET", {"job_id": "{job}"}, coordinator_only(200)),
    "exchange.iati_job_status": ("GET", {"job_id": "{job}"}, coordinator_only(200)),
    "exchange.iati_job_report": ("GET", {"job_id": "{job}"}, coordinator_only(200)),
    "api_overlaps.report": ("GET", {}, API_SESSION),
    # Focal points see only pairs that involve their organisation's projects (tests/overlap prove the scoping).
    "overlap.report": ("GET", {}, signed_in(200)),
    "overlap.export": ("GET", {"fmt": "csv"}, signed_in(200)),
    "overlap.print_view": ("GET", {}, signed_in(200)),
    # Deciding a pair is for coordinators; an empty decision is refused back to the report.
    "overlap.decide_pair": ("POST", {}, coordinator_only(302)),
    # Everyone has an inbox of their own; another user's notification is answered as if it did not exist.
    "notifications.index": ("GET", {}, signed_in(200)),
    "notifications.read_all": ("POST", {}, signed_in(302)),
    "notifications.open_notification": ("POST", {"notification_id": "{notification}"},
                                        {"anonymous": LOGIN, "focal_own": 302, "focal_other": 404,
                                         "coordinator": 404, "admin": 404}),
}


# While an administrator keeps the public read-only view open, anonymous visitors read these (and nothing else:
# every other route answers them as in ACCESS). The home page sends them to the search.
PUBLIC_VIEW = {
    "main.index": 302,
    "projects.detail": 200,
    **{endpoint: 200 for endpoint in ("search.index", "search.donors", "search.matrix", "search.map", "search.map_data",
                                      "search.timeline", "search.download", "search.print_view")},
}


@pytest.fixture
def world(app, session):
    users = {
        "focal_own": f.make_user(session, org="UK"),
        "focal_other": f.make_user(session, org="US"),
        "coordinator": f.make_user(session, role="coordinator", org="UNODC"),
        "admin": f.make_user(session, role="admin", org="UNODC"),
    }
    project = f.make_project(session, donors=("UK",), implementers=("OSCE",))
    token = create_token(session, users["focal_own"], "matrix").token
    job = ImportJob(user_id=users["coordinator"].id, file_name="donor.xml", status="done", report={"imported": 0})
    session.add(job)
    note = Notification(user_id=users["focal_own"].id, project_id=project.id, message="A project may overlap yours.")
    session.add(note)
    session.commit()
    ids = {"project": project.id, "user": users["focal_own"].id, "organisation": f.organisation(session, "UK").id,
           "theme": f.theme(session, "border-control").id, "token": token.id,
           "job": job.id, "notification": note.id}
    return users, ids


def test_every_route_has_declared_access(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    undeclared = sorted(endpoints - set(ACCESS))
    assert undeclared == [], f"declare who may use these routes in ACCESS: {undeclared}"
    assert sorted(set(ACCESS) - endpoints) == [], "ACCESS names routes that no longer exist"


def _url(app, endpoint, params, ids):
    values = {k: (v.format(**ids) if isinstance(v, str) and v.startswith("{") else v) for k, v in params.items()}
    with app.test_request_context():
        return url_for(endpoint, **values)


def test_each_role_gets_the_declared_status_on_every_route(app, world):
    users, ids = world
    mismatches = []
    for endpoint, (method, params, expected) in ACCESS.items():
        url = _url(app, endpoint, params, ids)
        for role in ROLES:
            client = app.test_client()
            if role != "anonymous":
                login(client, users[role])
            response = client.open(url, method=method)
            if response.status_code != expected[role]:
                mismatches.append(f"{method} {url} as {role}: {response.status_code}, expected {expected[role]}")
    assert not mismatches, "\n".join(mismatches)


def test_the_public_read_only_view_opens_the_read_only_pages_and_nothing_else(app, session, world):
    _users, ids = world
    set_public_view(session, True, None)
    session.commit()
    mismatches = []
    for endpoint, (method, params, expected) in ACCESS.items():
        url = _url(app, endpoint, params, ids)
        status = app.test_client().open(url, method=method).status_code
        if status != PUBLIC_VIEW.get(endpoint, expected["anonymous"]):
            mismatches.append(f"{method} {url}: {status}, expected {PUBLIC_VIEW.get(endpoint, expected['anonymous'])}")
    assert not mismatches, "\n".join(mismatches)
