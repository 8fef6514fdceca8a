"""A qualcode project: a folder (codebook.yaml, transcripts/, exports/) and a database.

``open_project`` finds the database, brings its schema up to date and hands back a
:class:`Project`, which owns transactions: one user action is one ``transaction()``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, select, true
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.orm import Session, sessionmaker

from . import migrations
from .dbcheck import check_sqlite_file, check_tables, engine_for, explained, table_names
from .errors import DatabaseProblem, ProjectNotFound, QualcodeError
from .models import Code, Coder, Coding, CodingReview, Document, Segment, Setting, Suggestion
from .segment import UNITS
from .visibility import Who, viewer_for

DEFAULT_DB_NAME = "qualcode.db"
DB_ENV = "QUALCODE_DB"

# Settings kept in the database, with their defaults; `qualcode init` may set them.
DEFAULT_SETTINGS: dict[str, Any] = {
    "unit": "sentence",  # segmentation unit: sentence | turn | paragraph
    "pipeline": "blank",  # spaCy pipeline: "blank" or an installed package name
}


def resolve_db_url(root: Path, db: str | None = None) -> str:
    """``--db`` (a URL or a file path), else ``$QUALCODE_DB``, else ``root/qualcode.db``."""
    db = db or os.environ.get(DB_ENV)
    if not db:
        return f"sqlite:///{(root / DEFAULT_DB_NAME).resolve()}"
    if "://" in db:
        return db
    path = Path(db)
    if not path.is_absolute():
        path = root / path
    return f"sqlite:///{path.resolve()}"


def _sqlite_path(url: str) -> Path | None:
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):
        return None  # reported by dbcheck.engine_for, which names the URL
    if parsed.get_backend_name() != "sqlite" or not parsed.database:
        return None
    return Path(parsed.database)


def database_location(url: str) -> str:
    """The database as a user would name it: a file path, or the URL without password."""
    path = _sqlite_path(url)
    if path is not None:
        return str(path)
    try:
        return make_url(url).render_as_string(hide_password=True)
    except (ArgumentError, ValueError):  # such as a port that is not a number
        return re.sub(r"(://[^:/@]*:)[^@/]*@", r"\1***@", url)


@dataclass
class Project:
    """An open project. Build it with :func:`open_project` or :func:`init_project`."""

    root: Path
    url: str
    engine: Engine
    sessionmaker: sessionmaker[Session]

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session inside one transaction: committed on success, rolled back on error.

        A database that is busy past the timeout, read-only or damaged raises
        :class:`~qualcode.errors.DatabaseProblem` saying so.
        """
        with explained(self.location), self.sessionmaker() as session, session.begin():
            yield session

    def settings(self) -> dict[str, Any]:
        """Every stored setting, defaults filled in."""
        with self.sessionmaker() as session:
            stored = {row.key: row.value for row in session.scalars(select(Setting))}
        return {**DEFAULT_SETTINGS, **stored}

    def set_settings(self, **values: Any) -> None:
        with self.transaction() as session:
            for key, value in values.items():
                session.merge(Setting(key=key, value=value))

    @property
    def location(self) -> str:
        """The database as a user would name it: a file path, or the URL without password."""
        return database_location(self.url)

    def status(self, viewer: Who = None) -> dict[str, Any]:
        """Counts and facts for ``qualcode status``; codings, suggestions and codings waiting
        for review are counted as ``viewer`` may see them (see :mod:`qualcode.visibility`)."""
        with self.sessionmaker() as session:
            seen = viewer_for(session, viewer)
            counts = {
                name: session.scalar(select(func.count()).select_from(model).where(where)) or 0
                for name, model, where in [
                    ("documents", Document, true()),
                    ("segments", Segment, true()),
                    # themes are the codebook's top level; codes are all below it
                    ("themes", Code, Code.parent_id.is_(None) & ~Code.archived),
                    ("codes", Code, Code.parent_id.is_not(None) & ~Code.archived),
                    ("coders", Coder, true()),
                    ("codings", Coding, seen.where(Coding.coder_id)),
                    ("suggestions", Suggestion, seen.where(Suggestion.coder_id)),
                    ("review", CodingReview, seen.where(CodingReview.coder_id)),
                ]
            }
            archived = session.scalar(select(func.count()).where(Code.archived)) or 0
        counts["archived_codes"] = archived
        settings = self.settings()
        return {
            "root": str(self.root),
            "database": self.location,
            "schema_revision": migrations.current_revision(self.engine),
            "unit": settings["unit"],
            "pipeline": settings["pipeline"],
            "codebook": settings.get("codebook"),
            "counts": counts,
        }

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Project:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _connect(root: Path, url: str, *, creating: bool = False) -> Project:
    """Check that the database is a project (or, ``creating``, may become one), then
    migrate it. Nothing is written before the checks pass."""
    where = database_location(url)
    path = _sqlite_path(url)
    if path is not None:
        check_sqlite_file(path, creating=creating)
    engine = engine_for(url, where)
    try:
        with explained(where):
            check_tables(table_names(engine, path), where, creating=creating)
            migrations.upgrade(engine)
    except BaseException:
        engine.dispose()
        raise
    return Project(
        root=root, url=url, engine=engine, sessionmaker=sessionmaker(engine, expire_on_commit=False)
    )


def open_project(root: str | Path = ".", db: str | None = None) -> Project:
    """Open the project in ``root`` (or the database ``db``), migrating an old schema.

    >>> project = open_project("my-study")                     # my-study/qualcode.db
    >>> project = open_project(db="postgresql://host/study")   # a shared server
    """
    root = Path(root).resolve()
    url = resolve_db_url(root, db)
    path = _sqlite_path(url)
    if path is not None and not path.exists():
        raise ProjectNotFound(
            f"no qualcode project at {path}: run `qualcode init` in {root}, "
            f"or point --db (or ${DB_ENV}) at an existing project database"
        )
    return _connect(root, url)


def init_project(
    root: str | Path = ".",
    db: str | None = None,
    *,
    unit: str | None = None,
    pipeline: str | None = None,
) -> Project:
    """Create (or upgrade) the project database and record its settings.

    Running it again on an existing project is safe: it migrates and keeps the data.
    ``unit`` cannot change once documents are imported, since their segments depend on it.
    """
    if unit is not None and unit not in UNITS:
        raise QualcodeError(f"unknown segmentation unit {unit!r}: choose one of {', '.join(UNITS)}")
    root = Path(root).resolve()
    url = resolve_db_url(root, db)
    path = _sqlite_path(url)
    if path is not None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise DatabaseProblem(
                f"{path.parent}: cannot make the project's folder ({error.strerror})"
            ) from None
    project = _connect(root, url, creating=True)
    with project.transaction() as session:
        stored = {row.key: row.value for row in session.scalars(select(Setting))}
        has_documents = session.scalar(select(func.count()).select_from(Document))
        if unit is not None and has_documents and stored.get("unit", unit) != unit:
            project.close()
            raise QualcodeError(
                f"this project segments by {stored['unit']!r} and already has documents; "
                f"to segment by {unit!r}, start a new project (another folder, or --db)"
            )
        wanted = {"unit": unit, "pipeline": pipeline}
        for key, default in DEFAULT_SETTINGS.items():
            session.merge(Setting(key=key, value=wanted.get(key) or stored.get(key, default)))
    return project
