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
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from qualcode.errors import InputError
from qualcode.readers.base import Transcript
from qualcode.readers.paragraphs import Para, transcript_from_paragraphs
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
_SOFT_HYPHEN = "\x02"  # a hyphen at the end of a line, as PDFium marks it
_PDFIUM_HYPHEN = "\ufffe"  # the same, where PDFium has joined the two lines into one
_LINE = re.compile(r"[^\r\n]+")
_LABEL = re.compile(r"\S{1,20}")
_AFTER_SPACE = re.compile(r"\s+")
_ENDS_SENTENCE = tuple(".?!:;\"'”’)]")
_LABEL_STARTS = "[(*0123456789"
_HINT_DAMAGED = "Open it in a PDF viewer and save or print it to a new PDF, then import that copy"


@dataclass(slots=True)
class _Box:
    """A run of text on one line of a page, in PDF points (y grows upwards)."""

    page: int
    left: float
    bottom: float
    right: float
    top: float
    text: str
    size: float  # font size of the first character, points

    @property
    def height(self) -> float:
        return self.top - self.bottom


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


def _extract(path: Path) -> tuple[list[list[_Box]], list[tuple[float, float]], dict[str, Any]]:
    """Text boxes of every page, page sizes, and the document's title and author."""
    import pypdfium2 as pdfium
    import pypdfium2.raw as pdfium_c

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
            pages.append(_page_boxes(textpage, pdfium_c, index + 1))
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


class _Chars:
    """Where PDFium puts a page's characters and boxes, asked through its C functions with
    the buffers made once per page (each call is a few microseconds of ctypes)."""

    def __init__(self, textpage: Any, raw: Any) -> None:
        import ctypes

        self.handle = textpage.raw
        self.get_box, self.get_rect = raw.FPDFText_GetCharBox, raw.FPDFText_GetRect
        self.get_index = raw.FPDFText_GetCharIndexAtPos
        self.font_size, self.count_rects = raw.FPDFText_GetFontSize, raw.FPDFText_CountRects
        self.values = [ctypes.c_double() for _ in range(4)]
        self.pointers = [ctypes.byref(value) for value in self.values]
        self.sizes: dict[float, float] = {}  # box height -> font size, on this page

    def size(self, at: int, rect: tuple[float, ...]) -> float:
        """The font size of character ``at``, the first of box ``rect``: boxes of one
        height on a page share it, so PDFium is asked once per height."""
        height = round(rect[3] - rect[1], 2)
        found = self.sizes.get(height)
        if found is None:
            found = self.sizes[height] = self.font_size(self.handle, at)
        return found

    def rects(self) -> list[tuple[float, ...]]:
        """PDFium's text boxes of the page, each (left, bottom, right, top)."""
        handle, get_rect, pointers = self.handle, self.get_rect, self.pointers
        left, top, right, bottom = self.values
        found = []
        for number in range(self.count_rects(handle, 0, -1)):
            get_rect(handle, number, *pointers)
            found.append((left.value, bottom.value, right.value, top.value))
        return found

    def index_at(self, x: float, y: float) -> int:
        """The character at or within 2 points of (x, y); negative when there is none."""
        return self.get_index(self.handle, x, y, 2, 2)

    def box(self, at: int) -> tuple[float, float, float, float]:
        """Character ``at``'s box: left, right, bottom, top."""
        self.get_box(self.handle, at, *self.pointers)
        left, right, bottom, top = self.values
        return left.value, right.value, bottom.value, top.value


def _page_boxes(textpage: Any, raw: Any, page: int) -> list[_Box]:
    """The text boxes of one page: PDFium's lines, each cut where PDFium sees a gap (a
    margin number, the next column) into boxes with their own text and font size.

    The page's text and its boxes are each asked for once. The boxes come in text order and
    none spans two lines of the text, so each line takes the boxes that follow (see
    :func:`_lines_and_boxes`).
    """
    full = textpage.get_text_range()
    chars = _Chars(textpage, raw)
    rects = chars.rects()

    def holds(at: int, rect: tuple[float, ...]) -> bool:
        return _holds(chars, at, rect)

    lines = _lines_and_boxes(full, rects, holds, quick=True)
    if lines is None:  # PDFium's boxes did not fall as the quick rule expects
        lines = _lines_and_boxes(full, rects, holds, quick=False) or []
    boxes: list[_Box] = []
    for start, end, mine in lines:
        if len(mine) == 1:
            text = full[start:end]
            if _PDFIUM_HYPHEN in text:
                text = text.replace(_PDFIUM_HYPHEN, _SOFT_HYPHEN)
            text = text.strip()
            if text:
                left, bottom, right, top = rect = mine[0]
                boxes.append(_Box(page, left, bottom, right, top, text, chars.size(start, rect)))
            continue
        cuts = [start]
        for rect in mine[1:]:
            cuts.append(_cut(chars, full, cuts[-1], end, rect))
        cuts.append(end)
        for rect, a, b in zip(mine, cuts, cuts[1:], strict=False):
            text = full[a:b].replace(_PDFIUM_HYPHEN, _SOFT_HYPHEN).strip()
            if text:
                left, bottom, right, top = rect
                boxes.append(_Box(page, left, bottom, right, top, text, chars.size(a, rect)))
    return boxes


