"""``qualcode suggest``: score segments with the scope's model (kept fresh by
``saved.ensure_model``) and store what is worth a look, with its evidence.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
from spacy.language import Language
from sqlalchemy import func, select

from ..coding import get_coder
from ..errors import NoCoder, QualcodeError
from ..lookup import code_and_descendants, find_document
from ..models import Coding, Document, Speaker
from ..nlp import load_pipeline
from ..project import Project
from ..visibility import viewer_for
from . import DEFAULT_PRECISION, METHOD_CHOICES, PRECISION_KEY
from .batch import make_batch
from .combine import Scores
from .data import (
    CodeInfo,
    Corpus,
    coded_by,
    leaf_codes,
    load_corpus,
    scope_for,
)
from .evaluate import Evaluation, evaluate
from .held import record_held_back
from .linear import LinearSettings, hashed_counts
from .rules import RuleSuggester
from .saved import ensure_model
from .store import Found, StoreReport, store_suggestions
from .training import Fitted


@dataclass
class SuggestReport:
    """What one ``run_suggestions`` did."""

    coder: str
    scope: str
    method: str
    threshold: float
    segments: int
    precision: float | None = None  # the precision asked for (None with --min-score)
    balanced_threshold: float | None = None  # the cut-off of the best F1 in training
    held_back: int = 0  # suggestions the balanced cut-off would make that this one does not
    stored: int = 0
    updated: int = 0
    already_coded: int = 0
    already_decided: int = 0
    model: dict[str, Any] = field(default_factory=dict)
    note: str | None = None  # why the model learnt nothing, or why nothing was suggested

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def _code_mask(session: Any, codes: Sequence[CodeInfo], wanted: Iterable[str]) -> np.ndarray:
    chosen: set[uuid.UUID] = set()
    for ref in wanted:
        chosen |= code_and_descendants(session, ref)
    return np.array([uuid.UUID(code.id) in chosen for code in codes], dtype=bool)


def run_suggestions(
    project: Project,
    coder: str,
    *,
    documents: Sequence[str] = (),
    codes: Sequence[str] = (),
    min_score: float | None = None,
    precision: float | None = None,
    method: str = "combined",
    retrain: bool = False,
    nlp: Language | None = None,
    settings: LinearSettings | None = None,
) -> SuggestReport:
    """Suggest codes to ``coder`` for segments they have not coded with them; store them.

    The cut-off is ``min_score`` if given, else the lowest at which the calibrated
    method was right ``precision`` of the time on the training codings (out of fold);
    ``precision`` None is the project's setting (``suggest.precision``, default 0.7).

    >>> run_suggestions(project, "ana", documents=["area-3.md"], min_score=0.4)
    """
    if method not in METHOD_CHOICES:
        raise QualcodeError(f"unknown method {method!r}: one of {', '.join(METHOD_CHOICES)}")
    if not coder or not coder.strip():
        raise NoCoder()
    nlp = nlp or load_pipeline()
    with project.transaction() as session:
        get_coder(session, coder)
        scope = scope_for(session, coder)
        doc_ids = [find_document(session, ref).id for ref in documents] or None
        all_codes = leaf_codes(session)
        wanted = _code_mask(session, all_codes, codes) if codes else np.ones(len(all_codes), bool)
    model = ensure_model(project, scope, nlp=nlp, retrain=retrain, settings=settings)
    with project.sessionmaker() as session:
        target = load_corpus(session, scope, all_codes, documents=doc_ids)
        coded = coded_by(session, target, coder)
    calibrator = model.fitted.calibrator
    scores = model.fitted.scores(nlp, target)
    usable = method if method in calibrator.weights and scores.model is not None else "rules"
    balanced = calibrator.thresholds[usable]
    reached = True
    if min_score is not None:
        threshold, precision = float(min_score), None
    else:
        if precision is None:
            precision = float(project.settings().get(PRECISION_KEY, DEFAULT_PRECISION))
        threshold, reached = calibrator.threshold_for(usable, precision)
    probability = calibrator.probability(usable, scores)
    open_pairs = wanted[None, :] & ~coded & (probability > 0)
    chosen = (probability >= threshold) & wanted[None, :]
    held = open_pairs & (probability >= balanced) & ~chosen  # held back by the cut-off
    report = SuggestReport(
        coder, scope.describe(), usable, round(threshold, 4), len(target), precision,
        round(balanced, 4), int(held.sum()),
    )  # fmt: skip
    report.already_coded = int((chosen & coded).sum())
    report.model = {"why": model.why, **{k: v for k, v in model.meta.items() if k != "codes"}}
    found = _explain(
        nlp, model.fitted, target, scores, probability, chosen & ~coded, threshold,
        *_names_and_speakers(project),
    )  # fmt: skip
    with project.transaction() as session:
        stored: StoreReport = store_suggestions(session, coder, found)
        record_held_back(session, coder, zip(target.documents, held.sum(axis=1), strict=True))
    report.stored, report.updated = stored.stored, stored.updated
    report.already_decided = stored.already_decided
    if not model.meta.get("codings"):
        report.note = _nothing_learnt(project, coder)
    elif not reached:
        report.note = (
            f"no cut-off reached precision {precision:.2f} on the training codings; "
            f"suggesting from {threshold:.3f}, the closest"
        )
    elif not found:
        report.note = f"no segment scored {threshold:.3f} or more (see --precision, --min-score)"
    return report


def _nothing_learnt(project: Project, coder: str) -> str:
    """Why the model learnt nothing: the coder's codings, and what the blind round hides."""
    with project.sessionmaker() as session:
        viewer = viewer_for(session, coder)
        hidden = session.scalar(
            select(func.count()).select_from(Coding).where(~viewer.where(Coding.coder_id))
        )
    said = f"the model learnt nothing: {coder} has no codings yet"
    if hidden:
        said += f", and {hidden} coding(s) by others are hidden while the round is blind"
    return said + (
        "; until then only the codebook's patterns suggest (code a few segments, or ask a "
        "lead to open the round)"
    )


