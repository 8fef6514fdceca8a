"""The linear model, calibration, and the cross-validated evaluation, on a small made-up corpus.

The corpus: six documents of 30 segments; segments about trust or money use their own
words, a third code has too few examples to learn.
"""

from __future__ import annotations

import random

import numpy as np
import pytest
import scipy.sparse as sp

from qualcode.errors import QualcodeError
from qualcode.nlp import load_pipeline
from qualcode.suggest.baselines import keyword_baseline
from qualcode.suggest.combine import Calibrator, Scores, best_threshold, fit_logistic
from qualcode.suggest.data import CodeInfo, Corpus
from qualcode.suggest.evaluate import METHODS, evaluate, precision_at, top1
from qualcode.suggest.linear import Kernels, LinearSettings, LinearSuggester
from qualcode.suggest.neighbours import Neighbours, nearest_mean
from qualcode.suggest.rules import RuleSuggester
from qualcode.suggest.training import fit, group_folds, score_texts

FAST = LinearSettings()
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
def trained(corpus) -> LinearSuggester:
    return Kernels(corpus).final(1.0, 0.5)


def test_the_model_learns_which_words_go_with_a_code(trained):
    scores = trained.score_texts(["I would trust them with anything.", "We went home on tuesday."])
    assert scores[0, 0] > scores[1, 0] and scores[0, 0] > scores[0, 1]


def test_a_longer_form_of_a_word_counts_through_its_stem(corpus):
    """ "trusting" never occurs in training; its first five letters do ("trust")."""
    model = Kernels(corpus).final(1.0, 0.5)
    scores = model.score_texts(["Trusting.", "Weather."])
    assert scores[0, 0] > scores[1, 0]


def test_model_evidence_is_the_models_own_weights(trained):
    text = "The budget was money well spent, Priya said, on the tuesday."
    words = dict(trained.evidence(text, 1, hidden=frozenset({"priya"})))
    assert {"budget", "money"} <= set(words)
    assert not {"the", "priya", ",", "on the"} & set(words)
    # a word's weight is its TF-IDF value times the model's weight: "money" alone scores
    # the code higher by about its weight (with one word, the value is 1/sqrt(2))
    alone = trained.score_texts(["money"])[0, 1] - trained.segment.bias[1]
    assert words["money"] > 0 and alone > 0


def test_counts_kept_between_calls_are_the_counts(monkeypatch):
    """The memo of counts overflows (it is cleared) without losing a text of the call."""
    from qualcode.suggest import linear

    monkeypatch.setattr(linear, "MEMO_SIZE", 5)
    monkeypatch.setattr(linear, "_MEMO", {})
    first, second = ["a b c", "d e f", "g h i"], ["d e f", "j k l", "m n o", "p q", "a b c"]
    for texts in (first, second, first):
        assert (linear.hashed_counts(texts) != linear._count(texts)).nnz == 0
    monkeypatch.setattr(linear, "MEMO_CALL", 2)  # many texts at once: counted directly
    assert (linear.hashed_counts(second) != linear._count(second)).nnz == 0


def test_a_saved_model_scores_the_same_when_loaded(trained, corpus):
    again = LinearSuggester.from_bytes(CODES, trained.to_bytes())
    assert np.array_equal(again.score_texts(corpus.texts), trained.score_texts(corpus.texts))
    passages = corpus.passage_texts()[:5]
    assert np.array_equal(again.score_passages(passages), trained.score_passages(passages))


def test_passages_are_runs_of_a_speaker_with_only_white_space_between():
    from types import SimpleNamespace as Row

    from qualcode.suggest.data import passage_groups

    text = "A: One. Two.\n\nThree.\nB: Four.\n## Next\nB: Five."
    spans = [(3, 7, "A"), (8, 12, "A"), (14, 20, "A"), (24, 29, "B"), (41, 46, "B")]
    rows = [Row(document_id="d", start=s, end=e, speaker_id=who) for s, e, who in spans]
    assert [text[r.start : r.end] for r in rows] == ["One.", "Two.", "Three.", "Four.", "Five."]
    assert passage_groups(rows, {"d": text}).tolist() == [0, 0, 0, 1, 2]


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
    assert fitted.model is not None
    assert fitted.calibrator.learnable.tolist() == [True, True, False]
    assert set(fitted.calibrator.thresholds) == {"rules", "model", "combined"}
    scores = fitted.scores(nlp, corpus)  # training segments get their held-out scores
    assert np.array_equal(scores.model, fitted.held_out[0])
    assert np.array_equal(scores.passage, fitted.held_out[1])
    assert not np.allclose(scores.model, fitted.model.score_texts(corpus.texts))


