"""One calibrated score from rule hits and model scores, and the threshold to suggest at.

Raw scores mean different things: a rule hit is yes or no, and how often a code's
patterns are right differs a lot between codes; the model's scores (``linear``) are
ridge regressions learnt from few examples. A small logistic regression maps them to
the probability that a person would code the segment with the code, from these
features:

- the segment model's score, and the larger of its scores for the segments just
  before and after in the document (people code passages, not sentences);
- the passage model's score for the passage the segment belongs to;
- how like its passage is to the training passages coded with the code (``neighbours``);
- the passage model's mean score of the speaker's other passages in the document, and
  how far that falls short of the best code's (``speaker_context``: who speaks, and
  about what, tells of the passage too; a witness who runs a charity speaks of funding);
- the passage's cosine to the code's own words in the codebook (its definition, examples
  and when to use it: ``linear.codebook_vectors``), and how far that falls short of the
  best code's;
- whether a rule of the code matched, and that times the log-odds of the code's rule
  precision on the training segments (smoothed towards the precision of all rules),
  so that a reliable pattern counts for more than a loose one; and the same for the
  neighbouring segments.

It is fitted on *out-of-fold* model scores of the training segments only (scores of
models that did not learn from the segment's document), never on the segments it is
tested on, and the threshold is the one that gave the best micro-F1 there. Besides,
the precision each cut-off gave there is kept (``Calibrator.curves``), so that a coder
can ask for suggestions at a precision instead (``threshold_for``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

METHODS = ("rules", "model", "combined")
PRIOR_STRENGTH = 4.0  # pseudo-hits pulling a code's rule precision towards the global one
L2 = 1.0  # ridge penalty of the logistic regressions (in units of one example)
CUTS = np.round(np.arange(0.01, 1.0, 0.01), 2)  # cut-offs whose precision is kept
MIN_PAIRS = 5  # a cut-off is only trusted with this many training pairs at or above it


def sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(x, -30, 30)))


def logit(p: np.ndarray | float) -> np.ndarray:
    p = np.clip(p, 1e-4, 1 - 1e-4)
    return np.log(p / (1 - p))


def fit_logistic(x: np.ndarray, y: np.ndarray, l2: float = L2, steps: int = 50) -> np.ndarray:
    """Weights of a ridge logistic regression (first column of ``x`` = intercept), by Newton."""
    w = np.zeros(x.shape[1])
    penalty = np.full(x.shape[1], l2)
    penalty[0] = 0.0
    for _ in range(steps):
        p = sigmoid(x @ w)
        gradient = x.T @ (p - y) + penalty * w
        hessian = (x * (p * (1 - p))[:, None]).T @ x + np.diag(penalty + 1e-9)
        step = np.linalg.solve(hessian, gradient)
        w -= step
        if np.abs(step).max() < 1e-6:
            break
    return w


def best_threshold(probability: np.ndarray, truth: np.ndarray) -> float:
    """The cut on ``probability`` with the best F1 over these pairs (0.5 if nothing is true)."""
    if not truth.any():
        return 0.5
    order = np.argsort(-probability, kind="stable")
    p, t = probability[order], truth[order]
    tp = np.cumsum(t)
    f1 = 2 * tp / (np.arange(1, len(t) + 1) + t.sum())
    last = np.r_[p[1:] != p[:-1], True]  # cut only between different values
    best = int(np.argmax(np.where(last, f1, -1)))
    below = p[best + 1] if best + 1 < len(p) else 0.0
    return float((p[best] + below) / 2)


@dataclass
class Scores:
    """Raw scores of segments in document order, and who their neighbours are.

    ``previous[i]``/``following[i]`` are the rows of the segments before and after
    segment i in its document, or -1 (see ``data.Corpus``).
    """

    rules: np.ndarray
    model: np.ndarray | None
    previous: np.ndarray
    following: np.ndarray
    passage: np.ndarray | None = None  # the passage model's score of each segment's passage
    similar: np.ndarray | None = None  # its passage's likeness to coded ones (``neighbours``)
    context: np.ndarray | None = None  # the speaker's other passages (``speaker_context``)
    likeness: np.ndarray | None = None  # its passage's cosine to each code's codebook words

    @classmethod
    def alone(
        cls,
        rules: np.ndarray,
        model: np.ndarray | None = None,
        passage: np.ndarray | None = None,
        similar: np.ndarray | None = None,
        likeness: np.ndarray | None = None,
    ) -> Scores:
        """Scores of segments whose neighbours are unknown."""
        none = np.full(len(rules), -1)
        passage = passage if passage is not None else model
        return cls(rules, model, none, none, passage, similar, likeness=likeness)

    def nearby(self, values: np.ndarray, empty: float | None = None) -> np.ndarray:
        """Per segment and code, the larger of the two neighbours' values.

        A missing neighbour counts as ``empty``, or as the segment itself when None.
        """
        fill = values if empty is None else np.full_like(values, empty)
        found = []
        for rows in (self.previous, self.following):
            found.append(np.where(rows[:, None] >= 0, values[np.maximum(rows, 0)], fill))
        return np.maximum(*found)


@dataclass
class Calibrator:
    """Maps rule counts and model log-odds to probabilities; one set of weights per method."""

    rule_precision: np.ndarray  # smoothed log-odds of each code's rule precision
    learnable: np.ndarray  # codes with enough examples for the model
    weights: dict[str, list[float]] = field(default_factory=dict)
    thresholds: dict[str, float] = field(default_factory=dict)  # the best F1 in training
    # per method: [cut-off, precision, pairs at or above it] on the training pairs
    curves: dict[str, list[list[float]]] = field(default_factory=dict)
    context: bool = False  # whether the speaker's other passages are features
    likeness: bool = False  # whether the codebook likeness is a feature

    def features(self, method: str, scores: Scores) -> np.ndarray:
        """(pairs x features) for every (segment, code), in row-major order."""
        hit = (scores.rules > 0).astype(float)
        columns = [np.ones_like(hit)]
        if method in ("rules", "combined"):
            near = scores.nearby(hit, 0.0)
            precision = self.rule_precision[None, :]
            columns += [hit, hit * precision, near, near * precision]
        if method in ("model", "combined"):
            assert scores.model is not None
            assert scores.passage is not None
            model = np.where(self.learnable[None, :], scores.model, 0.0)
            passage = np.where(self.learnable[None, :], scores.passage, 0.0)
            columns += [model, scores.nearby(model), passage]
            columns.append(self.margin(scores.passage))
            if scores.similar is not None:
                columns.append(np.where(self.learnable[None, :], scores.similar, 0.0))
            if self.context:  # none known (a selection, not a segment): no other passage
                context = scores.context if scores.context is not None else np.zeros_like(model)
                columns += [np.where(self.learnable[None, :], context, 0.0), self.margin(context)]
            if self.likeness:
                assert scores.likeness is not None
                columns += [
                    np.where(self.learnable[None, :], scores.likeness, 0.0),
                    self.margin(scores.likeness),
                ]
        return np.stack([c.ravel() for c in columns], axis=1)

    def margin(self, values: np.ndarray) -> np.ndarray:
        """Per segment, each learnt code's score less the best learnt code's (0 for it)."""
        best = np.where(self.learnable[None, :], values, -np.inf).max(axis=1, keepdims=True)
        return np.where(self.learnable[None, :], values - best, 0.0)

    def probability(self, method: str, scores: Scores) -> np.ndarray:
        """(segments x codes) calibrated probabilities. Without a model, rules only."""
        if scores.model is None or method not in self.weights:
            method = "rules"
        weights = np.asarray(self.weights[method])
        shape = scores.rules.shape
        p = sigmoid(self.features(method, scores) @ weights).reshape(shape)
        if method == "rules":  # no match here or next door: the rules say nothing
            hit = scores.rules > 0
            p = np.where(hit | (scores.nearby(hit.astype(float), 0.0) > 0), p, 0.0)
        if method == "combined":  # codes the model could not learn keep the rules' view
            p = np.where(self.learnable[None, :], p, self.probability("rules", scores))
        if method == "model":
            p = np.where(self.learnable[None, :], p, 0.0)
        return p

    def suggests(self, method: str, scores: Scores) -> np.ndarray:
        """(segments x codes) booleans: calibrated probability at or above the threshold."""
        method = method if method in self.weights and scores.model is not None else "rules"
        p = self.probability(method, scores)
        return (p >= self.thresholds[method]) & (p > 0)

    def threshold_for(self, method: str, precision: float) -> tuple[float, bool]:
        """The lowest cut-off at which ``method`` was right ``precision`` of the time on
        the training pairs (out of fold), and whether any was; if none was, the cut-off
        that came closest. Without a curve (nothing calibrated), the usual threshold."""
        curve = [row for row in self.curves.get(method, []) if row[2] >= MIN_PAIRS]
        if not curve:
            return self.thresholds[method], False
        for cut, reached, _pairs in curve:
            if reached >= precision:
                return cut, True
        return max(curve, key=lambda row: (row[1], -row[0]))[0], False

    def to_json(self) -> dict[str, Any]:
        return {
            "rule_precision": self.rule_precision.round(6).tolist(),
            "learnable": self.learnable.tolist(),
            "weights": self.weights,
            "thresholds": self.thresholds,
            "curves": self.curves,
            "context": self.context,
            "likeness": self.likeness,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Calibrator:
        return cls(
            rule_precision=np.asarray(data["rule_precision"], dtype=float),
            learnable=np.asarray(data["learnable"], dtype=bool),
            weights=data["weights"],
            thresholds=data["thresholds"],
            curves=data.get("curves", {}),
            context=data.get("context", False),
            likeness=data.get("likeness", False),
        )

    @classmethod
    def uncalibrated(cls, codes: int) -> Calibrator:
        """For a project nobody has coded yet: a rule hit scores 0.5, and is suggested."""
        return cls(
            rule_precision=np.zeros(codes),
            learnable=np.zeros(codes, dtype=bool),
            weights={"rules": [-30.0, 30.0, 0.0, 0.0, 0.0]},
            thresholds={"rules": 0.5},
        )


def rule_precision(rules: np.ndarray, labels: np.ndarray, known: np.ndarray) -> np.ndarray:
    """Per code: log-odds of how often a rule hit was right, smoothed towards all codes'."""
    hit = (rules > 0) & known
    right = (hit & labels).sum(axis=0)
    hits = hit.sum(axis=0)
    overall = (right.sum() + 1) / (hits.sum() + 2)
    return logit((right + PRIOR_STRENGTH * overall) / (hits + PRIOR_STRENGTH))


