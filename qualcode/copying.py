"""A whole project from one database to another (SQLite <-> PostgreSQL), and a
consistent copy of a SQLite project while others work in it.

:func:`copy_project` copies every table, row for row, into a new, empty project
database made by the same migrations, then :func:`compare` reads both back table by
table; any difference undoes nothing but is reported, so a copy is trusted only once
it compares equal. :func:`backup` uses SQLite's online backup: writers go on while it
copies, and the copy is one moment of the database.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, DateTime, Table, delete, func, insert, select, text, update

from .db import Base
from .errors import QualcodeError
from .project import Project, _sqlite_path, init_project, open_project

BATCH = 1000


@dataclass
class Copied:
    """What a copy moved: rows per table, and the tables that differ afterwards."""

    rows: dict[str, int]
    differences: list[str]


def _tables() -> list[Table]:
    """Every table of the schema, each after the tables it points to."""
    return list(Base.metadata.sorted_tables)


def _aware(value: Any) -> Any:
    return value.replace(tzinfo=UTC) if isinstance(value, datetime) and not value.tzinfo else value


def _rows(connection: Connection, table: Table) -> list[dict[str, Any]]:
    zoned = [c.name for c in table.columns if isinstance(c.type, DateTime) and c.type.timezone]
    found = []
    for row in connection.execute(select(table).order_by(*table.primary_key.columns)):
        values = dict(row._mapping)
        for name in zoned:
            values[name] = _aware(values[name])
        found.append(values)
    return found


def _self_references(table: Table) -> list[str]:
    return [fk.parent.name for fk in table.foreign_keys if fk.column.table is table]


def _insert(connection: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    """Insert ``rows``; columns that point into the same table are set afterwards, so a
    row may name a parent inserted after it."""
    later = _self_references(table)
    first = [{**row, **dict.fromkeys(later, None)} for row in rows] if later else rows
    for start in range(0, len(first), BATCH):
        connection.execute(insert(table), first[start : start + BATCH])
    keys = [c.name for c in table.primary_key.columns]
    kept = later + [c.name for c in table.columns if c.onupdate is not None]  # as they were
    for row in rows:
        if any(row[name] is not None for name in later):
            where = [table.c[k] == row[k] for k in keys]
            connection.execute(update(table).where(*where).values({n: row[n] for n in kept}))


def _restart_sequences(connection: Connection, table: Table) -> None:
    """PostgreSQL: the next id after the copied ones (rows went in with their ids)."""
    for column in table.primary_key.columns:
        if column.autoincrement is True or (
            column.autoincrement == "auto" and column.type.python_type is int
        ):
            highest = connection.scalar(select(func.max(column)))
            if highest is not None:
                connection.execute(
                    text("SELECT setval(pg_get_serial_sequence(:t, :c), :n)"),
                    {"t": table.name, "c": column.name, "n": highest},
                )


def copy_project(source: Project, target_db: str, root: Path) -> Copied:
    """Copy every row of ``source`` into ``target_db``, which must hold no project yet
    (an empty SQLite file name or an empty PostgreSQL database), then compare them."""
    with init_project(root, target_db) as target:
        with target.engine.connect() as connection:  # init wrote its settings, nothing else
            filled = [t.name for t in _tables() if t.name != "settings"
                      and connection.scalar(select(func.count()).select_from(t))]  # fmt: skip
        if filled:
            raise QualcodeError(
                f"{target.location} already holds a project ({', '.join(filled[:3])} have "
                "rows): copy into a new, empty database"
            )
        counts = {}
        with source.engine.connect() as reading, target.engine.begin() as writing:
            writing.execute(delete(Base.metadata.tables["settings"]))
            for table in _tables():
                rows = _rows(reading, table)
                _insert(writing, table, rows)
                counts[table.name] = len(rows)
                if writing.dialect.name == "postgresql":
                    _restart_sequences(writing, table)
        return Copied(counts, compare(source, target))


def compare(one: Project, other: Project) -> list[str]:
    """The tables whose rows differ between two projects (none: the same project)."""
    differ = []
    with one.engine.connect() as left, other.engine.connect() as right:
        for table in _tables():
            if _rows(left, table) != _rows(right, table):
                differ.append(table.name)
    return differ


def copy_command(root: Path, source_db: str | None, target_db: str) -> Copied:
    """What ``qualcode db copy`` does: open the source (the project's database if not
    named), copy, and refuse to call a copy that differs a copy."""
    with open_project(root, source_db) as source:
        copied = copy_project(source, target_db, root)
    if copied.differences:
        raise QualcodeError(
            f"the copy differs from the source in {', '.join(copied.differences)}: do not use "
            "it; report this as a bug with both databases"
        )
    return copied


def backup(project: Project, destination: Path) -> int:
    """Write a consistent copy of a SQLite project to ``destination`` (a new file) while
    others may be writing; return its size in bytes."""
    source = _sqlite_path(project.url)
    if source is None:
        raise QualcodeError(
            f"{project.location} is a PostgreSQL database: back it up with pg_dump "
            "(see the README, 'Backups')"
        )
    if destination.exists():
        raise QualcodeError(f"{destination} exists: name a new file for the backup")
    partial = destination.with_name(destination.name + ".partial")
    try:
        with closing(sqlite3.connect(source, timeout=30)) as reading, closing(
            sqlite3.connect(partial)
        ) as writing:
            reading.backup(writing)
        partial.replace(destination)
    except (sqlite3.Error, OSError) as error:
        partial.unlink(missing_ok=True)
        raise QualcodeError(f"{destination}: the backup failed ({error})") from None
    return destination.stat().st_size
