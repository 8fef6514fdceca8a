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

from .html import heat_colour, render_html, report_title, write_html
from .tables import agreement_table, item_key, items
from .units import (
    CONSENSUS,
    DISAGREEMENT_COLUMNS,
    EXCLUSIVE,
    UNITS,
    AgreementReport,
    Variable,
    require_lead_or_open_round,
    variables,
)

__all__ = [
    "CONSENSUS",
    "DISAGREEMENT_COLUMNS",
    "EXCLUSIVE",
    "UNITS",
    "AgreementReport",
    "Variable",
    "agreement_table",
    "heat_colour",
    "item_key",
    "items",
    "render_html",
    "report_title",
    "require_lead_or_open_round",
    "variables",
    "write_html",
]
