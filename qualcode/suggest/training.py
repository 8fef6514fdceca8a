"""Fit the suggestion model on coded segments: textcat, then calibration out of fold.

``fit`` is the one training procedure, used by ``qualcode suggest`` on all the coded
segments in scope and by the evaluation on each training fold alone. Calibration
needs scores the model gave to segments it did not learn from, so the training
segments are split again by document, a model is trained without each part and
scores it (out-of-fold scores), the calibrator is fitted on those, and the final model
is then trained on every training segment.
"""

from __future__ import annotations

import multiprocessing
import os
import random
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
from spacy.language import Language

from .base import SuggestContext, Suggester, get_suggester
from .batch import iter_batches
from .combine import Calibrator, Scores, fit_calibrator
from .data import Corpus
from .rules import RuleSuggester
from .textcat import TextcatSettings, TextcatSuggester

PARALLEL_FROM = 40_000  # segments to score before worker processes pay for themselves
PARALLEL_TRAIN_FROM = 1_000  # coded segments to train on, likewise
MAX_PROCESSES = 4
CHUNK = 10_000  # segments per task for a worker
MODEL = "model"  # the registered suggester that fit() trains
MIN_EXAMPLES = 5  # positive segments a code needs in training before the model learns it
INNER_FOLDS = 4
CHUNK_SEGMENTS = 40  # a lone coded document is cut into runs of this many for calibration


def score_texts(
    nlp: Language,
    suggesters: Sequence[Suggester],
    texts: Sequence[str],
    processes: int | None = None,
) -> dict[str, np.ndarray]:
    """Each suggester's (segments x codes) scores, tokenizing each batch once for all.

    ``processes`` None means: one process for fewer than PARALLEL_FROM segments, else
    one per CPU (at most MAX_PROCESSES), where the platform can fork (workers then
    share the trained models without pickling them).
    """
    if processes is None:
        processes = 1 if len(texts) < PARALLEL_FROM else worker_count()
    if processes > 1 and can_fork():
        return _score_in_processes(nlp, suggesters, texts, processes)
    return _score(nlp, suggesters, texts)


def worker_count() -> int:
    return min(os.cpu_count() or 1, MAX_PROCESSES)


def can_fork() -> bool:
    """Whether worker processes may be started here: where fork exists, and not from one."""
    in_worker = multiprocessing.current_process().daemon
    return "fork" in multiprocessing.get_all_start_methods() and not in_worker


def _score(
    nlp: Language, suggesters: Sequence[Suggester], texts: Sequence[str]
) -> dict[str, np.ndarray]:
    parts: dict[str, list[np.ndarray]] = {s.name: [] for s in suggesters}
    for _offset, batch in iter_batches(nlp, texts):
        for suggester in suggesters:
            parts[suggester.name].append(suggester.score(batch))
    codes = len(suggesters[0].codes) if suggesters else 0
    return {
        name: np.vstack(found) if found else np.zeros((0, codes), dtype=np.float32)
        for name, found in parts.items()
    }


# What forked workers work with: set just before the pool forks, so it is inherited.
_SHARED: dict[str, Any] = {}


def _score_chunk(bounds: tuple[int, int]) -> dict[str, np.ndarray]:
    start, end = bounds
    return _score(_SHARED["nlp"], _SHARED["suggesters"], _SHARED["texts"][start:end])


def _score_in_processes(
    nlp: Language, suggesters: Sequence[Suggester], texts: Sequence[str], processes: int
) -> dict[str, np.ndarray]:
    _SHARED.update(nlp=nlp, suggesters=suggesters, texts=texts)
    chunks = [(i, min(i + CHUNK, len(texts))) for i in range(0, len(texts), CHUNK)]
    try:
        with multiprocessing.get_context("fork").Pool(processes) as pool:
            results = pool.map(_score_chunk, chunks, chunksize=1)
    finally:
        _SHARED.clear()
    return {s.name: np.vstack([r[s.name] for r in results]) for s in suggesters}


def group_folds(groups: Sequence[Any], k: int, seed: int = 0) -> list[np.ndarray]:
    """Split rows into at most ``k`` folds so that no group (document) is in two folds.

    Returns, per fold, the boolean mask of its test rows. Groups are shuffled with
    ``seed`` and dealt out in turn, so folds differ in size by at most one group.
    """
    groups = np.asarray(groups, dtype=object)
    names = sorted(set(groups.tolist()), key=str)
    random.Random(seed).shuffle(names)
    k = max(1, min(k, len(names)))
    fold_of = {name: i % k for i, name in enumerate(names)}
    assigned = np.array([fold_of[g] for g in groups.tolist()], dtype=np.int64)
    return [assigned == i for i in range(k)]


def calibration_groups(corpus: Corpus) -> np.ndarray:
    """Documents, or runs of segments when only one document is coded (said in the info)."""
    if len(set(corpus.documents.tolist())) > 1:
        return corpus.documents
    return np.arange(len(corpus)) // CHUNK_SEGMENTS


