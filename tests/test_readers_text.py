"""Plain-text and Markdown transcripts: labels, paragraphs, headings, notes, times, front matter."""

from __future__ import annotations

from pathlib import Path

import pytest
from readers_helpers import check_turns, paragraphs, spoken, write_text

from qualcode.readers import read_transcript
from qualcode.readers.text import looks_like_name, match_label


def read(tmp_path: Path, text: str, name: str = "t.txt"):
    return check_turns(read_transcript(write_text(tmp_path, name, text)))


def test_text_speaker_labels_start_turns_and_stay_out_of_the_span(tmp_path: Path) -> None:
    transcript = read(
        tmp_path, "Facilitator: Who holds the relationship?\n\nJo: Mostly our worker.\n"
    )

    assert spoken(transcript) == [
        ("Facilitator", "Who holds the relationship?"),
        ("Jo", "Mostly our worker."),
    ]
    assert transcript.text == "Facilitator: Who holds the relationship?\n\nJo: Mostly our worker.\n"
    assert transcript.speakers == {"Facilitator": {}, "Jo": {}}


def test_text_unlabelled_paragraph_continues_the_previous_turn(tmp_path: Path) -> None:
    transcript = read(tmp_path, "Jo: First point.\n\nSecond point.\n\nPriya: Reply.\n")

    assert spoken(transcript) == [("Jo", "First point.\n\nSecond point."), ("Priya", "Reply.")]
    assert paragraphs(transcript, 0) == ["First point.", "Second point."]


def test_text_single_newlines_stay_in_one_paragraph(tmp_path: Path) -> None:
    transcript = read(tmp_path, "Jo: a line\nwrapped here\n\nand a new paragraph\n")

    assert paragraphs(transcript, 0) == ["a line\nwrapped here", "and a new paragraph"]


def test_text_each_labelled_line_is_a_turn_even_without_blank_lines(tmp_path: Path) -> None:
    transcript = read(tmp_path, "Jo: Hello.\nPriya: Hi.\nand more from Priya\nJo: Bye.\n")

    assert spoken(transcript) == [
        ("Jo", "Hello."),
        ("Priya", "Hi.\nand more from Priya"),
        ("Jo", "Bye."),
    ]


def test_text_label_alone_on_a_line_gives_the_turn_to_what_follows(tmp_path: Path) -> None:
    transcript = read(tmp_path, "Jo:\n\nWe met the council.\n\nPriya: Did it help?\n")

    assert spoken(transcript) == [("Jo", "We met the council."), ("Priya", "Did it help?")]


@pytest.mark.parametrize(
    "line",
    ["**Ms Smith**: We did.", "**Ms Smith:** We did.", "  Ms Smith :  We did."],
)
def test_text_bold_and_spaced_labels_are_labels(tmp_path: Path, line: str) -> None:
    transcript = read(tmp_path, line + "\n", name="t.md")

    assert spoken(transcript) == [("Ms Smith", "We did.")]


@pytest.mark.parametrize(
    ("line", "seconds"),
    [
        ("[00:12:31] Jo: We did.", 751),
        ("Jo [12:31]: We did.", 751),
        ("(12:31) Jo: We did.", 751),
        ("[1:02:03.5] Jo: We did.", 3723.5),
    ],
)
def test_text_time_stamps_before_or_after_the_label_become_turn_times(
    tmp_path: Path, line: str, seconds: float
) -> None:
    transcript = read(tmp_path, line + "\n")

    assert spoken(transcript) == [("Jo", "We did.")]
    assert transcript.turns[0].time_start == seconds


def test_text_a_timed_turn_ends_when_the_next_timed_turn_starts(tmp_path: Path) -> None:
    transcript = read(tmp_path, "[00:00:05] Jo: One.\n\n[00:00:24] Priya: Two.\n")

    first, second = transcript.turns
    assert (first.time_start, first.time_end) == (5, 24)
    assert (second.time_start, second.time_end) == (24, None)


