"""A new revision of a document, with every coding carried over or kept for review.

:func:`new_revision` is the one way a document's text changes (``import --replace``,
``qualcode edit``, a turn corrected in the browser, ``qualcode revert``). Nothing is
deleted: a coding that cannot be placed with confidence moves to ``coding_reviews``
with its quote, context and best candidates; the superseded revision keeps the place
of every coding on it, so a revert puts them back exactly.
"""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, func, insert, select
from sqlalchemy.orm import Session

from ..changes import PLACE, coding_data, log_change
from ..models import (
    Coder,
    Coding,
    CodingLog,
    CodingReview,
    Document,
    DocumentRevision,
    content_hash,
    utcnow,
    word_count,
)
from .align import TextMap
from .anchor import Anchor, Placement, anchor_of, place_all


@dataclass
class RevisionResult:
    """What a revision did to a document's codings."""

    document: str
    number: int
    exact: int = 0
    reanchored: int = 0
    review: int = 0
    restored: int = 0
    mapping: TextMap | None = field(default=None, repr=False)  # old text -> new text

    def describe(self) -> str:
        kept = self.exact + self.reanchored + self.restored
        return (
            f"revision {self.number}; {kept} coding(s) kept ({self.reanchored} re-anchored), "
            f"{self.review} sent to review (qualcode review)"
        )


def current_revision(session: Session, document: Document) -> DocumentRevision:
    """The row of the document's current text (made if a writer left none)."""
    row = session.scalars(
        select(DocumentRevision).where(
            DocumentRevision.document_id == document.id,
            DocumentRevision.number == document.revision,
        )
    ).one_or_none()
    if row is None:
        row = DocumentRevision(
            document_id=document.id, number=document.revision, text=document.text,
            content_hash=document.content_hash, created_at=document.imported_at,
            reason="imported",
        )  # fmt: skip
        session.add(row)
    return row


def revision_text(session: Session, document: Document, number: int) -> str:
    if number == document.revision:
        return document.text
    text = session.scalar(
        select(DocumentRevision.text).where(
            DocumentRevision.document_id == document.id, DocumentRevision.number == number
        )
    )
    if text is None:
        raise LookupError(f"{document.name} has no revision {number}")
    return text


def set_anchor(coding: Coding, text: str, revision: int) -> None:
    """Store the coding's quote and context as they are in ``text`` (revision ``revision``)."""
    anchor = anchor_of(text, coding.start, coding.end)
    coding.quote, coding.prefix, coding.suffix = anchor.quote, anchor.prefix, anchor.suffix
    coding.revision = revision


def new_revision(
    session: Session,
    document: Document,
    text: str,
    *,
    author: str | None = None,
    reason: str = "",
    restore: dict[str, Any] | None = None,
) -> RevisionResult:
    """Make ``text`` the document's current text as a new revision and carry every coding,
    and every coding waiting for review, over to it. ``restore`` (coding id -> ``[start,
    end]`` in ``text``) puts those codings exactly there: a revert. Segments are the
    caller's to rebuild (then :func:`~qualcode.importing.realign_codings`).

    Rows are read and written in bulk (thousands of codings per document are common), and
    every coding that moved or went to review gets a ``move`` entry in the coding log,
    all of them one change."""
    old = document.text
    restore = restore or {}
    session.flush()
    codings = session.execute(
        select(Coding.__table__).where(Coding.document_id == document.id)
    ).all()
    superseded = current_revision(session, document)
    superseded.placements = {str(c.id): [c.start, c.end, c.anchor] for c in codings}
    number = 1 + (
        session.scalar(
            select(func.max(DocumentRevision.number)).where(
                DocumentRevision.document_id == document.id
            )
        )
        or 0
    )
    result = RevisionResult(document.name, number)
    anchors = [anchor_of(old, c.start, c.end) for c in codings]
    result.mapping = mapping = TextMap(old, text)
    placements = place_all(old, text, anchors, mapping)
    taken: set[tuple[Any, ...]] = set()
    updates: list[dict[str, Any]] = []
    parked: list[dict[str, Any]] = []
    # The moves are the author's doing, when the author is one of the project's coders.
    author_id = session.scalar(select(Coder.id).where(Coder.name == author)) if author else None
    log = _Log(reason or f"revision {number}", number, author_id)
    for coding, anchor, placement in zip(codings, anchors, placements, strict=True):
        restored = restore.get(str(coding.id))
        if restored is not None:
            placement = Placement("exact", restored[0], restored[1])
        identity = (placement.start, placement.end, coding.code_id, coding.coder_id)
        if placement.status == "review" or identity in taken:
            parked.append(_parked(coding, anchor, document.revision, placement))
            log.add(coding, None)
            result.review += 1
            continue
        taken.add(identity)
        start, end = placement.start, placement.end
        assert start is not None and end is not None
        new_anchor = anchor_of(text, start, end)
        updates.append(
            {
                "coding": coding.id, "start": start, "end": end, "segment_id": None,
                "quote": new_anchor.quote, "prefix": new_anchor.prefix,
                "suffix": new_anchor.suffix, "revision": number,
                "anchor": "reanchored" if placement.status == "reanchored" else coding.anchor,
            }
        )  # fmt: skip
        if restored is not None:  # as it was on that revision
            updates[-1]["anchor"] = _restored_anchor(restored, coding.anchor)
        if (start, end) != (coding.start, coding.end):
            log.add(coding, [start, end])
        if restored is not None:
            result.restored += 1
        elif placement.status == "reanchored":
            result.reanchored += 1
        else:
            result.exact += 1
    if parked:
        session.execute(insert(CodingReview), parked)
        gone = [row["id"] for row in parked]
        session.execute(delete(Coding).where(Coding.id.in_(gone)))
    if updates:  # a Core executemany: no ORM bookkeeping for thousands of rows
        table = Coding.__table__
        values = {name: bindparam(name) for name in updates[0] if name != "coding"}
        # Out of each other's way first: one coding may move onto the place another of
        # the same code and coder leaves (text inserted before both), which the unique
        # index refuses while the other is still there. No place is negative.
        session.connection().execute(
            table.update()
            .where(table.c.document_id == document.id)
            .values(start=-table.c.start - 1)
        )
        session.connection().execute(
            table.update().where(table.c.id == bindparam("coding")).values(**values), updates
        )
    log.write(session)
    result.restored += _carry_reviews(session, document, restore, taken, mapping)
    session.add(
        DocumentRevision(
            document_id=document.id, number=number, text=text, content_hash=content_hash(text),
            author=author, reason=reason, created_at=utcnow(),
        )
    )  # fmt: skip
    document.text = text
    document.revision = number
    document.content_hash = content_hash(text)
    document.word_count = word_count(text)
    session.flush()
    session.expire_all()  # rows changed in bulk: no object in the session may show the old
    return result


