"""How good are the suggestions on this project? k-fold cross-validation by document.

Every coded segment is scored exactly once, by a model that was trained, calibrated
and given its threshold on other documents only: the folds split documents, not
segments, so a transcript never helps to predict itself, and calibration inside each
training part uses folds of its own (see ``training.fit``). Each (segment, code) with a
known label is one decision; precision, recall and F1 are counted per code and summed
over codes (micro) or averaged over codes that occur (macro), for:

- ``baseline``: plain keyword search for the words of each code's name (any form);
- ``rules_any``: every match of a code's patterns is a suggestion;
- ``rules``: pattern matches, calibrated per code on the training documents;
- ``model``: the textcat model alone, calibrated;
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
from .combine import Scores
from .data import CodeInfo, Corpus
from .rules import RuleSuggester, lemma_forms, lemma_of
from .textcat import TextcatSettings
from .training import (
    INNER_FOLDS,
    MIN_EXAMPLES,
    can_fork,
    fit,
    group_folds,
    score_texts,
    worker_count,
)

FOLDS = 5
EVALUATED = ("baseline", "rules_any", "rules", "model", "combined")
DESCRIPTIONS = {
    "baseline": "keyword search on code names",
    "rules_any": "rules, every match",
    "rules": "rules, calibrated",
    "model": "model (textcat)",
    "combined": "rules + model, calibrated",
}


@dataclass
class Fold:
    """One split: the documents a model was tested on, and those it was trained on."""

    number: int
    test_documents: list[str]
    train_documents: list[str]
    test_segments: int
    too_few_examples: list[str] = field(default_factory=list)  # codes the model skipped


@dataclass
class Evaluation:
    """Scores per method (micro, macro), per code, and the folds that made them."""

    summary: dict[str, dict[str, dict[str, float]]]
    codes: list[dict[str, Any]]
    folds: list[Fold]
    settings: dict[str, Any]

    def micro_f1(self, method: str) -> float:
        return self.summary[method]["micro"]["f1"]

    def to_json(self) -> dict[str, Any]:
        return {
            "methods": {name: {"description": DESCRIPTIONS[name]} for name in EVALUATED},
            "summary": self.summary,
            "codes": self.codes,
            "folds": [asdict(fold) for fold in self.folds],
            "settings": self.settings,
        }


def keyword_baseline(nlp: Language, codes: Sequence[CodeInfo]) -> RuleSuggester:
    """Search each code's name words (not stop words) in any form: what a coder would try."""
    stop = nlp.Defaults.stop_words
    keyword_codes = []
    for code in codes:
        words = [t.lower_ for t in nlp.make_doc(code.name) if t.is_alpha and t.lower_ not in stop]
        patterns = tuple([{"LOWER": {"IN": sorted(_any_form(word))}}] for word in words)
        keyword_codes.append(CodeInfo(code.id, code.name, patterns))
    baseline = RuleSuggester(nlp, keyword_codes)
    baseline.name = "baseline"
    return baseline


def _any_form(word: str) -> set[str]:
    """The word and the words that share its lookup lemma (funding: fund, funds, funded)."""
    return {word} | lemma_forms(word) | lemma_forms(lemma_of(word))


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


