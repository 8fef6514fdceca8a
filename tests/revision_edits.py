"""Edits of known effect on a transcript, for the re-anchoring tests and bench/revise.py.

An edit is a list of :class:`Op` (replace ``old[pos:pos + cut]`` by ``put``), never
overlapping; :func:`apply` makes the new text and :func:`true_span` says where a span of
the old text truly is in it (text replaced at a span's edge belongs to the span, text
only inserted at its edge does not). Codings are random word spans inside paragraphs.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from dataclasses import dataclass

WORD = re.compile(r"[A-Za-z']+")
LABEL_LINE = re.compile(r"^([A-Z][^:\n]{1,40}): ", re.M)


@dataclass(frozen=True)
class Op:
    pos: int
    cut: int
    put: str


def apply(text: str, ops: list[Op]) -> str:
    parts, at = [], 0
    for op in sorted(ops, key=lambda o: o.pos):
        parts += [text[at : op.pos], op.put]
        at = op.pos + op.cut
    return "".join(parts) + text[at:]


def true_span(ops: list[Op], start: int, end: int) -> tuple[int, int] | None:
    """Where old [start, end) is in the new text; None if all its text was replaced."""
    ordered = sorted(ops, key=lambda o: o.pos)
    covered = sum(
        min(end, o.pos + o.cut) - max(start, o.pos)
        for o in ordered
        if o.pos < end and start < o.pos + o.cut
    )
    if covered >= end - start:
        return None
    shift, new_start = 0, None
    for op in ordered:
        if (op.cut == 0 and op.pos <= start) or (op.cut and op.pos + op.cut <= start):
            shift += len(op.put) - op.cut
        elif op.cut and op.pos <= start:
            new_start = op.pos + shift
            break
        else:
            break
    new_start = start + shift if new_start is None else new_start
    shift, new_end = 0, None
    for op in ordered:
        if (op.cut == 0 and op.pos < end) or (op.cut and op.pos + op.cut <= end):
            shift += len(op.put) - op.cut
        elif op.cut and op.pos < end:
            new_end = op.pos + shift + len(op.put)
            break
        else:
            break
    return new_start, end + shift if new_end is None else new_end


def overlap(a: tuple[int, int], b: tuple[int, int]) -> float:
    inter = max(0, min(a[1], b[1]) - max(a[0], b[0]))
    union = max(a[1], b[1]) - min(a[0], b[0])
    return inter / union if union else 1.0


def paragraphs(text: str) -> list[tuple[int, int]]:
    """(start, end) of each paragraph's spoken text (after any speaker label)."""
    spans = []
    for m in re.finditer(r"[^\n]+", text):
        label = LABEL_LINE.match(m.group())
        start = m.start() + (label.end() if label else 0)
        if len(WORD.findall(text[start : m.end()])) >= 3 and not m.group().startswith(("#", "[")):
            spans.append((start, m.end()))
    return spans


def random_codings(text: str, count: int, rng: random.Random) -> list[tuple[int, int]]:
    """``count`` distinct spans of 1 to 60 whole words inside paragraphs."""
    found: set[tuple[int, int]] = set()
    paras = paragraphs(text)
    while len(found) < count:
        a, b = rng.choice(paras)
        words = list(WORD.finditer(text, a, b))
        i = rng.randrange(len(words))
        j = min(len(words) - 1, i + rng.choice([0, 2, 5, 10, 20, 40, 59]))
        found.add((words[i].start(), words[j].end()))
    return sorted(found)


def _altered(word: str, rng: random.Random) -> str:
    i = rng.randrange(len(word))
    kind = rng.choice(["swap", "drop", "add", "change"])
    if kind == "swap" and len(word) > 2 and i < len(word) - 1:
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    if kind == "drop" and len(word) > 3:
        return word[:i] + word[i + 1 :]
    if kind == "add":
        return word[:i] + rng.choice("aeiourst") + word[i:]
    return word[:i] + rng.choice("bcdfghklmnp") + word[i + 1 :]


def _words_ops(text: str, share: float, rng: random.Random, make: Callable[[str], str]) -> list[Op]:
    ops = []
    for m in WORD.finditer(text):
        if rng.random() < share:
            replacement = make(m.group())
            if replacement != m.group():
                ops.append(Op(m.start(), len(m.group()), replacement))
    return ops


