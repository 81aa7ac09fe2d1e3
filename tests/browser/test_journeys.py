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
    page.click("main button[type=submit]")
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


def test_donor_registers_a_project_and_sees_the_overlap_warning_before_it_is_saved(page, live_server):
    base, _ = live_server
    sign_in(page, base, "focal.uk@adam.example")
    page.goto(f"{base}/projects/new")
    # The demo's first project, as a second donor would word it: same dogs, same agency, same months.
    page.fill("#title", "Drug detection dog unit for the Border Guard Service of Türkiye")
    page.fill("#summary", "Dogs, kennels and handler training for drug detection at border crossings in Türkiye.")
    page.select_option("#countries", label="Türkiye")
    page.get_by_label("1. Regional initiatives").check()
    page.get_by_label("Canine units").check()
    page.select_option("#institutions", label="Border Guard Service of Türkiye")
    page.fill("#planned_start_on", "2025-04-01")
    page.fill("#planned_end_on", "2025-09-30")
    page.select_option("#activity_type", "equipment")
    page.click("main button[type=submit]")

    warning = page.locator("section.overlap-warning")
    warning.wait_for()
    assert "Canine unit development for Türkiye" in warning.inner_text()
    assert "Border Guard Service of Türkiye" in warning.inner_text()  # the evidence names the shared institution
    assert page.url.endswith("/projects/new")  # nothing saved yet

    page.click("main button:has-text('Save anyway')")
    page.wait_for_url(re.compile(r"/projects/\d+$"))
    assert "Drug detection dog unit" in page.locator("h1").inner_text()


def test_coordinator_runs_the_duplicate_report_and_decides_a_pair(page, live_server):
    base, _ = live_server
    sign_in(page, base, "coordinator@adam.example")
    page.goto(f"{base}/overlaps/")
    pairs = page.locator("li.overlap-pair")
    before = pairs.count()
    assert before > 0
    first = pairs.first
    titles = first.locator(".overlap-side h2").all_inner_texts()
    first.locator("select[name=decision]").select_option("complementary")
    first.locator("textarea[name=note]").fill("Coordinated at the Almaty donor meeting")
    first.locator("button:has-text('Record decision')").click()
    page.wait_for_load_state()
    # A decided pair leaves the undecided list, and is listed with the decision among the decided ones.
    undecided = page.locator("li.overlap-pair").all_inner_texts()
    assert not any(all(t in text for t in titles) for text in undecided)
    page.goto(f"{base}/overlaps/?decided=decided")
    decided = page.locator("li.overlap-pair", has_text=titles[0])
    assert "Coordinated at the Almaty donor meeting" in decided.first.inner_text()


def test_user_switches_to_russian_and_the_interface_stays_russian(page, live_server):
    base, _ = live_server
    # An English browser, so that only the switcher can make the pages Russian.
    page.context.set_extra_http_headers({"Accept-Language": "en-GB,en;q=0.9"})
    sign_in(page, base, "focal.eu@adam.example")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("nav[aria-label='Main']").inner_text().startswith("Home")

    # The switcher in the header: a select and a button, no JavaScript needed.
    page.select_option("#switch-language", "ru")
    page.click("#language-switcher button[type=submit]")
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "ru"
    nav = page.locator("header nav")
    assert nav.get_attribute("aria-label") == "Главное меню"
    for word in ("Главная", "Проекты", "Кто что делает", "Проверка на дублирование", "Обмен данными"):
        assert nav.get_by_role("link", name=word, exact=True).count() == 1, word
    assert "Язык изменён." in page.locator(".flashes").inner_text()
    assert page.get_by_role("button", name="Выйти").count() == 1

    # The next page, reached by a link, is still in Russian: the search with Russian filters and country names.
    nav.get_by_role("link", name="Кто что делает", exact=True).click()
    page.wait_for_url(re.compile(r"/search/"))
    assert page.locator("html").get_attribute("lang") == "ru"
    assert page.locator("h1").inner_text() == "Кто что делает, где и когда"
    assert page.get_by_role("button", name="Искать").count() == 1
    assert page.locator("label[for=f-country]").text_content() == "Страна"  # in the folded filters
    countries = page.locator("#f-country option").all_text_contents()
    assert "Таджикистан" in countries and "Tajikistan" not in countries
    assert re.search(r"\d+ проект", page.locator("#search-totals").inner_text())
    headers = page.locator("table.search-results thead th").all_inner_texts()
    assert headers[:3] == ["Название", "Страны / регионы", "Доноры"]

    # It is kept with the profile: a new session (another browser) signs in straight into Russian.
    other = page.context.browser.new_context(extra_http_headers={"Accept-Language": "en"})
    try:
        again = other.new_page()
        sign_in(again, base, "focal.eu@adam.example")
        assert again.locator("html").get_attribute("lang") == "ru"
        assert again.locator("h1").inner_text().startswith("Добро пожаловать")
    finally:
        other.close()


def test_a_notification_s_open_button_is_readable(page, live_server):
    """"Open the project" under each notification was white on the light grey of the item: invisible."""
    base, (email, _password) = live_server
    sign_in(page, base, email)
    page.goto(f"{base}/notifications/")
    # The coordinator of the demo has no notification: one item as the inbox (and the home page) draws it.
    page.evaluate("""() => document.querySelector('main').insertAdjacentHTML('beforeend',
        '<ul class="notifications"><li class="unread"><p>A notice</p><form class="inline">' +
        '<button type="submit" class="link" id="open-project">Open the project</button></form></li></ul>')""")
    colours = page.evaluate("""() => {
        const rgb = (el, property) => getComputedStyle(el)[property].match(/\\d+/g).slice(0, 3).map(Number);
        const button = document.getElementById('open-project');
        return {text: rgb(button, 'color'), background: rgb(button.closest('li'), 'backgroundColor'),
                header: rgb(document.querySelector('.site-header button.link'), 'color')};
    }""")

    def luminance(rgb):
        channels = [c / 255 for c in rgb]
        channels = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * channels[0] + 0.7152 * channels[1] + 0.0722 * channels[2]

    lighter, darker = sorted((luminance(colours["text"]), luminance(colours["background"])), reverse=True)
    assert (lighter + 0.05) / (darker + 0.05) >= 4.5, colours  # WCAG AA for text
    assert colours["header"] == [255, 255, 255]  # "Sign out" in the dark header stays white


def test_the_printed_duplicate_check_fits_the_page_width(page, live_server):
    base, _ = live_server
    sign_in(page, base, "coordinator@adam.example")
    # an A4 page in landscape, less its margins (273 mm at 96 px per inch), then a laptop screen
    for width, media in ((1031, "print"), (1280, "screen")):
        page.set_viewport_size({"width": width, "height": 800})
        page.emulate_media(media=media)
        page.goto(f"{base}/overlaps/print?decided=all")
        assert page.locator("table.print-table tbody tr").count() > 1
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, (media, overflow)
