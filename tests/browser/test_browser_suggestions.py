"""Suggestions made by `qualcode suggest --coder NAME --method rules` from the codebook's
patterns, decided in Chromium with the buttons and with the keys."""

from __future__ import annotations

import re

import pytest
from browsing import PLAIN, label, open_document, start_as
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def pending(page) -> int:
    shown = page.locator("#suggestion-count").text_content()
    found = re.match(r"(\d+) pending", shown)
    return int(found[1]) if found else 0


def test_browser_accept_and_reject_suggestions_with_the_buttons(page, server, shot):
    start_as(page, server.url, "eve")
    open_document(page, PLAIN)
    page.select_option("#hint-view", "open")  # compact markers by default
    cards = page.locator(".suggestion")
    total = cards.count()
    assert total >= 2 and pending(page) == total
    first = cards.first
    code = re.match(r"Suggested: (.+) \(\d+%\)", first.locator(".what").text_content())[1]
    expect(first.locator(".why")).to_contain_text("matched")  # the evidence
    shot(page, "suggestions")
    first.locator("[data-control=accept-suggestion]").click()
    expect(page.locator("#toast")).to_have_text(f"Accepted: {code}")
    expect(cards).to_have_count(total - 1)
    expect(label(page, code).first).to_be_visible()
    rejected = re.match(r"Suggested: (.+) \(", cards.first.locator(".what").text_content())[1]
    cards.first.locator("[data-control=reject-suggestion]").click()
    expect(page.locator("#toast")).to_have_text(f"Rejected: {rejected}")
    expect(cards).to_have_count(total - 2)
    page.reload()
    page.wait_for_selector('#transcript[data-ready="true"]', state="attached")
    expect(cards).to_have_count(total - 2)  # decided for good
    assert pending(page) == total - 2
    expect(label(page, code).first).to_be_visible()


def test_browser_go_to_accept_and_reject_suggestions_with_keys(page, server):
    start_as(page, server.url, "fay")
    open_document(page, PLAIN)
    cards = page.locator(".suggestion")
    total = cards.count()
    assert total >= 2
    page.keyboard.press("s")
    expect(page.locator(".suggestion:focus")).to_have_count(1)
    page.keyboard.press("a")
    expect(page.locator("#toast")).to_contain_text("Accepted: ")
    expect(cards).to_have_count(total - 1)
    page.keyboard.press("r")  # the next one is focused
    expect(page.locator("#toast")).to_contain_text("Rejected: ")
    expect(cards).to_have_count(total - 2)
    if total == 2:
        expect(page.locator("#suggestion-count")).to_have_text("None pending here.")


def test_browser_another_coder_sees_no_suggestion_made_for_eve(page, server):
    start_as(page, server.url, "gus")
    open_document(page, PLAIN)
    expect(page.locator(".suggestion")).to_have_count(0)
    expect(page.locator("#suggestion-count")).to_have_text("None pending here.")
