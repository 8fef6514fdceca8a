"""Retrieval in Chromium: the quotes page pages through every excerpt, highlights each in
its code's colour, groups them, links each to its place, and shows a code x attribute
matrix whose cells open their quotes."""

from __future__ import annotations

import re

import pytest
from browsing import LEAD, start_as
from playwright.sync_api import expect

from qualcode import open_project
from qualcode.memos import write_memo
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


@pytest.mark.parametrize("who", [LEAD, "ana"])  # the lead's memo first: ana must not see it
def test_browser_memo_browser_lists_memos_one_may_see_with_filters(page, server, who):
    start_as(page, server.url, who)
    project = open_project(server.root)
    try:
        with project.transaction() as session:
            write_memo(session, "code", "Trust", f"{who} on trust: keep apart from respect", who)
    finally:
        project.close()
    page.click("nav >> text=Memos")
    expect(page.locator(".memo-item", has_text=f"{who} on trust")).to_have_count(1)
    page.select_option("form[data-control=filter-memos] select[name=kind]", "code")
    page.fill("form[data-control=filter-memos] input[name=text]", "apart from respect")
    page.click("[data-control=filter-memos-submit]")
    items = page.locator(".memo-item")
    expect(items.filter(has_text=f"{who} on trust")).to_have_count(1)
    assert set(items.evaluate_all("(els) => els.map((el) => el.dataset.kind)")) == {"code"}
    if who != LEAD:  # a blind coder sees none of the lead's
        expect(items.filter(has_text=f"{LEAD} on trust")).to_have_count(0)
    items.first.locator("a").click()
    expect(page.locator("h1")).to_have_text("Quotes")
