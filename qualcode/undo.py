"""Undo: a coder's latest change taken back whole (every entry of it), whatever its
kind; each kind of log entry has its own way back in :data:`_REVERT`.

It sits above the coding log (:mod:`qualcode.changes`), the codebook editor and
revisions, since undoing reaches into each of them.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from .changes import (
    coding_data,
    containing_segment,
    insert_coding,
    log_change,
    one_change,
    twin_of,
    undone_entries,
)
from .codebook_edit import undo_codebook
from .coding import get_coder
from .errors import QualcodeError
from .models import Code, Coder, Coding, CodingLog, Document, Memo, Suggestion, utcnow
from .revisions.store import follow, park_data


def undo_last(session: Session, coder: str | Coder) -> str:
    """Undo ``coder``'s latest change not undone yet, whatever its kind (a coding added,
    removed or recoded, a memo, a decision on a suggestion, a settled item, a codebook
    change); say what."""
    return take_back(session, get_coder(session, coder))


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
    elif data.get("file"):  # a .qdpx import
        words.append(f"from {data['file']}")
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
    park_data(session, document, entry.coding_id or uuid.uuid4(), entry.data)
    return "its words changed in a later revision, so it waits in the review list (qualcode review)"


def _undo_place(session: Session, entry: CodingLog) -> str:
    """A coding a coder re-placed from the review list waits there again, as it waited
    (its candidates found anew in the current text)."""
    coding = session.get(Coding, entry.coding_id) if entry.coding_id else None
    if coding is None:
        return "the coding is gone"
    document = session.get_one(Document, coding.document_id)
    data = coding_data(coding) | entry.data["review"]
    session.delete(coding)
    session.flush()
    park_data(session, document, coding.id, data)
    return "it waits in the review list again (qualcode review)"


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
    if "previous_text" in entry.data:  # an edit: its words go back
        memo.text = entry.data["previous_text"]
        return "gave the memo its previous words back"
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
    return undo_codebook(session, entry)


def _undo_import(session: Session, entry: CodingLog) -> str:
    """The codings a ``.qdpx`` import brought for one coder (their ids in the entry) removed."""
    ids = [uuid.UUID(key) for key in entry.data.get("coding_ids", [])]
    table = Coding.__table__
    gone = sum(
        session.execute(table.delete().where(table.c.id.in_(ids[at : at + 500]))).rowcount
        for at in range(0, len(ids), 500)
    )
    return f"removed {gone} of the {len(ids)} codings it imported"


_REVERT: dict[str, Callable[[Session, CodingLog], str]] = {
    "add": _undo_add,
    "remove": _undo_remove,
    "recode": _undo_recode,
    "place": _undo_place,
    "memo": _undo_memo,
    "note": _undo_note,
    "accept": _undo_decision,
    "reject": _undo_decision,
    "settle": _undo_settle,
    "reopen": _undo_reopen,
    "codebook": _undo_codebook,
    "import": _undo_import,
}
