"""Coding a transcript in Chromium: select with the mouse or a click, apply a code by
button or key, read the codebook, choose a coding to recode, memo or remove it, undo,
and write memos; as a coder (blind: only their own work shows) and as the lead.

Each test codes as a coder of its own on the module's server, so they keep apart.
"""

from __future__ import annotations

import random

import httpx
import pytest
from browsing import (
    EMOJI,
    LEAD,
    PLAIN,
    apply_code,
    code_item,
    drag,
    label,
    open_document,
    piece_with,
    start_as,
)
from playwright.sync_api import expect

from qualcode.words import whole_words

pytestmark = pytest.mark.browser
CHARITY = "Traveller Movement is a charity which advocates"
AREA_1 = "area-1-mapping-workshop.md"


def document_text(server, name: str) -> str:
    token = server.url.split("?token=")[1]
    answer = httpx.get(f"{server.base}/api/documents/{name}", timeout=30,
                       headers={"Authorization": f"Bearer {token}"})  # fmt: skip
    return answer.json()["text"]


@pytest.mark.parametrize("who", ["gil", LEAD])
def test_browser_code_a_sloppy_mouse_selection_as_whole_words(page, server, shot, who):
    """Drag from inside "Traveller" to inside "advocates" on a real transcript with no
    front matter: the selection, the coding and the page after a reload hold whole words."""
    start_as(page, server.url, who)
    open_document(page, PLAIN)
    drag(page, CHARITY, first=1, last=len(CHARITY) - 4)  # "raveller … advoca"
    expect(page.locator("#selection-text")).to_have_text(CHARITY)
    apply_code(page, "Trust")
    expect(label(page, "Trust")).to_have_count(1)
    expect(page.locator(f"{piece_with(page, CHARITY)} .hl")).to_have_text(CHARITY)
    expect(page.locator("#selection")).to_be_hidden()  # coded: the selection is done
    shot(page, "coded")
    page.reload()
    page.wait_for_selector('#transcript[data-ready="true"]', state="attached")
    expect(page.locator(f"{piece_with(page, CHARITY)} .hl")).to_have_text(CHARITY)
    expect(page.locator("#progress")).to_contain_text("1 of ")
    page.locator(piece_with(page, "That's correct.")).click()
    expect(page.locator("#selection-text")).to_have_text("That's correct.")
    page.click("[data-control=clear-selection]")
    expect(page.locator("#selection")).to_be_hidden()
    page.click("nav >> text=Documents")
    mine = page.locator("tr", has_text=PLAIN).locator(".progress.you")
    expect(mine).to_contain_text(who)


def test_browser_word_rule_of_the_page_is_the_servers(page, server):
    """transcript.js and qualcode.words widen spans alike, on the real text."""
    start_as(page, server.url, "gil")
    open_document(page, PLAIN)
    text = document_text(server, PLAIN)
    pieces = page.evaluate("() => window.qualcode.pieces.map((p) => [p.start, p.end])")
    rng = random.Random(9)
    spans = []
    for start, end in rng.sample(pieces, 40):
        a = rng.randrange(start, end)
        spans.append((a, rng.randrange(a + 1, end + 1)))
    widened = page.evaluate(
        "(spans) => spans.map(([a, b]) => window.qualcode.wholeWords(a, b))", spans
    )
    assert [tuple(w) for w in widened] == [whole_words(text, a, b) for a, b in spans]


def test_browser_offsets_of_every_piece_are_pythons(page, server):
    """Emoji count once, as Python counts code points: every piece is text[start:end]."""
    start_as(page, server.url, "gil")
    open_document(page, EMOJI)
    text = document_text(server, EMOJI)
    ends = page.evaluate(
        """() => window.qualcode.pieces.map((p) => {
             const node = p.el.lastChild;
             return [p.start, window.qualcode.offsetAt(node, node.length, true),
                     p.el.textContent];
           })"""
    )
    assert len(ends) > 5
    for start, end, shown in ends:
        assert text[start:end] == shown


