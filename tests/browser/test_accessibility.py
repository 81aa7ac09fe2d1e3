"""axe-core (vendored from the npm registry by `make test-assets`) finds no serious or critical violation on the
main pages, signed in as a coordinator."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser
AXE = Path(__file__).parent / "vendor" / "axe.min.js"
AXE_SOURCE = AXE.read_text(encoding="utf-8")
PAGES = ["/", "/projects/", "/projects/1", "/projects/new", "/search/", "/search/matrix", "/search/map",
         "/search/timeline", "/account/profile", "/admin/organisations", "/exchange/"]


def violations(page) -> list[str]:
    # The page's CSP forbids inline <script> tags, so axe is evaluated through the DevTools protocol instead,
    # which the CSP does not govern; the page itself keeps its real policy.
    page.evaluate(AXE_SOURCE)
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{v['impact']}: {v['id']} ({v['help']}) at {', '.join(n['target'][0] for n in v['nodes'][:3])}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def test_main_pages_have_no_serious_accessibility_violation(browser, live_server):
    base, (email, password) = live_server
    page = browser.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{base}/account/login")
    found = {"/account/login": violations(page)}
    page.fill("#email", email)
    page.fill("#password", password)
    page.click("main button[type=submit]")
    page.wait_for_url(re.compile(r"/$"))
    for path in PAGES:
        page.goto(base + path)
        found[path] = violations(page)
    page.close()
    assert {path: v for path, v in found.items() if v} == {}
