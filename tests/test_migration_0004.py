"""Migration 0004 on SQLite and PostgreSQL: an old project whose codings were stored
twice opens with one coding each (the earliest, with what pointed at the others), the
database refuses a second one from then on, and old `move` entries show in history."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from qualcode import migrations, open_project, queries
from qualcode.db import Base
from qualcode.models import Coding, CodingLog, Memo, Suggestion

DOC, CODE, ANA, BEN = (uuid.uuid4() for _ in range(4))
FIRST, SECOND, THIRD, OTHER = (uuid.uuid4() for _ in range(4))
T0 = datetime(2025, 3, 1, 10, 0, tzinfo=UTC)
TEXT = "Jo: we trust them. Priya: and we trust you."


def table(name: str, *columns: tuple[str, sa.types.TypeEngine]) -> sa.TableClause:
    return sa.table(name, *(sa.column(column, kind) for column, kind in columns))


ID, UUID, INT, STR, WHEN, JSON = (
    ("id", sa.Uuid()), sa.Uuid(), sa.Integer(), sa.String(), sa.DateTime(timezone=True), sa.JSON()
)  # fmt: skip
OLD_ROWS = [
    (
        table("documents", ID, ("name", STR), ("source_path", STR), ("format", STR),
              ("content_hash", STR), ("text", STR), ("word_count", INT),
              ("attributes", JSON), ("imported_at", WHEN)),
        [{"id": DOC, "name": "old.txt", "source_path": "old.txt", "format": "txt",
          "content_hash": "h", "text": TEXT, "word_count": 9, "attributes": {},
          "imported_at": T0}],
    ),
    (
        table("segments", ("id", INT), ("document_id", UUID), ("ordinal", INT), ("start", INT),
              ("end", INT)),
        [{"id": 1, "document_id": DOC, "ordinal": 1, "start": 4, "end": 18}],
    ),
    (
        table("codes", ID, ("name", STR), ("slug", STR), ("position", INT),
              ("description", STR), ("definition", STR), ("use_when", STR), ("not_when", STR),
              ("examples", JSON), ("patterns", JSON), ("exclusive", sa.Boolean()),
              ("archived", sa.Boolean()), ("updated_at", WHEN)),
        [{"id": CODE, "name": "Trust", "slug": "trust", "position": 0, "description": "",
          "definition": "", "use_when": "", "not_when": "", "examples": [], "patterns": [],
          "exclusive": False, "archived": False, "updated_at": T0}],
    ),
    (
        table("coders", ID, ("name", STR), ("role", STR)),
        [{"id": ANA, "name": "ana", "role": "coder"}, {"id": BEN, "name": "ben", "role": "coder"}],
    ),
    (
        # ana's coding stored three times (sent at once); the earliest is not the first row
        table("codings", ID, ("document_id", UUID), ("start", INT), ("end", INT),
              ("segment_id", INT), ("code_id", UUID), ("coder_id", UUID), ("origin", STR),
              ("created_at", WHEN), ("memo", STR)),
        [{"id": coding_id, "document_id": DOC, "start": 4, "end": 18, "segment_id": 1,
          "code_id": CODE, "coder_id": coder, "origin": "manual",
          "created_at": T0 + timedelta(seconds=seconds), "memo": memo}
         for coding_id, coder, seconds, memo in [
             (SECOND, ANA, 2, "Second thought."), (FIRST, ANA, 1, "First."),
             (THIRD, ANA, 3, None), (OTHER, BEN, 4, None)]],
    ),
    (
        table("suggestions", ("id", INT), ("segment_id", INT), ("code_id", UUID),
              ("score", sa.Float()), ("method", STR), ("evidence", JSON), ("status", STR),
              ("created_at", WHEN), ("coder_id", UUID), ("coding_id", UUID)),
        [{"id": 7, "segment_id": 1, "code_id": CODE, "score": 0.9, "method": "rules",
          "evidence": {}, "status": "accepted", "created_at": T0, "coder_id": ANA,
          "coding_id": THIRD}],
    ),
    (
        table("memos", ID, ("target_type", STR), ("target_id", STR), ("coder_id", UUID),
              ("text", STR), ("created_at", WHEN), ("updated_at", WHEN)),
        [{"id": uuid.uuid4(), "target_type": "coding", "target_id": str(SECOND),
          "coder_id": ANA, "text": "See the workshop notes.", "created_at": T0,
          "updated_at": T0}],
    ),
    (
        table("coding_log", ("id", INT), ("at", WHEN), ("coder_id", UUID), ("action", STR),
              ("coding_id", UUID), ("data", JSON)),
        [*({"id": n, "at": T0, "coder_id": ANA, "action": "add", "coding_id": coding_id,
            "data": {"document_id": str(DOC), "start": 4, "end": 18, "code_id": str(CODE),
                     "coder_id": str(ANA), "origin": "manual", "memo": None,
                     "created_at": None}}
           for n, coding_id in enumerate([SECOND, FIRST, THIRD], start=1)),
         # what `import --replace` wrote before: no document, no code, no coder
         {"id": 4, "at": T0, "coder_id": None, "action": "move", "coding_id": FIRST,
          "data": {"from": [0, 14], "to": [4, 18], "reason": "document replaced"}}],
    ),
]  # fmt: skip


def make_old_project(url: str) -> None:
    """A project database at schema 0003 holding the rows above."""
    engine = sa.create_engine(url)
    config = migrations._config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0003")
        for rows_table, rows in OLD_ROWS:
            connection.execute(rows_table.insert(), rows)
    engine.dispose()


def test_an_old_project_with_doubled_codings_migrates_to_one_each(tmp_path, database_url):
    make_old_project(database_url)
    with open_project(tmp_path, database_url) as project:
        with project.sessionmaker() as session:
            kept = session.scalars(select_codings(ANA)).all()
            assert [c.id for c in kept] == [FIRST]
            assert kept[0].memo == "First.\n\nSecond thought."
            assert session.get(Suggestion, 7).coding_id == FIRST
            assert session.scalars(sa.select(Memo.target_id)).one() == str(FIRST)
            logged = session.scalars(sa.select(CodingLog).order_by(CodingLog.id)).all()
            assert {entry.coding_id for entry in logged} == {FIRST}
            assert logged[-1].data["document_id"] == str(DOC)
            assert [c.id for c in session.scalars(select_codings(BEN))] == [OTHER]
        history = queries.history(project)
        assert history.action.tolist() == ["move", "add", "add", "add"]
        assert history.text.tolist() == ["we trust them."] * 4
        with project.engine.connect() as connection:
            differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
        assert differences == []
        with pytest.raises(sa.exc.IntegrityError), project.transaction() as session:
            session.add(
                Coding(
                    document_id=DOC, start=4, end=18, code_id=CODE, coder_id=ANA, origin="import"
                )
            )


def select_codings(coder: uuid.UUID) -> sa.Select:
    return sa.select(Coding).where(Coding.coder_id == coder).order_by(Coding.created_at)
