"""Corrected transcripts: edit a document, review what a correction could not place,
list a document's revisions with what changed, and revert to one."""

from __future__ import annotations

import click

from ._base import (
    CommandContext,
    cli,
    coder_option,
    json_option,
    pass_context,
    print_json,
    records,
)

SHOWN_CHANGES = 5  # word-diff lines shown per revision in `qualcode revisions`


@cli.command()
@click.argument("document")
@click.option("--reason", default="edited", show_default=True, help="Why: kept with the revision.")
@coder_option
@pass_context
def edit(obj: CommandContext, document: str, reason: str, coder: str | None) -> None:
    """Correct DOCUMENT's text in $EDITOR: a new revision.

    Each coding follows its words; what cannot be placed with confidence waits in
    `qualcode review`. Write turns as `Speaker: text`, as in a plain transcript.
    """
    from ..lookup import find_document
    from ..revisions.edit import rewrite

    author = obj.coder(coder)  # before the editor opens: nobody edits for nothing
    with obj.open() as project:
        with project.sessionmaker() as session:
            row = find_document(session, document)
            name, text = row.name, row.text
        edited = click.edit(text, extension=".txt", require_save=True)
        if edited is None:
            click.echo(f"{name}: not saved, nothing changed")
            return
        result = rewrite(project, name, edited, author=author, reason=reason)
    click.echo(
        f"{name}: " + (result.describe() if result else "the text is the same, nothing changed")
    )


@cli.command()
@click.argument("item", required=False)
@click.option("--document", "-d", help="Only codings of this document.")
@click.option(
    "--place", type=int, metavar="N", help="Re-place ITEM on its N-th candidate (1: the best)."
)
@click.option(
    "--at", "span", metavar="START:END", help="Re-place ITEM on this span of the current text."
)
@click.option("--drop", is_flag=True, help="Drop ITEM deliberately (qualcode undo brings it back).")
@coder_option
@json_option
@pass_context
def review(
    obj: CommandContext,
    item: str | None,
    document: str | None,
    place: int | None,
    span: str | None,
    drop: bool,
    coder: str | None,
    as_json: bool,
) -> None:
    """Codings a correction could not place: list, re-place, drop.

    Without ITEM, lists them; ITEM is an id or its start. Each shows its old passage
    between its context, and the best candidates in the current text: `qualcode review
    ITEM --place 1` puts it on the best one, `--at START:END` on a span of your choosing,
    `--drop` drops it.
    """
    from ..revisions.review import REVIEW_COLUMNS, drop_coding, replace_coding, review_frame

    if as_json and item is not None:
        raise click.UsageError("--json lists what waits for review: leave out ITEM")
    with obj.open() as project:
        if item is None:
            frame = review_frame(project, obj.asker, document)
            if as_json:
                print_json(records(frame, REVIEW_COLUMNS))
            else:
                _show(frame)
            return
        who = obj.coder(coder)
        if drop:
            dropped = drop_coding(project, item, who)
            click.echo(f"dropped {str(dropped)[:8]} (qualcode undo brings it back)")
            return
        at = _span(span) if span else None
        coding = replace_coding(project, item, who, candidate=place or 1, span=at)
    click.echo(f"re-placed {str(coding.id)[:8]} on {coding.start}-{coding.end}: {coding.quote!r}")


def _span(value: str) -> tuple[int, int]:
    try:
        start, end = (int(part) for part in value.split(":"))
    except ValueError:
        raise click.BadParameter(
            f"{value!r}: give START:END, as 120:188", param_hint="--at"
        ) from None
    return start, end


def _show(frame: object) -> None:
    import pandas as pd

    assert isinstance(frame, pd.DataFrame)
    if frame.empty:
        click.echo("No coding waits for review.")
        return
    for row in frame.itertuples():
        click.echo(
            f"{row.id[:8]}  {row.document}  {row.code}  "
            f"({row.coder}, placed on revision {row.revision})"
        )
        click.echo(f"    was: …{row.prefix}[{row.quote}]{row.suffix}…".replace("\n", " "))
        for n, candidate in enumerate(row.candidates, start=1):
            click.echo(
                f"    {n}. {candidate['start']}-{candidate['end']} "
                f"(score {candidate['score']:.2f}): {candidate['text']!r}"
            )
        if not row.candidates:
            click.echo("    no candidate: --at START:END or --drop")
    click.echo(
        f"{len(frame)} coding(s) wait for review: "
        "qualcode review ITEM --place N | --at START:END | --drop"
    )


@cli.command()
@click.argument("document")
@click.option(
    "--diff", "number", type=int, help="Every change of revision N (against the one before)."
)
@json_option
@pass_context
def revisions(obj: CommandContext, document: str, number: int | None, as_json: bool) -> None:
    """DOCUMENT's revisions: who, when, why, what changed.

    Each revision after the first shows its first changes as a word diff; --diff N shows
    all of revision N's (with --json: revision N alone)."""
    from ..revisions.history import REVISION_COLUMNS, revision_diff, revisions_frame

    with obj.open() as project:
        if as_json:
            frame = revisions_frame(project, document)
            if number is not None:
                revision_diff(project, document, number)  # a clear error if there is no N
                frame = frame[frame["number"] == number]
            print_json(records(frame, REVISION_COLUMNS))
            return
        if number is not None:
            for line in revision_diff(project, document, number):
                click.echo(line)
            return
        frame = revisions_frame(project, document)
        for row in frame.itertuples():
            mark = " (current)" if row.current else ""
            who = row.author or "unknown"
            click.echo(
                f"{row.number}{mark}  {row.created_at:%Y-%m-%d %H:%M}  {who}  {row.reason}  "
                f"-{row.words_removed} +{row.words_added} words"
            )
            if row.number > 1:
                lines = revision_diff(project, document, row.number)
                for line in lines[:SHOWN_CHANGES]:
                    click.echo(f"    {line}")
                if len(lines) > SHOWN_CHANGES:
                    click.echo(f"    … {len(lines) - SHOWN_CHANGES} more: --diff {row.number}")


@cli.command()
@click.argument("document")
@click.argument("number", type=int)
@coder_option
@pass_context
def revert(obj: CommandContext, document: str, number: int, coder: str | None) -> None:
    """Bring an earlier revision of DOCUMENT back.

    Revision NUMBER's text becomes a new revision, with its codings exactly where they were;
    codings made since follow their words."""
    from ..revisions.history import revert as revert_to

    author = obj.coder(coder)
    with obj.open() as project:
        result = revert_to(project, document, number, author=author)
    click.echo(f"{document}: {result.describe()}")
