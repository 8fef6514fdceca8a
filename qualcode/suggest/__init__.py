"""Code suggestions: the codebook's patterns and a model of the coders' codings, ranked
together with a calibrated score, stored for a person to accept or reject.

Nothing is coded until someone accepts a suggestion; each says why it was made; and
``evaluate_project`` reports, by cross-validation over documents, how good they are here.

>>> from qualcode.suggest import run_suggestions, suggestions, accept
>>> run_suggestions(project, "ana")                # stores suggestions for ana
>>> frame = suggestions(project, viewer="ana")     # pending ones, with evidence
>>> rank_codes(project, "ana", "a text ana selected")  # every code for it, best first
>>> with project.transaction() as session:
...     accept(session, [frame.id[0]], "ana")      # now a coding, origin "suggestion"

Suggesters register by name, like add-ons (``base.register_suggester``); the built-in
ones are ``rules`` and ``textcat`` (spaCy's, which the evaluation measures as a
baseline). The model itself is ``linear``: ridge regressions over the words of segments
and of their passages.

Names are imported from their modules when first used: listing or deciding suggestions
(``store``) needs no spaCy, so the commands that only do that start fast. The evaluation
itself is ``evaluate.evaluate``: ``evaluate`` here is its module.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..lazy import lazy_exports

# What ``qualcode suggest --method`` takes: "combined", or one built-in suggester alone.
# Defined here, not beside the calibrator, because the command line reads it at start.
METHOD_CHOICES = ("combined", "rules", "model")
PRECISION_KEY = "suggest.precision"  # the project's precision to suggest at (a setting)
DEFAULT_PRECISION = 0.7

# Names are imported when first used: ``store`` and ``data`` need no spaCy.
_exports = lazy_exports(
    __name__,
    {
        "SUGGESTERS": ".base",
        "SuggestContext": ".base",
        "Suggester": ".base",
        "get_suggester": ".base",
        "register_suggester": ".base",
        "CodeInfo": ".data",
        "Corpus": ".data",
        "Scope": ".data",
        "leaf_codes": ".data",
        "load_corpus": ".data",
        "scope_for": ".data",
        "Evaluation": ".evaluate",
        "SuggestionModel": ".saved",
        "SuggestReport": ".run",
        "ensure_model": ".saved",
        "evaluate_project": ".run",
        "run_suggestions": ".run",
        "RANK_COLUMNS": ".rank",
        "rank_codes": ".rank",
        "SUGGESTION_COLUMNS": ".store",
        "Accepted": ".store",
        "accept": ".store",
        "reject": ".store",
        "store_suggestions": ".store",
        "suggestions": ".store",
    },
)


def __getattr__(name: str) -> Any:
    if name in {"SUGGESTERS", "get_suggester"}:
        from . import rules, textcat  # noqa: F401  (the built-in suggesters register on import)
    return _exports(name)


if TYPE_CHECKING:
    from .base import SUGGESTERS, SuggestContext, Suggester, get_suggester, register_suggester
    from .data import CodeInfo, Corpus, Scope, leaf_codes, load_corpus, scope_for
    from .evaluate import Evaluation
    from .rank import RANK_COLUMNS, rank_codes
    from .run import SuggestReport, evaluate_project, run_suggestions
    from .saved import SuggestionModel, ensure_model
    from .store import SUGGESTION_COLUMNS, Accepted, accept, reject, store_suggestions, suggestions

__all__ = [
    "DEFAULT_PRECISION",
    "METHOD_CHOICES",
    "PRECISION_KEY",
    "RANK_COLUMNS",
    "SUGGESTERS",
    "SUGGESTION_COLUMNS",
    "Accepted",
    "CodeInfo",
    "Corpus",
    "Evaluation",
    "Scope",
    "SuggestContext",
    "SuggestReport",
    "Suggester",
    "SuggestionModel",
    "accept",
    "ensure_model",
    "evaluate_project",
    "get_suggester",
    "leaf_codes",
    "load_corpus",
    "rank_codes",
    "register_suggester",
    "reject",
    "run_suggestions",
    "scope_for",
    "store_suggestions",
    "suggestions",
]
