"""OpenDocument transcripts made with odfpy (a test-only dependency): same rules as Word."""

from __future__ import annotations

from pathlib import Path

from odf import dc, meta
from odf.opendocument import OpenDocumentText
from odf.style import Style, TextProperties
from odf.table import Table, TableCell, TableColumn, TableRow
from odf.text import H, LineBreak, List, ListItem, P, S, Span
from readers_helpers import check_turns, paragraphs, spoken

from qualcode.readers import read_transcript
from qualcode.readers.base import Transcript


class Odt:
    """A small document builder: bold and italic text styles, paragraphs, save and read."""

    def __init__(self) -> None:
        self.document = OpenDocumentText()
        self.bold = self._style("B1", fontweight="bold")
        self.italic = self._style("I1", fontstyle="italic")

    def _style(self, name: str, **properties: str) -> Style:
        style = Style(name=name, family="text")
        style.addElement(TextProperties(**properties))
        self.document.automaticstyles.addElement(style)
        return style

    def para(self, *parts: str | tuple[Style, str]) -> P:
        """A paragraph of plain strings and (style, text) spans."""
        paragraph = P()
        for part in parts:
            if isinstance(part, tuple):
                paragraph.addElement(Span(stylename=part[0], text=part[1]))
            else:
                paragraph.addText(part)
        self.document.text.addElement(paragraph)
        return paragraph

    def read(self, folder: Path) -> Transcript:
        path = folder / "t.odt"
        self.document.save(str(path))
        return check_turns(read_transcript(path))


def test_odt_bold_spans_and_plain_labels_become_speakers(tmp_path: Path) -> None:
    odt = Odt()
    odt.para((odt.bold, "Facilitator"), ": Who holds the relationship?")
    odt.para((odt.bold, "Jo:"), " Mostly our worker.")
    odt.para("More on that.")
    odt.para("Priya: And the council.")

    transcript = odt.read(tmp_path)

    assert spoken(transcript) == [
        ("Facilitator", "Who holds the relationship?"),
        ("Jo", "Mostly our worker.\n\nMore on that."),
        ("Priya", "And the council."),
    ]
    assert transcript.text.startswith("Facilitator: Who holds the relationship?\n\nJo: Mostly")


def test_odt_headings_and_italic_notes_are_not_speech(tmp_path: Path) -> None:
    odt = Odt()
    odt.document.text.addElement(H(outlinelevel=1, text="Workshop, area 5"))
    odt.para("Tom: Before.")
    odt.para((odt.italic, "Rosalind arrives"))
    odt.para("After.")

    transcript = odt.read(tmp_path)

    assert spoken(transcript) == [
        ("#", "Workshop, area 5"),
        ("Tom", "Before."),
        ("[]", "Rosalind arrives"),
        ("Tom", "After."),
    ]


def test_odt_lone_bold_names_give_the_turn_to_following_paragraphs(tmp_path: Path) -> None:
    odt = Odt()
    for name, speech in [("Bev", "First."), ("Marek", "Second."), ("Bev", "Third.")]:
        odt.para((odt.bold, name))
        odt.para(speech)

    transcript = odt.read(tmp_path)

    assert spoken(transcript) == [("Bev", "First."), ("Marek", "Second."), ("Bev", "Third.")]


def test_odt_whitespace_elements_follow_the_opendocument_rules(tmp_path: Path) -> None:
    odt = Odt()
    paragraph = odt.para("Jo:   one")
    paragraph.addElement(S(c=2))
    paragraph.addText("two")
    paragraph.addElement(LineBreak())
    paragraph.addText("three")

    transcript = odt.read(tmp_path)

    # runs of spaces in the XML count as one; text:s adds spaces; text:line-break is a newline
    assert transcript.text == "Jo: one  two\nthree"
    assert paragraphs(transcript, 0) == ["one  two\nthree"]


def test_odt_list_items_are_read_and_tables_skipped(tmp_path: Path) -> None:
    odt = Odt()
    odt.para("Jo: Three things.")
    items = List()
    for thing in ("Trust.", "Money."):
        item = ListItem()
        item.addElement(P(text=thing))
        items.addElement(item)
    odt.document.text.addElement(items)
    table = Table(name="T1")
    table.addElement(TableColumn())
    row = TableRow()
    cell = TableCell()
    cell.addElement(P(text="not read"))
    row.addElement(cell)
    table.addElement(row)
    odt.document.text.addElement(table)

    transcript = odt.read(tmp_path)

    assert spoken(transcript) == [("Jo", "Three things.\n\nTrust.\n\nMoney.")]
    assert transcript.notes == ["1 table(s) skipped: only paragraphs are read"]


def test_odt_metadata_becomes_attributes(tmp_path: Path) -> None:
    odt = Odt()
    odt.document.meta.addElement(dc.Title(text="Workshop with a ward councillor"))
    odt.document.meta.addElement(dc.Subject(text="Area 5"))
    odt.document.meta.addElement(meta.InitialCreator(text="Field team"))
    odt.document.meta.addElement(meta.CreationDate(text="2021-07-28T19:00:00"))
    odt.document.meta.addElement(meta.Keyword(text="power"))
    odt.document.meta.addElement(meta.Keyword(text="planning"))
    odt.para("Tom: Hello.")

    assert odt.read(tmp_path).attributes == {
        "title": "Workshop with a ward councillor",
        "subject": "Area 5",
        "author": "Field team",
        "keywords": "power, planning",
        "created": "2021-07-28",
    }


def test_odt_bold_inherited_from_a_named_parent_style_counts(tmp_path: Path) -> None:
    odt = Odt()
    strong = Style(name="Strong_20_Emphasis", displayname="Strong Emphasis", family="text")
    strong.addElement(TextProperties(fontweight="bold"))
    odt.document.styles.addElement(strong)
    child = Style(name="T9", family="text", parentstylename="Strong_20_Emphasis")
    odt.document.automaticstyles.addElement(child)
    odt.para((child, "Sunita"), ": The plan is due in May.")

    assert spoken(odt.read(tmp_path)) == [("Sunita", "The plan is due in May.")]