def test_a_code_without_patterns_is_never_suggested_by_the_rules(nlp, corpus):
    codes = [CODES[0], CodeInfo("money", "Money"), CODES[2]]  # Money has no patterns
    bare = Corpus(codes, corpus.segment_ids, corpus.documents, corpus.texts, corpus.labels,
                  corpus.known)  # fmt: skip
    fitted = fit(bare, nlp, RuleSuggester(nlp, codes), FAST, inner_folds=3)
    scores = fitted.scores(nlp, bare)
    assert not fitted.calibrator.suggests("rules", scores)[:, 1].any()
    assert fitted.calibrator.probability("rules", scores)[:, 1].max() == 0


@pytest.fixture(scope="module")
def evaluation(nlp, corpus):
    return evaluate(corpus, nlp, folds=3, settings=FAST, inner_folds=2, processes=2)


def test_top1_and_precision_at_k_by_hand():
    score = np.array([[0.9, 0.1], [0.2, 0.8], [0.7, 0.6]])
    labels = np.array([[True, False], [True, False], [False, False]])
    known = np.ones_like(labels)
    assert top1(score, labels, known) == 0.5  # row 0 right, row 1 wrong, row 2 has no code
    documents = np.array(["a", "a", "b"], dtype=object)
    # a: pairs by score 0.9 (right), 0.8, 0.2 (right), 0.1 -> 1/2 at k=2; b: 0 right of 2
    assert precision_at(score, labels, known, documents, 2) == 0.25


def test_evaluation_tests_each_document_on_a_model_that_never_saw_it(evaluation, corpus):
    tested = [doc for fold in evaluation.folds for doc in fold.test_documents]
    assert sorted(tested) == sorted(set(corpus.documents))
    for fold in evaluation.folds:
        assert not set(fold.test_documents) & set(fold.train_documents)
    assert sum(fold.test_segments for fold in evaluation.folds) == len(corpus)


def test_evaluation_reports_every_method_and_code(evaluation):
    assert set(evaluation.summary) == set(METHODS) - {"textcat"}  # textcat: only when asked
    for method in evaluation.methods:
        found = evaluation.summary[method]
        assert set(found["micro"]) == {"precision", "recall", "f1", "tp", "fp", "fn"}
        assert 0 <= evaluation.micro_f1(method) <= 1 and 0 <= found["top1"] <= 1
        assert set(found["precision_at"]) == {"5", "10", "25"}
    # the words are plain: the model and the tuned TF-IDF baseline both find them
    assert evaluation.micro_f1("model") > 0.5 and evaluation.micro_f1("tfidf_lr") > 0.5
    assert [code["code"] for code in evaluation.codes] == ["Trust", "Money", "Rare"]
    shape = evaluation.to_json()
    assert set(shape) == {"methods", "summary", "codes", "folds", "settings", "held_out"}


def test_a_code_with_too_few_examples_is_reported_as_such(evaluation):
    notes = {code["code"]: code["note"] for code in evaluation.codes}
    assert notes["Trust"] is None and notes["Money"] is None
    assert notes["Rare"] == (
        "too few examples to learn in 3 of 3 folds (2 coded segments in all; the model "
        "needs 5 in a training part)"
    )
    assert all("Rare" in fold.too_few_examples for fold in evaluation.folds)


def test_textcat_is_measured_when_asked(nlp, corpus):
    found = evaluate(corpus, nlp, folds=2, inner_folds=2, textcat=True, processes=1)
    assert "textcat" in found.summary and found.methods[2] == "textcat"


def test_evaluation_needs_two_coded_documents(nlp):
    one = made_up_corpus(documents=1)
    with pytest.raises(QualcodeError, match="code at least two documents"):
        evaluate(one, nlp, folds=3, settings=FAST)


def test_keyword_baseline_searches_code_names_in_any_form(nlp):
    codes = [CodeInfo("a", "Independent funding"), CodeInfo("b", "Trust")]
    baseline = keyword_baseline(nlp, codes)
    texts = ["They funded it.", "We trusted them.", "Independence day."]
    hits = score_texts(nlp, [baseline], texts)["keywords"] > 0
    assert hits.tolist() == [[True, False], [False, True], [False, False]]


