"""The agreement report as one self-contained HTML page."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jinja2

from . import band, figure
from .methods import methods_paragraph
from .units import ABSENT, NONE, TEMPLATES, AgreementReport

if TYPE_CHECKING:
    from ..project import Project

# --- the HTML report ------------------------------------------------------------------

# Krippendorff's (2019) rule of thumb: rely on alpha >= .8, draw tentative conclusions
# from .667 up; the heat map and the table colour by these bands.
GOOD, TENTATIVE = 0.8, 0.667
_HEAT = [(-1.0, (178, 24, 43)), (0.0, (214, 96, 77)), (TENTATIVE, (253, 184, 99)),
         (GOOD, (166, 217, 106)), (1.0, (26, 152, 80))]  # fmt: skip


def heat_colour(value: float) -> str:
    """A CSS colour for an alpha or kappa: red below 0, amber at .667, green from .8."""
    value = min(max(value, -1.0), 1.0)
    for (low, a), (high, b) in zip(_HEAT, _HEAT[1:], strict=False):
        if value <= high:
            share = (value - low) / (high - low)
            r, g, bl = (round(x + (y - x) * share) for x, y in zip(a, b, strict=True))
            return f"#{r:02x}{g:02x}{bl:02x}"
    return "#1a9850"


def _shown(
    value: float | None, reason: str | None, percent: bool = False, bands: bool = True
) -> dict[str, str]:
    """A figure as the report prints it: the number (coloured by the alpha bands unless
    it is a percentage or AC1, whose scale differs), or the word undefined and why."""
    if value is None:
        return {"text": "undefined", "title": reason or "", "cls": "undef"}
    text = figure(value, percent)
    return {"text": text, "title": "", "cls": band(value) if bands and not percent else "plain"}


def _context(report: AgreementReport, title: str) -> dict[str, Any]:
    """What the template shows, as plain strings and lists (no logic in the template)."""
    extra = "disagreements" if report.unit == "segment" else "unitizing_alpha"
    anchors = {code: f"c{k}" for k, code in enumerate(report.per_code["code"])}
    themes: list[dict[str, Any]] = []
    for row in report.per_code.to_dict("records"):
        if not themes or themes[-1]["name"] != row["theme"]:
            themes.append({"name": row["theme"], "rows": []})
        figures = {name: _shown(row[name], row[f"{name}_reason"]) for name in ("kappa", "alpha")}
        figures["ac1"] = _shown(row["ac1"], row["ac1_reason"], bands=False)
        themes[-1]["rows"].append(
            {
                "code": row["code"],
                "kind": row["kind"],
                "anchor": anchors[row["code"]],
                "units": row["units"],
                "used": [row[f"used_{c}"] for c in report.coders],
                "alpha_ci": _range(row["alpha_low"], row["alpha_high"]),
                "below": _chances(row),
                "observed": _shown(row["observed"], "no pairable unit", percent=True),
                "expected": _shown(row["expected"], row["kappa_reason"], percent=True),
                **figures,
                "extra": row[extra]
                if extra == "disagreements"
                else _shown(row[extra], row[f"{extra}_reason"]),
            }
        )
    return {
        "title": title,
        "report": report,
        "methods": methods_paragraph(report),
        "level": f"{report.intervals['confidence']:.0%}" if report.intervals else "",
        "unit": "segments" if report.unit == "segment" else "characters",
        "generated": datetime.now().astimezone().strftime("%Y-%m-%d %H:%M"),
        "themes": themes,
        "pooled": _pooled_context(report),
        "heat": _heat_context(report, anchors),
        "groups": _disagreement_context(report, anchors),
        "named": [_named_context(method) for method in report.named],
        "good": GOOD,
        "tentative": TENTATIVE,
        "legend": [(v, heat_colour(v)) for v in (-0.2, 0.0, 0.4, TENTATIVE, GOOD, 0.9, 1.0)],
    }


# Columns of the --method tables that hold shares of units or characters, shown as percents.
_SHARES = {"percent", "agreement", "a_and_b", "neither", "a_not_b", "b_not_a", "kappa_chance"}


def _named_context(method: Any) -> dict[str, Any]:
    """A method asked for with --method: its words, and each table as rows of text."""
    tables = []
    for name, frame in method.tables.items():
        columns = [str(c) for c in frame.columns]
        rows = [
            [_cell(value, column in _SHARES) for column, value in zip(columns, row, strict=True)]
            for row in frame.itertuples(index=False)
        ]
        tables.append({"name": name, "columns": columns, "rows": rows})
    return {
        "title": method.title,
        "definition": method.definition,
        "source": method.source,
        "summary": method.summary,
        "tables": tables,
        "anchor": f"m-{method.key}",
    }


def _cell(value: Any, share: bool) -> str:
    if value is None or (isinstance(value, float) and value != value):  # None or NaN
        return ""
    if isinstance(value, float):
        return figure(value, share)
    return str(value)


def _range(low: float | None, high: float | None) -> str:
    return "" if low is None or high is None else f"{figure(low)} – {figure(high)}"


def _chances(row: dict[str, Any]) -> str:
    """The hover text of an interval: how likely alpha is below each minimum."""
    below = (row.get("alpha_below_667"), row.get("alpha_below_800"))
    if None in below:
        return ""
    return f"P(alpha < .667) = {figure(below[0])}; P(alpha < .800) = {figure(below[1])}"


def _pooled_context(report: AgreementReport) -> list[tuple[str, dict[str, str]]]:
    pooled = report.pooled
    unit = "segment" if report.unit == "segment" else "character"
    rows = [
        (f"Krippendorff's alpha over every code × {unit}", "alpha"),
        (f"{report.kappa_statistic} over every code × {unit}", "kappa"),
        ("Unitizing alpha over every code", "unitizing_alpha"),
        ("Mean alpha of the codes", "mean_alpha"),
        ("Median alpha of the codes", "median_alpha"),
        (f"Mean {report.kappa_statistic.split()[-1]} of the codes", "mean_kappa"),
        ("Percent agreement over every decision", "percent"),
    ]
    cards = [
        (label, _shown(pooled[key], pooled.get(f"{key}_reason"), percent=key == "percent"))
        for label, key in rows
        if key in pooled
    ]
    if report.intervals and pooled.get("alpha_low") is not None:
        level = f"{report.intervals['confidence']:.0%}"
        text = _range(pooled["alpha_low"], pooled["alpha_high"])
        cards.insert(1, (f"{level} CI of pooled alpha", {"text": text, "title": _chances(pooled),
                                                          "cls": "plain"}))  # fmt: skip
    return cards


def _heat_context(report: AgreementReport, anchors: dict[str, str]) -> dict[str, Any]:
    cells = report.by_document
    documents = list(dict.fromkeys(cells["document"]))
    rows = []
    for code, group in cells.groupby("code", sort=False):
        shown = [_heat_cell(report, code, cell) for cell in group.to_dict("records")]
        rows.append({"code": code, "anchor": anchors.get(code, ""), "cells": shown})
    return {"documents": documents, "rows": rows}


def _heat_cell(report: AgreementReport, code: str, cell: dict[str, Any]) -> dict[str, str]:
    used = ", ".join(f"{c} {cell[f'used_{c}']}" for c in report.coders)
    percent = "" if cell["percent"] is None else f"agreement {cell['percent']:.1%}; "
    what = "codings" if report.unit == "segment" else "characters"
    tip = f"{code} in {cell['document']}: {percent}{what} by {used}"
    if cell["alpha"] is not None:
        alpha = cell["alpha"]
        title = f"{tip}; alpha {figure(alpha)}"
        text = f"{alpha:.2f}".replace("-0.00", "0.00")
        return {"text": text, "colour": heat_colour(float(text)), "cls": "", "title": title}
    unused = cell["alpha_reason"] == "nobody used it here"
    title = f"{tip}. Alpha undefined: {cell['alpha_reason']}"
    return {
        "text": "" if unused else "–",
        "colour": "",
        "cls": "unused" if unused else "undef",
        "title": title,
    }


def _disagreement_context(report: AgreementReport, anchors: dict[str, str]) -> list[dict]:
    frame = report.disagreements
    groups = []
    for code, group in frame.groupby("code", sort=False):
        items = []
        for row in group.to_dict("records"):
            versions = [
                {
                    "coder": c,
                    "value": row[c] if row[c] is not None else "not assigned",
                    "cls": "missing"
                    if row[c] is None
                    else "off"
                    if row[c] in (ABSENT, NONE)
                    else "on",
                }
                for c in report.coders
            ]
            items.append({**row, "versions": versions, "settled": row.get("settled")})
        first = group.iloc[0]
        groups.append(
            {
                "code": code,
                "theme": first["theme"],
                "kind": first["kind"],
                "entries": items,
                "anchor": f"d-{anchors.get(code, code)}",
            }
        )
    return groups


def report_title(project: Project) -> str:
    """The report's title names the study: the codebook's title, else the project folder."""
    book = project.settings().get("codebook") or {}
    return f"Agreement between coders: {book.get('title') or project.root.resolve().name}"


def render_html(report: AgreementReport, title: str = "Agreement between coders") -> str:
    """The report as one self-contained HTML page (inline CSS, nothing fetched): the table,
    a heat map of alpha per code × document, and every disagreement with its text."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,  # transcript text is data: <script> in a quote must print as text
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return env.get_template("report.html").render(_context(report, title))


def write_html(report: AgreementReport, path: str | Path, title: str | None = None) -> Path:
    """Write :func:`render_html` to ``path`` (UTF-8); return the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_html(report, title or "Agreement between coders"), encoding="utf-8")
    return path
