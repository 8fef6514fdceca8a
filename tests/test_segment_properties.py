"""Properties of segmentation over generated transcripts with awkward Unicode.

Whatever the text, every unit must give stripped, ordered, non-overlapping spans that
stay inside one speech turn (inside one paragraph, except for the turn unit) and
together cover each non-whitespace character of the speech exactly once, apart from
stage notes in [brackets]: no segment boundary falls inside one, no segment starts or
ends with one, and so a note is in one segment at most (inside a sentence) or in none.
"""

from __future__ import annotations

import re

import pytest
from helpers import lay_out
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from spacy.language import Language

from qualcode.nlp import load_pipeline
from qualcode.readers.base import Transcript
from qualcode.segment import UNITS, SegmentSpan, segment_transcript, segment_transcripts

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Pieces a tokenizer or an offset calculation is likely to trip on.
# fmt: off
AWKWARD = [
    "👩‍👩‍👧", "👍🏽", "🏳️‍🌈", "e\u0301", "ñ", "naïve", "Café", "東京", "会議。", "한국어",
    "مرحبا", "שלום", "\u200f", "\u200b", "\ufeff", ".", "!", "?", "...", "?!", "。", "–",
    " ", "  ", "\t", "\n", "\u00a0", "\u2003", "\u3000", "\u2028", "\x85", "\x1f",
    "Mr.", "e.g.", "'s", "(", ")", '"', "don't",
    "[laughter]", " [laughs] ", "[", "]", "[00:12:31]", "[the council]", "[inaudible. x]",
    "[ pause ]", "[A short break.]", ". [", "!]",
]
# fmt: on
WORDS = st.text(alphabet=st.characters(codec="utf-8"), min_size=1, max_size=6)
PIECES = st.one_of(st.sampled_from(AWKWARD), WORDS)
PARAGRAPH = st.lists(PIECES, min_size=1, max_size=25).map("".join)
SPEAKERS = st.sampled_from(["Jo", "Priya", "Facilitator", "Zoë", "محمد"])
SPEECH = st.tuples(SPEAKERS, st.lists(PARAGRAPH, min_size=1, max_size=4), st.booleans())
OTHER = st.tuples(st.sampled_from(["heading", "note"]), PARAGRAPH)
TURNS = st.lists(st.one_of(SPEECH, OTHER), min_size=0, max_size=8)


@pytest.fixture(scope="module")
def nlp() -> Language:
    return load_pipeline()


def notes_of(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Outermost matched [ ] pairs of text[start:end], found another way than the code's:
    erase innermost pairs (whose brackets become < >) until none is left."""
    work, pairs = text[start:end], []
    while match := re.search(r"\[[^\[\]]*\]", work):
        a, b = match.span()
        pairs.append((start + a, start + b))
        work = f"{work[:a]}<{work[a + 1 : b - 1]}>{work[b:]}"
    return [p for p in pairs if not any(o[0] < p[0] and p[1] < o[1] for o in pairs)]


def check(transcript: Transcript, spans: list[SegmentSpan], unit: str) -> None:
    text = transcript.text
    notes = [
        note
        for turn in transcript.turns
        if turn.kind == "speech"
        for start, end in turn.paragraphs
        for note in notes_of(text, start, end)
    ]
    in_note = [False] * len(text)
    for a, b in notes:
        in_note[a:b] = [True] * (b - a)
    covered = [0] * len(text)  # inner whitespace is covered, but never twice
    previous_end = 0
    for span in spans:
        piece = text[span.start : span.end]
        assert piece and piece == piece.strip()
        assert span.start >= previous_end, "segments overlap or are out of order"
        previous_end = span.end
        turn = transcript.turns[span.turn]
        assert turn.kind == "speech" and span.speaker == turn.speaker
        bounds = [(turn.start, turn.end)] if unit == "turn" else turn.paragraphs
        assert any(s <= span.start and span.end <= e for s, e in bounds)
        for i in range(span.start, span.end):
            covered[i] += 1
        for a, b in notes:
            assert not (a < span.start < b or a < span.end < b), f"cut inside {text[a:b]!r}"
            assert span.start != a and span.end != b, f"{piece!r} starts or ends with a note"
    for turn in transcript.turns:
        for start, end in turn.paragraphs:
            for i in range(start, end):
                if turn.kind != "speech":
                    assert covered[i] == 0, f"character {i} {text[i]!r} is not speech"
                elif in_note[i]:
                    assert covered[i] <= 1, f"character {i} {text[i]!r} of a note"
                elif not text[i].isspace():
                    assert covered[i] == 1, f"character {i} {text[i]!r}"


@pytest.mark.parametrize("unit", UNITS)
@SETTINGS
@given(turns=TURNS)
def test_segment_spans_cover_speech_exactly_once(nlp, unit, turns):
    transcript = lay_out(turns)
    check(transcript, segment_transcript(transcript, nlp, unit), unit)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(batch=st.lists(TURNS, max_size=5), batch_size=st.integers(1, 8))
def test_segment_stream_matches_one_at_a_time(nlp, batch, batch_size):
    transcripts = [lay_out(turns) for turns in batch]
    streamed = list(segment_transcripts(iter(transcripts), nlp, batch_size=batch_size))
    assert [t for t, _ in streamed] == transcripts
    assert [spans for _, spans in streamed] == [segment_transcript(t, nlp) for t in transcripts]
