"""Agreement statistics against published worked examples and the ``krippendorff`` package.

Every expected value is printed in the work cited beside it (to the digits given there);
none comes from our own output. Hand-derived values show their arithmetic.
"""

from __future__ import annotations

import re

import krippendorff
import numpy as np
import pandas as pd
import pytest

from qualcode.agreement import (
    LEVELS,
    Agreement,
    cohen_kappa,
    fleiss_kappa,
    gwet_ac1,
    krippendorff_alpha,
    percent_agreement,
)

_ = None  # a missing value, so the tables below line up

# Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", section C, and
# Content Analysis, 2nd ed. (2004), p. 230: 4 observers × 12 units, values 1-5, missing
# data. Gwet (2014), Handbook of Inter-Rater Reliability, 4th ed., pp. 55-56, analyses
# the same ratings (as his irrCAC package's `cac.raw4raters`).
KRIPPENDORFF_2011 = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, _, _, _],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, _, 3],
    [_, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, _],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, _],
]

# Fleiss (1971), "Measuring nominal scale agreement among many raters", Psychological
# Bulletin 76(5): 378-382, Table 1: 30 patients, 6 psychiatrists each, 5 diagnoses
# (depression, personality disorder, schizophrenia, neurosis, other).
# fmt: off
FLEISS_1971 = [
    [0, 0, 0, 6, 0], [0, 3, 0, 0, 3], [0, 1, 4, 0, 1], [0, 0, 0, 0, 6], [0, 3, 0, 3, 0],
    [2, 0, 4, 0, 0], [0, 0, 4, 0, 2], [2, 0, 3, 1, 0], [2, 0, 0, 4, 0], [0, 0, 0, 0, 6],
    [1, 0, 0, 5, 0], [1, 1, 0, 4, 0], [0, 3, 3, 0, 0], [1, 0, 0, 5, 0], [0, 2, 0, 3, 1],
    [0, 0, 5, 0, 1], [3, 0, 0, 1, 2], [5, 1, 0, 0, 0], [0, 2, 0, 4, 0], [1, 0, 2, 0, 3],
    [0, 0, 0, 0, 6], [0, 1, 0, 5, 0], [0, 2, 0, 1, 3], [2, 0, 0, 4, 0], [1, 0, 0, 4, 1],
    [0, 5, 0, 1, 0], [4, 0, 0, 0, 2], [0, 2, 0, 4, 0], [1, 0, 5, 0, 0], [0, 0, 0, 0, 6],
]
# fmt: on

# Gwet (2014), Handbook, 4th ed.: 100 pregnant women classified by two abstractors
# (ectopic, abnormal intrauterine, normal intrauterine); Gwet's irrCAC R package ships it
# as `cont3x3abstractors` and its README prints kappa 0.7964094, AC1 0.8493305,
# alpha 0.7972585 and percent agreement 0.89 for it.
ABSTRACTORS = [[13, 0, 0], [0, 20, 7], [0, 4, 56]]


def labels_from_table(table: list[list[int]]) -> tuple[list[int], list[int]]:
    """Two coders' labels from a contingency table: row = coder A's label, column = B's."""
    a, b = [], []
    for row, counts in enumerate(table):
        for column, count in enumerate(counts):
            a += [row] * count
            b += [column] * count
    return a, b


def ratings_from_counts(counts: list[list[int]]) -> list[list[int | None]]:
    """Coders × units from a units × categories count table (coder order is arbitrary)."""
    width = max(sum(row) for row in counts)
    columns = []
    for row in counts:
        values = [k for k, n in enumerate(row) for _ in range(n)]
        columns.append(values + [None] * (width - len(values)))
    return [list(coder) for coder in zip(*columns, strict=True)]


# --- Krippendorff's alpha ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("level", "published"),
    [("nominal", 0.743), ("ordinal", 0.815), ("interval", 0.849), ("ratio", 0.797)],
)
def test_alpha_matches_krippendorff_2011_example(level: str, published: float) -> None:
    assert krippendorff_alpha(KRIPPENDORFF_2011, level).value == pytest.approx(published, abs=5e-4)


