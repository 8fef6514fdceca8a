"""The lead in Chromium: agreement and its report, every adjudication button, and the
round opened and closed while a coder watches what they may see."""

from __future__ import annotations

import re

import pytest
from browsing import LEAD, PLAIN, code_item, open_document, start_as
from playwright.sync_api import expect

pytestmark = pytest.mark.browser
AREA_1 = "area-1-mapping-workshop.md"


def items(page) -> int:
    found = re.match(r"(\d+) disagreements?", page.locator(".page-head p.muted").text_content())
    count = int(found[1])
    expect(page.locator("li.item")).to_have_count(count)
    return count


def consensus_quotes(page) -> int:
    """How many excerpts the quotes page counts for the consensus coder (0: none yet)."""
    page.click("nav >> text=Quotes")
    page.fill('input[name="coder"]', "consensus")
    page.click("[data-control=show-quotes]")
    page.wait_for_url("**coder=consensus*")
    if page.locator("h1").text_content() == "Not found":
        expect(page.locator(".error-message")).to_contain_text("no coder 'consensus'")
        return 0
    head = page.locator(".page-head p.muted").text_content()  # "N excerpts, the first 300 shown"
    return int(re.match(r"(\d+) excerpts?", head)[1])


def test_browser_agreement_is_for_the_lead_with_its_report(browser_context, server, shot):
    coder = browser_context()
    start_as(coder, server.url, "ana")
    for page_name in ("Agreement", "Adjudicate"):
        coder.click(f"nav >> text={page_name}")
        expect(coder.locator("h1")).to_have_text("Not for you, yet")
        expect(coder.locator(".error-message")).to_contain_text("ana is not a lead")
    page = browser_context()
    start_as(page, server.url, LEAD)
    page.click("nav >> text=Agreement")
    expect(page.locator("h1")).to_have_text("Agreement between coders")
    expect(page.locator(".page-head")).to_contain_text("coders ana, ben")
    expect(page.locator(".round-state")).to_contain_text("closed")
    assert page.locator("table.agreement tbody tr:not(.theme-row)").count() > 20
    expect(page.locator("p.pooled")).to_contain_text("Pooled: alpha")
    shot(page, "agreement")
    page.click("[data-control=agreement-report]")
    expect(page.locator("h1").first).to_contain_text("Agreement between coders")
    expect(page.locator("body")).to_contain_text("ana")
    page.go_back()
    page.click("[data-control=go-adjudicate]")
    expect(page.locator("h1")).to_have_text("Adjudication")


def test_browser_lead_settles_disagreements_with_every_button(own_server, page, shot):
    start_as(page, own_server.url, LEAD)
    assert consensus_quotes(page) == 0
    page.click("nav >> text=Adjudicate")
    pending = items(page)
    assert pending > 4
    with page.expect_navigation(timeout=120_000):  # hundreds of codings: it takes a while
        page.click("[data-control=copy-agreed-submit]", no_wait_after=True)
    expect(page.locator("h1")).to_have_text("Adjudication")
    assert items(page) == pending  # agreed codings go to the consensus; nothing is settled
    agreed = consensus_quotes(page)
    assert agreed > 0
    page.click("nav >> text=Adjudicate")
    for button in ('[data-control=take-coder][value="ana"]',
                   '[data-control=take-coder][value="ben"]',
                   "[data-control=take-both]", "[data-control=take-neither]"):  # fmt: skip
        first = page.locator("li.item").first
        key = first.locator('input[name="key"]').get_attribute("value")
        first.locator(button).click()
        expect(page.locator("h1")).to_have_text("Adjudication")
        pending -= 1
        assert items(page) == pending
        pending_form = page.locator(f'form[action="/adjudicate/settle"] input[value="{key}"]')
        expect(pending_form).to_have_count(0)
    shot(page, "settled")
    assert consensus_quotes(page) > agreed  # ana's, ben's and both versions went in
    page.click("nav >> text=Adjudicate")
    settled = 4  # one per button
    expect(page.locator("li.settled-item")).to_have_count(settled)
    page.locator("[data-control=reopen-submit]").first.click()
    expect(page.locator("h1")).to_have_text("Adjudication")
    assert items(page) == pending + 1  # the reopened item is pending again
    expect(page.locator("li.settled-item")).to_have_count(settled - 1)


