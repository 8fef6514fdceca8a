"""The text boxes of a PDF page, as PDFium places them: the first step of the PDF reader
(:mod:`qualcode.readers.pdf` lays the boxes out).

PDFium gives a page's text in its own order, a line of text per printed line (or two
printed lines joined at a hyphen, or two columns on one baseline), and a box per run of
text (``FPDFText_CountRects``). A line takes the boxes that follow until one holds its
last character; a line with several boxes is cut where each box's first character is.

**Speed.** Asking PDFium where a character is costs a call into C, and a page has some
three thousand characters, so the reader asks about characters only where the boxes leave
a doubt: a line takes one more box for each hyphen at which PDFium joined two printed lines,
and asks only when the next box stands on the same baseline to its right. When the boxes
do not come out even that way, every line asks. The C functions are called through plain
address-typed prototypes made once (pypdfium2's typed pointers take longer to check than
PDFium takes to answer), with one buffer per page for what they write.
"""

from __future__ import annotations

import ctypes
import functools
import re
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import accumulate, repeat
from operator import add
from types import SimpleNamespace
from typing import Any

SOFT_HYPHEN = "\x02"  # a hyphen at the end of a line, as PDFium marks it
_PDFIUM_HYPHEN = "\ufffe"  # the same, where PDFium has joined the two lines into one
_LINE = re.compile(r"[^\r\n]+")
_AFTER_SPACE = re.compile(r"\s+")

Rect = tuple[float, float, float, float]  # left, bottom, right, top


@dataclass(slots=True, eq=False)
class Box:
    """A run of text on one line of a page, in PDF points (y grows upwards); each box is
    equal only to itself, so a list finds one by identity."""

    page: int
    left: float
    bottom: float
    right: float
    top: float
    text: str
    size: float  # font size of the first character, points


@functools.cache
def _pdfium() -> SimpleNamespace:
    """PDFium's text functions, typed to take plain addresses and numbers."""
    import pypdfium2.raw as raw

    address, number, real = ctypes.c_void_p, ctypes.c_int, ctypes.c_double

    def plain(function: Any, result: Any, *arguments: Any) -> Any:
        copy = type(function)(ctypes.cast(function, address).value)
        copy.argtypes, copy.restype = arguments, result
        return copy

    four = (address,) * 4
    return SimpleNamespace(
        count_rects=plain(raw.FPDFText_CountRects, number, address, number, number),
        rect=plain(raw.FPDFText_GetRect, number, address, number, *four),
        char_box=plain(raw.FPDFText_GetCharBox, number, address, number, *four),
        font_size=plain(raw.FPDFText_GetFontSize, real, address, number),
        index_at=plain(raw.FPDFText_GetCharIndexAtPos, number, address, real, real, real, real),
    )


class _Chars:
    """Where PDFium puts one text page's characters and boxes, and their font sizes."""

    def __init__(self, textpage: Any) -> None:
        self.calls = _pdfium()
        self.handle = ctypes.cast(textpage.raw, ctypes.c_void_p).value
        self.values = (ctypes.c_double * 4)()
        start = ctypes.addressof(self.values)
        self.addresses = (start, start + 8, start + 16, start + 24)
        self.by_height: dict[float, float] = {}  # box height -> font size, on this page
        self.by_rounded: dict[int, float] = {}  # the same, the height in 0.01 points

    def size(self, at: int, rect: Rect) -> float:
        """The font size of character ``at``, the first of box ``rect``: boxes of one
        height on a page share it, so PDFium is asked once per height."""
        height = rect[3] - rect[1]
        found = self.by_height.get(height)
        if found is None:
            rounded = round(height * 100)  # a whole number: far quicker than round(height, 2)
            found = self.by_rounded.get(rounded)
            if found is None:
                found = self.by_rounded[rounded] = self.calls.font_size(self.handle, at)
            self.by_height[height] = found
        return found

    def rects(self) -> list[Rect]:
        """PDFium's text boxes of the page, each (left, bottom, right, top)."""
        handle, get_rect = self.handle, self.calls.rect
        count = max(0, self.calls.count_rects(handle, 0, -1))
        values = (ctypes.c_double * (4 * count))()  # left, top, right, bottom for each
        at = ctypes.addressof(values)
        ends = at + 32 * count
        # map() calls PDFium for each box without a Python step between the calls
        lefts, tops, rights, bottoms = (range(at + 8 * i, ends, 32) for i in range(4))
        calls = map(get_rect, repeat(handle, count), range(count), lefts, tops, rights, bottoms)
        deque(calls, maxlen=0)  # each call made, none of their answers kept
        flat = values[:]
        return list(zip(flat[0::4], flat[3::4], flat[2::4], flat[1::4], strict=True))

    def index_at(self, x: float, y: float) -> int:
        """The character at or within 2 points of (x, y); negative when there is none."""
        return self.calls.index_at(self.handle, x, y, 2, 2)

    def box(self, at: int) -> list[float]:
        """Character ``at``'s box: left, right, bottom, top."""
        self.calls.char_box(self.handle, at, *self.addresses)
        return self.values[:]  # a slice: four times quicker than tuple() of the array

    def holds(self, at: int, rect: Rect) -> bool:
        """Whether character ``at`` stands inside ``rect``."""
        char_left, char_right, char_bottom, char_top = self.box(at)
        middle_x = (char_left + char_right) / 2
        middle_y = (char_bottom + char_top) / 2
        left, bottom, right, top = rect
        return left - 0.5 <= middle_x <= right + 0.5 and bottom - 0.5 <= middle_y <= top + 0.5


