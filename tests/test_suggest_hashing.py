"""The models' hashed counts equal scikit-learn's HashingVectorizer on the same words."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.feature_extraction.text import HashingVectorizer

from qualcode.suggest.hashing import HashedCounts
from qualcode.suggest.linear import HASHED, STEM, hashed_counts

TOKEN = re.compile(r"(?u)\b\w\w+\b")
SHARED = Path(__file__).resolve().parents[2] / "shared"


def plain_counts(texts: list[str], columns: int = HASHED, stem: int = STEM) -> sp.csr_matrix:
    """The reference: each text's words, word pairs and stems through HashingVectorizer."""
    words = [TOKEN.findall(text.lower()) for text in texts]

    def pairs(found: list[str]) -> list[str]:
        return found + [f"{a} {b}" for a, b in zip(found, found[1:], strict=False)]

    def stems(found: list[str]) -> list[str]:
        return [word[:stem] for word in found if len(word) > stem]

    views = [
        HashingVectorizer(analyzer=analyzer, alternate_sign=False, norm=None,
                          n_features=columns, dtype=np.float32).transform(words)
        for analyzer in (pairs, stems)
    ]  # fmt: skip
    return sp.hstack(views, format="csr")


def assert_same(found: sp.csr_matrix, expected: sp.csr_matrix) -> None:
    assert found.shape == expected.shape
    assert (found != expected).nnz == 0


def real_texts() -> list[str]:
    lines = [
        line for path in sorted((SHARED / "sample-transcripts").glob("*.txt"))
        for line in path.read_text(encoding="utf-8").splitlines()
    ]  # fmt: skip
    answers = SHARED / "realdata" / "inquiry-double-coded" / "answers.jsonl"
    lines += [json.loads(line)["text"] for line in answers.read_text(encoding="utf-8").splitlines()]
    assert len(lines) > 500
    return lines


ODD = [
    "", "a", "Ab ab AB ab", "Funding funds; FUNDED fund.", "x" * 40, "ΟΔΟΣ οδοσ Σ",
    "ΟΔΟΣ. ΣΑΣ'Σ ΟΔΟΣ\u2003ΟΔΟΣ\x1fΟΔΟΣ",
    "naïve café Café — 2023, 12.5%", "tab\there\nline break", "nul\x00inside text", "",
    "the the the the", "one",
]  # fmt: skip


def test_counts_equal_hashing_vectorizer_on_real_and_odd_texts():
    texts = real_texts() + ODD
    counts = HashedCounts(HASHED, STEM, TOKEN)
    assert_same(counts.count(texts), plain_counts(texts))
    # again, with every word and pair remembered, and in another order and grouping
    assert_same(counts.count(texts[::-1]), plain_counts(texts[::-1]))
    assert_same(counts.count(ODD[3:5]), plain_counts(ODD[3:5]))
    assert counts.count([]).shape == (0, 2 * HASHED)


def test_counts_start_afresh_past_their_cache(monkeypatch):
    monkeypatch.setattr("qualcode.suggest.hashing.CACHE", 50)
    texts = real_texts()[:300]
    counts = HashedCounts(64, 3, TOKEN)  # few columns: many collisions, summed
    for start in range(0, 300, 60):
        part = texts[start : start + 60]
        assert_same(counts.count(part), plain_counts(part, 64, 3))
    assert len(counts.words) == 1 + len(set(TOKEN.findall(" ".join(part).lower())))  # afresh


@pytest.mark.parametrize("many", [False, True])
def test_the_models_counts_are_the_plain_ones(many, monkeypatch):
    """Through the memo (a few texts) and directly (many texts at once)."""
    if many:
        monkeypatch.setattr("qualcode.suggest.linear.MEMO_CALL", 10)
    texts = real_texts()[:200] + ODD
    assert_same(hashed_counts(texts), plain_counts(texts))
