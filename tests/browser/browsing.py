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


def char_box(page: Page, words: str, k: int) -> dict[str, float]:
    """The box on screen of character ``k`` of ``words`` (inside one segment)."""
    return page.evaluate(
        """([selector, words, k]) => {
             const piece = document.querySelector(selector);
             const walker = document.createTreeWalker(piece, NodeFilter.SHOW_TEXT);
             let left = piece.textContent.indexOf(words) + k;  // highlights split text
             for (let node = walker.nextNode(); node; node = walker.nextNode()) {
               if (left < node.length) {
                 const range = document.createRange();
                 range.setStart(node, left);
                 range.setEnd(node, left + 1);
                 const box = range.getBoundingClientRect();
                 return { left: box.left, right: box.right, top: box.top, bottom: box.bottom };
               }
               left -= node.length;
             }
           }""",
        [piece_with(page, words), words, k],
    )


def drag(page: Page, words: str, first: int = 0, last: int | None = None, to: str = "") -> None:
    """Drag the mouse over ``words`` (inside one segment) from its character ``first`` to
    its character ``last`` (both included; the whole of it by default), or to character
    ``last`` of the words ``to`` (in another segment, another turn)."""
    last = len(to or words) - 1 if last is None else last
    page.locator(piece_with(page, words)).evaluate("(el) => el.scrollIntoView({block: 'center'})")
    a = char_box(page, words, first)
    b = char_box(page, to or words, last)
    page.mouse.move(a["left"] + 1, (a["top"] + a["bottom"]) / 2)
    page.mouse.down()
    page.mouse.move(b["right"] - 1, (b["top"] + b["bottom"]) / 2, steps=8)
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
    """Click a code in the codebook for the selection, and wait until the server has stored
    it: the page then says "Name: “words”". The toast is emptied first, since the one of
    the coding before may still show the same name."""
    toast = page.locator("#toast")
    toast.evaluate("box => { box.textContent = '' }")
    code_item(page, name).locator(":scope > .code-row .apply").click()
    expect(toast).to_contain_text(f"{name}: “")


def label(page: Page, code: str):
    """The margin labels of one's own codings of ``code`` (others' carry their name)."""
    return page.locator(".margin .label:has(.by:empty)", has_text=code)
