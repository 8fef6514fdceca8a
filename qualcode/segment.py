"""Cut transcripts into the segments that coders code and suggesters score.

Pure: a :class:`~qualcode.readers.base.Transcript` and a spaCy pipeline in, spans out,
no database. Only speech turns are segmented; headings and notes belong to no segment.
A segment never crosses a paragraph break or a change of speaker, is stripped of
surrounding whitespace, and ``transcript.text[span.start:span.end]`` is its text.

For many transcripts use :func:`segment_transcripts`: it streams every paragraph of
every transcript through one ``nlp.pipe`` call, which is what makes import fast,
and holds only about one batch of paragraphs in memory at a time.
"""

from __future__ import annotations

import itertools
from bisect import bisect_left
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from operator import itemgetter

from spacy.language import Language
from spacy.pipeline import Sentencizer

from qualcode.errors import QualcodeError
from qualcode.nlp import segmentation_disabled, sentence_pipe
from qualcode.readers.base import Cue, Transcript, Turn

UNITS = ("sentence", "turn", "paragraph")
DEFAULT_BATCH_SIZE = 512

# (turn index, start, end): a segment before speaker and times are attached.
_Range = tuple[int, int, int]


@dataclass(frozen=True, slots=True)
class SegmentSpan:
    """Where one segment lies in ``Transcript.text``, who said it, and when if known."""

    start: int
    end: int
    speaker: str | None
    turn: int  # index into transcript.turns
    time_start: float | None = None
    time_end: float | None = None


def segment_transcript(
    transcript: Transcript, nlp: Language, unit: str = "sentence"
) -> list[SegmentSpan]:
    """Segment one transcript; see :func:`segment_transcripts` for many at once.

    >>> spans = segment_transcript(transcript, load_pipeline())  # doctest: +SKIP
    >>> [transcript.text[s.start:s.end] for s in spans]  # doctest: +SKIP
    ['Who holds the relationship?', 'Mostly our worker.']
    """
    for _, spans in segment_transcripts([transcript], nlp, unit):
        return spans
    raise AssertionError("segment_transcripts yields once per transcript")


def segment_transcripts(
    transcripts: Iterable[Transcript],
    nlp: Language,
    unit: str = "sentence",
    batch_size: int = DEFAULT_BATCH_SIZE,
) -> Iterator[tuple[Transcript, list[SegmentSpan]]]:
    """Yield each transcript with its segments, in input order, reading lazily.

    ``unit`` is one of :data:`UNITS`. Sentences come from ``nlp`` with every pipe that
    does not set sentence boundaries switched off for the call (lemmas are not needed
    here); a pipeline with no sentence boundaries at all gets a rule sentencizer.
    """
    if unit not in UNITS:
        raise QualcodeError(f'unknown segment unit "{unit}": use one of {", ".join(UNITS)}')
    if unit == "sentence":
        yield from _sentences(transcripts, nlp, batch_size)
        return
    for transcript in transcripts:
        ranges = [
            (index, start, end)
            for index, turn in _speech_turns(transcript)
            for start, end in _structural_ranges(transcript.text, turn, unit)
        ]
        yield transcript, _with_speakers_and_times(transcript, ranges)


def _speech_turns(transcript: Transcript) -> Iterator[tuple[int, Turn]]:
    return ((i, turn) for i, turn in enumerate(transcript.turns) if turn.kind == "speech")


def _structural_ranges(text: str, turn: Turn, unit: str) -> list[tuple[int, int]]:
    if unit == "turn":
        start, end = _strip(text, turn.start, turn.end)
        return [(start, end)] if start < end else []
    return _paragraphs(text, turn)


def _paragraphs(text: str, turn: Turn) -> list[tuple[int, int]]:
    """The turn's non-empty paragraphs, stripped and kept inside the turn."""
    spans = turn.paragraphs or [(turn.start, turn.end)]
    stripped = (_strip(text, max(s, turn.start), min(e, turn.end)) for s, e in spans)
    return [(s, e) for s, e in stripped if s < e]