class _Log:
    """The ``move`` entries of one revision, written at once as one change."""

    def __init__(self, reason: str, number: int, coder_id: uuid.UUID | None) -> None:
        self.reason = reason
        self.number = number
        self.coder_id = coder_id
        self.change_id = uuid.uuid4()
        self.rows: list[dict[str, Any]] = []

    def add(self, coding: Any, to: list[int] | None) -> None:
        reason = (
            self.reason
            if to is not None
            else "sent to review: its words could not be placed with confidence"
        )
        data = {name: None for name in PLACE} | coding_data(coding)
        data |= {"from": [coding.start, coding.end], "to": to, "reason": reason}
        if to is not None:  # the entry's place is where the coding is now, as log_change's
            data |= {"start": to[0], "end": to[1], "revision": self.number}
        self.rows.append(
            {"at": utcnow(), "coder_id": self.coder_id, "action": "move", "coding_id": coding.id,
             "change_id": self.change_id, "data": data}
        )  # fmt: skip

    def write(self, session: Session) -> None:
        if self.rows:  # a Core executemany, as for the codings: no ORM bookkeeping
            session.connection().execute(CodingLog.__table__.insert(), self.rows)


def _parked(coding: Any, anchor: Anchor, revision: int, placement: Placement) -> dict[str, Any]:
    """The review-list row of a coding: all of it, so it can come back whole."""
    return {
        "id": coding.id, "document_id": coding.document_id, "start": coding.start,
        "end": coding.end, "code_id": coding.code_id, "coder_id": coding.coder_id,
        "origin": coding.origin, "created_at": coding.created_at, "memo": coding.memo,
        "quote": anchor.quote, "prefix": anchor.prefix, "suffix": anchor.suffix,
        "revision": revision, "candidates": placement.candidates, "parked_at": utcnow(),
    }  # fmt: skip


def _carry_reviews(
    session: Session,
    document: Document,
    restore: dict[str, Any],
    taken: set[tuple[Any, ...]],
    mapping: TextMap,
) -> int:
    """Codings waiting for review: put back those a revert restores, and carry the
    candidates of those that waited already into the new text (``mapping``); those that
    just arrived have theirs. Returns how many were put back."""
    waiting = list(
        session.scalars(select(CodingReview).where(CodingReview.document_id == document.id))
    )
    back = 0
    others: list[CodingReview] = []
    for row in waiting:
        place = restore.get(str(row.id))
        identity = (*(place or (None, None)), row.code_id, row.coder_id)
        if place is not None and identity not in taken:
            taken.add(identity)
            coding = place_from_review(session, row, place[0], place[1], None, "revision restored")
            coding.anchor = _restored_anchor(place, None)
            back += 1
        else:
            others.append(row)
    for row in others:
        if row.revision < document.revision:  # waiting since an earlier revision
            row.candidates = [
                {**c, "start": mapping.start(c["start"]), "end": mapping.end(c["end"])}
                for c in row.candidates
            ]
    return back


