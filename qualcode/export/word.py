"""The DOCX export, for authors: headings, quotes with their attribution, references.

Layout rules a pasted quote needs: a quote, its attribution and its reference line stay
on one page, and the reference sits close under its own quote, well apart from the next
one. The counts table never breaks a word: each column is at least as wide as the
longest word of its heading, and a table too wide for the page gets a landscape page.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .context import Excerpt, ExportContext, Group, Matrix

TABLE_FONT = 9  # points
# Widths of bold characters as a share of the font size, a little generous (Calibri's
# bold lowercase averages about 0.5); a word is never wider than these make it.
NARROW, WIDE, CAPITAL, OTHER = 0.36, 0.9, 0.7, 0.6
CELL_PADDING = 12  # points: Word's default cell margins, left and right
MIN_LABEL = 108  # points: the narrowest first column (themes and codes)
QUOTE_GAP = 2  # points between a quote and its reference line
EXCERPT_GAP = 16  # points after a reference line (half as much before a quote)


def write_docx(context: ExportContext, path: Path, dirs: Sequence[Path]) -> list[str]:
    """Headings per group, quotes as block quotes with attribution, then the reference.

    A ``quotes.docx`` in a template folder gives the styles (and any opening pages)."""
    from docx import Document

    base = next((d / "quotes.docx" for d in dirs if (d / "quotes.docx").is_file()), None)
    document = Document(str(base)) if base else Document()
    document.add_heading(context.title, level=0)
    levels = ", then ".join(level.replace("_", " ") for level in context.levels)
    intro = f"{context.total} excerpts, grouped by {levels}."
    notes = [f"Note: {note}." for note in context.notes]
    document.add_paragraph(
        " ".join(p for p in (intro, *context.filters, context.redaction, *notes) if p)
    )
    if context.counts is not None:
        _counts_table(document, context.counts)
    styles = {s.name for s in document.styles}
    quote_style = next((s for s in ("Intense Quote", "Quote") if s in styles), None)
    with_coders = len(context.coders) > 1

    def add(groups: list[Group]) -> None:
        for group in groups:
            document.add_heading(group.label, level=min(group.level, 9))
            for memo in group.memos:
                _memo(document, f"Memo on {group.label}: {memo}", None)
            add(group.groups)
            for excerpt in group.excerpts:
                _quote(document, excerpt, quote_style, with_coders)

    add(context.groups)
    document.save(str(path))
    return [f"*quotes.docx ({base})" if base else "quotes.docx (python-docx default styles)"]


def _quote(document: Any, e: Excerpt, style: str | None, with_coders: bool) -> None:
    """The quote with its attribution, kept with its reference line just below it."""
    from docx.shared import Pt, RGBColor

    para = document.add_paragraph(style=style)
    para.add_run(f'"{e.text}"').italic = True
    if e.attribution:
        para.add_run(f" ({e.attribution})")
    quote = para.paragraph_format
    if style is None:
        quote.left_indent = Pt(28)
    quote.keep_together = quote.keep_with_next = True
    quote.space_before, quote.space_after = Pt(EXCERPT_GAP / 2), Pt(QUOTE_GAP)
    coders = f" · coded by {e.coder}" if with_coders else ""
    moved = " · re-anchored" if e.reanchored else ""  # a correction moved it, unchecked
    line = document.add_paragraph()
    run = line.add_run(e.reference + coders + moved)
    run.font.size = Pt(8)
    run.font.color.rgb = RGBColor(0x66, 0x66, 0x66)
    ref = line.paragraph_format
    ref.keep_together = True
    ref.left_indent = quote.left_indent or para.style.paragraph_format.left_indent
    memos = [f"Memo: {e.memo}"] if e.memo else []
    memos += [f"Memo on the sentence: {n}" for n in e.notes]
    ref.space_before, ref.space_after = Pt(0), Pt(0 if memos else EXCERPT_GAP)
    for memo in memos:
        _memo(document, memo, ref.left_indent)


def _memo(document: Any, text: str, indent: Any) -> None:
    """A memo in small grey italics, under its quote or heading."""
    from docx.shared import Pt, RGBColor

    para = document.add_paragraph()
    run = para.add_run(text)
    run.italic = True
    run.font.size = Pt(8)
    run.font.color.rgb = RGBColor(0x47, 0x54, 0x67)
    para.paragraph_format.left_indent = indent
    para.paragraph_format.space_before, para.paragraph_format.space_after = Pt(0), Pt(EXCERPT_GAP)


def _counts_table(document: Any, matrix: Matrix) -> None:
    """The counts per theme, in a small font, with columns no heading word overflows."""
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    headings = ["", *matrix.columns, "Total"]
    rows = [[r.label, *(str(c.count) for c in r.cells), str(r.total)] for r in matrix.rows]
    section = document.sections[-1]
    room = (section.page_width - section.left_margin - section.right_margin) / 12700  # pt
    widths = _widths(headings, rows, room)
    turned = sum(widths) > room
    if turned:
        section = _landscape(document)
        room = (section.page_width - section.left_margin - section.right_margin) / 12700
        widths = _widths(headings, rows, room)
    table = document.add_table(rows=0, cols=len(headings))
    if "Table Grid" in {s.name for s in document.styles}:
        table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.LEFT
    table.autofit = False  # fixed layout: Word keeps the widths below
    for number, values in enumerate([headings, *rows]):
        cells = table.add_row().cells
        for index, (cell, text) in enumerate(zip(cells, values, strict=True)):
            cell.width = Pt(widths[index])
            para = cell.paragraphs[0]
            run = para.add_run(text)
            run.font.size = Pt(TABLE_FONT)
            run.bold = number == 0 or index == len(values) - 1
            if index:
                para.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    for column, width in zip(table.columns, widths, strict=True):
        column.width = Pt(width)
    _repeat_header(table.rows[0])
    if turned:  # back to the document's own pages
        _landscape(document, back=True)


def _widths(headings: list[str], rows: list[list[str]], room: float) -> list[float]:
    """Points per column: each number column as wide as its longest word (or number),
    the first column what is left, at least :data:`MIN_LABEL`."""

    def span(text: str) -> float:
        longest = max((_em(word) for word in text.split()), default=0)
        return math.ceil(longest * TABLE_FONT + CELL_PADDING)

    numbers = [
        max(span(heading), *(span(row[index]) for row in rows))
        for index, heading in enumerate(headings[1:], 1)
    ]
    label = max((len(row[0]) for row in rows), default=0) * TABLE_FONT * 0.5 + CELL_PADDING
    first = max(MIN_LABEL, min(label, room - sum(numbers)))
    return [first, *numbers]


def _em(word: str) -> float:
    """How wide a word is set, in ems (estimated from its kinds of characters)."""
    return sum(
        NARROW if c in "fijlrt.,:;'!|()[]-" else
        WIDE if c in "mwMW@%" else
        CAPITAL if c.isupper() else OTHER
        for c in word
    )  # fmt: skip


def _landscape(document: Any, *, back: bool = False) -> Any:
    """A new section on a new page, turned (landscape, or ``back`` to portrait)."""
    from docx.enum.section import WD_ORIENT, WD_SECTION

    last = document.sections[-1]
    section = document.add_section(WD_SECTION.NEW_PAGE)
    section.orientation = WD_ORIENT.PORTRAIT if back else WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = last.page_height, last.page_width
    return section


def _repeat_header(row: Any) -> None:
    """The heading row repeats on each page the table runs onto."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    row._tr.get_or_add_trPr().append(header)
