"""Quotes and exports: ``quotes`` prints coded excerpts, ``export`` writes them to files."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
from rich.table import Column, Table

from .. import quotes as quotes_lib
from ..export import FORMATS
from ..files import writing_to
from ._base import (
    CommandContext,
    cli,
    json_option,
    pass_context,
    print_json,
    print_table,
    records,
)

OUT_HINT = "Give --out a folder (or a new file) where you may write"


def _pairs(values: tuple[str, ...], option: str) -> list[tuple[str, str]]:
    pairs = []
    for value in values:
        key, sep, rest = value.partition("=")
        if not sep or not key.strip():
            raise click.BadParameter(f"{value!r} is not KEY=VALUE", param_hint=option)
        pairs.append((key.strip(), rest.strip()))
    return pairs


def _filters(options: dict[str, Any]) -> dict[str, Any]:
    """The library's filter arguments from the command line's."""
    where: dict[str, list[str]] = {}
    for key, value in _pairs(options.pop("wheres"), "--where"):
        where.setdefault(key, []).append(value)
    return {
        "code": list(options.pop("codes")) or None,
        "theme": list(options.pop("themes")) or None,
        "coder": list(options.pop("coders")) or None,
        "where": where or None,
        "text": options.pop("text"),
        "cooccurs_with": list(options.pop("cooccurs")) or None,
    }


def filter_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """The options that choose excerpts, shared by ``quotes`` and ``export``."""
    options = [
        click.option("--code", "codes", multiple=True, metavar="CODE",
                     help="A code by name, slug or id, with its sub-codes (repeatable)."),
        click.option("--theme", "themes", multiple=True, metavar="THEME",
                     help="A theme: all its codes (repeatable)."),
        click.option("--coder", "coders", multiple=True, metavar="NAME",
                     help="Only this coder's codings (repeatable)."),
        click.option("--where", "wheres", multiple=True, metavar="ATTR=VALUE",
                     help="A document or speaker attribute, any case (repeatable; the same "
                          "ATTR twice keeps either value)."),
        click.option("--text", metavar="TEXT", help="Only excerpts containing TEXT (any case)."),
        click.option("--cooccurs-with", "cooccurs", multiple=True, metavar="CODE",
                     help="Only excerpts overlapping a coding of CODE (repeatable: all of them)."),
        click.option("--context", type=click.IntRange(min=0), default=150, show_default=True,
                     help="Characters of context each side, within the speaker's paragraph."),
        click.option("--label", "labels", multiple=True, metavar="VALUE=LABEL",
                     help='How a value is shown: --label community="Big Local partnership".'),
    ]  # fmt: skip
    for option in reversed(options):
        command = option(command)
    return command


@cli.command()
@filter_options
@click.option("--limit", type=click.IntRange(min=1), help="Show at most this many.")
@click.option("--redact", is_flag=True, help="Hide names as exports do (redact.yaml, roles).")
@click.option("--csv", "as_csv", is_flag=True, help="Print CSV (every column).")
@json_option
@pass_context
def quotes(
    obj: CommandContext, limit: int | None, redact: bool, as_csv: bool, as_json: bool,
    context: int, labels: tuple[str, ...], **options: Any,
) -> None:  # fmt: skip
    """Print coded excerpts with their attribution.

    For example: qualcode quotes --code trust --where agency_type=school
    """
    with obj.open() as project:
        redactor = quotes_lib.project_redactor(project) if redact else None
        frame = quotes_lib.quotes(
            project, context=context, labels=dict(_pairs(labels, "--label")), redactor=redactor,
            viewer=obj.asker, **_filters(options),
        )  # fmt: skip
    if limit is not None:
        frame = frame.head(limit)
    if as_json:
        print_json(records(frame, list(frame.columns)))
        return
    if as_csv:  # as the CSV export writes it: formulas made inert, clock times
        from ..export.tabular import write_csv

        write_csv(frame, sys.stdout)
        return
    table = Table("code", Column("quote", ratio=3, overflow="fold"), Column("from", ratio=1))
    for row in frame.itertuples(index=False):
        quote = " ".join(row.text.split())
        attribution = f" ({row.attribution})" if row.attribution else ""
        table.add_row(row.code, f'"{quote}"{attribution}', row.reference)
    print_table(table)
    click.echo(f"{len(frame)} excerpt{'' if len(frame) == 1 else 's'}")


@cli.command()
@click.option("--by", multiple=True, metavar="KEY",
              help="Group by theme (then code), code, or any attribute (repeatable, "
                   "outermost first) [default: theme, then agency_type where excerpts "
                   "have it].")  # fmt: skip
@click.option("--format", "formats", multiple=True, type=click.Choice((*FORMATS, "qdpx")),
              default=("html",), show_default=True, help="Output format (repeatable).")  # fmt: skip
@click.option("--out", type=click.Path(path_type=Path),
              help="A folder [default: PROJECT/exports], or a file for one format.")  # fmt: skip
@click.option("--name", default="quotes", show_default=True, help="File name, without suffix.")
@click.option("--title", help="Title of the document [default: from the codebook].")
@click.option("--template-dir", "template_dirs", multiple=True,
              type=click.Path(file_okay=False, exists=True, path_type=Path),
              help="Look for templates here first (then PROJECT/templates).")  # fmt: skip
@click.option("--redact-file", type=click.Path(dir_okay=False, exists=True, path_type=Path),
              help="Redaction rules [default: PROJECT/redact.yaml if there is one].")  # fmt: skip
@click.option("--no-redact", is_flag=True, help="Keep every real name: no rules, no roles.")
@click.option("--real-names", is_flag=True, help="Keep speakers' names (the rules still apply).")
@click.option("--keep-coders-apart", is_flag=True,
              help="One excerpt per coder: do not merge a passage that several coders "
                   "gave the same code.")  # fmt: skip
@click.option("--verbose", "-v", is_flag=True, help="Also say which templates were considered.")
@filter_options
@pass_context
def export(
    obj: CommandContext, by: tuple[str, ...], formats: tuple[str, ...], out: Path | None,
    name: str, title: str | None, template_dirs: tuple[Path, ...], redact_file: Path | None,
    no_redact: bool, real_names: bool, keep_coders_apart: bool, verbose: bool, context: int,
    labels: tuple[str, ...], **options: Any,
) -> None:  # fmt: skip
    """Write coded excerpts, or the whole project as qdpx.

    Excerpts go to html md docx csv xlsx, grouped by theme, code and attribute (--by).
    qdpx is REFI-QDA, for NVivo, ATLAS.ti, MAXQDA and QualCoder (see README).
    """
    if "qdpx" in formats:
        from .exchange import export_qdpx

        if len(set(formats)) > 1:
            raise click.BadParameter("export qdpx on its own", param_hint="--format")
        export_qdpx(obj, out, name, _filters(options))
        return

    from ..export import render_export  # pandas, Jinja: only when exporting

    def report(line: str) -> None:
        if verbose or not line.startswith(" "):
            click.echo(line)

    with obj.open() as project, writing_to(out or project.root, "the export", OUT_HINT):
        render_export(
            project, list(dict.fromkeys(formats)), by or None, out, name=name, title=title,
            template_dirs=template_dirs, redact=not no_redact, redact_file=redact_file,
            real_names=real_names, labels=dict(_pairs(labels, "--label")), context=context,
            keep_coders_apart=keep_coders_apart, viewer=obj.asker, report=report,
            **_filters(options),
        )  # fmt: skip
