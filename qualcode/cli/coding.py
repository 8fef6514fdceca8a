"""Coding commands: code, uncode, codings (list, import, export), history, undo, memos,
and merging or splitting codes."""

from __future__ import annotations

import re
from pathlib import Path

import click
from rich.table import Table

from .. import coding, memos, queries, sheets
from ..errors import BadRows, QualcodeError
from ..files import writing_to
from ._base import (
    CommandContext,
    cell,
    cli,
    coder_option,
    json_option,
    pass_context,
    print_json,
    print_table,
    records,
)
from .codebook import codebook


def _span(session, document: str, where: str) -> tuple[int, int]:
    """``12`` (a segment ordinal) or ``120-188`` / ``120:188`` (character offsets)."""
    found = re.fullmatch(r"\s*(\d+)\s*[-:]\s*(\d+)\s*", where)
    if found:
        return int(found[1]), int(found[2])
    if where.strip().isdigit():
        segment = coding.find_segment(session, document, int(where))
        return segment.start, segment.end
    raise QualcodeError(
        f"{where!r} is neither a segment number (12) nor a span of characters (120-188)"
    )


@cli.command("code")
@click.argument("document")
@click.argument("where", metavar="SEGMENT|START-END")
@click.argument("code")
@coder_option
@click.option("--memo", help="A note on this coding.")
@pass_context
def code_(
    obj: CommandContext, document: str, where: str, code: str, coder: str | None, memo: str | None
) -> None:
    """Apply CODE to a segment or a span of DOCUMENT.

    SEGMENT is a number from `qualcode segments DOCUMENT`; START-END are character
    offsets.
    """
    coder = obj.coder(coder)
    with obj.open() as project, project.transaction() as session:
        start, end = _span(session, document, where)
        made = coding.apply_coding(session, document, start, end, code, coder, memo=memo)
        doc = queries.find_document(session, document)
        name = coding.find_code(session, code).name
        quote = doc.text[made.start : made.end]
        click.echo(f"{name} <- {doc.name} {made.start}-{made.end} by {coder}: {quote!r}")
        click.echo(f"coding {made.id}")


@cli.command()
@click.argument("document")
@click.argument("where", metavar="SEGMENT|START-END")
@click.argument("code")
@coder_option
@pass_context
def uncode(
    obj: CommandContext, document: str, where: str, code: str, coder: str | None
) -> None:
    """Remove your coding of CODE from a segment or span.

    SEGMENT|START-END as for `qualcode code`.
    """
    coder = obj.coder(coder)
    with obj.open() as project, project.transaction() as session:
        start, end = _span(session, document, where)
        removed = coding.uncode(session, document, start, end, code, coder)
    click.echo(f"removed {removed} coding(s)")


@cli.group(invoke_without_command=True)
@click.option("--document", help="Only this document.")
@click.option("--coder", "who", help="Only this coder's codings.")
@click.option("--code", help="Only this code (a theme includes its codes).")
@json_option
@click.pass_context
def codings(
    ctx: click.Context, document: str | None, who: str | None, code: str | None, as_json: bool
) -> None:
    """List codings, or move them through spreadsheets.

    `codings import` and `codings export` read and write CSV or XLSX files.
    """
    if ctx.invoked_subcommand is not None:
        return
    obj = ctx.find_object(CommandContext)
    with obj.open() as project:
        frame = queries.codings(project, document=document, coder=who, code=code, viewer=obj.asker)
    if as_json:
        print_json(records(frame, queries.CODING_COLUMNS))
        return
    table = Table("document", "span", "speaker", "code", "coder", "text")
    for row in frame.itertuples(index=False):
        table.add_row(
            row.document, f"{row.start}-{row.end}", cell(row.speaker), row.code, row.coder, row.text
        )
    print_table(table)
    click.echo(f"{len(frame)} codings")


@codings.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--coder",
    "who",
    metavar="NAME",
    help="Coder of rows without one [default: the global --as NAME, or QUALCODE_CODER].",
)
@click.option(
    "--problems",
    "problems_out",
    metavar="FILE.csv",
    type=click.Path(dir_okay=False, path_type=Path),
    help="If rows are bad, also write each one (where, problem) to this CSV file.",
)
@json_option
@pass_context
def codings_import(
    obj: CommandContext, path: Path, who: str | None, problems_out: Path | None, as_json: bool
) -> None:
    """Import codings from a CSV, XLSX or JSON file.

    Each row places its coding by character offsets, a segment number, or the quoted
    text (as Taguette exports it). Every bad row is reported at once; nothing is written.
    """
    try:
        with obj.open() as project:
            report = sheets.import_codings(project, path, coder=who or obj.viewer, by=obj.viewer)
    except BadRows as error:
        if problems_out is not None:
            sheets.write_problems(problems_out, error.problems)
            click.echo(f"{len(error.problems)} problem(s) written to {problems_out}", err=True)
        raise
    if as_json:
        print_json(report.__dict__)
    else:
        for line in report.unplaced:
            click.echo(f"not placed: {line}")
        click.echo(
            f"{report.added} added, {report.unchanged} already there, "
            f"{len(report.unplaced)} quote(s) not placed"
        )
    if report.unplaced:
        raise SystemExit(1)


