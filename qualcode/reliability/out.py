"""The agreement report's tables to a workbook (one sheet per table) or to CSV files."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from .methods import methods_paragraph
from .units import AgreementReport


def report_tables(report: AgreementReport) -> dict[str, pd.DataFrame]:
    """Every table of the report by name, in the order a lead reads them: the methods
    paragraph and notes, per code, pooled, per document, the breakdown tables, the
    disagreements, and each method asked for with ``--method`` (its definition and
    source on a sheet of its own, then its tables)."""
    pooled = pd.DataFrame(
        {"figure": list(report.pooled), "value": list(report.pooled.values())}
    ).astype({"value": object})
    intervals = pd.DataFrame(
        {"setting": list(report.intervals), "value": [str(v) for v in report.intervals.values()]}
    )
    about = pd.DataFrame(
        {"text": [methods_paragraph(report), *report.notes]},
    )
    tables = {
        "methods": about,
        "per_code": report.per_code,
        "pooled": pooled,
        "intervals": intervals,
        "by_document": report.by_document,
        **report.tables,
        "disagreements": report.disagreements,
    }
    for method in report.named:  # --method: a sheet with its definition, then its tables
        about = [method.title, method.definition, f"Source: {method.source}", *method.summary]
        tables[method.key.replace("-", "_")] = pd.DataFrame({"text": about})
        tables |= method.tables
    return tables


def write_tables(report: AgreementReport, path: str | Path) -> list[Path]:
    """``path`` ending in .xlsx: one workbook, a sheet per table. Otherwise ``path`` is a
    folder (made if need be) that gets one ``NAME.csv`` per table. Returns what was
    written."""
    from ..workbook import write_sheets

    path = Path(path)
    tables = report_tables(report)
    if path.suffix.lower() == ".xlsx":
        path.parent.mkdir(parents=True, exist_ok=True)
        write_sheets(tables, path, wrap=("text",))
        return [path]
    path.mkdir(parents=True, exist_ok=True)
    written = []
    for name, frame in tables.items():
        target = path / f"{name}.csv"
        frame.to_csv(target, index=False)
        written.append(target)
    return written
