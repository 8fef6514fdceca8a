"""The coding workbench in Chromium: coding stripes in the margin, a selection across
turns, coders side by side in their own colours, suggestions as compact markers."""

from __future__ import annotations

import re

import pytest
from browsing import LEAD, PLAIN, apply_code, drag, label, open_document, start_as
from playwright.sync_api import expect

from qualcode import open_project, queries

pytestmark = pytest.mark.browser
AREA_1 = "area-1-mapping-workshop.md"
ASKED = "is that right?"
ANSWERED = "That's correct."


def codings_of(server, coder: str, code: str | None = None):
    project = open_project(server.root)
    try:
        return queries.codings(project, coder=coder, code=code)
    finally:
        project.close()


def box(locator) -> dict[str, float]:
    return locator.evaluate(
        """(el) => { const r = el.getBoundingClientRect();
                     return { top: r.top, bottom: r.bottom }; }"""
    )


@pytest.mark.parametrize("who", ["wen", LEAD])
def test_browser_a_selection_across_turns_codes_words_and_shows_stripes(page, server, shot, who):
    """Drag from a question into the answer below it: each turn gets a coding of its
    words (the speaker's label between them is not coded), each with a stripe beside
    exactly its lines, in the code's colour and with its name; hovering lights the text."""
    start_as(page, server.url, who)
    open_document(page, PLAIN)
    drag(page, ASKED, first=2, last=len("That's") - 2, to=ANSWERED)  # "that right? … That'"
    expect(page.locator("#selection-text")).to_have_text("that right? … That's")
    apply_code(page, "Trust")
    stripes = label(page, "Trust")
    expect(stripes).to_have_count(2)
    saved = codings_of(server, who, "Trust")
    assert sorted(saved["text"]) == ["That's", "that right?"]
    assert not saved["text"].str.contains("Yvonne").any()
    for stripe in stripes.all():
        expect(stripe).to_have_attribute("aria-label", "Trust")
        coding = stripe.get_attribute("data-coding")
        run = page.locator(f'.hl[data-ids~="{coding}"]')
        shown, text = box(stripe), box(run.first)
        assert abs(shown["top"] - text["top"]) < 3 and abs(shown["bottom"] - text["bottom"]) < 3
        stripe.hover()
        expect(run.first).to_have_class(re.compile(r"\blit\b"))
    shot(page, "stripes")
    page.mouse.move(5, 5)
    expect(page.locator(".hl.lit")).to_have_count(0)


def test_browser_stripes_of_overlapping_codings_stand_side_by_side(page, server):
    start_as(page, server.url, "xia")
    open_document(page, PLAIN)
    sentence = "The Traveller Movement is a charity which advocates"
    drag(page, sentence)
    apply_code(page, "Trust")
    drag(page, sentence, first=len("The Traveller "), last=len("The Traveller Movement") - 1)
    apply_code(page, "Respect")
    trust, respect = label(page, "Trust"), label(page, "Respect")
    expect(respect).to_have_count(1)
    left = [s.evaluate("(el) => el.getBoundingClientRect().left") for s in (trust, respect)]
    assert left[0] != left[1]  # two lanes, both readable
    assert len(codings_of(server, "xia")) == 2


def test_browser_the_lead_sees_each_coder_in_their_own_colour(page, server, shot):
    start_as(page, server.url, LEAD)
    open_document(page, AREA_1)
    expect(page.locator("#coders")).to_be_visible()
    expect(page.locator("#coders .coder-key")).to_contain_text(["ana", "ben"])
    colours = page.evaluate(
        """() => { const found = {};
             for (const el of document.querySelectorAll('.stripe')) {
               found[el.querySelector('.by').textContent] = el.style.getPropertyValue('--k'); }
             return found; }"""
    )
    assert colours["ana"] != colours["ben"]
    ben = page.locator(".stripe", has=page.locator(".by", has_text="ben")).first
    ana = page.locator(".stripe", has=page.locator(".by", has_text="ana")).first
    same_turn = page.locator(".turn", has=ben).locator(".stripe .by", has_text="ana")
    if same_turn.count():  # in one turn, each coder keeps to their own lanes
        assert ben.evaluate("(el) => el.offsetLeft") != same_turn.first.evaluate(
            "(el) => el.closest('.stripe').offsetLeft"
        )
    expect(ana).to_be_visible()
    shot(page, "side-by-side")


@pytest.mark.parametrize("who", ["eve", LEAD])  # the lead sees eve's and fay's
def test_browser_suggestions_are_compact_markers_with_filters_and_a_switch(page, server, shot, who):
    start_as(page, server.url, who)
    open_document(page, PLAIN)
    page.select_option("#hint-view", "compact")
    markers = page.locator(".marker")
    assert markers.count() >= 1
    expect(page.locator(".suggestion").first).to_be_hidden()
    markers.first.click()
    expect(page.locator(".hint .cards:visible .suggestion").first).to_be_visible()
    shot(page, "marker-open")
    markers.first.click()
    expect(page.locator(".suggestion:visible")).to_have_count(0)
    codes = page.locator("#hint-code option").all()
    page.select_option("#hint-code", codes[1].get_attribute("value"))
    wanted = codes[1].text_content()
    page.select_option("#hint-view", "open")
    for what in page.locator(".suggestion .what").all_text_contents():
        assert what.startswith(f"Suggested: {wanted} (")
    page.select_option("#hint-score", "90")
    page.select_option("#hint-code", "")
    scores = page.locator(".suggestion .what").all_text_contents()
    assert all(int(s.rsplit("(", 1)[1].rstrip("%)")) >= 90 for s in scores)
    page.select_option("#hint-view", "hidden")
    expect(page.locator(".marker")).to_have_count(0)
    expect(page.locator(".suggested")).to_have_count(0)
