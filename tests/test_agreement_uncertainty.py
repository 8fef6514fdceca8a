"""Bootstrap intervals of alpha and kappa: a published example, properties, cross-checks."""

from __future__ import annotations

import math

import krippendorff
import numpy as np
import pandas as pd
import pytest

from qualcode.agreement import cohen_kappa, fleiss_kappa, krippendorff_alpha
from qualcode.agreement.uncertainty import (
    ALPHA_METHOD,
    alpha_from_coincidences,
    alpha_interval,
    coincidences,
    kappa_interval,
)

N = None
# Hayes & Krippendorff (2007, p. 84): 40 news items, 5 observers, a 4-point ordinal scale.
HAYES_KRIPPENDORFF = [
    (1, 1, 2, N, 2), (1, 1, 0, 1, N), (2, 3, 3, 3, N), (N, 0, 0, N, 0), (0, 0, 0, N, 0),
    (0, 0, 0, N, 0), (1, 0, 2, N, 1), (1, N, 2, 0, N), (2, 2, 2, N, 2), (2, 1, 1, 1, N),
    (N, 1, 0, 0, N), (0, 0, 0, 0, N), (1, 2, 2, 2, N), (3, 3, 2, 2, 3), (1, 1, 1, N, 1),
    (1, 1, 1, N, 1), (2, 1, 2, N, 2), (1, 2, 3, 3, N), (1, 1, 0, 1, N), (0, 0, 0, N, 0),
    (0, 0, 1, 1, N), (0, 0, N, 0, 0), (2, 3, 3, 3, N), (0, 0, 0, 0, N), (1, 2, N, 2, 2),
    (0, 1, 1, 1, N), (0, 0, 0, 1, 0), (1, 2, 1, 2, N), (1, 1, 2, 2, N), (1, 1, 2, N, 2),
    (1, 1, 0, N, 0), (2, 1, 2, 1, N), (2, 2, N, 2, 2), (3, 2, 2, 2, N), (2, 2, 2, N, 2),
    (2, 2, 3, N, 2), (2, 2, 2, N, 2), (2, 2, N, 1, 2), (2, 2, 2, 2, N), (1, 1, 1, N, 1),
]  # fmt: skip
HK_DATA = [list(observer) for observer in zip(*HAYES_KRIPPENDORFF, strict=True)]


def random_codes(rng, coders, units, categories=3, agree=0.7, missing=0.0):
    truth = rng.integers(0, categories, units)
    noise = rng.integers(0, categories, (coders, units))
    data = np.where(rng.random((coders, units)) < agree, truth, noise)
    data = data.astype(float)
    data[rng.random(data.shape) < missing] = np.nan
    return data


def test_hayes_krippendorff_example_point_value_and_interval():
    """Their published ordinal alpha is .7598; the bootstrap interval around it is seeded,
    repeatable, and two independent runs agree within Monte Carlo error."""
    table = coincidences(HK_DATA, "ordinal")
    assert round(alpha_from_coincidences(table), 4) == 0.7598
    assert table.matrix.sum() == 159  # pairable values: 200 cells less 41 missing
    first = alpha_interval(HK_DATA, "ordinal", resamples=20_000, seed=1)
    again = alpha_interval(HK_DATA, "ordinal", resamples=20_000, seed=1)
    other = alpha_interval(HK_DATA, "ordinal", resamples=20_000, seed=2)
    assert first == again and first.method == ALPHA_METHOD
    assert first.low < 0.7598 < first.high
    assert abs(first.low - other.low) < 0.01 and abs(first.high - other.high) < 0.01
    # q falls as the minimum falls, and the central 95% leave 2.5% on each side
    assert first.below[0.8] > first.below[0.667] >= 0
    assert abs(first.below[0.8] - other.below[0.8]) < 0.02


def test_alpha_interval_narrows_as_units_grow():
    rng = np.random.default_rng(7)
    small = random_codes(rng, 3, 60)
    widths = []
    for copies in (1, 4, 16):
        interval = alpha_interval(np.tile(small, copies), resamples=4000, seed=3)
        widths.append(interval.high - interval.low)
    assert widths[0] > widths[1] > widths[2]


