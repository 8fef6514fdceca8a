"""Excerpts as a table, as CSV files and spreadsheets show them."""

from __future__ import annotations

from pathlib import Path
from typing import TextIO

import pandas as pd

from ..formulas import csv_frame
from ..quotes import clock


def flat(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame as a table: lists joined by ``; ``, times as clock times (``00:09:03``)
    like the other formats show them."""
    table = frame.copy()
    table["codes"] = ["; ".join(codes) for codes in table["codes"]]
    table["time"] = [clock(t) or None for t in table["time"]]
    return table


def write_csv(frame: pd.DataFrame, out: Path | TextIO) -> None:
    """The table as CSV, text a spreadsheet would run as a formula made inert."""
    csv_frame(flat(frame)).to_csv(out, index=False, encoding="utf-8")
