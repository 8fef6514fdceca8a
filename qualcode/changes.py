"""The coding log: every change a coder makes, grouped into changes (undone by
:mod:`qualcode.undo`).

Each entry says who acted (``coder_id``), what they did (``action``, one of
``models.LOG_ACTIONS``), and where: ``data`` always holds the keys of :data:`PLACE`
(null where a change has no such thing, as a memo on a code has no span) plus what
undoing it needs. The entries written inside :func:`one_change` share a ``change_id``:
a merge that recodes forty codings, an accept of five suggestions, a settled item with
the consensus codings it added are each one change, which ``qualcode undo`` takes
back whole.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from .db import insert_new_row
from .models import (
    CODING_IDENTITY,
    Coder,
    Coding,
    CodingLog,
    Document,
    Segment,
    Suggestion,
)
from .revisions.anchor import anchor_of

PLACE = ("document_id", "start", "end", "code_id", "coder_id")
_CHANGE = "qualcode.change_id"  # key in Session.info while a change is being logged


@contextmanager
def one_change(session: Session) -> Iterator[uuid.UUID]:
    """Entries logged inside belong to one change (an outer one, if already open)."""
    current = session.info.get(_CHANGE)
    if current is not None:
        yield current
        return
    session.info[_CHANGE] = current = uuid.uuid4()
    try:
        yield current
    finally:
        del session.info[_CHANGE]


def coding_data(coding: Coding) -> dict[str, Any]:
    """A coding as plain JSON data: enough to recreate it exactly."""
    return {
        "document_id": str(coding.document_id),
        "start": coding.start,
        "end": coding.end,
        "code_id": str(coding.code_id),
        "coder_id": str(coding.coder_id),
        "origin": coding.origin,
        "memo": coding.memo,
        "created_at": coding.created_at.isoformat() if coding.created_at else None,
        "revision": coding.revision,
    }


def log_change(
    session: Session,
    coder: Coder | None,
    action: str,
    coding: Coding | None,
    *,
    target: uuid.UUID | None = None,
    **extra: Any,
) -> None:
    """Append one entry: the coding as it is now (if any), then ``extra``. An entry about
    something else than a coding may give a ``target`` id to find it by (as ``coding_id``)."""
    data = {name: None for name in PLACE} | (coding_data(coding) if coding else {}) | extra
    session.add(
        CodingLog(
            coder_id=coder.id if coder else None,
            action=action,
            coding_id=coding.id if coding else target,
            change_id=session.info.get(_CHANGE) or uuid.uuid4(),
            data=data,
        )
    )


def undone_entries(session: Session) -> set[int]:
    """The ids of log entries that an undo took back."""
    rows = session.scalars(select(CodingLog.data).where(CodingLog.action == "undo"))
    return {data["undoes"] for data in rows if data and "undoes" in data}


def containing_segment(session: Session, document: Document, start: int, end: int) -> int | None:
    """The id of the segment that holds [start, end), if one does: segments do not
    overlap, so only the one starting last at or before ``start`` can (an index lookup)."""
    found = session.execute(
        select(Segment.id, Segment.end)
        .where(Segment.document_id == document.id, Segment.start <= start)
        .order_by(Segment.start.desc())
        .limit(1)
    ).first()
    return found.id if found is not None and found.end >= end else None


def insert_coding(session: Session, values: dict[str, Any]) -> Coding | None:
    """Store a coding unless the same one (``CODING_IDENTITY``) is there: the coding
    stored, or None. The coding's anchor (quote, context, revision) is taken from its
    document's text."""
    if values.get("quote") is None:
        document = session.get_one(Document, values["document_id"])
        anchor = anchor_of(document.text, values["start"], values["end"])
        values = {
            **values, "quote": anchor.quote, "prefix": anchor.prefix, "suffix": anchor.suffix,
            "revision": document.revision,
        }  # fmt: skip
    return insert_new_row(session, Coding, values, CODING_IDENTITY)


def twin_of(session: Session, coding: Coding, code_id: uuid.UUID) -> Coding | None:
    """The coding of ``code_id`` on the same place by the same coder, if there is one."""
    return session.scalars(
        select(Coding).where(
            Coding.document_id == coding.document_id, Coding.start == coding.start,
            Coding.end == coding.end, Coding.coder_id == coding.coder_id,
            Coding.code_id == code_id, Coding.id != coding.id,
        )
    ).first()  # fmt: skip


def decision_state(row: Suggestion) -> dict[str, Any]:
    """What a suggestion's decision was, as JSON, so that undo can give it back."""
    return {
        "status": row.status,
        "decided_by_id": str(row.decided_by_id) if row.decided_by_id else None,
        "decided_at": row.decided_at.isoformat() if row.decided_at else None,
        "coding_id": str(row.coding_id) if row.coding_id else None,
    }


@dataclass(frozen=True)
class Place:
    """Where a log entry's change was: any part may be unknown (None)."""

    document_id: uuid.UUID | None
    code_id: uuid.UUID | None
    start: int | None
    end: int | None


def place_of(data: dict[str, Any] | None) -> Place:
    """The place in an entry's data, read leniently: entries of every kind and age (an old
    ``move`` had only ``from``/``to``) give what they have, and never an error."""
    data = data or {}

    def an_id(key: str) -> uuid.UUID | None:
        try:
            return uuid.UUID(str(data[key])) if data.get(key) else None
        except ValueError:
            return None

    span = data.get("to") if data.get("start") is None else [data.get("start"), data.get("end")]
    start, end = (list(span) + [None, None])[:2] if isinstance(span, list) else (None, None)
    if not (isinstance(start, int) and isinstance(end, int)):
        start = end = None
    return Place(an_id("document_id"), an_id("code_id"), start, end)
