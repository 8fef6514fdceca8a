"""Text a spreadsheet would run as a formula, made inert: the one rule every writer of
CSV and XLSX files follows (CSV or formula injection, CWE-1236).

Excel, LibreOffice and Google Sheets take a cell whose text begins with ``=``, ``+``,
``-`` or ``@`` (or a tab or carriage return before one) for a formula, so a transcript
line such as ``=HYPERLINK("http://…")`` would become a live link, or worse, in the
codings or quotes a researcher opens. As OWASP advises:

- in CSV such text starts with an apostrophe (``'=HYPERLINK…``), which spreadsheets show
  as text; text that already starts with apostrophes and then one of those characters
  gets one more, so :func:`restore` gives back exactly what was written;
- in XLSX it is a string cell with the *quote prefix* flag, Excel's own record of a
  leading apostrophe: the cell shows the text as it is and stays text when edited.

Reading a CSV of ours back (``qualcode codings import``) goes through :func:`restore`.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_RISKY = re.compile(r"'*[=+\-@\t\r]")  # a trigger, after any apostrophes
_ESCAPED = re.compile(r"'+[=+\-@\t\r]")


def formula_like(value: Any) -> bool:
    """Would a spreadsheet read this value as a formula?"""
    return isinstance(value, str) and value.startswith(TRIGGERS)


def csv_text(value: Any) -> Any:
    """A value as a CSV cell may hold it: risky text behind an apostrophe."""
    if isinstance(value, str) and _RISKY.match(value):
        return "'" + value
    return value


def csv_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with every risky text cell behind an apostrophe (column names too)."""
    import pandas as pd

    safe = frame.rename(columns=csv_text)
    for name in safe.columns:
        if not (safe[name].dtype == object or isinstance(safe[name].dtype, pd.StringDtype)):
            continue
        values = safe[name].tolist()
        if any(isinstance(v, str) and _RISKY.match(v) for v in values):
            safe[name] = [csv_text(v) for v in values]
    return safe


def restore(text: str) -> str:
    """What :func:`csv_text` was given, from what it wrote."""
    return text[1:] if _ESCAPED.match(text) else text
