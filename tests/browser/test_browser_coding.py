"""A coder in headless Chromium: select, code by mouse and by key, undo, suggestions, quotes.

Run with ``make test-browser`` (``pytest -m browser tests/browser``); screenshots land in
``test-output/screenshots/``.
"""

from __future__ import annotations

import csv
import io

import pytest

from qualcode import queries
from qualcode.coding import find_code, find_segment
from qualcode.queries import find_document
from qualcode.suggest import suggestions
from qualcode.suggest.store import Found, store_suggestions

pytestmark = pytest.mark.browser
EMOJI = "emoji-interview.md"


def expect(locator):
    """Playwright's retrying assertions (imported here: the default run may lack it)."""
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(locator)


def open_transcript(page, served, name: str = EMOJI) -> None:
    page.goto(served.url)  # the token becomes a cookie; then the documents page
    page.locator("tr", has_text=name).locator("a.doc-link").click()
    page.wait_for_selector('#transcript[data-ready="true"]', state="attached")


def piece_with(page, words: str) -> str:
    """A CSS selector for the segment on the page whose text holds ``words``."""
    start = page.evaluate(
        """(words) => [...document.querySelectorAll('.p.seg')]
             .find((el) => el.textContent.includes(words)).dataset.start""",
        words,
    )
    return f'.p.seg[data-start="{start}"]'


def drag_select(page, selector: str, words: str) -> None:
    """Select ``words`` inside a piece with the mouse, from its first letter to its last."""
    page.locator(selector).scroll_into_view_if_needed()
    x1, y1, x2, y2 = page.evaluate(
        """([selector, words]) => {
             const node = document.querySelector(selector).firstChild;
             const at = node.data.indexOf(words);
             const range = document.createRange();
             range.setStart(node, at); range.setEnd(node, at + 1);
             const first = range.getBoundingClientRect();
             range.setStart(node, at + words.length - 1); range.setEnd(node, at + words.length);
             const last = range.getBoundingClientRect();
             return [first.left + 1, first.top + first.height / 2,
                     last.right - 1, last.top + last.height / 2];
           }""",
        [selector, words],
    )
    page.mouse.move(x1, y1)
    page.mouse.down()
    page.mouse.move(x2, y2, steps=8)
    page.mouse.up()


def code_button(page, name: str):
    return page.locator(".codebook li.code", has=page.locator(f'.code-name:text-is("{name}")'))


def codings_of(served, name: str = EMOJI):
    return queries.codings(served.project, document=name)


def test_browser_apply_a_code_by_mouse_and_keep_it_after_reload(page, served, shot):
    open_transcript(page, served)
    selector = piece_with(page, "officer listened")
    drag_select(page, selector, "officer listened to us")
    expect(page.locator("#selection-text")).to_have_text("officer listened to us")
    page.locator("summary", has_text="Criteria of an effective relationship").click()
    code_button(page, "Trust").locator(".apply").first.click()
    page.locator(".label", has_text="Trust").wait_for()
    shot("applied")
    frame = codings_of(served)
    assert list(zip(frame.code, frame.text, frame.coder, strict=True)) == [
        ("Trust", "officer listened to us", "ana")
    ]  # after 😅 and 👩🏽‍💼: the offsets are code points, as Python counts them
    page.reload()
    page.wait_for_selector('#transcript[data-ready="true"]', state="attached")
    highlight = page.locator(f"{selector} .hl")
    assert highlight.text_content() == "officer listened to us"
    assert page.locator(".label", has_text="Trust").count() == 1


def test_browser_offsets_of_every_piece_match_python(page, served):
    open_transcript(page, served)
    with served.project.sessionmaker() as session:
        text = find_document(session, EMOJI).text
    ends = page.evaluate(
        """() => window.qualcode.pieces.map((p) => {
             const node = p.el.lastChild;
             return [p.start, window.qualcode.offsetAt(node, node.length, true)];
           })"""
    )
    shown = page.evaluate("() => window.qualcode.pieces.map((p) => p.el.textContent)")
    for (start, end), piece in zip(ends, shown, strict=True):
        assert text[start:end] == piece


def test_browser_apply_codes_by_keyboard(page, served, shot):
    open_transcript(page, served)
    page.locator(piece_with(page, "We trust her now")).click()
    expect(page.locator("#selection-text")).to_have_text("We trust her now.")
    page.keyboard.press("1")  # the codebook's first code
    page.locator(".label", has_text="Independent funding").wait_for()
    page.locator(piece_with(page, "That matters")).click()
    expect(page.locator("#selection-text")).to_have_text("That matters 💯 to people here.")
    page.keyboard.press("/")
    page.keyboard.type("respect")
    page.keyboard.press("Enter")  # the search's first code
    page.locator(".label", has_text="Respect").wait_for()
    page.keyboard.press("Escape")
    page.keyboard.press("n")  # the next segment without a coding of ana's
    expect(page.locator("#selection")).to_be_visible()
    page.keyboard.press("2")
    page.locator(".label", has_text="Public agencies feeling the pinch").wait_for()
    shot("three-codes")
    coded = dict(zip(codings_of(served).text, codings_of(served).code, strict=True))
    assert coded["We trust her now."] == "Independent funding"
    assert coded["That matters 💯 to people here."] == "Respect"
    assert "Public agencies feeling the pinch" in coded.values()


