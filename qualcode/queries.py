"""Read-only questions about a project, answered as pandas DataFrames.

These are what an analyst calls from Jupyter and what the CLI prints; the CLI's
``--json`` output is built from the same frames, so both always agree.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, bindparam, func, or_, select
from sqlalchemy.orm import Session

from .changes import place_of
from .lookup import code_and_descendants, find_document
from .models import Code, Coder, Coding, CodingLog, Document, Segment, Speaker
from .project import Project
from .texts import texts_of
from .visibility import Who, viewer_for

if TYPE_CHECKING:  # pandas is imported by each query: commands that need none start faster
    import pandas as pd

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


def documents(project: Project) -> pd.DataFrame:
    """One row per document: words, segments, speakers with their attributes, attributes.

    Each document attribute also gets a column of its own (``area``, ``method``...), so
    that ``df[df.area == "Area 3"]`` works.
    """
    import pandas as pd

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
    import pandas as pd

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


def codes(project: Project, include_archived: bool = False, *, viewer: Who = None) -> pd.DataFrame:
    """The code tree in codebook order: theme, depth, texts, and how often each is used.

    ``codings`` counts a code's own codings; ``codings_total`` adds its descendants'.
    Counts are of the codings ``viewer`` may see (see :mod:`qualcode.visibility`).
    """
    import pandas as pd

    with project.sessionmaker() as session:
        seen = viewer_for(session, viewer)
        used = dict(
            session.execute(
                select(Coding.code_id, func.count())
                .where(seen.where(Coding.coder_id))
                .group_by(Coding.code_id)
            ).all()
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


CODING_COLUMNS = [
    "id", "document", "start", "end", "segment", "speaker", "code", "code_id", "theme",
    "coder", "origin", "memo", "text", "created_at", "anchor",
]  # fmt: skip


def _codes_above() -> Any:
    """A code (the parameter ``code``) and every code above it, as names and parents: a
    recursive query of a few rows, built once."""
    chain = select(Code.id, Code.parent_id).where(Code.id == bindparam("code"))
    chain = chain.cte("chain", recursive=True)
    chain = chain.union(select(Code.id, Code.parent_id).where(Code.id == chain.c.parent_id))
    return select(Code.id, Code.parent_id, Code.name).where(Code.id.in_(select(chain.c.id)))


_CODES_ABOVE = _codes_above()


def code_themes(
    session: Session, only: uuid.UUID | None = None
) -> dict[uuid.UUID, tuple[str, str]]:
    """code id -> (code name, name of its top-level theme), from plain columns (no code
    read whole with its JSON: the API answers each coding applied with this); ``only``:
    that code alone, read with the codes above it and not the whole codebook."""
    query = select(Code.id, Code.parent_id, Code.name) if only is None else _CODES_ABOVE
    found = session.execute(query, {} if only is None else {"code": only})
    rows = {code_id: (parent, name) for code_id, parent, name in found}
    names = {}
    for code_id, (_parent, name) in rows.items():
        top = code_id
        while rows[top][0] is not None and rows[top][0] in rows:
            top = rows[top][0]
        names[code_id] = (name, rows[top][1])
    return names


def codings(
    project: Project,
    *,
    document: str | None = None,
    coder: str | None = None,
    code: str | None = None,
    viewer: Who = None,
) -> pd.DataFrame:
    """Every coding, one row each, in document order; narrowed by document, coder, code.

    ``code`` may name a theme: its codes' codings are included. ``viewer`` is who asks:
    while the round is closed a coder sees only their own codings (see
    :mod:`qualcode.visibility`).
    """
    import pandas as pd

    with project.sessionmaker() as session:
        seen = viewer_for(session, viewer)
        query = (
            select(
                Coding.id, Document.name, Coding.start, Coding.end, Segment.ordinal,
                Speaker.label, Coding.code_id, Coder.name, Coding.origin, Coding.memo,
                Coding.created_at, Document.id.label("doc_id"), Coding.anchor,
            )
            .join(Document, Coding.document_id == Document.id)
            .join(Coder, Coding.coder_id == Coder.id)
            .outerjoin(Segment, Coding.segment_id == Segment.id)
            .outerjoin(Speaker, Segment.speaker_id == Speaker.id)
            .order_by(Document.name, Coding.start, Coding.end, Coder.name)
        )  # fmt: skip
        if document is not None:
            query = query.where(Document.id == find_document(session, document).id)
        if coder is not None:
            query = query.where(Coder.name == coder)
        query = query.where(seen.where(Coding.coder_id))
        if code is not None:
            query = query.where(Coding.code_id.in_(code_and_descendants(session, code)))
        rows = session.execute(query).all()
        names = code_themes(session)
        texts = texts_of(session, (row.doc_id for row in rows))
    return pd.DataFrame(
        [
            (
                str(row.id), row.name, row.start, row.end, row.ordinal, row.label,
                names[row.code_id][0], str(row.code_id), names[row.code_id][1], row[7],
                row.origin, row.memo, texts[row.doc_id][row.start : row.end], row.created_at,
                row.anchor,
            )
            for row in rows
        ],
        columns=CODING_COLUMNS,
    ).astype({"segment": "Int64"})  # fmt: skip


HISTORY_COLUMNS = ["id", "at", "coder", "action", "document", "code", "start", "end", "text"]


def history(
    project: Project, *, coder: str | None = None, limit: int | None = None, viewer: Who = None
) -> pd.DataFrame:
    """The log of changes to codings, newest first: who did what, when.

    ``viewer`` sees the changes to the work they may see (a blind coder: to their own
    codings and memos, whoever changed them), and changes to nobody's work by those
    whose work they may see.
    """
    import pandas as pd

    with project.sessionmaker() as session:
        seen = viewer_for(session, viewer)
        owner = CodingLog.data["coder_id"].as_string()
        query = (
            select(CodingLog, Coder.name)
            .outerjoin(Coder, CodingLog.coder_id == Coder.id)
            .where(
                or_(
                    seen.where(owner, as_text=True),
                    and_(owner.is_(None), seen.where(CodingLog.coder_id)),
                )
            )
            .order_by(CodingLog.id.desc())
        )
        if coder is not None:
            query = query.where(Coder.name == coder)
        if limit is not None:
            query = query.limit(limit)
        entries = session.execute(query).all()
        names = code_themes(session)
        documents = dict(session.execute(select(Document.id, Document.name)).all())
        places = [place_of(entry.data) for entry, _name in entries]
        texts = texts_of(session, (p.document_id for p in places if p.document_id))
        rows = []
        for (entry, coder_name), place in zip(entries, places, strict=True):
            text = texts.get(place.document_id, "") if place.document_id else ""
            # a memo on a document or code has no span: show the memo
            quote = text[place.start : place.end] if place.start is not None else None
            code = names.get(place.code_id, ("(deleted code)", ""))[0] if place.code_id else None
            shown = quote if quote is not None else (entry.data or {}).get("text", "")
            choice = (entry.data or {}).get("choice")  # an adjudication: what was taken
            shown = f"took {choice}: {shown}" if choice else shown
            rows.append(
                (
                    entry.id, entry.at, coder_name, entry.action,
                    documents.get(place.document_id), code, place.start, place.end,
                    shown,
                )
            )  # fmt: skip
    frame = pd.DataFrame(rows, columns=HISTORY_COLUMNS)
    # Spans stay ints, None where a change has none (a float column would print 120.0).
    for column in ("start", "end"):
        where = HISTORY_COLUMNS.index(column)
        frame[column] = pd.Series([row[where] for row in rows], dtype=object)
    return frame