@dataclass
class Fitted:
    """A trained suggestion model: rules, textcat (if any code could be learnt), calibrator.

    ``held_out`` keeps, for each training segment (by id), the log-odds it got from a
    model that had not seen its document. Those are the scores used for training
    segments: the final model knows them by heart, and its scores there would be both
    overconfident and uncalibrated (and would spill onto their neighbours).
    """

    rules: RuleSuggester
    textcat: TextcatSuggester | None
    calibrator: Calibrator
    info: dict[str, Any] = field(default_factory=dict)
    held_out_ids: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    held_out: np.ndarray | None = None

    @property
    def suggesters(self) -> list[Suggester]:
        return [self.rules] + ([self.textcat] if self.textcat else [])

    def scores(self, nlp: Language, corpus: Corpus) -> Scores:
        """Raw scores of every segment of ``corpus``, with its neighbours."""
        raw = score_texts(nlp, self.suggesters, corpus.texts)
        model = raw.get("model")
        if model is not None and self.held_out is not None and len(self.held_out_ids):
            order = np.argsort(self.held_out_ids)
            at = np.searchsorted(self.held_out_ids, corpus.segment_ids, sorter=order)
            at = order[np.minimum(at, len(order) - 1)]
            known = self.held_out_ids[at] == corpus.segment_ids
            model[known] = self.held_out[at[known]]
        return Scores(raw["rules"], model, corpus.previous, corpus.following)


def train_model(corpus: Corpus, nlp: Language, settings: TextcatSettings) -> TextcatSuggester:
    """The registered ``model`` suggester, trained on ``corpus``."""
    context = SuggestContext(nlp, corpus.codes, corpus, settings.seed, asdict(settings))
    return get_suggester(MODEL).factory(context)  # type: ignore[return-value]


def out_of_fold(
    corpus: Corpus, nlp: Language, folds: Sequence[np.ndarray], settings: TextcatSettings
) -> tuple[np.ndarray, TextcatSuggester]:
    """(log-odds of every row from a model that did not see its group, the final model).

    With enough segments, and where worker processes can be forked, the fold models
    train in workers while this process trains the final one on every row.
    """
    scores = np.zeros(corpus.labels.shape, dtype=np.float32)
    if len(corpus) >= PARALLEL_TRAIN_FROM and worker_count() > 1 and can_fork():
        _SHARED.update(corpus=corpus, nlp=nlp, settings=settings)
        try:
            with multiprocessing.get_context("fork").Pool(worker_count()) as pool:
                running = pool.map_async(_held_out, folds, chunksize=1)
                final = train_model(corpus, nlp, settings)
                found = running.get()
        finally:
            _SHARED.clear()
    else:
        found = [_held_out(test, corpus, nlp, settings) for test in folds]
        final = train_model(corpus, nlp, settings)
    for test, held_out in zip(folds, found, strict=True):
        scores[test] = held_out
    return scores, final


def _held_out(
    test: np.ndarray,
    corpus: Corpus | None = None,
    nlp: Language | None = None,
    settings: TextcatSettings | None = None,
) -> np.ndarray:
    """Scores of the ``test`` rows from a model trained on the others (shared, in workers)."""
    corpus = corpus or _SHARED["corpus"]
    nlp = nlp or _SHARED["nlp"]
    settings = settings or _SHARED["settings"]
    suggester = train_model(corpus.rows(~test), nlp, settings)
    return score_texts(nlp, [suggester], corpus.rows(test).texts, processes=1)[MODEL]


def fit(
    corpus: Corpus,
    nlp: Language,
    rules: RuleSuggester,
    settings: TextcatSettings | None = None,
    *,
    inner_folds: int = INNER_FOLDS,
    rule_scores: np.ndarray | None = None,
) -> Fitted:
    """Train and calibrate on the labelled rows of ``corpus`` (and only on them).

    ``rule_scores``, if given, are the rules' scores of ``corpus``'s rows (to save work).
    """
    settings = settings or TextcatSettings()
    labelled = corpus.labelled
    corpus = corpus.rows(labelled)
    if not len(corpus):
        uncalibrated = Calibrator.uncalibrated(len(corpus.codes))
        return Fitted(rules, None, uncalibrated, {"segments": 0, "calibrated_on": "nothing"})
    if rule_scores is None:
        rule_scores = score_texts(nlp, [rules], corpus.texts)["rules"]
    else:
        rule_scores = rule_scores[labelled]
    positives = corpus.positives()
    learnable = positives >= MIN_EXAMPLES
    groups = calibration_groups(corpus)
    info: dict[str, Any] = {
        "segments": len(corpus),
        "documents": len(set(corpus.documents.tolist())),
        "learnable_codes": int(learnable.sum()),
        "calibrated_on": "documents" if groups is corpus.documents else "runs of segments",
    }
    scores = Scores(rule_scores, None, corpus.previous, corpus.following)
    if not learnable.any() or len(set(groups.tolist())) < 2:
        calibrator = fit_calibrator(scores, corpus.labels, corpus.known, learnable)
        return Fitted(rules, None, calibrator, info)
    folds = group_folds(groups, inner_folds, settings.seed)
    scores.model, textcat = out_of_fold(corpus, nlp, folds, settings)
    calibrator = fit_calibrator(scores, corpus.labels, corpus.known, learnable)
    return Fitted(rules, textcat, calibrator, info, corpus.segment_ids, scores.model)
