"""PDF documents and transcripts (.pdf), read from their text layer with pypdfium2.

**Why pypdfium2.** It binds PDFium, the PDF engine of Chromium, and reads a 30-page report
about ten times faster than pdfminer.six, on which pdfplumber is built (``bench/pdf_libraries.py``
prints both on the same files); PDFium also marks a hyphen at a line end as such
(``\\x02``) and copes with damaged files the way a browser does. pdfplumber's strength, tables,
is not what qualcode needs. PDFium gives the text of each line with its box, and qualcode
does the layout below itself.

**Layout.** On each page, PDFium's text boxes (one per run of a line) are

- left out when they are running headers or footers: text in the top or bottom tenth of the
  page that recurs, digits aside, on at least two pages and half of them, or that is only a
  page number ("12", "Page 3", "3 of 30", "iv");
- left out when they are margin line numbers (court and inquiry transcripts): a column of
  small whole numbers to the left of the text;
- read in columns: when a page has boxes wholly in its left half and others wholly in its
  right half, the left column is read before the right one, between the full-width lines
  (titles) that cut across both;
- joined into paragraphs: a line more than 1.4 line-spacings below the one before, a line in
  a larger type (a heading), or a line that starts with a speaker's label (``MS BLACKWELL:``)
  starts a paragraph; other lines join with a space, and a word hyphenated at a line end is
  joined without its hyphen. A paragraph runs on across a page or column break when it
  ends without a full stop and the next line starts in lower case.

Paragraphs then follow the word-processor rules (:mod:`qualcode.readers.paragraphs`): labels
make speaker turns, larger-type lines are headings. **Pages** are kept as two attributes of
the document: ``pages``, the page count, and ``page_starts``, the offset in the stored text
where each page starts, written as numbers separated by spaces (a string, so it is stored,
filtered and exported like any attribute), and ``page_labels`` when the PDF numbers its
pages otherwise than 1, 2, 3 (front matter in roman numerals, a chapter that starts at
page 12); :func:`page_at` gives the page of an offset, so a quote can cite "p. 12". A PDF
without any text (a scan) is refused with one line: qualcode does no OCR.
"""

from __future__ import annotations

import bisect
import re
import statistics
from collections import Counter
from collections.abc import Mapping
from operator import attrgetter, eq, sub
from pathlib import Path
from typing import Any

from qualcode.errors import InputError
from qualcode.readers.base import Transcript
from qualcode.readers.paragraphs import Para, transcript_from_paragraphs
from qualcode.readers.pdf_boxes import SOFT_HYPHEN, Box, page_boxes
from qualcode.readers.text import looks_like_name, match_label

PAGE_STARTS = "page_starts"  # the attribute that keeps where each page starts
PAGE_LABELS = "page_labels"  # and the one that keeps the numbers printed on the pages
PAGE_KEYS = (PAGE_STARTS, PAGE_LABELS)  # attributes for finding pages, not for reading
_BAND = 0.1  # top and bottom tenth of a page: where running heads and feet live
_PAGE_NUMBER = re.compile(
    r"(?:page|p\.|seite|pagina)?\s*(?:\d{1,4}|[ivxlc]{1,7})(?:\s*(?:of|/|de|von)\s*\d{1,4})?",
    re.IGNORECASE,
)
_DIGITS = re.compile(r"\d+")
_LABEL = re.compile(r"\S{1,20}")
_ENDS_SENTENCE = tuple(".?!:;\"'”’)]")
_LABEL_STARTS = "[(*0123456789"
_HYPHENS = (SOFT_HYPHEN, "-")
_LEFT, _TOP = attrgetter("left"), attrgetter("top")
_HINT_DAMAGED = "Open it in a PDF viewer and save or print it to a new PDF, then import that copy"


