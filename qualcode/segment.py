"""Cut transcripts into the segments that coders code and suggesters score.

Pure: a :class:`~qualcode.readers.base.Transcript` and a spaCy pipeline in, spans out,
no database. Only speech turns are segmented; headings and notes belong to no segment.
A segment never crosses a paragraph break or a change of speaker, is stripped of
surrounding whitespace, and ``transcript.text[span.start:span.end]`` is its text.

A stage note inside speech (``Messy we can do. [laughter] Well...``, see
:func:`~qualcode.readers.text.bracket_notes`) is never cut: a sentence boundary that
falls inside one moves to its opening bracket. A note at either end of a segment is left
out of it, so a note between sentences belongs to no segment; one inside a sentence
("they [the council] said") stays in that sentence.

For many transcripts use :func:`segment_transcripts`: it streams every paragraph of
every transcript through one ``nlp.pipe`` call, which is what makes import fast,
and holds only about one batch of paragraphs in memory at a time.
"""

from __future__ import annotations

import itertools
import multiprocessing
import os
import pickle
import queue
import signal
from bisect import bisect_left
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from multiprocessing.process import BaseProcess
from multiprocessing.queues import Queue
from operator import itemgetter
from typing import TYPE_CHECKING

from qualcode.errors import QualcodeError
from qualcode.lifeline import die_with_parent
from qualcode.nlp import segmentation_disabled, sentence_pipe
from qualcode.readers.base import Cue, Transcript, Turn
from qualcode.readers.text import bracket_notes

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Span

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
    workers: int = 0,
) -> Iterator[tuple[Transcript, list[SegmentSpan]]]:
    """Yield each transcript with its segments, in input order, reading lazily.

    ``unit`` is one of :data:`UNITS`. Sentences come from ``nlp`` with every pipe that
    does not set sentence boundaries switched off for the call (lemmas are not needed
    here); a pipeline with no sentence boundaries at all gets a rule sentencizer.

    ``workers`` > 0 runs spaCy in that many worker processes while the caller reads
    files and writes rows in this one: worth it for many files (a worker takes a
    second or two to start), pointless for a few. A script that uses them must run
    under ``if __name__ == "__main__":``, as for any ``multiprocessing`` code.
    """
    if unit not in UNITS:
        raise QualcodeError(f'unknown segment unit "{unit}": use one of {", ".join(UNITS)}')
    if unit == "sentence" and workers > 0:
        yield from _sentences_in_workers(transcripts, nlp, batch_size, workers)
        return
    if unit == "sentence":
        for transcript, ranges in _sentence_ranges(transcripts, nlp, batch_size):
            yield transcript, _with_speakers_and_times(transcript, ranges)
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
    paragraphs = _paragraphs(text, turn)
    if unit == "turn" and paragraphs:
        notes = [note for span in paragraphs for note in bracket_notes(text, *span)]
        spans = [_without_edge_notes(text, paragraphs[0][0], paragraphs[-1][1], notes)]
    else:
        spans = [_without_edge_notes(text, s, e, bracket_notes(text, s, e)) for s, e in paragraphs]
    return [(s, e) for s, e in spans if s < e]


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


def _sentence_ranges(
    transcripts: Iterable[Transcript], nlp: Language, batch_size: int
) -> Iterator[tuple[Transcript, list[_Range]]]:
    """One ``nlp.pipe`` stream over all paragraphs; an empty end marker per transcript.

    ``nlp.pipe`` keeps input order, so when a transcript's end marker comes out every
    one of its paragraphs has been seen: that is when its segments are complete.
    """
    from spacy.pipeline import Sentencizer

    fallback = Sentencizer() if sentence_pipe(nlp) is None else None
    jobs = _paragraph_jobs(transcripts, nlp.max_length)
    ranges: list[_Range] = []
    docs = nlp.pipe(jobs, as_tuples=True, batch_size=batch_size, disable=segmentation_disabled(nlp))
    for doc, (transcript, turn_index, start) in docs:
        if turn_index is None:
            yield transcript, ranges
            ranges = []
            continue
        if fallback is not None:
            doc = fallback(doc)
        text = transcript.text
        if notes := bracket_notes(text, start, start + doc[-1].idx + len(doc[-1])):
            spans = _sentences_around_notes(text, start, list(doc.sents), notes)
            ranges.extend((turn_index, s, e) for s, e in spans)
            continue
        for sent in doc.sents:  # never empty: a sentence holds at least one token
            sent_start, sent_end = start + sent.start_char, start + sent.end_char
            if text[sent_start].isspace() or text[sent_end - 1].isspace():
                sent_start, sent_end = _strip(text, sent_start, sent_end)
            if sent_start < sent_end:
                ranges.append((turn_index, sent_start, sent_end))


def _sentences_around_notes(
    text: str, offset: int, sents: list[Span], notes: list[tuple[int, int]]
) -> Iterator[tuple[int, int]]:
    """Sentences of one paragraph (spaCy's, from ``offset``), with no boundary inside a
    note, and notes at the ends left out.

    A boundary just inside the opening bracket (``do. [`` | ``laughter]``: the bracket
    went with the full stop) moves before the note; one further in came from punctuation
    inside the note (``[inaudible. x]``) and is dropped.
    """
    opening = [a for a, _ in notes]
    bounds = [offset + sents[0].start_char]
    for sent in sents[1:]:
        cut = offset + sent.start_char
        index = bisect_left(opening, cut) - 1
        if index >= 0 and cut < notes[index][1]:
            note_start = notes[index][0]
            if text[note_start + 1 : cut].strip():
                continue
            cut = note_start
        bounds.append(cut)
    bounds.append(offset + sents[-1].end_char)
    for start, end in zip(bounds, bounds[1:], strict=False):
        start, end = _without_edge_notes(text, start, end, notes)
        if start < end:
            yield start, end


