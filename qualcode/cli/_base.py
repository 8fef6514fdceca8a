"""What every command shares: the group, the project context, JSON and table output.

Errors of ours (``QualcodeError``) become one line on stderr and exit status 1, in
one place (:class:`QualcodeGroup`). ``--json`` output is a stable interface (see README).
"""

from __future__ import annotations

import json
import math
import sys
import uuid
from datetime import UTC, date, datetime
from pathlib import Path, PurePath
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
    """Rich output that prints text as written: transcripts hold ``[laughs]`` and ``:D``,
    which rich would otherwise read as markup and emoji codes. Style with ``Text``."""
    return Console(highlight=False, soft_wrap=False, markup=False, emoji=False)


PIPED_WIDTH = 200  # the widest a table is printed into a file or a pipe


def print_table(table: Any) -> None:
    """Print a table (or any rich renderable) at the width it needs, up to
    ``PIPED_WIDTH``, when the output is a file or a pipe: rich would otherwise lay it out
    in 80 columns and cut names to 'area-1-fac…'. A terminal keeps its own width."""
    out = console()
    if not out.is_terminal:
        wide = out.options.update(max_width=PIPED_WIDTH)
        out.width = max(out.width, min(out.measure(table, options=wide).maximum, PIPED_WIDTH))
    out.print(table)


def clean(value: Any) -> Any:
    """Plain JSON values, the same every time: missing values (None, NaN, pandas' NA and
    NaT) and numbers JSON cannot hold (infinity) become null, numpy numbers Python ones,
    times ISO 8601 text with their offset from UTC, ids and paths text."""
    # A numpy or pandas value exists only if its module was imported: no command loads
    # them (a second or more) just to print.
    np, pd = sys.modules.get("numpy"), sys.modules.get("pandas")
    if isinstance(value, dict):
        return {str(k): clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple) or (np and isinstance(value, np.ndarray)):
        return [clean(v) for v in value]
    if np and isinstance(value, np.generic):
        value = value.item()
    if value is None or (pd and (value is pd.NA or value is pd.NaT)):
        return None
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, datetime) and value.tzinfo is None:
        # Times are stored in UTC (models.utcnow); SQLite gives them back without a zone.
        value = value.replace(tzinfo=UTC)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, uuid.UUID | PurePath):
        return str(value)
    return value


def cell(value: Any) -> str:
    """A table cell: missing values (None, NaN) are blank."""
    value = clean(value)
    return "" if value is None else str(value)


def print_json(data: Any) -> None:
    """Strict JSON (no NaN or Infinity): a value ``clean`` does not know is a bug, and
    fails here rather than reaching a script as something else."""
    click.echo(json.dumps(clean(data), indent=2, ensure_ascii=False, allow_nan=False))


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
