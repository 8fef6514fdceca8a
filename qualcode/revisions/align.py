"""Where each character of an old text went in a new one: a diff run to completion.

The texts are compared line by line first (an LCS diff of whole lines, never stopped at
a deadline). Changed stretches are then paired line with line (same number of lines, as
after relabelled speakers or fixed typos), or aligned again on lines without their
speaker label and case; each pair is aligned word by word. What is equal at the end is
a list of runs ``(old_start, new_start, length)``; offsets inside a changed stretch map
proportionally across it, and :mod:`qualcode.revisions.anchor` checks every result.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

from rapidfuzz.distance import Indel

TOKEN = re.compile(r"\w+|\s+|[^\w\s]")
LABEL = re.compile(r"^\s*(?:\[[^\]\n]{1,20}\]\s*)?[^:\n]{1,40}:\s+")
WORD_DIFF_LIMIT = 6_000  # tokens either side; longer changed stretches are paired by lines


@dataclass(frozen=True, order=True)
class Run:
    """``old[old:old + length] == new[new:new + length]``."""

    old: int
    new: int
    length: int


def _lines(text: str) -> list[tuple[int, int]]:
    """(start, end) of each line, its line ending included."""
    spans, start = [], 0
    for line in text.splitlines(keepends=True):
        spans.append((start, start + len(line)))
        start += len(line)
    return spans


def _content(text: str, span: tuple[int, int]) -> str:
    return text[span[0] : span[1]].rstrip("\r\n")


def _loose(text: str, span: tuple[int, int]) -> str:
    """A line without its speaker label, spacing or case: what relabelling leaves alone."""
    return " ".join(LABEL.sub("", _content(text, span)).lower().split())


class TextMap:
    """Maps offsets of ``old`` to offsets of ``new``.

    >>> TextMap("Jo: we trust them.", "JO: we trust them!").start(4)
    4
    """

    def __init__(self, old: str, new: str) -> None:
        self.old_length, self.new_length = len(old), len(new)
        runs: list[Run] = []
        old_lines, new_lines = _lines(old), _lines(new)
        keys_old = [_content(old, s) for s in old_lines]
        keys_new = [_content(new, s) for s in new_lines]
        for tag, i1, i2, j1, j2 in _merged(Indel.opcodes(keys_old, keys_new), keys_old):
            if tag == "equal":
                for a, b in zip(old_lines[i1:i2], new_lines[j1:j2], strict=True):
                    runs.extend(_same_line(old, new, a, b))
            else:
                runs.extend(_changed(old, new, old_lines[i1:i2], new_lines[j1:j2]))
        self.runs = sorted(r for r in runs if r.length > 0)
        self._olds = [r.old for r in self.runs]

    def _around(self, offset: int) -> tuple[int, int, int, int]:
        """The changed stretch holding ``offset`` (its end included): old [a, b], new [c, d]."""
        i = bisect.bisect_right(self._olds, offset - 1) - 1
        before = self.runs[i] if i >= 0 else Run(0, 0, 0)
        after = self.runs[i + 1] if i + 1 < len(self.runs) else None
        a, c = before.old + before.length, before.new + before.length
        b, d = (after.old, after.new) if after else (self.old_length, self.new_length)
        return a, b, c, d

    def _inside(self, offset: int, *, closed_end: bool) -> int | None:
        i = bisect.bisect_right(self._olds, offset - (1 if closed_end else 0)) - 1
        if i < 0:
            return None
        run = self.runs[i]
        if run.old <= offset < run.old + run.length or (
            closed_end and run.old < offset <= run.old + run.length
        ):
            return run.new + offset - run.old
        return None

    def start(self, offset: int) -> int:
        """Where a span starting at ``offset`` starts: text inserted there goes before it."""
        inside = self._inside(offset, closed_end=False)
        if inside is not None:
            return inside
        a, b, c, d = self._around(offset)
        return c + (offset - a) * (d - c) // max(b - a, 1)

    def end(self, offset: int) -> int:
        """Where a span ending at ``offset`` ends: text inserted there goes after it."""
        inside = self._inside(offset, closed_end=True)
        if inside is not None:
            return inside
        a, b, c, d = self._around(offset)
        return c + (offset - a) * (d - c) // max(b - a, 1)


def _merged(opcodes: object, keys: list[str]) -> list[tuple[str, int, int, int, int]]:
    """Opcodes with neighbouring changes (insert, delete, replace) joined into one, and
    blank lines between two changes taken into them: a blank line is no landmark."""
    out: list[tuple[str, int, int, int, int]] = []
    for op in opcodes:  # type: ignore[attr-defined]
        tag = "equal" if op.tag == "equal" else "change"
        if tag == "change" and len(out) >= 2 and out[-1][0] == "equal" and out[-2][0] == "change":
            _, i1, i2, _, _ = out[-1]
            if not any(key.strip() for key in keys[i1:i2]):
                out.pop()
        if out and out[-1][0] == tag == "change":
            _, i1, _, j1, _ = out[-1]
            out[-1] = ("change", i1, op.src_end, j1, op.dest_end)
        else:
            out.append((tag, op.src_start, op.src_end, op.dest_start, op.dest_end))
    return out


def _same_line(old: str, new: str, a: tuple[int, int], b: tuple[int, int]) -> list[Run]:
    """Two lines of equal content; their endings may differ (``\\r\\n`` against ``\\n``)."""
    length = len(_content(old, a))
    runs = [Run(a[0], b[0], length)]
    if old[a[0] + length : a[1]] == new[b[0] + length : b[1]]:
        runs = [Run(a[0], b[0], a[1] - a[0])]
    return runs


def _changed(
    old: str, new: str, old_lines: list[tuple[int, int]], new_lines: list[tuple[int, int]]
) -> list[Run]:
    if not old_lines or not new_lines:
        return []
    if len(old_lines) == len(new_lines):
        return [
            r for a, b in zip(old_lines, new_lines, strict=True) for r in _words(old, new, a, b)
        ]
    loose_old = [_loose(old, s) for s in old_lines]
    loose_new = [_loose(new, s) for s in new_lines]
    runs: list[Run] = []
    for tag, i1, i2, j1, j2 in _merged(Indel.opcodes(loose_old, loose_new), loose_old):
        olds, news = old_lines[i1:i2], new_lines[j1:j2]
        if tag == "equal" or len(olds) == len(news):
            runs.extend(r for a, b in zip(olds, news, strict=True) for r in _words(old, new, a, b))
        elif olds and news:
            runs.extend(_words(old, new, (olds[0][0], olds[-1][1]), (news[0][0], news[-1][1])))
    return runs


def _words(old: str, new: str, a: tuple[int, int], b: tuple[int, int]) -> list[Run]:
    """Equal runs of ``old[a]`` and ``new[b]``, aligned word by word (LCS of tokens)."""
    left = [(m.start(), m.group()) for m in TOKEN.finditer(old, a[0], a[1])]
    right = [(m.start(), m.group()) for m in TOKEN.finditer(new, b[0], b[1])]
    if len(left) > WORD_DIFF_LIMIT or len(right) > WORD_DIFF_LIMIT:
        return []
    runs = []
    for op in Indel.opcodes([t for _, t in left], [t for _, t in right]):
        if op.tag == "equal" and op.src_end > op.src_start:
            first, last = left[op.src_start], left[op.src_end - 1]
            length = last[0] + len(last[1]) - first[0]  # tokens cover the text: one run
            runs.append(Run(first[0], right[op.dest_start][0], length))
    return runs