def fit_calibrator(
    scores: Scores,
    labels: np.ndarray,
    known: np.ndarray,
    learnable: np.ndarray,
) -> Calibrator:
    """Fit the weights and threshold of every method on training segments.

    ``scores.model`` must hold out-of-fold log-odds (see ``training.fit``): a model's
    scores on its own training segments are too sure of themselves.
    """
    calibrator = Calibrator(
        rule_precision(scores.rules, labels, known), learnable.copy(),
        context=scores.context is not None, likeness=scores.likeness is not None,
    )  # fmt: skip
    methods = ("rules",) if scores.model is None or not learnable.any() else METHODS
    for method in methods:
        # The model's weights are fitted on the codes it learnt; the rest keep the rules'.
        fit_on = (known & learnable[None, :]) if method != "rules" else known
        x = calibrator.features(method, scores)[fit_on.ravel()]
        calibrator.weights[method] = fit_logistic(x, labels[fit_on].astype(float)).tolist()
        p = calibrator.probability(method, scores)
        calibrator.thresholds[method] = best_threshold(p[known], labels[known])
        calibrator.curves[method] = precision_curve(p[known], labels[known])
    return calibrator


def precision_curve(probability: np.ndarray, truth: np.ndarray) -> list[list[float]]:
    """[cut-off, precision, pairs] for each of CUTS that some pair reaches."""
    order = np.argsort(-probability, kind="stable")
    p, right = probability[order], np.cumsum(truth[order])
    pairs = len(p) - np.searchsorted(p[::-1], CUTS, side="left")  # pairs with p >= cut
    return [
        [float(cut), round(float(right[n - 1] / n), 4), int(n)]
        for cut, n in zip(CUTS, pairs, strict=True)
        if n > 0
    ]