class PdfReader:
    """Reads .pdf files: text layer, reading order, pages, speaker turns."""

    suffixes: tuple[str, ...] = (".pdf",)

    def read(self, path: Path, *, unlabelled_speaker: str | None = None) -> Transcript:
        """Read every page's text layer into paragraphs and turns, pages kept."""
        pages, sizes, attributes = _extract(path)
        empty = [number for number, boxes in enumerate(pages, start=1) if not boxes]
        if len(empty) == len(pages):
            raise InputError(
                path,
                "has no text layer (a scanned PDF?); qualcode does not read text from images",
                hint="Run OCR on it first (for example ocrmypdf), or import a text version",
            )
        _drop_running_lines(pages, sizes)
        numbered = _drop_line_numbers(pages)
        lines = [line for page in pages for line in _reading_order(page, sizes[0][0])]
        paras, page_of_para = _paragraphs(lines)
        notes = []
        if empty:
            notes.append(f"page(s) {_ranges(empty)} have no text layer (scanned?) and were skipped")
        if numbered:
            notes.append("margin line numbers left out")
        attributes["pages"] = len(pages)
        starts = _page_starts(paras, page_of_para, len(pages))
        attributes[PAGE_STARTS] = " ".join(map(str, starts))
        return transcript_from_paragraphs(
            path, paras, attributes, notes, unlabelled_speaker=unlabelled_speaker
        )


def page_at(attributes: Mapping[str, Any], offset: int) -> str | None:
    """The page on which ``offset`` of a document's stored text lies, as the document
    numbers it ("12", "iv"; from 1 where it sets no page labels), from its ``page_starts``
    and ``page_labels`` attributes; None for a document without pages."""
    starts = str(attributes.get(PAGE_STARTS) or "").split()
    if not starts or not all(start.isdigit() for start in starts):
        return None
    index = max(1, bisect.bisect_right([int(start) for start in starts], offset))
    labels = str(attributes.get(PAGE_LABELS) or "").split()
    return labels[index - 1] if len(labels) == len(starts) else str(index)


def _extract(path: Path) -> tuple[list[list[Box]], list[tuple[float, float]], dict[str, Any]]:
    """Text boxes of every page, page sizes, and the document's title and author."""
    import pypdfium2 as pdfium

    try:
        document = pdfium.PdfDocument(str(path))
    except pdfium.PdfiumError as error:
        raise _open_error(path, error) from None
    try:
        pages, sizes = [], []
        for index in range(len(document)):
            page = document[index]
            sizes.append(page.get_size())
            textpage = page.get_textpage()
            pages.append(page_boxes(textpage, index + 1))
            textpage.close()
            page.close()
        attributes = _metadata(document.get_metadata_dict(skip_empty=True))
        labels = [document.get_page_label(index) for index in range(len(document))]
        numbered = [str(index) for index in range(1, len(document) + 1)]
        if any(labels) and labels != numbered and all(_LABEL.fullmatch(x) for x in labels):
            attributes[PAGE_LABELS] = " ".join(labels)
    finally:
        document.close()
    return pages, sizes, attributes


def _open_error(path: Path, error: Exception) -> InputError:
    reason = str(error).lower()
    if "password" in reason:
        return InputError(
            path,
            "is encrypted (it needs a password to open)",
            hint="Open it with its password and save an unprotected copy, then import that copy",
        )
    return InputError(path, "is damaged or not a PDF", hint=_HINT_DAMAGED)


