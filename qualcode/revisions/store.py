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
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..changes import log_change
from ..importing import content_hash, word_count
from ..models import Coding, CodingReview, Document, DocumentRevision, utcnow
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
    caller's to rebuild (then :func:`~qualcode.importing.realign_codings`)."""
    old = document.text
    restore = restore or {}
    codings = list(session.scalars(select(Coding).where(Coding.document_id == document.id)))
    superseded = current_revision(session, document)
    superseded.placements = {str(c.id): [c.start, c.end] for c in codings}
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
    placements = place_all(old, text, anchors)
    taken: set[tuple[Any, ...]] = set()
    kept: list[Coding] = []
    for coding, anchor, placement in zip(codings, anchors, placements, strict=True):
        if str(coding.id) in restore:
            placement = Placement("exact", *restore[str(coding.id)])
        identity = (placement.start, placement.end, coding.code_id, coding.coder_id)
        if placement.status == "review" or identity in taken:
            _park(session, coding, anchor, document.revision, placement)
            result.review += 1
            continue
        taken.add(identity)
        kept.append(coding)
        _move(session, coding, placement, reason or f"revision {number}")
        if str(coding.id) in restore:
            result.restored += 1
        elif placement.status == "reanchored":
            result.reanchored += 1
        else:
            result.exact += 1
    session.flush()
    result.restored += _carry_reviews(session, document, text, restore, taken)
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
    for coding in kept:
        set_anchor(coding, text, number)
    session.flush()
    return result


def _move(session: Session, coding: Coding, placement: Placement, reason: str) -> None:
    assert placement.start is not None and placement.end is not None
    if placement.status == "reanchored":
        coding.anchor = "reanchored"
    if (placement.start, placement.end) != (coding.start, coding.end):
        before = [coding.start, coding.end]
        coding.start, coding.end = placement.start, placement.end
        moved = {"from": before, "to": [coding.start, coding.end]}
        log_change(session, None, "move", coding, **moved, reason=reason)
    coding.segment_id = None


def _park(
    session: Session, coding: Coding, anchor: Anchor, revision: int, placement: Placement
) -> None:
    """Move a coding to the review list, whole; what points at it by id stays valid."""
    session.add(
        CodingReview(
            id=coding.id, document_id=coding.document_id, start=coding.start, end=coding.end,
            code_id=coding.code_id, coder_id=coding.coder_id, origin=coding.origin,
            created_at=coding.created_at, memo=coding.memo, quote=anchor.quote,
            prefix=anchor.prefix, suffix=anchor.suffix, revision=revision,
            candidates=placement.candidates,
        )
    )  # fmt: skip
    log_change(
        session, None, "move", coding, **{"from": [coding.start, coding.end], "to": None},
        reason="sent to review: its words could not be placed with confidence",
    )  # fmt: skip
    session.delete(coding)


def _carry_reviews(
    session: Session,
    document: Document,
    text: str,
    restore: dict[str, Any],
    taken: set[tuple[Any, ...]],
) -> int:
    """Codings waiting for review: put back those a revert restores, and find each of the
    others' best candidates in the new text. Returns how many were put back."""
    waiting = list(
        session.scalars(select(CodingReview).where(CodingReview.document_id == document.id))
    )
    back = 0
    by_revision: dict[int, list[CodingReview]] = {}
    for row in waiting:
        place = restore.get(str(row.id))
        identity = (*(place or (None, None)), row.code_id, row.coder_id)
        if place is not None and identity not in taken:
            taken.add(identity)
            place_from_review(session, row, place[0], place[1], text, None, "revision restored")
            back += 1
        else:
            by_revision.setdefault(row.revision, []).append(row)
    for number, rows in by_revision.items():
        old = revision_text(session, document, number)
        anchors = [Anchor(r.start, r.end, r.quote, r.prefix, r.suffix) for r in rows]
        for row, placement in zip(rows, place_all(old, text, anchors), strict=True):
            best = placement.candidates or (
                [{"start": placement.start, "end": placement.end, "score": placement.score}]
                if placement.start is not None
                else []
            )
            row.candidates = best
    return back


def place_from_review(
    session: Session,
    row: CodingReview,
    start: int,
    end: int,
    text: str,
    coder: Any,
    reason: str,
) -> Coding:
    """Put a coding waiting for review back on ``text[start:end]`` (same id)."""
    coding = Coding(
        id=row.id, document_id=row.document_id, start=start, end=end, code_id=row.code_id,
        coder_id=row.coder_id, origin=row.origin, created_at=row.created_at, memo=row.memo,
        anchor="reviewed" if coder is not None else None,
    )  # fmt: skip
    session.delete(row)
    session.flush()
    session.add(coding)
    log_change(
        session, coder, "move", coding, **{"from": None, "to": [start, end]}, reason=reason
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
