"""Placing a coding's words in a corrected text, or saying it cannot be done with confidence.

Each span is first carried over by the diff (:class:`~qualcode.revisions.align.TextMap`)
and verified against its stored quote. A span whose words changed too much, or whose
words moved, is looked for by approximate matching (edlib's Myers bit-vector search,
run on the whole new text), and the places found are weighed by their quote, the
context either side and their distance from where the diff put them, as Hypothesis'
client does. Below the thresholds, nothing is placed: the span goes to review with its
best candidates.

Why these thresholds. A placement is accepted when its text differs from the quote by
at most a tenth of the quote's characters (``QUOTE_SIMILAR``), or when it differs more
but both contexts of the diff's place agree with the stored ones (``CONTEXT_SIMILAR``:
the words around are the same, so the diff saw the same passage and only words inside
it were re-transcribed). A span of text shares at least 90% of its characters with the
true one when its edit distance to the quote is at most a tenth of the quote, so an
accepted placement is within about 90% overlap of the truth; anything weaker is a guess,
which a person decides.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..models import ANCHOR_CONTEXT

if TYPE_CHECKING:
    from .align import TextMap

QUOTE_SIMILAR = 0.9
CONTEXT_SIMILAR = 0.75
QUOTE_WITH_CONTEXT = 0.4  # the least quote similarity a context can vouch for
CONTEXT_AGREES = 0.5
SIDE_INTACT = 0.9
LONG_QUOTE = 24  # characters; a shorter quote found elsewhere needs both its contexts
TOGETHER = 0.7
SEARCH_LIMIT = 0.25  # search for places at most this far (edits per quote character)
MAX_CANDIDATES = 20  # equally close matches weighed, the nearest to the diff's place first
SHORT_QUOTE = 8  # characters; shorter quotes are found by their context, not alone
LINE_CONTEXT = 16  # characters of a context's own line that may vouch for a search's find


@dataclass(frozen=True)
class Anchor:
    """A span and the words that identify it: its quote and its context."""

    start: int
    end: int
    quote: str
    prefix: str
    suffix: str


@dataclass
class Placement:
    """Where an anchor goes: ``status`` is ``exact`` (same words), ``reanchored`` (placed
    on changed words, or found by search) or ``review`` (not placed; see candidates)."""

    status: str
    start: int | None = None
    end: int | None = None
    score: float = 0.0
    candidates: list[dict[str, float]] = field(default_factory=list)


def anchor_of(text: str, start: int, end: int) -> Anchor:
    """The anchor of ``text[start:end]``: its quote, ``ANCHOR_CONTEXT`` characters either side."""
    return Anchor(
        start,
        end,
        text[start:end],
        text[max(0, start - ANCHOR_CONTEXT) : start],
        text[end : end + ANCHOR_CONTEXT],
    )


def similarity(a: str, b: str) -> float:
    """1 minus the Levenshtein distance over the longer length (1.0 for two empty strings)."""
    from rapidfuzz.distance import Levenshtein

    return Levenshtein.normalized_similarity(a, b)


def _context_score(anchor: Anchor, new: str, start: int, end: int) -> float:
    sides = _context_sides(anchor, new, start, end)
    return sum(sides) / len(sides) if sides else 1.0


def _context_sides(
    anchor: Anchor, new: str, start: int, end: int, *, line_at_least: int = 0
) -> list[float]:
    """How well the text around ``new[start:end]`` matches the anchor's stored context:
    each side the better of its whole window and of its part on the span's own line
    without any speaker label, so that a renamed speaker, or the next paragraph of a
    paragraph moved whole, does not count against a place. A place found by search gets
    that benefit only from a line part of ``line_at_least`` characters or more: two
    empty line ends agree about nothing."""
    scores = []
    if anchor.prefix:
        before = new[max(0, start - len(anchor.prefix)) : start]
        line = _same_line(anchor.prefix, before, -1, line_at_least)
        scores.append(max(similarity(anchor.prefix, before), line))
    if anchor.suffix:
        after = new[end : end + len(anchor.suffix)]
        line = _same_line(anchor.suffix, after, 0, line_at_least)
        scores.append(max(similarity(anchor.suffix, after), line))
    return scores


def _same_line(stored: str, found: str, side: int, at_least: int) -> float:
    """Similarity of the parts of two contexts on the span's line (``side`` -1: before),
    0 where the stored part is shorter than ``at_least`` characters."""
    from .align import LABEL

    if "\n" not in stored or "\n" not in found:
        return 0.0
    if side < 0:
        mine, theirs = (LABEL.sub("", text.rsplit("\n", 1)[1]) for text in (stored, found))
    else:
        mine, theirs = (text.split("\n", 1)[0] for text in (stored, found))
    return similarity(mine, theirs) if len(mine) >= at_least else 0.0


def place_all(
    old: str, new: str, anchors: list[Anchor], mapping: TextMap | None = None
) -> list[Placement]:
    """The placement of every anchor of ``old`` in ``new``, in the same order.

    >>> [p.status for p in place_all("Jo: we trust them.", "Jo: we trust 'em.",
    ...                               [anchor_of("Jo: we trust them.", 4, 12)])]
    ['exact']
    """
    if old == new:
        return [Placement("exact", a.start, a.end, 1.0) for a in anchors]
    if mapping is None:
        from .align import TextMap

        mapping = TextMap(old, new)
    return [_place(anchor, new, mapping) for anchor in anchors]


def _place(anchor: Anchor, new: str, mapping: TextMap) -> Placement:
    start = mapping.start(anchor.start)
    end = max(start, mapping.end(anchor.end))
    if new[start:end] != anchor.quote and 2 * (end - start) >= len(anchor.quote):
        start, end = _snapped(anchor.quote, new, start, end)
    quote = similarity(anchor.quote, new[start:end])
    context = _context_score(anchor, new, start, end)
    unique = quote == 1.0 and _only_one(anchor.quote, new)
    # a short quote standing once is still a coincidence without some of its context
    if _confident(quote, context) or (
        unique and (len(anchor.quote) >= LONG_QUOTE or context >= CONTEXT_AGREES)
    ):
        return Placement("exact" if quote == 1.0 else "reanchored", start, end, quote)
    if context >= CONTEXT_SIMILAR:  # the right place, its words changed past recognition
        shown = [{"start": start, "end": end, "score": round((quote + context) / 2, 4)}]
        return Placement("review", score=shown[0]["score"], candidates=shown)
    return _search(anchor, new, start)


def _only_one(quote: str, new: str) -> bool:
    """The quote stands once in the new text (and is long enough to mean something)."""
    first = new.find(quote)
    return len(quote) >= SHORT_QUOTE and first >= 0 and new.find(quote, first + 1) < 0


def _snapped(quote: str, new: str, start: int, end: int) -> tuple[int, int]:
    """The quote's exact words, if they stand once right around the diff's place (the diff
    may pair a repeated full stop or word with the wrong one of two). Only for a place of
    about the quote's size: a deleted passage maps to an empty one, and is not looked for."""
    reach = ANCHOR_CONTEXT + len(quote) // 2
    low, high = max(0, start - reach), min(len(new), end + reach)
    first = new.find(quote, low, high) if quote else -1
    if first < 0 or new.find(quote, first + 1, high) >= 0:
        return start, end
    shared = min(end, first + len(quote)) - max(start, first)
    if 2 * shared < len(quote):  # the same words beside the place: other words, not these
        return start, end
    return first, first + len(quote)


