"""Suggestion commands: suggest (and --evaluate), suggestions, accept, reject."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click
from rich.table import Column, Table

from .. import suggest as suggesting
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

if TYPE_CHECKING:
    from ..suggest.evaluate import Evaluation

STATUSES = ("pending", "accepted", "rejected", "all")


@cli.command()
@click.argument("documents", nargs=-1)
@click.option("--code", "codes", multiple=True, help="Only this code (a theme: its codes).")
@click.option("--min-score", type=click.FloatRange(0, 1), help="Suggest from this score on.")
@click.option(
    "--precision",
    type=click.FloatRange(0, 1),
    help="Suggest at the cut-off that was right this often in training [project: 0.7].",
)
@click.option(
    "--remember", is_flag=True, help="Keep --precision as the project's setting from now on."
)
@click.option(
    "--method",
    type=click.Choice(suggesting.METHOD_CHOICES),
    default="combined",
    show_default=True,
    help="Rank by rules and model together, or by one alone.",
)
@click.option("--retrain", is_flag=True, help="Train the model again now.")
@click.option(
    "--train-on",
    metavar="CODER",
    help="Lead: every coder's model learns from CODER's codings too (blind or not).",
)
@click.option("--stop-training-on", metavar="CODER", help="Lead: undo --train-on CODER.")
@coder_option
@click.option("--evaluate", is_flag=True, help="Measure the suggestions instead of storing any.")
@click.option("--folds", default=5, show_default=True, help="Folds of documents (--evaluate).")
@click.option("--seed", default=0, show_default=True, help="Seed of the folds (--evaluate).")
@click.option(
    "--textcat", is_flag=True, help="Also measure spaCy's textcat alone (--evaluate; slow)."
)
@click.option(
    "--hold-out",
    multiple=True,
    metavar="DOCUMENT",
    help="Keep this document apart: tune on the others, then test on it (--evaluate).",
)
@json_option
@pass_context
def suggest(
    obj: CommandContext,
    documents: tuple[str, ...],
    codes: tuple[str, ...],
    min_score: float | None,
    precision: float | None,
    remember: bool,
    method: str,
    retrain: bool,
    train_on: str | None,
    stop_training_on: str | None,
    coder: str | None,
    evaluate: bool,
    folds: int,
    seed: int,
    textcat: bool,
    hold_out: tuple[str, ...],
    as_json: bool,
) -> None:
    """Suggest codes for segments, to accept or reject.

    Only codes you have not given a segment are suggested, in every document or in
    DOCUMENTS. Nothing is coded until you accept a suggestion. With --evaluate, report
    instead how good the suggestions are here, by cross-validation over the coded
    documents; with --hold-out, also on documents kept apart from all tuning.
    """
    if evaluate:
        with obj.open() as project:
            viewer = coder or obj.asker
            result = suggesting.evaluate_project(
                project, viewer=viewer, folds=folds, seed=seed, textcat=textcat,
                hold_out=hold_out,
            )  # fmt: skip
        print_json(result.to_json()) if as_json else _print_evaluation(result)
        return
    if train_on or stop_training_on:
        _mark_training(obj, train_on, stop_training_on)
        return
    who = obj.coder(coder)
    if remember and precision is None:
        raise click.UsageError("--remember keeps a --precision: give one")
    with obj.open() as project:
        if remember:
            project.set_settings(**{suggesting.PRECISION_KEY: precision})
        report = suggesting.run_suggestions(
            project, who, documents=documents, codes=codes, min_score=min_score,
            precision=precision, method=method, retrain=retrain,
        )  # fmt: skip
    if as_json:
        print_json(report.to_json())
        return
    model = report.model
    aim = f"precision {report.precision:.2f}, " if report.precision is not None else ""
    click.echo(
        f"{report.coder}: {report.stored} new suggestion(s), {report.updated} refreshed, "
        f"from score {report.threshold:.3f} ({aim}{report.method}); {report.already_coded} "
        f"already coded by {report.coder}, {report.already_decided} decided before"
    )
    if report.held_back:
        click.echo(
            f"held back: {report.held_back} suggestion(s) scored from "
            f"{report.balanced_threshold:.3f} (the best F1 in training) to "
            f"{report.threshold:.3f}; see --precision"
        )
    click.echo(
        f"model {model['why']}; trained {model.get('trained_at')} on {model.get('codings')} "
        f"coding(s): {report.scope}"
    )
    if report.note:
        click.echo(f"note: {report.note}")
    if not report.stored + report.updated:
        return
    click.echo("see them with `qualcode suggestions`; then `qualcode accept ID` or `reject ID`")


def _mark_training(obj: CommandContext, on: str | None, off: str | None) -> None:
    from ..visibility import set_training

    with obj.open() as project, project.transaction() as session:
        for name, mark in ((on, True), (off, False)):
            if name:
                marked = set_training(session, obj.asker, name, mark)
    click.echo(
        "every coder's model learns from the codings of: " + (", ".join(marked) or "nobody else")
    )


def _print_evaluation(result: Evaluation) -> None:
    from ..suggest.evaluate import DESCRIPTIONS  # spaCy: loaded by the evaluation

    settings = result.settings
    click.echo(
        f"{settings['segments']} coded segments of {settings['documents']} documents, "
        f"{settings['folds']} folds by document; {settings.get('scope', '')}"
    )
    _summary_table(result)
    codes = Table(
        "code", "examples", *[f"F1 {m}" for m in result.methods], Column("note", max_width=48)
    )
    for code in result.codes:
        codes.add_row(
            code["code"],
            str(code["examples"]),
            *[f"{code['methods'][m]['f1']:.2f}" for m in result.methods],
            cell(code["note"]),
        )
    print_table(codes)
    kept = result.held_out
    if kept is not None:
        fold = kept.folds[0]
        click.echo(
            f"kept apart: {fold.test_segments} coded segments of {', '.join(fold.test_documents)}, "
            f"tested once by models trained and tuned on the other {len(fold.train_documents)} "
            "documents"
        )
        _summary_table(kept)
    for method in result.methods:
        click.echo(f"{method}: {DESCRIPTIONS[method]}")


def _summary_table(result: Evaluation) -> None:
    from rich import box

    table = Table(
        "method", "P", "R", "F1 micro", "F1 macro", "top-1", "P@5", "P@10", "P@25",
        box=box.SIMPLE_HEAD,
    )  # fmt: skip
    for method in result.methods:
        found = result.summary[method]
        micro, macro, at = found["micro"], found["macro"], found["precision_at"]
        table.add_row(
            method, f"{micro['precision']:.3f}", f"{micro['recall']:.3f}", f"{micro['f1']:.3f}",
            f"{macro['f1']:.3f}", f"{found['top1']:.3f}", f"{at['5']:.3f}", f"{at['10']:.3f}",
            f"{at['25']:.3f}",
        )  # fmt: skip
    print_table(table)


def _evidence(evidence: dict[str, Any]) -> str:
    """One line of why: matched words, matches nearby, the model's words."""
    parts = []
    for match in (evidence.get("rules") or {}).get("matches", []):
        parts.append(f'matched "{match["text"]}"')
    for near in evidence.get("nearby", []):
        words = ", ".join(f'"{m["text"]}"' for m in near["matches"])
        parts.append(f"next to segment {near['segment']}: {words}")
    model = evidence.get("model")
    if model:
        words = ", ".join(f"{word} {weight:+.2f}" for word, weight in model.get("words", [])[:3])
        parts.append("model" + (f": {words}" if words else ""))
        for like in model.get("similar", [])[:1]:
            parts.append(f"like {like['document']} segment {like['segment']}")
    return "; ".join(parts)


