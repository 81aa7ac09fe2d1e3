"""A live ADAM for the browser: the app served from a thread on a free 127.0.0.1 port, its own SQLite
database built by the migrations and filled with the demo data, driven by Debian's chromium.

Skips (saying why) when /usr/bin/chromium or Playwright is missing, unless ADAM_REQUIRE_BROWSER=1.
Never downloads a browser: Playwright is pointed at the system chromium.
"""
from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-background-networking"]


def _unavailable(reason: str) -> None:
    if os.environ.get("ADAM_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{reason} (ADAM_REQUIRE_BROWSER=1)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        _unavailable(f"{CHROMIUM} not found: install Debian's chromium to run browser tests")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("playwright is not installed (pip install -e .[test])")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    """Base URL of a running ADAM with demo data, and the demo coordinator's e-mail and password."""
    from flask_migrate import upgrade
    from werkzeug.serving import make_server

    from adam import create_app
    from adam.demo import DEMO_PASSWORD, load_demo
    from adam.extensions import db
    from adam.refdata import load_organisations, load_reference_data

    database = tmp_path_factory.mktemp("live") / "adam.sqlite3"
    app = create_app({
        "TESTING": True,
        "SECRET_KEY": "browser-test-secret",
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}",
        "RATELIMIT_ENABLED": False,
    })
    with app.app_context():
        upgrade()
        load_reference_data(db.session)
        load_organisations(db.session)
        load_demo(db.session, count=150)  # the demo plants its overlaps among the first 135
        db.session.commit()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", ("coordinator@adam.example", DEMO_PASSWORD)
    server.shutdown()
    thread.join(timeout=5)