def _lines_and_boxes(
    full: str, rects: list[tuple[float, ...]], holds: Any, *, quick: bool
) -> list[tuple[int, int, list[tuple[float, ...]]]] | None:
    """Each line of the page's text (start, end) with its boxes.

    A line takes boxes until one holds its last character. ``quick`` spares most of those
    checks (PDFium is slow to say where a character is): a line takes one more box for each
    hyphen at which PDFium joined two printed lines, and asks only when the next box stands
    on the same baseline to the right (a margin number and its line, or two columns). The
    quick answer is None when the boxes do not come out even.
    """
    found = []
    taken = 0
    count = len(rects)
    hyphens = quick and _PDFIUM_HYPHEN in full
    for line in _LINE.finditer(full):
        start, end = line.span()
        kept = len(line[0].rstrip())
        if not kept:
            continue
        last = start + kept - 1
        if taken >= count:
            return None if quick else found
        mine = [rects[taken]]
        taken += 1
        joined = full.count(_PDFIUM_HYPHEN, start, end) if hyphens else 0
        while taken < count:
            following = rects[taken]
            # most often the next box starts a line at the left: not beside, and no call
            beside = following[0] >= mine[-1][2] - 1 and _beside(mine[-1], following)
            if quick and joined and not beside:
                joined -= 1
            elif (not quick or beside) and holds(last, mine[-1]) or quick and not beside:
                break
            mine.append(following)
            taken += 1
        found.append((start, end, mine))
    return found if not quick or taken == len(rects) else None


def _beside(rect: tuple[float, ...], following: tuple[float, ...]) -> bool:
    """Whether ``following`` stands on the same baseline as ``rect``, to its right."""
    height = min(rect[3] - rect[1], following[3] - following[1])
    return abs(rect[1] - following[1]) < height * 0.5 and following[0] >= rect[2] - 1


def _holds(chars: _Chars, at: int, rect: tuple[float, ...]) -> bool:
    """Whether character ``at`` stands inside ``rect`` (left, bottom, right, top)."""
    char_left, char_right, char_bottom, char_top = chars.box(at)
    middle_x = (char_left + char_right) / 2
    middle_y = (char_bottom + char_top) / 2
    left, bottom, right, top = rect
    return left - 0.5 <= middle_x <= right + 0.5 and bottom - 0.5 <= middle_y <= top + 0.5


def _cut(chars: _Chars, full: str, start: int, end: int, rect: tuple[float, ...]) -> int:
    """The first character of ``full[start:end]`` that stands inside ``rect`` (left, bottom,
    right, top): where that box's text begins. PDFium's guesses are tried first (the
    character after a line-end hyphen, the character at the box's left edge), each checked,
    before looking at every character in turn."""
    left, bottom, _right, top = rect

    def inside(at: int) -> bool:
        char_left, _char_right, char_bottom, char_top = chars.box(at)
        return char_left >= left - 0.5 and bottom <= (char_bottom + char_top) / 2 <= top

    def first_inside(at: int) -> bool:
        before = at - 1
        while before > start and full[before].isspace():
            before -= 1
        return inside(at) and (before < start or not inside(before))

    hyphen = full.find(_PDFIUM_HYPHEN, start, end)
    if start <= hyphen < end - 1 and inside(hyphen + 1):  # the hyphen ends the box before
        return hyphen + 1
    word = _AFTER_SPACE.search(full, start, end)  # a margin number, then the line
    if word and start < word.end() < end and first_inside(word.end()):
        return word.end()
    at = chars.index_at(left + 0.5, (top + bottom) / 2)
    if start < at < end and first_inside(at):
        return at
    for at in range(start + 1, end):
        if not full[at].isspace() and inside(at):
            return at
    return end


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


def _drop_running_lines(pages: list[list[_Box]], sizes: list[tuple[float, float]]) -> None:
    """Remove running headers, footers and page numbers (see the module docstring)."""

    banded = []  # per page: its boxes in the top or bottom band, each with its key
    for boxes, (_width, height) in zip(pages, sizes, strict=True):
        low, high = height * _BAND, height * (1 - _BAND)
        banded.append({id(b): _DIGITS.sub("#", b.text.casefold())
                       for b in boxes if b.bottom > high or b.top < low})  # fmt: skip
    keys = Counter(key for band in banded for key in set(band.values()))
    with_text = sum(1 for boxes in pages if boxes)
    running = {key for key, count in keys.items() if count >= max(2, with_text / 2)}
    for boxes, band in zip(pages, banded, strict=True):
        if band:
            boxes[:] = [
                box
                for box in boxes
                if id(box) not in band
                or not (band[id(box)] in running or _PAGE_NUMBER.fullmatch(box.text))
            ]


