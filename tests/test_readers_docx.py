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


def raw(document, markup: str) -> None:
    """Append a body paragraph written as WordprocessingML (``w:`` prefix declared here)."""
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls

    paragraph = parse_xml(markup.replace("<w:p>", f"<w:p {nsdecls('w')}>", 1))
    document.element.body.sectPr.addprevious(paragraph)  # the section's settings come last


def test_docx_text_of_hyperlinks_fields_and_insertions_counts_deletions_and_boxes_do_not(
    tmp_path: Path,
) -> None:
    document = docx.Document()
    raw(
        document,
        "<w:p><w:r><w:rPr><w:b/></w:rPr><w:t>Jo:</w:t></w:r>"
        '<w:r><w:t xml:space="preserve"> We met </w:t></w:r>'
        "<w:hyperlink><w:r><w:t>the council</w:t></w:r></w:hyperlink>"
        '<w:ins w:id="1" w:author="A"><w:r><w:t xml:space="preserve"> in March</w:t></w:r></w:ins>'
        '<w:del w:id="2" w:author="A"><w:r><w:delText> in May</w:delText></w:r></w:del>'
        "<w:fldSimple><w:r><w:t>,</w:t></w:r></w:fldSimple>"
        "<w:r><w:pict><w:txbxContent><w:p><w:r><w:t>a text box</w:t></w:r></w:p>"
        "</w:txbxContent></w:pict></w:r>"
        '<w:r><w:t xml:space="preserve"> twice.</w:t><w:br/><w:t>Then</w:t><w:tab/>'
        "<w:t>left</w:t></w:r></w:p>",
    )

    transcript = save(document, tmp_path)

    assert spoken(transcript) == [("Jo", "We met the council in March, twice.\nThen\tleft")]


def test_docx_outline_levels_and_numbered_prompts_are_headings_bullets_are_speech(
    tmp_path: Path,
) -> None:
    document = docx.Document()
    raw(document, '<w:p><w:pPr><w:outlineLvl w:val="1"/></w:pPr><w:r><w:t>Tasks</w:t></w:r></w:p>')
    document.add_paragraph("Find the opening hours of the library.", style="List Number")
    document.add_paragraph("MODERATOR: Take your time.")
    document.add_paragraph("Okay, so I'd look for a menu.")
    document.add_paragraph("Maybe under visit us.", style="List Bullet")
    document.add_paragraph("Book a room for Saturday.", style="List Number")
    document.add_paragraph("MODERATOR: Whenever you're ready.", style="List Number")

    transcript = save(document, tmp_path)

    assert spoken(transcript) == [
        ("#", "Tasks"),
        ("#", "Find the opening hours of the library."),
        ("MODERATOR", "Take your time.\n\nOkay, so I'd look for a menu.\n\nMaybe under visit us."),
        ("#", "Book a room for Saturday."),
        ("MODERATOR", "Whenever you're ready."),
    ]


def test_docx_bold_and_italic_come_from_character_and_paragraph_styles(tmp_path: Path) -> None:
    document = docx.Document()
    document.add_paragraph().add_run("Jo:", style="Strong")  # Strong: a bold character style
    document.paragraphs[-1].add_run(" Hello.")
    document.add_paragraph().add_run("Priya waves", style="Emphasis")  # italic
    document.add_paragraph("Dev leaves the room", style="Quote")  # italic by its style
    quote = document.add_paragraph(style="Quote")
    quote.add_run("Jo:").bold = True
    quote.add_run(" Bye.").italic = False
    off = document.add_paragraph()
    off.add_run("Priya").bold = True
    off.add_run(":")
    off.add_run(" Hi.").italic = False

    transcript = save(document, tmp_path)

    assert spoken(transcript) == [
        ("Jo", "Hello."),
        ("[]", "Priya waves"),
        ("[]", "Dev leaves the room"),
        ("Jo", "Bye."),
        ("Priya", "Hi."),
    ]


def test_docx_reads_at_about_the_speed_of_the_same_words_in_a_text_file(tmp_path: Path) -> None:
    """20,000 words; python-docx's object model took 20 times the text reader's time."""
    import time

    names = ["Jo", "Priya", "Dev", "Maureen"]
    sentences = " ".join(f"Word{i % 97} and so on, thing {i}." for i in range(16))
    turns = [f"{names[n % 4]}: {sentences}" for n in range(250)]
    text_path = tmp_path / "t.txt"
    text_path.write_text("\n\n".join(turns))
    document = docx.Document()
    for turn in turns:
        name, rest = turn.split(":", 1)
        bold_then(document, name + ":", rest)
    word_path = tmp_path / "t.docx"
    document.save(word_path)
    assert read_transcript(word_path).text == read_transcript(text_path).text

    best = {text_path: float("inf"), word_path: float("inf")}
    for _ in range(5):
        for path in best:
            started = time.process_time()
            read_transcript(path)
            best[path] = min(best[path], time.process_time() - started)

    assert best[word_path] < 4 * best[text_path] + 0.05  # about 2x, plus the styles part