def speaker_context(
    values: np.ndarray,
    passages: np.ndarray,
    documents: np.ndarray,
    speakers: np.ndarray | None,
) -> np.ndarray | None:
    """Per segment and code, the mean of ``values`` (a passage's, given for each of its
    segments) over the *other* passages of the same speaker in the same document; 0 where
    the speaker has none, or is not known. None if no speaker is known at all.

    It uses no label, only scores of passages, so a document's context is as new to a
    model as the document: in evaluation and calibration, the scores of models that did
    not learn from it."""
    if speakers is None or not len(passages):
        return None
    import scipy.sparse as sp

    first = np.unique(passages, return_index=True)[1]  # passages are numbered 0, 1, ...
    groups: dict[tuple[Any, Any], int] = {}
    group = np.array(
        [
            groups.setdefault((document, speaker if speaker is not None else ("passage", p)),
                              len(groups))
            for p, (document, speaker) in enumerate(
                zip(documents[first].tolist(), speakers[first].tolist(), strict=True)
            )
        ]
    )  # fmt: skip
    own = values[first].astype(np.float64)
    members = sp.csr_matrix(
        (np.ones(len(group)), (group, np.arange(len(group)))), shape=(len(groups), len(group))
    )
    others = (np.bincount(group)[group] - 1)[:, None]
    mean = np.where(others > 0, (members @ own)[group] - own, 0.0) / np.maximum(others, 1)
    return mean[passages]