def test_browser_lead_opens_and_closes_the_round_for_everyone(own_server, browser_context):
    coder = browser_context()
    start_as(coder, own_server.url, "ana")
    open_document(coder, AREA_1)
    others = coder.locator(".margin .label .by", has_text="ben")
    expect(others).to_have_count(0)  # blind
    lead = browser_context()
    start_as(lead, own_server.url, LEAD)
    lead.click("nav >> text=Agreement")
    lead.click("[data-control=open-round]")
    expect(lead.locator(".round-state")).to_contain_text("open")
    expect(lead.locator("[data-control=close-round]")).to_be_visible()
    coder.reload()
    coder.wait_for_selector('#transcript[data-ready="true"]', state="attached")
    expect(others.first).to_be_visible()  # now ana sees ben's codings
    expect(coder.locator(".blind")).to_have_count(0)
    coder.click("nav >> text=Agreement")
    expect(coder.locator(".round-state")).to_contain_text("open")
    expect(coder.locator("[data-control=close-round]")).to_have_count(0)  # not hers to close
    lead.click("[data-control=close-round]")
    expect(lead.locator(".round-state")).to_contain_text("closed")
    coder.reload()
    expect(coder.locator("h1")).to_have_text("Not for you, yet")
    coder.click("nav >> text=Documents")
    open_document(coder, AREA_1)
    expect(others).to_have_count(0)


def test_browser_lead_uses_the_pages_a_coder_uses(page, server, tmp_path):
    """The lead chooses who they are, filters documents, reads the codebook, writes a memo
    and downloads everyone's quotes, as a coder does (each control, as the lead)."""
    start_as(page, server.url, LEAD)
    page.click("[data-control=help]")
    expect(page.locator("#help")).to_be_visible()
    page.keyboard.press("Escape")
    page.select_option('select[name="where"]:has(option[value="method=workshop"])',
                       value="method=workshop")  # fmt: skip
    expect(page.locator("a.doc-link")).to_have_count(3)
    page.click("[data-control=clear-documents-filter]")
    expect(page.locator("a.doc-link")).to_have_count(14)  # a hearing's .rst twin is skipped
    page.click("[data-control=change-coder]")
    page.fill("#name", LEAD)
    page.click("[data-control=start-coding]")
    expect(page.locator("#coder-name")).to_have_text(LEAD)
    open_document(page, PLAIN)
    trust = code_item(page, "Trust")
    trust.locator("[data-control=code-info]").click()
    expect(trust.locator(".about")).to_be_visible()
    page.fill('#memo-form textarea[name="text"]', "Read by the lead.")
    page.click("[data-control=add-memo]")
    expect(page.locator("#doc-memos")).to_contain_text(f"{LEAD} Read by the lead.")
    page.click("nav >> text=Quotes")
    page.fill('input[name="text"]', "council")
    page.click("[data-control=show-quotes]")
    page.wait_for_url("**text=council*")
    coders = set(page.locator(".attribution .muted").all_text_contents())
    assert {"ana", "ben"} <= coders  # everyone's
    for fmt in ("html", "md", "docx", "csv", "xlsx"):
        with page.expect_download() as waiting:
            page.click(f"[data-control=export-{fmt}]")
        path = tmp_path / f"quotes.{fmt}"
        waiting.value.save_as(path)
        data = path.read_bytes()
        if fmt in ("docx", "xlsx"):
            assert data.startswith(b"PK")  # a zip, as Office files are
        else:
            assert b"council" in data.lower()
    page.click("[data-control=clear-quotes-filter]")
    page.wait_for_url("**/quotes")
