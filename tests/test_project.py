"""Projects: creating, opening, migrating, and settings that hold for the project."""

from __future__ import annotations

import sqlite3

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, text

from qualcode import ProjectNotFound, QualcodeError, init_project, migrations, open_project
from qualcode.db import Base


def test_init_creates_database_at_head_with_default_settings(tmp_path):
    with init_project(tmp_path) as project:
        assert (tmp_path / "qualcode.db").exists()
        assert migrations.current_revision(project.engine) == migrations.head_revision()
        assert project.settings() == {"unit": "sentence", "pipeline": "blank"}


def test_migrations_from_empty_database_match_the_models(tmp_path, database_url):
    """The migration chain, run on an empty database (a SQLite file, a PostgreSQL one),
    builds exactly the schema of models.py."""
    if database_url.startswith("sqlite"):
        sqlite3.connect(tmp_path / "qualcode.db").close()
    with init_project(tmp_path, db=database_url) as project, project.engine.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert differences == []


def test_sqlite_runs_with_foreign_keys_wal_and_busy_timeout(project):
    with project.engine.connect() as conn:
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() >= 5000


def test_open_without_project_says_how_to_make_one(tmp_path):
    with pytest.raises(ProjectNotFound) as caught:
        open_project(tmp_path)
    assert str(caught.value) == (
        f"no qualcode project at {tmp_path / 'qualcode.db'}: run `qualcode init` in "
        f"{tmp_path}, or point --db (or $QUALCODE_DB) at an existing project database"
    )


def test_db_option_and_environment_choose_the_database(tmp_path, monkeypatch):
    init_project(tmp_path, db="elsewhere.db").close()
    assert (tmp_path / "elsewhere.db").exists()
    monkeypatch.setenv("QUALCODE_DB", str(tmp_path / "elsewhere.db"))
    with open_project(tmp_path) as project:
        assert project.location == str(tmp_path / "elsewhere.db")


def test_database_from_a_newer_qualcode_is_refused_untouched(tmp_path):
    init_project(tmp_path).close()
    engine = create_engine(f"sqlite:///{tmp_path / 'qualcode.db'}")
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = 'f00dcafe'"))
    with pytest.raises(QualcodeError, match="made by a newer version"):
        open_project(tmp_path)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == "f00dcafe"


def test_init_again_keeps_settings_and_refuses_unit_change_after_import(tmp_path):
    init_project(tmp_path, unit="turn").close()
    with init_project(tmp_path) as project:
        assert project.settings()["unit"] == "turn"
        with project.engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO documents (id, name, source_path, format, content_hash, text,"
                    " word_count, attributes, imported_at) VALUES ('0'||hex(randomblob(15)),"
                    " 'a.txt', 'a.txt', 'txt', 'h', 'x', 1, '{}', CURRENT_TIMESTAMP)"
                )
            )
    with pytest.raises(QualcodeError, match="segments by 'turn' and already has documents"):
        init_project(tmp_path, unit="sentence")


def test_unknown_unit_is_refused(tmp_path):
    with pytest.raises(QualcodeError, match="choose one of sentence, turn, paragraph"):
        init_project(tmp_path, unit="word")


def test_a_project_made_at_the_first_schema_opens_and_keeps_its_data(tmp_path, database_url):
    """An old project database, on SQLite or PostgreSQL, is migrated on open, and what it
    held is still there."""
    from alembic import command

    engine = create_engine(database_url)
    config = migrations._config()
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "0001")
        conn.execute(
            text(
                "INSERT INTO documents (id, name, source_path, format, content_hash, text,"
                " word_count, attributes, imported_at) VALUES ('0123456789abcdef0123456789abcdef',"
                " 'old.txt', 'old.txt', 'txt', 'h', 'Jo: hello', 2, '{}', CURRENT_TIMESTAMP)"
            )
        )
    assert migrations.current_revision(engine) == "0001"
    engine.dispose()
    with open_project(tmp_path, database_url) as project:
        assert migrations.current_revision(project.engine) == migrations.head_revision() != "0001"
        assert project.status()["counts"]["documents"] == 1
