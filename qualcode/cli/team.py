"""Team commands: coders and their roles, assignments, and the blind round."""

from __future__ import annotations

import click

from .. import team
from ..models import CODER_ROLES
from ..visibility import round_is_open
from ._base import (
    CommandContext,
    cli,
    coder_option,
    json_option,
    pass_context,
    print_json,
    records,
)


@cli.command()
@click.argument("name")
@click.option("--role", type=click.Choice(CODER_ROLES), default="coder", show_default=True)
@pass_context
def coder(obj: CommandContext, name: str, role: str) -> None:
    """Add a coder, or change their role.

    A lead sees everyone's codings and adjudicates. Once the project has a lead, only a
    lead gives roles: `qualcode --as LEAD coder NAME --role lead`.
    """
    with obj.open() as project, project.transaction() as session:
        person = team.set_role(session, name, role, by=obj.viewer)
    click.echo(f"{person.name}: {person.role}")


@cli.command()
@click.argument("documents", nargs=-1, required=True)
@click.option("--coders", required=True, help="Comma-separated coder names: --coders ana,ben")
@click.option(
    "--segments",
    metavar="FIRST-LAST",
    help="Only this passage of each document (segment numbers, as `qualcode segments` "
    "shows them): a sample inside a long transcript. Agreement compares coders there only.",
)
@pass_context
def assign(
    obj: CommandContext, documents: tuple[str, ...], coders: str, segments: str | None
) -> None:
    """Give DOCUMENTS to coders for blind double coding."""
    names = [name.strip() for name in coders.split(",") if name.strip()]
    passage = _segment_range(segments) if segments else None
    with obj.open() as project, project.transaction() as session:
        added = team.assign(session, documents, names, by=obj.viewer, segments=passage)
    click.echo(f"{len(added)} new assignment(s) for {len(documents)} document(s)")
    if passage:
        click.echo(f"each covers segments {passage[0]} to {passage[1]} only")


def _segment_range(text: str) -> tuple[int, int]:
    first, _dash, last = text.partition("-")
    try:
        return int(first), int(last or first)
    except ValueError:
        raise click.BadParameter(
            f"{text!r}: give two segment numbers, FIRST-LAST (e.g. 12-40)",
            param_hint="--segments",
        ) from None


@cli.command("assignments")
@json_option
@pass_context
def assignments_(obj: CommandContext, as_json: bool) -> None:
    """Who has which document."""
    with obj.open() as project:
        frame = team.assignments(project)
    if as_json:
        print_json(records(frame, team.ASSIGNMENT_COLUMNS))
        return
    if frame.empty:
        click.echo("No document is assigned yet: `qualcode assign DOCUMENT... --coders A,B`.")
        return
    passage = " (characters " + frame["start"].astype(str) + "–" + frame["end"].astype(str) + ")"
    frame["who"] = frame["coder"].where(frame["start"].isna(), frame["coder"] + passage)
    grouped = frame.groupby("document")["who"].apply(", ".join)
    for document, names in grouped.items():
        click.echo(f"{document}: {names}")


@cli.command("round")
@click.argument("action", type=click.Choice(["open", "close", "status"]))
@coder_option
@pass_context
def round_(obj: CommandContext, action: str, coder: str | None) -> None:
    """Open or close the blind round, or say which it is.

    While the round is open everyone sees everyone's codings. Only a lead opens or
    closes it: `qualcode --as LEAD round open`.
    """
    lead = obj.coder(coder) if action != "status" else None
    with obj.open() as project, project.transaction() as session:
        if lead is not None:
            team.set_round(session, lead, open_=action == "open")
        state = "open" if round_is_open(session) else "closed (blind coding)"
    click.echo(f"round {state}")
