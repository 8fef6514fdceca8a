"""The methods other tools report: |uα of 1995/2004 (the book's worked example), the 2016
cu-α/Cu-α, MAXQDA's three criteria and NVivo's character comparison; each checked
against a published example, a hand count, or an independent computation."""

from __future__ import annotations

import doctest
import itertools
import math
import random

import krippendorff
import numpy as np
import pytest

from qualcode.agreement import maxqda, nvivo, uncertainty, unitizing
from qualcode.agreement.maxqda import maxqda_agreement
from qualcode.agreement.nvivo import nvivo_comparison, nvivo_summary
from qualcode.agreement.unitizing import boundary_alpha, coding_alpha

# Krippendorff (2004), Content Analysis 2nd ed., pp. 251–256: two observers on the
# continuum 150..450, categories c and k (the same data as DKPro Statistics' test).
BOOK = [
    ("i", "c", 225, 295), ("i", "c", 370, 400), ("j", "c", 220, 300), ("j", "c", 355, 375),
    ("j", "c", 400, 420), ("i", "k", 180, 240), ("i", "k", 300, 350), ("j", "k", 180, 240),
    ("j", "k", 300, 350),
]  # fmt: skip


@pytest.mark.parametrize("module", [maxqda, nvivo, unitizing, uncertainty])
def test_docstring_examples_run(module):
    assert doctest.testmod(module).failed == 0


def test_boundary_alpha_reproduces_the_books_worked_example():
    result = boundary_alpha(BOOK, length=300, begin=150)
    c, k = result.by_category["c"], result.by_category["k"]
    assert round(c.details["observed_disagreement"], 4) == 0.0144
    assert round(c.details["expected_disagreement"], 4) == 0.0532
    assert round(c.value, 4) == 0.7286
    assert round(k.details["expected_disagreement"], 4) == 0.0490
    assert k.value == 1.0
    # the book prints .8591 from rounded intermediates; exact arithmetic gives .85867
    assert round(result.value, 3) == 0.859
    assert math.isclose(
        result.value,
        1
        - (c.details["observed_disagreement"] + 0)
        / (c.details["expected_disagreement"] + k.details["expected_disagreement"]),
    )


def test_boundary_alpha_copied_coding_is_one_and_coder_order_does_not_matter():
    rng = random.Random(5)
    spans = []
    for _ in range(12):
        start = rng.randrange(0, 900)
        spans.append(("a", rng.choice("xy"), start, start + rng.randrange(5, 80)))
    copied = spans + [("b", *span[1:]) for span in spans]
    assert boundary_alpha(copied, length=1000).value == 1.0
    noisy = spans + [("b", cat, s + rng.randrange(-5, 6), e) for _c, cat, s, e in spans[:9]]
    forward = boundary_alpha(noisy, length=1000, coders=["a", "b"])
    backward = boundary_alpha(noisy, length=1000, coders=["b", "a"])
    assert math.isclose(forward.value, backward.value)
    assert forward.value < 1


def char_matrix(spans, coders, length, value_of):
    """Coders × characters of labels, the slow obvious way."""
    rows = []
    for coder in coders:
        marks = [set() for _ in range(length)]
        for who, category, start, end in spans:
            if who == coder:
                for x in range(max(start, 0), min(end, length)):
                    marks[x].add(value_of(category))
        rows.append([" + ".join(sorted(m)) if m else None for m in marks])
    return rows


def test_coding_alpha_is_alpha_over_the_characters_two_coders_coded():
    rng = random.Random(9)
    spans = []
    for coder, _ in itertools.product("abc", range(8)):
        start = rng.randrange(0, 400)
        spans.append((coder, rng.choice(["p", "q", "r"]), start, start + rng.randrange(5, 60)))
    domains = {"p": "D1", "q": "D1", "r": "D2"}
    for given, value_of in ((None, lambda c: c), (domains, lambda c: domains[c])):
        rows = char_matrix(spans, "abc", 400, value_of)
        keep = [u for u in range(400) if sum(r[u] is not None for r in rows) >= 2]
        labels = sorted({r[u] for r in rows for u in keep if r[u] is not None})
        numbers = np.array(
            [[np.nan if r[u] is None else labels.index(r[u]) for u in keep] for r in rows]
        )
        theirs = krippendorff.alpha(reliability_data=numbers, level_of_measurement="nominal")
        ours = coding_alpha(spans, length=400, domains=given)
        assert ours.statistic == ("cu-α" if given is None else "Cu-α")
        assert math.isclose(ours.value, theirs, rel_tol=1e-9)


