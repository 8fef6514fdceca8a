"""Everything the excerpts need, fetched in a handful of selects whatever their number.

One select for the codings, one each for their documents, texts, speakers and segments,
and one for the codings that may overlap them; texts are sliced in Python later, so a
project of 100,000 codings is one pass, never a query per excerpt.
"""

from __future__ import annotations

import bisect
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import String, select, type_coerce
from sqlalchemy.orm import Session

from ..models import Coder, Coding, Document, Segment, Speaker
from .filters import Filters


def raw(column: Any) -> Any:
    """A column as the driver gives it: ids stay text, skipping a UUID object per row."""
    return type_coerce(column, String).label(column.key)


def id_text(value: Any) -> str:
    """A raw id as the canonical UUID text (SQLite stores 32 hex digits)."""
    text = str(value)
    if len(text) == 32:
        return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"
    return text


class DocumentIndex:
    """A document's segments, for finding an excerpt's speaker, time and context bounds."""

    def __init__(self, segments: list[Any]) -> None:
        self.segments = segments  # in order of start
        self.starts = [s.start for s in segments]

    def at(self, offset: int, end: int | None = None) -> int | None:
        """Index of the segment covering ``offset`` (or the first one starting before ``end``)."""
        i = bisect.bisect_right(self.starts, offset) - 1
        if i >= 0 and self.segments[i].end > offset:
            return i
        if end is not None and i + 1 < len(self.segments) and self.starts[i + 1] < end:
            return i + 1
        return None


@dataclass
class Fetched:
    rows: list[Any]
    documents: dict[Any, Any]
    texts: dict[Any, str]
    speakers: dict[int, Any]
    starts: dict[Any, list[int]]  # document -> its segments' starts, in order
    unaligned: dict[Any, DocumentIndex]  # segments of documents with unaligned codings
    overlaps: dict[Any, set[uuid.UUID]]


def fetch(session: Session, filters: Filters) -> Fetched:
    """The codings that pass ``filters`` and all that their excerpts are made of."""
    rows = session.execute(
        filters.select(
            raw(Coding.id), raw(Coding.document_id), Coding.start, Coding.end,
            Coding.segment_id, raw(Coding.code_id), Coder.name.label("coder"), Coding.origin,
            Coding.memo, Segment.speaker_id, Segment.ordinal, Segment.time_start,
            Coding.anchor,
        )
        .join(Coder, Coding.coder_id == Coder.id)
        .outerjoin(Segment, Coding.segment_id == Segment.id)
    ).all()  # fmt: skip
    docs = filters.select(Coding.document_id).distinct().scalar_subquery()
    in_docs = Document.id.in_(docs)
    documents = {
        row.id: row
        for row in session.execute(
            select(raw(Document.id), Document.name, Document.attributes).where(in_docs)
        )
    }
    texts = dict(session.execute(select(raw(Document.id), Document.text).where(in_docs)).all())
    speakers = {
        row.id: row
        for row in session.execute(
            select(Speaker.id, Speaker.label, Speaker.attributes).where(
                Speaker.document_id.in_(docs)
            )
        )
    }
    starts: dict[Any, list[int]] = {}
    for doc_id, start in session.execute(
        select(raw(Segment.document_id), Segment.start)
        .where(Segment.document_id.in_(docs))
        .order_by(Segment.document_id, Segment.start)
    ):
        starts.setdefault(doc_id, []).append(start)
    if filters.code_ids is None:
        spans = rows  # every coding of these documents is in the result already
    else:
        spans = session.execute(
            filters.spans(raw(Coding.id), raw(Coding.document_id), Coding.start, Coding.end,
                          raw(Coding.code_id)).where(Coding.document_id.in_(docs))
        ).all()  # fmt: skip
    return Fetched(
        rows, documents, texts, speakers, starts, _unaligned(session, rows), overlaps(spans)
    )


def _unaligned(session: Session, rows: list[Any]) -> dict[Any, DocumentIndex]:
    """The segments of documents with codings that span segments (they have no
    segment_id: their speaker is found by their start)."""
    found: dict[Any, list[Any]] = {row.document_id: [] for row in rows if not row.segment_id}
    if found:
        for seg in session.execute(
            select(raw(Segment.document_id), Segment.ordinal, Segment.speaker_id,
                   Segment.start, Segment.end, Segment.time_start)
            .where(Segment.document_id.in_([uuid.UUID(id_text(d)) for d in found]))
            .order_by(Segment.document_id, Segment.start)
        ):  # fmt: skip
            found[seg.document_id].append(seg)
    return {doc_id: DocumentIndex(segs) for doc_id, segs in found.items()}


def overlaps(spans: Iterable[Any]) -> dict[Any, set[uuid.UUID]]:
    """coding id -> codes of the *other* codings that overlap it (same document)."""
    by_document: dict[Any, list[Any]] = {}
    for span in spans:
        by_document.setdefault(span.document_id, []).append(span)
    codes: dict[Any, uuid.UUID] = {}
    found: dict[Any, set[uuid.UUID]] = {}
    for doc_spans in by_document.values():
        doc_spans.sort(key=lambda s: (s.start, s.end))
        for i, first in enumerate(doc_spans):
            for j in range(i + 1, len(doc_spans)):
                second = doc_spans[j]
                if second.start >= first.end:
                    break
                for one, other in ((first, second), (second, first)):
                    if other.code_id not in codes:
                        codes[other.code_id] = uuid.UUID(id_text(other.code_id))
                    found.setdefault(one.id, set()).add(codes[other.code_id])
    return found
