"""Many rows into one table at once, for imports of tens of thousands of codings.

Through SQLAlchemy's Core an insert converts each value with a Python processor; for
100,000 codings that is seconds. On SQLite :func:`bulk_insert` converts a column at a
time into the form SQLAlchemy itself stores (UUIDs as 32 hex digits, times as UTC text,
JSON as text), so rows written here read back exactly as rows written by the ORM;
on other databases it is one Core ``executemany``.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Table
from sqlalchemy.orm import Session

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
    if isinstance(sample, uuid.UUID):
        return [v.hex if v is not None else None for v in values]
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
