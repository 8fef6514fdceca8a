"""Segments are recomputed for a new revision; what hung on the old ones follows its text.

Before the old segments go, :func:`detach` notes every suggestion made for them and every
memo written on them; after the new ones are written, :func:`reattach` gives each
suggestion to the new segment of the very same text (a suggestion is about words, so
changed words leave it behind) and each memo to the new segment that holds most of its
old segment's text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from ..models import Document, Memo, Segment, Suggestion
from .align import TextMap

SUGGESTION_FIELDS = (
    "code_id", "score", "method", "evidence", "status", "created_at", "coder_id",
    "decided_by_id", "decided_at", "coding_id",
)  # fmt: skip


@dataclass
class Detached:
    """The old text, its segments (id -> start, end) and what hung on them."""

    text: str
    segments: dict[int, tuple[int, int]]
    suggestions: list[dict[str, Any]] = field(default_factory=list)
    memos: list[Memo] = field(default_factory=list)


def detach(session: Session, document: Document) -> Detached:
    """Note and remove the document's segments and their suggestions."""
    rows = session.execute(
        select(Segment.id, Segment.start, Segment.end).where(Segment.document_id == document.id)
    ).all()
    kept = Detached(document.text, {sid: (start, end) for sid, start, end in rows})
    ids = list(kept.segments)
    for row in session.scalars(select(Suggestion).where(Suggestion.segment_id.in_(ids))):
        kept.suggestions.append(
            {
                "segment_id": row.segment_id,
                **{name: getattr(row, name) for name in SUGGESTION_FIELDS},
            }
        )
    kept.memos = list(
        session.scalars(
            select(Memo).where(
                Memo.target_type == "segment", Memo.target_id.in_([str(i) for i in ids])
            )
        )
    )
    session.execute(delete(Suggestion).where(Suggestion.segment_id.in_(ids)))
    session.execute(delete(Segment).where(Segment.document_id == document.id))
    return kept


def reattach(session: Session, document: Document, kept: Detached, mapping: TextMap) -> None:
    """Give the suggestions and memos of the old segments to the new ones; ``mapping``
    takes offsets of the old text to the new one."""
    if not kept.segments or not (kept.suggestions or kept.memos):
        return
    rows = session.execute(
        select(Segment.id, Segment.start, Segment.end)
        .where(Segment.document_id == document.id)
        .order_by(Segment.start)
    ).all()
    by_span = {(start, end): sid for sid, start, end in rows}

    def mapped(old_id: int) -> tuple[int, int]:
        start, end = kept.segments[old_id]
        return mapping.start(start), mapping.end(end)

    for data in kept.suggestions:
        old_id = data["segment_id"]
        place = mapped(old_id)
        start, end = kept.segments[old_id]
        same = document.text[place[0] : place[1]] == kept.text[start:end]
        if same and place in by_span:
            session.add(Suggestion(**{**data, "segment_id": by_span[place]}))
    for memo in kept.memos:
        place = mapped(int(memo.target_id))
        new_id = by_span.get(place) or _most_overlap(rows, *place)
        if new_id is not None:
            memo.target_id = str(new_id)


def _most_overlap(rows: Any, start: int, end: int) -> int | None:
    best, best_id = 0, None
    for sid, s, e in rows:
        shared = min(e, end) - max(s, start)
        if shared > best:
            best, best_id = shared, sid
    return best_id