@cli.command("suggestions")
@click.option("--document", help="Only this document.")
@click.option("--code", help="Only this code (a theme includes its codes).")
@click.option(
    "--status",
    type=click.Choice(STATUSES),
    default="pending",
    show_default=True,
    help="Which: pending, accepted, rejected, or all.",
)
@click.option(
    "--order",
    type=click.Choice(["document", "score"]),
    default="document",
    show_default=True,
    help="In document order (best first in each segment), or best first overall.",
)
@click.option("--limit", type=int, help="At most this many.")
@click.option("--ids", "ids_only", is_flag=True, help="Print only the ids, one a line.")
@json_option
@pass_context
def suggestions_(
    obj: CommandContext,
    document: str | None,
    code: str | None,
    status: str,
    order: str,
    limit: int | None,
    ids_only: bool,
    as_json: bool,
) -> None:
    """List suggestions with the evidence for each.

    While the round is closed, a coder sees only their own.
    """
    with obj.open() as project:
        frame = suggesting.suggestions(
            project, viewer=obj.asker, document=document, code=code,
            status=None if status == "all" else status,
        )  # fmt: skip
    if order == "score":
        frame = frame.sort_values(["score", "id"], ascending=[False, True], kind="stable")
    if limit is not None:
        frame = frame.head(limit)
    if ids_only:
        for suggestion_id in frame["id"]:
            click.echo(suggestion_id)
        return
    if as_json:
        print_json(records(frame, suggesting.SUGGESTION_COLUMNS))
        return
    table = Table("id", "document", "seg", "code", "score", "method", "why", "text")
    for row in frame.itertuples(index=False):
        table.add_row(
            str(row.id), row.document, str(row.segment), row.code, f"{row.score:.2f}",
            row.method, _evidence(row.evidence), row.text,
        )  # fmt: skip
    print_table(table)
    click.echo(f"{len(frame)} suggestion(s)")


@cli.command()
@click.argument("ids", nargs=-1, required=True, type=int)
@coder_option
@pass_context
def accept(obj: CommandContext, ids: tuple[int, ...], coder: str | None) -> None:
    """Accept suggestions as your codings.

    Each becomes your coding of its segment, with origin "suggestion".
    """
    coder = obj.coder(coder)
    with obj.open() as project, project.transaction() as session:
        done = suggesting.accept(session, ids, coder)
        for each in done:
            said = "accepted" if each.new else "was accepted already"
            click.echo(f"suggestion {each.suggestion_id} {said}: coding {each.coding.id}")
    new = sum(each.new for each in done)
    click.echo(f"{new} accepted now, {len(done) - new} accepted before")


@cli.command()
@click.argument("ids", nargs=-1, required=True, type=int)
@coder_option
@pass_context
def reject(obj: CommandContext, ids: tuple[int, ...], coder: str | None) -> None:
    """Reject suggestions, for good.

    They are never suggested to you again, and the next model learns from them.
    """
    coder = obj.coder(coder)
    with obj.open() as project, project.transaction() as session:
        changed = suggesting.reject(session, ids, coder)
    click.echo(f"{changed} rejected now, {len(set(ids)) - changed} rejected before")
