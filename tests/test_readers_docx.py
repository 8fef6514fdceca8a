"""Word transcripts written with python-docx: bold names, plain labels, headings, properties."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import docx
from readers_helpers import check_turns, paragraphs, spoken

from qualcode.readers import read_transcript
from qualcode.readers.base import Transcript


def bold_then(document, name: str, rest: str = "") -> None:
    """A paragraph starting with ``name`` in bold, then ``rest`` in plain text."""
    paragraph = document.add_paragraph()
    paragraph.add_run(name).bold = True
    if rest:
        paragraph.add_run(rest)


def save(document, tmp_path: Path, name: str = "t.docx") -> Transcript:
    path = tmp_path / name
    document.save(path)
    return check_turns(read_transcript(path))


def test_docx_bold_names_and_plain_labels_become_speakers(tmp_path: Path) -> None:
    document = docx.Document()
    bold_then(document, "Facilitator", ": Who holds the relationship?")
    bold_then(document, "Jo:", " Mostly our worker.")
    document.add_paragraph("Priya: And the council, a bit.")

    transcript = save(document, tmp_path)

    assert spoken(transcript) == [
        ("Facilitator", "Who holds the relationship?"),
        ("Jo", "Mostly our worker."),
        ("Priya", "And the council, a bit."),
    ]


def test_docx_stored_text_joins_paragraphs_and_keeps_labels(tmp_path: Path) -> None:
    document = docx.Document()
    bold_then(document, "Jo", ": One.")
    document.add_paragraph("")  # empty paragraphs are dropped
    document.add_paragraph("Two.")

    transcript = save(document, tmp_path)

    assert transcript.text == "Jo: One.\n\nTwo."
    assert paragraphs(transcript, 0) == ["One.", "Two."]


def test_docx_a_paragraph_that_is_only_a_bold_name_gives_the_turn_to_what_follows(
    tmp_path: Path,
) -> None:
    document = docx.Document()
    bold_then(document, "Jo")
    document.add_paragraph("We met the council in March.")
    document.add_paragraph("It went well.")
    bold_then(document, "Priya")
    document.add_paragraph("Did it?")
    bold_then(document, "Jo", " Mostly.")  # a bold name with no colon, seen before

    transcript = save(document, tmp_path)

    assert spoken(transcript) == [
        ("Jo", "We met the council in March.\n\nIt went well."),
        ("Priya", "Did it?"),
        ("Jo", "Mostly."),
    ]


def test_docx_one_off_bold_line_is_a_heading_not_a_speaker(tmp_path: Path) -> None:
    document = docx.Document()
    bold_then(document, "Introduction")
    document.add_paragraph("Jo: Hello.")
    bold_then(document, "Important", " point about money.")

    transcript = save(document, tmp_path)

    assert spoken(transcript) == [
        ("#", "Introduction"),
        ("Jo", "Hello.\n\nImportant point about money."),
    ]
    assert transcript.speakers == {"Jo": {}}


def test_docx_heading_styles_are_headings(tmp_path: Path) -> None:
    document = docx.Document()
    document.add_heading("Facilitated conversation, area 1", level=0)
    document.add_paragraph("Jo: Hello.")
    document.add_heading("Part 2", level=2)
    document.add_paragraph("Priya: Hi.")

    transcript = save(document, tmp_path)

    assert spoken(transcript) == [
        ("#", "Facilitated conversation, area 1"),
        ("Jo", "Hello."),
        ("#", "Part 2"),
        ("Priya", "Hi."),
    ]


def test_docx_italic_and_bracketed_paragraphs_are_notes(tmp_path: Path) -> None:
    document = docx.Document()
    document.add_paragraph("Jo: Before.")
    document.add_paragraph().add_run("Priya joins the call").italic = True
    document.add_paragraph("[laughter]")
    document.add_paragraph("After.")

    transcript = save(document, tmp_path)

    assert spoken(transcript) == [
        ("Jo", "Before."),
        ("[]", "Priya joins the call"),
        ("[]", "laughter"),
        ("Jo", "After."),
    ]


def test_docx_line_breaks_can_separate_speakers_inside_a_paragraph(tmp_path: Path) -> None:
    document = docx.Document()
    paragraph = document.add_paragraph("Jo: Hello.")
    paragraph.add_run().add_break()
    paragraph.add_run("Priya: Hi there.")

    transcript = save(document, tmp_path)

    assert spoken(transcript) == [("Jo", "Hello."), ("Priya", "Hi there.")]


def test_docx_core_properties_become_attributes(tmp_path: Path) -> None:
    document = docx.Document()
    core = document.core_properties
    core.title = "Facilitated conversation with the council"
    core.author = "Field team"
    core.subject = "Area 1"
    core.keywords = "council; trust"
    core.category = "conversation"
    core.comments = "Second visit"
    core.created = dt.datetime(2021, 7, 14, 18, 30)
    document.add_paragraph("Jo: Hello.")

    transcript = save(document, tmp_path)

    assert transcript.attributes == {
        "title": "Facilitated conversation with the council",
        "author": "Field team",
        "subject": "Area 1",
        "keywords": "council; trust",
        "category": "conversation",
        "comments": "Second visit",
        "created": "2021-07-14",
    }


def test_docx_python_docx_template_defaults_are_not_attributes(tmp_path: Path) -> None:
    document = docx.Document()  # its template says author "python-docx", created 2013
    document.add_paragraph("Jo: Hello.")

    assert save(document, tmp_path).attributes == {}


def test_docx_tables_are_skipped_with_a_note(tmp_path: Path) -> None:
    document = docx.Document()
    document.add_paragraph("Jo: Hello.")
    document.add_table(rows=1, cols=2).cell(0, 0).text = "not read"

    transcript = save(document, tmp_path)

    assert "not read" not in transcript.text
    assert transcript.notes == ["1 table(s) skipped: only paragraphs are read"]
