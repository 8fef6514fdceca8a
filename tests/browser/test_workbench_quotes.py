"""Retrieval in Chromium: the quotes page pages through every excerpt, highlights each in
its code's colour, groups them, links each to its place, and shows a code x attribute
matrix whose cells open their quotes."""

from __future__ import annotations

import re

import pytest
from browsing import LEAD, start_as
from playwright.sync_api import expect

from qualcode import open_project
from qualcode.quotes import quotes

pytestmark = pytest.mark.browser


def excerpts(server, who: str, **filters) -> int:
    project = open_project(server.root)
    try:
        return len(quotes(project, viewer=who, **filters))
    finally:
        project.close()


@pytest.mark.parametrize("who", ["ana", LEAD])  # ana coded the example; the lead sees all
def test_browser_quotes_page_group_colour_link_and_matrix(page, server, shot, who):
    start_as(page, server.url, who)
    page.click("nav >> text=Quotes")
    total = excerpts(server, who)
    pages = -(-total // 300)
    assert pages >= 2
    expect(page.locator("#quote-count")).to_have_text(f"{total} excerpts, page 1 of {pages}")
    expect(page.locator("li.quote")).to_have_count(300)
    page.click("a[rel=next]")
    expect(page.locator("#quote-count")).to_contain_text(f"page 2 of {pages}")
    expect(page.locator("li.quote")).to_have_count(min(300, total - 300))
    mark = page.locator("li.quote mark").first
    code = page.locator("li.quote").first.locator(".chip").first.text_content()
    colour = page.locator("li.quote").first.locator(".chip .swatch").first.evaluate(
        "(el) => getComputedStyle(el).backgroundColor"
    )
    assert code and mark.evaluate("(el) => getComputedStyle(el).borderBottomColor") == colour
    page.select_option("#quote-filters select[name=group]", "code")
    page.select_option("#quote-filters select[name=matrix]", "area")
    page.click("[data-control=show-quotes]")
    expect(page.locator(".group-head").first).to_be_visible()
    expect(page.locator("#matrix")).to_be_visible()
    shot(page, "matrix")
    cell = page.locator("#matrix td a").first
    count = int(cell.text_content())
    cell.click()
    expect(page.locator("#quote-count")).to_have_text(
        re.compile(rf"^{count} excerpts?(, page 1 of \d+)?$")
    )
    page.locator("li.quote .attribution a").first.click()
    page.wait_for_selector('#transcript[data-ready="true"]', state="attached")
    assert re.search(r"#at-\d+$", page.url)
