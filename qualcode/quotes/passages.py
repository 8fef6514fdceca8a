"""Codings of one code in one document that overlap or touch, as one passage.

Two coders who give a paragraph the same code, or one coder who codes it sentence by
sentence, make several codings of one passage; a reader wants it once, with everyone who
coded it. Codings *touch* when only white space lies between them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Hashable, Iterable, Mapping
from typing import Any, Protocol, TypeVar

_SPACE = re.compile(r"\s*")


class Span(Protocol):
    """What merging needs of a coding."""

    doc_id: Any
    code_raw: Any
    coder: str
    start: int
    end: int


T = TypeVar("T", bound=Span)


def passages(
    codings: Iterable[T],
    texts: Mapping[Any, str],
    *,
    keep_coders_apart: bool = False,
    order: Callable[[list[T]], Hashable] | None = None,
) -> list[list[T]]:
    """The codings grouped into passages: each group overlaps or touches, one code, one
    document (and one coder if ``keep_coders_apart``), in order of start.

    ``order`` sorts the passages (by default they come in order of their first coding).
    """
    buckets: dict[tuple[Any, ...], list[T]] = {}
    for coding in codings:
        key = (coding.code_raw, coding.doc_id, coding.coder if keep_coders_apart else None)
        buckets.setdefault(key, []).append(coding)
    found: list[list[T]] = []
    for (_, doc_id, _), members in buckets.items():
        text = texts[doc_id]
        members.sort(key=lambda c: (c.start, c.end))
        current, reach = [members[0]], members[0].end
        for coding in members[1:]:
            if coding.start <= reach or _SPACE.fullmatch(text, reach, coding.start):
                current.append(coding)
                reach = max(reach, coding.end)
            else:
                found.append(current)
                current, reach = [coding], coding.end
        found.append(current)
    if order is not None:
        found.sort(key=order)
    return found
