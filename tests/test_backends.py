"""PostgreSQL as a user names it: `--db postgresql://host/study` works with the driver that
`pip install 'qualcode[postgres]'` brings (psycopg 3), not only with `postgresql+psycopg://`."""

from __future__ import annotations

import pytest

from qualcode import init_project, migrations


@pytest.mark.postgres
def test_a_plain_postgresql_url_opens_a_project(tmp_path, postgres_server):
    plain = postgres_server.database().replace("postgresql+psycopg://", "postgresql://")
    with init_project(tmp_path, plain) as project:
        assert project.engine.dialect.driver == "psycopg"
        assert migrations.current_revision(project.engine) == migrations.head_revision()
        assert project.location == plain
