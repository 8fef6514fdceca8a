"""How sure a figure is: bootstrap intervals for alpha and kappa.

Two resampling schemes, each named in what it returns so a report can say which it used:

- **Alpha** follows Hayes & Krippendorff (2007, "Answering the call for a standard
  reliability measure for coding data", Communication Methods and Measures 1: 77–89) and
  Krippendorff's (2013) "Algorithm for bootstrapping a distribution of α": the pairable
  values are resampled, not the units. From the coincidence matrix o_ck the algorithm
  draws M = n (m − 1) / 2 pairs of values (m coders), each pair (c, k) with probability
  o_ck / n (both orders for c ≠ k). Krippendorff caps M at 25 × the non-empty cells of o
  to save time; a multinomial draw costs the same for any M, so no cap is applied here,
  and the interval keeps narrowing as the data grow (with the cap it would not). Each draw
  adds δ²_ck / (M · D_e) to the observed disagreement, D_e held at its value in the data,
  so α* = 1 − Σ δ² / (M · D_e). Values below −1 are set to −1, and resamples that drew no
  disagreement (α* = 1) are set to 0 as often as a sample of one value alone is expected
  (Krippendorff's correction). The interval is read off the sorted α*, and q(α_min) is
  the share of α* below a minimum such as .667 or .800.
- **Kappa** (Cohen's with two coders, Fleiss' with more) resamples units with
  replacement (Efron's percentile bootstrap): the standard error is the standard
  deviation of the resampled kappas, the interval their percentiles. Units with the same
  values from every coder are one pattern, so a resample is a multinomial draw of
  pattern counts and thousands of resamples of thousands of units cost milliseconds.

Every function takes a ``seed``: the same data, seed and number of resamples give the
same interval.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np

from .categorical import LEVELS, _delta2, _encode, _pairable_counts, _scores
from .result import _show

ALPHA_METHOD = "Hayes & Krippendorff (2007) bootstrap of pairable values"
KAPPA_METHOD = "percentile bootstrap of units (Efron)"
MINIMUMS = (0.667, 0.8)


@dataclass(frozen=True)
class Interval:
    """A bootstrap interval: ``low``/``high`` at ``confidence``, the standard error (the
    standard deviation of the resampled values), and ``below[minimum]``, the share of
    resamples below each minimum. All None, with ``reason``, when there is nothing to
    resample."""

    method: str
    resamples: int
    confidence: float
    low: float | None = None
    high: float | None = None
    se: float | None = None
    below: Mapping[float, float] = field(default_factory=dict)
    reason: str | None = None

    @property
    def defined(self) -> bool:
        return self.low is not None

    def __str__(self) -> str:
        if self.low is None:
            return f"no interval ({self.reason})"
        return f"{self.confidence:.0%} CI {self.low:.3f} to {self.high:.3f}"


class Coincidences(NamedTuple):
    """Krippendorff's coincidence matrix of reliability data and what alpha needs of it."""

    labels: np.ndarray  # the values, in the order of the matrix rows
    matrix: np.ndarray  # o_ck: V × V, symmetric, sums to n
    delta2: np.ndarray  # δ²_ck at the level asked for
    coders: int  # m, the rows of the reliability data
    units: int  # units with two or more values


def coincidences(
    data: Any, level: str = "nominal", *, order: Sequence[Any] | None = None
) -> Coincidences:
    """o_ck = Σ_u Σ_{i≠j} [v_iu = c][v_ju = k] / (m_u − 1) over units with m_u ≥ 2 values
    (Krippendorff 2011, "Computing Krippendorff's Alpha-Reliability"), with δ²_ck.

    >>> coincidences([["a", "a", "b"], ["a", "b", "b"]]).matrix.tolist()
    [[2.0, 1.0], [1.0, 2.0]]
    """
    if level not in LEVELS:
        raise ValueError(f"level must be one of {LEVELS}, got {level!r}")
    codes, labels = _encode(data)
    size = len(labels)
    # the values in one order whatever the order of the coders, so a seed gives one interval
    by_text = np.argsort([repr(label) for label in labels], kind="stable")
    rank = np.empty(size + 1, dtype=np.int64)
    rank[by_text], rank[size] = np.arange(size), -1
    codes, labels = rank[codes], labels[by_text]
    return coincidences_of_codes(codes, labels, level, order=order)


def coincidences_of_codes(
    codes: np.ndarray,
    labels: np.ndarray,
    level: str = "nominal",
    *,
    order: Sequence[Any] | None = None,
    patterns: tuple[np.ndarray, np.ndarray] | None = None,
) -> Coincidences:
    """:func:`coincidences` of coders × units category numbers (``labels[codes]``, -1
    missing), with their :func:`count_patterns` if already counted."""
    size = len(labels)
    patterns, freq = patterns if patterns is not None else count_patterns(codes, size)
    counts = np.stack([(patterns == k).sum(axis=0) for k in range(size)], axis=1).astype(float)
    m_p = counts.sum(axis=1)
    pairable = m_p >= 2
    weights = counts[pairable] * (freq[pairable] / (m_p[pairable] - 1))[:, None]
    matrix = weights.T @ counts[pairable] - np.diag(weights.sum(axis=0))
    m_u = (codes >= 0).sum(axis=0)
    n_c = _pairable_counts(codes, m_u, size)
    scores = _scores(level, labels, n_c, order)
    index = np.arange(size)
    delta2 = np.asarray(_delta2(level, scores, index[:, None], index[None, :]), dtype=float)
    return Coincidences(labels, matrix, delta2, len(codes), int(freq[pairable].sum()))


