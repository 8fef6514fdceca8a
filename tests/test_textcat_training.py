"""Training the model on n-gram features made once per text trains spaCy's model exactly.

``train_textcat`` takes the steps of ``textcat.update`` itself, so that cross-validation
does not tokenize and extract n-grams again at every update of every fold's model. The
reference here is spaCy's own loop, one ``Example`` per segment: the weights must come
out the same to the last bit.
"""

from __future__ import annotations

import random

import numpy as np
import pytest
from spacy.training import Example
from spacy.util import fix_random_seed, minibatch
from test_suggest_model import made_up_corpus
from test_suggest_textcat import FAST
from thinc.api import Adam

from qualcode.suggest.data import CodeInfo, Corpus
from qualcode.suggest.textcat import PIPE, TextcatSettings, _blank, train_textcat


def trained_by_spacy(corpus: Corpus, settings: TextcatSettings):
    """The model as spaCy's ``textcat.update`` trains it from Examples."""
    fix_random_seed(settings.seed)
    nlp = _blank(corpus.codes, settings)
    ids = [code.id for code in corpus.codes]
    examples = []
    for i in np.flatnonzero(corpus.labelled):
        cats = {ids[j]: float(corpus.labels[i, j]) for j in np.flatnonzero(corpus.known[i])}
        examples.append(Example.from_dict(nlp.make_doc(corpus.texts[i]), {"cats": cats}))
    for code in corpus.codes:
        for text in code.codebook_texts:
            examples.append(Example.from_dict(nlp.make_doc(text), {"cats": {code.id: 1.0}}))
    optimizer = Adam(settings.learn_rate, L2=0.0, grad_clip=settings.grad_clip, use_averages=False)
    nlp.initialize(lambda: examples, sgd=optimizer)
    textcat = nlp.get_pipe(PIPE)
    order = random.Random(settings.seed)
    for _epoch in range(settings.epochs):
        order.shuffle(examples)
        for batch in minibatch(examples, size=settings.batch_size):
            textcat.update(batch, sgd=optimizer, losses={})
    return nlp


def weights(nlp) -> list[np.ndarray]:
    linear = nlp.get_pipe(PIPE).model.get_ref("output_layer")
    return [linear.get_param("W"), linear.get_param("b")]


def with_unknown_labels_and_codebook_texts(corpus: Corpus) -> Corpus:
    """Some labels unknown (a rejected suggestion teaches one code only), and codebook
    examples that teach their own code."""
    known = corpus.known.copy()
    known[::7, 1:] = False
    codes = [
        CodeInfo(code.id, code.name, code.patterns, (f"An example about {code.name.lower()}.",))
        for code in corpus.codes
    ]
    return Corpus(codes, corpus.segment_ids, corpus.documents, corpus.texts, corpus.labels, known)


@pytest.mark.parametrize("seed", [0, 3])
def test_training_on_features_gives_spacys_weights_to_the_bit(seed: int) -> None:
    corpus = with_unknown_labels_and_codebook_texts(made_up_corpus(seed=seed))
    settings = TextcatSettings(**{**FAST.__dict__, "seed": seed})
    ours, spacys = (
        weights(train_textcat(corpus, settings)),
        weights(trained_by_spacy(corpus, settings)),
    )
    assert all(np.array_equal(a, b) for a, b in zip(ours, spacys, strict=True))
    assert np.abs(ours[0]).max() > 0  # it learnt something


def test_a_second_model_on_the_same_texts_is_the_same_model() -> None:
    """Features kept from the first training serve the second unchanged."""
    corpus = made_up_corpus()
    first, second = weights(train_textcat(corpus, FAST)), weights(train_textcat(corpus, FAST))
    assert all(np.array_equal(a, b) for a, b in zip(first, second, strict=True))
