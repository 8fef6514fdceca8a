"""The coding log: every change a coder makes, grouped into changes; and undo.

Each entry says who acted (``coder_id``), what they did (``action``, one of
``models.LOG_ACTIONS``), and where: ``data`` always holds the keys of :data:`PLACE`
(null where a change has no such thing, as a memo on a code has no span) plus what
undoing it needs. The entries written inside :func:`one_change` share a ``change_id``:
a merge that recodes forty codings, an accept of five suggestions, a settled item with
the consensus codings it added are each one change, and :func:`take_back` (``qualcode
undo``) takes the latest change of a coder back whole, whatever its kind.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from .db import insert_new
from .errors import QualcodeError
from .models import (
    CODING_IDENTITY,
    Code,
    Coder,
    Coding,
    CodingLog,
    Document,
    Memo,
    Segment,
    Suggestion,
    utcnow,
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
    """The id of the segment that holds [start, end), if one does."""
    return session.scalars(
        select(Segment.id).where(
            Segment.document_id == document.id, Segment.start <= start, Segment.end >= end
        )
    ).first()


def insert_coding(session: Session, values: dict[str, Any]) -> bool:
    """Store a coding unless the same one (``CODING_IDENTITY``) is there; True if stored.
    The coding's anchor (quote, context, revision) is taken from its document's text."""
    if values.get("quote") is None:
        document = session.get_one(Document, values["document_id"])
        anchor = anchor_of(document.text, values["start"], values["end"])
        values = {
            **values, "quote": anchor.quote, "prefix": anchor.prefix, "suffix": anchor.suffix,
            "revision": document.revision,
        }  # fmt: skip
    return insert_new(session, Coding.__table__, values, CODING_IDENTITY)


def take_back(session: Session, coder: Coder) -> str:
    """Undo ``coder``'s latest change not undone yet, all its entries; say what was undone."""
    done = undone_entries(session)
    mine = session.scalars(
        select(CodingLog)
        .where(CodingLog.coder_id == coder.id, CodingLog.action.not_in(("undo", "move")))
        .order_by(CodingLog.id.desc())
    )
    latest = next((entry for entry in mine if entry.id not in done), None)
    if latest is None:
        raise QualcodeError(f"{coder.name} has no change left to undo")
    group = [latest]
    if latest.change_id is not None:
        together = session.scalars(
            select(CodingLog)
            .where(CodingLog.change_id == latest.change_id, CodingLog.action != "undo")
            .order_by(CodingLog.id.desc())
        )
        group = [entry for entry in together if entry.id not in done]
    said = []
    with one_change(session):
        for entry in group:
            revert = _REVERT.get(entry.action)
            if revert is None:
                raise QualcodeError(f"a change of kind {entry.action!r} cannot be undone")
            said.append(revert(session, entry))
            session.flush()
            log_change(
                session, coder, "undo", None,
                **{**entry.data, "undoes": entry.id, "undone_action": entry.action},
            )  # fmt: skip
    if len(group) == 1:
        return f"undid {_describe(session, latest)}: {said[0]}"
    counts = Counter(entry.action for entry in group)
    kinds = ", ".join(f"{count} {action}" for action, count in counts.items())
    return f"undid one change of {len(group)} entries ({kinds}): {_describe(session, latest)}"


def _describe(session: Session, entry: CodingLog) -> str:
    """``add of 'Trust' at 120-188``: the action, its code and its span, where it has them."""
    data, words = entry.data, [entry.action]
    code = session.get(Code, uuid.UUID(data["code_id"])) if data.get("code_id") else None
    if code is not None:
        words.append(f"of {code.name!r}")
    elif data.get("target_type"):
        words.append(f"on a {data['target_type']}")
    if data.get("start") is not None:
        words.append(f"at {data['start']}-{data['end']}")
    return " ".join(words)


def _undo_add(session: Session, entry: CodingLog) -> str:
    coding = session.get(Coding, entry.coding_id) if entry.coding_id else None
    if coding is None:
        return "the coding it added is gone already"
    session.delete(coding)
    return "removed the coding it added"


