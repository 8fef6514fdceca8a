"""The counts of an export, made once: every format shows these numbers.

HTML, Markdown and DOCX show them as tables (themes, and codes, by an attribute), XLSX
as a sheet per attribute: all from :func:`count_table` on the same excerpts, with values
shown as the headings show them (capitalised, or ``--label``).
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from ..quotes import MISSING, CodeTree, code_matrix, label
from .context import Cell, Matrix, MatrixRow


def count_table(
    frame: pd.DataFrame, attribute: str, labels: Mapping[str, str] | None = None
) -> pd.DataFrame:
    """Excerpts per code (rows: theme, code) and shown value of ``attribute`` (columns).

    Values that show alike (two given one label) are counted together; columns are in
    the order of the headings, with excerpts that have no value last.
    """
    table = code_matrix(frame, attribute)
    shown = [c if c == MISSING else label(c, labels) for c in table.columns]
    table = table.T.groupby(shown, sort=False).sum().T
    order = sorted(table.columns, key=lambda v: (v == MISSING, v.casefold()))
    table = table[order]
    table.columns.name = attribute
    return table


def matrices(table: pd.DataFrame, tree: CodeTree) -> tuple[Matrix, Matrix]:
    """The counts per theme and per code, as templates show them (with heat shades)."""
    attribute = str(table.columns.name)
    title = attribute.replace("_", " ")
    columns = [str(c) for c in table.columns]
    colours = {n.path: n.colour for n in tree.nodes.values()}
    colours.update({n.name: n.colour for n in tree.nodes.values()})
    top = int(table.to_numpy().max()) or 1
    code_rows, seen = [], set()
    for (theme, code), counts in table.iterrows():
        code_rows.append(_row(code, theme, theme not in seen, colours.get(code, ""), counts, top))
        seen.add(theme)
    by_theme = table.groupby(level="theme", sort=False).sum()
    top_theme = int(by_theme.to_numpy().max()) or 1
    theme_colours = {t.name: t.colour for t in tree.themes}
    theme_rows = [
        _row(theme, "", True, theme_colours.get(theme, ""), counts, top_theme)
        for theme, counts in by_theme.iterrows()
    ]
    totals = [int(v) for v in table.sum(axis=0)]
    total = int(table.to_numpy().sum())
    return (
        Matrix(f"Themes by {title}", attribute, columns, theme_rows, totals, total),
        Matrix(f"Codes by {title}", attribute, columns, code_rows, totals, total),
    )


def _row(name: str, group: str, first: bool, colour: str, counts: pd.Series, top: int) -> MatrixRow:
    cells = [Cell(int(v), round(100 * int(v) / top)) for v in counts]
    return MatrixRow(name, group, first, colour, cells, sum(c.count for c in cells))
