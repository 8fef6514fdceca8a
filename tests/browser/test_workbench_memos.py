"""Memos on sentences, written on the transcript page beside the text: by mouse and by
keyboard, shown in the margin beside their turn, edited, undone, kept from other coders
while the round is closed, and listed by the memo browser."""

from __future__ import annotations

import pytest
from browsing import LEAD, PLAIN, open_document, piece_with, start_as
from playwright.sync_api import expect
from sqlalchemy import select

from qualcode import open_project
from qualcode.models import Coder, Memo

pytestmark = pytest.mark.browser
SENTENCE = "The Traveller Movement is a charity which advocates"


def memos_of(server, coder: str) -> list[tuple[str, str]]:
    """(kind, words) of each memo ``coder`` wrote, oldest first."""
    project = open_project(server.root)
    try:
        with project.sessionmaker() as session:
            return [
                tuple(row)
                for row in session.execute(
                    select(Memo.target_type, Memo.text)
                    .join(Coder, Memo.coder_id == Coder.id)
                    .where(Coder.name == coder)
                    .order_by(Memo.created_at)
                )
            ]
    finally:
        project.close()


def note_beside(page, words: str):
    """The margin memos of the turn that holds ``words``."""
    return page.locator(".turn", has=page.locator(piece_with(page, words))).locator(".note")


def test_browser_a_memo_on_a_sentence_by_mouse_and_keyboard_edited_and_undone(
    page, server, shot, browser_context
):
    start_as(page, server.url, "mo")
    open_document(page, PLAIN)
    page.locator(piece_with(page, SENTENCE)).click()  # a click selects the sentence
    page.click("[data-control=segment-memo]")
    expect(page.locator("#segment-memo-quote")).to_contain_text(SENTENCE)
    page.fill("#segment-memo-text", "Who speaks for whom: the charity as go-between")
    page.click("[data-control=save-segment-memo]")
    notes = note_beside(page, SENTENCE)
    expect(notes).to_have_count(1)
    expect(notes).to_contain_text("the charity as go-between")
    assert memos_of(server, "mo") == [("segment", "Who speaks for whom: the charity as go-between")]
    shot(page, "segment-memo")

    notes.click()  # edit it from the margin
    expect(page.locator("#segment-memo-text")).to_have_value(
        "Who speaks for whom: the charity as go-between"
    )
    page.fill("#segment-memo-text", "The charity speaks for families")
    page.click("[data-control=save-segment-memo]")
    expect(notes).to_contain_text("speaks for families")
    assert memos_of(server, "mo") == [("segment", "The charity speaks for families")]

    page.keyboard.press("u")  # undo gives the memo its first words back
    expect(notes).to_contain_text("the charity as go-between")
    assert memos_of(server, "mo")[0][1] == "Who speaks for whom: the charity as go-between"

    page.keyboard.press("n")  # keyboard alone: the next sentence, m, words, Ctrl+Enter
    expect(page.locator("#selection")).to_be_visible()
    page.keyboard.press("m")
    expect(page.locator("#segment-memo-text")).to_be_focused()
    page.keyboard.type("First uncoded sentence: read again")
    page.keyboard.press("Control+Enter")
    expect(page.locator(".note", has_text="read again")).to_have_count(1)
    assert [m[1] for m in memos_of(server, "mo")][-1] == "First uncoded sentence: read again"

    # blind round: another coder sees none of them, the lead sees both
    other = browser_context()
    start_as(other, server.url, "pat")
    open_document(other, PLAIN)
    expect(other.locator("#transcript .turn").first).to_be_visible()
    expect(other.locator(".note")).to_have_count(0)
    other.click("nav >> text=Memos")
    expect(other.locator(".memo-item", has_text="go-between")).to_have_count(0)
    lead = browser_context()
    start_as(lead, server.url, LEAD)
    open_document(lead, PLAIN)
    expect(lead.locator(".note", has_text="mo:")).to_have_count(2)
    lead.click("nav >> text=Memos")
    item = lead.locator(".memo-item", has_text="go-between")
    expect(item).to_have_count(1)
    assert item.get_attribute("data-kind") == "segment"
    item.locator("a").click()
    lead.wait_for_selector('#transcript[data-ready="true"]', state="attached")
    expect(lead.locator(".note", has_text="go-between")).to_have_count(1)
    # the lead writes a memo of their own beside the text, then edits it from the margin
    lead.locator(piece_with(lead, SENTENCE)).click()
    lead.click("[data-control=segment-memo]")
    lead.fill("#segment-memo-text", "Compare with the charities of area 3")
    lead.click("[data-control=save-segment-memo]")
    own = lead.locator(".note", has_text="charities of area")
    expect(own).to_have_count(1)
    own.click()
    expect(lead.locator("#segment-memo-text")).to_have_value("Compare with the charities of area 3")
    lead.fill("#segment-memo-text", "Compare with the charities of areas 3 and 7")
    lead.click("[data-control=save-segment-memo]")
    expect(own).to_contain_text("areas 3 and 7")
    assert memos_of(server, LEAD) == [("segment", "Compare with the charities of areas 3 and 7")]