def any_overlap(segments, coders):
    """Agreed segments by the plain rule "the other coder has an overlapping segment"."""
    agree = total = 0
    for doc, coder, code, start, end in segments:
        other = coders[1] if coder == coders[0] else coders[0]
        total += 1
        agree += any(
            d == doc and c == other and k == code and s < end and start < e
            for d, c, k, s, e in segments
        )
    return agree, total


def random_segments(seed, n=60):
    rng = random.Random(seed)
    rows = []
    for _ in range(n):
        start = rng.randrange(0, 500)
        rows.append(
            (
                rng.choice(["d1", "d2"]),
                rng.choice(["ann", "bo"]),
                rng.choice(["x", "y", "z"]),
                start,
                start + rng.randrange(1, 90),
            )  # fmt: skip
        )
    return rows


@pytest.mark.parametrize("seed", range(5))
def test_maxqda_overlap_rule_at_zero_is_any_overlap(seed):
    rows = random_segments(seed)
    result = maxqda_agreement(rows, ("ann", "bo"), "overlap", overlap=0.0)
    agree, total = any_overlap(rows, ("ann", "bo"))
    assert (int(result.per_code["agree"].sum()), int(result.per_code["total"].sum())) == (
        agree, total,
    )  # fmt: skip
    stricter = maxqda_agreement(rows, ("ann", "bo"), "overlap", overlap=0.9)
    assert stricter.per_code["agree"].sum() <= agree


def test_maxqda_presence_frequency_and_kappa_by_hand():
    rows = [
        ("d1", "ann", "x", 0, 10), ("d1", "bo", "x", 0, 10), ("d1", "ann", "x", 20, 30),
        ("d1", "ann", "y", 40, 50), ("d2", "bo", "y", 0, 10), ("d2", "ann", "x", 0, 9),
        ("d2", "bo", "x", 0, 10),
    ]  # fmt: skip
    presence = maxqda_agreement(rows, ("ann", "bo"), "presence")
    # x: d1 both, d2 both -> 2 of 2; y: d1 ann only, d2 bo only -> 0 of 2
    assert presence.per_code.set_index("code")["agree"].to_dict() == {"x": 2, "y": 0}
    assert presence.percent == 0.5
    frequency = maxqda_agreement(rows, ("ann", "bo"), "frequency")
    # x: d1 ann 2 vs bo 1 (differ), d2 1 vs 1 (agree)
    assert frequency.per_code.set_index("code")["agree"].to_dict() == {"x": 1, "y": 0}
    overlap = maxqda_agreement(rows, ("ann", "bo"), "overlap")
    # x: d1 (0,10) twice agree, (20,30) not; d2 9/10 = 90% agree twice; y: both alone
    assert overlap.per_code.set_index("code")[["agree", "total"]].to_dict("list") == {
        "agree": [4, 0], "total": [5, 2],
    }  # fmt: skip
    p_o, p_c = 4 / 7, 1 / 2
    assert math.isclose(overlap.kappa.value, (p_o - p_c) / (1 - p_c))
    # P_o is the table's total row; q counts the codes in the table, not the codebook's
    assert overlap.kappa.details["observed"] == overlap.percent
    assert overlap.kappa.details["categories"] == len(overlap.per_code) == 2
    third = maxqda_agreement([*rows, ("d2", "ann", "z", 50, 60)], ("ann", "bo"), "overlap")
    assert third.kappa.details["expected"] == 1 / 3


def test_nvivo_kappa_and_agreement_match_scikit_learn_on_characters():
    sklearn = pytest.importorskip("sklearn.metrics")
    rng = random.Random(3)
    lengths = {"d1": 700, "d2": 300}
    spans = []
    for _ in range(40):
        doc = rng.choice(list(lengths))
        start = rng.randrange(0, lengths[doc])
        spans.append((doc, rng.choice(["ann", "bo"]), rng.choice("xy"), start, start + 40))
    table = nvivo_comparison(spans, lengths, ("ann", "bo"))
    for row in table.itertuples():
        mine = [s for s in spans if s[0] == row.document and s[2] == row.code]
        marks = [
            [any(s[1] == who and s[3] <= x < s[4] for s in mine) for x in range(row.length)]
            for who in ("ann", "bo")
        ]
        expected = sklearn.cohen_kappa_score(*marks)
        agreement = np.mean(np.equal(*marks))
        if np.isnan(expected):
            assert row.kappa == 1.0 and row.kappa_note
        else:
            assert math.isclose(row.kappa, expected, abs_tol=1e-12)
        assert math.isclose(row.agreement, agreement)
        assert math.isclose(row.a_and_b + row.neither + row.a_not_b + row.b_not_a, 1)
    summary = nvivo_summary(table).set_index("code")
    x = table[table.code == "x"]
    assert math.isclose(
        summary.loc["x", "kappa"], float((x.kappa * x.length).sum() / x.length.sum())
    )
