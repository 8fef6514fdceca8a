"""The textcat model, calibration, and the cross-validated evaluation, on a small made-up corpus.

The corpus: six documents of 30 segments; segments about trust or money use their own
words, a third code has too few examples to learn. One small model is trained once.
"""

from __future__ import annotations

import random

import numpy as np
import pytest

from qualcode.errors import QualcodeError
from qualcode.nlp import load_pipeline
from qualcode.suggest.batch import make_batch
from qualcode.suggest.combine import Calibrator, Scores, best_threshold, fit_logistic
from qualcode.suggest.data import CodeInfo, Corpus
from qualcode.suggest.evaluate import EVALUATED, evaluate, keyword_baseline
from qualcode.suggest.rules import RuleSuggester
from qualcode.suggest.textcat import (
    PIPE,
    TextcatSettings,
    TextcatSuggester,
    load_textcat,
    save_textcat,
    train_textcat,
)
from qualcode.suggest.training import fit, group_folds, score_texts

FAST = TextcatSettings(epochs=4, length=2**12, batch_size=32)
FILLER_WORDS = "we met on the tuesday and talked about the weather then went home again"
FILLER = FILLER_WORDS.split()
TOPICS = {
    "Trust": ["trust", "rely", "faith", "honest"],
    "Money": ["money", "budget", "fund", "grant"],
    "Rare": ["zebra"],
}
CODES = [
    CodeInfo("trust", "Trust", ("rely on", [{"LEMMA": "trust"}])),
    CodeInfo("money", "Money", ("our own money",)),
    CodeInfo("rare", "Rare", ("zebra",)),
]


def made_up_corpus(documents: int = 6, per_document: int = 30, seed: int = 0) -> Corpus:
    rng = random.Random(seed)
    texts, docs, labels = [], [], []
    for d in range(documents):
        for i in range(per_document):
            words = rng.sample(FILLER, 6)
            row = [False, False, False]
            j = rng.choice([0, 1, None, None]) if not (d < 2 and i == 5) else 2
            if j is not None:
                row[j] = True
                words.insert(rng.randrange(6), rng.choice(TOPICS[CODES[j].name]))
            texts.append(" ".join(words).capitalize() + ".")
            docs.append(f"doc-{d}")
            labels.append(row)
    labels = np.array(labels)
    return Corpus(
        CODES, np.arange(len(texts)), np.array(docs, dtype=object), texts, labels,
        np.ones_like(labels),
    )  # fmt: skip


@pytest.fixture(scope="module")
def nlp():
    return load_pipeline()


@pytest.fixture(scope="module")
def corpus() -> Corpus:
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


def test_logistic_fit_and_best_threshold():
    x = np.column_stack([np.ones(200), np.r_[np.zeros(100), np.ones(100)]])
    y = np.r_[np.zeros(90), np.ones(10), np.zeros(20), np.ones(80)]
    w = fit_logistic(x, y, l2=0.0)
    p = 1 / (1 + np.exp(-(x @ w)))
    assert p[0] == pytest.approx(0.1, abs=0.01) and p[-1] == pytest.approx(0.8, abs=0.01)
    assert 0.1 < best_threshold(p, y.astype(bool)) < 0.8
    assert best_threshold(p, np.zeros(200, dtype=bool)) == 0.5


def test_an_uncalibrated_rule_hit_scores_one_half():
    calibrator = Calibrator.uncalibrated(2)
    rules = np.array([[1.0, 0.0]])
    assert calibrator.probability("combined", Scores.alone(rules)).round(3).tolist() == [[0.5, 0]]
    assert calibrator.suggests("combined", Scores.alone(rules)).tolist() == [[True, False]]


def test_folds_never_split_a_document():
    documents = np.array([f"d{i % 7}" for i in range(70)], dtype=object)
    folds = group_folds(documents, 3, seed=1)
    assert len(folds) == 3 and sum(int(f.sum()) for f in folds) == 70
    for test in folds:
        assert not set(documents[test]) & set(documents[~test])


def test_fit_calibrates_on_documents_the_model_did_not_learn(nlp, corpus):
    fitted = fit(corpus, nlp, RuleSuggester(nlp, CODES), FAST, inner_folds=3)
    assert fitted.textcat is not None
    assert fitted.calibrator.learnable.tolist() == [True, True, False]
    assert set(fitted.calibrator.thresholds) == {"rules", "model", "combined"}
    scores = fitted.scores(nlp, corpus)  # training segments get their held-out scores
    assert np.array_equal(scores.model, fitted.held_out)


@pytest.fixture(scope="module")
def evaluation(nlp, corpus):
    return evaluate(corpus, nlp, folds=3, settings=FAST, inner_folds=2, processes=2)


def test_evaluation_tests_each_document_on_a_model_that_never_saw_it(evaluation, corpus):
    tested = [doc for fold in evaluation.folds for doc in fold.test_documents]
    assert sorted(tested) == sorted(set(corpus.documents))
    for fold in evaluation.folds:
        assert not set(fold.test_documents) & set(fold.train_documents)
    assert sum(fold.test_segments for fold in evaluation.folds) == len(corpus)


def test_evaluation_reports_every_method_and_code(evaluation):
    assert set(evaluation.summary) == set(EVALUATED)
    for method in EVALUATED:
        assert set(evaluation.summary[method]["micro"]) == {
            "precision", "recall", "f1", "tp", "fp", "fn",
        }  # fmt: skip
        assert 0 <= evaluation.micro_f1(method) <= 1
    assert [code["code"] for code in evaluation.codes] == ["Trust", "Money", "Rare"]
    shape = evaluation.to_json()
    assert set(shape) == {"methods", "summary", "codes", "folds", "settings"}


def test_a_code_with_too_few_examples_is_reported_as_such(evaluation):
    notes = {code["code"]: code["note"] for code in evaluation.codes}
    assert notes["Trust"] is None and notes["Money"] is None
    assert notes["Rare"] == (
        "too few examples to learn in 3 of 3 folds (2 coded segments in all; the model "
        "needs 5 in a training part)"
    )
    assert all("Rare" in fold.too_few_examples for fold in evaluation.folds)


def test_evaluation_needs_two_coded_documents(nlp):
    one = made_up_corpus(documents=1)
    with pytest.raises(QualcodeError, match="code at least two documents"):
        evaluate(one, nlp, folds=3, settings=FAST)


def test_keyword_baseline_searches_code_names_in_any_form(nlp):
    codes = [CodeInfo("a", "Independent funding"), CodeInfo("b", "Trust")]
    baseline = keyword_baseline(nlp, codes)
    texts = ["They funded it.", "We trusted them.", "Independence day."]
    hits = score_texts(nlp, [baseline], texts)["baseline"] > 0
    assert hits.tolist() == [[True, False], [False, True], [False, False]]


def test_folds_run_in_parallel_give_the_same_result(nlp, corpus, evaluation):
    serial = evaluate(corpus, nlp, folds=3, settings=FAST, inner_folds=2, processes=1)
    assert serial.summary == evaluation.summary