def _drop_line_numbers(pages: list[list[_Box]]) -> bool:
    """Remove a margin column of line numbers; True when there was one."""
    found = False
    for boxes in pages:
        numbers = [box for box in boxes if box.text.isdigit() and len(box.text) <= 3]
        text = [box for box in boxes if not (box.text.isdigit() and len(box.text) <= 3)]
        if len(numbers) < 3 or not text:
            continue
        text_left = min(box.left for box in text)
        margin = [box for box in numbers if box.right <= text_left + 1]
        if len(margin) >= 3 and len(margin) >= len(numbers) // 2:
            drop = {id(box) for box in margin}
            boxes[:] = [box for box in boxes if id(box) not in drop]
            found = True
    return found


def _reading_order(boxes: list[_Box], width: float) -> list[_Box]:
    """A page's lines in reading order: one column top to bottom, or two columns left then
    right between the full-width lines that cut across them."""
    middle = width / 2
    slack = width * 0.02
    left = [b for b in boxes if b.right <= middle + slack]
    right = [b for b in boxes if b.left >= middle - slack]
    if len(left) < 3 or len(right) < 3:
        return _lines(boxes)
    down = sorted(boxes, key=lambda b: (-b.top, b.left))
    ordered: list[_Box] = []
    region: list[_Box] = []
    for box in down:
        if box.right <= middle + slack or box.left >= middle - slack:
            region.append(box)
            continue
        ordered += _columns(region, middle) + [box]
        region = []
    return ordered + _columns(region, middle)


def _columns(region: list[_Box], middle: float) -> list[_Box]:
    first = [b for b in region if b.left < middle]
    second = [b for b in region if b.left >= middle]
    return _lines(first) + _lines(second)


def _lines(boxes: list[_Box]) -> list[_Box]:
    """Boxes sorted top to bottom, those on one baseline joined left to right into a line."""
    lines: list[_Box] = []
    for box in sorted(boxes, key=lambda b: (-b.top, b.left)):
        last = lines[-1] if lines else None
        same_line = last is not None and abs(last.bottom - box.bottom) < min(
            last.height, box.height
        ) * 0.5
        if last is not None and same_line and box.left >= last.right - 1:
            space = " " if box.left - last.right > box.size * 0.15 else ""
            lines[-1] = _Box(
                last.page, last.left, min(last.bottom, box.bottom), box.right,
                max(last.top, box.top), last.text + space + box.text, max(last.size, box.size),
            )  # fmt: skip
        else:
            lines.append(box)
    return lines


def _paragraphs(lines: list[_Box]) -> tuple[list[Para], list[list[tuple[int, int]]]]:
    """Lines joined into paragraphs; for each paragraph, (offset in it, page) where a page's
    text begins inside it."""
    if not lines:
        return [], []
    body = statistics.median(line.height for line in lines)
    sizes = Counter()
    for line in lines:
        sizes[round(line.size, 1)] += len(line.text)
    body_size = sizes.most_common(1)[0][0]
    steps = [
        a.bottom - b.bottom
        for a, b in zip(lines, lines[1:], strict=False)
        if a.page == b.page and 0 < a.bottom - b.bottom < body * 3
    ]
    step = statistics.median(steps) if steps else body * 1.2
    paras: list[Para] = []
    pages: list[list[tuple[int, int]]] = []
    parts: list[str] = []
    heading = False
    previous: _Box | None = None
    for line in lines:
        big = line.size > body_size * 1.15
        if previous is None or _starts_paragraph(previous, line, step, big, heading):
            if parts:
                paras.append(Para("".join(parts), heading=heading))
            parts, heading = [], big
            pages.append([])
            text = line.text
        else:
            text = _join(parts, line.text)
        if previous is None or line.page != previous.page:
            pages[-1].append((sum(map(len, parts)), line.page))
        parts.append(text)
        previous = line
    paras.append(Para("".join(parts), heading=heading))
    for para in paras:
        para.text = para.text.replace(_SOFT_HYPHEN, "-")
    return paras, pages


def _starts_paragraph(previous: _Box, line: _Box, step: float, big: bool, heading: bool) -> bool:
    if big != heading:
        return True
    text = line.text
    colon = text.find(":", 0, 90)  # a label's colon comes early, after a few words
    # and a label starts with a capital, or a time or bold mark before it
    could = colon > 0 and (text[0].isupper() or text[0] in _LABEL_STARTS)
    label = match_label(text) if could and text.count(" ", 0, colon) < 8 else None
    if label is not None and (looks_like_name(label.name) or label.name.isupper()):
        return True
    if text.startswith(("[", "(")) and previous.text.rstrip().endswith(_ENDS_SENTENCE):
        return True  # a stage note: "(11.45 am)"
    if line.page != previous.page or line.top > previous.top:  # a new page or column
        return previous.text.rstrip().endswith(_ENDS_SENTENCE) or not text[:1].islower()
    return previous.bottom - line.bottom > step * 1.4


def _join(parts: list[str], text: str) -> str:
    """``text`` to append to a paragraph: after a hyphen at the line end, without a space
    (and the hyphen goes when the word goes on in lower case)."""
    last = parts[-1]
    if last.endswith((_SOFT_HYPHEN, "-")) and last[-2:-1].isalpha() and text[:1].islower():
        parts[-1] = last[:-1]
        return text
    if last.endswith(_SOFT_HYPHEN):
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
