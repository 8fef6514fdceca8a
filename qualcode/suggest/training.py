"""Fit the suggestion model on coded segments: linear models, then calibration out of fold.

``fit`` is the one training procedure, used by ``qualcode suggest`` on all the coded
segments in scope and by the evaluation on each training fold alone. Calibration
needs scores the model gave to segments it did not learn from, so the training
segments are split again by document, a model is trained without each part and
scores it (out-of-fold scores), the calibrator is fitted on those, and the final model
is then trained on every training segment.
"""

from __future__ import annotations

import mmap
import multiprocessing
import os
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from spacy.language import Language

from .base import Suggester
from .batch import iter_batches
from .combine import Calibrator, Scores, fit_calibrator, speaker_context
from .data import Corpus
from .linear import SOURCES, Kernels, LinearSettings, LinearSuggester
from .rules import RuleSuggester

PARALLEL_FROM = 40_000  # segments to score before worker processes pay for themselves
MAX_PROCESSES = 4
CHUNK = 10_000  # segments per task for a worker
MIN_EXAMPLES = 5  # positive segments a code needs in training before the model learns it
INNER_FOLDS = 3
CHUNK_SEGMENTS = 40  # a lone coded document is cut into runs of about this many segments


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
    """Scores of ``texts``: without spaCy Docs by the suggesters that can
    (``match_texts``: the rules, when every pattern is a word sequence), the others
    over batches of texts tokenized once for them all."""
    found: dict[str, np.ndarray] = {}
    for suggester in suggesters:
        direct = getattr(suggester, "match_texts", None)
        scored = direct(texts) if direct is not None else None
        if scored is not None:
            found[suggester.name] = scored
    rest = [s for s in suggesters if s.name not in found]
    parts: dict[str, list[np.ndarray]] = {s.name: [] for s in rest}
    for _offset, batch in iter_batches(nlp, texts) if rest else ():
        for suggester in rest:
            parts[suggester.name].append(suggester.score(batch))
    codes = len(suggesters[0].codes) if suggesters else 0
    for name, scored in parts.items():
        found[name] = np.vstack(scored) if scored else np.zeros((0, codes), dtype=np.float32)
    return {s.name: found[s.name] for s in suggesters}


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


def score_fitted(
    nlp: Language, fitted: Fitted, corpus: Corpus, with_rules: bool = True
) -> tuple[np.ndarray | None, np.ndarray | None]:
    """The rules' scores of every segment of ``corpus`` (if ``with_rules``) and the
    model's (segment and passage: see ``LinearSuggester.score_corpus``), in chunks of
    whole passages: in worker processes from PARALLEL_FROM segments on, as ``score_texts``,
    which write their rows into arrays shared with this process (nothing sent back).
    """
    texts, passages = corpus.texts, corpus.passages
    if len(texts) < PARALLEL_FROM or worker_count() < 2 or not can_fork():
        return _fitted_chunk(nlp, fitted, texts, passages, with_rules)
    firsts = np.flatnonzero(np.r_[True, passages[1:] != passages[:-1]])
    cuts = np.unique(firsts[np.minimum(np.searchsorted(firsts, np.arange(0, len(texts), CHUNK)),
                                       len(firsts) - 1)])  # fmt: skip
    bounds = list(zip(cuts.tolist(), [*cuts[1:].tolist(), len(texts)], strict=True))
    codes, model = len(fitted.rules.codes), None
    rules = _shared_zeros((len(texts), codes)) if with_rules else None
    if fitted.model is not None:
        model = _shared_zeros((SOURCES, len(texts), codes))
    _SHARED.update(nlp=nlp, fitted=fitted, texts=texts, passages=passages, out=(rules, model))
    try:
        with multiprocessing.get_context("fork").Pool(worker_count()) as pool:
            pool.map(_fitted_worker, bounds, chunksize=1)
    finally:
        _SHARED.clear()
    return rules, model


