"""Codebook commands: check, sync, show."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from rich.text import Text
from rich.tree import Tree

from .. import queries
from ..codebook import SyncReport, load_codebook, sync_codebook
from ._base import CommandContext, cli, console, json_option, pass_context, print_json, records

if TYPE_CHECKING:
    import pandas as pd

DEFAULT_CODEBOOK = "codebook.yaml"


@cli.group()
def codebook() -> None:
    """Check, sync and show the codebook (codebook.yaml)."""


codebook_path = click.argument("path", type=click.Path(path_type=Path), required=False)


def _in_root(obj: CommandContext, path: Path | None) -> Path:
    """The codebook named on the command line, else the project's codebook.yaml."""
    return path if path is not None else obj.root / DEFAULT_CODEBOOK


@codebook.command("check")
@codebook_path
@pass_context
def codebook_check(obj: CommandContext, path: Path | None) -> None:
    """Report every problem of a codebook file, with its line."""
    book = load_codebook(_in_root(obj, path))
    themes = len(book.themes())
    codes = len(book.codes) - themes
    click.echo(f"{book.path}: OK, {themes} themes and {codes} codes (sub-codes included)")


@codebook.command("sync")
@codebook_path
@json_option
@pass_context
def codebook_sync(obj: CommandContext, path: Path | None, as_json: bool) -> None:
    """Make the project's codes match codebook.yaml.

    Codes are added, updated, renamed (matched by id) and archived, never deleted.
    """
    book = load_codebook(_in_root(obj, path))
    with obj.open() as project, project.transaction() as session:
        report = sync_codebook(session, book)
    if as_json:
        print_json(report.__dict__ | {"renamed": [list(pair) for pair in report.renamed]})
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
    nodes = {row["id"]: {**row, "codes": []} for row in records(frame, list(frame.columns))}
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
def codebook_show(obj: CommandContext, archived: bool, as_json: bool) -> None:
    """The code tree with ids, definitions and counts.

    Counts are how often each code is used (as you may see them while coding blind).
    """
    with obj.open() as project:
        frame = queries.codes(project, include_archived=archived, viewer=obj.asker)
        info = project.settings().get("codebook") or {}
    tree = _code_tree(frame)
    if as_json:
        print_json({"codebook": info, "themes": tree})
        return
    if frame.empty:
        click.echo("No codes yet: run `qualcode codebook sync codebook.yaml`.")
        return
    title = f"{info.get('title', 'Codebook')} (version {info.get('version') or '-'})"
    root = Tree(Text(title, style="bold"))

    def add(branch: Tree, node: dict[str, Any]) -> None:
        flags = " [exclusive]" if node["exclusive"] else ""
        flags += " [archived]" if node["archived"] else ""
        label = Text.assemble(
            (node["name"], "bold"),
            flags,
            (f"  {node['slug']} · {node['id']} · {node['codings_total']} codings", "dim"),
            "\n",
            node["definition"] or node["description"],
        )
        child = branch.add(label)
        for sub in node["codes"]:
            add(child, sub)

    for node in tree:
        add(root, node)
    console().print(root)
