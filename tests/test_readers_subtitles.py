"""WebVTT and SubRip: speakers from voice tags or name prefixes, cues merged into turns."""

from __future__ import annotations

from pathlib import Path

from readers_helpers import check_turns, spoken, write_text

from qualcode.readers import read_transcript
from qualcode.readers.base import Transcript

# Shaped like a Microsoft Teams transcript: GUID/n-m cue ids and <v Name> voice spans.
TEAMS_VTT = """WEBVTT

0a1b2c3d-4e5f-4a6b-8c9d-0e1f2a3b4c5d/12-0
00:00:03.120 --> 00:00:06.480
<v Jo Bloggs>Thanks everyone for joining. Shall</v>

0a1b2c3d-4e5f-4a6b-8c9d-0e1f2a3b4c5d/12-1
00:00:06.480 --> 00:00:08.000
<v Jo Bloggs>we start with the council?</v>

0a1b2c3d-4e5f-4a6b-8c9d-0e1f2a3b4c5d/13-0
00:00:08.500 --> 00:00:11.250
<v Priya Shah>Yes, and I'll say up front
that the budget is gone.</v>

0a1b2c3d-4e5f-4a6b-8c9d-0e1f2a3b4c5d/14-0
00:00:11.900 --> 00:00:13.000
<v Jo Bloggs>Right.</v>
"""

# Shaped like a Zoom cloud recording transcript: numbered cues, "Name: " prefixes.
ZOOM_VTT = """WEBVTT

1
00:00:01.230 --> 00:00:04.560
Jo Bloggs: Can everyone hear me?

2
00:00:04.900 --> 00:00:07.100
Priya Shah: Yes, loud and clear.

3
00:00:07.100 --> 00:00:09.000
Priya Shah: Shall I share my screen?

4
00:00:09.200 --> 00:00:10.000
Jo Bloggs: Please.
"""

SRT = """1
00:00:00,500 --> 00:00:03,000
Facilitator: Welcome back, everyone.

2
00:00:03,000 --> 00:00:05,250
Let's pick up the map
where we left it.

3
00:00:05,800 --> 00:00:07,000
<i>Maureen:</i> Trust first.
"""


def read(tmp_path: Path, name: str, text: str) -> Transcript:
    return check_turns(read_transcript(write_text(tmp_path, name, text)))


def cue_texts(transcript: Transcript, index: int) -> list[tuple[str, float | None, float | None]]:
    return [
        (transcript.text[c.start : c.end], c.time_start, c.time_end)
        for c in transcript.turns[index].cues
    ]


def test_vtt_teams_voice_tags_become_speakers(tmp_path: Path) -> None:
    transcript = read(tmp_path, "teams.vtt", TEAMS_VTT)

    assert spoken(transcript) == [
        ("Jo Bloggs", "Thanks everyone for joining. Shall we start with the council?"),
        ("Priya Shah", "Yes, and I'll say up front that the budget is gone."),
        ("Jo Bloggs", "Right."),
    ]
    assert transcript.speakers == {"Jo Bloggs": {}, "Priya Shah": {}}


def test_vtt_stored_text_is_one_labelled_paragraph_per_turn(tmp_path: Path) -> None:
    transcript = read(tmp_path, "teams.vtt", TEAMS_VTT)

    assert transcript.text == (
        "Jo Bloggs: Thanks everyone for joining. Shall we start with the council?\n\n"
        "Priya Shah: Yes, and I'll say up front that the budget is gone.\n\n"
        "Jo Bloggs: Right."
    )


def test_vtt_consecutive_cues_of_one_speaker_merge_and_keep_cue_times(tmp_path: Path) -> None:
    transcript = read(tmp_path, "teams.vtt", TEAMS_VTT)

    first = transcript.turns[0]
    assert (first.time_start, first.time_end) == (3.12, 8.0)
    assert cue_texts(transcript, 0) == [
        ("Thanks everyone for joining. Shall", 3.12, 6.48),
        ("we start with the council?", 6.48, 8.0),
    ]


def test_vtt_zoom_name_prefixes_become_speakers(tmp_path: Path) -> None:
    transcript = read(tmp_path, "zoom.vtt", ZOOM_VTT)

    assert spoken(transcript) == [
        ("Jo Bloggs", "Can everyone hear me?"),
        ("Priya Shah", "Yes, loud and clear. Shall I share my screen?"),
        ("Jo Bloggs", "Please."),
    ]
    assert cue_texts(transcript, 1) == [
        ("Yes, loud and clear.", 4.9, 7.1),
        ("Shall I share my screen?", 7.1, 9.0),
    ]


def test_srt_numbered_cues_with_comma_times(tmp_path: Path) -> None:
    transcript = read(tmp_path, "otter.srt", SRT)

    assert spoken(transcript) == [
        ("Facilitator", "Welcome back, everyone. Let's pick up the map where we left it."),
        ("Maureen", "Trust first."),
    ]
    assert (transcript.turns[0].time_start, transcript.turns[0].time_end) == (0.5, 5.25)


def test_vtt_cues_before_any_speaker_are_a_turn_of_nobody(tmp_path: Path) -> None:
    text = (
        "WEBVTT\n\n00:01.000 --> 00:02.000\n(music)\n\n"
        "00:02.000 --> 00:04.000\n<v Jo>Hello.\n\n00:04.000 --> 00:05.000\nStill Jo.\n"
    )
    transcript = read(tmp_path, "t.vtt", text)

    assert spoken(transcript) == [(None, "(music)"), ("Jo", "Hello. Still Jo.")]
    assert transcript.text == "(music)\n\nJo: Hello. Still Jo."


def test_vtt_two_voices_in_one_cue_are_two_turns(tmp_path: Path) -> None:
    text = "WEBVTT\n\n00:00:01.000 --> 00:00:03.000\n<v Jo>Ready?</v>\n<v.loud Priya>Ready.</v>\n"
    transcript = read(tmp_path, "t.vtt", text)

    assert spoken(transcript) == [("Jo", "Ready?"), ("Priya", "Ready.")]
    assert transcript.turns[1].time_start == 1.0


def test_vtt_tags_entities_notes_and_styles_are_left_out(tmp_path: Path) -> None:
    text = (
        "WEBVTT Kind: captions\nLanguage: en\n\nNOTE exported by a tool\n\n"
        "STYLE\n::cue { color: yellow }\n\n"
        "intro\n00:00:01.000 --> 00:00:02.500 align:start position:10%\n"
        "<v Jo><c.yellow>Fish</c> &amp; <i>chips</i> <00:00:02.000>&lt;3</v>\n"
    )
    transcript = read(tmp_path, "t.vtt", text)

    assert spoken(transcript) == [("Jo", "Fish & chips <3")]


def test_vtt_prose_with_a_colon_is_not_taken_for_a_name(tmp_path: Path) -> None:
    text = (
        "WEBVTT\n\n00:01.000 --> 00:02.000\n<v Jo>Hello.\n\n"
        "00:02.000 --> 00:03.000\nthe point is: money.\n"
    )
    transcript = read(tmp_path, "t.vtt", text)

    assert spoken(transcript) == [("Jo", "Hello. the point is: money.")]


def test_subtitles_cp1252_file_is_read_and_noted(tmp_path: Path) -> None:
    path = tmp_path / "t.srt"
    path.write_bytes("1\n00:00:01,000 --> 00:00:02,000\nJo: Café.\n".encode("cp1252"))

    transcript = check_turns(read_transcript(path))

    assert spoken(transcript) == [("Jo", "Café.")]
    assert transcript.notes == ["decoded as cp1252 (not valid UTF-8)"]