def test_folds_run_in_parallel_give_the_same_result(nlp, corpus, evaluation):
    serial = evaluate(corpus, nlp, folds=3, settings=FAST, inner_folds=2, processes=1)
    assert serial.summary == evaluation.summary


def test_penalties_are_chosen_inside_the_training_part(nlp, corpus):
    """Each fold picks its ridge penalties from the grid by its own inner folds; a fixed
    penalty is used as given."""
    rules = RuleSuggester(nlp, CODES)
    chosen = fit(corpus, nlp, rules, LinearSettings(), inner_folds=2).info["penalties"]
    grid = LinearSettings().penalties
    assert chosen["segment"] in grid and chosen["passage"] in grid
    fixed = LinearSettings(segment_penalty=3.0, passage_penalty=0.7)
    assert fit(corpus, nlp, rules, fixed, inner_folds=2).info["penalties"] == {
        "segment": 3.0,
        "passage": 0.7,
    }


def test_documents_kept_apart_teach_nothing(nlp, corpus):
    """Whatever the kept-apart documents' labels, the cross-validation and the models
    tested on them (penalties included) are the same; only their own scores change."""
    kept = ["doc-4", "doc-5"]
    first = evaluate(corpus, nlp, folds=2, inner_folds=2, processes=1, hold_out=kept)
    scrambled = corpus.labels.copy()
    rows = np.isin(corpus.documents, kept)
    scrambled[rows] = np.roll(scrambled[rows], 1, axis=1)
    relabelled = Corpus(
        corpus.codes, corpus.segment_ids, corpus.documents, corpus.texts, scrambled,
        corpus.known,
    )  # fmt: skip
    second = evaluate(relabelled, nlp, folds=2, inner_folds=2, processes=1, hold_out=kept)
    assert first.summary == second.summary
    assert first.held_out is not None and second.held_out is not None
    assert first.held_out.folds == second.held_out.folds
    assert first.held_out.folds[0].test_documents == kept
    assert first.held_out.folds[0].penalties is not None
    assert first.held_out.summary != second.held_out.summary
    assert first.settings["documents"] == 4


def test_the_codebooks_words_teach_the_model_a_code_nobody_has_coded_like_that(corpus):
    """A code's example sentence is a training row of that code, in every fold."""
    codes = [CODES[0], CODES[1], CodeInfo("rare", "Rare", ("zebra",), ("A giraffe walked by.",))]
    with_book = Corpus(
        codes, corpus.segment_ids, corpus.documents, corpus.texts, corpus.labels, corpus.known
    )
    plain = Kernels(with_book).final(1.0, 0.5).score_texts(["giraffe"])[0, 2]
    taught = Kernels(with_book, codebook=True)
    assert taught.extra == 1
    assert taught.final(1.0, 0.5).score_texts(["giraffe"])[0, 2] > plain + 0.1
    segment, _passage, _similar = taught.held_out(corpus.documents != "doc-0", [1.0], [0.5])
    assert segment.shape == (1, int((corpus.documents == "doc-0").sum()), 3)  # no book rows


def test_similar_passages_score_the_mean_of_the_closest_coded_ones():
    """Per code, the mean of the k largest cosines to training rows with that code."""
    similarity = np.array([[0.9, 0.1, 0.5, 0.3], [0.0, 0.8, 0.2, 0.4]])
    coded = np.array([[1, 0], [0, 1], [1, 0], [1, 1]], dtype=bool)
    assert np.allclose(nearest_mean(similarity, coded, 1), [[0.9, 0.3], [0.4, 0.8]])
    assert np.allclose(nearest_mean(similarity, coded, 2), [[0.7, 0.2], [0.3, 0.6]])
    assert np.allclose(nearest_mean(similarity, coded, 9)[:, 0], [1.7 / 3, 0.6 / 3])  # all 3
    assert not nearest_mean(similarity, np.zeros((4, 1), dtype=bool)).any()  # nobody coded


def test_a_saved_model_keeps_its_similar_passages(corpus):
    trained = Kernels(corpus, neighbours=3).final(1.0, 0.5)
    again = LinearSuggester.from_bytes(CODES, trained.to_bytes())
    passages = np.arange(len(corpus)) // 3
    found = trained.score_corpus(corpus.texts, passages)
    assert trained.neighbours is not None and found[2].max() > 0
    assert np.array_equal(again.score_corpus(corpus.texts, passages), found)


