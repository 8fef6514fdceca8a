"""Migration 0007 on SQLite and PostgreSQL: an old project's assignments stay whole-document
assignments (no passage), a passage can then be given, and the schema matches the models."""

from __future__ import annotations

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from test_migration_0004 import ANA, BEN, DOC, T0, make_old_project

from qualcode import open_project
from qualcode.db import Base
from qualcode.models import Assignment
from qualcode.team import assign, assignments


def test_old_assignments_cover_whole_documents_and_a_passage_can_be_given(tmp_path, database_url):
    make_old_project(database_url)
    engine = sa.create_engine(database_url)
    rows = [{"document_id": DOC, "coder_id": who, "assigned_at": T0} for who in (ANA, BEN)]
    with engine.begin() as connection:  # 0003 has assignments without passages
        connection.execute(sa.table("assignments", sa.column("document_id", sa.Uuid()),
                                    sa.column("coder_id", sa.Uuid()),
                                    sa.column("assigned_at", sa.DateTime(timezone=True))
                                    ).insert(), rows)  # fmt: skip
    engine.dispose()
    with open_project(tmp_path, database_url) as project:
        with project.sessionmaker() as session:
            found = session.scalars(sa.select(Assignment)).all()
            assert {(a.coder_id, a.start, a.end) for a in found} == {(ANA, None, None),
                                                                    (BEN, None, None)}  # fmt: skip
        with project.transaction() as session:
            assert assign(session, ["old.txt"], ["ana"], segments=(1, 1)) == []
        frame = assignments(project).set_index("coder")
        assert (frame.loc["ana", "start"], frame.loc["ana", "end"]) == (4, 18)
        assert frame["start"].isna().tolist() == [False, True]
        with project.engine.connect() as connection:
            differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
        assert differences == []
