"""Property tests of re-anchoring: generated transcripts, random edits of known effect,
each coding's new place compared with its true one. Whatever the edit, no coding is
placed under 50% overlap of its true span; after edits that leave a coding's words
alone (typos elsewhere, renamed speakers, paragraphs inserted, deleted or moved, line
endings changed) it is placed within 90% overlap; a coding whose words were all deleted
is never placed."""

from __future__ import annotations

import random
import re

from hypothesis import example, given, settings
from hypothesis import strategies as st
from revision_edits import (
    Op,
    crlf,
    deleted_paragraphs,
    inserted_paragraphs,
    measure,
    overlap,
    random_codings,
    relabelled,
    retranscribed,
    typo_fixes,
)

from qualcode.revisions.anchor import anchor_of, place_all

WORDS = [
    "council",
    "housing",
    "trust",
    "partnership",
    "worker",
    "chair",
    "money",
    "meeting",
    "officer",
    "school",
    "health",
    "residents",
    "community",
    "we",
    "they",
    "the",
    "a",
    "of",
    "to",
    "and",
    "in",
    "that",
    "it",
    "was",
    "is",
    "on",
    "for",
    "with",
    "as",
    "agency",
    "table",
    "menu",
    "grant",
    "decision",
    "local",
    "area",
    "support",
    "people",
    "relationship",
    "funding",
    "voice",
]
NAMES = ["Facilitator", "Jo", "Priya", "Sam", "Dr Okafor"]
seeds = st.integers(min_value=0, max_value=2**32 - 1)


def transcript(rng: random.Random, paragraphs: int = 40) -> str:
    """Turns of random words under speaker labels, a blank line between paragraphs."""
    out = []
    for _ in range(paragraphs):
        words = [rng.choice(WORDS) for _ in range(rng.randint(6, 50))]
        out.append(f"{rng.choice(NAMES)}: {' '.join(words).capitalize()}.")
    return "\n\n".join(out) + "\n"


def check(text: str, ops: list[Op], *, all_within_90: bool) -> None:
    rng = random.Random(len(text))
    outcome = measure(text, ops, random_codings(text, 60, rng))
    assert outcome.wrong == 0
    assert outcome.gone_placed == 0 or not all_within_90
    if all_within_90:
        assert outcome.within_90 == outcome.total


@settings(max_examples=25, deadline=None)
@given(seeds)
def test_edits_beside_the_codings_leave_them_in_place(seed):
    rng = random.Random(seed)
    text = transcript(rng)
    for make in (typo_fixes, relabelled, inserted_paragraphs, crlf):
        check(text, make(text, rng), all_within_90=make is not typo_fixes)


@settings(max_examples=25, deadline=None)
@given(seeds)
@example(5122)  # "agency worker" re-transcribed: the same words 30 characters on are others
@example(6240)  # "a a" of "a a a." whose last word became "We"
def test_no_coding_is_placed_wrongly_after_any_edit(seed):
    rng = random.Random(seed)
    text = transcript(rng)
    for make in (typo_fixes, retranscribed, deleted_paragraphs):
        check(text, make(text, rng), all_within_90=False)


@settings(max_examples=25, deadline=None)
@given(seeds)
def test_a_deleted_paragraph_sends_its_codings_to_review(seed):
    rng = random.Random(seed)
    text = transcript(rng)
    ops = deleted_paragraphs(text, rng, count=2)
    outcome = measure(text, ops, random_codings(text, 60, rng))
    assert outcome.gone_placed == 0
    assert outcome.wrong == 0


@settings(max_examples=25, deadline=None)
@given(seeds)
@example(1035)  # a short quote: past the paragraph's end its context is another paragraph
@example(2416)  # neither side whole, but each side's own line is
def test_a_moved_paragraph_takes_its_codings_along(seed):
    rng = random.Random(seed)
    text = transcript(rng)
    paragraphs = text.split("\n\n")
    moved = rng.randrange(len(paragraphs))
    to = rng.choice([i for i in range(len(paragraphs)) if i != moved])
    order = [p for i, p in enumerate(paragraphs) if i != moved]
    order.insert(to, paragraphs[moved])
    new = "\n\n".join(order)
    old_at = text.index(paragraphs[moved]) if paragraphs.count(paragraphs[moved]) == 1 else None
    if old_at is None or new.count(paragraphs[moved]) != 1:
        return  # a paragraph that stands twice has no single true place
    new_at = new.index(paragraphs[moved])
    # a coding from the paragraph's sixth word to past its middle: its context moves along
    body = new_at + len(paragraphs[moved].split(": ", 1)[0]) + 2
    words = [m.span() for m in re.finditer(r"\S+", new[body : new_at + len(paragraphs[moved])])]
    if len(words) < 12:
        return  # too short a paragraph for a coding with context inside it
    first, last = words[5], words[max(8, len(words) // 2)]
    offset = old_at - new_at
    start, end = body + first[0] + offset, body + last[1] + offset
    placement = place_all(text, new, [anchor_of(text, start, end)])[0]
    truth = (start - offset, end - offset)
    assert placement.status == "review" or overlap((placement.start, placement.end), truth) >= 0.9
    assert placement.status != "review"  # a passage moved whole with its context is found
