"""Codings from JSON (``qualcode codings import codings.json``), as scripts and other tools
write them: a list of records, or ``{"codings": [...]}``, one record per coding::

    [{"document": "area-3.md", "code": "speaking_the_language", "coder": "ana",
      "start": 120, "end": 188},
     {"document": "area-3.md", "code": "Trust", "quote": "we ring the Big Local",
      "before": "for that ward,", "memo": "..."}]

Keys are those of the codings sheet (any case; ``text`` for ``quote``, ``tag`` for ``code``
and the other names ``codings import`` takes), plus ``before``/``after`` or ``context``:
text around a quote that stands more than once in the document. A record that is not an
object, or lacks a document or a code or a place, becomes a problem of its record;
every problem of the file is reported at once (see :func:`qualcode.sheets.import_codings`).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..files import read_bytes

CONTEXT_KEYS = {
    "before": ("before", "prefix", "context before", "context_before"),
    "after": ("after", "suffix", "context after", "context_after"),
    "context": ("context", "surrounding"),
}
PROBLEM = "_problem"  # a record that cannot be a coding says why under this key

# The columns of a coding, and the names other tools give them (case and spaces aside).
ALIASES = {
    "document": ("document", "doc", "file", "source", "document name"),
    "code": ("code", "tag", "codes", "code name"),
    "coder": ("coder", "user", "author", "owner"),
    "start": ("start", "begin", "from"),
    "end": ("end", "stop", "to"),
    "segment": ("segment", "segment ordinal", "ordinal"),
    "quote": ("quote", "text", "content", "highlight", "excerpt"),
    "memo": ("memo", "note", "comment"),
}


def json_records(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    """(record number, field -> text) for each record of a codings JSON file."""
    try:
        data = json.loads(read_bytes(path).decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise InputError(path, "not UTF-8 text", hint="Save the JSON file as UTF-8") from None
    except json.JSONDecodeError as error:
        raise InputError(path, f"not valid JSON ({error.msg})", line=error.lineno) from None
    if isinstance(data, dict) and isinstance(data.get("codings"), list):
        data = data["codings"]
    if not isinstance(data, list):
        raise InputError(
            path, 'expected a list of codings, or {"codings": [...]}', hint="See the README"
        )
    names = {**ALIASES, **CONTEXT_KEYS}
    for number, record in enumerate(data, start=1):
        if not isinstance(record, dict):
            yield number, {PROBLEM: f"is {type(record).__name__}, not an object"}
            continue
        lowered = {str(k).strip().casefold(): v for k, v in record.items()}
        values: dict[str, str] = {}
        for field, aliases in names.items():
            found = next((lowered[a] for a in aliases if a in lowered), None)
            if found is not None:
                values[field] = _text(found)
        values.setdefault("quote", "")
        missing = [k for k in ("document", "code") if not values.get(k)]
        placed = values.get("start") or values.get("segment") or values.get("quote")
        if missing or not placed:
            what = ", ".join(missing) if missing else "start and end, segment, or quote"
            values[PROBLEM] = f"has no {what}"
        yield number, values


def _text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return value.strip() if isinstance(value, str) else str(value)


def by_context(
    text: str, places: list[tuple[int, int]], values: dict[str, str]
) -> list[tuple[int, int]]:
    """The places of a quote whose surroundings match the record's ``before``, ``after``
    or ``context`` (white space aside); all of them when it gives none."""

    def squeeze(part: str) -> str:
        return " ".join(part.split())

    before, after, context = (squeeze(values.get(k, "")) for k in ("before", "after", "context"))
    if not (before or after or context):
        return places
    reach = max(len(before), len(after), len(context)) * 2 + 20
    kept = []
    for start, end in places:
        left, right = squeeze(text[max(0, start - reach) : start]), squeeze(text[end : end + reach])
        around = squeeze(text[max(0, start - reach) : end + reach])
        if before and not left.endswith(before):
            continue
        if after and not right.startswith(after):
            continue
        if context and context not in around:
            continue
        kept.append((start, end))
    return kept