def evaluate(
    corpus: Corpus,
    nlp: Language,
    *,
    folds: int = FOLDS,
    seed: int = 0,
    settings: TextcatSettings | None = None,
    inner_folds: int = INNER_FOLDS,
    names: Mapping[str, str] | None = None,
    processes: int | None = None,
) -> Evaluation:
    """Cross-validate every method on the labelled segments of ``corpus``, by document.

    ``processes`` None runs the folds in parallel, one process per CPU (forked, where
    the platform allows); the result is the same in any case.
    """
    settings = settings or TextcatSettings(seed=seed)
    corpus = corpus.rows(corpus.labelled)
    documents = sorted(set(corpus.documents.tolist()))
    if len(documents) < 2:
        raise QualcodeError(
            "evaluation splits coded documents into training and test parts, and there "
            f"{'is only one' if documents else 'are none'} in scope: code at least two documents"
        )
    names = names or {}
    rules = RuleSuggester(nlp, corpus.codes)
    raw = score_texts(nlp, [rules, keyword_baseline(nlp, corpus.codes)], corpus.texts)
    rule_scores = raw["rules"]  # rules learn nothing, so scoring them once for all is fair
    predicted = {method: np.zeros(corpus.labels.shape, dtype=bool) for method in EVALUATED}
    predicted["baseline"] = raw["baseline"] > 0
    predicted["rules_any"] = rule_scores > 0
    splits = group_folds(corpus.documents, folds, seed)
    _SHARED.update(
        corpus=corpus, nlp=nlp, rules=rules, rule_scores=rule_scores,
        settings=settings, inner_folds=inner_folds,
    )  # fmt: skip
    try:
        processes = min(len(splits), worker_count()) if processes is None else processes
        if processes > 1 and can_fork():
            with multiprocessing.get_context("fork").Pool(processes) as pool:
                results = pool.map(_run_fold, splits, chunksize=1)
        else:
            results = [_run_fold(test) for test in splits]
    finally:
        _SHARED.clear()
    learnt_in = np.zeros(len(corpus.codes), dtype=int)
    made: list[Fold] = []
    for number, (test, (decided, learnable)) in enumerate(zip(splits, results, strict=True), 1):
        for method, chosen in decided.items():
            predicted[method][test] = chosen
        learnt_in += learnable
        test_docs = sorted(set(corpus.documents[test].tolist()))
        train_docs = sorted(set(corpus.documents[~test].tolist()))
        assert not set(test_docs) & set(train_docs), "a document is in training and test"
        made.append(
            Fold(
                number=number,
                test_documents=[names.get(d, d) for d in test_docs],
                train_documents=[names.get(d, d) for d in train_docs],
                test_segments=int(test.sum()),
                too_few_examples=[
                    code.name for code, ok in zip(corpus.codes, learnable, strict=True) if not ok
                ],
            )
        )
    return _report(corpus, predicted, learnt_in, made, settings, folds, inner_folds)


# What fold workers need: set just before the pool forks, so it is inherited, not pickled.
_SHARED: dict[str, Any] = {}


def _run_fold(test: np.ndarray) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Fit on the other documents, decide on this fold's: (method -> decisions, learnable)."""
    corpus, nlp = _SHARED["corpus"], _SHARED["nlp"]
    train = ~test
    fitted = fit(
        corpus.rows(train), nlp, _SHARED["rules"], _SHARED["settings"],
        inner_folds=_SHARED["inner_folds"], rule_scores=_SHARED["rule_scores"][train],
    )  # fmt: skip
    tested = corpus.rows(test)
    model = None
    if fitted.textcat is not None:
        model = score_texts(nlp, [fitted.textcat], tested.texts)["model"]
    scores = Scores(_SHARED["rule_scores"][test], model, tested.previous, tested.following)
    decided = {
        method: fitted.calibrator.suggests(method, scores)
        for method in ("rules", "model", "combined")
        if method != "model" or model is not None
    }
    return decided, fitted.calibrator.learnable


def _report(
    corpus: Corpus,
    predicted: dict[str, np.ndarray],
    learnt_in: np.ndarray,
    folds: list[Fold],
    settings: TextcatSettings,
    k: int,
    inner_folds: int,
) -> Evaluation:
    positives = corpus.positives()
    tallies = {m: counts(predicted[m], corpus.labels, corpus.known) for m in EVALUATED}
    summary = {}
    for method, tally in tallies.items():
        micro = scores(*(float(tally[key].sum()) for key in ("tp", "fp", "fn")))
        micro |= {key: int(tally[key].sum()) for key in ("tp", "fp", "fn")}
        occurring = np.flatnonzero(positives > 0)
        per_code = [scores(*(tally[key][j] for key in ("tp", "fp", "fn"))) for j in occurring]
        macro = {
            name: round(float(np.mean([s[name] for s in per_code])) if per_code else 0.0, 4)
            for name in ("precision", "recall", "f1")
        }
        summary[method] = {"micro": micro, "macro": macro}
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
                    for m in EVALUATED
                },
            }
        )
    settings_json = asdict(settings) | {
        "folds": len(folds),
        "folds_asked": k,
        "inner_folds": inner_folds,
        "min_examples": MIN_EXAMPLES,
        "segments": len(corpus),
        "documents": len(set(corpus.documents.tolist())),
        "labels": "consensus codings where a document has them, else the union of coders",
    }
    return Evaluation(summary, codes, folds, settings_json)