def test_alpha_interval_does_not_depend_on_coder_order():
    rng = np.random.default_rng(11)
    data = random_codes(rng, 4, 200, missing=0.2)
    one = alpha_interval(data, resamples=2000, seed=5)
    two = alpha_interval(data[::-1], resamples=2000, seed=5)
    assert (one.low, one.high) == pytest.approx((two.low, two.high))
    assert one.below == two.below


def test_copied_coding_gives_alpha_one_and_kappa_one_without_spread():
    rng = np.random.default_rng(2)
    row = rng.integers(0, 3, 300).astype(float)
    data = np.vstack([row, row])
    assert krippendorff_alpha(data).value == 1
    interval = alpha_interval(data, resamples=500)
    assert interval.low is None and "no disagreement" in interval.reason
    kappa = kappa_interval(data, resamples=500)
    assert (kappa.low, kappa.high, kappa.se) == pytest.approx((1.0, 1.0, 0.0))


def test_intervals_say_why_when_nothing_pairs():
    interval = alpha_interval([[1, None], [None, 2]], resamples=100)
    assert interval.low is None and "two or more coders" in interval.reason
    assert str(interval).startswith("no interval")
    with pytest.raises(ValueError, match="two or more resamples"):
        alpha_interval(HK_DATA, resamples=1)


@pytest.mark.parametrize("level", ["nominal", "ordinal", "interval", "ratio"])
def test_coincidence_alpha_matches_krippendorff_package_on_random_data(level):
    rng = np.random.default_rng(hash(level) % 2**32)
    data = random_codes(rng, 4, 300, categories=5, missing=0.15) + 1
    ours = alpha_from_coincidences(coincidences(data, level))
    theirs = krippendorff.alpha(reliability_data=data, level_of_measurement=level)
    assert math.isclose(ours, theirs, rel_tol=1e-9, abs_tol=1e-12)


def fleiss_cohen_everitt_se(a, b):
    """Large-sample standard error of Cohen's kappa (Fleiss, Cohen & Everitt 1969)."""
    labels = sorted(set(a) | set(b))
    table = pd.crosstab(pd.Categorical(a, labels), pd.Categorical(b, labels), dropna=False)
    p = table.to_numpy() / len(a)
    rows, cols = p.sum(axis=1), p.sum(axis=0)
    p_o, p_e = np.trace(p), rows @ cols
    first = sum(p[i, i] * ((1 - p_e) - (rows[i] + cols[i]) * (1 - p_o)) ** 2 for i in range(len(p)))
    second = (1 - p_o) ** 2 * sum(
        p[i, j] * (cols[i] + rows[j]) ** 2 for i in range(len(p)) for j in range(len(p)) if i != j
    )
    third = (p_o * p_e - 2 * p_e + p_o) ** 2
    return math.sqrt((first + second - third) / (len(a) * (1 - p_e) ** 4))


def test_kappa_bootstrap_se_agrees_with_the_large_sample_formula():
    rng = np.random.default_rng(4)
    a, b = random_codes(rng, 2, 3000, categories=4, agree=0.6)
    interval = kappa_interval([a, b], resamples=4000, seed=9)
    analytic = fleiss_cohen_everitt_se(a.tolist(), b.tolist())
    assert abs(interval.se - analytic) / analytic < 0.08
    value = cohen_kappa(a, b).value
    assert interval.low < value < interval.high


def test_fleiss_kappa_bootstrap_se_agrees_with_irrcac():
    irrcac = pytest.importorskip("irrCAC.raw")
    rng = np.random.default_rng(8)
    data = random_codes(rng, 3, 2000, categories=3, agree=0.6, missing=0.1)
    theirs = irrcac.CAC(pd.DataFrame(data.T), digits=10).fleiss()["est"]
    interval = kappa_interval(data, resamples=4000, seed=1)
    counts = np.stack([(data == k).sum(axis=0) for k in range(3)], axis=1)
    assert math.isclose(fleiss_kappa(counts).value, theirs["coefficient_value"], abs_tol=1e-8)
    assert abs(interval.se - theirs["se"]) / theirs["se"] < 0.1


def test_kappa_interval_is_seeded_and_covers_the_estimate():
    rng = np.random.default_rng(6)
    data = random_codes(rng, 2, 400)
    one = kappa_interval(data, resamples=1000, seed=4)
    assert one == kappa_interval(data, resamples=1000, seed=4)
    assert one.low < cohen_kappa(*data).value < one.high
