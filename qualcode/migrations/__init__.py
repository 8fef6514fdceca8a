"""Schema migrations (Alembic), run by ``qualcode init`` and whenever a project opens.

Opening a project whose schema is already current must stay cheap: the stored revision
is read with plain SQLAlchemy and compared with the newest file in ``versions/``, and
Alembic is imported only when they differ. Revision files are named after their
revision id (``0004_what_it_does.py`` holds revision ``"0004"``); a test checks that
the newest file is Alembic's head.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, inspect, text

from ..errors import QualcodeError

if TYPE_CHECKING:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

HERE = Path(__file__).parent
VERSION_TABLE = "alembic_version"


def _config() -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(HERE))
    return config


def _script() -> ScriptDirectory:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(_config())


def head_revision() -> str:
    """The newest schema revision this version of qualcode knows (asks Alembic)."""
    head = _script().get_current_head()
    assert head is not None
    return head


def newest_revision() -> str:
    """The revision id of the newest file in ``versions/``, without importing Alembic."""
    return max(path.name.split("_", 1)[0] for path in (HERE / "versions").glob("[0-9]*_*.py"))


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at, or None for a database without our schema."""
    with engine.connect() as connection:
        if not inspect(connection).has_table(VERSION_TABLE):
            return None
        return connection.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalar()


def _known(script: ScriptDirectory, revision: str) -> bool:
    from alembic.script.revision import RevisionError
    from alembic.util import CommandError

    try:
        return script.get_revision(revision) is not None
    except (CommandError, RevisionError):
        return False


def upgrade(engine: Engine) -> bool:
    """Bring the schema to the head revision; True if anything was run.

    A database made by a newer qualcode (a revision we do not know) is refused rather
    than touched.
    """
    current = current_revision(engine)
    if current == newest_revision():
        return False
    from alembic import command

    script = _script()
    if current is not None and not _known(script, current):
        raise QualcodeError(
            f"the database is at schema revision {current}, which this qualcode does not "
            "know: it was made by a newer version. Upgrade qualcode (pip install -U qualcode)"
        )
    config = _config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
    return True