def _undo_remove(session: Session, entry: CodingLog) -> str:
    data = entry.data
    document = session.get_one(Document, uuid.UUID(data["document_id"]))
    created = data.get("created_at")
    start, end = data["start"], data["end"]
    if data.get("revision") not in (None, document.revision):  # removed before a correction
        from .revisions.store import follow

        place = follow(session, document, data["revision"], start, end)
        if place is None:
            return _undo_into_review(session, entry, document)
        start, end = place
    restored = insert_coding(
        session,
        {
            "id": entry.coding_id or uuid.uuid4(),
            "document_id": document.id,
            "start": start,
            "end": end,
            "segment_id": containing_segment(session, document, start, end),
            "code_id": uuid.UUID(data["code_id"]),
            "coder_id": uuid.UUID(data["coder_id"]),
            "origin": data.get("origin") or "manual",
            "memo": data.get("memo"),
            "created_at": datetime.fromisoformat(created) if created else utcnow(),
        },
    )
    return "put back the coding it removed" if restored else "the same coding is there again"


def _undo_into_review(session: Session, entry: CodingLog, document: Document) -> str:
    """A removed coding whose words a later revision changed goes back to the review list."""
    from .revisions.store import park_data

    park_data(session, document, entry.coding_id or uuid.uuid4(), entry.data)
    return "its words changed in a later revision, so it waits in the review list (qualcode review)"


def twin_of(session: Session, coding: Coding, code_id: uuid.UUID) -> Coding | None:
    """The coding of ``code_id`` on the same place by the same coder, if there is one."""
    return session.scalars(
        select(Coding).where(
            Coding.document_id == coding.document_id, Coding.start == coding.start,
            Coding.end == coding.end, Coding.coder_id == coding.coder_id,
            Coding.code_id == code_id, Coding.id != coding.id,
        )
    ).first()  # fmt: skip


def _undo_recode(session: Session, entry: CodingLog) -> str:
    coding = session.get(Coding, entry.coding_id) if entry.coding_id else None
    if coding is None:
        return "the coding is gone"
    previous = uuid.UUID(entry.data["previous_code_id"])
    if twin_of(session, coding, previous) is not None:
        session.delete(coding)  # the previous code is there again: keep one coding
        return "its previous code is there again, so the recoded one was removed"
    coding.code_id = previous
    return "gave the coding its previous code back"


def _undo_memo(session: Session, entry: CodingLog) -> str:
    coding = session.get(Coding, entry.coding_id) if entry.coding_id else None
    if coding is None:
        return "the coding is gone"
    coding.memo = entry.data.get("previous_memo")
    return "gave the coding its previous memo back"


def _undo_note(session: Session, entry: CodingLog) -> str:
    memo = session.get(Memo, uuid.UUID(entry.data["memo_id"]))
    if memo is None:
        return "the memo is gone already"
    session.delete(memo)
    return "removed the memo"


def _undo_decision(session: Session, entry: CodingLog) -> str:
    row = session.get(Suggestion, entry.data["suggestion_id"])
    if row is None:
        return "the suggestion is gone"
    before = entry.data["previous"]
    row.status = before["status"]
    row.decided_by_id = uuid.UUID(before["decided_by_id"]) if before["decided_by_id"] else None
    row.decided_at = datetime.fromisoformat(before["decided_at"]) if before["decided_at"] else None
    row.coding_id = uuid.UUID(before["coding_id"]) if before["coding_id"] else None
    return f"the suggestion is {row.status} again"


def _undo_settle(_session: Session, _entry: CodingLog) -> str:
    return "the item is pending again"


def _undo_reopen(_session: Session, _entry: CodingLog) -> str:
    return "the item is settled again"


def _undo_codebook(session: Session, entry: CodingLog) -> str:
    from .codebook_edit import undo_codebook  # it imports this module

    return undo_codebook(session, entry)


_REVERT: dict[str, Callable[[Session, CodingLog], str]] = {
    "add": _undo_add,
    "remove": _undo_remove,
    "recode": _undo_recode,
    "memo": _undo_memo,
    "note": _undo_note,
    "accept": _undo_decision,
    "reject": _undo_decision,
    "settle": _undo_settle,
    "reopen": _undo_reopen,
    "codebook": _undo_codebook,
}


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
