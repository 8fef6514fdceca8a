"""The workbench's codebook panel, find and listening in Chromium: counts, collapsing, an
in-vivo code made from a selection, editing a code (name, colour, definition, place,
key, memo) written to codebook.yaml, merging and undoing it; finding words in the open
transcript and across documents, coding every hit; playing the recording from a turn."""

from __future__ import annotations

import re
import wave

import pytest
from browsing import LEAD, apply_code, code_item, drag, label, open_document, start_as
from playwright.sync_api import expect

from qualcode import load_codebook, memos, open_project, queries

pytestmark = pytest.mark.browser
AREA_1 = "area-1-mapping-workshop.md"
WORDS = {"zed": "cup of tea", LEAD: "bit messy"}
SENTENCE = "Thanks for coming out on such a hot evening."


def db(server):
    return open_project(server.root)


def codings_of(server, coder: str, code: str | None = None):
    project = db(server)
    try:
        return queries.codings(project, coder=coder, code=code)
    finally:
        project.close()


def change_and_reload(page, control: str) -> None:
    """Click a control that changes codebook.yaml (a few seconds: the file is parsed,
    checked and synced), and wait for the page it reloads."""
    with page.expect_navigation(timeout=60_000):
        page.click(f"[data-control={control}]")
    page.wait_for_selector('#transcript[data-ready="true"]', state="attached")


@pytest.mark.parametrize("who", ["zed", LEAD])
def test_browser_counts_collapse_and_an_in_vivo_code_edited_merged_and_undone(
    page, server, shot, who
):
    start_as(page, server.url, who)
    open_document(page, AREA_1)
    trust = code_item(page, "Trust").locator(":scope > .code-row [data-count]")
    everyone = len(codings_of(server, who if who != LEAD else None, "Trust"))
    expect(trust).to_have_text(str(everyone) if everyone else "")
    page.click("[data-control=collapse-codebook]")
    expect(page.locator(".codebook details.theme[open]")).to_have_count(0)
    page.click("[data-control=collapse-codebook]")
    expect(page.locator(".codebook details.theme:not([open])")).to_have_count(0)
    # the panel's New code button, with nothing selected: an empty editor, cancelled
    page.click("[data-control=new-code]")
    expect(page.locator("#editor-title")).to_have_text("New code")
    expect(page.locator("#code-editor input[name=name]")).to_have_value("")
    page.click("[data-control=cancel-code]")
    expect(page.locator("#code-editor")).to_be_hidden()
    # an in-vivo code: select words, press c, save
    words = WORDS[who]
    drag(page, words)
    expect(page.locator("#selection-text")).to_have_text(words)
    page.keyboard.press("c")
    expect(page.locator("#code-editor input[name=name]")).to_have_value(words)
    page.select_option("#code-editor select[name=parent]", label="Power")
    change_and_reload(page, "save-code")
    expect(page.locator("#toast")).to_contain_text(f"made '{words}' under 'Power'")
    expect(label(page, words)).to_have_count(1)
    book = (server.root / "codebook.yaml").read_text(encoding="utf-8")
    assert f"name: {words}\n" in book and book.startswith("# qualcode default codebook")
    assert list(codings_of(server, who, words)["text"]) == [words]
    # edit it: name, colour, definition, a key of one's own, a memo
    item = code_item(page, words)
    item.locator("[data-control=code-info]").click()
    item.locator("[data-control=edit-code]").click()
    page.click("[data-control=cancel-code]")
    expect(page.locator("#code-editor")).to_be_hidden()
    item.locator("[data-control=edit-code]").click()
    renamed = f"{words} talk"
    page.fill("#code-editor input[name=name]", renamed)
    page.fill("#code-editor input[name=colour]", "#aa3377")
    page.fill("#code-editor textarea[name=definition]", "Small talk that opens a meeting.")
    page.fill("#code-editor input[name=key]", "t")
    page.fill("#code-editor textarea[name=memo]", f"{who}: worth a theme?")
    change_and_reload(page, "save-code")
    shot(page, "edited")
    spec = {c.name: c for c in load_codebook(server.root / "codebook.yaml").codes}[renamed]
    assert (spec.colour, spec.definition) == ("#aa3377", "Small talk that opens a meeting.")
    stripe = label(page, renamed)
    expect(stripe).to_have_css("border-left-color", "rgb(170, 51, 119)")
    project = db(server)
    notes = memos.memos(project, viewer=who)
    project.close()
    assert f"{who}: worth a theme?" in set(notes[notes["target_type"] == "code"]["text"])
    # the key of one's own codes a sentence
    page.locator(".p.seg", has_text=SENTENCE).click()
    expect(page.locator("#selection-text")).to_contain_text(SENTENCE)  # then the key
    page.keyboard.press("t")
    expect(label(page, renamed)).to_have_count(2)
    # merge it into Trust, then undo the merge
    item = code_item(page, renamed)
    item.locator("[data-control=code-info]").click()
    item.locator("[data-control=edit-code]").click()
    page.select_option("#code-editor select[name=into]", label="Trust")
    change_and_reload(page, "merge-code")
    expect(page.locator("#toast")).to_contain_text(f"merged '{renamed}' into 'Trust'")
    assert f"name: {renamed}\n" not in (server.root / "codebook.yaml").read_text(encoding="utf-8")
    assert len(codings_of(server, who, "Trust")) >= 2
    page.keyboard.press("u")
    expect(page.locator("#toast")).to_contain_text("undid", timeout=60_000)
    assert f"name: {renamed}\n" in (server.root / "codebook.yaml").read_text(encoding="utf-8")


