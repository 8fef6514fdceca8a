"""Excerpts as a table, for CSV and spreadsheets."""

from __future__ import annotations

from pathlib import Path

import pandas as pd


def flat(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with lists joined by ``; `` (for CSV and spreadsheets)."""
    table = frame.copy()
    table["codes"] = ["; ".join(codes) for codes in table["codes"]]
    return table


def write_csv(frame: pd.DataFrame, path: Path) -> None:
    flat(frame).to_csv(path, index=False, encoding="utf-8")