def _metadata(values: dict[str, str]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for key, name in (("Title", "title"), ("Author", "author"), ("Subject", "subject")):
        value = " ".join(str(values.get(key, "")).split())
        if value:
            found[name] = value
    created = str(values.get("CreationDate", ""))
    if re.match(r"D:\d{8}", created):
        found["created"] = f"{created[2:6]}-{created[6:8]}-{created[8:10]}"
    return found


def _drop_running_lines(pages: list[list[Box]], sizes: list[tuple[float, float]]) -> None:
    """Remove running headers, footers and page numbers (see the module docstring)."""

    banded = []  # per page: its boxes in the top or bottom band, each with its key
    for boxes, (_width, height) in zip(pages, sizes, strict=True):
        low, high = height * _BAND, height * (1 - _BAND)
        banded.append([(b, _DIGITS.sub("#", b.text.casefold()))
                       for b in boxes if b.bottom > high or b.top < low])  # fmt: skip
    keys = Counter(key for band in banded for key in {key for _box, key in band})
    with_text = sum(1 for boxes in pages if boxes)
    running = {key for key, count in keys.items() if count >= max(2, with_text / 2)}
    for boxes, band in zip(pages, banded, strict=True):
        for box, key in band:
            if key in running or _PAGE_NUMBER.fullmatch(box.text):
                boxes.remove(box)


def _drop_line_numbers(pages: list[list[Box]]) -> bool:
    """Remove a margin column of line numbers; True when there was one."""
    found = False
    for boxes in pages:
        numbers = [box for box in boxes if box.text.isdigit() and len(box.text) <= 3]
        if len(numbers) < 3 or len(numbers) == len(boxes):
            continue
        listed = set(map(id, numbers))
        text_left = min(box.left for box in boxes if id(box) not in listed)
        margin = [box for box in numbers if box.right <= text_left + 1]
        if len(margin) >= 3 and len(margin) >= len(numbers) // 2:
            drop = {id(box) for box in margin}
            boxes[:] = [box for box in boxes if id(box) not in drop]
            found = True
    return found


def _reading_order(boxes: list[Box], width: float) -> list[Box]:
    """A page's lines in reading order: one column top to bottom, or two columns left then
    right between the full-width lines that cut across them."""
    middle = width / 2
    slack = width * 0.02
    right, left = middle - slack, middle + slack  # wholly right of the one, left of the other
    if sum(b.left >= right for b in boxes) < 3 or sum(b.right <= left for b in boxes) < 3:
        return _lines(boxes)  # most pages: no box, or one, wholly in the right half
    down = _downwards(boxes)
    ordered: list[Box] = []
    region: list[Box] = []
    for box in down:
        if box.right <= left or box.left >= right:
            region.append(box)
            continue
        ordered += _columns(region, middle) + [box]
        region = []
    return ordered + _columns(region, middle)


def _columns(region: list[Box], middle: float) -> list[Box]:
    first = [b for b in region if b.left < middle]
    second = [b for b in region if b.left >= middle]
    return _lines(first) + _lines(second)


def _lines(boxes: list[Box]) -> list[Box]:
    """Boxes sorted top to bottom, those on one baseline joined left to right into a line."""
    lines: list[Box] = []
    last = None
    for box in _downwards(boxes):
        if (
            last is not None
            and box.left >= last.right - 1  # most often false: the next line starts left
            and abs(last.bottom - box.bottom)
            < min(last.top - last.bottom, box.top - box.bottom) * 0.5
        ):
            space = " " if box.left - last.right > box.size * 0.15 else ""
            last = lines[-1] = Box(
                last.page, last.left, min(last.bottom, box.bottom), box.right,
                max(last.top, box.top), last.text + space + box.text, max(last.size, box.size),
            )  # fmt: skip
        else:
            lines.append(box)
            last = box
    return lines


def _downwards(boxes: list[Box]) -> list[Box]:
    """Boxes top to bottom, then left to right: two sorts by attribute (each in C, and
    stable) in place of one by a Python key."""
    return sorted(sorted(boxes, key=_LEFT), key=_TOP, reverse=True)


def _paragraphs(lines: list[Box]) -> tuple[list[Para], list[list[tuple[int, int]]]]:
    """Lines joined into paragraphs; for each paragraph, (offset in it, page) where a page's
    text begins inside it."""
    if not lines:
        return [], []
    body = statistics.median([line.top - line.bottom for line in lines])
    exact: dict[float, int] = {}  # characters in each type size
    for line in lines:
        exact[line.size] = exact.get(line.size, 0) + len(line.text)
    sizes: Counter[float] = Counter()
    for size, count in exact.items():  # rounded once per size, first seen first
        sizes[round(size, 1)] += count
    larger = sizes.most_common(1)[0][0] * 1.15  # a heading's type is larger than this
    bottoms = [line.bottom for line in lines]
    numbers = [line.page for line in lines]
    highest = body * 3
    down = map(sub, bottoms, bottoms[1:])  # the space from each line down to the next
    same = map(eq, numbers, numbers[1:])  # on its page
    steps = [step for step, ok in zip(down, same, strict=True) if ok and 0 < step < highest]
    gap = (statistics.median(steps) if steps else body * 1.2) * 1.4  # starts a paragraph
    paras: list[Para] = []
    pages: list[list[tuple[int, int]]] = []
    parts: list[str] = []
    heading = False
    previous: Box | None = None
    for line in lines:
        big = line.size > larger
        text = line.text
        if previous is None or big != heading:
            starts = True
        elif (
            text.find(":", 0, 90) > 0  # perhaps a label
            or text[0] in "[("  # perhaps a stage note
            or line.page != previous.page  # a new page
            or line.top > previous.top  # a new column
        ):
            starts = _starts_paragraph(previous, line, gap)
        else:  # most lines: only the space above them counts
            starts = previous.bottom - line.bottom > gap
        if starts:
            if parts:
                paras.append(Para("".join(parts), heading=heading))
            parts, heading = [], big
            pages.append([])
        elif parts[-1][-1:] in _HYPHENS:
            text = _join(parts, text)
        else:
            text = " " + text
        if previous is None or line.page != previous.page:
            pages[-1].append((sum(map(len, parts)), line.page))
        parts.append(text)
        previous = line
    paras.append(Para("".join(parts), heading=heading))
    for para in paras:
        if SOFT_HYPHEN in para.text:
            para.text = para.text.replace(SOFT_HYPHEN, "-")
    return paras, pages


def _starts_paragraph(previous: Box, line: Box, gap: float) -> bool:
    """Whether ``line``, in the same type as ``previous``, starts a paragraph."""
    text = line.text
    colon = text.find(":", 0, 90)  # a label's colon comes early, after a few words
    # and a label starts with a capital, or a time or bold mark before it
    if colon > 0 and (text[0].isupper() or text[0] in _LABEL_STARTS):
        label = match_label(text) if text.count(" ", 0, colon) < 8 else None
        if label is not None and (looks_like_name(label.name) or label.name.isupper()):
            return True
    if text[0] in "[(" and previous.text.rstrip().endswith(_ENDS_SENTENCE):
        return True  # a stage note: "(11.45 am)"
    if line.page != previous.page or line.top > previous.top:  # a new page or column
        return previous.text.rstrip().endswith(_ENDS_SENTENCE) or not text[:1].islower()
    return previous.bottom - line.bottom > gap


def _join(parts: list[str], text: str) -> str:
    """``text`` to append to a paragraph: after a hyphen at the line end, without a space
    (and the hyphen goes when the word goes on in lower case)."""
    last = parts[-1]
    if last.endswith((SOFT_HYPHEN, "-")) and last[-2:-1].isalpha() and text[:1].islower():
        parts[-1] = last[:-1]
        return text
    if last.endswith(SOFT_HYPHEN):
        parts[-1] = last[:-1] + "-"
    return " " + text


def _page_starts(
    paras: list[Para], page_of_para: list[list[tuple[int, int]]], count: int
) -> list[int]:
    """Offset in the stored text where each page starts (a page without text: where the
    next text starts)."""
    starts: dict[int, int] = {}
    offset = 0
    for para, marks in zip(paras, page_of_para, strict=True):
        if para.text.strip():
            for inside, page in marks:
                starts.setdefault(page, offset + inside)
            offset += len(para.text) + 2
    result = []
    following = max(offset - 2, 0)
    for page in range(count, 0, -1):
        following = starts.get(page, following)
        result.append(following)
    return result[::-1]


def _ranges(numbers: list[int]) -> str:
    """``[1, 2, 3, 7]`` as ``1-3, 7``."""
    spans: list[list[int]] = []
    for number in numbers:
        if spans and number == spans[-1][1] + 1:
            spans[-1][1] = number
        else:
            spans.append([number, number])
    return ", ".join(str(a) if a == b else f"{a}-{b}" for a, b in spans)
