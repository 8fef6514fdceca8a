"""What a coder or a data scientist would try instead: the evaluation's yardsticks.

- keyword search for the words of each code's name, in any form;
- scikit-learn's ``TfidfVectorizer`` (words and word pairs, sublinear counts) with a
  ``LogisticRegression`` per code, its cut-off tuned on the training part the way ours
  is (out-of-fold scores of inner folds by document, the cut with the best micro-F1);
- spaCy's ``textcat_multilabel`` alone, likewise (``--textcat``: it trains 25 models
  per evaluation and takes about a minute on the example project).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from spacy.language import Language

from .combine import best_threshold
from .data import CodeInfo, Corpus
from .rules import RuleSuggester, lemma_forms, lemma_of

# Train on a corpus, return a function scoring texts (segments x codes).
Trainer = Callable[[Corpus], Callable[[Sequence[str]], np.ndarray]]


def keyword_baseline(nlp: Language, codes: Sequence[CodeInfo]) -> RuleSuggester:
    """Search each code's name words (not stop words) in any form: what a coder would try."""
    stop = nlp.Defaults.stop_words
    keyword_codes = []
    for code in codes:
        name = code.name.replace("_", " ")
        words = [t.lower_ for t in nlp.make_doc(name) if t.is_alpha and t.lower_ not in stop]
        patterns = tuple([{"LOWER": {"IN": sorted(_any_form(word))}}] for word in words)
        keyword_codes.append(CodeInfo(code.id, code.name, patterns))
    baseline = RuleSuggester(nlp, keyword_codes)
    baseline.name = "keywords"
    return baseline


def _any_form(word: str) -> set[str]:
    """The word and the words that share its lookup lemma (funding: fund, funds, funded)."""
    return {word} | lemma_forms(word) | lemma_forms(lemma_of(word))


def tfidf_logistic(texts: Sequence[str]) -> Trainer:
    """TF-IDF of words and pairs seen in two of ``texts`` or more (the training part's:
    its inner folds share the vocabulary, as ours share the IDF) and a logistic
    regression per code (scikit-learn's defaults, liblinear): log-odds of each code."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    vectorizer = TfidfVectorizer(analyzer=_analyzed, sublinear_tf=True, min_df=2)
    try:
        vectorizer.fit(texts)
    except ValueError:  # no word in two texts: every word then
        vectorizer = TfidfVectorizer(analyzer=_analyzed, sublinear_tf=True).fit(texts)

    def train(corpus: Corpus) -> Callable[[Sequence[str]], np.ndarray]:
        x = vectorizer.transform(corpus.texts)
        models: list[Any] = []
        for j in range(len(corpus.codes)):
            rows = corpus.known[:, j]
            y = corpus.labels[rows, j]
            if y.all() or not y.any():  # one class only: a constant
                models.append(12.0 if y.any() else -12.0)
                continue
            models.append(LogisticRegression(solver="liblinear").fit(x[rows], y))

        def score(texts: Sequence[str]) -> np.ndarray:
            new = vectorizer.transform(texts)
            return np.column_stack(
                [
                    np.full(new.shape[0], m) if isinstance(m, float) else m.decision_function(new)
                    for m in models
                ]
            )

        return score

    return train


@functools.lru_cache(maxsize=100_000)
def _analyzed(text: str) -> tuple[str, ...]:
    """scikit-learn's default analyzer with ``ngram_range=(1, 2)``, kept per text: the
    evaluation fits 25 of these models on the same segments."""
    return tuple(_default_analyzer()(text))


@functools.cache
def _default_analyzer() -> Callable[[str], list[str]]:
    from sklearn.feature_extraction.text import TfidfVectorizer

    return TfidfVectorizer(ngram_range=(1, 2)).build_analyzer()


def textcat_trainer(nlp: Language, seed: int) -> Trainer:
    """spaCy's ``textcat_multilabel`` (``textcat``), trained and scoring as before."""
    from .textcat import TextcatSettings, TextcatSuggester, train_textcat
    from .training import score_texts

    def train(corpus: Corpus) -> Callable[[Sequence[str]], np.ndarray]:
        model = TextcatSuggester(train_textcat(corpus, TextcatSettings(seed=seed)), corpus.codes)
        return lambda texts: score_texts(nlp, [model], texts, processes=1)["model"]

    return train


def tuned(
    train: Trainer, corpus: Corpus, folds: Sequence[np.ndarray]
) -> tuple[Callable[[Sequence[str]], np.ndarray], float]:
    """A model trained on ``corpus`` and its cut-off: the best micro-F1 over out-of-fold
    scores of models trained without each of ``folds`` (inside ``corpus`` only)."""
    held_out = np.zeros(corpus.labels.shape)
    known = corpus.known.copy()
    for test in folds:
        if test.all():  # one group only: nothing to hold out
            known[:] = False
            break
        held_out[test] = train(corpus.rows(~test))(corpus.rows(test).texts)
    return train(corpus), best_threshold(held_out[known], corpus.labels[known])
