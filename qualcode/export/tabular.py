"""Excerpts as a table, as CSV files and spreadsheets show them."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..quotes import clock


def flat(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame as a table: lists joined by ``; ``, times as clock times (``00:09:03``)
    like the other formats show them."""
    table = frame.copy()
    table["codes"] = ["; ".join(codes) for codes in table["codes"]]
    table["time"] = [clock(t) or None for t in table["time"]]
    return table


def write_csv(frame: pd.DataFrame, path: Path) -> None:
    flat(frame).to_csv(path, index=False, encoding="utf-8")
