"""Login, logout, throttling, password rules and the audit trail."""
import datetime as dt
import re

from sqlalchemy import select

from adam.accounts.operations import password_problems
from adam.models import AuditEvent, User
from tests import factories as f
from tests.conftest import make_test_app
from tests.helpers import login

PASSWORD = "correct horse battery"


def sign_in(client, email, password=PASSWORD, next_url=None):
    url = "/account/login" + (f"?next={next_url}" if next_url else "")
    return client.post(url, data={"email": email, "password": password})


def events(session):
    return [e.event for e in session.scalars(select(AuditEvent).order_by(AuditEvent.id))]


def test_login_with_right_password_then_logout(client, session):
    user = f.make_user(session, email="fiona@example.org")
    session.commit()
    response = sign_in(client, "Fiona@Example.org")
    assert response.status_code == 302 and response.location.endswith("/")
    assert client.get("/projects/").status_code == 200
    assert client.get("/account/logout").status_code == 405  # logging out needs a POST (CSRF-protected)
    client.post("/account/logout")
    assert client.get("/projects/").status_code == 302
    session.expire_all()
    assert session.get(User, user.id).last_login_at is not None
    assert events(session) == ["login"]


def test_wrong_password_is_refused_without_saying_whether_the_account_exists(client, session):
    f.make_user(session, email="fiona@example.org")
    session.commit()
    wrong = sign_in(client, "fiona@example.org", "not the password")
    unknown = sign_in(client, "nobody@example.org", "not the password")
    assert wrong.status_code == unknown.status_code == 401
    assert b"Invalid e-mail or password." in wrong.data and b"Invalid e-mail or password." in unknown.data
    assert events(session) == ["login_failed", "login_failed"]


def test_repeated_failures_lock_the_account_for_a_while(client, session, app):
    user = f.make_user(session, email="fiona@example.org")
    session.commit()
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        sign_in(client, "fiona@example.org", "guess")
    locked = sign_in(client, "fiona@example.org")  # even the right password waits
    assert locked.status_code == 401 and b"Too many failed attempts" in locked.data
    session.expire_all()
    user = session.get(User, user.id)
    user.locked_until = dt.datetime.now(dt.timezone.utc) - dt.timedelta(seconds=1)
    session.commit()
    assert sign_in(client, "fiona@example.org").status_code == 302


def test_login_is_rate_limited_per_address(database_url, _migrated_app):
    app = make_test_app(database_url, RATELIMIT_ENABLED=True, RATELIMIT_LOGIN="3 per minute")
    client = app.test_client()
    codes = [sign_in(client, "nobody@example.org", "guess").status_code for _ in range(4)]
    assert codes == [401, 401, 401, 429]


def test_deactivated_user_cannot_log_in_nor_keep_a_session(client, session):
    user = f.make_user(session, email="gone@example.org")
    session.commit()
    login(client, user)
    assert client.get("/projects/").status_code == 200
    user.active = False
    session.commit()
    assert client.get("/projects/").status_code == 302
    assert sign_in(client, "gone@example.org").status_code == 401


def test_next_parameter_never_redirects_off_site(client, session):
    f.make_user(session, email="fiona@example.org")
    session.commit()
    response = sign_in(client, "fiona@example.org", next_url="https://evil.example/")
    assert response.location.endswith("/") and "evil" not in response.location
    client.post("/account/logout")
    response = sign_in(client, "fiona@example.org", next_url="/projects/")
    assert response.location.endswith("/projects/")


def test_passwords_are_hashed_and_rules_apply(client, session):
    user = f.make_user(session, email="fiona@example.org")
    assert PASSWORD not in user.password_hash and user.check_password(PASSWORD)
    assert password_problems("short") and password_problems("1234567890123")
    assert password_problems("fiona@example.org", "fiona@example.org")
    assert password_problems("a long enough passphrase") == []
    session.commit()
    login(client, user)
    weak = client.post("/account/profile", data={"current": PASSWORD, "new": "1234567890", "confirm": "1234567890"})
    assert b"Use more than digits" in weak.data
    ok = client.post("/account/profile", data={"current": PASSWORD, "new": "a new long passphrase", "confirm": "a new long passphrase"})
    assert ok.status_code == 302
    session.expire_all()
    assert session.get(User, user.id).check_password("a new long passphrase")


def test_csrf_is_required_on_forms_when_enabled(database_url, _migrated_app):
    app = make_test_app(database_url, WTF_CSRF_ENABLED=True)
    client = app.test_client()
    response = client.post("/account/login", data={"email": "a@example.org", "password": "whatever12345"})
    assert response.status_code == 400 and "reload the page and send it again" in response.get_data(as_text=True)


def test_a_form_refused_by_the_csrf_check_says_what_to_do_in_the_readers_language(database_url, _migrated_app):
    # E.g. the browser was closed and its tabs restored: the session (and its CSRF token) is gone, the page is not.
    app = make_test_app(database_url, WTF_CSRF_ENABLED=True)
    client = app.test_client()
    response = client.post("/account/login", data={"email": "a@example.org", "password": "whatever12345",
                                                   "csrf_token": "from-a-page-of-an-old-session"},
                           headers={"Accept-Language": "fr"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "CSRF" not in page
    assert "rechargez la page" in page and "Requête incorrecte" in page


def test_security_headers_are_set(client):
    headers = client.get("/account/login").headers
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    assert "unsafe-inline" not in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"


def test_a_wrong_current_password_is_told_at_the_current_password(client, session):
    """"The current password is not right." was shown under "New password", and the page answered 200."""
    user = f.make_user(session, email="fiona@example.org")
    session.commit()
    login(client, user)
    response = client.post("/account/profile", data={"current": "not my password", "new": "a new long passphrase",
                                                    "confirm": "a new long passphrase"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert re.search(r'id="current-error"><li>The current password is not right.</li>', page)
    assert 'id="new-error"' not in page
    weak = client.post("/account/profile", data={"current": PASSWORD, "new": "1234567890", "confirm": "1234567890"})
    assert weak.status_code == 422 and re.search(r'id="new-error"><li>Use more than digits.</li>', weak.get_data(as_text=True))
    session.expire_all()
    assert session.get(User, user.id).check_password(PASSWORD)


def test_login_page_while_signed_in_follows_a_safe_next_target(client, session):
    user = f.make_user(session, email="fiona@example.org")
    session.commit()
    login(client, user)
    assert client.get("/account/login?next=/projects/").location == "/projects/"
    assert client.get("/account/login?next=https://evil.example/").location == "/"
    assert client.get("/account/login?next=//evil.example/").location == "/"
    assert client.get("/account/login").location == "/"


def test_lockout_message_uses_each_languages_plural_forms(client, session):
    user = f.make_user(session, email="fiona@example.org")
    session.commit()
    expected = {
        "en": {1: "Try again in 1 minute.", 3: "Try again in 3 minutes."},
        "ru": {1: "через 1 минуту.", 3: "через 3 минуты.", 5: "через 5 минут.", 21: "через 21 минуту."},
        "fr": {1: "dans 1 minute.", 5: "dans 5 minutes."},
        "es": {1: "dentro de 1 minuto.", 5: "dentro de 5 minutos."},
    }
    for language, by_wait in expected.items():
        for minutes, text in by_wait.items():
            user.locked_until = dt.datetime.now(dt.timezone.utc) + dt.timedelta(minutes=minutes - 1, seconds=30)
            session.commit()
            page = client.post("/account/login", data={"email": "fiona@example.org", "password": PASSWORD},
                               headers={"Accept-Language": language}).get_data(as_text=True)
            assert text in page and "(s)" not in page, (language, minutes)