def test_alpha_disagreements_match_krippendorff_2004() -> None:
    # Content Analysis, 2nd ed. (2004), pp. 230-232: nominal D_o = .200, D_e = .779;
    # interval D_o = .433, D_e = 2.872.
    nominal = krippendorff_alpha(KRIPPENDORFF_2011).details
    interval = krippendorff_alpha(KRIPPENDORFF_2011, "interval").details
    assert nominal["observed_disagreement"] == pytest.approx(0.200, abs=5e-4)
    assert nominal["expected_disagreement"] == pytest.approx(0.779, abs=5e-4)
    assert interval["observed_disagreement"] == pytest.approx(0.433, abs=5e-4)
    assert interval["expected_disagreement"] == pytest.approx(2.872, abs=5e-4)


def test_alpha_accepts_text_labels_and_an_order() -> None:
    # Krippendorff (2004, p. 230) codes the same data with symbols; order= gives ordinal.
    names = {1: "very low", 2: "low", 3: "mid", 4: "high", 5: "very high"}
    data = [[names.get(v) for v in coder] for coder in KRIPPENDORFF_2011]
    order = list(names.values())
    assert krippendorff_alpha(data).value == pytest.approx(0.743, abs=5e-4)
    assert krippendorff_alpha(data, "ordinal", order=order).value == pytest.approx(0.815, abs=5e-4)


def test_alpha_binary_two_coders_matches_krippendorff_2004() -> None:
    # Content Analysis, 2nd ed. (2004), p. 224: two coders, ten units, alpha = .095.
    data = [[1, 1, 0, 0, 0, 0, 0, 0, 0, 0], [0, 1, 1, 0, 0, 1, 0, 1, 0, 0]]
    assert krippendorff_alpha(data).value == pytest.approx(0.095, abs=5e-4)


def test_alpha_nominal_two_coders_matches_krippendorff_2004() -> None:
    # Content Analysis, 2nd ed. (2004), p. 227: alpha = .734, percent agreement .833.
    data = [list("aabbbbbccccc"), list("abbbbbcccccc")]
    assert krippendorff_alpha(data).value == pytest.approx(0.734, abs=5e-4)
    assert percent_agreement(data).value == pytest.approx(0.833, abs=5e-4)


def test_alpha_nominal_two_coders_matches_krippendorff_2011_ben_and_gerry() -> None:
    # Krippendorff (2011), section B: observers Ben and Gerry, 12 units, alpha = .692.
    data = [list("aabbdcccedda"), list("babbbccceddd")]
    assert krippendorff_alpha(data).value == pytest.approx(0.692, abs=5e-4)


def test_alpha_matches_wikipedia_computational_example() -> None:
    # Wikipedia, "Krippendorff's alpha", A computational example: 3 coders, 15 units.
    data = [
        [_, _, _, _, _, 3, 4, 1, 2, 1, 1, 3, 3, _, 3],
        [1, _, 2, 1, 3, 3, 4, 3, _, _, _, _, _, _, _],
        [_, _, 2, 1, 3, 4, 4, _, 2, 1, 1, 3, 3, _, 4],
    ]
    assert krippendorff_alpha(data).value == pytest.approx(0.691, abs=5e-4)


def test_alpha_matches_gwet_abstractors_table() -> None:
    assert krippendorff_alpha(labels_from_table(ABSTRACTORS)).value == pytest.approx(
        0.7972585, abs=5e-7
    )


def _random_reliability_data(
    rng: np.random.Generator, coders: int, units: int, values: int, missing: float
) -> np.ndarray:
    data = rng.integers(0, values, size=(coders, units)).astype(float)
    data[rng.random(data.shape) < missing] = np.nan
    return data


@pytest.mark.parametrize("level", LEVELS)
@pytest.mark.parametrize("seed", range(8))
def test_alpha_agrees_with_krippendorff_package_on_random_data(level: str, seed: int) -> None:
    rng = np.random.default_rng(seed)
    coders, units, values = rng.integers(2, 7), rng.integers(5, 400), rng.integers(2, 9)
    data = _random_reliability_data(rng, coders, units, values, missing=rng.uniform(0, 0.5))
    data[:, 0] = 1.0  # at least one pairable unit with two distinct values somewhere
    data[:2, 1] = [0.0, 2.0]
    data = data * rng.uniform(0.5, 10) if level in ("interval", "ratio") else data
    expected = krippendorff.alpha(reliability_data=data, level_of_measurement=level)
    assert krippendorff_alpha(data, level).value == pytest.approx(expected, rel=1e-9, abs=1e-9)


