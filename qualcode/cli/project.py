"""Project commands: init, import, documents, segments, status."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Column, Table

from .. import queries
from ..importing import FileResult, auto_workers, collect_files, import_files
from ..project import init_project
from ..quotes import clock
from ..readers.survey import SurveyOptions
from ..segment import UNITS
from ._base import (
    CommandContext,
    cell,
    cli,
    json_option,
    pass_context,
    print_json,
    print_table,
    records,
)

if TYPE_CHECKING:
    import pandas as pd


@cli.command()
@click.option("--unit", type=click.Choice(UNITS), help="Segmentation unit [default: sentence].")
@click.option("--pipeline", help='spaCy pipeline: "blank" (default) or an installed package.')
@pass_context
def init(obj: CommandContext, unit: str | None, pipeline: str | None) -> None:
    """Create or upgrade the project database here.

    Safe to run again: it migrates the database and keeps its data.
    """
    with init_project(obj.root, obj.db, unit=unit, pipeline=pipeline) as project:
        settings = project.settings()
        click.echo(
            f"Project ready: {project.location} "
            f"(segments by {settings['unit']}, spaCy pipeline {settings['pipeline']})"
        )


def _parse_attrs(values: tuple[str, ...]) -> dict[str, str]:
    attrs = {}
    for value in values:
        key, sep, val = value.partition("=")
        if not sep or not key.strip():
            raise click.BadParameter(f"{value!r} is not key=value", param_hint="--attr")
        attrs[key.strip()] = val.strip()
    return attrs


@cli.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--attr",
    "attrs",
    multiple=True,
    metavar="KEY=VALUE",
    help="An attribute for every imported document (repeatable).",
)
@click.option("--replace", is_flag=True, help="Import new versions of changed files.")
@click.option(
    "--workers",
    type=click.IntRange(min=0),
    help="spaCy worker processes [default: 1 for 50 files or more on a machine with "
    "a spare core, else 0].",
)
@click.option(
    "--unlabelled-speaker",
    metavar="NAME",
    help="Who speaks the paragraphs without a speaker label (say, the participant of a "
    "think-aloud transcript that labels only the moderator) [default: they continue the "
    "turn before them].",
)
@click.option(
    "--survey",
    is_flag=True,
    help="Each file is a survey sheet (.csv, .xlsx): a document per respondent, open answers "
    "as turns under their question, closed answers as attributes.",
)
@click.option(
    "--by",
    "survey_by",
    type=click.Choice(["respondent", "question"]),
    default="respondent",
    show_default=True,
    help="--survey: a document per respondent or per open question.",
)
@click.option("--sheet", help="--survey: the workbook's sheet to read [default: the first].")
@click.option("--id-column", metavar="COLUMN", help="--survey: the column of respondent ids.")
@click.option(
    "--open",
    "open_columns",
    multiple=True,
    metavar="COLUMN",
    help="--survey: an open question (repeatable) [default: judged from the answers].",
)
@json_option
@pass_context
def import_(
    obj: CommandContext,
    paths: tuple[Path, ...],
    attrs: tuple[str, ...],
    replace: bool,
    workers: int | None,
    unlabelled_speaker: str | None,
    survey: bool,
    survey_by: str,
    sheet: str | None,
    id_column: str | None,
    open_columns: tuple[str, ...],
    as_json: bool,
) -> None:
    """Import transcripts and folders, or a .qdpx project.

    Reads .txt .md .docx .odt .vtt .srt .pdf .json .tsv .html .rtf, and survey
    sheets (.csv .xlsx) with --survey; a file imported before is skipped
    unless it changed (--replace). A .qdpx from NVivo, ATLAS.ti, MAXQDA or
    QualCoder brings its documents, codebook, coders, codings and memos (see README).
    """
    if any(path.suffix.lower() in (".qdpx", ".qde") for path in paths):
        from .exchange import import_refi  # a REFI-QDA project from another tool

        return import_refi(obj, paths, as_json)
    attributes = _parse_attrs(attrs)
    if unlabelled_speaker is not None and not unlabelled_speaker.strip():
        raise click.BadParameter("give the speaker's name", param_hint="--unlabelled-speaker")
    err = Console(stderr=True, highlight=False)
    with obj.open() as project, _progress(err, as_json) as (progress, task):
        files, missing = collect_files(paths)
        progress.update(task, total=len(files) + len(missing))

        def advance(result: FileResult) -> None:
            progress.advance(task)
            if result.status == "failed":
                progress.console.print(
                    f"error: {result.message}", style="red", markup=False, soft_wrap=True
                )  # one line, however long

        report = import_files(
            project,
            paths,
            attributes=attributes,
            replace=replace,
            progress=advance,
            workers=auto_workers(len(files)) if workers is None else workers,
            unlabelled_speaker=unlabelled_speaker,
            author=obj.viewer,
            survey=SurveyOptions(survey_by, sheet, id_column, open_columns) if survey else None,
        )
    if as_json:
        print_json(
            [
                {
                    "file": str(r.path),
                    "status": r.status,
                    "document": r.document,
                    "segments": r.segments,
                    "message": r.message,
                }
                for r in report.results
            ]
        )
    else:
        for result in report.results:
            if result.status in ("skipped", "updated", "replaced"):
                click.echo(f"{result.status}: {result.path} ({result.message})")
            elif result.status == "imported" and result.message:
                click.echo(f"note: {result.path}: {result.message}")
        counts = {s: report.count(s) for s in ("imported", "replaced", "updated", "skipped")}
        summary = ", ".join(f"{n} {s}" for s, n in counts.items() if n)
        segments = sum(r.segments for r in report.results)
        click.echo(
            f"{summary or 'nothing imported'}; {segments} segments"
            + (f"; {len(report.failed)} failed" if report.failed else "")
        )
    if report.failed:
        raise SystemExit(1)


class _progress:
    """A rich progress bar on stderr (hidden for --json or when stderr is not a terminal)."""

    def __init__(self, console: Console, quiet: bool) -> None:
        self.progress = Progress(
            TextColumn("importing"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
            console=console,
            disable=quiet or not console.is_terminal,
            transient=False,
        )

    def __enter__(self) -> tuple[Progress, Any]:
        self.progress.start()
        return self.progress, self.progress.add_task("import", total=None)

    def __exit__(self, *exc: object) -> None:
        self.progress.stop()


def _short_attributes(frame: pd.DataFrame, width: int = 24) -> list[str]:
    """Attribute keys worth a table column: shared by half the documents, values short."""
    counts: dict[str, int] = {}
    longest: dict[str, int] = {}
    for attributes in frame["attributes"]:
        for key, value in attributes.items():
            counts[key] = counts.get(key, 0) + 1
            longest[key] = max(longest.get(key, 0), len(str(value)))
    return [k for k, n in counts.items() if n * 2 >= len(frame) and longest[k] <= width]


@cli.command()
@json_option
@pass_context
def documents(obj: CommandContext, as_json: bool) -> None:
    """The documents: name, attributes, speakers, segments, words."""
    from ..revisions.review import review_frame

    with obj.open() as project:
        frame = queries.documents(project)
        if as_json:
            print_json(records(frame, queries.DOCUMENT_COLUMNS))
            return
        # Codings a correction could not place, as the asker may see them: flagged.
        waiting = review_frame(project, obj.asker)["document"].value_counts().to_dict()
    keys = _short_attributes(frame)
    columns = ["speakers", "segments", "words"] + (["review"] if waiting else [])
    table = Table(Column("name", overflow="fold"), *keys, *columns)
    for row in frame.itertuples(index=False):
        values = [str(row.attributes.get(key, "")) for key in keys]
        counts = [str(len(row.speakers)), str(row.segments), str(row.words)]
        flag = [str(waiting.get(row.name, ""))] if waiting else []
        table.add_row(row.name, *values, *counts, *flag)
    print_table(table)
    click.echo(f"{len(frame)} documents")


@cli.command()
@click.argument("document")
@json_option
@pass_context
def segments(obj: CommandContext, document: str, as_json: bool) -> None:
    """The segments of a document, with their numbers.

    DOCUMENT is its name, its name without extension, or its id.
    """
    with obj.open() as project:
        frame = queries.segments(project, document)
    if as_json:
        print_json(records(frame, queries.SEGMENT_COLUMNS))
        return
    table = Table("#", "speaker", "time", "span", "text")
    for row in frame.itertuples(index=False):
        table.add_row(
            str(row.ordinal),
            cell(row.speaker),
            clock(row.time_start),
            f"{row.start}-{row.end}",
            row.text,
        )
    print_table(table)


@cli.command()
@json_option
@pass_context
def status(obj: CommandContext, as_json: bool) -> None:
    """Counts, codebook version and where the database is."""
    with obj.open() as project:
        info = project.status(obj.asker)
    if as_json:
        print_json(info)
        return
    book = info["codebook"] or {}
    synced = (
        f"{book.get('title')} (version {book.get('version') or '-'}, "
        f"synced {book.get('synced_at')})"
        if book
        else "not synced"
    )
    lines = [
        ("project", info["root"]),
        ("database", info["database"]),
        ("schema", info["schema_revision"] or "-"),
        ("segments by", info["unit"]),
        ("spaCy pipeline", info["pipeline"]),
        ("codebook", synced),
    ]
    for label, value in lines:
        click.echo(f"{label:>15}: {value}")
    what = {
        "codes": " (sub-codes included, themes not)",
        "archived_codes": " (themes included)",
        "review": " (codings a correction could not place: qualcode review)",
    }
    for name, count in info["counts"].items():
        click.echo(f"{name.replace('_', ' '):>15}: {count}{what.get(name, '')}")