def alpha_from_coincidences(table: Coincidences) -> float | None:
    """α = 1 − (n − 1) Σ o_ck δ²_ck / Σ n_c n_k δ²_ck, or None when D_e is 0."""
    o, delta2 = table.matrix, table.delta2
    n_c = o.sum(axis=1)
    n = n_c.sum()
    expected = float(n_c @ delta2 @ n_c)
    if n < 2 or expected <= 0:
        return None
    return 1 - (n - 1) * float((o * delta2).sum()) / expected


def alpha_interval(
    data: Any,
    level: str = "nominal",
    *,
    resamples: int = 1000,
    seed: int = 0,
    confidence: float = 0.95,
    minimums: Sequence[float] = MINIMUMS,
    order: Sequence[Any] | None = None,
) -> Interval:
    """Bootstrap interval of Krippendorff's alpha on coders × units reliability data, by
    Hayes & Krippendorff's (2007) algorithm (module docstring), and q(α < minimum).

    >>> data = [[1, 1, 2, 2, 1, 2, 1, 2], [1, 1, 2, 1, 1, 2, 2, 2]]
    >>> interval = alpha_interval(data, resamples=2000, seed=1)
    >>> interval.low < 0.53 < interval.high
    True
    """
    return interval_from_coincidences(
        coincidences(data, level, order=order),
        resamples=resamples,
        seed=seed,
        confidence=confidence,
        minimums=minimums,
    )


def interval_from_coincidences(
    table: Coincidences,
    *,
    resamples: int = 1000,
    seed: int | Sequence[int] = 0,
    confidence: float = 0.95,
    minimums: Sequence[float] = MINIMUMS,
) -> Interval:
    """:func:`alpha_interval` from a coincidence matrix already built (the report builds
    one per code and reuses it)."""
    _check(resamples, confidence)
    empty = Interval(ALPHA_METHOD, resamples, confidence)
    o, delta2 = table.matrix, table.delta2
    n = float(o.sum())
    n_c = o.sum(axis=1)
    if table.units == 0:
        return _why(empty, "no unit was coded by two or more coders")
    expected = float(n_c @ delta2 @ n_c) / (n * (n - 1)) if n > 1 else 0.0
    if expected <= 0:
        only = _show(table.labels[int(np.argmax(n_c))])
        return _why(empty, f"every pairable value is {only}, so alpha is undefined")
    if float((o * delta2).sum()) == 0:
        return _why(empty, "no disagreement was observed, so every resample gives 1")
    lower = np.tril_indices(len(o))
    cell = o[lower] * np.where(lower[0] == lower[1], 1.0, 2.0) / n
    cost = delta2[lower]
    draws = max(int(round(n * (table.coders - 1) / 2)), 1)
    rng = np.random.default_rng(seed)
    counts = rng.multinomial(draws, cell / cell.sum(), size=resamples)
    alphas = 1 - counts @ cost / (draws * expected)
    alphas = np.maximum(alphas, -1.0)
    _correct_ones(alphas, np.diag(o) / n, draws)
    return _summarise(empty, alphas, minimums)


def _correct_ones(alphas: np.ndarray, diagonal: np.ndarray, draws: int) -> None:
    """Krippendorff's correction: a resample that drew pairs of one value only has no
    defined alpha; as many α* = 1 as such samples are expected become 0."""
    ones = np.flatnonzero(alphas == 1.0)
    if not len(ones):
        return
    if np.count_nonzero(diagonal) == 1:
        alphas[ones] = 0.0
        return
    expected = int(round(len(alphas) * float((diagonal**draws).sum())))
    alphas[ones[: min(expected, len(ones))]] = 0.0


def kappa_interval(
    data: Any,
    *,
    resamples: int = 1000,
    seed: int | Sequence[int] = 0,
    confidence: float = 0.95,
    minimums: Sequence[float] = (),
) -> Interval:
    """Bootstrap standard error and interval of Cohen's kappa (two rows) or Fleiss' kappa
    (more rows, missing values as in :func:`agreement.fleiss_kappa`) on coders × units.

    >>> a = ["y"] * 30 + ["n"] * 30
    >>> b = ["y"] * 25 + ["n"] * 35
    >>> interval = kappa_interval([a, b], seed=3)
    >>> interval.low < 0.833 < interval.high
    True
    """
    codes, labels = _encode(data)
    return kappa_interval_of_codes(
        codes, len(labels), resamples=resamples, seed=seed, confidence=confidence,
        minimums=minimums,
    )  # fmt: skip


