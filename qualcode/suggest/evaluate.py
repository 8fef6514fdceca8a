"""How good are the suggestions on this project? k-fold cross-validation by document.

Every coded segment is scored exactly once, by models that were trained, calibrated
and given their cut-off on other documents only: the folds split documents (in the
order of their names, shuffled by ``seed``; never by id, so the same documents imported
again give the same folds), so a transcript never helps to predict itself, and tuning
inside each training part uses folds of its own (see ``training.fit`` and
``baselines.tuned``). Each (segment, code) with a known label is one decision;
precision, recall and F1 are counted per code and summed over codes (micro) or
averaged over codes that occur (macro). Besides, per method: top-1 accuracy (for the
segments that have a code, how often the method's best code is one of them) and
precision at 5, 10 and 25 (per document, the share of right ones among its k
best-scored (segment, code) pairs, averaged over documents). The methods, in one run
on the same folds:

- ``keywords``: plain keyword search for the words of each code's name (any form);
- ``tfidf_lr``: scikit-learn TF-IDF and logistic regression, cut-off tuned likewise;
- ``textcat``: spaCy's textcat alone, cut-off tuned likewise (only when asked: slow);
- ``rules_any``: every match of a code's patterns is a suggestion;
- ``rules``: pattern matches, calibrated per code on the training documents;
- ``model``: our linear models (segment and passage) alone, calibrated;
- ``combined``: rules and model together, as ``qualcode suggest`` ranks them.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
from spacy.language import Language

from ..errors import QualcodeError
from .baselines import keyword_baseline, textcat_trainer, tfidf_logistic, tuned
from .data import Corpus
from .linear import LinearSettings
from .rules import RuleSuggester
from .training import (
    INNER_FOLDS,
    MIN_EXAMPLES,
    calibration_groups,
    can_fork,
    fit,
    group_folds,
    score_texts,
    worker_count,
)

FOLDS = 5
PRECISION_AT = (5, 10, 25)
DESCRIPTIONS = {
    "keywords": "keyword search on code names",
    "tfidf_lr": "TF-IDF + logistic regression, tuned",
    "textcat": "spaCy textcat, tuned",
    "rules_any": "rules, every match",
    "rules": "rules, calibrated",
    "model": "model (words, characters, passage)",
    "combined": "rules + model, calibrated",
}
METHODS = tuple(DESCRIPTIONS)


@dataclass
class Fold:
    """One split: the documents a model was tested on, and those it was trained on."""

    number: int
    test_documents: list[str]
    train_documents: list[str]
    test_segments: int
    too_few_examples: list[str] = field(default_factory=list)  # codes the model skipped
    penalties: dict[str, float] | None = None  # the ridge penalties chosen in training


@dataclass
class Evaluation:
    """Scores per method (micro, macro, top-1, precision at k), per code, and the folds."""

    summary: dict[str, dict[str, Any]]
    codes: list[dict[str, Any]]
    folds: list[Fold]
    settings: dict[str, Any]
    held_out: Evaluation | None = None  # the documents kept apart, tested once

    @property
    def methods(self) -> list[str]:
        return [m for m in METHODS if m in self.summary]

    def micro_f1(self, method: str) -> float:
        return self.summary[method]["micro"]["f1"]

    def to_json(self) -> dict[str, Any]:
        return {
            "methods": {name: {"description": DESCRIPTIONS[name]} for name in self.methods},
            "summary": self.summary,
            "codes": self.codes,
            "folds": [asdict(fold) for fold in self.folds],
            "settings": self.settings,
            "held_out": None if self.held_out is None else self.held_out.to_json(),
        }


def counts(predicted: np.ndarray, labels: np.ndarray, known: np.ndarray) -> dict[str, np.ndarray]:
    """Per code: true positives, false positives, false negatives over known pairs."""
    return {
        "tp": (predicted & labels & known).sum(axis=0),
        "fp": (predicted & ~labels & known).sum(axis=0),
        "fn": (~predicted & labels & known).sum(axis=0),
    }


def scores(tp: float, fp: float, fn: float) -> dict[str, float]:
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4)}


def top1(score: np.ndarray, labels: np.ndarray, known: np.ndarray) -> float:
    """Of the segments with a known code, the share whose best-scored code is one of them."""
    rows = np.flatnonzero((labels & known).any(axis=1))
    if not len(rows):
        return 0.0
    best = np.where(known[rows], score[rows], -np.inf).argmax(axis=1)
    return round(float(labels[rows, best].mean()), 4)


def precision_at(
    score: np.ndarray, labels: np.ndarray, known: np.ndarray, documents: np.ndarray, k: int
) -> float:
    """Per document, the share of right ones among its ``k`` best-scored (segment, code)
    pairs with a known label (ties in segment order); averaged over documents."""
    found = []
    for document in dict.fromkeys(documents.tolist()):
        rows = documents == document
        pairs = known[rows].ravel()
        if not pairs.any():
            continue
        order = np.argsort(-score[rows].ravel()[pairs], kind="stable")[:k]
        found.append(labels[rows].ravel()[pairs][order].mean())
    return round(float(np.mean(found)), 4) if found else 0.0


def evaluate(
    corpus: Corpus,
    nlp: Language,
    *,
    folds: int = FOLDS,
    seed: int = 0,
    settings: LinearSettings | None = None,
    inner_folds: int = INNER_FOLDS,
    names: Mapping[str, str] | None = None,
    textcat: bool = False,
    processes: int | None = None,
    hold_out: Sequence[str] = (),
) -> Evaluation:
    """Cross-validate every method on the labelled segments of ``corpus``, by document.

    ``textcat`` adds spaCy's textcat alone (slow). ``processes`` None runs the folds in
    parallel, one process per CPU (forked, where the platform allows); the result is the
    same in any case. ``hold_out`` (document ids) are kept apart: the cross-validation
    runs on the other documents, and then every method, trained and tuned on all of
    those, is tested once on the documents kept apart (``Evaluation.held_out``).
    """
    settings = settings or LinearSettings(seed=seed)
    corpus = corpus.rows(corpus.labelled)
    kept = np.isin(corpus.documents, list(hold_out))
    documents = set(corpus.documents[~kept].tolist())
    if len(documents) < 2:
        raise QualcodeError(
            "evaluation splits coded documents into training and test parts, and there "
            f"{'is only one' if documents else 'are none'} in scope"
            f"{' besides those kept apart' if kept.any() else ''}: code at least two documents"
        )
    names = names or {}
    methods = [m for m in METHODS if textcat or m != "textcat"]
    rules = RuleSuggester(nlp, corpus.codes)
    raw = score_texts(nlp, [rules, keyword_baseline(nlp, corpus.codes)], corpus.texts)
    shared = dict(
        nlp=nlp, rules=rules, settings=settings, inner_folds=inner_folds, textcat=textcat,
        seed=seed, names=names, methods=methods,
    )  # fmt: skip
    rest = corpus.rows(~kept)
    raw_rest = {name: found[~kept] for name, found in raw.items()}
    result = _cross_validate(
        rest, raw_rest, group_folds(rest.documents, folds, seed), processes, **shared
    )
    result.settings = asdict(settings) | {
        "folds": len(result.folds),
        "folds_asked": folds,
        "inner_folds": inner_folds,
        "min_examples": MIN_EXAMPLES,
        "segments": len(rest),
        "documents": len(documents),
        "passages": rest.passage_count,
        "labels": "consensus codings where a document has them, else the union of coders",
    }
    if kept.any():
        result.held_out = _cross_validate(corpus, raw, [kept], 1, **shared)
        result.held_out.settings = {
            "folds": 1,
            "segments": int(kept.sum()),
            "documents": len(set(corpus.documents[kept].tolist())),
        }
    return result


def _cross_validate(
    corpus: Corpus,
    raw: dict[str, np.ndarray],
    splits: list[np.ndarray],
    processes: int | None,
    **shared: Any,
) -> Evaluation:
    """Every method's scores of each split's test rows, by models of the other rows;
    reported over the rows tested (``raw``: the rules' and keywords' scores)."""
    methods = shared["methods"]
    tested = np.logical_or.reduce(splits)
    score = {m: np.zeros(corpus.labels.shape) for m in methods}
    predicted = {m: np.zeros(corpus.labels.shape, dtype=bool) for m in methods}
    rule_scores = raw["rules"]  # rules learn nothing, so scoring them once for all is fair
    score["keywords"], predicted["keywords"] = raw["keywords"], raw["keywords"] > 0
    score["rules_any"], predicted["rules_any"] = rule_scores, rule_scores > 0
    _SHARED.update(shared, corpus=corpus, rule_scores=rule_scores)
    try:
        processes = min(len(splits), worker_count()) if processes is None else processes
        if processes > 1 and can_fork():
            with multiprocessing.get_context("fork").Pool(processes) as pool:
                results = pool.map(_run_fold, splits, chunksize=1)
        else:
            results = [_run_fold(test) for test in splits]
    finally:
        _SHARED.clear()
    names = shared["names"]
    learnt_in = np.zeros(len(corpus.codes), dtype=int)
    made: list[Fold] = []
    for number, (test, (found, learnable, penalties)) in enumerate(
        zip(splits, results, strict=True), 1
    ):
        for method, (scored, chosen) in found.items():
            score[method][test], predicted[method][test] = scored, chosen
        learnt_in += learnable
        test_docs = sorted(set(corpus.documents[test].tolist()))
        train_docs = sorted(set(corpus.documents[~test].tolist()))
        assert not set(test_docs) & set(train_docs), "a document is in training and test"
        made.append(
            Fold(
                number=number,
                test_documents=sorted(names.get(d, d) for d in test_docs),
                train_documents=sorted(names.get(d, d) for d in train_docs),
                test_segments=int(test.sum()),
                too_few_examples=[
                    code.name for code, ok in zip(corpus.codes, learnable, strict=True) if not ok
                ],
                penalties=penalties,
            )
        )
    tested_only = corpus.rows(tested)
    return _report(
        tested_only,
        methods,
        {m: found[tested] for m, found in score.items()},
        {m: found[tested] for m, found in predicted.items()},
        learnt_in,
        made,
    )


# What fold workers need: set just before the pool forks, so it is inherited, not pickled.
_SHARED: dict[str, Any] = {}


def _run_fold(
    test: np.ndarray,
) -> tuple[dict[str, tuple[np.ndarray, np.ndarray]], np.ndarray, dict[str, float] | None]:
    """Fit on the other documents, score this fold's: (method -> (scores, decisions),
    codes the model learnt, the penalties chosen for it)."""
    corpus, nlp, train = _SHARED["corpus"], _SHARED["nlp"], ~test
    training, tested = corpus.rows(train), corpus.rows(test)
    fitted = fit(
        training, nlp, _SHARED["rules"], _SHARED["settings"],
        inner_folds=_SHARED["inner_folds"], rule_scores=_SHARED["rule_scores"][train],
    )  # fmt: skip
    scores = fitted.scores(nlp, tested, _SHARED["rule_scores"][test])
    found = {}
    for method in ("rules", "model", "combined"):
        if method == "model" and scores.model is None:
            found[method] = (np.zeros(tested.labels.shape), np.zeros(tested.labels.shape, bool))
            continue
        p = fitted.calibrator.probability(method, scores)
        found[method] = (p, fitted.calibrator.suggests(method, scores))
    inner = group_folds(calibration_groups(training), _SHARED["inner_folds"], _SHARED["seed"])
    trainers = {"tfidf_lr": tfidf_logistic(training.texts)}
    if _SHARED["textcat"]:
        trainers["textcat"] = textcat_trainer(nlp, _SHARED["seed"])
    for method, trainer in trainers.items():
        model, cut = tuned(trainer, training, inner)
        scored = model(tested.texts)
        found[method] = (scored, scored >= cut)
    return found, fitted.calibrator.learnable, fitted.info.get("penalties")


def _report(
    corpus: Corpus,
    methods: Sequence[str],
    score: dict[str, np.ndarray],
    predicted: dict[str, np.ndarray],
    learnt_in: np.ndarray,
    folds: list[Fold],
) -> Evaluation:
    positives = corpus.positives()
    labels, known = corpus.labels, corpus.known
    tallies = {m: counts(predicted[m], labels, known) for m in methods}
    summary = {}
    occurring = np.flatnonzero(positives > 0)
    for method in methods:
        tally = tallies[method]
        micro = scores(*(float(tally[key].sum()) for key in ("tp", "fp", "fn")))
        micro |= {key: int(tally[key].sum()) for key in ("tp", "fp", "fn")}
        per_code = [scores(*(tally[key][j] for key in ("tp", "fp", "fn"))) for j in occurring]
        macro = {
            name: round(float(np.mean([s[name] for s in per_code])) if per_code else 0.0, 4)
            for name in ("precision", "recall", "f1")
        }
        summary[method] = {
            "micro": micro,
            "macro": macro,
            "top1": top1(score[method], labels, known),
            "precision_at": {
                str(k): precision_at(score[method], labels, known, corpus.documents, k)
                for k in PRECISION_AT
            },
        }
    codes = []
    for j, code in enumerate(corpus.codes):
        learnt = int(learnt_in[j])
        note = None
        if learnt < len(folds):
            note = (
                f"too few examples to learn in {len(folds) - learnt} of {len(folds)} folds "
                f"({int(positives[j])} coded segments in all; the model needs {MIN_EXAMPLES} "
                "in a training part)"
            )
        codes.append(
            {
                "code": code.name,
                "code_id": code.id,
                "examples": int(positives[j]),
                "learnt_in_folds": learnt,
                "note": note,
                "methods": {
                    m: scores(*(tallies[m][key][j] for key in ("tp", "fp", "fn")))
                    | {key: int(tallies[m][key][j]) for key in ("tp", "fp", "fn")}
                    for m in methods
                },
            }
        )
    return Evaluation(summary, codes, folds, {})