def _shared_zeros(shape: tuple[int, ...]) -> np.ndarray:
    """A float32 array of zeros in memory that forked workers write into and this process
    reads (an anonymous shared mapping)."""
    size = int(np.prod(shape)) * 4
    return np.frombuffer(mmap.mmap(-1, max(size, 1)), dtype=np.float32, count=size // 4).reshape(
        shape
    )


def _fitted_chunk(
    nlp: Language,
    fitted: Fitted,
    texts: Sequence[str],
    passages: np.ndarray,
    with_rules: bool,
    remember: bool = True,
) -> tuple[np.ndarray | None, np.ndarray | None]:
    rules = _score(nlp, [fitted.rules], texts)["rules"] if with_rules else None
    if fitted.model is None:
        return rules, None
    local = np.unique(passages, return_inverse=True)[1].reshape(-1)  # 0, 1, ... in order
    return rules, fitted.model.score_corpus(texts, local, remember)


def _fitted_worker(bounds: tuple[int, int]) -> None:
    start, end = bounds
    rules_out, model_out = _SHARED["out"]
    rules, model = _fitted_chunk(
        _SHARED["nlp"], _SHARED["fitted"], _SHARED["texts"][start:end],
        _SHARED["passages"][start:end], rules_out is not None, remember=False,
    )  # fmt: skip
    if rules is not None:
        rules_out[start:end] = rules
    if model is not None:
        model_out[:, start:end] = model


def group_folds(groups: Sequence[Any], k: int, seed: int = 0) -> list[np.ndarray]:
    """Split rows into at most ``k`` folds so that no group (document) is in two folds.

    Returns, per fold, the boolean mask of its test rows. Groups, in the order they first
    appear (``load_corpus`` lists documents by name), are shuffled with ``seed`` and dealt
    out in turn, so folds differ in size by at most one group, and the same documents
    imported again (with new ids) give the same folds.
    """
    groups = np.asarray(groups, dtype=object)
    names = list(dict.fromkeys(groups.tolist()))  # in order of appearance: no ids involved
    random.Random(seed).shuffle(names)
    k = max(1, min(k, len(names)))
    fold_of = {name: i % k for i, name in enumerate(names)}
    assigned = np.array([fold_of[g] for g in groups.tolist()], dtype=np.int64)
    return [assigned == i for i in range(k)]


def calibration_groups(corpus: Corpus) -> np.ndarray:
    """Documents, or runs of passages when only one document is coded (said in the info)."""
    if len(set(corpus.documents.tolist())) > 1:
        return corpus.documents
    per_run = max(1, round(corpus.passage_count * CHUNK_SEGMENTS / max(len(corpus), 1)))
    return corpus.passages // per_run  # runs of whole passages, about CHUNK_SEGMENTS long


@dataclass
class Fitted:
    """A trained suggestion model: rules, the linear models (if any code could be learnt),
    and the calibrator.

    ``held_out`` keeps, for each training segment (by id), the scores (segment model,
    passage model) it got from models that had not seen its document. Those are the
    scores used for training segments: the final models know them by heart, and their
    scores there would be both overconfident and uncalibrated (and would spill onto
    their neighbours).
    """

    rules: RuleSuggester
    model: LinearSuggester | None
    calibrator: Calibrator
    info: dict[str, Any] = field(default_factory=dict)
    held_out_ids: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    held_out: np.ndarray | None = None  # (3, segments, codes): segment, passage, similar

    def scores(self, nlp: Language, corpus: Corpus, rules: np.ndarray | None = None) -> Scores:
        """Raw scores of every segment of ``corpus``, with its neighbours and passages
        (``rules``: the rules' scores, when they are known already)."""
        found_rules, found = score_fitted(nlp, self, corpus, rules is None)
        rules = found_rules if rules is None else rules
        if found is None:
            return Scores(rules, None, corpus.previous, corpus.following)
        if self.held_out is not None and len(self.held_out_ids):
            order = np.argsort(self.held_out_ids)
            at = np.searchsorted(self.held_out_ids, corpus.segment_ids, sorter=order)
            at = order[np.minimum(at, len(order) - 1)]
            known = self.held_out_ids[at] == corpus.segment_ids
            found[: len(self.held_out), known] = self.held_out[:, at[known]]
        similar = found[2] if self.model is not None and self.model.neighbours else None
        context = None
        if self.calibrator.context:
            context = speaker_context(found[1], corpus.passages, corpus.documents, corpus.speakers)
        likeness = found[3] if self.calibrator.likeness else None
        return Scores(
            rules, found[0], corpus.previous, corpus.following, found[1], similar, context,
            likeness,
        )  # fmt: skip


