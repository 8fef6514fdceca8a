"""Engine and declarative base: one place that knows how qualcode talks to its database.

SQLite gets foreign keys, WAL and a busy timeout on every connection, so that two
processes (a coder's CLI and the web app) can share a project file safely. Rows that
several writers may create at once (a coding, a coder) go in with :func:`insert_new`,
so that the database's unique constraints, not a read before the write, keep them single.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from sqlalchemy import JSON, Engine, MetaData, Table, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import DeclarativeBase, Session

from .errors import QualcodeError

# Named constraints let Alembic's batch mode rebuild SQLite tables in later migrations.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

SQLITE_BUSY_TIMEOUT_MS = 10_000
T = TypeVar("T")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON}


def _set_sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def make_engine(url: str) -> Engine:
    """An engine for ``url``; SQLite connections get the pragmas above. A plain
    ``postgresql://`` URL uses psycopg 3, the driver of ``pip install 'qualcode[postgres]'``."""
    parsed = make_url(url)
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    engine = create_engine(parsed)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _set_sqlite_pragmas)
    return engine


def _unless_there(
    session: Session, target: Any, values: dict[str, Any], unique: Sequence[str]
) -> Any:
    """``INSERT ... ON CONFLICT (unique) DO NOTHING`` of ``values`` into ``target`` (a
    table or a mapped class), on SQLite and PostgreSQL."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    else:
        raise QualcodeError(f"qualcode keeps projects in SQLite or PostgreSQL, not {dialect}")
    return insert(target).values(**values).on_conflict_do_nothing(index_elements=list(unique))


def insert_new(
    session: Session, table: Table, values: dict[str, Any], unique: Sequence[str]
) -> bool:
    """Insert one row unless a row with the same ``unique`` columns exists (``INSERT ... ON
    CONFLICT DO NOTHING``, on SQLite and PostgreSQL); True if this call inserted it.

    A writer that loses the race gets False, not an error, and then reads the winner's row.
    """
    statement = _unless_there(session, table, values, unique).returning(
        *table.primary_key.columns  # a row back only if this call inserted it
    )
    return session.execute(statement).first() is not None


def insert_new_row(
    session: Session, model: type[T], values: dict[str, Any], unique: Sequence[str]
) -> T | None:
    """:func:`insert_new` for a mapped class: the row this call inserted, as an object of
    ``session`` (what the database stored, returned by the INSERT: no read after it), or
    None when the row was there already."""
    statement = _unless_there(session, model, values, unique).returning(model)
    return session.scalars(statement).first()
