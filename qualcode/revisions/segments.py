"""Segments are recomputed for a new revision; what hung on the old ones follows its text.

Before the old segments go, :func:`detach` notes every suggestion made for them and every
memo written on them; after the new ones are written, :func:`reattach` gives each
suggestion to the new segment of the very same text (a suggestion is about words, so
changed words leave it behind) and each memo to the new segment that holds most of its
old segment's text. A new segment the new text gives no time (a subtitle file corrected
with ``qualcode edit`` or in the browser is read back as plain text) takes the times of
the old segments its text came from, so a correction never loses a recording's times.
A passage assigned to a coder (a sample of a long transcript) moves with its text too.
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import bindparam, delete, select
from sqlalchemy.orm import Session

from ..models import Assignment, Document, Memo, Segment, Suggestion
from .align import TextMap

SUGGESTION_FIELDS = (
    "code_id", "score", "method", "evidence", "status", "created_at", "coder_id",
    "decided_by_id", "decided_at", "coding_id",
)  # fmt: skip


@dataclass
class Detached:
    """The old text, its segments (id -> start, end), their times and what hung on them."""

    text: str
    segments: dict[int, tuple[int, int]]
    times: list[tuple[int, int, float | None, float | None]] = field(default_factory=list)
    suggestions: list[dict[str, Any]] = field(default_factory=list)
    memos: list[Memo] = field(default_factory=list)


def detach(session: Session, document: Document) -> Detached:
    """Note and remove the document's segments and their suggestions."""
    rows = session.execute(
        select(Segment.id, Segment.start, Segment.end, Segment.time_start, Segment.time_end).where(
            Segment.document_id == document.id
        )
    ).all()
    kept = Detached(document.text, {sid: (start, end) for sid, start, end, _, _ in rows})
    kept.times = [
        (start, end, t0, t1) for _, start, end, t0, t1 in rows if (t0, t1) != (None, None)
    ]
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
    """Give the times, suggestions and memos of the old segments to the new ones;
    ``mapping`` takes offsets of the old text to the new one."""
    _move_passages(session, document, mapping)
    if kept.times:
        _retime(session, document, kept, mapping)
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


def _move_passages(session: Session, document: Document, mapping: TextMap) -> None:
    """Assigned passages keep their words: text inserted at a passage's edge stays out."""
    passages = session.scalars(
        select(Assignment).where(
            Assignment.document_id == document.id, Assignment.start.is_not(None)
        )
    )
    for passage in passages:
        start, end = mapping.start(passage.start), mapping.end(passage.end)
        passage.start, passage.end = start, max(start, end)


def _retime(session: Session, document: Document, kept: Detached, mapping: TextMap) -> None:
    """New segments without a time take those of the old segments they overlap (mapped
    into the new text): the earliest start and the latest end."""
    untimed = session.execute(
        select(Segment.id, Segment.start, Segment.end).where(
            Segment.document_id == document.id,
            Segment.time_start.is_(None),
            Segment.time_end.is_(None),
        )
    ).all()
    if not untimed:
        return
    old = sorted(
        (mapping.start(start), mapping.end(end), t0, t1) for start, end, t0, t1 in kept.times
    )
    old = [span for span in old if span[0] < span[1]]  # text the correction removed: none
    starts = [span[0] for span in old]
    updates = []
    for sid, start, end in untimed:
        # Old segments do not overlap, so neither do their mapped spans: walk back from the
        # last one starting before this segment ends while they still reach into it.
        i = bisect_left(starts, end) - 1
        hits = []
        while i >= 0 and old[i][1] > start:
            hits.append(old[i])
            i -= 1
        begins = [t0 for _, _, t0, _ in hits if t0 is not None]
        ends = [t1 for _, _, _, t1 in hits if t1 is not None]
        if begins or ends:
            updates.append(
                {"sid": sid, "t0": min(begins, default=None), "t1": max(ends, default=None)}
            )
    if updates:
        table = Segment.__table__
        session.connection().execute(
            table.update()
            .where(table.c.id == bindparam("sid"))
            .values(time_start=bindparam("t0"), time_end=bindparam("t1")),
            updates,
        )


def _most_overlap(rows: Any, start: int, end: int) -> int | None:
    best, best_id = 0, None
    for sid, s, e in rows:
        shared = min(e, end) - max(s, start)
        if shared > best:
            best, best_id = shared, sid
    return best_id
