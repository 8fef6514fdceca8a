"""Think-aloud transcripts: only the moderator is labelled, the participant's paragraphs are
not, and the tasks are a numbered list. Import can say who speaks unlabelled paragraphs."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner
from odf.opendocument import OpenDocumentText
from odf.style import ListLevelProperties, Style
from odf.text import H, List, ListItem, ListLevelStyleBullet, ListLevelStyleNumber, ListStyle, P
from readers_helpers import check_turns, spoken, write_text

from qualcode.cli import cli
from qualcode.errors import InputError
from qualcode.readers import read_transcript

TASKS = [
    "Find the opening hours of the central library.",
    "Book a meeting room for Saturday morning.",
]


def think_aloud_odt(path: Path) -> Path:
    """Laid out as LibreOffice users write these: a heading, the moderator's labelled
    paragraphs, each task a numbered list item, the participant's words unlabelled, and a
    bulleted aside that is part of the speech."""
    document = OpenDocumentText()
    numbers = ListStyle(name="Tasks")
    numbers.addElement(ListLevelStyleNumber(level=1, numformat="1", numsuffix="."))
    bullets = ListStyle(name="Bullets")
    level = ListLevelStyleBullet(level=1, bulletchar="•")
    level.addElement(ListLevelProperties())
    bullets.addElement(level)
    for style in (numbers, bullets):
        document.automaticstyles.addElement(style)
    document.automaticstyles.addElement(Style(name="P1", family="paragraph"))
    body = document.text

    def task(text: str) -> None:
        items = List(stylename=numbers)
        item = ListItem()
        item.addElement(P(text=text))
        items.addElement(item)
        body.addElement(items)

    body.addElement(H(outlinelevel=1, text="Session 4, library website"))
    body.addElement(P(text="MODERATOR: Thanks for coming. Please think aloud as you go."))
    body.addElement(P(text="Okay. Happy to."))
    task(TASKS[0])
    body.addElement(P(text="So I'd look along the top for something like visit us."))
    body.addElement(P(text="Nothing. Maybe the footer? There, opening times."))
    aside = List(stylename=bullets)
    item = ListItem()
    item.addElement(P(text="though they're tiny"))
    aside.addElement(item)
    body.addElement(aside)
    body.addElement(P(text="MODERATOR: What did you expect to see?"))
    body.addElement(P(text="A big button, honestly."))
    task(TASKS[1])
    body.addElement(P(text="Rooms, rooms. I'd search for it."))
    document.save(str(path))
    return path


def test_unlabelled_numbered_tasks_are_headings_and_end_the_moderators_turn(
    tmp_path: Path,
) -> None:
    transcript = check_turns(read_transcript(think_aloud_odt(tmp_path / "session-4.odt")))

    assert spoken(transcript) == [
        ("#", "Session 4, library website"),
        ("MODERATOR", "Thanks for coming. Please think aloud as you go.\n\nOkay. Happy to."),
        ("#", TASKS[0]),
        (
            None,
            "So I'd look along the top for something like visit us.\n\n"
            "Nothing. Maybe the footer? There, opening times.\n\nthough they're tiny",
        ),
        ("MODERATOR", "What did you expect to see?\n\nA big button, honestly."),
        ("#", TASKS[1]),
        (None, "Rooms, rooms. I'd search for it."),
    ]


def test_unlabelled_speaker_speaks_every_paragraph_without_a_label(tmp_path: Path) -> None:
    path = think_aloud_odt(tmp_path / "session-4.odt")

    transcript = check_turns(read_transcript(path, unlabelled_speaker="Participant"))

    assert spoken(transcript) == [
        ("#", "Session 4, library website"),
        ("MODERATOR", "Thanks for coming. Please think aloud as you go."),
        ("Participant", "Okay. Happy to."),
        ("#", TASKS[0]),
        (
            "Participant",
            "So I'd look along the top for something like visit us.\n\n"
            "Nothing. Maybe the footer? There, opening times.\n\nthough they're tiny",
        ),
        ("MODERATOR", "What did you expect to see?"),
        ("Participant", "A big button, honestly."),
        ("#", TASKS[1]),
        ("Participant", "Rooms, rooms. I'd search for it."),
    ]
    assert transcript.speakers == {"MODERATOR": {}, "Participant": {}}


def test_unlabelled_speaker_in_docx_and_a_label_alone_gives_its_turn_the_next_paragraph(
    tmp_path: Path,
) -> None:
    import docx

    document = docx.Document()
    document.add_paragraph().add_run("Interviewer").bold = True
    document.add_paragraph("What brought you here?")
    document.add_paragraph("The leaflet, mostly.")
    document.add_paragraph("Interviewer: And then?")
    document.add_paragraph("Find the events page.", style="List Number")
    document.add_paragraph("I went to the events page.")
    path = tmp_path / "t.docx"
    document.save(str(path))

    transcript = check_turns(read_transcript(path, unlabelled_speaker="P3"))

    assert spoken(transcript) == [
        ("Interviewer", "What brought you here?"),
        ("P3", "The leaflet, mostly."),
        ("Interviewer", "And then?"),
        ("#", "Find the events page."),
        ("P3", "I went to the events page."),
    ]


def test_unlabelled_speaker_from_front_matter_is_not_an_attribute(tmp_path: Path) -> None:
    text = (
        "---\ntitle: Session 2\nunlabelled_speaker: Participant\n"
        "speakers:\n  Moderator: {role: researcher}\n  Participant: {role: resident}\n---\n"
        "Moderator: Start when ready.\n\n[00:01:10] I'm on the home page.\n\nNow the menu.\n"
    )
    path = write_text(tmp_path, "session-2.md", text)

    transcript = check_turns(read_transcript(path))

    assert spoken(transcript) == [
        ("Moderator", "Start when ready."),
        ("Participant", "I'm on the home page.\n\nNow the menu."),
    ]
    assert transcript.turns[1].time_start == 70
    assert transcript.attributes == {"title": "Session 2"}
    assert transcript.speakers["Participant"] == {"role": "resident"}


def test_unlabelled_speaker_given_by_import_wins_over_front_matter(tmp_path: Path) -> None:
    text = "---\nunlabelled_speaker: Participant\n---\nMod: Go.\n\nRight.\n"
    path = write_text(tmp_path, "s.md", text)

    assert spoken(read_transcript(path, unlabelled_speaker="P7")) == [
        ("Mod", "Go."),
        ("P7", "Right."),
    ]


def test_unlabelled_speaker_front_matter_must_be_a_name(tmp_path: Path) -> None:
    path = write_text(tmp_path, "s.md", "---\nunlabelled_speaker: [a, b]\n---\nMod: Go.\n")

    with pytest.raises(InputError) as caught:
        read_transcript(path)

    assert str(caught.value) == (
        f"{path}: front matter unlabelled_speaker must be one speaker's label, not ['a', 'b']. "
        "Write it as 'unlabelled_speaker: Participant'"
    )


def test_unlabelled_speaker_in_subtitles_takes_the_cues_that_name_nobody(tmp_path: Path) -> None:
    vtt = (
        "WEBVTT\n\n00:00:01.000 --> 00:00:03.000\n<v Moderator>Start with task one.\n\n"
        "00:00:04.000 --> 00:00:06.000\nOkay, the search box.\n"
    )
    path = write_text(tmp_path, "s.vtt", vtt)

    assert spoken(check_turns(read_transcript(path, unlabelled_speaker="Participant"))) == [
        ("Moderator", "Start with task one."),
        ("Participant", "Okay, the search box."),
    ]


def test_unlabelled_speaker_import_option_gives_the_participant_their_segments(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    folder = tmp_path / "sessions"
    folder.mkdir()
    think_aloud_odt(folder / "session-4.odt")
    runner = CliRunner()
    assert runner.invoke(cli, ["init"]).exit_code == 0

    result = runner.invoke(cli, ["import", "--unlabelled-speaker", "Participant", "sessions"])
    assert result.exit_code == 0, result.output
    listed = runner.invoke(cli, ["segments", "session-4.odt", "--json"])

    speakers = Counter(row["speaker"] for row in json.loads(listed.output))
    assert speakers == {"Participant": 10, "MODERATOR": 3}


def test_unlabelled_speaker_option_refuses_an_empty_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    runner.invoke(cli, ["init"])

    result = runner.invoke(cli, ["import", "--unlabelled-speaker", " ", "."])

    assert result.exit_code == 2
    assert "Invalid value for --unlabelled-speaker: give the speaker's name" in result.output
