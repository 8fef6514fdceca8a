"""The ``qualcode`` command: each command parses, calls the library, prints.

Errors of ours (``QualcodeError``) become one line on stderr and exit status 1, in
one place (:class:`_Group`). ``--json`` output is a stable interface (see README).
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import click
import pandas as pd
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Column, Table
from rich.tree import Tree

from . import queries
from .codebook import SyncReport, load_codebook, sync_codebook
from .errors import QualcodeError
from .importing import FileResult, collect_files, import_files
from .project import DB_ENV, Project, init_project, open_project
from .segment import UNITS

DEFAULT_CODEBOOK = "codebook.yaml"


class _Group(click.Group):
    """Turns every QualcodeError into a one-line ``Error: ...`` and exit status 1."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except QualcodeError as error:
            raise click.ClickException(str(error)) from None


class _Context:
    def __init__(self, root: Path, db: str | None) -> None:
        self.root = root
        self.db = db

    def open(self) -> Project:
        return open_project(self.root, self.db)


pass_context = click.make_pass_decorator(_Context)
json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")


def _console() -> Console:
    return Console(highlight=False, soft_wrap=False)


def _clean(value: Any) -> Any:
    """JSON-safe values: NaN and pandas' missing become null."""
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    return value


def _print_json(data: Any) -> None:
    click.echo(json.dumps(_clean(data), indent=2, ensure_ascii=False, default=str))


def _records(frame: pd.DataFrame, columns: list[str]) -> list[dict[str, Any]]:
    return [
        _clean(dict(zip(columns, row, strict=True)))
        for row in frame[columns].itertuples(index=False)
    ]


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
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
@click.version_option(package_name="qualcode")
@click.pass_context
def cli(ctx: click.Context, root: Path, db: str | None) -> None:
    """qualcode: qualitative coding of interview and workshop transcripts."""
    ctx.obj = _Context(root, db)


