"""Migration 0003 (who a suggestion is for, who decided it, when) keeps older suggestions."""

from __future__ import annotations

from alembic import command
from sqlalchemy import create_engine, text

from qualcode import migrations, open_project
from qualcode.models import Coding, Suggestion
from qualcode.suggest import accept, suggestions

DOC = "0123456789abcdef0123456789abcdef"
CODE = "fedcba9876543210fedcba9876543210"


def test_a_project_made_at_schema_0002_opens_and_keeps_its_suggestions(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'qualcode.db'}")
    config = migrations._config()
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "0002")
        for statement in (
            "INSERT INTO documents (id, name, source_path, format, content_hash, text,"
            f" word_count, attributes, imported_at) VALUES ('{DOC}', 'old.txt', 'old.txt',"
            " 'txt', 'h', 'Jo: we trust them', 4, '{}', CURRENT_TIMESTAMP)",
            "INSERT INTO segments (id, document_id, ordinal, start, end)"
            f" VALUES (1, '{DOC}', 1, 4, 17)",
            "INSERT INTO codes (id, name, slug, position, description, definition, use_when,"
            " not_when, examples, patterns, exclusive, archived, updated_at)"
            f" VALUES ('{CODE}', 'Trust', 'trust', 0, '', 'Relying.', '', '', '[]', '[]', 0, 0,"
            " CURRENT_TIMESTAMP)",
            "INSERT INTO suggestions (id, segment_id, code_id, score, method, evidence, status,"
            f" created_at) VALUES (7, 1, '{CODE}', 0.8, 'rule', '{{}}', 'pending',"
            " CURRENT_TIMESTAMP)",
        ):
            conn.execute(text(statement))
    assert migrations.current_revision(engine) == "0002"
    with open_project(tmp_path) as project:
        assert migrations.current_revision(project.engine) == migrations.head_revision()
        with project.sessionmaker() as session:
            old = session.get(Suggestion, 7)
            assert (old.score, old.status, old.coder_id, old.decided_at) == (
                0.8,
                "pending",
                None,
                None,
            )
        listed = suggestions(project)
        assert listed.id.tolist() == [7] and listed.text.tolist() == ["we trust them"]
        with project.transaction() as session:  # made for no one in particular: anyone decides
            (done,) = accept(session, [7], "ana")
            coding = done.coding
        with project.sessionmaker() as session:
            assert session.get(Coding, coding.id).origin == "suggestion"
            assert session.get(Suggestion, 7).coding_id == coding.id