def _confident(quote: float, context: float) -> bool:
    """Quote and context together vouch for a place (see the module's docstring)."""
    return (
        quote >= QUOTE_WITH_CONTEXT
        and context >= CONTEXT_AGREES
        and (quote + context) / 2 >= TOGETHER
    )


def _search(anchor: Anchor, new: str, expected: int) -> Placement:
    """Look for the quote anywhere in ``new``; place it only on a clear, close match."""
    import edlib

    if not anchor.quote.strip():
        return Placement("review")
    limit = max(1, int(len(anchor.quote) * SEARCH_LIMIT))
    hit = edlib.align(anchor.quote, new, mode="HW", task="locations", k=limit)
    if hit["editDistance"] < 0:
        return Placement("review")
    nearest = sorted(dict.fromkeys(hit["locations"]), key=lambda loc: abs(loc[0] - expected))
    candidates = []
    for first, last in nearest[:MAX_CANDIDATES]:
        start, end = _trimmed(anchor.quote, new, first, last + 1)
        quote_score = similarity(anchor.quote, new[start:end])
        sides = _context_sides(anchor, new, start, end, line_at_least=LINE_CONTEXT)
        context = sum(sides) / len(sides) if sides else 1.0
        nearness = 1 - min(1.0, abs(start - expected) / max(len(new), 1))
        score = 0.6 * quote_score + 0.3 * context + 0.1 * nearness
        candidates.append(
            {"start": start, "end": end, "score": round(score, 4),
             "quote": quote_score, "context": context, "side": max(sides, default=1.0),
             "weak": min(sides, default=1.0)}
        )  # fmt: skip
    candidates.sort(key=lambda c: -c["score"])
    best = candidates[0]
    rival = candidates[1]["score"] if len(candidates) > 1 else 0.0
    clear = best["score"] - rival >= 0.1 or best["context"] >= CONTEXT_SIMILAR
    shown = [{k: c[k] for k in ("start", "end", "score")} for c in candidates[:3]]
    enough = CONTEXT_SIMILAR if len(anchor.quote) < SHORT_QUOTE else CONTEXT_AGREES
    # One side of its context came along whole, and a short quote needs the other too,
    # unless its very words stand nowhere else (a paragraph moved whole: past its end,
    # the context is the next paragraph's).
    anchored = best["side"] >= SIDE_INTACT and (
        len(anchor.quote) >= LONG_QUOTE
        or best["weak"] >= CONTEXT_SIMILAR
        or (best["quote"] == 1.0 and _only_one(anchor.quote, new))
    )
    if best["quote"] >= QUOTE_SIMILAR and best["context"] >= enough and anchored and clear:
        status = "exact" if best["quote"] == 1.0 else "reanchored"
        return Placement(status, int(best["start"]), int(best["end"]), best["score"], shown)
    return Placement("review", score=best["score"], candidates=shown)


def _trimmed(quote: str, new: str, start: int, end: int) -> tuple[int, int]:
    """Edlib may take in or leave out a space at either end; follow the quote's own edges."""
    if quote[:1].isspace() is False:
        while start < end and new[start].isspace():
            start += 1
    if quote[-1:].isspace() is False:
        while end > start and new[end - 1].isspace():
            end -= 1
    return start, end