def kappa_interval_of_codes(
    codes: np.ndarray,
    size: int,
    *,
    resamples: int = 1000,
    seed: int | Sequence[int] = 0,
    confidence: float = 0.95,
    minimums: Sequence[float] = (),
    patterns: tuple[np.ndarray, np.ndarray] | None = None,
) -> Interval:
    """:func:`kappa_interval` of coders × units category numbers 0..size-1 (-1 missing)."""
    _check(resamples, confidence)
    empty = Interval(KAPPA_METHOD, resamples, confidence)
    patterns, freq = patterns if patterns is not None else count_patterns(codes, size)
    two = len(codes) == 2
    if not ((patterns >= 0).sum(axis=0) >= 2).any():
        return _why(empty, "no unit was coded by two or more coders")
    rng = np.random.default_rng(seed)
    weights = rng.multinomial(int(freq.sum()), freq / freq.sum(), size=resamples).astype(float)
    if two:
        kappas = _cohen_weighted(patterns, weights, size)
    else:
        kappas = _fleiss_weighted(patterns, weights, size)
    kappas = kappas[np.isfinite(kappas)]
    if not len(kappas):
        return _why(empty, "every resample has one category only, so kappa is undefined")
    return _summarise(empty, kappas, minimums)


def count_patterns(codes: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """The distinct columns of coders × units codes (-1 missing) and how often each occurs:
    one number per column in base size + 1 where it fits in 62 bits, else sorted columns."""
    if not codes.shape[1]:
        return codes, np.zeros(0, dtype=np.int64)
    base = size + 1
    if len(codes) * np.log2(base) < 62:
        powers = base ** np.arange(len(codes), dtype=np.int64)
        key = (codes.astype(np.int64) + 1).T @ powers
        _keys, first, freq = np.unique(key, return_index=True, return_counts=True)
        return codes[:, first], freq
    patterns, freq = np.unique(codes, axis=1, return_counts=True)
    return patterns, freq


def _cohen_weighted(patterns: np.ndarray, weights: np.ndarray, size: int) -> np.ndarray:
    both = (patterns >= 0).all(axis=0)
    cell = np.where(both, patterns[0] * size + patterns[1], 0)
    onehot = np.zeros((patterns.shape[1], size * size))
    onehot[np.flatnonzero(both), cell[both]] = 1.0
    table = (weights @ onehot).reshape(len(weights), size, size)
    total = table.sum(axis=(1, 2))
    with np.errstate(invalid="ignore", divide="ignore"):
        table = table / total[:, None, None]
        p_o = np.trace(table, axis1=1, axis2=2)
        p_e = np.einsum("ri,ri->r", table.sum(axis=2), table.sum(axis=1))
        return np.where(p_e < 1 - 1e-12, (p_o - p_e) / (1 - p_e), np.nan)


def _fleiss_weighted(patterns: np.ndarray, weights: np.ndarray, size: int) -> np.ndarray:
    counts = np.stack([(patterns == k).sum(axis=0) for k in range(size)], axis=1).astype(float)
    m_u = counts.sum(axis=1)
    pairable, rated = m_u >= 2, m_u >= 1
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(pairable, (counts * (counts - 1)).sum(axis=1) / (m_u * (m_u - 1)), 0.0)
        p_a = (weights @ share) / (weights @ pairable)
        spread = np.where(rated[:, None], counts / np.maximum(m_u, 1)[:, None], 0.0)
        pi = (weights @ spread) / (weights @ rated)[:, None]
        p_e = (pi * pi).sum(axis=1)
        return np.where(p_e < 1 - 1e-12, (p_a - p_e) / (1 - p_e), np.nan)


def _check(resamples: int, confidence: float) -> None:
    if int(resamples) < 2:
        raise ValueError(f"the bootstrap needs two or more resamples, got {resamples}")
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must lie between 0 and 1, got {confidence}")


def _why(empty: Interval, reason: str) -> Interval:
    return Interval(empty.method, empty.resamples, empty.confidence, reason=reason)


def _summarise(empty: Interval, values: np.ndarray, minimums: Sequence[float]) -> Interval:
    """The interval by the order statistics Krippendorff's algorithm reads (the
    ⌊(1 − c)/2 · R⌋-th and ⌊(1 + c)/2 · R⌋ + 1-th of R sorted values)."""
    ordered = np.sort(values)
    count = len(ordered)
    tail = (1 - empty.confidence) / 2
    low = ordered[max(int(tail * count), 1) - 1]
    high = ordered[min(int((1 - tail) * count) + 1, count) - 1]
    below = {float(m): float(np.mean(ordered < m)) for m in minimums}
    return Interval(
        empty.method,
        count,
        empty.confidence,
        float(low),
        float(high),
        float(np.std(ordered, ddof=1)) if count > 1 else 0.0,
        below,
    )
