"""Agreement on categories: coders × units reliability data, and counts tables.

Reliability data are coders × units, as Krippendorff (2011) and the ``krippendorff``
package lay them out: one row per coder, one column per unit, ``None`` or NaN where a
coder did not code a unit. Transpose a units × coders DataFrame with ``.T``.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from .result import Agreement, _show, _undefined

LEVELS = ("nominal", "ordinal", "interval", "ratio")

_RATIO_BLOCK = 1024  # rows of the V × V distance grid held in memory at once


# --- reliability data: coders × units -> integer codes --------------------------------


def _as_matrix(data: Any) -> np.ndarray:
    """Coders × units as a 2-D array; lists become object arrays so None survives."""
    if isinstance(data, pd.DataFrame):
        matrix = data.to_numpy()
    elif isinstance(data, np.ndarray):
        matrix = data
    else:
        rows = [list(row) for row in data]
        widths = sorted({len(row) for row in rows})
        if len(widths) > 1:
            raise ValueError(
                f"every coder needs one value per unit (None where missing); "
                f"rows have {widths} values"
            )
        matrix = np.empty((len(rows), widths[0] if widths else 0), dtype=object)
        for i, row in enumerate(rows):
            matrix[i, :] = row
    if matrix.ndim != 2:
        raise ValueError(f"reliability data must be coders × units (2-D), got {matrix.ndim}-D")
    return matrix


def _encode(data: Any) -> tuple[np.ndarray, np.ndarray]:
    """Return ``(codes, labels)``: ``labels[codes[i, u]]`` is coder i's value, -1 if missing.

    Hashing (pandas.factorize) rather than sorting keeps this linear in the data size.
    NumPy string arrays cannot hold None; there the text "nan" (what NumPy makes of
    NaN) counts as missing, as in the ``krippendorff`` package.
    """
    matrix = _as_matrix(data)
    flat = matrix.ravel()
    if matrix.dtype.kind in "US":
        flat = flat.astype(object)
        flat[flat == "nan"] = None
    elif matrix.dtype.kind not in "biuf":
        flat = flat.astype(object)
    codes, labels = pd.factorize(flat)
    return codes.reshape(matrix.shape), np.asarray(labels)


def _numbers(labels: np.ndarray, level: str) -> np.ndarray:
    if labels.dtype.kind in "biuf":
        return labels.astype(float)
    for label in labels:
        if not isinstance(label, numbers.Real):
            raise ValueError(
                f"{level} alpha needs numbers, got {_show(label)}; use level='nominal', "
                f"or level='ordinal' with order=[...] for ordered labels"
            )
    return labels.astype(float)


def _agreeing_pairs(codes: np.ndarray, present: np.ndarray) -> np.ndarray:
    """Per unit, how many pairs of coders i < j both coded it and gave the same value.

    Whole rows at a time: boolean indexing inside this loop would copy every row
    once per pair and cost more than everything else in an alpha put together.
    """
    same = np.zeros(codes.shape[1], dtype=np.int64)
    for i in range(len(codes)):
        for j in range(i + 1, len(codes)):
            same += (codes[i] == codes[j]) & present[i] & present[j]
    return same


def _observed_agreement(codes: np.ndarray) -> tuple[float, int] | None:
    """Mean over units with >= 2 values of the share of agreeing coder pairs."""
    present = codes >= 0
    m_u = present.sum(axis=0)
    pairable = m_u >= 2
    if not pairable.any():
        return None
    same, m_p = _agreeing_pairs(codes, present)[pairable], m_u[pairable]
    return float(np.mean(2 * same / (m_p * (m_p - 1)))), int(pairable.sum())


# --- the statistics -------------------------------------------------------------------


def percent_agreement(data: Any) -> Agreement:
    """Share of coder pairs that agree within a unit, averaged over pairable units.

    p_a = (1/n′) Σ_u Σ_k n_uk (n_uk − 1) / (m_u (m_u − 1)), over the n′ units coded by
    m_u ≥ 2 coders, n_uk of them choosing k. Fleiss' (1971) P̄ with Gwet's (2014,
    *Handbook of Inter-Rater Reliability*, 4th ed.) handling of missing ratings; for
    two coders, the share of units they agree on. No chance correction: report it
    beside a kappa or alpha, never alone.

    >>> percent_agreement([["a", "b", "a"], ["a", "b", "b"]]).value  # doctest: +ELLIPSIS
    0.666...
    """
    name = "percent agreement"
    result = _observed_agreement(_encode(data)[0])
    if result is None:
        return _undefined(name, "no unit was coded by two or more coders")
    value, units = result
    return Agreement(name, value, details={"units": units})


def cohen_kappa(a: Sequence[Any], b: Sequence[Any]) -> Agreement:
    """Cohen's kappa for two coders' labels of the same units, in the same order.

    κ = (p_o − p_e) / (1 − p_e), p_o the share of units both coders labelled alike and
    p_e = Σ_k p_k(a) p_k(b) from each coder's own label distribution (Cohen 1960, "A
    coefficient of agreement for nominal scales", Educational and Psychological
    Measurement 20(1): 37–46). Units either coder left missing are dropped first.

    >>> cohen_kappa(["y", "y", "n", "n"], ["y", "n", "n", "n"]).value
    0.5
    """
    name = "Cohen's kappa"
    if len(a) != len(b):
        raise ValueError(f"both coders need one label per unit; got {len(a)} and {len(b)}")
    codes, labels = _encode([a, b] if not _both_numeric(a, b) else np.vstack([a, b]))
    both = (codes >= 0).all(axis=0)
    n = int(both.sum())
    if n == 0:
        return _undefined(name, "no unit was labelled by both coders")
    size = len(labels)
    table = np.bincount(codes[0, both] * size + codes[1, both], minlength=size * size)
    table = table.reshape(size, size) / n
    p_o = float(np.trace(table))
    rows, cols = table.sum(axis=1), table.sum(axis=0)
    if np.count_nonzero(rows) == 1 and np.array_equal(rows > 0, cols > 0):
        only = labels[int(np.argmax(rows))]
        reason = f"both coders gave every unit the same label ({_show(only)}), so chance"
        return _undefined(name, f"{reason} agreement is 1", units=n)
    p_e = float(rows @ cols)
    details = {"observed": p_o, "expected": p_e, "units": n}
    return Agreement(name, (p_o - p_e) / (1 - p_e), details=details)


def _both_numeric(a: Any, b: Any) -> bool:
    return all(isinstance(x, np.ndarray) and x.dtype.kind in "biuf" for x in (a, b))


def fleiss_kappa(table: Any) -> Agreement:
    """Fleiss' kappa from ``table[u][k]``, the number of coders who put unit u in category k.

    κ = (P̄ − P̄_e) / (1 − P̄_e), P̄ as in :func:`percent_agreement` over units with two
    or more ratings and P̄_e = Σ_k π_k², π_k = mean over rated units of n_uk / m_u
    (Fleiss 1971, "Measuring nominal scale agreement among many raters",
    Psychological Bulletin 76(5): 378–382). With the same number of coders for every
    unit this is Fleiss' formula exactly; rows with different totals (missing
    ratings) follow Gwet's (2014, *Handbook*, 4th ed.) generalisation. The table is
    laid out as ``statsmodels.stats.inter_rater.fleiss_kappa`` takes it.

    >>> round(fleiss_kappa([[2, 0], [0, 2], [1, 1]]).value, 3)
    0.333
    """
    name = "Fleiss' kappa"
    counts = np.asarray(table, dtype=float)
    if counts.ndim != 2:
        raise ValueError(f"the table must be units × categories (2-D), got {counts.ndim}-D")
    if (counts < 0).any() or not np.isfinite(counts).all():
        raise ValueError("the table must hold counts of coders: finite and not negative")
    m_u = counts.sum(axis=1)
    pairable, rated = m_u >= 2, m_u >= 1
    if not pairable.any():
        return _undefined(name, "no unit was rated by two or more coders")
    if np.count_nonzero(counts.sum(axis=0)) < 2:
        return _undefined(name, "every rating falls in one category, so chance agreement is 1")
    pairs = counts[pairable]
    m_p = m_u[pairable]
    p_a = float(np.mean((pairs * (pairs - 1)).sum(axis=1) / (m_p * (m_p - 1))))
    pi = (counts[rated] / m_u[rated, None]).mean(axis=0)
    p_e = float(pi @ pi)
    details = {"observed": p_a, "expected": p_e, "units": int(pairable.sum())}
    return Agreement(name, (p_a - p_e) / (1 - p_e), details=details)


def gwet_ac1(data: Any, categories: Sequence[Any] | None = None) -> Agreement:
    """Gwet's AC1 for any number of coders with missing values (coders × units).

    AC1 = (p_a − p_e) / (1 − p_e), p_a as in :func:`percent_agreement` and
    p_e = Σ_k π_k (1 − π_k) / (q − 1), π_k = mean over units rated at least once of
    n_uk / m_u, q the number of categories (Gwet 2008, "Computing inter-rater
    reliability and its variance in the presence of high agreement", British Journal
    of Mathematical and Statistical Psychology 61: 29–48; Gwet 2014, *Handbook of
    Inter-Rater Reliability*, 4th ed.). Unlike kappa it stays high when one category
    dominates and coders agree. q counts the categories seen in the data unless
    ``categories`` lists those the coders could choose from, as Gwet advises.

    >>> round(gwet_ac1([["y", "y", "y", "n"], ["y", "y", "y", "y"]]).value, 3)
    0.68
    """
    name = "Gwet's AC1"
    codes, labels = _encode(data)
    q = len(labels)
    if categories is not None:
        codes, q = _recode(codes, labels, list(categories)), len(categories)
    result = _observed_agreement(codes)
    if result is None:
        return _undefined(name, "no unit was coded by two or more coders")
    if q < 2:
        reason = "there is only one category; pass categories=[...] with every category"
        return _undefined(name, f"{reason} the coders could choose", units=result[1])
    p_a, units = result
    present = codes >= 0
    m_u = present.sum(axis=0)
    share = np.divide(1.0, m_u, out=np.zeros(len(m_u)), where=m_u > 0)
    weights = np.broadcast_to(share, codes.shape).ravel()
    pi = np.bincount(codes.ravel() + 1, weights=weights, minlength=q + 1)[1:]
    pi /= np.count_nonzero(m_u)
    p_e = float(pi @ (1 - pi) / (q - 1))
    details = {"observed": p_a, "expected": p_e, "units": units, "categories": q}
    return Agreement(name, (p_a - p_e) / (1 - p_e), details=details)


def _recode(codes: np.ndarray, labels: np.ndarray, categories: list[Any]) -> np.ndarray:
    position = {category: k for k, category in enumerate(categories)}
    unknown = [label for label in labels if label not in position]
    if unknown:
        shown = ", ".join(_show(label) for label in unknown)
        raise ValueError(f"values {shown} are not among categories {categories!r}")
    lookup = np.array([position[label] for label in labels] + [-1], dtype=np.intp)
    return lookup[codes]  # code -1 (missing) picks the trailing -1


def krippendorff_alpha(
    data: Any, level: str = "nominal", *, order: Sequence[Any] | None = None
) -> Agreement:
    """Krippendorff's alpha for coders × units with missing values, at any level.

    α = 1 − D_o / D_e with the coincidences o_ck = Σ_u (number of ordered coder pairs
    in unit u valued c and k) / (m_u − 1) over units with m_u ≥ 2 values,
    n_c = Σ_k o_ck, n = Σ_c n_c, D_o = (1/n) Σ_c Σ_k o_ck δ²_ck and
    D_e = 1/(n(n − 1)) Σ_c Σ_k n_c n_k δ²_ck (Krippendorff 2011, "Computing
    Krippendorff's Alpha-Reliability", Annenberg School for Communication; Content
    Analysis, 4th ed., 2019, ch. 12). δ²: nominal [c ≠ k]; ordinal
    (Σ_{g=c..k} n_g − (n_c + n_k)/2)²; interval (c − k)²; ratio ((c − k)/(c + k))².

    The sums are those of the coincidence matrix, taken unit by unit so the V × V
    matrix is never built: n·D_o = Σ_u Σ_{i≠j} δ²(v_iu, v_ju) / (m_u − 1), from the
    agreeing coder pairs (nominal) or from Σ s and Σ s² per unit (interval; ordinal,
    whose δ is a difference of mid-rank positions s_c = Σ_{g≤c} n_g − n_c/2); D_e has
    closed forms except for ratio, whose V × V grid is summed in blocks. That keeps
    nominal alpha on 5 coders × 100,000 units near 10 ms. Nominal values may be any
    hashable labels; ordinal needs numbers or ``order=[...]``, lowest first.

    >>> round(krippendorff_alpha([[1, 2, 3, None], [1, 2, 2, 4]]).value, 3)
    0.545
    """
    if level not in LEVELS:
        raise ValueError(f"level must be one of {LEVELS}, got {level!r}")
    name = f"Krippendorff's alpha ({level})"
    codes, labels = _encode(data)
    present = codes >= 0
    m_u = present.sum(axis=0)
    units = int(np.count_nonzero(m_u >= 2))
    if units == 0:
        return _undefined(name, "no unit was coded by two or more coders, so no values pair")
    n_c = _pairable_counts(codes, m_u, len(labels))
    n = float(n_c.sum())
    if np.count_nonzero(n_c) < 2:
        only = labels[int(np.argmax(n_c))]
        reason = f"every pairable value is {_show(only)}, so no disagreement is expected"
        return _undefined(name, f"{reason} by chance", units=units)
    scores = _scores(level, labels, n_c, order)
    if scores is not None and level != "ratio":  # centring keeps the sums of squares exact
        scores = scores - (n_c @ scores) / n
    per_unit = _unit_disagreement(level, scores, codes, present, m_u)
    d_o = float(per_unit @ (1.0 / np.maximum(m_u - 1, 1))) / n
    d_e = _expected_sum(level, scores, n_c) / (n * (n - 1))
    if not d_e > 0:  # only when distinct values are too close for floating point
        return _undefined(name, "no disagreement is expected by chance", units=units)
    details = {"observed_disagreement": d_o, "expected_disagreement": d_e}
    details |= {"pairable_values": n, "units": units}
    return Agreement(name, 1 - d_o / d_e, details=details)


def _pairable_counts(codes: np.ndarray, m_u: np.ndarray, size: int) -> np.ndarray:
    """n_c: how often each value occurs in units with two or more values."""
    counts = np.bincount(codes.ravel() + 1, minlength=size + 1)[1:]
    alone = m_u == 1
    if alone.any():
        counts = counts - np.bincount(codes[:, alone].ravel() + 1, minlength=size + 1)[1:]
    return counts.astype(float)


def _unit_disagreement(
    level: str, scores: np.ndarray | None, codes: np.ndarray, present: np.ndarray, m_u: Any
) -> np.ndarray:
    """Per unit, Σ δ² over the ordered pairs of its values (zero for units with < 2)."""
    if scores is None:
        return m_u * (m_u - 1) - 2 * _agreeing_pairs(codes, present)
    if level != "ratio":  # Σ_{i≠j} (s_i − s_j)² = 2 (m Σ s² − (Σ s)²)
        values = np.where(present, scores[codes], 0.0)
        return 2 * (m_u * (values * values).sum(axis=0) - values.sum(axis=0) ** 2)
    total = np.zeros(codes.shape[1])
    for i in range(len(codes)):
        for j in range(i + 1, len(codes)):
            both = present[i] & present[j]
            total += np.where(both, _delta2(level, scores, codes[i], codes[j]), 0.0)
    return 2 * total


def _scores(
    level: str, labels: np.ndarray, n_c: np.ndarray, order: Sequence[Any] | None
) -> np.ndarray | None:
    """Numbers whose differences give δ: the values, or mid-ranks for ordinal data."""
    if level == "nominal":
        return None
    if level != "ordinal":
        values = _numbers(labels, level)
        if not np.isfinite(values).all():
            raise ValueError(f"{level} alpha needs finite numbers, got {_show(values.max())}")
        if level == "ratio" and (values < 0).any():
            raise ValueError(
                f"ratio alpha needs values >= 0 (a ratio scale has a true zero), "
                f"got {_show(values.min())}"
            )
        return values
    if order is None:
        rank = _numbers(labels, level)
    else:
        rank = np.asarray(_recode(np.arange(len(labels)), labels, list(order)), dtype=float)
    by_rank = np.argsort(rank, kind="stable")
    cumulative = np.cumsum(n_c[by_rank])
    mid = np.empty(len(labels))
    mid[by_rank] = cumulative - n_c[by_rank] / 2
    return mid


def _delta2(level: str, scores: np.ndarray | None, ci: np.ndarray, cj: np.ndarray) -> Any:
    if scores is None:
        return (ci != cj).astype(float)
    a, b = scores[ci], scores[cj]
    if level == "ratio":
        total = a + b
        return np.divide(a - b, total, out=np.zeros(np.shape(total)), where=total != 0) ** 2
    return (a - b) ** 2


def _expected_sum(level: str, scores: np.ndarray | None, n_c: np.ndarray) -> float:
    """Σ_c Σ_k n_c n_k δ²_ck."""
    n = n_c.sum()
    if scores is None:
        return float(n * n - n_c @ n_c)
    if level != "ratio":  # Σ n_c n_k (s_c − s_k)² = 2 n Σ n_c s_c², scores centred
        return float(2 * n * (n_c @ scores**2))
    used = np.flatnonzero(n_c)
    total = 0.0
    for start in range(0, len(used), _RATIO_BLOCK):
        rows = used[start : start + _RATIO_BLOCK]
        grid = _delta2(level, scores, rows[:, None], used[None, :])
        total += float(n_c[rows] @ grid @ n_c[used])
    return total