def test_text_qa_labels_are_speakers(tmp_path: Path) -> None:
    transcript = read(tmp_path, "Q: How did it start?\nA: With a planning row.\n")

    assert spoken(transcript) == [("Q", "How did it start?"), ("A", "With a planning row.")]


def test_text_markdown_and_underlined_headings_are_not_speech(tmp_path: Path) -> None:
    text = (
        "# Workshop, area 3\n\nJo: Hello.\n\n## Part 2: the map ##\n\nPriya: Hi.\n\n"
        "Questions from the panel\n^^^^^^^^^^^^^^^^^^^^^^^^\n\nJo: Yes.\n\n"
        "=====\nOverlined\n=====\n"
    )
    transcript = read(tmp_path, text, name="t.md")

    assert spoken(transcript) == [
        ("#", "Workshop, area 3"),
        ("Jo", "Hello."),
        ("#", "Part 2: the map"),
        ("Priya", "Hi."),
        ("#", "Questions from the panel"),
        ("Jo", "Yes."),
        ("#", "Overlined"),
    ]


def test_text_unlabelled_text_after_a_heading_has_no_speaker(tmp_path: Path) -> None:
    transcript = read(tmp_path, "Jo: Hello.\n\n## Field notes\n\nThe room was cold.\n", name="t.md")

    assert spoken(transcript)[-1] == (None, "The room was cold.")


@pytest.mark.parametrize(
    ("paragraph", "words"),
    [
        ("[A short break]", "A short break"),
        ("(inaudible)", "inaudible"),
        ("*(11.45 am)*", "11.45 am"),
        ("*MS ALLEN (affirmed).*", "MS ALLEN (affirmed)."),
        ("_laughter_", "laughter"),
    ],
)
def test_text_wholly_bracketed_or_italic_paragraphs_are_notes(
    tmp_path: Path, paragraph: str, words: str
) -> None:
    transcript = read(tmp_path, f"Jo: Before.\n\n{paragraph}\n\nAfter.\n", name="t.md")

    assert spoken(transcript) == [("Jo", "Before."), ("[]", words), ("Jo", "After.")]


def test_text_brackets_inside_speech_stay_speech(tmp_path: Path) -> None:
    transcript = read(
        tmp_path, "Jo: (laughs) We did [pause] mostly.\n\n[laughs] and then (sighs)\n"
    )

    assert spoken(transcript) == [
        ("Jo", "(laughs) We did [pause] mostly.\n\n[laughs] and then (sighs)")
    ]


def test_text_a_note_line_before_a_label_in_the_same_paragraph(tmp_path: Path) -> None:
    transcript = read(tmp_path, "[10.30 am]\nJo: Shall we start?\n")

    assert spoken(transcript) == [("[]", "10.30 am"), ("Jo", "Shall we start?")]


@pytest.mark.parametrize(
    "line",
    [
        "If we go over the page:",
        "Finally, this: a question.",
        "So outside, just, of our time period. But it:",
        "10:30 we started.",
        "See https://example.org for more.",
        "A very long lead in with far too many words: here.",
    ],
)
def test_text_prose_with_a_colon_is_not_a_label(tmp_path: Path, line: str) -> None:
    transcript = read(tmp_path, f"Jo: Look at this.\n\n{line}\n")

    assert [speaker for speaker, _ in spoken(transcript)] == ["Jo"]
    assert transcript.speakers == {"Jo": {}}


def test_text_speech_before_the_first_label_has_no_speaker(tmp_path: Path) -> None:
    transcript = read(tmp_path, "recorded in the community hall\n\nJo: Hello.\n")

    assert spoken(transcript) == [(None, "recorded in the community hall"), ("Jo", "Hello.")]