@codings.command("export")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--document", help="Only this document.")
@click.option("--coder", "who", help="Only this coder's codings.")
@click.option("--code", help="Only this code (a theme includes its codes).")
@pass_context
def codings_export(
    obj: CommandContext, path: Path, document: str | None, who: str | None, code: str | None
) -> None:
    """Write codings to a CSV or XLSX file.

    PATH ends in .csv or .xlsx; `codings import` reads the file back.
    """
    hint = "Give a file name in a folder where you may write"
    with obj.open() as project, writing_to(path, "the codings", hint):
        count = sheets.export_codings(
            project, path, document=document, coder=who, code=code, viewer=obj.asker
        )
    click.echo(f"{count} codings written to {path}")


@cli.command()
@click.option("--coder", "who", help="Only this coder's changes.")
@click.option("--limit", type=int, default=50, show_default=True, help="How many entries.")
@json_option
@pass_context
def history(obj: CommandContext, who: str | None, limit: int, as_json: bool) -> None:
    """The log of changes to codings, newest first.

    Each change says who made it, what it was and when.
    """
    with obj.open() as project:
        frame = queries.history(project, coder=who, limit=limit, viewer=obj.asker)
    if as_json:
        print_json(records(frame, queries.HISTORY_COLUMNS))
        return
    table = Table("when", "coder", "action", "document", "code", "span", "text")
    for row in frame.itertuples(index=False):
        table.add_row(
            f"{row.at:%Y-%m-%d %H:%M:%S}",
            cell(row.coder),
            row.action,
            cell(row.document),
            cell(row.code),
            "" if row.start is None else f"{row.start}-{row.end}",
            cell(row.text),
        )
    print_table(table)


@cli.command()
@coder_option
@pass_context
def undo(obj: CommandContext, coder: str | None) -> None:
    """Undo your latest change, whatever it was.

    Run it again to go further back.
    """
    from ..undo import undo_last

    coder = obj.coder(coder)
    with obj.open() as project, project.transaction() as session:
        click.echo(undo_last(session, coder))


@cli.command()
@click.argument("target_type", type=click.Choice(memos.TARGETS))
@click.argument("target")
@click.argument("text")
@click.option("--segment", type=int, help="The segment number, for a segment memo.")
@coder_option
@pass_context
def memo(
    obj: CommandContext,
    target_type: str,
    target: str,
    text: str,
    segment: int | None,
    coder: str | None,
) -> None:
    """Write a memo on a document, segment, code or coding.

    A segment memo names its document and --segment N; a coding memo the coding's id.
    """
    coder = obj.coder(coder)
    with obj.open() as project, project.transaction() as session:
        memos.write_memo(session, target_type, target, text, coder, segment=segment)
    click.echo(f"memo saved on {target_type} {target}" + (f" #{segment}" if segment else ""))


@cli.command("memos")
@json_option
@click.option(
    "--export", "export_to", type=click.Path(dir_okay=False, path_type=Path),
    help="Write every memo one may see, those of codings too, to FILE.csv or FILE.md.",
)  # fmt: skip
@pass_context
def memos_(obj: CommandContext, as_json: bool, export_to: Path | None) -> None:
    """Every memo, with what it is about and who wrote it."""
    if export_to is not None:
        from ..export.memos import write_memos

        with obj.open() as project:
            frame = memos.every_memo(project, viewer=obj.asker)
        with writing_to(export_to, "the memos", "choose a folder you can write to"):
            write_memos(frame, export_to)
        click.echo(f"wrote {export_to} ({len(frame)} memos)")
        return
    with obj.open() as project:
        frame = memos.memos(project, viewer=obj.asker)
    if as_json:
        print_json(records(frame, memos.MEMO_COLUMNS))
        return
    table = Table("on", "about", "coder", "memo")
    for row in frame.itertuples(index=False):
        table.add_row(row.target_type, cell(row.target), cell(row.coder), row.text)
    print_table(table)


@codebook.command("merge")
@click.argument("source")
@click.argument("target")
@coder_option
@pass_context
def codebook_merge(obj: CommandContext, source: str, target: str, coder: str | None) -> None:
    """Move every coding of SOURCE to TARGET.

    Then remove SOURCE from codebook.yaml and sync, which archives it.
    """
    coder = obj.coder(coder)
    with obj.open() as project, project.transaction() as session:
        moved = coding.merge_codes(session, source, target, coder)
    click.echo(
        f"{moved} coding(s) moved from {source} to {target}; remove {source} from "
        "codebook.yaml and sync to archive it"
    )


@codebook.command("split")
@click.argument("source")
@click.argument("target")
@click.option("--coding", "coding_ids", multiple=True, help="A coding id to move (repeatable).")
@click.option("--containing", help="Move the codings whose text contains this (any case).")
@coder_option
@pass_context
def codebook_split(
    obj: CommandContext,
    source: str,
    target: str,
    coding_ids: tuple[str, ...],
    containing: str | None,
    coder: str | None,
) -> None:
    """Move some codings of SOURCE to TARGET.

    Add TARGET to codebook.yaml and sync first.
    """
    coder = obj.coder(coder)
    with obj.open() as project, project.transaction() as session:
        moved = coding.split_code(
            session, source, target, coder, coding_ids=coding_ids, containing=containing
        )
    click.echo(f"{moved} coding(s) moved from {source} to {target}")