def test_alpha_agrees_with_krippendorff_package_on_text_labels() -> None:
    rng = np.random.default_rng(42)
    data = rng.choice(np.array(["praise", "blame", "trust", "money"]), size=(4, 300))
    data[rng.random(data.shape) < 0.3] = "nan"  # how NumPy string arrays hold NaN
    expected = krippendorff.alpha(reliability_data=data, level_of_measurement="nominal")
    assert krippendorff_alpha(data).value == pytest.approx(expected, rel=1e-9, abs=1e-9)


def test_alpha_ratio_sums_its_distance_grid_in_blocks(monkeypatch) -> None:
    # Many distinct values are summed a block of rows at a time; the blocks must add up.
    rng = np.random.default_rng(7)
    data = _random_reliability_data(rng, coders=3, units=200, values=40, missing=0.2)
    expected = krippendorff.alpha(reliability_data=data, level_of_measurement="ratio")
    monkeypatch.setattr("qualcode.agreement.categorical._RATIO_BLOCK", 3)
    assert krippendorff_alpha(data, "ratio").value == pytest.approx(expected, rel=1e-9)


@pytest.mark.parametrize(
    "form",
    [
        lambda rows: rows,
        lambda rows: np.array([[np.nan if v is None else v for v in r] for r in rows]),
        lambda rows: pd.DataFrame(rows).astype("Int64"),
        lambda rows: pd.DataFrame(rows, dtype=object),
    ],
    ids=["lists with None", "array with NaN", "nullable DataFrame", "object DataFrame"],
)
def test_alpha_reads_lists_arrays_and_dataframes_alike(form) -> None:
    assert krippendorff_alpha(form(KRIPPENDORFF_2011), "interval").value == pytest.approx(
        0.849, abs=5e-4
    )


# --- percent agreement, Cohen, Fleiss, Gwet -------------------------------------------


def test_percent_agreement_matches_gwet_2014_example() -> None:
    # Gwet (2014), pp. 55-56: p_a = 0.8182 (irrCAC README: 0.8181818).
    assert percent_agreement(KRIPPENDORFF_2011).value == pytest.approx(0.8181818, abs=5e-7)
    assert percent_agreement(labels_from_table(ABSTRACTORS)).value == pytest.approx(0.89)


@pytest.mark.parametrize(
    ("table", "published"),
    [
        ([[20, 5], [10, 15]], 0.4),  # Wikipedia, "Cohen's kappa", simple example
        ([[45, 15], [25, 15]], 0.1304),  # Wikipedia, same percentage, different kappa
        ([[25, 35], [5, 35]], 0.2593),  # ... the second table of that pair
        ([[88, 14, 18], [10, 40, 10], [2, 6, 12]], 0.492),  # Cohen (1960), p. 45
        ([[12, 9, 9], [9, 14, 9], [9, 9, 20]], 0.186),  # Krippendorff (2004), p. 246
        ([[12, 18, 18], [0, 14, 18], [0, 0, 20]], 0.258),  # Krippendorff (2004), p. 246
        (ABSTRACTORS, 0.7964094),  # Gwet (2014), irrCAC README
    ],
)
def test_cohen_kappa_matches_published_tables(table: list[list[int]], published: float) -> None:
    digits = len(str(published).split(".")[1])
    result = cohen_kappa(*labels_from_table(table))
    assert result.value == pytest.approx(published, abs=0.5 * 10**-digits)


def test_cohen_kappa_reports_cohen_1960_agreement_parts() -> None:
    # Cohen (1960), p. 45: p_o = .70, p_c = .41 for 200 cases.
    details = cohen_kappa(*labels_from_table([[88, 14, 18], [10, 40, 10], [2, 6, 12]])).details
    assert (details["observed"], details["expected"], details["units"]) == pytest.approx(
        (0.70, 0.41, 200)
    )