def _explain(
    nlp: Language,
    fitted: Fitted,
    corpus: Corpus,
    scores: Scores,
    probability: np.ndarray,
    chosen: np.ndarray,
    threshold: float,
    names: dict[str, str],
    speakers: frozenset[str],
) -> list[Found]:
    """A Found per chosen (segment, code): why, in words a coder can check.

    ``probability`` is the score the suggestion was chosen by, and the score shown. The
    model's part: the words of the segment that pushed the model towards the code, with
    their weights (never stop words alone, numbers, or names: ``speakers`` and words
    written with a capital inside a sentence), and the most similar segments already
    coded with it (``names``: document id -> name).
    """
    calibrator = fitted.calibrator
    model_says, vectors = None, None
    if fitted.model is not None and "model" in calibrator.weights:
        model_says = calibrator.suggests("model", scores)
        vectors = fitted.model.segment.weighting.transform(hashed_counts(corpus.texts))
    coded = corpus.labels & corpus.known
    found = []
    for i in np.flatnonzero(chosen.any(axis=1)):
        batch = make_batch(nlp, [corpus.texts[i]])
        hidden = speakers | _capitalised(corpus.texts[i])
        for j in np.flatnonzero(chosen[i]):
            evidence: dict[str, Any] = {
                "probability": round(float(probability[i, j]), 4),
                "threshold": round(threshold, 4),
            }
            if scores.rules[i, j] > 0:
                evidence["rules"] = fitted.rules.evidence(batch, 0, int(j))
            nearby = _nearby(nlp, fitted.rules, corpus, scores, int(i), int(j))
            if nearby:
                evidence["nearby"] = nearby
            if fitted.model is not None and vectors is not None and calibrator.learnable[j]:
                evidence["model"] = {
                    "words": fitted.model.evidence(
                        corpus.texts[i], int(j), hidden, row=vectors[int(i)]
                    ),
                    "similar": _similar(corpus, vectors, coded[:, j], int(i), names),
                }
            by_rules = "rules" in evidence or "nearby" in evidence
            by_model = model_says is not None and bool(model_says[i, j])
            method = "rules+model" if by_rules and by_model else "rules" if by_rules else "model"
            evidence["method"] = method
            segment_id, score = int(corpus.segment_ids[i]), float(probability[i, j])
            found.append(Found(segment_id, corpus.codes[j].id, score, method, evidence))
    return found


