"""How times, references and attribute values are shown, alike in every output."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

MISSING = "(none)"  # the heading and matrix column of excerpts without a value


def clock(seconds: float | None) -> str:
    """``93.0`` -> ``00:01:33``; nothing for an unknown time."""
    if seconds is None or seconds != seconds:
        return ""
    whole = int(seconds)
    return f"{whole // 3600:02d}:{whole % 3600 // 60:02d}:{whole % 60:02d}"


def reference(
    document: str, speaker: str | None, time: float | None, segment: int | None, start: int,
    end: int, page: str | None = None,
) -> str:  # fmt: skip
    """Where an excerpt comes from: ``area-1.md, Maureen, 00:01:10``, ``review.pdf, p. 12``
    for a PDF, or a segment number."""
    where = f"p. {page}" if page else clock(time)
    where = where or (f"segment {segment}" if segment else f"characters {start}–{end}")
    return f"{document}, {speaker}, {where}" if speaker else f"{document}, {where}"


def label(value: Any, labels: Mapping[str, str] | None = None) -> str:
    """How an attribute value is shown: ``local authority`` -> ``Local authority``."""
    if value is None or value == "":
        return ""
    text = str(value)
    if labels and text in labels:
        return labels[text]
    return text[:1].upper() + text[1:]
