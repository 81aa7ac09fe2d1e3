"""One journey through the search in a real browser: sign in, search, matrix, map, download an export."""
from __future__ import annotations

import csv
import io
import re

import pytest

pytestmark = pytest.mark.browser


def test_coordinator_searches_opens_matrix_and_map_and_downloads_an_export(browser, live_server):
    base, (email, password) = live_server
    context = browser.new_context(accept_downloads=True)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text)
            if message.type == "error" and "Failed to load resource" not in message.text else None)
    failed: list[str] = []
    # The browser asks for /favicon.ico on its own; ADAM has none, and that is not a broken page.
    page.on("response", lambda response: failed.append(f"{response.status} {response.url}")
            if response.status >= 400 and not response.url.endswith("/favicon.ico") else None)
    page.set_default_timeout(10_000)

    page.goto(f"{base}/search/")
    page.fill("#email", email)
    page.fill("#password", password)
    page.click("main button[type=submit]")
    page.wait_for_url(re.compile(r"/search/"))

    # Search: one pillar; the URL holds the state and the totals follow it.
    all_total = int(page.locator("#search-totals strong").first.inner_text().replace(",", ""))
    page.click("details.search-filters summary")  # the filters fold away while none is set
    page.select_option("#f-pillar", "1")
    page.click("#search-form button[type=submit]")
    page.wait_for_url(re.compile(r"pillar=1"))
    pillar_total = int(page.locator("#search-totals strong").first.inner_text().replace(",", ""))
    assert 0 < pillar_total < all_total
    assert page.locator("table.search-results tbody tr").count() == min(pillar_total, 25)

    # Matrix: the same search by country x pillar; only pillar 1 has projects, the other pillars are gaps.
    page.click("nav.search-tabs >> text=Country × pillar")
    page.wait_for_url(re.compile(r"/search/matrix\?pillar=1"))
    assert page.locator("#matrix tbody tr").count() > 0
    assert page.locator("#matrix td.gap").count() >= 3 * page.locator("#matrix tbody tr").count()

    # Map: drawn from the vendored world atlas, countries with projects clickable.
    page.click("nav.search-tabs >> text=Map")
    page.wait_for_selector("#map svg path.has-data")
    assert page.locator("#map path").count() > 150
    assert page.locator("#map-legend .swatch").count() >= 2
    # The legend's classes do not share their edges ("3 – 5", "5 – 7" left 5 in two classes)
    ranges = [[int(x) for x in re.findall(r"\d+", text.replace(",", ""))]
              for text in page.locator("#map-legend > span").all_inner_texts() if re.search(r"\d", text)]
    assert len(ranges) >= 2 and all(r for r in ranges)
    assert all(later[0] > earlier[-1] for earlier, later in zip(ranges, ranges[1:])), ranges
    first = page.locator("#map path.has-data").first
    iso3 = first.get_attribute("data-iso3")
    first.click()
    page.wait_for_url(re.compile(rf"country={iso3}"))
    assert page.locator("table.search-results tbody tr").count() >= 1

    # Export the results as CSV: the file holds the projects of the search.
    with page.expect_download() as download_info:
        page.click(".search-exports >> text=CSV")
    path = download_info.value.path()
    rows = list(csv.reader(io.StringIO(open(path, encoding="utf-8-sig").read())))
    shown = int(page.locator("#search-totals strong").first.inner_text().replace(",", ""))
    assert rows[0][:2] == ["ID", "Title"]
    assert len(rows) - 1 == shown

    assert errors == [], errors  # no CSP violation or script error along the way
    assert failed == [], failed
    context.close()


@pytest.mark.parametrize("width", [1300, 1024, 420])
def test_the_date_and_budget_fields_stay_inside_their_own_boxes(browser, live_server, width):
    """The "To" date input was wider than its half of the "Active within" box: it spilled over the budget box,
    which hid its calendar button."""
    base, (email, password) = live_server
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.goto(f"{base}/search/?country=TJK")  # a filter is set: the filters are unfolded
    page.fill("#email", email)
    page.fill("#password", password)
    page.click("main button[type=submit]")
    page.wait_for_url(re.compile(r"/search/"))
    boxes = page.evaluate("""() => [...document.querySelectorAll('.search-range')].map(box => {
        const r = box.getBoundingClientRect();
        return {left: r.left, right: r.right, top: r.top, bottom: r.bottom,
                inputs: [...box.querySelectorAll('input')].map(i => i.getBoundingClientRect().right)};
    })""")
    assert len(boxes) == 2
    for box in boxes:
        assert all(right <= box["right"] for right in box["inputs"]), box
        assert box["right"] <= width
    dates, budget = boxes
    side_by_side = dates["top"] < budget["bottom"] and budget["top"] < dates["bottom"]
    assert not side_by_side or dates["right"] <= budget["left"] or budget["right"] <= dates["left"], boxes
    context.close()
