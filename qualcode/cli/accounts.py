"""Commands of a team server: accounts (`user`), the audit log, and moving or backing up
a whole project (`db copy`, `backup`)."""

from __future__ import annotations

from pathlib import Path

import click

from ..accounts.models import ACCOUNT_ROLES
from ._base import CommandContext, cli, json_option, pass_context, print_json, records


@cli.group()
def user() -> None:
    """Accounts of the team server (`qualcode serve --team`).

    A lead assigns, opens rounds and manages users; a coder codes; a viewer reads
    quotes and exports once the round is open and changes nothing.
    """


def _link(obj: CommandContext, secret_of: object) -> None:
    from ..accounts.users import link_url

    with obj.open() as project, project.transaction() as session:
        secret = secret_of(session)  # type: ignore[operator]
        url = link_url(session, secret)
    click.echo(url)
    click.echo("a one-time link: it works once, for 72 hours; send it to them alone", err=True)


@user.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice(ACCOUNT_ROLES), default="coder", show_default=True)
@pass_context
def user_add(obj: CommandContext, name: str, role: str) -> None:
    """Make an account and print its invitation link."""
    from ..accounts.users import add_user

    _link(obj, lambda session: add_user(session, name, role, by=obj.viewer))


@user.command("reset")
@click.argument("name")
@pass_context
def user_reset(obj: CommandContext, name: str) -> None:
    """A new one-time link to set a password.

    It ends NAME's sessions and enables the account again."""
    from ..accounts.users import reset

    _link(obj, lambda session: reset(session, name, by=obj.viewer))


@user.command("disable")
@click.argument("name")
@pass_context
def user_disable(obj: CommandContext, name: str) -> None:
    """No more sign-ins for NAME; their sessions end and their work stays."""
    from ..accounts.users import disable

    with obj.open() as project, project.transaction() as session:
        disable(session, name, by=obj.viewer)
    click.echo(f"{name}: disabled")


@user.command("role")
@click.argument("name")
@click.argument("role", type=click.Choice(["lead", "coder"]))
@pass_context
def user_role(obj: CommandContext, name: str, role: str) -> None:
    """Make NAME a lead or a coder."""
    from ..accounts.users import set_role

    with obj.open() as project, project.transaction() as session:
        set_role(session, name, role, by=obj.viewer)
    click.echo(f"{name}: {role}")


@user.command("list")
@json_option
@pass_context
def user_list(obj: CommandContext, as_json: bool) -> None:
    """Every account: name, role, and whether invited, active or disabled."""
    from ..accounts.users import USER_COLUMNS, users

    with obj.open() as project:
        frame = users(project)
    if as_json:
        print_json(records(frame, USER_COLUMNS))
        return
    if frame.empty:
        click.echo("No account yet: `qualcode user add NAME --role lead`.")
        return
    for row in frame.itertuples(index=False):
        click.echo(f"{row.name}\t{row.role}\t{row.status}")


@cli.command("audit")
@click.option("--limit", type=click.IntRange(1), default=50, show_default=True)
@json_option
@pass_context
def audit_(obj: CommandContext, limit: int, as_json: bool) -> None:
    """Who changed what, newest first.

    Changes to codings, the codebook, assignments, rounds and users, each with the
    account and the time."""
    from ..accounts.report import AUDIT_COLUMNS, audit
    from ..visibility import require_everyone

    with obj.open() as project:
        with project.sessionmaker() as session:
            require_everyone(session, obj.asker, "the audit log")
        frame = audit(project, limit)
    if as_json:
        print_json(records(frame, AUDIT_COLUMNS))
        return
    for row in frame.itertuples(index=False):
        detail = " ".join(f"{k}={v}" for k, v in (row.detail or {}).items())
        line = f"{row.at:%Y-%m-%d %H:%M:%S}  {row.actor}  {row.action}  {row.target}  {detail}"
        click.echo(line.rstrip())  # one line each, however long: for grep


@cli.group("db")
def db_() -> None:
    """The project's database as a whole."""


@db_.command("copy")
@click.argument("source")
@click.argument("target")
@pass_context
def db_copy(obj: CommandContext, source: str, target: str) -> None:
    """Copy a whole project into another database.

    SOURCE goes into the new, empty TARGET (each a SQLite file or a postgresql:// URL);
    then every table is compared."""
    from ..copying import copy_command
    from ..project import database_location

    copied = copy_command(obj.root, source, target)
    click.echo(
        f"copied {sum(copied.rows.values())} rows in {len(copied.rows)} tables to "
        f"{database_location(target) if '://' in target else target}; every table compares equal"
    )


@cli.command()
@click.argument("destination", type=click.Path(dir_okay=False, path_type=Path))
@pass_context
def backup(obj: CommandContext, destination: Path) -> None:
    """Copy a SQLite project while others work.

    The copy written to DESTINATION is consistent (SQLite's online backup)."""
    from ..copying import backup as write_backup

    with obj.open() as project:
        size = write_backup(project, destination)
    click.echo(f"{destination}: {size:,} bytes, a copy of {project.location}")
