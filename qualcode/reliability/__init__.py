"""Agreement between coders, read from a project: the lead's check before the analysis.

:mod:`qualcode.agreement` holds the statistics on plain arrays; this package decides
what a project's units and values are (``units``), builds the per-code, per-document
and pooled tables (``tables``), and renders the report (``html``).

- Units are segments. For each code, a coder gives every segment of a document assigned
  to them *present* (a coding of theirs overlaps it; a coding may span several
  segments) or *absent*; on documents not assigned to them the coder is *missing*. In a
  project with no assignments at all, a coder counts as assigned to the documents they
  coded at least once, and the report says so.
- An ``exclusive`` theme is one variable: which of its codes a coder gave a segment, or
  none (two of its codes on one segment, possible with codings that span segments,
  make a value of their own, ``A + B``).
- ``unit="span"`` compares characters instead: per code, character-level agreement and
  Krippendorff's unitizing alpha over the documents' texts, pooled over documents.

The ``consensus`` coder, whom adjudication writes, is compared only when named.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..lazy import lazy_exports

# What agreement is measured over (``--unit``). Here, not in ``units`` with pandas, because
# the command line reads it at start; the other names are imported when first used.
UNITS = ("segment", "span")
# The methods other tools name, on request (``--method``; :mod:`.named` computes them).
NAMED_METHODS = ("krippendorff-1995", "atlas", "maxqda", "nvivo")


def figure(value: float, percent: bool = False) -> str:
    """A statistic as every report prints it: three decimals (a percentage with one), and
    never "-0.000" for a value that rounds to zero. Colours follow this text, not the
    unrounded value (:func:`band`)."""
    text = f"{value:.1%}" if percent else f"{value:.3f}"
    return text[1:] if text.startswith("-") and not text.strip("-0.%") else text


def band(value: float) -> str:
    """Krippendorff's (2019) bands by the value as printed to three decimals: "good" from
    .800, "fair" from .667, else "poor" (0.7997 prints 0.800 and is good)."""
    shown = round(value, 3)
    return "good" if shown >= 0.8 else "fair" if shown >= 0.667 else "poor"


__getattr__ = lazy_exports(
    __name__,
    {
        "heat_colour": ".html",
        "render_html": ".html",
        "report_title": ".html",
        "write_html": ".html",
        "agreement_table": ".tables",
        "item_key": ".tables",
        "items": ".tables",
        "CONSENSUS": ".units",
        "DISAGREEMENT_COLUMNS": ".units",
        "EXCLUSIVE": ".units",
        "AgreementReport": ".units",
        "Variable": ".units",
        "compared_coders": ".units",
        "require_lead_or_open_round": ".units",
        "variables": ".units",
    },
)

if TYPE_CHECKING:
    from .html import heat_colour, render_html, report_title, write_html
    from .tables import agreement_table, item_key, items
    from .units import (
        CONSENSUS,
        DISAGREEMENT_COLUMNS,
        EXCLUSIVE,
        AgreementReport,
        Variable,
        require_lead_or_open_round,
        variables,
    )

__all__ = [
    "CONSENSUS",
    "DISAGREEMENT_COLUMNS",
    "EXCLUSIVE",
    "NAMED_METHODS",
    "UNITS",
    "AgreementReport",
    "Variable",
    "agreement_table",
    "band",
    "figure",
    "heat_colour",
    "item_key",
    "items",
    "render_html",
    "report_title",
    "require_lead_or_open_round",
    "variables",
    "write_html",
]