def test_cohen_kappa_drops_units_either_coder_left_missing() -> None:
    a, b = labels_from_table([[20, 5], [10, 15]])
    assert cohen_kappa(a + [1, None, None], b + [None, 0, None]).value == pytest.approx(0.4)
    arrays = np.array(a + [np.nan], dtype=float), np.array(b + [1], dtype=float)
    assert cohen_kappa(*arrays).value == pytest.approx(0.4)


def test_fleiss_kappa_matches_fleiss_1971() -> None:
    # Fleiss (1971), p. 381: kappa = .430.
    assert fleiss_kappa(FLEISS_1971).value == pytest.approx(0.430, abs=5e-4)


def test_fleiss_kappa_matches_wikipedia_example() -> None:
    # Wikipedia, "Fleiss' kappa", worked example: 10 subjects, 14 raters, kappa = 0.210.
    table = [
        [0, 0, 0, 0, 14], [0, 2, 6, 4, 2], [0, 0, 3, 5, 6], [0, 3, 9, 2, 0], [2, 2, 8, 1, 1],
        [7, 7, 0, 0, 0], [3, 2, 6, 3, 0], [2, 5, 3, 2, 2], [6, 5, 2, 1, 0], [0, 2, 2, 3, 7],
    ]  # fmt: skip
    assert fleiss_kappa(table).value == pytest.approx(0.210, abs=5e-4)


def test_fleiss_kappa_matches_gwet_on_fleiss_first_15_patients() -> None:
    # irrCAC README (Gwet), `distrib.6raters` = Fleiss (1971) patients 1-15:
    # Fleiss' kappa 0.4139265, p_a 0.5511111, p_e 0.2340741.
    result = fleiss_kappa(FLEISS_1971[:15])
    assert result.value == pytest.approx(0.4139265, abs=5e-7)
    assert result.details["observed"] == pytest.approx(0.5511111, abs=5e-7)
    assert result.details["expected"] == pytest.approx(0.2340741, abs=5e-7)


def test_fleiss_kappa_with_missing_ratings_matches_gwet_2014() -> None:
    # Gwet (2014), pp. 55-56: Fleiss' kappa with missing ratings 0.7612, p_e 0.2387
    # (irrCAC README: 0.76117, 0.2387153).
    counts = [[row.count(k) for k in range(1, 6)] for row in zip(*KRIPPENDORFF_2011, strict=True)]
    result = fleiss_kappa(counts)
    assert result.value == pytest.approx(0.76117, abs=5e-6)
    assert result.details["expected"] == pytest.approx(0.2387153, abs=5e-7)


def test_gwet_ac1_matches_gwet_2014_example_with_missing_ratings() -> None:
    # Gwet (2014), pp. 55-56: AC1 = 0.7754, p_a = 0.8182, p_e = 0.1903 (irrCAC README:
    # 0.77544, 0.8181818, 0.1903212).
    result = gwet_ac1(KRIPPENDORFF_2011)
    assert result.value == pytest.approx(0.77544, abs=5e-6)
    assert result.details["observed"] == pytest.approx(0.8181818, abs=5e-7)
    assert result.details["expected"] == pytest.approx(0.1903212, abs=5e-7)


def test_gwet_ac1_matches_gwet_two_coder_table() -> None:
    assert gwet_ac1(labels_from_table(ABSTRACTORS)).value == pytest.approx(0.8493305, abs=5e-7)


def test_gwet_ac1_matches_gwet_on_fleiss_first_15_patients() -> None:
    # irrCAC README: AC1 0.4448007, p_a 0.5511111, p_e 0.1914815.
    result = gwet_ac1(ratings_from_counts(FLEISS_1971[:15]))
    assert result.value == pytest.approx(0.4448007, abs=5e-7)
    assert result.details["expected"] == pytest.approx(0.1914815, abs=5e-7)


def test_gwet_ac1_stays_high_where_kappa_drops_under_skew() -> None:
    # By hand: 8 units yes/yes, 1 no/no, 1 yes/no. p_a = 9/10. pi_yes = (8 + 0 + 1/2)/10
    # = .85, pi_no = .15, p_e = 2 (.85)(.15) / (2 - 1) = .255, AC1 = (.9 - .255)/.745.
    a, b = ["y"] * 8 + ["n", "y"], ["y"] * 8 + ["n", "n"]
    assert gwet_ac1([a, b]).value == pytest.approx((0.9 - 0.255) / 0.745)
    assert cohen_kappa(a, b).value < 0.7


