"""The review list: codings a correction could not place with confidence.

Each waits with its old passage, its context and the best candidates in the current
text; a coder re-places it (a candidate, or a span of their choosing) or drops it
deliberately. Who may see and change an item follows the coding rules of
:mod:`qualcode.visibility`: one's own, or a lead's.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from ..changes import containing_segment, log_change, one_change
from ..coding import get_coder, trimmed_span
from ..errors import NotFound, QualcodeError
from ..models import Code, Coder, Coding, CodingReview, Document
from ..project import Project
from ..visibility import NOBODY, Who, check_may_change, viewer_for
from .store import place_from_review, set_anchor

if TYPE_CHECKING:
    import pandas as pd

REVIEW_COLUMNS = [
    "id", "document", "code", "coder", "revision", "prefix", "quote", "suffix",
    "candidates", "parked_at",
]  # fmt: skip


def review_frame(project: Project, viewer: Who = None, document: str | None = None) -> pd.DataFrame:
    """Every coding waiting for review that ``viewer`` may see; ``candidates`` holds the
    best places in the current text (``start``, ``end``, ``score``, ``text``), best first."""
    import pandas as pd

    with project.sessionmaker() as session:
        seen = viewer_for(session, NOBODY if viewer is None else viewer)
        query = (
            select(CodingReview, Document.name, Document.text, Code.name, Coder.name)
            .join(Document, Document.id == CodingReview.document_id)
            .join(Code, Code.id == CodingReview.code_id)
            .join(Coder, Coder.id == CodingReview.coder_id)
            .where(seen.where(CodingReview.coder_id))
            .order_by(Document.name, CodingReview.start)
        )
        if document is not None:
            query = query.where(Document.name == document)
        rows = [
            {
                "id": str(row.id),
                "document": name,
                "code": code,
                "coder": coder,
                "revision": row.revision,
                "prefix": row.prefix,
                "quote": row.quote,
                "suffix": row.suffix,
                "candidates": [{**c, "text": text[c["start"] : c["end"]]} for c in row.candidates],
                "parked_at": row.parked_at,
            }  # fmt: skip
            for row, name, text, code, coder in session.execute(query).all()
        ]
    return pd.DataFrame(rows, columns=REVIEW_COLUMNS)


def _item(session: Any, ref: str) -> CodingReview:
    """A review item by its id or a unique prefix of it."""
    rows = [
        row for row in session.scalars(select(CodingReview)) if str(row.id).startswith(ref.lower())
    ]
    if len(rows) != 1:
        found = "no" if not rows else "more than one"
        raise NotFound(
            f"{found} coding waiting for review has an id starting {ref!r}: see qualcode review"
        )
    return rows[0]


def replace_coding(
    project: Project,
    ref: str,
    coder: str,
    *,
    candidate: int = 1,
    span: tuple[int, int] | None = None,
) -> Coding:
    """Put a coding waiting for review back, on its ``candidate``-th candidate (1 is the
    best) or on ``span`` of the current text; it keeps its id, code, coder and memo."""
    with project.transaction() as session:
        row = _item(session, ref)
        actor = get_coder(session, coder)
        check_may_change(session, actor, row.coder_id, "this coding")
        document = session.get_one(Document, row.document_id)
        if span is None:
            if not 1 <= candidate <= len(row.candidates):
                raise QualcodeError(
                    f"this coding has {len(row.candidates)} candidate(s), not {candidate}: "
                    "give a span of the current text instead (--at START:END)"
                )
            chosen = row.candidates[candidate - 1]
            span = (int(chosen["start"]), int(chosen["end"]))
        start, end = trimmed_span(document, *span)
        same = select(Coding.id).where(
            Coding.document_id == row.document_id, Coding.start == start, Coding.end == end,
            Coding.code_id == row.code_id, Coding.coder_id == row.coder_id,
        )  # fmt: skip
        if session.scalar(same) is not None:
            raise QualcodeError(
                f"the same code by the same coder is on {start}-{end} already: drop this one "
                "(qualcode review --drop) or choose another place"
            )
        with one_change(session):
            coding = place_from_review(session, row, start, end, actor, "re-placed from review")
        coding.segment_id = containing_segment(session, document, start, end)
        set_anchor(coding, document.text, document.revision)
        session.flush()
        session.expunge(coding)
    return coding


def drop_coding(project: Project, ref: str, coder: str) -> uuid.UUID:
    """Drop a coding waiting for review, deliberately; ``qualcode undo`` brings it back."""
    with project.transaction() as session:
        row = _item(session, ref)
        actor = get_coder(session, coder)
        check_may_change(session, actor, row.coder_id, "this coding")
        data = {
            "document_id": str(row.document_id), "start": row.start, "end": row.end,
            "code_id": str(row.code_id), "coder_id": str(row.coder_id), "origin": row.origin,
            "memo": row.memo, "created_at": row.created_at.isoformat(),
            "revision": row.revision,
        }  # fmt: skip
        session.delete(row)
        log_change(
            session, actor, "remove", None, target=row.id, **data, reason="dropped from review"
        )
        return row.id
