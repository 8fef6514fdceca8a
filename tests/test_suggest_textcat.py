"""spaCy's textcat, which the evaluation measures as a baseline (``--textcat``), on the
small made-up corpus of ``test_suggest_model``."""

from __future__ import annotations

import numpy as np
import pytest
from test_suggest_model import CODES, made_up_corpus

from qualcode.nlp import load_pipeline
from qualcode.suggest.batch import make_batch
from qualcode.suggest.data import CodeInfo
from qualcode.suggest.textcat import (
    PIPE,
    TextcatSettings,
    TextcatSuggester,
    load_textcat,
    save_textcat,
    train_textcat,
)

FAST = TextcatSettings(epochs=4, length=2**12, batch_size=32)


@pytest.fixture(scope="module")
def nlp():
    return load_pipeline()


@pytest.fixture(scope="module")
def corpus():
    return made_up_corpus()


@pytest.fixture(scope="module")
def trained(corpus):
    return train_textcat(corpus, FAST)


def test_the_model_learns_which_words_go_with_a_code(nlp, trained):
    model = TextcatSuggester(trained, CODES)
    batch = make_batch(nlp, ["I would trust them with anything.", "We went home on tuesday."])
    scores = model.score(batch)
    assert scores[0, 0] > scores[1, 0] and scores[0, 0] > scores[0, 1]


def test_fast_scores_are_the_models_own(nlp, trained, corpus):
    """Scoring a batch by hand gives what textcat.predict gives, Doc by Doc."""
    fast = TextcatSuggester(trained, CODES).score(make_batch(nlp, corpus.texts))
    predicted = trained.get_pipe(PIPE).predict([trained.make_doc(t) for t in corpus.texts])
    assert np.allclose(1 / (1 + np.exp(-fast)), predicted, atol=1e-4)


def test_model_evidence_names_the_words_that_weigh_most(nlp, trained):
    batch = make_batch(nlp, ["The budget was money well spent, we met on the tuesday."])
    evidence = TextcatSuggester(trained, CODES).evidence(batch, 0, 1)
    words = [word for word, _weight in evidence["words"]]
    assert {"budget", "money"} & set(words[:3])
    assert "the" not in words and 0 <= evidence["probability"] <= 1


def test_a_saved_model_scores_the_same_when_loaded(nlp, trained, corpus, tmp_path):
    save_textcat(trained, tmp_path / "textcat")
    batch = make_batch(nlp, corpus.texts[:20])
    again = TextcatSuggester(load_textcat(tmp_path / "textcat"), CODES).score(batch)
    assert np.array_equal(again, TextcatSuggester(trained, CODES).score(batch))


def test_a_code_the_model_never_saw_gets_no_score(nlp, trained):
    codes = [*CODES, CodeInfo("new", "New code")]
    scores = TextcatSuggester(trained, codes).score(make_batch(nlp, ["Trust me."]))
    assert scores[0, 3] == scores.min() < -10