def page_boxes(textpage: Any, page: int) -> list[Box]:
    """The text boxes of one page: PDFium's lines, each cut where PDFium sees a gap (a
    margin number, the next column) into boxes with their own text and font size. A hyphen
    at a line end is :data:`SOFT_HYPHEN`."""
    full = textpage.get_text_range()
    chars = _Chars(textpage)
    rects = chars.rects()
    boxes = _quick_boxes(chars, full, rects, page)
    if boxes is None:  # PDFium's boxes did not fall as the quick rule expects
        chars.by_height.clear()  # sizes asked of characters in the wrong boxes
        chars.by_rounded.clear()
        boxes = _checked_boxes(chars, full, rects, page)
    return boxes


def _quick_boxes(chars: _Chars, full: str, rects: list[Rect], page: int) -> list[Box] | None:
    """The page's boxes, each line taking its boxes by the quick rule (see the module
    docstring); None when the boxes do not come out even."""
    boxes: list[Box] = []
    taken, count = 0, len(rects)
    hyphens = _PDFIUM_HYPHEN in full
    holds, size, by_height = chars.holds, chars.size, chars.by_height
    for start, text in _text_lines(full):
        kept = len(text.rstrip())
        if not kept:
            continue
        if taken >= count:
            return None
        rect = rects[taken]
        taken += 1
        mine = None
        joined = text.count(_PDFIUM_HYPHEN) if hyphens else 0
        while taken < count:
            following = rects[taken]
            # most often the next box starts a line at the left: not beside, and no call
            if following[0] >= rect[2] - 1 and _beside(rect, following):
                if holds(start + kept - 1, rect):
                    break
            elif joined:
                joined -= 1
            else:
                break
            mine = mine or [rect]
            rect = following
            mine.append(rect)
            taken += 1
        if mine is None:  # one box: the whole line
            if hyphens:
                text = text.replace(_PDFIUM_HYPHEN, SOFT_HYPHEN)
            found = by_height.get(rect[3] - rect[1])
            if found is None:
                found = size(start, rect)
            boxes.append(Box(page, *rect, text.strip(), found))
        else:
            _cut_line(chars, full, start, start + len(text), mine, page, boxes)
    return boxes if taken == count else None


def _checked_boxes(chars: _Chars, full: str, rects: list[Rect], page: int) -> list[Box]:
    """The page's boxes, each line taking boxes until one holds its last character."""
    boxes: list[Box] = []
    taken, count = 0, len(rects)
    for start, text in _text_lines(full):
        kept = len(text.rstrip())
        if not kept:
            continue
        if taken >= count:
            break
        last = start + kept - 1
        mine = [rects[taken]]
        taken += 1
        while taken < count and not chars.holds(last, mine[-1]):
            mine.append(rects[taken])
            taken += 1
        _cut_line(chars, full, start, start + len(text), mine, page, boxes)
    return boxes


def _text_lines(full: str) -> Iterator[tuple[int, str]]:
    """Each stretch of the page's text between line breaks, with its offset (some empty)."""
    if full.count("\r\n") == full.count("\r") == full.count("\n"):  # PDFium's own breaks
        texts = full.split("\r\n")  # and the offsets summed in C: no Python step a line
        starts = map(add, accumulate(map(len, texts), initial=0), range(0, 2 * len(texts), 2))
        return zip(starts, texts, strict=False)
    return ((line.start(), line[0]) for line in _LINE.finditer(full))


def _cut_line(
    chars: _Chars, full: str, start: int, end: int, mine: list[Rect], page: int, boxes: list[Box]
) -> None:
    """Add to ``boxes`` line ``full[start:end]`` cut into its boxes ``mine``."""
    cuts = [start]
    for rect in mine[1:]:
        cuts.append(_cut(chars, full, cuts[-1], end, rect))
    cuts.append(end)
    for rect, a, b in zip(mine, cuts, cuts[1:], strict=False):
        text = full[a:b].replace(_PDFIUM_HYPHEN, SOFT_HYPHEN).strip()
        if text:
            boxes.append(Box(page, *rect, text, chars.size(a, rect)))


def _beside(rect: Rect, following: Rect) -> bool:
    """Whether ``following`` stands on the same baseline as ``rect``, to its right."""
    height = min(rect[3] - rect[1], following[3] - following[1])
    return abs(rect[1] - following[1]) < height * 0.5 and following[0] >= rect[2] - 1


def _cut(chars: _Chars, full: str, start: int, end: int, rect: Rect) -> int:
    """The first character of ``full[start:end]`` that stands inside ``rect``: where that
    box's text begins. PDFium's guesses are tried first (the character after a line-end
    hyphen, the character at the box's left edge), each checked, before looking at every
    character in turn."""
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
