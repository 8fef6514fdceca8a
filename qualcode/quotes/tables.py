"""Counts made of an excerpts frame: codes by an attribute, and codes by codes."""

from __future__ import annotations

from collections import Counter

import pandas as pd

from ..errors import NotFound
from .shown import MISSING


def code_matrix(frame: pd.DataFrame, attribute: str = "agency_type") -> pd.DataFrame:
    """Excerpts per code (rows: theme, code, in the frame's order) and value of ``attribute``.

    >>> code_matrix(quotes(project), "agency_type")
    """
    if attribute not in frame.columns:
        raise NotFound(f"no column {attribute!r} in the excerpts; columns: "
                       f"{', '.join(frame.columns)}")  # fmt: skip
    values = frame[attribute].where(frame[attribute].notna(), MISSING).astype(str)
    table = pd.crosstab([frame["theme"], frame["code"]], values)
    rows = list(dict.fromkeys(zip(frame["theme"].tolist(), frame["code"].tolist(), strict=True)))
    order = sorted(table.columns, key=lambda v: (v == MISSING, v.casefold()))
    table = table.reindex(index=pd.MultiIndex.from_tuples(rows, names=["theme", "code"]),
                          columns=order, fill_value=0)  # fmt: skip
    table.columns.name = attribute
    return table


def cooccurrence(frame: pd.DataFrame) -> pd.DataFrame:
    """How many excerpts of each code (row) overlap a coding of each code (column).

    The diagonal is the number of excerpts of the code.
    """
    names = list(dict.fromkeys(frame["code"]))
    counts: Counter[tuple[str, str]] = Counter()
    for own, codes in zip(frame["code"].tolist(), frame["codes"].tolist(), strict=True):
        for other in set(codes) | {own}:
            counts[own, other] += 1
    table = pd.DataFrame(
        [[counts[(row, col)] for col in names] for row in names], index=names, columns=names
    )
    table.index.name = "code"
    return table
