"""Read-only questions about a project, answered as pandas DataFrames.

These are what an analyst calls from Jupyter and what the CLI prints; the CLI's
``--json`` output is built from the same frames, so both always agree.
"""

from __future__ import annotations

import difflib
import uuid
from typing import Any

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .errors import NotFound
from .models import Code, Coding, Document, Segment, Speaker
from .project import Project

DOCUMENT_COLUMNS = ["id", "name", "format", "words", "segments", "speakers", "attributes"]
SEGMENT_COLUMNS = ["ordinal", "id", "speaker", "start", "end", "time_start", "time_end", "text"]
CODE_COLUMNS = [
    "id",
    "name",
    "slug",
    "parent",
    "theme",
    "depth",
    "description",
    "definition",
    "use_when",
    "not_when",
    "examples",
    "patterns",
    "colour",
    "exclusive",
    "archived",
    "codings",
    "codings_total",
]


def find_document(session: Session, ref: str) -> Document:
    """A document by name, by name without extension, or by (a prefix of) its id."""
    rows = session.execute(select(Document.id, Document.name)).all()
    for doc_id, name in rows:
        if ref in (name, name.rsplit(".", 1)[0]) or str(doc_id) == ref:
            return session.get_one(Document, doc_id)
    prefixed = [doc_id for doc_id, _name in rows if len(ref) >= 6 and str(doc_id).startswith(ref)]
    if len(prefixed) == 1:
        return session.get_one(Document, prefixed[0])
    near = difflib.get_close_matches(ref, [name for _id, name in rows], n=3, cutoff=0.5)
    hint = f"; did you mean {', '.join(repr(n) for n in near)}?" if near else ""
    raise NotFound(f"no document {ref!r} in this project{hint} (see `qualcode documents`)")


def documents(project: Project) -> pd.DataFrame:
    """One row per document: words, segments, speakers with their attributes, attributes.

    Each document attribute also gets a column of its own (``area``, ``method``...), so
    that ``df[df.area == "Area 3"]`` works.
    """
    with project.sessionmaker() as session:
        counts = dict(
            session.execute(
                select(Segment.document_id, func.count()).group_by(Segment.document_id)
            ).all()
        )
        speakers: dict[uuid.UUID, list[dict[str, Any]]] = {}
        for doc_id, label, attributes in session.execute(
            select(Speaker.document_id, Speaker.label, Speaker.attributes).order_by(Speaker.id)
        ):
            speakers.setdefault(doc_id, []).append({"label": label, "attributes": attributes})
        rows = [
            {
                "id": str(doc.id),
                "name": doc.name,
                "format": doc.format,
                "words": doc.word_count,
                "segments": counts.get(doc.id, 0),
                "speakers": speakers.get(doc.id, []),
                "attributes": doc.attributes,
            }
            for doc in session.execute(
                select(
                    Document.id,
                    Document.name,
                    Document.format,
                    Document.word_count,
                    Document.attributes,
                ).order_by(Document.name)
            )
        ]
    frame = pd.DataFrame(rows, columns=DOCUMENT_COLUMNS)
    for key in sorted({k for row in rows for k in row["attributes"]}):
        column = key if key not in frame.columns else f"attr_{key}"
        frame[column] = [row["attributes"].get(key) for row in rows]
    return frame


def segments(project: Project, document: str) -> pd.DataFrame:
    """The segments of one document in order, with speaker label and exact text."""
    with project.sessionmaker() as session:
        doc = find_document(session, document)
        rows = session.execute(
            select(
                Segment.ordinal,
                Segment.id,
                Speaker.label,
                Segment.start,
                Segment.end,
                Segment.time_start,
                Segment.time_end,
            )
            .outerjoin(Speaker, Segment.speaker_id == Speaker.id)
            .where(Segment.document_id == doc.id)
            .order_by(Segment.ordinal)
        ).all()
        text = doc.text
    return pd.DataFrame(
        [(*row, text[row.start : row.end]) for row in rows], columns=SEGMENT_COLUMNS
    )


def codes(project: Project, include_archived: bool = False) -> pd.DataFrame:
    """The code tree in codebook order: theme, depth, texts, and how often each is used.

    ``codings`` counts a code's own codings; ``codings_total`` adds its descendants'.
    """
    with project.sessionmaker() as session:
        used = dict(
            session.execute(select(Coding.code_id, func.count()).group_by(Coding.code_id)).all()
        )
        all_codes = list(session.scalars(select(Code).order_by(Code.position, Code.name)))
    by_id = {code.id: code for code in all_codes}

    def lineage(code: Code) -> list[Code]:
        chain = [code]
        while chain[-1].parent_id is not None and chain[-1].parent_id in by_id:
            chain.append(by_id[chain[-1].parent_id])
        return chain

    totals: dict[uuid.UUID, int] = {}
    for code in all_codes:
        for ancestor in lineage(code):
            totals[ancestor.id] = totals.get(ancestor.id, 0) + used.get(code.id, 0)
    rows = []
    for code in all_codes:
        if code.archived and not include_archived:
            continue
        chain = lineage(code)
        parent = by_id.get(code.parent_id) if code.parent_id else None
        rows.append(
            {
                "id": str(code.id),
                "name": code.name,
                "slug": code.slug,
                "parent": parent.name if parent else None,
                "theme": chain[-1].name,
                "depth": len(chain) - 1,
                "description": code.description,
                "definition": code.definition,
                "use_when": code.use_when,
                "not_when": code.not_when,
                "examples": code.examples,
                "patterns": code.patterns,
                "colour": code.colour,
                "exclusive": code.exclusive,
                "archived": code.archived,
                "codings": used.get(code.id, 0),
                "codings_total": totals.get(code.id, 0),
            }
        )
    return pd.DataFrame(rows, columns=CODE_COLUMNS)
