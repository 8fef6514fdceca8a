"""What every command shares: the group, the project context, JSON and table output.

Errors of ours (``QualcodeError``) become one line on stderr and exit status 1, in
one place (:class:`QualcodeGroup`). ``--json`` output is a stable interface (see README).
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from rich.console import Console
from sqlalchemy.exc import DBAPIError

from ..dbcheck import explain
from ..errors import NoCoder, QualcodeError
from ..project import DB_ENV, Project, database_location, open_project, resolve_db_url
from ..visibility import NOBODY, Who

if TYPE_CHECKING:
    import pandas as pd


class QualcodeGroup(click.Group):
    """Turns every QualcodeError into a one-line ``Error: ...`` and exit status 1."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except QualcodeError as error:
            raise click.ClickException(str(error)) from None
        except DBAPIError as error:  # one that no command expected: still one line
            obj = ctx.find_object(CommandContext)
            where = obj.location if obj else "the database"
            raise click.ClickException(str(explain(error, where, always=True))) from None


class CommandContext:
    """What every command gets: the project folder, the database, and who is asking."""

    def __init__(self, root: Path, db: str | None, viewer: str | None = None) -> None:
        self.root = root
        self.db = db
        self.viewer = viewer

    def open(self) -> Project:
        return open_project(self.root, self.db)

    @property
    def location(self) -> str:
        """The project's database as a user would name it."""
        return database_location(resolve_db_url(self.root.resolve(), self.db))

    def coder(self, named: str | None = None) -> str:
        """Who acts: the command's ``--coder``, else the global ``--as`` (or QUALCODE_CODER)."""
        given = named or self.viewer
        who = given.strip() if isinstance(given, str) else ""
        if not who:
            raise NoCoder()
        return who

    @property
    def asker(self) -> Who:
        """Who asks, for what they may see (:mod:`qualcode.visibility`): the ``--as`` name,
        else NOBODY; never None, which the library takes for a script that sees all."""
        return self.viewer or NOBODY


pass_context = click.make_pass_decorator(CommandContext)
CODER_ALIAS_HELP = "Act as NAME: the same as `qualcode --as NAME` [env QUALCODE_CODER]."
# Commands that act as someone take this; resolve it with CommandContext.coder().
coder_option = click.option("--coder", metavar="NAME", help=CODER_ALIAS_HELP)
json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")


def console() -> Console:
    return Console(highlight=False, soft_wrap=False)


def clean(value: Any) -> Any:
    """JSON-safe values: NaN and pandas' missing become null."""
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, dict):
        return {k: clean(v) for k, v in value.items()}
    if isinstance(value, list):
        return [clean(v) for v in value]
    return value


def cell(value: Any) -> str:
    """A table cell: missing values (None, NaN) are blank."""
    value = clean(value)
    return "" if value is None else str(value)


def print_json(data: Any) -> None:
    click.echo(json.dumps(clean(data), indent=2, ensure_ascii=False, default=str))


def records(frame: pd.DataFrame, columns: list[str]) -> list[dict[str, Any]]:
    return [
        clean(dict(zip(columns, row, strict=True)))
        for row in frame[columns].itertuples(index=False)
    ]


@click.group(cls=QualcodeGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--project",
    "root",
    type=click.Path(file_okay=False, path_type=Path),
    default=".",
    show_default=True,
    help="The project folder (codebook.yaml, transcripts/, exports/).",
)
@click.option(
    "--db",
    envvar=DB_ENV,
    metavar="URL",
    help=f"Database URL or SQLite file [default: PROJECT/qualcode.db; env {DB_ENV}].",
)
@click.option(
    "--as",
    "viewer",
    envvar="QUALCODE_CODER",
    metavar="NAME",
    help="Who you are [env QUALCODE_CODER]: while a round is closed, a coder sees only "
    "their own codings.",
)
@click.version_option(package_name="qualcode")
@click.pass_context
def cli(ctx: click.Context, root: Path, db: str | None, viewer: str | None) -> None:
    """qualcode: qualitative coding of interview and workshop transcripts."""
    ctx.obj = CommandContext(root, db, viewer)
