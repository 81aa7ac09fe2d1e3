"""Journeys through ADAM in a real browser (Debian's chromium driven by Playwright)."""
from __future__ import annotations

import re

import pytest

from adam.demo import DEMO_PASSWORD

pytestmark = pytest.mark.browser


def sign_in(page, base: str, email: str, password: str = DEMO_PASSWORD) -> None:
    page.goto(f"{base}/account/login")
    page.fill("#email", email)
    page.fill("#password", password)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/$"))


@pytest.fixture
def page(browser):
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def test_administrator_creates_a_user_who_can_then_sign_in(page, live_server):
    base, _ = live_server
    sign_in(page, base, "admin@adam.example")
    page.click("text=Users")
    page.click("text=New user")
    page.fill("#email", "new.focal.point@example.org")
    page.fill("#name", "Nadia New")
    page.select_option("#role", "focal_point")
    page.select_option("#organisation_id", label="Government of Norway (NO)")
    page.fill("#password", "a brand new passphrase")
    page.click("main button[type=submit]")
    page.wait_for_url(re.compile(r"/admin/users$"))
    assert page.locator("table.data", has_text="new.focal.point@example.org").count() == 1
    page.click("button:has-text('Sign out')")

    sign_in(page, base, "new.focal.point@example.org", "a brand new passphrase")
    assert "Nadia New" in page.locator("header").inner_text()
    assert "Government of Norway" in page.content()
