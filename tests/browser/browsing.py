"""What a user does in the browser, step by step, for the tests to share."""

from __future__ import annotations

from playwright.sync_api import Page, expect

PLAIN = "ukci-2025-01-16-traveller-movement.txt"  # a real transcript: no front matter
EMOJI = "emoji-interview.md"
LEAD = "lee"


def start_as(page: Page, url: str, name: str) -> None:
    """What a user does first: open the address `qualcode serve` printed, say who codes."""
    page.goto(url)
    expect(page.locator("h1")).to_have_text("Who is coding?")
    page.fill("#name", name)
    page.click('button:text("Start coding")')
    expect(page.locator("#coder-name")).to_have_text(name)
    expect(page.locator("h1")).to_have_text("Documents")


def open_document(page: Page, name: str) -> None:
    """From the documents page, open a transcript by its file name."""
    page.locator("tr", has_text=name).locator("a.doc-link").click()
    page.wait_for_selector('#transcript[data-ready="true"]', state="attached")


def piece_with(page: Page, words: str) -> str:
    """A CSS selector for the segment on the page whose text holds ``words``."""
    start = page.evaluate(
        """(words) => [...document.querySelectorAll('.p.seg')]
             .find((el) => el.textContent.includes(words)).dataset.start""",
        words,
    )
    return f'.p.seg[data-start="{start}"]'


def drag(page: Page, words: str, first: int = 0, last: int | None = None) -> None:
    """Drag the mouse over ``words`` (inside one segment) from its character ``first`` to
    its character ``last`` (both included; the whole of it by default)."""
    selector = piece_with(page, words)
    page.locator(selector).scroll_into_view_if_needed()
    last = len(words) - 1 if last is None else last
    x1, y1, x2, y2 = page.evaluate(
        """([selector, words, first, last]) => {
             const piece = document.querySelector(selector);
             const at = piece.textContent.indexOf(words);
             const box = (offset) => {  // the box of one character (highlights split text)
               const walker = document.createTreeWalker(piece, NodeFilter.SHOW_TEXT);
               let left = offset;
               for (let node = walker.nextNode(); node; node = walker.nextNode()) {
                 if (left < node.length) {
                   const range = document.createRange();
                   range.setStart(node, left);
                   range.setEnd(node, left + 1);
                   return range.getBoundingClientRect();
                 }
                 left -= node.length;
               }
             };
             const a = box(at + first);
             const b = box(at + last);
             return [a.left + 1, a.top + a.height / 2, b.right - 1, b.top + b.height / 2];
           }""",
        [selector, words, first, last],
    )
    page.mouse.move(x1, y1)
    page.mouse.down()
    page.mouse.move(x2, y2, steps=8)
    page.mouse.up()


def code_item(page: Page, name: str):
    """The codebook's entry of a code, its theme opened first."""
    code_id = page.evaluate(
        """(name) => Object.entries(JSON.parse(
             document.getElementById("qualcode-data").textContent).codes)
             .find(([, code]) => code.name === name)[0]""",
        name,
    )
    theme = page.locator(f'.codebook details.theme:has(li.code[data-code="{code_id}"])')
    if not theme.evaluate("(el) => el.open"):
        theme.locator("summary").click()
    return page.locator(f'li.code[data-code="{code_id}"]')


def apply_code(page: Page, name: str) -> None:
    """Click a code in the codebook for the selection, and wait for its label."""
    code_item(page, name).locator(":scope > .code-row .apply").click()
    expect(page.locator("#toast")).to_contain_text(name)


def label(page: Page, code: str):
    """The margin labels of one's own codings of ``code`` (others' carry their name)."""
    return page.locator(".margin .label:has(.by:empty)", has_text=code)
