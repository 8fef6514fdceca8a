"""Agreement on spans: Krippendorff's |cuα (unitizing_alpha) and character_agreement.

No worked example of the 2016/2019 |cuα with published figures was at hand, so the
expected values are derived by hand from the definition in the comment beside each
test (notation of ``unitizing_alpha``'s docstring: m coders, length L, l.. = mL,
T characters marked over all coders, l_uu = Σ_{i≠j} |U_i ∩ U_j| / (m − 1),
l_ug = T − l_uu, ε_ug = l.. T (l.. − T) / (l..² − Σℓ² − (l.. − T)),
α = 1 − l_ug / ε_ug), plus properties that follow from it.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qualcode.agreement import (
    character_agreement,
    cohen_kappa,
    fleiss_kappa,
    krippendorff_alpha,
    unitizing_alpha,
)

SETTINGS = settings(max_examples=60, deadline=None)


def test_unitizing_overlapping_spans_of_two_coders_by_hand() -> None:
    # L = 10, A marks [0, 4), B marks [2, 6). l.. = 20, T = 8, l_uu = 2 + 2 = 4,
    # l_ug = 4. Σℓ² = 16 + 16 = 32, gap characters 20 - 8 = 12, so
    # ε_ug = 20 · 8 · 12 / (400 - 32 - 12) = 1920/356 and α = 1 - 4 · 356/1920 = 31/120.
    # D_o = 2 l_ug / l.. = 0.4, D_e = 2 ε_ug / l.. = 192/356.
    result = unitizing_alpha([("A", "x", 0, 4), ("B", "x", 2, 6)], length=10)
    assert result.value == pytest.approx(31 / 120)
    assert result.by_category["x"].value == pytest.approx(31 / 120)
    assert result.by_category["x"].details["observed_disagreement"] == pytest.approx(0.4)
    assert result.by_category["x"].details["expected_disagreement"] == pytest.approx(192 / 356)


def test_unitizing_disjoint_spans_fall_below_zero_by_hand() -> None:
    # L = 10, A [0, 2), B [5, 7): T = 4, l_uu = 0, l_ug = 4, Σℓ² = 8, gaps 16,
    # ε_ug = 20 · 4 · 16 / (400 - 8 - 16) = 1280/376, α = 1 - 4 · 376/1280 = -7/40.
    result = unitizing_alpha([("A", "x", 0, 2), ("B", "x", 5, 7)], length=10)
    assert result.value == pytest.approx(-7 / 40)


def test_unitizing_counts_a_listed_coder_who_marked_nothing() -> None:
    # L = 10, A and B mark [0, 4), C marks nothing: m = 3, l.. = 30, T = 8,
    # l_uu = (4 + 4)/2 = 4, l_ug = 4, Σℓ² = 32, gaps 22,
    # ε_ug = 30 · 8 · 22 / (900 - 32 - 22) = 5280/846, α = 1 - 4 · 846/5280 = 79/220.
    spans = [("A", "x", 0, 4), ("B", "x", 0, 4)]
    assert unitizing_alpha(spans, 10).value == pytest.approx(1.0)
    assert unitizing_alpha(spans, 10, coders=["A", "B", "C"]).value == pytest.approx(79 / 220)


def test_unitizing_perfect_agreement_is_one() -> None:
    spans = [
        (coder, category, start, end)
        for coder in ("Ann", "Bo", "Cy")
        for category, start, end in [("trust", 3, 40), ("trust", 50, 61), ("money", 10, 20)]
    ]
    result = unitizing_alpha(spans, length=100)
    assert result.value == 1.0
    assert {c: a.value for c, a in result.by_category.items()} == {"trust": 1.0, "money": 1.0}


def test_unitizing_pools_categories_by_summing_disagreements() -> None:
    spans = [("A", "x", 0, 4), ("B", "x", 2, 6), ("A", "y", 0, 2), ("B", "y", 5, 7)]
    result = unitizing_alpha(spans, 10)
    parts = [a.details for a in result.by_category.values()]
    observed = sum(p["observed_disagreement"] for p in parts)
    expected = sum(p["expected_disagreement"] for p in parts)
    assert result.value == pytest.approx(1 - observed / expected)
    assert result.by_category["x"].value == pytest.approx(31 / 120)
    assert result.by_category["y"].value == pytest.approx(-7 / 40)


def test_unitizing_merges_a_coders_overlapping_spans_but_not_touching_ones() -> None:
    other = [("B", "x", 1, 5)]
    merged = unitizing_alpha([("A", "x", 0, 3), ("A", "x", 2, 4), *other], 10)
    assert merged.value == unitizing_alpha([("A", "x", 0, 4), *other], 10).value
    touching = unitizing_alpha([("A", "x", 0, 2), ("A", "x", 2, 4), *other], 10)
    assert touching.value != merged.value  # two units of 2 are not one unit of 4


def test_unitizing_clips_spans_to_the_continuum() -> None:
    # The continuum is [100, 110); text outside it is ignored, spans across it are cut.
    spans = [("A", "x", 90, 104), ("B", "x", 102, 106), ("A", "x", 200, 300), ("B", "x", 0, 5)]
    assert unitizing_alpha(spans, 10, begin=100).value == pytest.approx(31 / 120)


def test_unitizing_depends_only_on_positions_relative_to_begin() -> None:
    spans = [("A", "x", 0, 4), ("B", "x", 2, 6)]
    shifted = [(c, k, s + 1000, e + 1000) for c, k, s, e in spans]
    assert unitizing_alpha(shifted, 10, begin=1000).value == pytest.approx(31 / 120)


def test_unitizing_categories_limit_and_extend_what_is_reported() -> None:
    spans = [("A", "x", 0, 4), ("B", "x", 2, 6), ("A", "y", 0, 2), ("B", "y", 5, 7)]
    result = unitizing_alpha(spans, 10, categories=["x", "z"])
    assert list(result.by_category) == ["x", "z"]
    assert result.value == pytest.approx(31 / 120)
    assert result.by_category["z"].value is None
    assert result.by_category["z"].reason == "no coder marked 'z' inside the continuum"


@pytest.mark.parametrize(
    ("spans", "length", "words"),
    [
        ([("A", "x", 0, 4)], 10, "needs two or more coders, got 1"),
        ([], 10, "needs two or more coders, got 0"),
        ([("A", "x", 0, 4), ("B", "x", 2, 6)], 0, "the continuum is empty"),
        ([("A", "x", 0, 10), ("B", "x", 0, 10)], 10, "no category has a disagreement"),
    ],
)
def test_unitizing_undefined_returns_none_and_says_why(spans, length: int, words: str) -> None:
    result = unitizing_alpha(spans, length)
    assert result.value is None and words in result.reason


def test_unitizing_category_everyone_marked_whole_is_undefined() -> None:
    result = unitizing_alpha([("A", "x", 0, 10), ("B", "x", 0, 10), ("A", "y", 0, 3)], 10)
    assert result.by_category["x"].value is None
    assert "marked the whole continuum as 'x'" in result.by_category["x"].reason
    assert result.by_category["y"].value is not None


def test_unitizing_rejects_backwards_span_and_unknown_coder() -> None:
    with pytest.raises(ValueError, match="ends before it starts"):
        unitizing_alpha([("A", "x", 5, 3)], 10)
    with pytest.raises(ValueError, match="coder not in coders"):
        unitizing_alpha([("Z", "x", 0, 3)], 10, coders=["A", "B"])


def test_unitizing_ignores_empty_spans() -> None:
    spans = [("A", "x", 0, 4), ("B", "x", 2, 6), ("B", "x", 8, 8)]
    assert unitizing_alpha(spans, 10).value == pytest.approx(31 / 120)


# --- properties ------------------------------------------------------------------------

LENGTH = 40
CODER_SETS = st.lists(
    st.frozensets(st.integers(0, LENGTH - 1), max_size=LENGTH), min_size=2, max_size=4
)


def _single_character_spans(marked: list[frozenset[int]]) -> list[tuple[int, str, int, int]]:
    return [(coder, "x", c, c + 1) for coder, chars in enumerate(marked) for c in sorted(chars)]


@SETTINGS
@given(CODER_SETS)
def test_unitizing_with_single_character_units_is_alpha_over_characters(marked) -> None:
    # With every unit one character long Σℓ² = T and l.. - T gap characters, so
    # ε_ug = T (l.. - T) / (l.. - 1): the expected coincidences of nominal alpha with each
    # character a unit coded by all m coders; the observed ones are equal by definition.
    coders = list(range(len(marked)))
    result = unitizing_alpha(_single_character_spans(marked), LENGTH, coders=coders)
    matrix = np.array([[c in chars for c in range(LENGTH)] for chars in marked])
    assert result.value == pytest.approx(krippendorff_alpha(matrix).value, abs=1e-12)


@SETTINGS
@given(
    st.lists(
        st.tuples(
            st.integers(0, 3), st.sampled_from("xy"), st.integers(-5, 45), st.integers(0, 10)
        ),
        max_size=12,
    ),
    st.randoms(use_true_random=False),
)
def test_unitizing_is_a_number_at_most_one_whatever_the_coder_order(raw, random) -> None:
    spans = [(coder, category, start, start + width) for coder, category, start, width in raw]
    coders = [0, 1, 2, 3]
    result = unitizing_alpha(spans, LENGTH, coders=coders)
    random.shuffle(coders)
    again = unitizing_alpha(list(reversed(spans)), LENGTH, coders=coders)
    for value in (result.value, *(a.value for a in result.by_category.values())):
        assert value is None or (math.isfinite(value) and value <= 1 + 1e-12)
    assert (again.value is None) == (result.value is None)
    if result.value is not None:
        assert again.value == pytest.approx(result.value, abs=1e-12)


@SETTINGS
@given(st.lists(st.tuples(st.integers(0, 39), st.integers(1, 10)), min_size=1, max_size=6))
def test_unitizing_coders_who_copy_each_other_agree_perfectly(units) -> None:
    spans = [(coder, "x", s, s + w) for coder in "AB" for s, w in units]
    result = unitizing_alpha(spans, LENGTH)
    assert result.value is None or result.value == pytest.approx(1.0)


def _literal_cu_alpha(units_by_coder: list[list[tuple[int, int]]], length: int) -> float:
    """|cuα written out as the 2016 paper defines it, section by section.

    Each coder's continuum is cut into sections, units and the gaps between them.
    Observed coincidences: intersection lengths of every ordered pair of sections of
    two different coders, over m - 1. Expected: margins multiplied, less each
    section's pairings with itself (ℓ² for a unit, ℓ for a gap, whose characters pair
    freely), scaled to the same total l.. .
    """
    sections = []
    for units in units_by_coder:
        cursor, mine = 0, []
        for start, end in sorted(units):
            if start > cursor:
                mine.append((cursor, start, "gap"))
            mine.append((start, end, "unit"))
            cursor = end
        if cursor < length:
            mine.append((cursor, length, "gap"))
        sections.append(mine)
    m = len(sections)
    kinds = ("unit", "gap")
    observed = dict.fromkeys(itertools.product(kinds, kinds), 0.0)
    for i, j in itertools.permutations(range(m), 2):
        for (s1, e1, k1), (s2, e2, k2) in itertools.product(sections[i], sections[j]):
            observed[k1, k2] += max(0, min(e1, e2) - max(s1, s2)) / (m - 1)
    total = sum(observed.values())
    margin = {k: observed[k, "unit"] + observed[k, "gap"] for k in kinds}
    self_pairs = sum(
        (end - start) ** (2 if kind == "unit" else 1)
        for mine in sections
        for start, end, kind in mine
    )
    expected_ug = total * margin["unit"] * margin["gap"] / (total * total - self_pairs)
    return 1 - observed["unit", "gap"] / expected_ug


# Per coder: (gap before, unit length) steps; a zero gap makes two units touch.
CODER_UNITS = st.lists(
    st.lists(st.tuples(st.integers(0, 6), st.integers(1, 8)), max_size=5),
    min_size=2,
    max_size=4,
)


@SETTINGS
@given(CODER_UNITS)
def test_unitizing_closed_form_equals_the_definition_section_by_section(steps) -> None:
    units_by_coder = []
    for coder_steps in steps:
        cursor, units = 0, []
        for gap, width in coder_steps:
            if cursor + gap + width > LENGTH:
                break
            units.append((cursor + gap, cursor + gap + width))
            cursor += gap + width
        units_by_coder.append(units)
    spans = [(c, "x", s, e) for c, units in enumerate(units_by_coder) for s, e in units]
    marked = sum(e - s for _, _, s, e in spans)
    result = unitizing_alpha(spans, LENGTH, coders=list(range(len(steps))))
    if marked in (0, len(steps) * LENGTH):
        assert result.value is None
    else:
        assert result.value == pytest.approx(_literal_cu_alpha(units_by_coder, LENGTH), abs=1e-12)


# --- character_agreement ---------------------------------------------------------------


def test_character_agreement_two_coders_by_hand() -> None:
    # L = 10, A marks [0, 4), B marks [2, 6). Characters 0-1 and 4-5 disagree, 2-3 are
    # marked by both, 6-9 by neither: percent agreement 6/10. Each coder marks 4/10,
    # so p_e = .4² + .6² = .52 and kappa = (.6 - .52)/.48 = 1/6. Alpha: n = 20,
    # n_marked = 8, D_o = 8/20, D_e = 2 · 8 · 12/(20 · 19), alpha = 1 - .4 · 380/192 = 5/24.
    result = character_agreement([("A", "x", 0, 4), ("B", "x", 2, 6)], 10)["x"]
    assert result.percent.value == pytest.approx(0.6)
    assert result.kappa.statistic == "Cohen's kappa"
    assert result.kappa.value == pytest.approx(1 / 6)
    assert result.alpha.value == pytest.approx(5 / 24)
    assert result.marked == {"A": 4, "B": 4}


def test_character_agreement_uses_fleiss_kappa_for_three_coders() -> None:
    spans = [("A", "x", 0, 4), ("B", "x", 2, 6), ("C", "x", 0, 6)]
    result = character_agreement(spans, 10)["x"]
    marks = np.array([[s <= c < e for c in range(10)] for _, _, s, e in spans])
    counts = np.column_stack([3 - marks.sum(axis=0), marks.sum(axis=0)])
    assert result.kappa.statistic == "Fleiss' kappa"
    assert result.kappa.value == pytest.approx(fleiss_kappa(counts).value)
    assert result.marked == {"A": 4, "B": 4, "C": 6}


def test_character_agreement_counts_characters_not_units() -> None:
    # Touching spans change |cuα's units but not which characters are marked.
    one = character_agreement([("A", "x", 0, 4), ("B", "x", 1, 5)], 10)["x"]
    two = character_agreement([("A", "x", 0, 2), ("A", "x", 2, 4), ("B", "x", 1, 5)], 10)["x"]
    assert (one.percent, one.kappa, one.alpha) == (two.percent, two.kappa, two.alpha)


def test_character_agreement_reports_each_category_and_listed_coders() -> None:
    spans = [("A", "x", 0, 4), ("B", "x", 0, 4), ("A", "y", 5, 6)]
    result = character_agreement(spans, 10, coders=["A", "B"])
    assert set(result) == {"x", "y"}
    assert result["x"].kappa.value == pytest.approx(1.0)
    assert result["y"].marked == {"A": 1, "B": 0}
    assert result["y"].kappa.value == pytest.approx(
        cohen_kappa([0] * 5 + [1] + [0] * 4, [0] * 10).value
    )


def test_character_agreement_undefined_when_nothing_to_compare() -> None:
    result = character_agreement([("A", "x", 0, 10), ("B", "x", 0, 10)], 10)["x"]
    assert result.percent.value == 1.0
    assert result.kappa.value is None and result.alpha.value is None
    assert result.alpha.reason.startswith("every pairable value is True")
    empty = character_agreement([("A", "x", 0, 4)], 0)["x"]
    assert empty.percent.value is None and empty.kappa.value is None
