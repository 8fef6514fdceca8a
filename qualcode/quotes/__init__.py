"""Coded excerpts ("quotes") with their attribution and context, as one DataFrame.

One row per coding (or, asked to, per passage: overlapping and adjacent codings of one
code merged). The package's modules, each with one job:

- ``query``: :func:`quotes`, the query an analyst and every export call;
- ``filters``: which codings count (codes, coders and who may see them, attributes,
  text, co-occurrence);
- ``fetch``: the rows, in a handful of selects whatever their number;
- ``excerpts``: rows made into the frame (speaker, context, attribution, attributes);
- ``codes``: the codebook as a tree (themes, paths, order, colours);
- ``shown``: how times, references and attribute values are shown;
- ``tables``: counts made of a frame (codes by attribute, co-occurrence);
- ``redaction``: a project's redaction rules for exports.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..lazy import lazy_exports

# Imported when first used: the command line shows times (``clock``) without pandas.
__getattr__ = lazy_exports(
    __name__,
    {
        "PALETTE": ".codes",
        "CodeNode": ".codes",
        "CodeTree": ".codes",
        "code_tree": ".codes",
        "QUOTE_COLUMNS": ".excerpts",
        "quotes": ".query",
        "REDACT_FILE": ".redaction",
        "project_redactor": ".redaction",
        "MISSING": ".shown",
        "clock": ".shown",
        "label": ".shown",
        "reference": ".shown",
        "code_matrix": ".tables",
        "cooccurrence": ".tables",
    },
)

if TYPE_CHECKING:
    from .codes import PALETTE, CodeNode, CodeTree, code_tree
    from .excerpts import QUOTE_COLUMNS
    from .query import quotes
    from .redaction import REDACT_FILE, project_redactor
    from .shown import MISSING, clock, label, reference
    from .tables import code_matrix, cooccurrence

__all__ = [
    "MISSING",
    "PALETTE",
    "QUOTE_COLUMNS",
    "REDACT_FILE",
    "CodeNode",
    "CodeTree",
    "clock",
    "code_matrix",
    "code_tree",
    "cooccurrence",
    "label",
    "project_redactor",
    "quotes",
    "reference",
]
