"""Codes ranked for a selection in Chromium: a coder clicks a sentence, the panel lists
the codes their own model ranks for it (best first, with scores), and a click on one
codes the sentence with it."""

from __future__ import annotations

import re

import pytest
from browsing import LEAD, open_document, start_as
from harness import qualcode
from playwright.sync_api import expect

from qualcode import open_project, queries

pytestmark = pytest.mark.browser
AREA_1 = "area-1-mapping-workshop.md"
SENTENCE = "we can pick up the phone"


@pytest.mark.parametrize("who", ["ana", LEAD])  # ana's model learns from the example's
def test_browser_a_selection_lists_codes_best_first_and_one_click_codes_it(page, server, shot, who):
    start_as(page, server.url, who)
    open_document(page, AREA_1)
    sentence = page.locator(".p.seg").nth(3)
    sentence.click()
    expect(page.locator("#selection")).to_be_visible()
    ranked = page.locator("#ranked-list [data-control=ranked-code]")
    expect(ranked.first).to_be_visible(timeout=90_000)  # the first ranking trains a model
    scores = [int(s.rstrip("%")) for s in ranked.locator(".score").all_text_contents()]
    assert scores == sorted(scores, reverse=True) and 0 <= scores[-1] <= scores[0] <= 100
    top = ranked.first.get_attribute("data-code")
    name = page.evaluate(
        "(id) => JSON.parse(document.getElementById('qualcode-data').textContent).codes[id].name",
        top,
    )
    shot(page, f"ranked-{who}")
    text = sentence.text_content()
    ranked.first.click()
    expect(page.locator("#selection")).to_be_hidden()
    project = open_project(server.root)
    try:
        coded = queries.codings(project, coder=who, code=name)
    finally:
        project.close()
    assert text.strip() in set(coded["text"].str.strip())


def test_browser_the_page_says_how_many_suggestions_the_cut_off_held_back(page, server):
    said = qualcode(server.root, "suggest", "--coder", "ana", "--min-score", "0.9", AREA_1)
    held = int(re.search(r"held back: (\d+) suggestion", said)[1])
    start_as(page, server.url, "ana")
    open_document(page, AREA_1)
    expect(page.locator("#suggestion-count")).to_contain_text(
        f"{held} more held back by the precision cut-off"
    )