@pytest.mark.parametrize("who", ["zoe", LEAD])
def test_browser_find_in_the_transcript_and_code_a_match(page, server, who):
    start_as(page, server.url, who)
    open_document(page, AREA_1)
    page.fill("#find-in", "council")
    expect(page.locator("#find-count")).to_have_text(re.compile(r"^\d+ match(es)?$"))
    total = int(page.locator("#find-count").text_content().split()[0])
    assert total >= 2
    page.click("[data-control=find-next]")
    page.click("[data-control=find-next]")
    expect(page.locator("#find-count")).to_have_text(f"2 of {total}")
    page.click("[data-control=find-prev]")
    expect(page.locator("#find-count")).to_have_text(f"1 of {total}")
    expect(page.locator("#selection-text")).to_have_text(re.compile("^council$", re.I))
    apply_code(page, "Respect")
    assert list(codings_of(server, who, "Respect")["text"].str.lower()) == ["council"]


@pytest.mark.parametrize("who", ["zia", LEAD])
def test_browser_find_across_documents_and_code_every_hit(page, server, shot, who):
    start_as(page, server.url, who)
    page.click("nav >> text=Find")
    page.fill("#search-form input[name=q]", "cup of tea")
    page.click("[data-control=search-submit]")
    expect(page.locator("#hit-count")).to_have_text(re.compile(r"^\d+ hits?"))
    hits = int(page.locator("#hit-count").text_content().split()[0])
    expect(page.locator(".hit")).to_have_count(hits)
    expect(page.locator(".hit mark").first).to_have_text(re.compile("cup", re.I))
    shot(page, "hits")
    page.select_option("#code-hits select[name=code]", label="Trust")
    page.click("[data-control=code-hits-submit]")
    expect(page.locator("#toast")).to_contain_text(f"{hits} new coding")
    assert len(codings_of(server, who, "Trust")) >= hits
    page.locator(".hit a").first.click()
    page.wait_for_selector('#transcript[data-ready="true"]', state="attached")
    expect(page.locator(".stripe", has_text="Trust").first).to_be_visible()


def recording(path, seconds: int) -> None:
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(1)
        out.setframerate(8000)
        out.writeframes(bytes([128]) * 8000 * seconds)


@pytest.mark.parametrize("who", ["zak", LEAD])
def test_browser_play_the_recording_from_a_turn_and_see_the_turn_spoken(page, server, shot, who):
    recording(server.root / "transcripts" / AREA_1.replace(".md", ".wav"), 120)
    start_as(page, server.url, who)
    open_document(page, AREA_1)
    expect(page.locator("#player")).to_be_attached()
    turn = page.locator(".turn", has=page.locator(".time", has_text="00:01:10"))
    turn.locator("[data-control=play-from]").click()
    page.wait_for_function("() => document.getElementById('player').currentTime >= 70")
    expect(turn).to_have_class(re.compile(r"\bspeaking\b"))
    shot(page, "speaking")
