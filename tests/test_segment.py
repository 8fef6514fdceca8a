"""The segmenter: transcripts in, stripped spans with speaker and times out."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

import pytest
import spacy
from helpers import lay_out
from spacy.language import Language

from qualcode.errors import QualcodeError
from qualcode.nlp import load_pipeline
from qualcode.readers.base import Cue, Transcript, Turn
from qualcode.segment import UNITS, SegmentSpan, segment_transcript, segment_transcripts


@pytest.fixture(scope="module")
def nlp() -> Language:
    return load_pipeline()


def make_transcript(*parts: tuple[str | None, str | list[str]], name: str = "t.md") -> Transcript:
    """Speech turns as ``(speaker, paragraph or paragraphs)``; a ``None`` speaker makes a
    heading and ``"!note"`` a stage note."""
    turns: list[tuple] = []
    for speaker, body in parts:
        paragraphs = [body] if isinstance(body, str) else body
        if speaker is None or speaker == "!note":
            turns.append(("heading" if speaker is None else "note", paragraphs[0]))
        else:
            turns.append((speaker, paragraphs, True))
    return lay_out(turns, name)


def texts(transcript: Transcript, spans: list[SegmentSpan]) -> list[str]:
    return [transcript.text[s.start : s.end] for s in spans]


def test_segment_sentence_unit_splits_sentences_within_a_paragraph(nlp):
    t = make_transcript(("Jo", "Who holds it? Mostly our worker.  And me, as chair!"))
    assert texts(t, segment_transcript(t, nlp)) == [
        "Who holds it?",
        "Mostly our worker.",
        "And me, as chair!",
    ]


def test_segment_paragraph_break_ends_a_sentence(nlp):
    t = make_transcript(("Jo", ["We went to the council", "they never answered. Twice."]))
    assert texts(t, segment_transcript(t, nlp, "sentence")) == [
        "We went to the council",
        "they never answered.",
        "Twice.",
    ]


def test_segment_speaker_turn_ends_a_sentence(nlp):
    t = make_transcript(("Jo", "No full stop here"), ("Priya", "nor here"))
    spans = segment_transcript(t, nlp)
    assert texts(t, spans) == ["No full stop here", "nor here"]
    assert [(s.speaker, s.turn) for s in spans] == [("Jo", 0), ("Priya", 1)]


def test_segment_turn_unit_gives_one_segment_per_turn(nlp):
    t = make_transcript(("Jo", ["One. Two.", "Three."]), ("Priya", "Four."))
    assert texts(t, segment_transcript(t, nlp, "turn")) == ["One. Two.\n\nThree.", "Four."]


def test_segment_paragraph_unit_gives_one_segment_per_paragraph(nlp):
    t = make_transcript(("Jo", ["One. Two.", "Three."]), ("Priya", "Four."))
    assert texts(t, segment_transcript(t, nlp, "paragraph")) == ["One. Two.", "Three.", "Four."]


def test_segment_turn_without_paragraph_spans_counts_as_one_paragraph(nlp):
    text = "Jo:   Said it. Twice.  \n"
    t = Transcript(Path("t.txt"), text, [Turn("Jo", 3, len(text))])
    assert texts(t, segment_transcript(t, nlp, "paragraph")) == ["Said it. Twice."]
    assert texts(t, segment_transcript(t, nlp)) == ["Said it.", "Twice."]


@pytest.mark.parametrize("unit", UNITS)
def test_segment_headings_and_notes_belong_to_no_segment(nlp, unit):
    t = make_transcript(
        (None, "Workshop, area 3."),
        ("Jo", "We met. Often."),
        ("!note", "laughter."),
        ("Priya", "Fine."),
    )
    spans = segment_transcript(t, nlp, unit)
    assert {s.turn for s in spans} == {1, 3}
    assert all(s.speaker in ("Jo", "Priya") for s in spans)
    assert "Workshop" not in "".join(texts(t, spans))
    assert "laughter" not in "".join(texts(t, spans))


def test_segment_times_come_from_the_cues_a_segment_overlaps(nlp):
    t = make_transcript(("Jo", "First part, second part. Third."))
    turn = t.turns[0]
    s = turn.start
    turn.time_start, turn.time_end = 10.0, 20.0
    turn.cues = [  # out of order on purpose: the segmenter must not rely on it
        Cue(s + 12, s + 25, 12.0, 15.5),
        Cue(s, s + 12, 10.0, 12.0),
        Cue(s + 25, s + 31, None, None),  # a cue without times gives no times
    ]
    spans = segment_transcript(t, nlp)
    assert texts(t, spans) == ["First part, second part.", "Third."]
    assert (spans[0].time_start, spans[0].time_end) == (10.0, 15.5)
    assert (spans[1].time_start, spans[1].time_end) == (10.0, 20.0)  # the turn's


def test_segment_times_fall_back_to_the_turn_then_to_none(nlp):
    t = make_transcript(("Jo", "Timed."), ("Priya", "Untimed."))
    t.turns[0].time_start, t.turns[0].time_end = 3.0, 4.5
    spans = segment_transcript(t, nlp, "turn")
    assert [(s.time_start, s.time_end) for s in spans] == [(3.0, 4.5), (None, None)]


def test_segment_keeps_offsets_right_past_emoji_and_accents(nlp):
    t = make_transcript(
        ("Zoë", "Café – naïve 👍🏽 text. Next one."),
        ("Ali", ["👩‍👩‍👧 family first! 東京の会議。", "مرحبا بكم. שלום."]),
    )
    assert texts(t, segment_transcript(t, nlp)) == [
        "Café – naïve 👍🏽 text.",
        "Next one.",
        "👩‍👩‍👧 family first!",
        "東京の会議。",
        "مرحبا بكم.",
        "שלום.",
    ]


def test_segment_unknown_unit_lists_the_valid_ones(nlp):
    t = make_transcript(("Jo", "Hi."))
    with pytest.raises(QualcodeError) as caught:
        segment_transcript(t, nlp, "word")
    assert str(caught.value) == 'unknown segment unit "word": use one of sentence, turn, paragraph'


def test_segment_transcripts_yields_each_in_order_even_when_empty(nlp):
    batch = [
        make_transcript(("Jo", "One. Two."), name="a.md"),
        make_transcript((None, "Only a heading"), name="b.md"),
        Transcript(Path("c.md"), "", []),
        make_transcript(("Priya", "Three."), name="d.md"),
    ]
    out = list(segment_transcripts(batch, nlp, batch_size=2))
    assert [t.path.name for t, _ in out] == ["a.md", "b.md", "c.md", "d.md"]
    assert [texts(t, spans) for t, spans in out] == [["One.", "Two."], [], [], ["Three."]]


def test_segment_transcripts_reads_its_input_lazily(nlp):
    taken = 0

    def endless():
        nonlocal taken
        while True:
            taken += 1
            yield make_transcript(("Jo", f"Turn {taken}. Done."))

    stream = segment_transcripts(endless(), nlp, batch_size=4)
    transcript, spans = next(stream)
    assert texts(transcript, spans) == ["Turn 1.", "Done."]
    assert taken < 50  # about a batch ahead, never the whole (endless) input


def test_segment_splits_a_paragraph_longer_than_spacy_accepts():
    small = spacy.blank("en")
    small.add_pipe("sentencizer")
    small.max_length = 40
    body = "word " * 30 + "end. Short one."
    t = make_transcript(("Jo", body.strip()))
    spans = segment_transcript(t, small)
    assert all(s.end - s.start <= 40 for s in spans)
    assert "".join(texts(t, spans)).replace(" ", "") == body.replace(" ", "")


def test_segment_pipeline_without_sentence_boundaries_gets_rule_sentences():
    t = make_transcript(("Jo", "One. Two."))
    assert texts(t, segment_transcript(t, spacy.blank("en"))) == ["One.", "Two."]


@Language.component("qualcode_test_refuses_to_run")
def _refuses_to_run(doc):
    raise AssertionError("segmentation ran a pipe it does not need")


def test_segment_runs_only_the_pipes_that_set_sentences():
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    nlp.add_pipe("qualcode_test_refuses_to_run")
    t = make_transcript(("Jo", "One. Two."))
    assert texts(t, segment_transcript(t, nlp)) == ["One.", "Two."]
    assert nlp.disabled == []  # the shared pipeline is left as it was


def test_segment_workers_give_the_same_segments_in_order(nlp):
    batch = [
        make_transcript(("Jo", f"One {i}. Two."), ("Priya", ["Three!", "Four"])) for i in range(30)
    ]
    batch[7] = make_transcript((None, "Only a heading"))
    batch[8].turns[0].cues = [Cue(batch[8].turns[0].start, batch[8].turns[0].end, 1.0, 2.0)]
    in_workers = list(segment_transcripts(iter(batch), nlp, workers=1))
    assert [t for t, _ in in_workers] == batch
    assert [s for _, s in in_workers] == [segment_transcript(t, nlp) for t in batch]
    assert in_workers[8][1][0].time_start == 1.0
    assert multiprocessing.active_children() == []


def test_segment_workers_stop_when_the_caller_stops_early(nlp):
    batch = (make_transcript(("Jo", f"Turn {i}. Done.")) for i in range(1000))
    stream = segment_transcripts(batch, nlp, workers=1)
    next(stream)
    stream.close()
    assert multiprocessing.active_children() == []


def test_segment_workers_pass_on_an_error_as_a_qualcode_error(nlp):
    broken = Transcript(Path("b.md"), "Jo: Hi.", [Turn("Jo", 4, 7, paragraphs=[(4, None)])])
    with pytest.raises(QualcodeError, match="^segmentation failed in a worker process: TypeE"):
        list(segment_transcripts([make_transcript(("Jo", "Fine.")), broken], nlp, workers=1))
    assert multiprocessing.active_children() == []


def test_segment_stage_notes_between_sentences_belong_to_no_segment(nlp):
    """The example workshop: 'Messy we can do. [laughter]' was cut as '... do. [' | 'laughter]'."""
    from qualcode.readers import read_transcript

    root = Path(__file__).resolve().parents[1]
    transcript = read_transcript(root / "transcripts" / "area-1-mapping-workshop.md")
    said = texts(transcript, segment_transcript(transcript, nlp))

    assert "Messy we can do." in said
    first = said.index("They did all die.")
    assert said[first : first + 2] == ["They did all die.", "In my defence it was July."]
    assert not [s for s in said if "[" in s or "]" in s]


def test_segment_notes_inside_a_sentence_stay_and_are_never_cut(nlp):
    t = make_transcript(
        ("Jo", "They [the council] said no. [laughs] [pause] Then. Good [inaudible. x] ok.")
    )
    assert texts(t, segment_transcript(t, nlp)) == [
        "They [the council] said no.",
        "Then.",
        "Good [inaudible. x] ok.",
    ]
    assert texts(t, segment_transcript(t, nlp, "paragraph")) == [t.text[t.turns[0].start :].strip()]
    ending = make_transcript(("Jo", "[pause] Good. [laughter]"), ("Priya", "[laughs]"))
    assert texts(ending, segment_transcript(ending, nlp, "turn")) == ["Good."]
