"""The entry point: :func:`render_export` writes coded excerpts in each format asked."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import QualcodeError
from ..project import Project
from ..quotes import code_tree, project_redactor, quotes
from ..redact import Redactor
from ..visibility import Who
from . import FORMATS
from .build import ContextBuilder
from .context import ExportContext
from .counts import count_table, matrices
from .memos import Notes, export_notes
from .tabular import write_csv
from .templates import TEMPLATED, environment, write_template
from .word import write_docx
from .xlsx import write_xlsx, xlsx_sheets


def _outputs(out: Path, formats: list[str], name: str) -> dict[str, Path]:
    """Where each format goes: ``out`` itself if it names a file, else ``out/name.fmt``."""
    if out.suffix.lstrip(".") in FORMATS:
        if formats != [out.suffix.lstrip(".")]:
            raise QualcodeError(
                f"{out} names one {out.suffix} file but the formats asked are "
                f"{', '.join(formats)}: give a folder to --out, or one matching --format"
            )
        out.parent.mkdir(parents=True, exist_ok=True)
        return {formats[0]: out}
    out.mkdir(parents=True, exist_ok=True)
    return {fmt: out / f"{name}.{fmt}" for fmt in formats}


def _describe(filters: Mapping[str, Any]) -> list[str]:
    described = []
    for key, value in filters.items():
        if value is None or value == [] or value == ():
            continue
        if key == "where":
            described += [f"{k}: {v if isinstance(v, str) else ', '.join(map(str, v))}"
                          for k, v in value.items()]  # fmt: skip
        else:
            shown = value if isinstance(value, str) else ", ".join(map(str, value))
            described.append(f"{key.replace('_', ' ')}: {shown}")
    return described


def render_export(
    project: Project,
    fmt: str | Sequence[str] = "html",
    by: Sequence[str] | None = None,
    out: str | Path | None = None,
    *,
    name: str = "quotes",
    title: str | None = None,
    template_dirs: Sequence[str | Path] = (),
    redact: bool = True,
    redact_file: str | Path | None = None,
    real_names: bool = False,
    labels: Mapping[str, str] | None = None,
    attribution: str = "agency_type",
    context: int = 150,
    keep_coders_apart: bool = False,
    viewer: Who = None,
    report: Callable[[str], None] | None = None,
    **filters: Any,
) -> list[Path]:
    """Write coded excerpts grouped by ``by`` in each format; return the files written.

    ``by=None`` groups by theme, code and agency type, leaving out what no excerpt has
    (and saying so through ``report`` and in the export itself).

    >>> render_export(project, ["html", "xlsx"], by=("theme", "agency_type"),
    ...               theme="Power", where={"area": "Area 3"})
    [PosixPath('exports/quotes.html'), PosixPath('exports/quotes.xlsx')]

    ``filters`` are those of :func:`qualcode.quotes.quotes` (code, theme, coder, where,
    text, cooccurs_with); ``viewer`` is who asks (in a closed blind round a coder exports
    only their own codings). Names are hidden unless ``redact=False``: the rules of
    ``redact_file`` or the project's ``redact.yaml``, and speakers shown by their role
    unless ``real_names``.

    Every format shows the same excerpts, counted alike: codings of one code in one
    document that overlap or touch are one passage naming its coders, or with
    ``keep_coders_apart`` one passage per coder (see :func:`qualcode.quotes.quotes`).
    """
    formats = [fmt] if isinstance(fmt, str) else list(dict.fromkeys(fmt))
    for each in formats:
        if each not in FORMATS:
            raise QualcodeError(f"unknown export format {each!r}: choose from {', '.join(FORMATS)}")
    paths = _outputs(Path(out) if out else project.root / "exports", formats, name)
    redactor = project_redactor(project, redact_file, real_names=real_names) if redact else None
    frame = quotes(
        project, redactor=redactor, labels=labels, attribution=attribution, context=context,
        viewer=viewer, merge=True, keep_coders_apart=keep_coders_apart, **filters,
    )  # fmt: skip
    with project.sessionmaker() as session:
        tree = code_tree(session)
    hide = redactor.apply if redactor is not None else None
    notes = export_notes(project, viewer=viewer, hide=hide)
    builder = ContextBuilder(frame, tree, by, labels, attribution, notes)
    if report is not None:
        for note in builder.notes:
            report(note)
    tables = {a: count_table(frame, a, labels) for a in builder.counted} if len(frame) else {}
    needs_context = any(f in ("html", "md", "docx") for f in formats)
    ctx = _context(project, builder, tables, title, filters, redactor) if needs_context else None
    env = environment(project.root, template_dirs)
    dirs = [*map(Path, template_dirs), project.root / "templates"]
    for each, path in paths.items():
        considered: list[str] = []
        if each in TEMPLATED and ctx is not None:
            considered = write_template(env, each, ctx, frame, path, project.root)
        elif each == "docx" and ctx is not None:
            considered = write_docx(ctx, path, dirs)
        elif each == "csv":
            write_csv(_with_notes(frame, notes), path)
        elif each == "xlsx":
            write_xlsx(xlsx_sheets(_with_notes(frame, notes), builder.counted, tables), path)
        if report is not None:
            shown = ctx.total if ctx is not None and each not in ("csv", "xlsx") else len(frame)
            report(f"wrote {path} ({shown} excerpts)")
            if considered:
                report(f"  templates considered: {', '.join(considered)}")
    return list(paths.values())


def _with_notes(frame: pd.DataFrame, notes: Notes) -> pd.DataFrame:
    """The table with the memos on each quote's sentences and on its code (``; `` apart)."""
    rows = zip(frame["document_id"], frame["start"], frame["end"], frame["code_id"], strict=True)
    spans, codes = [], []
    for doc, start, end, code in rows:
        spans.append("; ".join(notes.on_span(doc, start, end)))
        codes.append("; ".join(notes.on_code(code)))
    return frame.assign(segment_memos=spans, code_memos=codes)


def _context(
    project: Project, builder: ContextBuilder, tables: Mapping[str, pd.DataFrame],
    title: str | None, filters: Mapping[str, Any], redactor: Redactor | None,
) -> ExportContext:  # fmt: skip
    book = project.settings().get("codebook") or {}
    table = tables.get(builder.matrix_attribute)
    counts, matrix = matrices(table, builder.tree) if table is not None else (None, None)
    redaction = redactor.describe() if redactor is not None else ""
    return ExportContext(
        title=title or ": ".join(["Coded excerpts", *filter(None, [book.get("title")])]),
        generated=datetime.now().strftime("%Y-%m-%d %H:%M"),
        version=_version(),
        total=len(builder.frame),
        by=list(builder.by),
        levels=builder.levels,
        filters=_describe(filters),
        redaction=redaction,
        notes=builder.notes,
        coders=builder.coders(),
        groups=builder.groups(),
        codes=builder.legend(),
        counts=counts,
        matrix=matrix,
        matrix_attribute=builder.matrix_attribute,
        templates=[],
    )  # fmt: skip


def _version() -> str:
    try:
        return version("qualcode")
    except PackageNotFoundError:
        return "unknown"