def test_browser_codebook_information_search_and_keys(page, server, shot):
    start_as(page, server.url, "hal")
    open_document(page, EMOJI)
    allies = code_item(page, "Powerful allies")
    allies.locator("[data-control=code-info]").click()
    expect(allies.locator(".about")).to_contain_text("Use when")
    page.fill("#code-search", "language")
    expect(code_item(page, "Speaking the language")).to_be_visible()
    expect(page.locator(".codebook li.code", has_text="Trust").first).to_be_hidden()
    page.fill("#code-search", "")
    page.locator(piece_with(page, "We trust her now")).click()
    expect(page.locator("#selection-text")).to_have_text("We trust her now.")
    page.keyboard.press("1")  # the codebook's first code
    expect(label(page, "Independent funding")).to_have_count(1)
    page.locator(piece_with(page, "That matters")).click()
    page.keyboard.press("/")
    page.keyboard.type("respect")
    page.keyboard.press("Enter")  # the search's first code
    expect(label(page, "Respect")).to_have_count(1)
    page.keyboard.press("Escape")
    page.keyboard.press("n")  # the next segment without a coding of hal's
    expect(page.locator("#selection")).to_be_visible()
    page.keyboard.press("2")
    expect(label(page, "Public agencies feeling the pinch")).to_have_count(1)
    expect(page.locator("#progress")).to_contain_text("3 of ")
    shot(page, "three-codes")


@pytest.mark.parametrize("who", ["ivy", LEAD])
def test_browser_choose_a_coding_recode_memo_close_remove_and_undo(page, server, shot, who):
    start_as(page, server.url, who)
    open_document(page, PLAIN)
    page.locator(piece_with(page, "That's absolutely fine.")).click()
    apply_code(page, "Common language")
    label(page, "Common language").click()
    expect(page.locator("#chosen")).to_be_visible()
    expect(page.locator("#chosen-text")).to_have_text("That's absolutely fine.")
    page.select_option("#recode", label="Respect")
    expect(label(page, "Respect")).to_have_count(1)
    expect(label(page, "Common language")).to_have_count(0)
    page.fill("#memo", "Fine with the shorthand GRT.")
    page.click("[data-control=save-memo]")
    expect(page.locator("#toast")).to_have_text("Memo saved")
    expect(label(page, "Respect").and_(page.locator(".memo"))).to_have_count(1)
    page.click("[data-control=close-coding]")
    expect(page.locator("#chosen")).to_be_hidden()
    label(page, "Respect").click()
    expect(page.locator("#memo")).to_have_value("Fine with the shorthand GRT.")
    shot(page, "chosen")
    page.click("[data-control=remove-coding]")
    expect(label(page, "Respect")).to_have_count(0)
    page.keyboard.press("u")
    expect(page.locator("#toast")).to_contain_text("undid remove")
    expect(label(page, "Respect")).to_have_count(1)
    page.keyboard.press("Control+z")  # then the memo
    expect(page.locator("#toast")).to_contain_text("undid memo")
    page.reload()
    page.wait_for_selector('#transcript[data-ready="true"]', state="attached")
    expect(label(page, "Respect")).to_have_count(1)
    expect(label(page, "Respect").and_(page.locator(".memo"))).to_have_count(0)


def test_browser_memo_on_a_document_is_kept_and_blind(browser_context, server):
    page = browser_context()
    start_as(page, server.url, "lou")
    open_document(page, PLAIN)
    page.fill('#memo-form textarea[name="text"]', "Trust comes up before vaccines do.")
    page.click("[data-control=add-memo]")
    expect(page.locator("#doc-memos")).to_contain_text("lou Trust comes up before vaccines do.")
    page.reload()
    expect(page.locator("#doc-memos")).to_contain_text("Trust comes up before vaccines do.")
    other = browser_context()
    start_as(other, server.url, "max")
    open_document(other, PLAIN)
    expect(other.locator("#doc-memos li")).to_have_count(0)  # the round is closed
    lead = browser_context()
    start_as(lead, server.url, LEAD)
    open_document(lead, PLAIN)
    expect(lead.locator("#doc-memos")).to_contain_text("Trust comes up before vaccines do.")


def test_browser_blind_coder_sees_only_their_own_codings_and_the_lead_everyones(
    browser_context, server, shot
):
    coder = browser_context()
    start_as(coder, server.url, "ana")  # the example codings are ana's and ben's
    open_document(coder, AREA_1)
    expect(coder.locator(".transcript")).to_be_visible()
    assert coder.locator(".margin .label").count() > 10
    assert coder.locator(".margin .label .by").all_text_contents() == [""] * coder.locator(
        ".margin .label"
    ).count()  # ana's own: no other name beside them
    expect(coder.locator(".blind")).to_contain_text("Blind round")
    lead = browser_context()
    start_as(lead, server.url, LEAD)
    open_document(lead, AREA_1)
    expect(lead.locator(".margin .label .by", has_text="ben").first).to_be_visible()
    expect(lead.locator(".blind")).to_have_count(0)
    shot(lead, "lead-sees-everyone")
