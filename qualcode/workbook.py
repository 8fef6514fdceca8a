"""A table as a worksheet someone can read at once: bold frozen header row, filters on
every column, widths that suit the columns, long text wrapped, and text a spreadsheet
would take for a formula kept as text (:mod:`qualcode.formulas`).

Written through openpyxl, for tables of codings (thousands of rows); the excerpts export
writes its own SpreadsheetML for speed (``qualcode.export.xlsx``).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from .formulas import formula_like

NARROWEST, WIDEST, WRAPPED = 8, 40, 60  # column widths, in characters


def write_sheet(frame: pd.DataFrame, path: Path, *, title: str, wrap: Collection[str] = ()) -> None:
    """Write ``frame`` as the one sheet ``title`` of the workbook ``path``.

    :param wrap: columns of long text (quotes, memos): wide, with wrapped lines.
    """
    write_sheets({title: frame}, path, wrap=wrap)


def write_sheets(
    frames: Mapping[str, pd.DataFrame], path: Path, *, wrap: Collection[str] = ()
) -> None:
    """Write each frame as a sheet of the workbook ``path``, titled by its key (at most 31
    characters, as spreadsheets allow), in order."""
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    for title, frame in frames.items():
        _fill(book.create_sheet(title[:31]), frame, wrap)
    book.save(path)


def _fill(sheet: Any, frame: pd.DataFrame, wrap: Collection[str]) -> None:
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    columns = [str(c) for c in frame.columns]
    sheet.append(columns)
    for row in frame.itertuples(index=False):
        sheet.append([_plain(v) for v in row])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in sheet.iter_rows(min_row=1):
        for cell in row:  # openpyxl reads "=…" as a formula and "#N/A" as an error
            if isinstance(cell.value, str) and cell.data_type != "s":
                cell.data_type = "s"
            if formula_like(cell.value):
                cell.quotePrefix = True
    top = Alignment(vertical="top")
    wrapped = Alignment(vertical="top", wrap_text=True)
    for index, name in enumerate(columns, 1):
        letter = get_column_letter(index)
        values = frame.iloc[:, index - 1].tolist()
        sheet.column_dimensions[letter].width = _width(name, values, name in wrap)
        for (cell,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
            cell.alignment = wrapped if name in wrap else top
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions


def _plain(value: Any) -> Any:
    """A cell value openpyxl takes: missing values empty, numpy numbers as Python's."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and value != value:
        return None
    return value.item() if hasattr(value, "item") else value


def _width(name: str, values: list[Any], wrap: bool) -> int:
    """Characters: as wide as the header (and its filter button) and most values."""
    if wrap:
        return WRAPPED
    longest = sorted(len(str(v)) for v in map(_plain, values) if v is not None)
    usual = longest[int(len(longest) * 0.9)] if longest else 0  # a few long ones may wrap
    return max(NARROWEST, min(WIDEST, max(len(name) + 2, usual) + 2))
