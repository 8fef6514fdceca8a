"""Code suggestions: the codebook's patterns and a model of the coders' codings, ranked
together with a calibrated score, stored for a person to accept or reject.

Nothing is coded until someone accepts a suggestion; each says why it was made; and
``evaluate`` reports, by cross-validation over documents, how good they are here.

>>> from qualcode.suggest import run_suggestions, suggestions, accept
>>> run_suggestions(project, "ana")                # stores suggestions for ana
>>> frame = suggestions(project, viewer="ana")     # pending ones, with evidence
>>> with project.transaction() as session:
...     accept(session, [frame.id[0]], "ana")      # now a coding, origin "suggestion"

Suggesters register by name, like add-ons (``base.register_suggester``); the built-in
ones are ``rules`` and ``model``.
"""

from . import rules as _rules  # noqa: F401  (registers "rules")
from . import textcat as _textcat  # noqa: F401  (registers "model")
from .base import SUGGESTERS, SuggestContext, Suggester, get_suggester, register_suggester
from .data import CodeInfo, Corpus, Scope, leaf_codes, load_corpus, scope_for
from .evaluate import Evaluation, evaluate
from .run import (
    METHOD_CHOICES,
    SuggestionModel,
    SuggestReport,
    ensure_model,
    evaluate_project,
    run_suggestions,
)
from .store import SUGGESTION_COLUMNS, accept, reject, store_suggestions, suggestions

__all__ = [
    "METHOD_CHOICES",
    "SUGGESTERS",
    "SUGGESTION_COLUMNS",
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
    "evaluate",
    "evaluate_project",
    "get_suggester",
    "leaf_codes",
    "load_corpus",
    "register_suggester",
    "reject",
    "run_suggestions",
    "scope_for",
    "store_suggestions",
    "suggestions",
]
