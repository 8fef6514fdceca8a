"""Full-text search of every document's segments, with each hit in its context.

On SQLite the words are found through an FTS5 table (``search_index``, one row per
segment) that this module creates and keeps current itself: before each search it
compares each document's content hash and revision with those it indexed
(``search_documents``) and re-indexes only what changed, so no migration is needed and
an import or a correction is searchable at once. On PostgreSQL the same query runs on
PostgreSQL's own full-text search: ``to_tsvector('simple', ...)`` of each segment matched
by a ``tsquery`` (:func:`pg_query`) and ranked by ``ts_rank`` over the log of its length,
without an index table; there accents count as written (``simple`` has no ``unaccent``).

A query is words, all of which a segment must hold (any case, accents ignored);
``"two words"`` is a phrase and ``word*`` a prefix. Hits can be narrowed by document
attributes, and by the codes and coders of the codings on them, as the viewer may see
them (:mod:`qualcode.visibility`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import text as sql

from .errors import QualcodeError
from .project import Project
from .visibility import Who

if TYPE_CHECKING:
    import pandas as pd

HIT_COLUMNS = [
    "document_id", "document", "segment", "ordinal", "start", "end", "speaker", "text",
    "marked", "before", "after",
]  # fmt: skip
OPEN, CLOSE = "\x01", "\x02"  # around each matched word in ``marked``
CONTEXT = 160  # characters of context either side of a hit's segment


@dataclass
class Found:
    """The hits of one page, and how many there are in all."""

    hits: pd.DataFrame
    total: int


def fts_query(words: str) -> str:
    """The user's words as an FTS5 query: every term quoted (so no term is an operator),
    phrases kept, a trailing ``*`` kept as a prefix search."""
    terms = re.findall(r'"[^"]*"\*?|[^\s"]+', words)
    out = []
    for term in terms:
        prefix = term.endswith("*")
        body = term.rstrip("*").strip('"').replace('"', '""').strip()
        if body and re.search(r"\w", body):
            out.append(f'"{body}"' + ("*" if prefix else ""))
    if not out:
        raise QualcodeError("search for at least one word")
    return " ".join(out)


def pg_query(words: str) -> str:
    """The same words as a PostgreSQL ``tsquery``: every term (``&``), a phrase's words
    next to each other (``<->``), ``word*`` a prefix (``:*``); lower case, as the
    ``simple`` configuration stores them."""
    fts_query(words)  # the same refusal of a query without words
    out = []
    for term in re.findall(r'"[^"]*"\*?|[^\s"]+', words):
        tokens = [f"'{t.lower()}'" for t in re.findall(r"\w+", term.rstrip("*"))]
        if tokens:
            if term.endswith("*"):
                tokens[-1] += ":*"
            out.append("(" + " <-> ".join(tokens) + ")")
    return " & ".join(out)


def _sqlite(session: Any) -> bool:
    return session.get_bind().dialect.name == "sqlite"


def refresh_index(session: Any) -> int:
    """Bring the FTS5 table up to date with the documents; how many were (re)indexed."""
    session.execute(sql(
        "CREATE VIRTUAL TABLE IF NOT EXISTS search_index USING fts5("
        "text, document_id UNINDEXED, tokenize = 'unicode61 remove_diacritics 2')"
    ))  # fmt: skip
    session.execute(sql(
        "CREATE TABLE IF NOT EXISTS search_documents "
        "(document_id TEXT PRIMARY KEY, content_hash TEXT, revision INTEGER)"
    ))  # fmt: skip
    now = {
        str(row[0]): (row[1], row[2])
        for row in session.execute(sql("SELECT id, content_hash, revision FROM documents"))
    }
    done = {
        row[0]: (row[1], row[2])
        for row in session.execute(
            sql("SELECT document_id, content_hash, revision FROM search_documents")
        )
    }
    stale = [doc for doc in done if now.get(doc) != done[doc]]
    fresh = [doc for doc in now if now[doc] != done.get(doc)]
    for doc in stale:
        session.execute(sql("DELETE FROM search_index WHERE document_id = :d"), {"d": doc})
        session.execute(sql("DELETE FROM search_documents WHERE document_id = :d"), {"d": doc})
    for doc in fresh:
        session.execute(
            sql(
                "INSERT INTO search_index (rowid, text, document_id) "
                'SELECT s.id, substr(d.text, s.start + 1, s."end" - s.start), :d '
                "FROM segments s JOIN documents d ON d.id = s.document_id "
                "WHERE s.document_id = :raw"
            ),
            {"d": doc, "raw": _raw_id(session, doc)},
        )
        session.execute(
            sql("INSERT INTO search_documents VALUES (:d, :h, :r)"),
            {"d": doc, "h": now[doc][0], "r": now[doc][1]},
        )
    return len(fresh)


def _raw_id(session: Any, doc: str) -> Any:
    """The id as the documents table stores it (SQLAlchemy's Uuid: 32 hex digits)."""
    return session.execute(
        sql("SELECT id FROM documents WHERE id = :a OR id = :b"),
        {"a": doc, "b": doc.replace("-", "")},
    ).scalar_one()


def search(
    project: Project,
    words: str,
    *,
    viewer: Who = None,
    where: dict[str, list[str]] | None = None,
    code: list[str] | None = None,
    coder: list[str] | None = None,
    document: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> Found:
    """Segments holding ``words``, best first, with the document, the speaker, the
    segment's text (``marked``: each matched word between ``OPEN`` and ``CLOSE``) and
    the text before and after it."""
    import pandas as pd

    from . import queries
    from .lookup import find_document
    from .web.views import matches

    query = fts_query(words)
    narrowed = bool(where or code or coder or document)
    total = None
    with project.transaction() as session:
        wanted = find_document(session, document).id if document else None
        if _sqlite(session):
            refresh_index(session)
            found, params = SQLITE_FOUND, {"q": query}
            ranked = f"SELECT rowid {SQLITE_FOUND} ORDER BY rank"
        else:
            found, params = PG_FOUND, {"q": pg_query(words)}
            ranked = f"SELECT s.id {PG_FOUND} ORDER BY {PG_RANK} DESC, d.name, s.ordinal"
        if narrowed:  # every hit, then the filters
            ids = list(session.scalars(sql(ranked), params))
        else:  # one page of hits, and how many there are
            total = session.scalar(sql(f"SELECT count(*) {found}"), params)
            ids = list(session.scalars(
                sql(f"{ranked} LIMIT :l OFFSET :o"), params | {"l": limit, "o": offset}
            ))  # fmt: skip
    frame = _segments(project, ids, wanted)
    if where:
        documents = queries.documents(project)
        keep = {
            row["name"]
            for row in documents.to_dict("records")
            if matches(row, {k: set(v) for k, v in where.items()})
        }
        frame = frame[frame["document"].isin(keep)]
    if code or coder:
        codings = queries.codings(project, viewer=viewer)
        if code:
            from .lookup import code_and_descendants

            with project.sessionmaker() as session:
                chosen = set().union(*(code_and_descendants(session, c) for c in code))
            codings = codings[codings["code_id"].isin({str(i) for i in chosen})]
        if coder:
            codings = codings[codings["coder"].isin(coder)]
        # .loc: a plain [] reads an empty list as no columns, not as no rows
        frame = frame.loc[[_overlaps(row, codings) for row in frame.itertuples()]]
    order = {segment: k for k, segment in enumerate(ids)}
    frame = frame.assign(rank=frame["segment"].map(order)).sort_values("rank").drop(columns="rank")
    if total is None:
        total = len(frame)
        frame = frame.iloc[offset : offset + limit]
    page = frame.assign(marked=_marked(project, query, words, frame))
    return Found(pd.DataFrame(page, columns=HIT_COLUMNS).reset_index(drop=True), total)


SQLITE_FOUND = "FROM search_index WHERE search_index MATCH :q"
MATCHING = f"SELECT rowid {SQLITE_FOUND}"
_PG_WORDS = "to_tsvector('simple', substr(d.text, s.start + 1, s.\"end\" - s.start))"
PG_FOUND = (
    "FROM segments s JOIN documents d ON d.id = s.document_id "
    f"WHERE {_PG_WORDS} @@ to_tsquery('simple', :q)"
)
PG_RANK = f"ts_rank({_PG_WORDS}, to_tsquery('simple', :q), 1)"  # 1: / (1 + log(length))


def _marked(project: Project, query: str, words: str, page: pd.DataFrame) -> list[str]:
    """Each hit's text with the words found between OPEN and CLOSE (FTS5's own marks
    where it has them, so that a prefix or an accent is marked as it matched)."""
    with project.sessionmaker() as session:
        if not _sqlite(session) or not len(page):
            return [_mark(text, words) for text in page["text"]]
        ids = ",".join(str(int(i)) for i in page["segment"])
        marks = dict(session.execute(
            sql(
                "SELECT rowid, highlight(search_index, 0, :o, :c) FROM search_index "
                f"WHERE search_index MATCH :q AND rowid IN ({ids})"
            ),
            {"q": query, "o": OPEN, "c": CLOSE},
        ).all())  # fmt: skip
    return [marks.get(s, text) for s, text in zip(page["segment"], page["text"], strict=True)]


def _mark(text: str, words: str) -> str:
    """Each word of ``words`` marked in ``text`` (any case; ``word*`` a prefix), as
    PostgreSQL, which gives no marks of its own, matched it."""
    terms = {(w, p == "*") for w, p in re.findall(r"(\w+)(\*?)", words)}
    for word, prefix in sorted(terms, key=lambda t: len(t[0]), reverse=True):
        ending = r"\w*" if prefix else r"\b"
        text = re.sub(rf"(?i)\b({re.escape(word)}{ending})(?![^{OPEN}]*{CLOSE})",
                      rf"{OPEN}\1{CLOSE}", text)  # fmt: skip
    return text


def _overlaps(row: Any, codings: pd.DataFrame) -> bool:
    mine = codings[codings["document"] == row.document]
    return bool(((mine["start"] < row.end) & (mine["end"] > row.start)).any())


def _segments(project: Project, ids: list[int], document: Any) -> pd.DataFrame:
    """The segments ``ids`` with their document, speaker, text and context (cut out by
    the database: no document's whole text is read)."""
    import pandas as pd
    from sqlalchemy import case, func, select

    from .models import Document, Segment, Speaker

    columns = [c for c in HIT_COLUMNS if c != "marked"]
    if not ids:
        return pd.DataFrame(columns=columns)
    first_shown = case((Segment.start > CONTEXT, Segment.start - CONTEXT), else_=0)
    found = []
    with project.sessionmaker() as session:
        for first in range(0, len(ids), 900):  # SQLite binds at most 999 values at once
            query = (
                select(Segment.document_id, Document.name, Segment.id, Segment.ordinal,
                       Segment.start, Segment.end, Speaker.label,
                       func.substr(Document.text, Segment.start + 1, Segment.end - Segment.start),
                       func.substr(Document.text, first_shown + 1, Segment.start - first_shown),
                       func.substr(Document.text, Segment.end + 1, CONTEXT))
                .join(Document, Document.id == Segment.document_id)
                .outerjoin(Speaker, Speaker.id == Segment.speaker_id)
                .where(Segment.id.in_(ids[first : first + 900]))
            )  # fmt: skip
            if document is not None:
                query = query.where(Segment.document_id == document)
            found.extend(tuple(row) for row in session.execute(query))
    frame = pd.DataFrame(found, columns=columns)
    return frame.assign(document_id=frame["document_id"].astype(str))


def code_hits(
    project: Project, words: str, apply: str, by: str, *, viewer: Who = None, **filters: Any
) -> int:
    """Code every hit's segment with the code ``apply`` as the coder ``by`` (one change,
    one undo); how many codings were made (a segment coded so already stays as it is)."""
    import uuid

    from sqlalchemy import func, select

    from .changes import one_change
    from .coding import apply_coding, get_coder
    from .lookup import find_code
    from .models import Coding

    found = search(project, words, viewer=viewer, limit=1_000_000, **filters)
    with project.transaction() as session, one_change(session):
        mine = select(func.count()).where(
            Coding.code_id == find_code(session, apply).id,
            Coding.coder_id == get_coder(session, by).id,
        )
        before = session.scalar(mine)
        for row in found.hits.itertuples():
            doc = uuid.UUID(row.document_id)
            apply_coding(session, str(doc), int(row.start), int(row.end), apply, by)
        return session.scalar(mine) - before
