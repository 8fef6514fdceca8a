"""Many rows at once, for imports of tens of thousands of codings: :func:`bulk_insert`
(rows into one table) and :func:`add_codings` (codings checked as one is, then inserted).

Through SQLAlchemy's Core an insert converts each value with a Python processor; for
100,000 codings that is seconds. On SQLite :func:`bulk_insert` converts a column at a
time into the form SQLAlchemy itself stores (UUIDs as 32 hex digits, times as UTC text,
JSON as text), so rows written here read back exactly as rows written by the ORM;
on other databases it is one Core ``executemany``.
"""

from __future__ import annotations

import bisect
import json
import uuid
from collections import defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from .changes import one_change
from .coding import trimmed_span
from .errors import QualcodeError
from .models import Code, Coder, Coding, CodingLog, Document, Segment, utcnow
from .revisions.anchor import anchor_of

ROOMY_CACHE_KIB = 65536  # SQLite page cache while a large import writes (default: 2 MiB)


def bulk_insert(
    session: Session, table: Table, columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> None:
    """Insert ``rows`` (tuples of values for ``columns``) into ``table`` in the session's
    transaction."""
    if not rows:
        return
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        connection.execute(table.insert(), [dict(zip(columns, row, strict=True)) for row in rows])
        return
    converted = [_stored([row[i] for row in rows]) for i in range(len(columns))]
    names = ", ".join(f'"{c}"' for c in columns)
    marks = ", ".join("?" for _ in columns)
    connection.exec_driver_sql(
        f'INSERT INTO "{table.name}" ({names}) VALUES ({marks})', list(zip(*converted, strict=True))
    )


def _stored(values: list[Any]) -> list[Any]:
    """One column's values as SQLAlchemy stores them in SQLite."""
    sample = next((v for v in values if v is not None), None)
    if isinstance(sample, uuid.UUID):  # ids repeat (a document's, a code's): each made once
        hexes = {id(v): v.hex for v in {id(v): v for v in values if v is not None}.values()}
        return [hexes[id(v)] if v is not None else None for v in values]
    if isinstance(sample, datetime):
        made: dict[datetime, str] = {}  # the times of one import repeat: format each once
        for v in values:
            if v is not None and v not in made:
                made[v] = v.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
        return [made.get(v) if v is not None else None for v in values]
    if isinstance(sample, dict | list):
        return [json.dumps(v) if v is not None else None for v in values]
    return values


@contextmanager
def roomy_cache(session: Session) -> Iterator[None]:
    """A larger SQLite page cache while a bulk write runs: tables and indexes that outgrow
    the default 2 MiB spill pages to the log mid-transaction, which doubles the insert
    time. Elsewhere nothing changes."""
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        yield
        return
    before = connection.exec_driver_sql("PRAGMA cache_size").scalar()
    connection.exec_driver_sql(f"PRAGMA cache_size=-{ROOMY_CACHE_KIB}")
    try:
        yield
    finally:
        connection.exec_driver_sql(f"PRAGMA cache_size={before}")


class Holders:
    """The segments of some documents (read at once), to find the one holding a span."""

    def __init__(self, session: Session, document_ids: list[Any]) -> None:
        self.spans: dict[Any, list[tuple[int, int, int]]] = defaultdict(list)  # (start, end, id)
        for doc_id, start, end, seg_id in session.execute(
            select(Segment.document_id, Segment.start, Segment.end, Segment.id)
            .where(Segment.document_id.in_(document_ids))
            .order_by(Segment.start)
        ):
            self.spans[doc_id].append((start, end, seg_id))
        self.starts = {key: [s for s, _e, _i in found] for key, found in self.spans.items()}

    def of(self, document_id: Any, start: int, end: int) -> int | None:
        """The id of the segment that holds [start, end) (segments do not overlap), if any."""
        at = bisect.bisect_right(self.starts.get(document_id, []), start) - 1
        if at < 0:
            return None
        found = self.spans[document_id][at]
        return found[2] if end <= found[1] else None


@dataclass
class NewCoding:
    """A coding to add: ``where`` names its place in the file it came from."""

    where: str
    document: Document
    start: int
    end: int
    code: Code
    coder: Coder
    memo: str | None = None


@dataclass
class Added:
    """What :func:`add_codings` did: codings added, already there, and rows refused."""

    added: int = 0
    unchanged: int = 0
    problems: list[tuple[str, str]] = field(default_factory=list)  # (where, what)


def add_codings(session: Session, wanted: list[NewCoding], origin: str = "import") -> Added:
    """Add many codings as :func:`qualcode.coding.apply_coding` adds one (spans trimmed to
    their words, archived codes refused, one code of an exclusive theme per segment and
    coder, each coding's anchor, an "add" entry in the log), with a few queries in all;
    the entries share one change, so one undo takes the whole file back. A coding that is
    there already is counted, not changed. Nothing is written if a row is refused: the
    caller reports ``problems`` and rolls back."""
    done = Added()
    documents = {item.document.id: item.document for item in wanted}
    identity = select(Coding.document_id, Coding.start, Coding.end, Coding.code_id, Coding.coder_id)
    seen = {
        tuple(row) for row in session.execute(identity.where(Coding.document_id.in_(documents)))
    }
    holders = Holders(session, list(documents))
    codes = {row.id: row for row in session.scalars(select(Code))}
    theme = {
        c.id: c.parent_id for c in codes.values() if c.parent_id and codes[c.parent_id].exclusive
    }
    taken = {  # (segment, coder, exclusive theme) -> the code it has there
        (seg_id, coder_id, theme[code_id]): code_id
        for seg_id, coder_id, code_id in session.execute(
            select(Coding.segment_id, Coding.coder_id, Coding.code_id).where(
                Coding.document_id.in_(documents), Coding.code_id.in_(list(theme))
            )
        )
    }
    rows: list[tuple[Any, ...]] = []
    for item in wanted:
        doc, code, coder = item.document, item.code, item.coder
        if code.archived:
            done.problems.append(
                (item.where, f"code {code.name!r} is archived: put it back in codebook.yaml "
                 "and sync, or use another code")
            )  # fmt: skip
            continue
        try:
            start, end = trimmed_span(doc, item.start, item.end)
        except QualcodeError as error:
            done.problems.append((item.where, str(error)))
            continue
        if (doc.id, start, end, code.id, coder.id) in seen:
            done.unchanged += 1
            continue
        seen.add((doc.id, start, end, code.id, coder.id))
        segment = holders.of(doc.id, start, end)
        if segment is not None and code.id in theme:
            other = taken.setdefault((segment, coder.id, theme[code.id]), code.id)
            if other != code.id:
                done.problems.append(
                    (item.where, f"{code.name!r} and {codes[other].name!r} belong to an "
                     "exclusive theme: a segment takes one of them per coder")
                )  # fmt: skip
                continue
        anchor = anchor_of(doc.text, start, end)
        rows.append(
            (uuid.uuid4(), doc.id, start, end, segment, code.id, coder.id, origin, item.memo,
             utcnow(), anchor.quote, anchor.prefix, anchor.suffix, doc.revision)
        )  # fmt: skip
    if done.problems:
        return done
    columns = ["id", "document_id", "start", "end", "segment_id", "code_id", "coder_id",
               "origin", "memo", "created_at", "quote", "prefix", "suffix", "revision"]  # fmt: skip
    bulk_insert(session, Coding.__table__, columns, rows)
    with one_change(session) as change:
        entries = [
            (
                row[9],
                row[6],
                "add",
                row[0],
                change,
                _coding_data(dict(zip(columns, row, strict=True))),
            )
            for row in rows
        ]
    log = ["at", "coder_id", "action", "coding_id", "change_id", "data"]
    bulk_insert(session, CodingLog.__table__, log, entries)
    done.added = len(rows)
    return done


def _coding_data(values: dict[str, Any]) -> dict[str, Any]:
    """A coding's log data, as :func:`qualcode.changes.coding_data` gives it for a row."""
    return {
        "document_id": str(values["document_id"]),
        "start": values["start"],
        "end": values["end"],
        "code_id": str(values["code_id"]),
        "coder_id": str(values["coder_id"]),
        "origin": values["origin"],
        "memo": values["memo"],
        "created_at": values["created_at"].isoformat(),
        "revision": values["revision"],
    }
