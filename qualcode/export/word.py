"""The DOCX export, for authors: headings, quotes with their attribution, references."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .context import ExportContext, Group, Matrix


def write_docx(context: ExportContext, path: Path, dirs: Sequence[Path]) -> list[str]:
    """Headings per group, quotes as block quotes with attribution, then the reference.

    A ``quotes.docx`` in a template folder gives the styles (and any opening pages)."""
    from docx import Document
    from docx.shared import Pt, RGBColor

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
        _docx_table(document, context.counts)
    styles = {s.name for s in document.styles}
    quote_style = next((s for s in ("Intense Quote", "Quote") if s in styles), None)

    def add(groups: list[Group]) -> None:
        for group in groups:
            document.add_heading(group.label, level=min(group.level, 9))
            add(group.groups)
            for e in group.excerpts:
                para = document.add_paragraph(style=quote_style)
                if quote_style is None:
                    para.paragraph_format.left_indent = Pt(28)
                para.add_run(f'"{e.text}"').italic = True
                if e.attribution:
                    para.add_run(f" ({e.attribution})")
                coders = f" · coded by {e.coder}" if len(context.coders) > 1 else ""
                ref = document.add_paragraph().add_run(e.reference + coders)
                ref.font.size = Pt(8)
                ref.font.color.rgb = RGBColor(0x66, 0x66, 0x66)

    add(context.groups)
    document.save(str(path))
    return [f"*quotes.docx ({base})" if base else "quotes.docx (python-docx default styles)"]


def _docx_table(document: Any, matrix: Matrix) -> None:
    table = document.add_table(rows=1, cols=len(matrix.columns) + 2)
    if "Table Grid" in {s.name for s in document.styles}:
        table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, ["", *matrix.columns, "Total"], strict=True):
        cell.text = text
    for row in matrix.rows:
        values = [row.label, *(str(c.count) for c in row.cells), str(row.total)]
        for cell, text in zip(table.add_row().cells, values, strict=True):
            cell.text = text