SIMILAR = 3
SIMILAR_FROM = 0.05  # a cosine below this is no likeness worth showing


def _similar(
    corpus: Corpus, vectors: Any, coded: np.ndarray, i: int, names: dict[str, str]
) -> list[dict[str, Any]]:
    """The segments coded with the code (outside segment i's passage) most like it, if
    any is alike enough (SIMILAR_FROM)."""
    rows = np.flatnonzero(coded & (corpus.passages != corpus.passages[i]))
    if not len(rows):
        return []
    similarity = np.asarray((vectors[rows] @ vectors[i].T).todense()).ravel()
    best = np.argsort(-similarity, kind="stable")[:SIMILAR]
    return [
        {
            "document": names.get(corpus.documents[rows[k]], corpus.documents[rows[k]]),
            "segment": corpus.ordinals[rows[k]],
            "similarity": round(float(similarity[k]), 3),
            "text": corpus.texts[rows[k]],
        }
        for k in best
        if similarity[k] >= SIMILAR_FROM
    ]


_CAPITALISED = re.compile(r"(?<![.!?:;\n]\s)(?<!^)\b([A-Z][\w'’-]+)")


def _capitalised(text: str) -> frozenset[str]:
    """Words written with a capital inside a sentence (likely names), in lower case."""
    return frozenset(word.lower() for word in _CAPITALISED.findall(text.strip()))


def _nearby(
    nlp: Language, rules: RuleSuggester, corpus: Corpus, scores: Scores, i: int, j: int
) -> list[dict[str, Any]]:
    """Pattern matches for code j in the segments just before and after segment i."""
    found = []
    for row in (int(scores.previous[i]), int(scores.following[i])):
        if row >= 0 and scores.rules[row, j] > 0:
            batch = make_batch(nlp, [corpus.texts[row]])
            matches = rules.evidence(batch, 0, j)["matches"]
            found.append({"segment": corpus.ordinals[row], "matches": matches})
    return found


def _names_and_speakers(project: Project) -> tuple[dict[str, str], frozenset[str]]:
    """Document names by id, and every word of every speaker label, in lower case."""
    with project.sessionmaker() as session:
        names = {str(k): v for k, v in session.execute(select(Document.id, Document.name))}
        labels = session.scalars(select(Speaker.label)).all()
    return names, frozenset(word.lower() for label in labels for word in re.findall(r"\w+", label))


def evaluate_project(
    project: Project,
    *,
    viewer: str | None = None,
    folds: int = 5,
    seed: int = 0,
    settings: LinearSettings | None = None,
    nlp: Language | None = None,
    textcat: bool = False,
    hold_out: Sequence[str] = (),
) -> Evaluation:
    """Cross-validate the suggestions on this project's coded documents (see ``evaluate``);
    the documents of ``hold_out`` (names or ids) are kept apart and tested once at the end.
    """
    nlp = nlp or load_pipeline()
    with project.sessionmaker() as session:
        scope = scope_for(session, viewer)
        corpus = load_corpus(session, scope)
        names = dict(session.execute(select(Document.id, Document.name)).all())
        kept = [str(find_document(session, ref).id) for ref in hold_out]
    names = {str(doc_id): name for doc_id, name in names.items()}
    result = evaluate(
        corpus, nlp, folds=folds, seed=seed, settings=settings, names=names, textcat=textcat,
        hold_out=kept,
    )  # fmt: skip
    result.settings["scope"] = scope.describe()
    return result