def _restored_anchor(place: list[Any], now: str | None) -> str | None:
    """A restored coding's anchor mark as it was on the revision restored (``[start, end,
    anchor]``); revisions superseded before the mark was kept hold ``[start, end]``."""
    return place[2] if len(place) > 2 else now


def place_from_review(
    session: Session,
    row: CodingReview,
    start: int,
    end: int,
    coder: Any,
    reason: str,
) -> Coding:
    """Put a coding waiting for review back on ``[start, end)`` (same id). A coder's
    re-placement is logged as ``place`` (undo puts it back in the review list: the log
    keeps where it waited, on which revision); a revert's as a ``move``."""
    coding = Coding(
        id=row.id, document_id=row.document_id, start=start, end=end, code_id=row.code_id,
        coder_id=row.coder_id, origin=row.origin, created_at=row.created_at, memo=row.memo,
        anchor="reviewed" if coder is not None else None,
    )  # fmt: skip
    session.delete(row)
    session.flush()
    session.add(coding)
    waited = {"start": row.start, "end": row.end, "revision": row.revision}
    log_change(
        session, coder, "place" if coder is not None else "move", coding,
        **{"from": None, "to": [start, end], "review": waited}, reason=reason,
    )  # fmt: skip
    return coding


def anchor_counts(session: Session, document_ids: list[uuid.UUID] | None = None) -> Counter[str]:
    """How many codings are re-anchored, re-placed from review, or waiting for review."""
    query = select(Coding.anchor, func.count()).where(Coding.anchor.is_not(None))
    waiting = select(func.count()).select_from(CodingReview)
    if document_ids is not None:
        query = query.where(Coding.document_id.in_(document_ids))
        waiting = waiting.where(CodingReview.document_id.in_(document_ids))
    counts: Counter[str] = Counter(dict(session.execute(query.group_by(Coding.anchor)).all()))
    counts["review"] = session.scalar(waiting) or 0
    return counts


def follow(
    session: Session, document: Document, revision: int, start: int, end: int
) -> tuple[int, int] | None:
    """Where ``[start, end)`` of an earlier revision is in the current text, if it can be
    placed with confidence (what undo of a change made before a correction needs)."""
    old = revision_text(session, document, revision)
    placement = place_all(old, document.text, [anchor_of(old, start, end)])[0]
    if placement.status == "review" or placement.start is None or placement.end is None:
        return None
    return placement.start, placement.end


def park_data(
    session: Session, document: Document, coding_id: uuid.UUID, data: dict[str, Any]
) -> CodingReview:
    """Put a coding known from a log entry's data (on an earlier revision) in the review list."""
    revision = data["revision"]
    old = revision_text(session, document, revision)
    anchor = anchor_of(old, data["start"], data["end"])
    created = data.get("created_at")
    row = CodingReview(
        id=coding_id, document_id=document.id, start=anchor.start, end=anchor.end,
        code_id=uuid.UUID(data["code_id"]), coder_id=uuid.UUID(data["coder_id"]),
        origin=data.get("origin") or "manual",
        created_at=datetime.fromisoformat(created) if created else utcnow(),
        memo=data.get("memo"), quote=anchor.quote, prefix=anchor.prefix, suffix=anchor.suffix,
        revision=revision, candidates=place_all(old, document.text, [anchor])[0].candidates,
    )  # fmt: skip
    session.add(row)
    return row


def revision_note(session: Session, coders: list[str], document_ids: list[Any]) -> str | None:
    """For an agreement report: how many of these coders' codings in these documents a
    correction re-anchored (nobody checked them yet), and how many wait for review (and
    so are left out of the comparison). None when a correction touched none."""
    names = select(Coder.id).where(Coder.name.in_(coders))
    moved = session.scalar(
        select(func.count()).where(
            Coding.anchor == "reanchored", Coding.document_id.in_(document_ids),
            Coding.coder_id.in_(names),
        )
    ) or 0  # fmt: skip
    waiting = session.scalar(
        select(func.count()).where(
            CodingReview.document_id.in_(document_ids), CodingReview.coder_id.in_(names)
        )
    ) or 0  # fmt: skip
    if not moved and not waiting:
        return None
    return (
        f"Corrected transcripts: {moved} of the compared codings were re-anchored by a "
        f"correction and nobody has checked them yet; {waiting} wait for review (qualcode "
        "review) and are left out."
    )
