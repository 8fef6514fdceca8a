"""Migration 0005 on SQLite and PostgreSQL: an old project opens with revision 1 of each
document (its text, hash and import time) and every coding anchored by its quote and
context on that revision; the schema then matches the models."""

from __future__ import annotations

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from test_migration_0004 import DOC, FIRST, OTHER, T0, TEXT, make_old_project

from qualcode import open_project
from qualcode.db import Base
from qualcode.models import Coding, Document, DocumentRevision


def test_an_old_project_gets_revision_one_and_anchored_codings(tmp_path, database_url):
    make_old_project(database_url)
    with open_project(tmp_path, database_url) as project:
        with project.sessionmaker() as session:
            document = session.get_one(Document, DOC)
            assert document.revision == 1
            first = session.scalars(sa.select(DocumentRevision)).one()
            assert (first.document_id, first.number, first.text) == (DOC, 1, TEXT)
            assert first.created_at.replace(tzinfo=T0.tzinfo) == T0
            assert first.content_hash == "h"
            for coding_id in (FIRST, OTHER):
                coding = session.get_one(Coding, coding_id)
                assert coding.quote == TEXT[coding.start : coding.end] == "we trust them."
                assert coding.prefix == TEXT[: coding.start] == "Jo: "
                assert coding.suffix == TEXT[coding.end :][:32]
                assert (coding.revision, coding.anchor) == (1, None)
        with project.engine.connect() as connection:
            differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
        assert differences == []