def _without_edge_notes(
    text: str, start: int, end: int, notes: list[tuple[int, int]]
) -> tuple[int, int]:
    """[start, end) stripped of whitespace and of the notes it starts or ends with."""
    after = dict(notes)  # opening bracket -> just after the closing one
    before = {b: a for a, b in notes}
    start, end = _strip(text, start, end)
    while start < end and (start in after or end in before):
        start, end = _strip(text, after.get(start, start), before.get(end, end))
    return start, end


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


# Transcripts sent ahead to each worker: enough to keep it busy while the caller writes
# rows, few enough that memory stays flat however many files there are.
_AHEAD_PER_WORKER = 4
_WORKER_POLL_S = 1.0


@dataclass
class _Worker:
    process: BaseProcess
    inbox: Queue  # transcripts in, None to stop
    outbox: Queue  # lists of ranges out, or a _WorkerFailure


@dataclass
class _WorkerFailure:
    message: str


def _sentences_in_workers(
    transcripts: Iterable[Transcript], nlp: Language, batch_size: int, count: int
) -> Iterator[tuple[Transcript, list[SegmentSpan]]]:
    """Deal transcripts round-robin to worker processes; collect results in input order.

    Each worker still runs one ``nlp.pipe`` stream over everything it is dealt. Only
    offsets travel back, and the caller's generator (reading files, reporting
    progress) keeps running in this process. ``spawn`` so that a worker never inherits
    a lock held by another thread (a progress bar's, say) at the moment of a fork.
    """
    context = multiprocessing.get_context("spawn")
    workers: list[_Worker] = []
    finished = False
    try:
        for _ in range(count):
            inbox, outbox = context.Queue(), context.Queue()
            process = context.Process(
                target=_worker_main, args=(batch_size, inbox, outbox, os.getpid()), daemon=True
            )
            process.start()
            # The pipeline goes by queue, not as an argument: start() would block on a
            # worker that dies before reading it, where the queue lets _receive notice.
            inbox.put(_pickled(nlp))
            workers.append(_Worker(process, inbox, outbox))
        pending: deque[tuple[Transcript, _Worker]] = deque()
        source = iter(transcripts)
        dealer = itertools.cycle(workers)
        for transcript in source:
            worker = next(dealer)
            worker.inbox.put(_pickled(transcript))
            pending.append((transcript, worker))
            if len(pending) >= _AHEAD_PER_WORKER * count:
                done, worker = pending.popleft()
                yield done, _with_speakers_and_times(done, _receive(worker))
        while pending:
            done, worker = pending.popleft()
            yield done, _with_speakers_and_times(done, _receive(worker))
        finished = True
    finally:
        _stop(workers, finished)


def _pickled(thing: object) -> bytes:
    """Pickle here, not in the queue's feeder thread, which would print and drop a
    failure and leave the worker waiting forever."""
    return pickle.dumps(thing, protocol=pickle.HIGHEST_PROTOCOL)


def _receive(worker: _Worker) -> list[_Range]:
    """The worker's next result; a dead or failed worker becomes a QualcodeError."""
    while True:
        try:
            result = worker.outbox.get(timeout=_WORKER_POLL_S)
        except queue.Empty:
            if not worker.process.is_alive():
                raise QualcodeError(
                    "a segmentation worker stopped unexpectedly "
                    f"(exit code {worker.process.exitcode}): a script that starts workers "
                    'must run under if __name__ == "__main__":, or segment without workers'
                ) from None
            continue
        if isinstance(result, _WorkerFailure):
            raise QualcodeError(f"segmentation failed in a worker process: {result.message}")
        return result


def _stop(workers: list[_Worker], finished: bool) -> None:
    """Let idle workers finish, stop busy ones: none may outlive the caller.

    A worker whose results were not all read (the caller stopped early, or another
    worker failed) would wait forever to hand them over, so it is terminated.
    """
    for worker in workers:
        if finished:
            worker.inbox.put(None)
        else:
            worker.process.terminate()
    for worker in workers:
        worker.process.join(timeout=10)
        if worker.process.is_alive():
            worker.process.kill()
            worker.process.join()
        worker.inbox.cancel_join_thread()  # drop transcripts it will never read
        worker.inbox.close()
        worker.outbox.close()


def _worker_main(batch_size: int, inbox: Queue, outbox: Queue, parent: int) -> None:
    """Run in a worker: take the pipeline, then segment transcripts until a None."""
    die_with_parent(parent)  # even a kill -9 of the import ends its worker
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the caller's to handle

    def incoming() -> Iterator[Transcript]:
        while (message := inbox.get()) is not None:
            yield pickle.loads(message)

    try:
        nlp = pickle.loads(inbox.get())  # fails here if a custom pipe is unknown here
        for _, ranges in _sentence_ranges(incoming(), nlp, batch_size):
            outbox.put(ranges)
    except Exception as error:  # reported to the caller, who raises it
        outbox.put(_WorkerFailure(f"{type(error).__name__}: {error}"))


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