def test_text_front_matter_gives_attributes_and_speakers_and_is_not_stored(tmp_path: Path) -> None:
    text = (
        "---\ntitle: Relationship mapping workshop, area 3\narea: Area 3\ndate: 2021-07-14\n"
        "speakers:\n  Jo: {role: partnership chair, agency_type: community}\n"
        "  Priya: {role: council officer, agency_type: local authority}\n---\n"
        "Jo: Mostly our worker.\nPriya: And me.\n"
    )
    transcript = read(tmp_path, text, name="t.md")

    assert transcript.text == "Jo: Mostly our worker.\nPriya: And me.\n"
    assert transcript.attributes == {
        "title": "Relationship mapping workshop, area 3",
        "area": "Area 3",
        "date": "2021-07-14",
    }
    assert transcript.speakers["Priya"] == {
        "role": "council officer",
        "agency_type": "local authority",
    }
    assert spoken(transcript) == [("Jo", "Mostly our worker."), ("Priya", "And me.")]


def test_text_aliases_resolve_to_the_canonical_speaker(tmp_path: Path) -> None:
    text = (
        "---\nspeakers:\n"
        "  Ms Allen: {role: witness, aliases: [The Witness, MS ALISON ALLEN]}\n"
        "  Counsel: {aliases: Ms Blackwell}\n---\n"
        "Ms Blackwell: Your name?\nThe Witness: Alison Allen.\n"
        "Counsel: Thank you.\nms alison allen: Pleasure.\n"
    )
    transcript = read(tmp_path, text)

    assert spoken(transcript) == [
        ("Counsel", "Your name?"),
        ("Ms Allen", "Alison Allen."),
        ("Counsel", "Thank you."),
        ("Ms Allen", "Pleasure."),
    ]
    assert transcript.speakers == {"Ms Allen": {"role": "witness"}, "Counsel": {}}


def test_text_with_declared_speakers_a_one_off_label_is_read_as_speech(tmp_path: Path) -> None:
    text = "---\nspeakers:\n  Jo: {}\n---\nJo: We wrote it down.\nNote: the minutes were late.\n"
    transcript = read(tmp_path, text)

    assert spoken(transcript) == [("Jo", "We wrote it down.\nNote: the minutes were late.")]
    assert transcript.notes == [
        'line 6: "Note:" is not a declared speaker, so it was read as speech'
    ]


def test_text_an_undeclared_label_that_recurs_is_added_with_a_note(tmp_path: Path) -> None:
    text = "---\nspeakers:\n  Jo: {}\n---\nJo: Hi.\nSam: Hello.\nJo: Well.\nSam: Yes.\n"
    transcript = read(tmp_path, text)

    assert transcript.speakers == {"Jo": {}, "Sam": {}}
    assert [s for s, _ in spoken(transcript)] == ["Jo", "Sam", "Jo", "Sam"]
    assert transcript.notes == [
        'speaker "Sam" is not in the front matter; added with no attributes'
    ]


def test_text_without_front_matter_a_lowercase_label_counts_when_it_recurs(tmp_path: Path) -> None:
    text = "interviewer: Hi.\nrespondent: Hello.\ninterviewer: So?\nrespondent: so: yes.\n"
    transcript = read(tmp_path, text)

    assert spoken(transcript) == [
        ("interviewer", "Hi."),
        ("respondent", "Hello."),
        ("interviewer", "So?"),
        ("respondent", "so: yes."),
    ]


def test_text_markdown_file_reads_through_the_registry(tmp_path: Path) -> None:
    transcript = read(tmp_path, "**Jo**: From a .md file.\n", name="notes.MD")

    assert spoken(transcript) == [("Jo", "From a .md file.")]


@pytest.mark.parametrize(
    ("line", "name"),
    [("Jo: hi", "Jo"), ("**Dr. O'Neil-Smith**: hi", "Dr. O'Neil-Smith"), ("Jo:", "Jo")],
)
def test_match_label_finds_the_name(line: str, name: str) -> None:
    label = match_label(line)
    assert label is not None and label.name == name
    assert line[label.end :] in ("hi", "")


@pytest.mark.parametrize(
    ("name", "expected"),
    [("Counsel to the Inquiry", True), ("Participant 3", True), ("If we go over", False)],
)
def test_looks_like_name_wants_capitalised_words(name: str, expected: bool) -> None:
    assert looks_like_name(name) is expected