def fit(
    corpus: Corpus,
    nlp: Language,
    rules: RuleSuggester,
    settings: LinearSettings | None = None,
    *,
    inner_folds: int = INNER_FOLDS,
    rule_scores: np.ndarray | None = None,
) -> Fitted:
    """Train and calibrate on the labelled rows of ``corpus`` (and only on them).

    The training documents are split again (``inner_folds``); models fitted without each
    part score it, the calibrator learns from those out-of-fold scores, and the final
    models learn from every training segment. ``rule_scores``, if given, are the rules'
    scores of ``corpus``'s rows (to save work).
    """
    settings = settings or LinearSettings()
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
        "passages": corpus.passage_count,
        "learnable_codes": int(learnable.sum()),
        "calibrated_on": "documents" if groups is corpus.documents else "runs of passages",
    }
    scores = Scores(rule_scores, None, corpus.previous, corpus.following)
    if not learnable.any() or len(set(groups.tolist())) < 2:
        calibrator = fit_calibrator(scores, corpus.labels, corpus.known, learnable)
        return Fitted(rules, None, calibrator, info)
    kernels = Kernels(corpus, settings.codebook, settings.neighbours, settings.likeness)
    segment_grid, passage_grid = settings.grid()
    shape = corpus.labels.shape
    segment = np.zeros((len(segment_grid), *shape), dtype=np.float32)
    passage = np.zeros((len(passage_grid), *shape), dtype=np.float32)
    similar = np.zeros(shape, dtype=np.float32)
    for test in group_folds(groups, inner_folds, settings.seed):
        segment[:, test], passage[:, test], near = kernels.held_out(
            ~test, segment_grid, passage_grid
        )
        similar[test] = 0 if near is None else near
    scores.similar = similar if settings.neighbours else None
    scores.likeness = kernels.codebook_likeness()
    calibrator, i, j = _best_penalties(
        scores, corpus, learnable, segment, passage, settings.context
    )
    info["penalties"] = {"segment": segment_grid[i], "passage": passage_grid[j]}
    model = kernels.final(segment_grid[i], passage_grid[j])
    held_out = np.stack([segment[i], passage[j], similar])
    return Fitted(rules, model, calibrator, info, corpus.segment_ids, held_out)


def _best_penalties(
    scores: Scores,
    corpus: Corpus,
    learnable: np.ndarray,
    segment: np.ndarray,
    passage: np.ndarray,
    context: bool = True,
) -> tuple[Calibrator, int, int]:
    """The penalties of the segment and of the passage model whose out-of-fold scores
    come closest to the training labels (mean squared error over the known labels of
    the codes the model learns: the criterion ridge itself minimises, as a
    cross-validated ridge chooses its penalty), and the calibrator of the scores they
    give (with the speaker's other passages as context, if ``context``). Each model is
    chosen on its own, so the grid costs no calibration."""
    fit_on = corpus.known & learnable[None, :]
    truth = corpus.labels[fit_on].astype(np.float32)

    def best(grid: np.ndarray) -> int:
        return int(np.argmin([np.mean((found[fit_on] - truth) ** 2) for found in grid]))

    i, j = best(segment), best(passage)
    scores.model, scores.passage = segment[i], passage[j]
    if context:
        scores.context = speaker_context(
            passage[j], corpus.passages, corpus.documents, corpus.speakers
        )
    return fit_calibrator(scores, corpus.labels, corpus.known, learnable), i, j
