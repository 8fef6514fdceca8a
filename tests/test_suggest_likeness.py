"""The codebook likeness: each passage's cosine to each code's own words in the codebook
(definition, examples, when to use it), a source of the model beside the linear models."""

from __future__ import annotations

import numpy as np
import pytest

from qualcode.nlp import load_pipeline
from qualcode.suggest.data import CodeInfo, Corpus
from qualcode.suggest.linear import Kernels, LinearSettings, LinearSuggester
from qualcode.suggest.rules import RuleSuggester
from qualcode.suggest.training import fit

FUNDING = "Grants, budgets and funding streams of the organisation."
CODES = [
    CodeInfo("money", "Money", (), (FUNDING, "Money as leverage in the relationship.")),
    CodeInfo("trust", "Trust", (), ("Confidence and respect between the parties.",)),
    CodeInfo("other", "Other"),  # nothing written for it
]
TEXTS = [
    "We applied for grants and our budgets grew.",
    "They never had funding streams of their own.",
    "We respected each other and kept our confidence.",
    "The parties built respect over the years.",
    "It rained on the tuesday and we went home.",
    "Nothing much happened at the meeting.",
]


def corpus(documents: int = 6) -> Corpus:
    texts = TEXTS * documents
    labels = np.array([[i % 6 < 2, 2 <= i % 6 < 4, False] for i in range(len(texts))])
    return Corpus(
        CODES, np.arange(len(texts)), np.array([f"d{i // 6}" for i in range(len(texts))]),
        texts, labels, np.ones_like(labels),
    )  # fmt: skip


def test_a_passage_is_most_like_the_code_whose_words_it_uses():
    kernels = Kernels(corpus(), codebook=True, likeness=True)
    likeness = kernels.codebook_likeness()
    assert likeness.shape == (36, 3)
    assert (likeness[:, 2] == 0).all()  # no words for "other"
    assert (likeness[:2, 0] > likeness[:2, 1]).all() and (likeness[2:4, 1] > likeness[2:4, 0]).all()
    assert likeness[4:6, :2].max() < likeness[:4].max(axis=1).min()
    assert likeness.min() >= 0 and likeness.max() <= 1 + 1e-6
    # the code's own text, as a passage: as like it as a cosine gets
    own = Kernels(corpus(), codebook=True, likeness=True).final(1.0, 1.0)
    alone = own.score_corpus([FUNDING, "Money as leverage in the relationship."], np.array([0, 1]))
    assert alone[3, 0, 0] == pytest.approx(alone[3, :, 0].max()) and alone[3, 0, 0] > 0.5
    assert Kernels(corpus(), codebook=False, likeness=True).codebook_likeness() is None


def test_the_likeness_is_saved_with_the_model_and_scores_the_same():
    model = Kernels(corpus(), codebook=True, likeness=True).final(1.0, 1.0)
    again = LinearSuggester.from_bytes(CODES, model.to_bytes())
    texts, passages = TEXTS, np.array([0, 0, 1, 1, 2, 3])
    found = model.score_corpus(texts, passages)
    assert found[3].any() and np.array_equal(again.score_corpus(texts, passages), found)


@pytest.mark.parametrize("likeness", [True, False])
def test_the_calibrator_weighs_the_likeness_when_asked(likeness):
    nlp = load_pipeline()
    settings = LinearSettings(likeness=likeness)
    fitted = fit(corpus(), nlp, RuleSuggester(nlp, CODES), settings)
    assert fitted.calibrator.likeness is likeness
    scores = fitted.scores(nlp, corpus(1))
    assert (scores.likeness is not None) is likeness
    if likeness:  # as the source gave it: a new passage's own likeness, no label in it
        model = fitted.model.score_corpus(TEXTS, np.arange(6))
        assert np.allclose(scores.likeness, model[3])