@cli.command()
@click.option("--unit", type=click.Choice(UNITS), help="Segmentation unit [default: sentence].")
@click.option("--pipeline", help='spaCy pipeline: "blank" (default) or an installed package.')
@pass_context
def init(obj: _Context, unit: str | None, pipeline: str | None) -> None:
    """Create a project database here (safe to run again: it migrates and keeps data)."""
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
@json_option
@pass_context
def import_(
    obj: _Context, paths: tuple[Path, ...], attrs: tuple[str, ...], replace: bool, as_json: bool
) -> None:
    """Import transcript files and folders (.txt .md .docx .odt .vtt .srt)."""
    attributes = _parse_attrs(attrs)
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
            project, paths, attributes=attributes, replace=replace, progress=advance
        )
    if as_json:
        _print_json(
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


@cli.group()
def codebook() -> None:
    """Check, sync and show the codebook (codebook.yaml)."""


codebook_path = click.argument("path", type=click.Path(path_type=Path), required=False)


def _in_root(obj: _Context, path: Path | None) -> Path:
    """The codebook named on the command line, else the project's codebook.yaml."""
    return path if path is not None else obj.root / DEFAULT_CODEBOOK


@codebook.command("check")
@codebook_path
@pass_context
def codebook_check(obj: _Context, path: Path | None) -> None:
    """Report every problem of a codebook file, with its line."""
    book = load_codebook(_in_root(obj, path))
    themes = len(book.themes())
    click.echo(f"{book.path}: OK, {themes} themes and {len(book.codes) - themes} codes")


@codebook.command("sync")
@codebook_path
@json_option
@pass_context
def codebook_sync(obj: _Context, path: Path | None, as_json: bool) -> None:
    """Make the project's codes match the file: add, update, rename (by id), archive."""
    book = load_codebook(_in_root(obj, path))
    with obj.open() as project, project.transaction() as session:
        report = sync_codebook(session, book)
    if as_json:
        _print_json(report.__dict__ | {"renamed": [list(pair) for pair in report.renamed]})
        return
    _print_sync(report, book.path)


def _print_sync(report: SyncReport, path: Path) -> None:
    for label, names in [
        ("added", report.added),
        ("updated", report.updated),
        ("restored", report.restored),
        ("archived", report.archived),
    ]:
        for name in names:
            click.echo(f"{label}: {name}")
    for old, new in report.renamed:
        click.echo(f"renamed: {old} -> {new}")
    if report.ids_missing:
        click.echo(
            f"note: {len(report.ids_missing)} code(s) have no `id:` in {path}; "
            "they are matched by name, so renaming them would start a new code"
        )
    click.echo(
        f"{len(report.added)} added, {len(report.updated)} updated, {len(report.renamed)} "
        f"renamed, {len(report.restored)} restored, {len(report.archived)} archived, "
        f"{report.unchanged} unchanged"
    )


def _code_tree(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows of queries.codes() nested as themes -> codes -> sub-codes."""
    nodes = {row["id"]: {**row, "codes": []} for row in _records(frame, list(frame.columns))}
    by_name = {node["name"]: node for node in nodes.values()}
    roots = []
    for node in nodes.values():
        parent = by_name.get(node["parent"]) if node["parent"] else None
        (parent["codes"] if parent else roots).append(node)
    return roots


@codebook.command("show")
@click.option("--archived", is_flag=True, help="Include archived codes.")
@json_option
@pass_context
def codebook_show(obj: _Context, archived: bool, as_json: bool) -> None:
    """The code tree with ids, definitions and how often each code is used."""
    with obj.open() as project:
        frame = queries.codes(project, include_archived=archived)
        info = project.settings().get("codebook") or {}
    tree = _code_tree(frame)
    if as_json:
        _print_json({"codebook": info, "themes": tree})
        return
    if frame.empty:
        click.echo("No codes yet: run `qualcode codebook sync codebook.yaml`.")
        return
    title = f"{info.get('title', 'Codebook')} (version {info.get('version') or '-'})"
    root = Tree(f"[bold]{title}[/bold]")

    def add(branch: Tree, node: dict[str, Any]) -> None:
        flags = " [exclusive]" if node["exclusive"] else ""
        flags += " [archived]" if node["archived"] else ""
        text = node["definition"] or node["description"]
        label = (
            f"[bold]{node['name']}[/bold]{flags}  [dim]{node['slug']} · {node['id']} · "
            f"{node['codings_total']} codings[/dim]\n{text}"
        )
        child = branch.add(label)
        for sub in node["codes"]:
            add(child, sub)

    for node in tree:
        add(root, node)
    _console().print(root)


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
def documents(obj: _Context, as_json: bool) -> None:
    """The documents: name, attributes, speakers, segments, words."""
    with obj.open() as project:
        frame = queries.documents(project)
    if as_json:
        _print_json(_records(frame, queries.DOCUMENT_COLUMNS))
        return
    keys = _short_attributes(frame)
    table = Table(Column("name", overflow="fold"), *keys, "speakers", "segments", "words")
    for row in frame.itertuples(index=False):
        values = [str(row.attributes.get(key, "")) for key in keys]
        table.add_row(row.name, *values, str(len(row.speakers)), str(row.segments), str(row.words))
    _console().print(table)
    click.echo(f"{len(frame)} documents")


def _clock(seconds: float | None) -> str:
    if seconds is None or (isinstance(seconds, float) and math.isnan(seconds)):
        return ""
    whole = int(seconds)
    return f"{whole // 3600:02d}:{whole % 3600 // 60:02d}:{whole % 60:02d}"


@cli.command()
@click.argument("document")
@json_option
@pass_context
def segments(obj: _Context, document: str, as_json: bool) -> None:
    """The segments of DOCUMENT (its name, name without extension, or id)."""
    with obj.open() as project:
        frame = queries.segments(project, document)
    if as_json:
        _print_json(_records(frame, queries.SEGMENT_COLUMNS))
        return
    table = Table("#", "speaker", "time", "span", "text")
    for row in frame.itertuples(index=False):
        table.add_row(
            str(row.ordinal),
            row.speaker or "",
            _clock(row.time_start),
            f"{row.start}-{row.end}",
            row.text,
        )
    _console().print(table)


@cli.command()
@json_option
@pass_context
def status(obj: _Context, as_json: bool) -> None:
    """Counts, codebook version and where the database is."""
    with obj.open() as project:
        info = project.status()
    if as_json:
        _print_json(info)
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
    for name, count in info["counts"].items():
        click.echo(f"{name.replace('_', ' '):>15}: {count}")


def main() -> None:
    cli(prog_name="qualcode")
