"""Correcting a transcript in Chromium: a word corrected in a coded turn (the coding stays
on its words, the corrected ones), and the review page, where a coding a correction could
not place is re-placed with one click and another dropped; as a coder and as the lead."""

from __future__ import annotations

import httpx
import pytest
from browsing import EMOJI, LEAD, PLAIN, apply_code, drag, open_document, start_as
from playwright.sync_api import expect

pytestmark = pytest.mark.browser
CASES = {
    # document: (turn, coded phrase, word in it, its correction), then (turn, word, new
    # word) x 3: re-placed by a click, dropped, re-placed by a key (first in the list)
    EMOJI: (
        ("The council", "officer listened to us", "listened", "listens"),
        ("And the school?", "school", "academy"),
        ("came round twice", "twice", "often"),
        ("How did the first meeting", "meeting", "visit"),
    ),
    PLAIN: (
        ("Thank you for coming", "coming to help us", "help", "assist"),
        ("Thank you for inviting me", "inviting", "asking"),
        ("the next witness", "next", "following"),
        ("will be Yvonne MacNamara", "Lady", "Chair"),
    ),
}


def codings(server, who: str, name: str) -> dict[str, str]:
    """code text -> code of ``who``'s codings of ``name``, through the API."""
    token = server.url.split("?token=")[1]
    answer = httpx.get(
        f"{server.base}/api/documents/{name}/codings", timeout=30,
        headers={"Authorization": f"Bearer {token}", "X-Qualcode-Coder": who},
    )  # fmt: skip
    return {row["text"]: row["code"] for row in answer.json()}


def correct(page, turn: str, old: str, new: str) -> None:
    """Open a turn's words for correction, change ``old`` to ``new``, save."""
    page.locator("article.turn", has_text=turn).first.locator("[data-correct]").click()
    box = page.locator("article.turn", has_text=turn).first.locator("textarea.correction")
    box.fill(box.input_value().replace(old, new, 1))
    with page.expect_navigation():
        page.locator("[data-control=save-correction]").click()
    page.wait_for_selector('#transcript[data-ready="true"]', state="attached")


@pytest.mark.parametrize(("who", "name"), [("rita", EMOJI), (LEAD, PLAIN)])
def test_browser_correct_a_turn_then_review_what_could_not_be_placed(page, server, shot, who, name):
    (turn, phrase, word, fixed), placing, dropping, keyed = CASES[name]
    (turn_2, placed, placed_new), (turn_3, dropped, dropped_new) = placing, dropping
    start_as(page, server.url, who)
    open_document(page, name)
    for words in (phrase, placed, dropped, keyed[1]):
        drag(page, words)
        apply_code(page, "Trust")
    page.locator("article.turn", has_text=turn).first.locator("[data-correct]").click()
    page.locator("[data-control=cancel-correction]").click()
    expect(page.locator("textarea.correction")).to_have_count(0)
    correct(page, turn, word, fixed)
    assert phrase.replace(word, fixed) in codings(server, who, name)
    correct(page, turn_2, placed, placed_new)
    correct(page, turn_3, dropped, dropped_new)
    correct(page, *keyed)
    mine = codings(server, who, name)
    assert placed not in mine and placed_new not in mine and dropped not in mine
    page.click("nav a[href='/review']")
    page.wait_for_load_state()  # its keys work once its script has run
    items = page.locator("li.review-item")
    expect(items).to_have_count(3)
    expect(items.first).to_contain_text(keyed[1])  # the first in the list: settled by a key
    page.keyboard.press("1")
    expect(items).to_have_count(2)
    items.filter(has_text=placed).locator("[data-control=review-place]").first.click()
    expect(page.locator("#toast")).to_contain_text("Re-placed")
    items.filter(has_text=dropped).locator("[data-control=review-drop]").click()
    expect(page.locator("#toast")).to_contain_text("Dropped")
    expect(page.locator("li.review-item")).to_have_count(0)
    mine = codings(server, who, name)
    assert mine.get(placed_new) == "Trust" and dropped_new not in mine
    assert mine.get(keyed[2]) == "Trust"
    shot(page, f"revisions-{who}")