def typo_fixes(text: str, rng: random.Random) -> list[Op]:
    """One word in fifty gets a letter swapped, dropped, added or changed."""
    return _words_ops(text, 0.02, rng, lambda w: _altered(w, rng))


def retranscribed(text: str, rng: random.Random, share: float = 0.05) -> list[Op]:
    """``share`` of the words replaced by other words of the transcript."""
    vocabulary = sorted(set(WORD.findall(text)))
    return _words_ops(text, share, rng, lambda _w: rng.choice(vocabulary))


def relabelled(text: str, rng: random.Random) -> list[Op]:
    """Every speaker label renamed (as a second pass of a transcription service would)."""
    labels = sorted({m.group(1) for m in LABEL_LINE.finditer(text)})
    names = {label: f"SPEAKER {n} ({label.split()[-1].upper()})" for n, label in enumerate(labels)}
    rng.shuffle(labels)
    return [Op(m.start(1), len(m.group(1)), names[m.group(1)]) for m in LABEL_LINE.finditer(text)]


def _new_paragraph(text: str, rng: random.Random) -> str:
    vocabulary = WORD.findall(text)
    words = [rng.choice(vocabulary) for _ in range(rng.randint(8, 60))]
    return " ".join(words).capitalize() + "."


def inserted_paragraphs(text: str, rng: random.Random, count: int = 10) -> list[Op]:
    """``count`` new paragraphs (of the transcript's own words) between paragraphs."""
    breaks = [m.end() for m in re.finditer(r"\n\n", text)]
    return [Op(at, 0, _new_paragraph(text, rng) + "\n\n") for at in rng.sample(breaks, count)]


def deleted_paragraphs(text: str, rng: random.Random, count: int = 3) -> list[Op]:
    spans = [(m.start(), m.end()) for m in re.finditer(r"[^\n]+\n\n", text)]
    return [Op(a, b - a, "") for a, b in rng.sample(spans, count)]


def crlf(text: str, _rng: random.Random) -> list[Op]:
    return [Op(m.start(), 1, "\r\n") for m in re.finditer("\n", text)]


def combined(*makers: Callable[[str, random.Random], list[Op]]) -> Callable[..., list[Op]]:
    """Several kinds of edit at once; where two touch the same text the first wins."""

    def make(text: str, rng: random.Random) -> list[Op]:
        taken: list[Op] = []
        for maker in makers:
            for op in maker(text, rng):
                clash = any(
                    op.pos < o.pos + o.cut + 1 and o.pos < op.pos + op.cut + 1 for o in taken
                )
                if not clash:
                    taken.append(op)
        return taken

    return make


KINDS: dict[str, Callable[[str, random.Random], list[Op]]] = {
    "typo fixes": typo_fixes,
    "speaker relabelling": relabelled,
    "inserted paragraphs": inserted_paragraphs,
    "all together": combined(relabelled, typo_fixes, inserted_paragraphs),
    "5% words re-transcribed": retranscribed,
}


@dataclass
class Outcome:
    """How the codings of one edited text fared: placed within 90% overlap of their true
    span, placed under 50% (wrong), sent to review; codings whose words all went are apart."""

    total: int = 0
    within_90: int = 0
    wrong: int = 0
    review: int = 0
    gone: int = 0
    gone_placed: int = 0

    def add(self, other: Outcome) -> None:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))


def measure(
    text: str, ops: list[Op], codings: list[tuple[int, int]], new: str | None = None
) -> Outcome:
    """Place ``codings`` of ``text`` in the edited text and compare with their true spans."""
    from qualcode.revisions.anchor import anchor_of, place_all

    new = apply(text, ops) if new is None else new
    outcome = Outcome()
    placements = place_all(text, new, [anchor_of(text, s, e) for s, e in codings])
    for (start, end), placement in zip(codings, placements, strict=True):
        truth = true_span(ops, start, end)
        placed = placement.status != "review"
        if truth is None:
            outcome.gone += 1
            outcome.gone_placed += placed
            continue
        outcome.total += 1
        if not placed:
            outcome.review += 1
            continue
        share = overlap((placement.start, placement.end), truth)
        outcome.within_90 += share >= 0.9
        outcome.wrong += share < 0.5
    return outcome
