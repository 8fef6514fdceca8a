"""Suggestions in the database: store them, list them, accept or reject them.

Functions take a ``Session`` and never commit: one command is one transaction, so
accepting several suggestions codes all of them or none. A suggestion is made *for*
a coder (the one who asked); only they, or a lead, decide on it. Accepting codes the
segment as the deciding coder with origin ``suggestion``; rejecting keeps the row, so
the refusal is remembered, never suggested again, and teaches the next model.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..changes import decision_state, log_change, one_change
from ..coding import apply_coding, get_coder
from ..errors import NotFound, QualcodeError
from ..lookup import code_and_descendants, find_document
from ..models import Code, Coder, Coding, Document, Segment, Speaker, Suggestion
from ..project import Project
from ..texts import texts_of
from ..visibility import Who, viewer_for

SUGGESTION_COLUMNS = [
    "id", "document", "segment", "start", "end", "speaker", "code", "code_id", "score",
    "rank", "method", "status", "coder", "decided_by", "decided_at", "evidence", "text",
    "created_at",
]  # fmt: skip


@dataclass(frozen=True)
class Found:
    """One suggestion before it is stored."""

    segment_id: int
    code_id: str
    score: float
    method: str
    evidence: dict[str, Any]


@dataclass
class StoreReport:
    stored: int = 0
    updated: int = 0  # pending suggestions whose score and evidence were refreshed
    already_decided: int = 0  # accepted or rejected before: not suggested again


def store_suggestions(session: Session, coder: str | Coder, found: Iterable[Found]) -> StoreReport:
    """Add new suggestions for ``coder``; refresh their pending ones; never duplicate."""
    person = get_coder(session, coder)
    existing = {
        (row.segment_id, row.code_id): row
        for row in session.scalars(select(Suggestion).where(Suggestion.coder_id == person.id))
    }
    report = StoreReport()
    for item in found:
        key = (item.segment_id, uuid.UUID(item.code_id))
        row = existing.get(key)
        if row is None:
            row = Suggestion(
                segment_id=item.segment_id, code_id=key[1], coder_id=person.id,
                score=item.score, method=item.method, evidence=item.evidence, status="pending",
            )  # fmt: skip
            session.add(row)
            existing[key] = row
            report.stored += 1
        elif row.status == "pending":
            row.score, row.method, row.evidence = item.score, item.method, item.evidence
            report.updated += 1
        else:
            report.already_decided += 1
    session.flush()
    return report


def _decidable(session: Session, ids: Iterable[int], coder: Coder) -> list[Suggestion]:
    """The suggestions by id, checked to exist and to be ``coder``'s (or a lead's) to decide."""
    rows = []
    for suggestion_id in ids:
        row = session.get(Suggestion, int(suggestion_id))
        if row is None:
            raise NotFound(
                f"no suggestion {suggestion_id} in this project (see `qualcode suggestions`)"
            )
        if row.coder_id not in (None, coder.id) and coder.role != "lead":
            owner = session.get(Coder, row.coder_id)
            raise QualcodeError(
                f"suggestion {row.id} was made for {owner.name if owner else 'another coder'}: "
                f"only they or a lead decide on it, not {coder.name}"
            )
        rows.append(row)
    return rows


@dataclass(frozen=True)
class Accepted:
    """A suggestion accepted, its coding, and whether it was accepted now (``new``) or
    had been accepted before (then nothing changed)."""

    suggestion_id: int
    coding: Coding
    new: bool


def accept(session: Session, ids: Iterable[int], coder: str | Coder) -> list[Accepted]:
    """Code each suggested segment as ``coder`` (origin ``suggestion``); mark it accepted.

    A rejected suggestion may still be accepted (a change of mind); an accepted one whose
    coding is still there is left as it is (``new`` False). The lot is one change (one
    undo takes it back), and one failure (an unknown id, an exclusive theme) undoes it,
    since the caller's transaction rolls back.
    """
    person = get_coder(session, coder)
    done = []
    with one_change(session):
        for row in _decidable(session, ids, person):
            existing = session.get(Coding, row.coding_id) if row.coding_id else None
            if row.status == "accepted" and existing is not None:
                done.append(Accepted(row.id, existing, new=False))
                continue
            before = decision_state(row)
            segment = session.get_one(Segment, row.segment_id)
            document = session.get_one(Document, segment.document_id)
            code = session.get_one(Code, row.code_id)
            coding = apply_coding(
                session, document, segment.start, segment.end, code, person, origin="suggestion"
            )
            row.status, row.coding_id = "accepted", coding.id
            row.decided_by_id, row.decided_at = person.id, datetime.now(UTC)
            log_change(session, person, "accept", coding, suggestion_id=row.id, previous=before)
            done.append(Accepted(row.id, coding, new=True))
    session.flush()
    return done


def reject(session: Session, ids: Iterable[int], coder: str | Coder) -> int:
    """Mark suggestions rejected by ``coder``; how many changed (already rejected: none).
    The lot is one change, which one undo takes back."""
    person = get_coder(session, coder)
    changed = 0
    with one_change(session):
        for row in _decidable(session, ids, person):
            if row.status == "accepted":
                raise QualcodeError(
                    f"suggestion {row.id} is already accepted: remove its coding instead "
                    "(`qualcode uncode DOCUMENT SEGMENT CODE`)"
                )
            if row.status == "rejected":
                continue
            before = decision_state(row)
            row.status = "rejected"
            row.decided_by_id, row.decided_at = person.id, datetime.now(UTC)
            segment = session.get_one(Segment, row.segment_id)
            log_change(
                session, person, "reject", None, document_id=str(segment.document_id),
                start=segment.start, end=segment.end, code_id=str(row.code_id),
                coder_id=str(row.coder_id) if row.coder_id else None, suggestion_id=row.id,
                previous=before,
            )  # fmt: skip
            changed += 1
    session.flush()
    return changed


def suggestions(
    project: Project,
    *,
    viewer: Who = None,
    status: str | None = "pending",
    document: str | None = None,
    code: str | None = None,
) -> pd.DataFrame:
    """Suggestions, best first within each segment, in document order, with evidence.

    ``viewer`` is who asks: a coder sees the suggestions made for them while the round
    is blind; a lead, or anyone once it is open, sees all (see :mod:`qualcode.visibility`).
    ``status`` None means any.
    """
    with project.sessionmaker() as session:
        seen = viewer_for(session, viewer)
        decider = Coder.__table__.alias("decider")
        query = (
            select(
                Suggestion, Document.name, Document.id.label("doc_id"), Segment.ordinal,
                Segment.start, Segment.end, Speaker.label, Code.name.label("code"),
                Coder.name.label("coder"), decider.c.name.label("decided_by"),
            )
            .join(Segment, Suggestion.segment_id == Segment.id)
            .join(Document, Segment.document_id == Document.id)
            .join(Code, Suggestion.code_id == Code.id)
            .outerjoin(Speaker, Segment.speaker_id == Speaker.id)
            .outerjoin(Coder, Suggestion.coder_id == Coder.id)
            .outerjoin(decider, Suggestion.decided_by_id == decider.c.id)
            .order_by(Document.name, Segment.ordinal, Suggestion.score.desc(), Suggestion.id)
        )  # fmt: skip
        if status is not None:
            query = query.where(Suggestion.status == status)
        if document is not None:
            query = query.where(Document.id == find_document(session, document).id)
        if code is not None:
            query = query.where(Suggestion.code_id.in_(code_and_descendants(session, code)))
        query = query.where(seen.where(Suggestion.coder_id))
        rows = session.execute(query).all()
        texts = texts_of(session, (row.doc_id for row in rows))
    records, rank, last = [], 0, None
    for row in rows:
        found: Suggestion = row[0]
        rank = rank + 1 if last == (row.name, row.ordinal, row.coder) else 1
        last = (row.name, row.ordinal, row.coder)
        records.append(
            (
                found.id, row.name, row.ordinal, row.start, row.end, row.label, row.code,
                str(found.code_id), round(found.score, 4), rank, found.method, found.status,
                row.coder, row.decided_by, found.decided_at, found.evidence,
                texts[row.doc_id][row.start : row.end], found.created_at,
            )
        )  # fmt: skip
    return pd.DataFrame(records, columns=SUGGESTION_COLUMNS)