def test_browser_undo_with_u_and_ctrl_z(page, served):
    open_transcript(page, served)
    for key in ("u", "Control+z"):
        page.locator(piece_with(page, "The head")).click()
        expect(page.locator("#selection")).to_be_visible()
        page.keyboard.press("1")
        page.locator(".label", has_text="Independent funding").wait_for()
        assert len(codings_of(served)) == 1
        page.keyboard.press(key)
        page.locator(".label").first.wait_for(state="detached")
        assert page.locator("#toast").text_content().startswith("undid add")
        assert codings_of(served).empty


def test_browser_recode_memo_and_remove_a_coding(page, served, shot):
    open_transcript(page, served)
    page.locator(piece_with(page, "We trust her now")).click()
    expect(page.locator("#selection")).to_be_visible()
    page.keyboard.press("1")
    page.locator(".label", has_text="Independent funding").click()
    assert page.locator("#chosen").is_visible()
    page.select_option("#recode", label="Trust")
    page.locator(".label", has_text="Trust").wait_for()
    page.fill("#memo", "She came back twice.")
    page.click("#save-memo")
    page.locator(".label.memo").wait_for()
    shot("chosen")
    frame = codings_of(served)
    assert list(zip(frame.code, frame.memo, strict=True)) == [("Trust", "She came back twice.")]
    page.click("#remove")
    page.locator(".label").first.wait_for(state="detached")
    assert codings_of(served).empty


def suggest_for_ana(served) -> None:
    with served.project.transaction() as session:
        found = [
            Found(find_segment(session, EMOJI, ordinal).id, str(find_code(session, code).id),
                  score, "rules", {"rules": {"matches": [{"text": word, "pattern": word}]}})
            for ordinal, code, score, word in (
                (_ordinal(served, "We trust her now."), "trust", 0.91, "trust"),
                (_ordinal(served, "That matters 💯 to people here."), "respect", 0.55, "matters"),
            )
        ]  # fmt: skip
        store_suggestions(session, "ana", found)


def _ordinal(served, text: str) -> int:
    frame = queries.segments(served.project, EMOJI)
    return int(frame[frame.text == text].ordinal.iloc[0])


def test_browser_accept_and_reject_suggestions_with_a_key(page, served, shot):
    suggest_for_ana(served)
    open_transcript(page, served)
    assert page.locator(".suggestion").count() == 2
    assert "matched “trust”" in page.locator(".suggestion").first.text_content()
    page.keyboard.press("s")
    shot("suggestion-focused")
    page.keyboard.press("a")
    page.locator(".label", has_text="Trust").wait_for()
    expect(page.locator(".suggestion")).to_have_count(1)
    page.keyboard.press("r")
    expect(page.locator(".suggestion")).to_have_count(0)
    assert page.locator("#suggestion-count").text_content() == "None pending here."
    decided = suggestions(served.project, viewer="ana", status=None)
    assert dict(zip(decided.code, decided.status, strict=True)) == {
        "Trust": "accepted",
        "Respect": "rejected",
    }
    assert list(codings_of(served).origin) == ["suggestion"]


def test_browser_filter_quotes_and_download_an_export(page, served, shot, tmp_path):
    page.goto(served.url)
    page.goto(f"{served.base}/quotes")
    page.select_option('select[name="code"]', value="trust")
    page.select_option('select[name="where"]:has(option[value="area=Area 1"])', value="area=Area 1")
    page.click('button:text("Show")')
    page.wait_for_url("**/quotes?*code=trust*")
    shown = page.locator("li.quote").count()
    assert shown > 0
    assert all("Trust" in chip for chip in page.locator(".quote-codes").all_text_contents())
    shot("filtered")
    with page.expect_download() as waiting:
        page.click('a[data-export="csv"]')
    path = tmp_path / "quotes.csv"
    waiting.value.save_as(path)
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    assert len(rows) == shown
    assert {(r["code"], r["area"]) for r in rows} == {("Trust", "Area 1")}


def test_browser_documents_filter_and_help_overlay(page, served, shot):
    page.goto(served.url)
    assert page.locator("a.doc-link").count() == 12
    page.select_option('select[name="where"]:has(option[value="method=workshop"])',
                       value="method=workshop")  # fmt: skip
    page.wait_for_url("**/documents?where=method*")
    assert page.locator("a.doc-link").count() == 3
    page.keyboard.press("?")
    assert page.locator("#help").is_visible()
    shot("help")
    page.keyboard.press("Escape")
    assert not page.locator("#help").is_visible()


def test_browser_transcript_with_codings_and_the_codebook(page, served, shot):
    open_transcript(page, served, "area-1-mapping-workshop.md")
    assert page.locator(".hl").count() > 20
    page.locator("summary", has_text="Relationship types").click()
    trust_info = code_button(page, "Powerful allies").locator("[data-info]")
    trust_info.click()
    assert "Use when" in code_button(page, "Powerful allies").locator(".about").text_content()
    page.fill("#code-search", "language")
    assert code_button(page, "Speaking the language").is_visible()
    assert not code_button(page, "Trust").is_visible()
    shot("codebook")