def test_gwet_ac1_counts_categories_offered_but_unused() -> None:
    # Same data, q = 3: p_e = (.85 (.15) + .15 (.85) + 0) / 2 = .1275.
    a, b = ["y"] * 8 + ["n", "y"], ["y"] * 8 + ["n", "n"]
    result = gwet_ac1([a, b], categories=["y", "n", "unsure"])
    assert result.value == pytest.approx((0.9 - 0.1275) / (1 - 0.1275))


# --- undefined statistics: None and a reason, never NaN --------------------------------


@pytest.mark.parametrize(
    ("statistic", "data", "words"),
    [
        (krippendorff_alpha, [["a", "a", "a"], ["a", "a", "a"]], "every pairable value is 'a'"),
        (krippendorff_alpha, [[1, None], [None, 2]], "no unit was coded by two or more"),
        (krippendorff_alpha, [], "no unit was coded by two or more"),
        (krippendorff_alpha, [[1, 2, 3]], "no unit was coded by two or more"),
        (percent_agreement, [[1, None], [None, 2]], "no unit was coded by two or more"),
        (percent_agreement, [[]], "no unit was coded by two or more"),
        (gwet_ac1, [["a", "a"], ["a", "a"]], "only one category"),
        (gwet_ac1, [[1, None], [None, 1]], "no unit was coded by two or more"),
    ],
)
def test_undefined_statistic_returns_none_and_says_why(statistic, data, words: str) -> None:
    result = statistic(data)
    assert result.value is None and not result.defined
    assert words in result.reason
    assert words in str(result)


def test_undefined_kappas_return_none_and_say_why() -> None:
    same = cohen_kappa(["x", "x"], ["x", "x"])
    assert same.value is None and "same label ('x')" in same.reason
    assert cohen_kappa([None, "x"], ["y", None]).reason == "no unit was labelled by both coders"
    assert "one category" in fleiss_kappa([[3, 0], [3, 0]]).reason
    assert "two or more" in fleiss_kappa([[1, 0], [0, 1]]).reason
    assert fleiss_kappa(np.zeros((0, 3))).value is None


def test_one_coder_single_label_is_still_defined_for_cohen() -> None:
    # A uses only "x", B uses x and y: p_e = 1 (.5) < 1, so kappa exists (and is 0).
    assert cohen_kappa(["x", "x"], ["x", "y"]).value == pytest.approx(0.0)


def test_agreement_prints_value_or_reason() -> None:
    assert str(Agreement("Cohen's kappa", 0.4)) == "Cohen's kappa = 0.400"
    assert str(Agreement("AC1", None, "no data")) == "AC1: undefined (no data)"


# --- malformed input raises -----------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: krippendorff_alpha([[1, 2], [1]]), "one value per unit"),
        (lambda: krippendorff_alpha([[1, 2]], "cardinal"), "level must be one of"),
        (lambda: krippendorff_alpha([["lo", "hi"], ["hi", "hi"]], "interval"), "needs numbers"),
        (lambda: krippendorff_alpha([["lo", "hi"], ["hi", "hi"]], "ordinal"), "order=[...]"),
        (lambda: krippendorff_alpha([["lo"], ["hi"]], "ordinal", order=["lo"]), "not among"),
        (lambda: krippendorff_alpha([[-1, 2], [1, 2]], "ratio"), "values >= 0"),
        (lambda: krippendorff_alpha([[np.inf, 2], [1, 2]], "interval"), "finite numbers"),
        (lambda: krippendorff_alpha(np.zeros((2, 2, 2))), "coders × units (2-D)"),
        (lambda: cohen_kappa([1, 2], [1]), "one label per unit"),
        (lambda: fleiss_kappa([[1, -1]]), "not negative"),
        (lambda: fleiss_kappa([1, 2]), "units × categories"),
        (lambda: gwet_ac1([["a", "b"], ["a", "c"]], categories=["a", "b"]), "not among"),
    ],
)
def test_malformed_input_raises_value_error_saying_what(call, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        call()
