"""REFI-QDA exchange on the command line: ``export --format qdpx`` and ``import X.qdpx``
land here from the export and import commands; ``codebook import``/``codebook export``
are registered here on the codebook group."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from ..codebook import load_codebook
from ..errors import QualcodeError
from ..files import writing_to
from ._base import CommandContext, pass_context
from .codebook import DEFAULT_CODEBOOK, codebook

CODEBOOK_FORMATS = ("qdc", "csv", "xlsx", "md", "docx")  # exchange.codebooks.FORMATS, unloaded

QDPX_HINT = "Give --out a .qdpx file (or a folder) where you may write"


def export_qdpx(obj: CommandContext, out: Path | None, name: str, filters: dict[str, Any]) -> None:
    """``qualcode export --format qdpx``: the whole project, as the asker may see it."""
    from ..exchange import write_qdpx

    chosen = [key for key, value in filters.items() if value]
    if chosen:
        raise QualcodeError(
            "a .qdpx holds the whole project: --"
            + ", --".join(k.replace("_", "-") for k in chosen)
            + " choose excerpts for the other formats; export qdpx on its own"
        )
    with obj.open() as project:
        if out is None or out.suffix.lower() != ".qdpx":
            folder = out or project.root / "exports"
            out = folder / f"{'project' if name == 'quotes' else name}.qdpx"
        with writing_to(out, "the .qdpx", QDPX_HINT):
            counts = write_qdpx(project, out, viewer=obj.asker)
    click.echo(
        f"wrote {out}: {counts['documents']} documents, {counts['codes']} codes, "
        f"{counts['codings']} codings by {counts['users']} coder(s), {counts['notes']} memos"
    )


REFI_SUFFIXES = (".qdpx", ".qde")


def import_refi(obj: CommandContext, paths: tuple[Path, ...], as_json: bool) -> None:
    """``qualcode import study.qdpx``: a whole project from another tool."""
    from ..exchange.qdpx_import import import_qdpx

    if len(paths) != 1:
        raise QualcodeError("import one .qdpx at a time, and no transcripts beside it")
    with obj.open() as project:
        report = import_qdpx(project, paths[0], by=obj.asker)
    summary = {
        "documents_added": report.documents_added,
        "documents_matched": report.documents_matched,
        "codes_added": report.codes_added,
        "codes_matched": report.codes_matched,
        "coders": report.coders,
        "codings_added": report.codings_added,
        "codings_unchanged": report.codings_unchanged,
        "memos": report.memos,
        "sets": report.sets,
        "not_kept": dict(report.dropped),
        "unplaced": report.unplaced,
        "readings": report.readings,
        "warnings": report.warnings,
        "codebook": str(report.codebook) if report.codebook else None,
    }
    if as_json:
        from ._base import print_json

        print_json(summary)
        return
    for line in report.warnings:
        click.echo(f"warning: {line}")
    for name, reading in report.readings.items():
        click.echo(f"note: {name}: offsets read as {reading}")
    for line in report.unplaced:
        click.echo(f"not placed: {line}")
    for kind, count in sorted(report.dropped.items()):
        click.echo(f"not kept: {count} {kind}")
    click.echo(
        f"{len(report.documents_added)} documents added, {len(report.documents_matched)} "
        f"matched; {report.codes_added} codes added, {report.codes_matched} matched; "
        f"{report.codings_added} codings added ({report.codings_unchanged} already there) "
        f"by {len(report.coders)} coder(s); {report.memos} memos"
        + (f"; {report.sets} set(s) kept" if report.sets else "")
        + (f"; {len(report.unplaced)} selection(s) not placed" if report.unplaced else "")
    )
    if report.codebook:
        click.echo(f"codebook written: {report.codebook}")


@codebook.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where to write the YAML [default: PROJECT/codebook.yaml].",
)
@click.option("--replace", is_flag=True, help="Overwrite the YAML file if it exists.")
@pass_context
def codebook_import(obj: CommandContext, path: Path, out: Path | None, replace: bool) -> None:
    """Write codebook.yaml from a .qdc, CSV or XLSX file.

    Sheets have a row per code: name (or tag), parent or path, definition, when to
    use, when not to use, example, colour. Then run `qualcode codebook sync`.
    """
    from ..exchange.codebooks import codebook_yaml, read_codebook

    out = out or obj.root / DEFAULT_CODEBOOK
    if out.exists() and not replace:
        raise QualcodeError(f"{out} exists: pass --replace to overwrite it, or --out NEW.yaml")
    found = read_codebook(path)
    with writing_to(out, "the codebook", "Give --out a file where you may write"):
        out.write_text(codebook_yaml(found, path.name), encoding="utf-8")
    load_codebook(out)  # what codebook check would say
    for line in found.changes:
        click.echo(f"note: {line}")
    click.echo(f"wrote {out}: {len(found.entries)} codes; now run `qualcode codebook sync`")


@codebook.command("export")
@click.argument("path", type=click.Path(path_type=Path), required=False)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(CODEBOOK_FORMATS),
    default="qdc",
    show_default=True,
    help="qdc (REFI-QDA), csv, xlsx, md or docx (printable).",
)
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    help="A file, or a folder [default: PROJECT/exports/codebook.FORMAT].",
)
@pass_context
def codebook_export(obj: CommandContext, path: Path | None, fmt: str, out: Path | None) -> None:
    """Write the codebook for other tools, or to print.

    PATH is a codebook file [default: codebook.yaml].
    """
    from ..exchange.codebooks import write_codebook

    book = load_codebook(path if path is not None else obj.root / DEFAULT_CODEBOOK)
    if out is None or out.is_dir() or not out.suffix:
        out = (out or obj.root / "exports") / f"codebook.{fmt}"
    with writing_to(out, "the codebook", "Give --out a file where you may write"):
        write_codebook(book, out, fmt)
    click.echo(f"wrote {out}: {len(book.codes)} codes")
