"""Every page of the workbench passes axe-core (from PyPI's axe-playwright-python, run in
the page) with no serious or critical violation, works at 200% zoom without a sideways
scroll, and codes with the keyboard alone."""

from __future__ import annotations

import pytest
from browsing import LEAD, label, open_document, start_as
from playwright.sync_api import expect

pytestmark = pytest.mark.browser
AREA_1 = "area-1-mapping-workshop.md"


def serious(page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    found = Axe().run(page).response["violations"]
    return [
        f"{v['id']}: {v['help']} ({len(v['nodes'])}: {v['nodes'][0]['target']})"
        for v in found
        if v["impact"] in ("serious", "critical")
    ]


def test_browser_every_page_passes_axe_with_no_serious_violation(page, server, shot):
    start_as(page, server.url, LEAD)
    found = {"documents": serious(page)}
    open_document(page, AREA_1)
    found["transcript"] = serious(page)
    for name, path in [
        ("quotes", "/quotes?matrix=area&group=code"), ("find", "/search?q=council+trust"),
        ("memos", "/memos"), ("agreement", "/agreement"), ("adjudicate", "/adjudicate"),
    ]:  # fmt: skip
        page.goto(f"{server.base}{path}")
        found[name] = serious(page)
    assert {name: said for name, said in found.items() if said} == {}


def test_browser_at_200_percent_zoom_a_coder_codes_with_the_keyboard_alone(
    browser_context, server, shot
):
    page = browser_context()
    page.set_viewport_size({"width": 720, "height": 450})  # what 200% makes of 1440x900
    start_as(page, server.url, "kim")
    open_document(page, AREA_1)
    wide = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    assert wide <= 1, f"{wide}px of sideways scroll at 200%"
    page.keyboard.press("n")  # the next sentence without a coding of kim's
    expect(page.locator("#selection")).to_be_visible()
    page.keyboard.press("1")
    expect(label(page, "Independent funding")).to_have_count(1)
    page.keyboard.press("f")
    page.keyboard.type("council")
    page.keyboard.press("Enter")
    expect(page.locator("#find-count")).to_contain_text("1 of ")
    page.keyboard.press("Escape")
    page.keyboard.press("2")
    expect(page.locator("#progress")).to_contain_text("2 of ")
    assert serious(page) == [], "transcript at 200%"
    shot(page, "zoomed")
