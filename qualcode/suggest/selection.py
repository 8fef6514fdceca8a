"""Codes ranked for a passage a coder selects in a document (what the transcript page
lists beside a selection): the words of the selection ranked by the coder's model,
through :func:`~qualcode.suggest.rank.rank_codes` (their own codings alone while the
round is blind).

A selection may cross turns: only the words inside segments are ranked, not the
speaker labels between them (as a selection across turns codes the words alone).

>>> rank_selection(project, "ana", "area-1.md", 120, 260, limit=5)
"""

from __future__ import annotations

import threading

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import QualcodeError
from ..lookup import find_document
from ..models import Document, Segment
from ..project import Project

# One ranking at a time in a process: the first of two selections made while a model
# trains would otherwise train (and write) the same model twice at once.
_ONE_AT_A_TIME = threading.Lock()


def selected_words(session: Session, document: Document, start: int, end: int) -> str:
    """The words of ``document`` from ``start`` to ``end`` that lie inside its segments,
    each segment's part stripped and joined by a space (the whole span where no segment
    reaches into it)."""
    if not 0 <= start < end <= len(document.text):
        raise QualcodeError(
            f"{start}-{end} is not a selection inside {document.name} (0-{len(document.text)})"
        )
    spans = session.execute(
        select(Segment.start, Segment.end)
        .where(Segment.document_id == document.id, Segment.end > start, Segment.start < end)
        .order_by(Segment.start)
    ).all()
    parts = [document.text[max(a, start) : min(b, end)].strip() for a, b in spans]
    return " ".join(part for part in parts if part) or document.text[start:end]


def rank_selection(
    project: Project, coder: str, document: str, start: int, end: int, *, limit: int | None = None
) -> pd.DataFrame:
    """Every code (``limit`` best), best first, for the words ``coder`` selected in
    ``document`` (id or name) from ``start`` to ``end``: the columns of ``rank_codes``."""
    from .rank import rank_codes

    with project.sessionmaker() as session:
        text = selected_words(session, find_document(session, document), start, end)
    with _ONE_AT_A_TIME:
        return rank_codes(project, coder, text, limit=limit)
