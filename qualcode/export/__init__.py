"""Exports of coded excerpts: HTML, Markdown and DOCX for reading, CSV and XLSX for tables.

Excerpts come from :func:`qualcode.quotes.quotes` (redacted unless asked otherwise) and
are grouped by ``by``: ``theme`` (then code), then any attribute. HTML and Markdown are
Jinja templates a user may override: a file of the same name in ``--template-dir`` or in
the project's ``templates/`` folder wins over the packaged one, and may extend it as
``{% extends "default:quotes.html" %}``. Templates receive an :class:`ExportContext`.

Modules, each with one job: ``render`` (:func:`render_export`, the entry point),
``build`` (headings and excerpts from the frame), ``context`` (what templates receive),
``templates`` (finding and rendering them), ``word`` (DOCX), ``xlsx`` (spreadsheets),
``tabular`` (CSV, and the table both spreadsheet formats write).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..lazy import lazy_exports

# The formats ``--format`` takes. Here, not in ``render`` with pandas and Jinja, because the
# command line reads it at start; the other names are imported when first used.
FORMATS = ("html", "md", "docx", "csv", "xlsx")

__getattr__ = lazy_exports(
    __name__,
    {
        "Cell": ".context",
        "Chip": ".context",
        "Excerpt": ".context",
        "ExportContext": ".context",
        "Group": ".context",
        "Matrix": ".context",
        "MatrixRow": ".context",
        "render_export": ".render",
        "PACKAGED": ".templates",
        "environment": ".templates",
        "md_escape": ".templates",
    },
)

if TYPE_CHECKING:
    from .context import Cell, Chip, Excerpt, ExportContext, Group, Matrix, MatrixRow
    from .render import render_export
    from .templates import PACKAGED, environment, md_escape

__all__ = [
    "FORMATS",
    "PACKAGED",
    "Cell",
    "Chip",
    "Excerpt",
    "ExportContext",
    "Group",
    "Matrix",
    "MatrixRow",
    "environment",
    "md_escape",
    "render_export",
]