def _strip(text: str, start: int, end: int) -> tuple[int, int]:
    """Narrow [start, end) past surrounding whitespace (``str.isspace``, as ``str.strip``).

    Steps a character at a time instead of slicing: sentences rarely carry more than
    a space or two, and this runs once per segment.
    """
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _sentences(
    transcripts: Iterable[Transcript], nlp: Language, batch_size: int
) -> Iterator[tuple[Transcript, list[SegmentSpan]]]:
    """One ``nlp.pipe`` stream over all paragraphs; an empty end marker per transcript.

    ``nlp.pipe`` keeps input order, so when a transcript's end marker comes out every
    one of its paragraphs has been seen: that is when its segments are complete.
    """
    fallback = Sentencizer() if sentence_pipe(nlp) is None else None
    jobs = _paragraph_jobs(transcripts, nlp.max_length)
    ranges: list[_Range] = []
    docs = nlp.pipe(jobs, as_tuples=True, batch_size=batch_size, disable=segmentation_disabled(nlp))
    for doc, (transcript, turn_index, start) in docs:
        if turn_index is None:
            yield transcript, _with_speakers_and_times(transcript, ranges)
            ranges = []
            continue
        if fallback is not None:
            doc = fallback(doc)
        text = transcript.text
        for sent in doc.sents:  # never empty: a sentence holds at least one token
            sent_start, sent_end = start + sent.start_char, start + sent.end_char
            if text[sent_start].isspace() or text[sent_end - 1].isspace():
                sent_start, sent_end = _strip(text, sent_start, sent_end)
            if sent_start < sent_end:
                ranges.append((turn_index, sent_start, sent_end))


def _paragraph_jobs(
    transcripts: Iterable[Transcript], max_length: int
) -> Iterator[tuple[str, tuple[Transcript, int | None, int]]]:
    """(text, (transcript, turn index, offset of text)) per paragraph, then an end marker."""
    for transcript in transcripts:
        text = transcript.text
        for index, turn in _speech_turns(transcript):
            for para_start, para_end in _paragraphs(text, turn):
                for start, end in _chunks(text, para_start, para_end, max_length):
                    yield text[start:end], (transcript, index, start)
        yield "", (transcript, None, 0)


def _chunks(text: str, start: int, end: int, limit: int) -> Iterator[tuple[int, int]]:
    """Split a paragraph longer than spaCy accepts (``nlp.max_length``) at a space."""
    while end - start > limit:
        cut = text.rfind(" ", start + 1, start + limit)
        if cut <= start:
            cut = start + limit
        yield start, cut
        start = cut
    yield start, end


def _with_speakers_and_times(transcript: Transcript, ranges: list[_Range]) -> list[SegmentSpan]:
    """Attach each range's speaker and times, in text order."""
    ranges.sort(key=itemgetter(1))
    spans: list[SegmentSpan] = []
    for index, group in itertools.groupby(ranges, key=itemgetter(0)):
        turn = transcript.turns[index]
        who = turn.speaker
        if turn.cues:
            times = _CueTimes(turn)
            spans.extend(SegmentSpan(s, e, who, index, *times.between(s, e)) for _, s, e in group)
        else:  # the common case, kept cheap: one object per segment and nothing else
            when = turn.time_start, turn.time_end
            spans.extend(SegmentSpan(s, e, who, index, *when) for _, s, e in group)
    return spans


class _CueTimes:
    """Times of the cues a span overlaps, falling back to the turn's own times.

    A long subtitle turn may hold thousands of cues and sentences, so cues are found
    by bisection instead of a scan per segment.
    """

    def __init__(self, turn: Turn) -> None:
        self.turn = turn
        self.cues: list[Cue] = sorted(turn.cues, key=lambda c: (c.start, c.end))
        self.starts = [c.start for c in self.cues]
        # reach[i]: furthest end among cues[:i + 1], so the backward walk can stop early.
        self.reach = list(itertools.accumulate((c.end for c in self.cues), max))

    def between(self, start: int, end: int) -> tuple[float | None, float | None]:
        i = bisect_left(self.starts, end)  # cues[:i] begin before the span ends
        hits: list[Cue] = []
        while i > 0 and self.reach[i - 1] > start:
            i -= 1
            if self.cues[i].end > start:
                hits.append(self.cues[i])
        starts = [c.time_start for c in hits if c.time_start is not None]
        ends = [c.time_end for c in hits if c.time_end is not None]
        return (
            min(starts) if starts else self.turn.time_start,
            max(ends) if ends else self.turn.time_end,
        )
