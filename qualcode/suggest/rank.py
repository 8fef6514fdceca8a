"""Codes ranked for any text a coder selects: what the app lists beside a selection.

``rank_codes`` scores one piece of text (a selection need not be a segment) with the
coder's model, as ``qualcode suggest`` would score a passage of that text alone: the
rules, the segment model and the passage model all read the selection, and there are
no neighbours. Every code gets its calibrated probability, the score used to rank; the
model's words that pushed it, and the rules' matches, say why.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from spacy.language import Language

from ..errors import QualcodeError
from ..nlp import load_pipeline
from ..project import Project
from .batch import make_batch
from .combine import Scores
from .data import scope_for
from .run import _capitalised, _names_and_speakers
from .saved import ensure_model
from .training import score_texts

RANK_COLUMNS = ["rank", "code", "code_id", "score", "method", "words", "matches"]


def rank_codes(
    project: Project,
    coder: str | None,
    text: str,
    *,
    limit: int | None = None,
    nlp: Language | None = None,
) -> pd.DataFrame:
    """Every leaf code, best first, for ``text`` as ``coder``'s model sees it (their own
    model while they code blind: see ``data.scope_for``), ``limit`` rows at most.

    Columns: ``rank`` (1 = best), ``code``, ``code_id``, ``score`` (calibrated
    probability), ``method`` (what scored it: ``rules``, ``model``, ``rules+model``, or
    None for a code nothing could score: no pattern matched and too few codings to learn),
    ``words`` ([word, weight] from the model, no names) and ``matches`` (the rules').

    >>> rank_codes(project, "ana", "We trusted the council to fund it", limit=3)
    """
    text = text.strip()
    if not text:
        raise QualcodeError("nothing to rank codes for: the selected text is empty")
    nlp = nlp or load_pipeline()
    with project.sessionmaker() as session:
        scope = scope_for(session, coder)
    fitted = ensure_model(project, scope, nlp=nlp).fitted
    rules = score_texts(nlp, [fitted.rules], [text], processes=1)["rules"]
    model = passage = similar = likeness = None
    if fitted.model is not None:
        model, passage, similar, likeness = fitted.model.score_corpus(
            [text], np.zeros(1, dtype=np.int64)
        )
        similar = similar if fitted.model.neighbours else None
    scores = Scores.alone(rules, model, passage, similar, likeness)
    calibrator = fitted.calibrator
    method = "combined" if model is not None and "combined" in calibrator.weights else "rules"
    probability = calibrator.probability(method, scores)[0]
    _names, speakers = _names_and_speakers(project)
    hidden = speakers | _capitalised(text)
    batch = make_batch(nlp, [text])
    rows = []
    for j in probability.argsort(kind="stable")[::-1][:limit]:
        code = fitted.rules.codes[j]
        matched = rules[0, j] > 0
        learnt = model is not None and bool(calibrator.learnable[j])
        words = fitted.model.evidence(text, int(j), hidden) if learnt and fitted.model else []
        source = "rules+model" if matched and learnt else "rules" if matched else None
        source = source or ("model" if learnt else None)
        rows.append(
            (
                len(rows) + 1, code.name, code.id, round(float(probability[j]), 4), source,
                words, fitted.rules.evidence(batch, 0, int(j))["matches"] if matched else [],
            )
        )  # fmt: skip
    return pd.DataFrame(rows, columns=RANK_COLUMNS)
