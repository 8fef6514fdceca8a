"""Is this database a qualcode project we may use? Checks before the first write, and
plain words for what a database says when it cannot be used.

Only ``qualcode init`` creates a project: opening refuses an empty file, a file that is not
SQLite, a damaged one, and another program's database (qualcode would otherwise add its
tables to it). The SQLite checks read the file and open it read-only, because even a
connection of ours writes to it (it switches the journal to WAL).

:func:`explain` turns a driver's error into a :class:`~qualcode.errors.DatabaseProblem`
naming the database and what to do: busy past the timeout, read-only, damaged, full,
unreachable server, missing driver.
"""

from __future__ import annotations

import sqlite3
import struct
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, inspect
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DatabaseError, IntegrityError, ProgrammingError

from .db import make_engine
from .errors import DatabaseProblem

SQLITE_MAGIC = b"SQLite format 3\x00"
OUR_TABLES = {"alembic_version", "documents", "codes"}  # present since the first migration
BACKUP_HINT = "Restore it from a backup, or start a new project with `qualcode init`"


def check_sqlite_file(path: Path, *, creating: bool) -> None:
    """Refuse a path that cannot hold a project, before SQLite touches it."""
    if path.is_dir():
        raise DatabaseProblem(
            f"{path} is a folder, not a database file: point --db at the project's "
            f"database (such as {path / 'qualcode.db'})"
        )
    if not path.exists():
        return
    with path.open("rb") as handle:
        header = handle.read(100)
    if not header:
        if creating:
            return
        raise DatabaseProblem(
            f"{path} is an empty file, not a qualcode project: run `qualcode init` to make "
            "one there, or point --db at an existing project database"
        )
    if not header.startswith(SQLITE_MAGIC):
        raise DatabaseProblem(
            f"{path} is not a SQLite database (it does not start like one): point --db at "
            "the project's database file, or give `qualcode init` a new file name"
        )
    if _shorter_than_its_header(path, header):
        raise DatabaseProblem(
            f"{path} is damaged: the file is shorter than its header says (cut short, perhaps "
            f"by a copy that did not finish). {BACKUP_HINT}"
        )


def _shorter_than_its_header(path: Path, header: bytes) -> bool:
    """The header gives the page size and count; a file shorter than both was cut short.

    The count is trusted only when SQLite marked it current (offsets 24 and 92 agree), and
    not while a write-ahead log may hold pages that a checkpoint has yet to copy back.
    """
    if len(header) < 100:
        return True
    wal = path.with_name(path.name + "-wal")
    if wal.exists() and wal.stat().st_size > 0:
        return False
    (page_size,) = struct.unpack(">H", header[16:18])
    changes, pages, valid_for = (struct.unpack(">I", header[o : o + 4])[0] for o in (24, 28, 92))
    page_size = 65536 if page_size == 1 else page_size
    return changes == valid_for and pages > 0 and path.stat().st_size < pages * page_size


def table_names(engine: Engine, path: Path | None) -> set[str]:
    """The tables of the database, read without writing (SQLite is opened read-only)."""
    if path is None:
        with engine.connect() as connection:
            return set(inspect(connection).get_table_names())
    if not path.exists():
        return set()
    connection = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
    try:
        rows = connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        return {name for (name,) in rows}
    finally:
        connection.close()


def check_tables(tables: set[str], where: str, *, creating: bool) -> None:
    """A project has our tables; an empty database is one only for ``qualcode init``."""
    if tables >= OUR_TABLES or (creating and not tables):
        return
    if not tables:
        raise DatabaseProblem(
            f"{where} holds no qualcode project: run `qualcode init` (with the same --db) "
            "to make one there"
        )
    shown = ", ".join(sorted(tables)[:5]) + (", ..." if len(tables) > 5 else "")
    raise DatabaseProblem(
        f"{where} is another program's database (its tables: {shown}), not a qualcode "
        "project; qualcode leaves it alone. Point --db at a qualcode project, or give "
        "`qualcode init` a new database"
    )


# What SQLite and PostgreSQL say, and what a user can do about it.
_EXPLANATIONS = (
    (
        ("database is locked", "database table is locked"),
        "the database is busy: another program (an import, the web app, a stuck process) "
        "has held it longer than qualcode waits. Try again when it has finished",
    ),
    (
        ("readonly", "read-only"),
        "the database cannot be written: the file, or its folder, is read-only. Make both "
        "writable, or copy the project somewhere you can write",
    ),
    (
        ("unable to open database file",),
        "the database cannot be opened: qualcode needs to write in its folder (SQLite keeps "
        "-wal and -shm files beside it), which may be read-only or missing",
    ),
    (("file is not a database",), f"this is not a SQLite database. {BACKUP_HINT}"),
    (("malformed", "disk image"), f"the database is damaged ({{reason}}). {BACKUP_HINT}"),
    (("database or disk is full", "no space left"), "the disk is full: free some space"),
    (("disk i/o error",), "the disk failed to read or write it: check the disk and try again"),
    (
        ("connection refused", "could not connect", "is the server running", "timeout expired"),
        "cannot reach the PostgreSQL server ({reason}): check that it runs, and the host "
        "and port of the URL",
    ),
    (
        ("authentication failed", "password"),
        "the PostgreSQL server refused the user or password ({reason}): check the URL",
    ),
    (
        ("does not exist",),
        "{reason}: create the database on the server first (createdb NAME), then run "
        "`qualcode init --db URL`",
    ),
)


def engine_for(url: str, where: str) -> Engine:
    """An engine for ``url``, or a DatabaseProblem for a URL or driver qualcode cannot use."""
    try:
        _ = make_url(url).port  # a port that is not a number raises only when read
        return make_engine(url)
    except ModuleNotFoundError as error:  # the dialect imports its driver here
        module = error.name or str(error)
        install = "'qualcode[postgres]'" if module == "psycopg" else module
        raise DatabaseProblem(
            f"{where}: the database driver {module!r} is not installed: pip install {install}, "
            "or write the URL as postgresql+psycopg://... to use psycopg 3, which "
            "pip install 'qualcode[postgres]' brings"
        ) from None
    except (ArgumentError, ValueError) as error:
        raise DatabaseProblem(
            f"{where} is not a database qualcode can use ({error}): give a file path, or a "
            "URL such as postgresql+psycopg://user@host/study"
        ) from None


def explain(error: BaseException, where: str, *, always: bool = False) -> DatabaseProblem | None:
    """What ``error`` says about the database ``where`` as a whole (busy, read-only,
    damaged, unreachable...), or None when it says nothing of the kind: a broken
    constraint, say, is the caller's to handle. ``always`` gives a general sentence
    instead of None, for the last line of defence."""
    if isinstance(error, IntegrityError | ProgrammingError) and not always:
        return None
    original = getattr(error, "orig", None) or error
    text = str(original).strip()
    reason = text.splitlines()[0] if text else type(original).__name__
    lowered = text.casefold()
    for needles, advice in _EXPLANATIONS:
        if any(needle in lowered for needle in needles):
            return DatabaseProblem(f"{where}: " + advice.format(reason=reason))
    return DatabaseProblem(f"{where}: the database refused ({reason})") if always else None


@contextmanager
def explained(where: str) -> Iterator[None]:
    """Re-raise the database's own errors as DatabaseProblem; let everything else through."""
    try:
        yield
    except (DatabaseError, sqlite3.Error) as error:
        problem = explain(error, where)
        if problem is None:
            raise
        raise problem from None
