"""Agreement and adjudication: the lead's check of the coding, and the consensus coding."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from rich import box
from rich.table import Column, Table
from rich.text import Text

from .. import reliability
from ..errors import QualcodeError
from ..project import Project
from ._base import CommandContext, cli, json_option, pass_context, print_json, print_table
from .export import _pairs

if TYPE_CHECKING:
    import pandas as pd

coders_option = click.option(
    "--coders", help="Comma-separated coders to compare [default: everyone assigned a document]."
)
code_option = click.option("--code", help="Only this code (a theme includes its codes).")
theme_option = click.option("--theme", help="Only the codes of this theme.")


def _names(coders: str | None) -> list[str] | None:
    return [name.strip() for name in coders.split(",") if name.strip()] if coders else None


def _allowed(obj: CommandContext, project: Project, action: str) -> None:
    with project.sessionmaker() as session:
        reliability.require_lead_or_open_round(session, obj.viewer, action)


@cli.command()
@coders_option
@code_option
@theme_option
@click.option(
    "--unit",
    type=click.Choice(reliability.UNITS),
    default="segment",
    show_default=True,
    help="segment: present/absent per segment; span: characters and unitizing alpha.",
)
@click.option(
    "--html",
    "html_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write a report to read: table, heat map, every disagreement with its text.",
)
@click.option(
    "--resamples",
    type=click.IntRange(min=0),
    default=1000,
    show_default=True,
    help="Bootstrap resamples for the intervals of alpha and kappa (0: no intervals).",
)
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the bootstrap.")
@click.option(
    "--document",
    "documents",
    multiple=True,
    metavar="NAME",
    help="Only this document (repeatable).",
)
@click.option(
    "--where",
    "wheres",
    multiple=True,
    metavar="ATTR=VALUE",
    help="Only documents with this attribute, any case (repeatable; the same ATTR twice keeps "
    "either value).",
)
@click.option(
    "--tables",
    "tables_path",
    type=click.Path(path_type=Path),
    help="Also write every table: FILE.xlsx (a sheet per table) or a folder of CSV files.",
)
@click.option(
    "--confidence",
    type=click.FloatRange(0, 1, min_open=True, max_open=True),
    default=0.95,
    show_default=True,
    help="Confidence level of the intervals.",
)
@click.option(
    "--method",
    "methods",
    multiple=True,
    type=click.Choice(reliability.NAMED_METHODS),
    help="Also a method other tools name (repeatable): krippendorff-1995 (|uα of the "
    "2004 book), atlas (α-binary, cu-α, Cu-α), maxqda (presence, frequency, segment "
    "overlap, Brennan & Prediger kappa), nvivo (characters per code and document).",
)
@click.option(
    "--overlap",
    type=click.IntRange(0, 100),
    default=90,
    show_default=True,
    metavar="PERCENT",
    help="MAXQDA's segment criterion: how much two segments must overlap to agree.",
)
@json_option
@pass_context
def agreement(
    obj: CommandContext,
    coders: str | None,
    code: str | None,
    theme: str | None,
    unit: str,
    html_path: Path | None,
    resamples: int,
    seed: int,
    documents: tuple[str, ...],
    wheres: tuple[str, ...],
    tables_path: Path | None,
    confidence: float,
    methods: tuple[str, ...],
    overlap: int,
    as_json: bool,
) -> None:
    """Agreement between coders, per code and pooled.

    It shows every coder's codings, so it needs a lead (--as LEAD) or an open round.
    """
    with obj.open() as project:
        _allowed(obj, project, "agreement")
        where: dict[str, list[str]] = {}
        for key, value in _pairs(wheres, "--where"):
            where.setdefault(key, []).append(value)
        report = reliability.agreement_table(
            project, _names(coders), code, theme, unit,
            resamples=resamples, seed=seed, confidence=confidence,
            documents=list(documents) or None, where=where or None, methods=methods,
            overlap=overlap / 100,
        )  # fmt: skip
        title = reliability.report_title(project)
    if html_path is not None:
        reliability.write_html(report, html_path, title=title)
    if as_json:
        print_json(report.to_dict())
    else:
        _print_report(report)
    if html_path is not None:
        click.echo(f"report written to {html_path}", err=as_json)
    if tables_path is not None:
        from ..reliability.out import write_tables  # pandas' writers: only when asked

        written = write_tables(report, tables_path)
        click.echo(f"{len(written)} table file(s) written to {tables_path}", err=as_json)


def _interval(low: float | None, high: float | None) -> str:
    return "" if low is None or high is None else f"{_figure(low)}–{_figure(high)}"


def _figure(value: float | None, percent: bool = False) -> str:
    return reliability.figure(value, percent) if value is not None else "undefined"


def _print_report(report: reliability.AgreementReport) -> None:
    """The per-code table (theme rows in bold), what is undefined and why, the pooled
    figures and the notes. Gwet's AC1 is in --json and --html; the table keeps to 80
    columns where it can."""
    last = "differ" if report.unit == "segment" else "uα"
    names = ["units", *report.coders, "agree", "chance", "κ", "α", "α CI", last]
    table = Table(
        Column("code", min_width=14),
        *(Column(name, justify="right", no_wrap=True) for name in names),
        box=box.SIMPLE_HEAD,
        title=f"{report.kappa_statistic} (κ) and Krippendorff's alpha (α) per code, over "
        f"{'segments' if report.unit == 'segment' else 'characters'}",
    )
    theme, undefined = None, []
    for row in report.per_code.to_dict("records"):
        if row["theme"] != theme:
            theme = row["theme"]
            table.add_row(Text(theme, style="bold"))
        name = row["code"] + (" (exclusive)" if row["kind"] != "code" else "")
        extra = row["disagreements"] if report.unit == "segment" else row["unitizing_alpha"]
        table.add_row(
            name,
            str(row["units"]),
            *(str(row[f"used_{c}"]) for c in report.coders),
            _figure(row["observed"], True),
            _figure(row["expected"], True),
            _figure(row["kappa"]),
            _figure(row["alpha"]),
            _interval(row["alpha_low"], row["alpha_high"]),
            str(extra) if report.unit == "segment" else _figure(extra),
        )
        reasons = {row[f"{k}_reason"] for k in ("kappa", "alpha") if row[f"{k}_reason"]}
        undefined += [f"{row['code']}: {reason}" for reason in sorted(reasons)]
    print_table(table)
    for line in undefined:
        click.echo(f"undefined, {line}")
    _print_pooled(report)
    for note in report.notes:
        click.echo(f"note: {note}")
    for method in report.named:
        click.echo(f"\n{method.title}")
        for line in method.summary:
            click.echo(_wrapped(line, "  "))
    if report.named:
        click.echo("(each method's definition, source and tables: --html, --tables, --json)")


def _print_pooled(report: reliability.AgreementReport) -> None:
    pooled = report.pooled
    unit = "segment" if report.unit == "segment" else "character"
    codes, units = pooled["codes_one_by_one"], pooled["units"]
    click.echo(
        f"pooled over {_count(codes, 'code')} × {_count(units, f'double-coded {unit}')} = "
        f"{_count(pooled['decisions'], 'decision')}"
        + (" (an exclusive theme's codes one by one)" if codes != pooled["codes"] else "")
        + f": alpha {_figure(pooled['alpha'])}, "
        + (
            f"{report.kappa_statistic} {_figure(pooled['kappa'])}, "
            if unit == "segment"
            else f"unitizing alpha {_figure(pooled['unitizing_alpha'])}, "
        )
        + f"agreement {_figure(pooled['percent'], True)}"
    )
    if report.intervals:
        _print_intervals(report)
    click.echo(
        f"per code: alpha mean {_figure(pooled['mean_alpha'])} "
        f"(median {_figure(pooled['median_alpha'])}), kappa mean {_figure(pooled['mean_kappa'])} "
        f"(median {_figure(pooled['median_kappa'])})"
    )
    differ = _count(pooled["disagreements"], "segment × code disagreement")
    if unit == "segment":
        left = pooled["disagreements"] - pooled["settled"]
        click.echo(
            f"{differ} (each in --html): {pooled['settled']} settled, {left} to settle; "
            "`qualcode adjudicate` settles them"
        )
    else:
        click.echo(
            f"adjudication works by segment, not by character: `qualcode agreement` without "
            f"--unit span lists the {differ} that `qualcode adjudicate` settles"
        )


def _print_intervals(report: reliability.AgreementReport) -> None:
    pooled, how = report.pooled, report.intervals
    level = f"{how['confidence']:.0%}"
    if "alpha_low" in pooled:  # by character, intervals are per code only
        alpha = _interval(pooled["alpha_low"], pooled["alpha_high"]) or "none"
        kappa = _interval(pooled["kappa_low"], pooled["kappa_high"]) or "none"
        below = [pooled["alpha_below_667"], pooled["alpha_below_800"]]
        chances = (
            f"; P(alpha < .667) = {_figure(below[0])}, P(alpha < .800) = {_figure(below[1])}"
            if None not in below
            else ""
        )
        se = f"SE {_figure(pooled['kappa_se'])}, " if pooled["kappa_se"] is not None else ""
        click.echo(f"pooled alpha {level} CI {alpha}{chances}; kappa {se}{level} CI {kappa}")
    click.echo(
        f"intervals: alpha by {how['alpha']}, kappa by {how['kappa']}; "
        f"{how['resamples']} resamples, seed {how['seed']} (--resamples, --seed)"
    )


def _wrapped(text: str, indent: str) -> str:
    return textwrap.fill(text, width=88, initial_indent=indent, subsequent_indent=indent)


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


@cli.command()
@coders_option
@code_option
@theme_option
@click.option(
    "--take",
    metavar="CODER|both|neither",
    help="Settle every pending disagreement this way, without asking.",
)
@click.option("--settled", "list_settled", is_flag=True, help="List the settled items and choices.")
@click.option("--reopen", metavar="KEY", help="Open a settled item again (a key from --settled).")
@pass_context
def adjudicate(
    obj: CommandContext,
    coders: str | None,
    code: str | None,
    theme: str | None,
    take: str | None,
    list_settled: bool,
    reopen: str | None,
) -> None:
    """Settle disagreements into the consensus coder.

    Each item takes a coder's version, both, or neither.
    """
    from .. import adjudicate as adjudication  # pandas: only when adjudicating

    names = _names(coders)
    with obj.open() as project:
        _allowed(obj, project, "adjudication")
        if list_settled or reopen:
            _settled_or_reopen(project, adjudication, names, code, theme, reopen, obj.viewer)
            return
        agreed = adjudication.agreed(project, names, code, theme)
        with project.transaction() as session:
            copied = adjudication.copy_agreed(session, agreed, by=obj.viewer)
        if copied:
            click.echo(f"consensus: {copied} coding(s) copied where the coders agree")
        items = adjudication.pending(project, names, code, theme)
        if items.empty:
            click.echo("nothing to adjudicate: every disagreement is settled")
            return
        if take is not None:
            with project.transaction() as session:
                done = adjudication.settle_all(session, items, take, by=obj.viewer)
            added, removed = sum(d.added for d in done), sum(d.removed for d in done)
            click.echo(
                f"settled {len(done)} item(s) by taking {take}: "
                f"{added} consensus coding(s) added, {removed} removed"
            )
            if len(done) < len(items):
                click.echo(
                    f"{len(items) - len(done)} item(s) left pending: an exclusive theme takes "
                    "one code per segment (settle them without --take)"
                )
            return
        _walk(project, items, obj.viewer)


def _settled_or_reopen(
    project: Project,
    adjudication: Any,
    names: list[str] | None,
    code: str | None,
    theme: str | None,
    key: str | None,
    by: str | None,
) -> None:
    """``--settled``: each settled item and the choice made; ``--reopen KEY``: open one."""
    if key:
        with project.transaction() as session:
            removed = adjudication.reopen(session, key.strip(), by=by)
        click.echo(f"reopened {key.strip()}: {removed} consensus coding(s) removed; it is pending")
        return
    frame = adjudication.settled(project, names, code, theme)
    if frame.empty:
        click.echo("no item is settled yet")
        return
    for row in frame.to_dict("records"):
        click.echo(
            f"{row['document']}, segment {row['segment']}, {row['code']}: took {row['choice']}"
            f"  [{row['key']}]"
        )
    click.echo("`qualcode adjudicate --reopen KEY` opens an item again")


def _letters(coders: list[str]) -> dict[str, str]:
    """One key per coder, a, b, c... skipping letters that are some coder's name, so a
    coder called ``b`` is never picked by typing the letter shown for another."""
    taken = {name.lower() for name in coders}
    free = (chr(c) for c in range(ord("a"), ord("z") + 1) if chr(c) not in taken)
    keys = {}
    for name in coders:
        keys[next(free, str(len(keys) + 1))] = name
    return keys


def _walk(project: Project, items: pd.DataFrame, by: str | None) -> None:
    """Show each item and settle it as the lead answers; each answer is its own
    transaction, so quitting keeps what was settled."""
    from .. import adjudicate as adjudication

    coders = list(items.attrs["coders"])
    keys = _letters(coders)
    words = [adjudication.BOTH, adjudication.NEITHER, "skip", "quit"]
    choice = click.Choice([*keys, *coders, *words], case_sensitive=False)
    suffix = f" ({'/'.join([*keys, *words])}): "
    settled = skipped = 0
    for number, item in enumerate(items.to_dict("records"), 1):
        _show(item, number, len(items), keys)
        while True:
            answer = click.prompt("take", type=choice, show_choices=False, prompt_suffix=suffix)
            answer = keys.get(answer.lower(), answer)
            if answer.lower() in {c.lower() for c in coders}:
                answer = next(c for c in coders if c.lower() == answer.lower())
            if answer == "quit":
                click.echo(f"settled {settled}, skipped {skipped}; the rest stay pending")
                return
            if answer == "skip":
                skipped += 1
                break
            try:
                with project.transaction() as session:
                    adjudication.settle(session, item, answer, by=by)
            except QualcodeError as error:
                click.echo(f"  {error}")
                continue
            settled += 1
            break
    click.echo(f"settled {settled}, skipped {skipped}")


def _show(item: dict[str, Any], number: int, total: int, keys: dict[str, str]) -> None:
    kind = ", exclusive" if item["kind"] != "code" else ""
    click.echo(f"\n[{number}/{total}] {item['code']} ({item['theme']}{kind})")
    speaker = f", {item['speaker']}" if item["speaker"] else ""
    click.echo(f"{item['document']}, segment {item['segment']}{speaker}:")
    if item.get("before"):
        click.echo(_wrapped(f"before: {item['before']}", "  | "))
    click.echo(textwrap.fill(item["text"], width=88, initial_indent="  ", subsequent_indent="  "))
    if item.get("after"):
        click.echo(_wrapped(f"after: {item['after']}", "  | "))
    for key, coder in keys.items():
        value = item[coder] if item[coder] is not None else "not assigned"
        click.echo(f"  {key}) {coder}: {value}")