def plain_nearest_mean(similarity: np.ndarray, labels: np.ndarray, k: int) -> np.ndarray:
    """The reference: per row and code, sort the coded rows' values, average the k first."""
    found = np.zeros((similarity.shape[0], labels.shape[1]))
    for i, row in enumerate(similarity):
        for j in range(labels.shape[1]):
            values = sorted(row[labels[:, j]], reverse=True)[:k]
            found[i, j] = np.mean(values) if values else 0.0
    return found


def test_similar_passages_fast_path_equals_the_plain_computation():
    """Codes of very different sizes (one with none, some with fewer than k), ties and
    zeros among the values: the same means as sorting each row and code."""
    rng = np.random.default_rng(1)
    similarity = np.round(rng.random((37, 50)), 1)  # many ties
    similarity[:, ::7] = 0
    labels = rng.random((50, 6)) < np.array([0.9, 0.5, 0.1, 0.04, 0.02, 0.0])
    for k in (1, 3, 5, 60):
        expected = plain_nearest_mean(similarity, labels, k)
        assert np.allclose(nearest_mean(similarity, labels, k), expected, atol=1e-6)
    assert nearest_mean(similarity[:0], labels).shape == (0, 6)


def test_similar_passages_split_their_product_without_changing_it(monkeypatch):
    """Common n-grams multiplied densely, the rest sparsely, passages with no code left
    out, in blocks: the same scores as the plain product and sort."""
    rng = np.random.default_rng(0)
    dense = rng.random((60, 400)) * (rng.random((60, 400)) < np.linspace(0.9, 0.01, 400))
    vectors = sp.csr_matrix(dense / np.linalg.norm(dense, axis=1, keepdims=True))
    coded = rng.random((60, 3)) < 0.3
    coded[:5] = False  # passages nobody coded
    near = Neighbours(vectors, coded, 4)
    common = near._split[1].shape[0]
    assert 0 < common < 400  # some columns common, some not
    x = sp.csr_matrix(rng.random((25, 400)) * (rng.random((25, 400)) < 0.2), dtype=np.float32)
    expected = plain_nearest_mean((x @ vectors.T).toarray(), coded, 4)
    assert np.allclose(near.score(x), expected, atol=1e-5)
    monkeypatch.setattr("qualcode.suggest.neighbours.BLOCK", 4)
    assert np.allclose(near.score(x), expected, atol=1e-5)


def test_models_saved_at_once_by_many_writers_leave_one_whole_folder(tmp_path):
    """Two selections ranked at once (or two server workers) train and save the same
    coder's model: each write lands whole, the last one wins, nothing is left over."""
    import threading

    from qualcode.suggest.saved import swap_in

    target = tmp_path / "models" / "coder-x"
    errors = []

    def write(n: int) -> None:
        fresh = tmp_path / "models" / f".coder-x.{n}"
        fresh.mkdir(parents=True)
        for part in ("model.bin", "calibration.json"):
            (fresh / part).write_text(str(n))
        try:
            swap_in(fresh, target)
        except Exception as error:  # the test reports any
            errors.append(error)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert {p.read_text() for p in target.iterdir()} == {(target / "model.bin").read_text()}
    assert sorted(p.name for p in target.iterdir()) == ["calibration.json", "model.bin"]
    assert [p.name for p in target.parent.iterdir()] == ["coder-x"]


def test_scores_from_worker_processes_equal_those_of_one_process(nlp, monkeypatch):
    """A big project is scored in forked workers, each writing its rows into arrays shared
    with the parent: the same rules, models and similar passages, row for row."""
    from dataclasses import replace

    fitted = fit(made_up_corpus(), nlp, RuleSuggester(nlp, CODES), FAST)
    new = made_up_corpus(documents=10, seed=1)
    new = replace(new, segment_ids=new.segment_ids + 10_000)  # none held out in training
    alone = fitted.scores(nlp, new)
    monkeypatch.setattr("qualcode.suggest.training.PARALLEL_FROM", 10)
    monkeypatch.setattr("qualcode.suggest.training.CHUNK", 40)
    monkeypatch.setattr("qualcode.suggest.training.worker_count", lambda: 2)
    shared = fitted.scores(nlp, new)
    assert alone.similar is not None and (alone.rules > 0).any()
    for name in ("rules", "model", "passage", "similar"):
        assert np.allclose(getattr(shared, name), getattr(alone, name), atol=1e-6), name
