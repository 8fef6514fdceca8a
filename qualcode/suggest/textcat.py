"""Model suggestions: spaCy ``textcat_multilabel`` trained on the segments people coded.

The model is a bag of words and word pairs (spaCy's ``TextCatBOW`` over lower-cased
tokens): a linear model that learns from a few hundred short segments in seconds and
scores many thousands a second. A neural text classifier would need more examples
than a study's coded segments give, and would be too slow for scoring a whole corpus
on a laptop CPU.

Training takes the steps of spaCy's ``textcat.update`` (the model's forward pass, its
loss and gradient, the optimizer), but feeds the linear layer n-gram keys made once per
segment text instead of extracting them again from a ``Doc`` at every update: the same
model (tested against ``textcat.update``), many times faster, and cross-validation,
which trains many models on the same segments, tokenizes each segment once. Scoring
likewise turns a ``Batch`` (many segments in one Doc) into the n-gram keys the model
extracts, per segment, with numpy, and feeds them to the linear layer, which gives the
model's exact scores (tested against ``textcat.predict``).
Because the model is linear, the weight of each word in a segment can be read off
cheaply: that is the model's evidence.
"""

from __future__ import annotations

import functools
import random
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import spacy
from spacy.attrs import IDS
from spacy.lang.en import English
from spacy.language import Language
from spacy.ml.models.textcat import build_bow_text_classifier_v3
from spacy.tokenizer import Tokenizer
from spacy.training import Example
from spacy.util import fix_random_seed, minibatch, registry
from thinc.api import Adam, Model, NumpyOps

from .base import SuggestContext, register_suggester
from .batch import Batch
from .data import CodeInfo, Corpus

ARCHITECTURE = "qualcode.TextCatBOW.v1"
PIPE = "textcat_multilabel"
LOGIT_CLIP = 12.0


@registry.architectures(ARCHITECTURE)
def bow_text_classifier(
    exclusive_classes: bool,
    ngram_size: int,
    no_output_layer: bool,
    length: int = 262144,
    attr: str = "LOWER",
    nO: int | None = None,
) -> Model:
    """spaCy's ``TextCatBOW.v3`` on a token attribute of choice (it fixes ``ORTH``)."""
    model = build_bow_text_classifier_v3(exclusive_classes, ngram_size, no_output_layer, length, nO)
    for node in model.walk():
        if node.name == "extract_ngrams":
            node.attrs["attr"] = IDS[attr]
    return model


@dataclass(frozen=True)
class TextcatSettings:
    """How the model is built and trained; saved with it so a reload is the same model."""

    ngram_size: int = 2
    attr: str = "LOWER"
    length: int = 2**16  # hashed n-gram slots per code: ample for a study's vocabulary
    epochs: int = 10
    batch_size: int = 256
    learn_rate: float = 0.05
    grad_clip: float = 1.0  # clipping each update's gradient norm steadies the few examples
    codebook_texts: bool = True  # learn from the codebook's examples and definitions too
    seed: int = 0


@functools.cache
def _tokenizer() -> Tokenizer:
    """The English tokenizer every model is trained with, built once per process: building
    one (its special cases) takes longer than training a small model."""
    return spacy.blank("en").tokenizer


@functools.lru_cache(maxsize=200_000)
def ngram_features(text: str, attr: str, ngram_size: int) -> tuple[np.ndarray, np.ndarray, int]:
    """(n-gram keys, counts, tokens) of one text: what the model's ``extract_ngrams`` makes
    of its Doc (unique keys, sorted). Kept per process, since cross-validation trains
    many models on the same segments."""
    unigrams = _tokenizer()(text).to_array(IDS[attr]).astype(np.uint64)
    ops = NumpyOps()
    grams = [ops.ngrams(n, unigrams) for n in range(2, ngram_size + 1) if len(unigrams) >= n]
    keys, counts = np.unique(np.concatenate([unigrams, *grams]), return_counts=True)
    return keys, counts.astype(np.float32), len(unigrams)


def _blank(codes: Sequence[CodeInfo], settings: TextcatSettings) -> Language:
    tokenizer = _tokenizer()
    nlp = English(vocab=tokenizer.vocab, create_tokenizer=lambda _nlp: tokenizer)
    model = {
        "@architectures": ARCHITECTURE,
        "exclusive_classes": False,
        "ngram_size": settings.ngram_size,
        "no_output_layer": False,
        "length": settings.length,
        "attr": settings.attr,
    }
    textcat = nlp.add_pipe(PIPE, config={"model": model, "threshold": 0.5})
    for code in codes:
        textcat.add_label(code.id)
    return nlp


def train_textcat(corpus: Corpus, settings: TextcatSettings | None = None) -> Language:
    """A pipeline with a trained ``textcat_multilabel``, labels = code ids.

    Only known labels teach (spaCy treats a label missing from ``cats`` as unknown),
    so segments known only through a rejected suggestion are used for that code alone.
    The codebook's example quotes, definitions and "use when" notes teach too, each as
    a positive of its own code (in cross-validation this lifted the model's average
    precision by about a quarter: a code has only a few dozen coded segments).
    """
    settings = settings or TextcatSettings()
    fix_random_seed(settings.seed)
    nlp = _blank(corpus.codes, settings)
    rows = np.flatnonzero(corpus.labelled)
    texts = [corpus.texts[i] for i in rows]
    truths, known = corpus.labels[rows].astype(np.float32), corpus.known[rows].astype(np.float32)
    if settings.codebook_texts:  # each a positive of its own code, unknown for the others
        extra = [(j, text) for j, code in enumerate(corpus.codes) for text in code.codebook_texts]
        texts += [text for _j, text in extra]
        marks = np.zeros((len(extra), len(corpus.codes)), dtype=np.float32)
        marks[np.arange(len(extra)), [j for j, _text in extra]] = 1.0
        truths, known = np.vstack([truths, marks]), np.vstack([known, marks])
    if not texts:
        raise ValueError("no coded segments to learn from")
    # Adam without weight averaging or decay: each is one more pass over every weight
    # per update, and a BOW model has ``length`` weights per code. Clipping stays: it
    # made the model markedly better in cross-validation.
    optimizer = Adam(settings.learn_rate, L2=0.0, grad_clip=settings.grad_clip, use_averages=False)
    ids = [code.id for code in corpus.codes]
    sample = [  # initializing looks at ten examples, for the model's shape only
        Example.from_dict(
            nlp.make_doc(texts[k]),
            {"cats": {ids[j]: float(truths[k, j]) for j in np.flatnonzero(known[k])}},
        )
        for k in range(min(10, len(texts)))
    ]
    nlp.initialize(lambda: sample, sgd=optimizer)
    textcat = nlp.get_pipe(PIPE)
    features = [ngram_features(text, settings.attr, settings.ngram_size) for text in texts]
    order, examples = random.Random(settings.seed), list(range(len(texts)))
    for _epoch in range(settings.epochs):
        order.shuffle(examples)
        for batch in minibatch(examples, size=settings.batch_size):
            _update(textcat, optimizer, [features[k] for k in batch], truths[batch], known[batch])
    return nlp


def _update(
    textcat: Any,
    optimizer: Any,
    features: list[tuple[np.ndarray, np.ndarray, int]],
    truths: np.ndarray,
    known: np.ndarray,
) -> None:
    """One step of ``textcat.update`` on a batch given as n-gram features: the linear
    layer, the sigmoid, the squared error over known labels, back, and the optimizer."""
    if not any(tokens for _keys, _counts, tokens in features):
        return  # as spaCy does when no Doc of the batch has a token
    linear, ops = textcat.model.get_ref("output_layer"), textcat.model.ops
    keys = np.concatenate([keys for keys, _counts, _tokens in features])
    counts = np.concatenate([counts for _keys, counts, _tokens in features])
    lengths = np.array([len(keys) for keys, _counts, _tokens in features], dtype=np.int32)
    logits, backprop = linear.begin_update((keys, counts, lengths))
    scores = ops.sigmoid(logits, inplace=False)
    d_scores = (scores - truths) * known
    backprop(np.ascontiguousarray(d_scores * ops.dsigmoid(scores, inplace=False)))
    textcat.finish_update(optimizer)


class TextcatSuggester:
    """Scores segments with a trained pipeline's ``textcat_multilabel``, as log-odds."""

    name = "model"

    def __init__(self, nlp: Language, codes: Sequence[CodeInfo]) -> None:
        self.nlp = nlp
        self.codes = list(codes)
        textcat = nlp.get_pipe(PIPE)
        column = {label: k for k, label in enumerate(textcat.labels)}
        # The model's columns for our codes; a code it has never seen gets none (-1).
        self.columns = np.array([column.get(code.id, -1) for code in self.codes])
        self.linear = textcat.model.get_ref("output_layer")
        extract = next(node for node in textcat.model.walk() if node.name == "extract_ngrams")
        self.attr = extract.attrs["attr"]
        self.ngram_size = extract.attrs["ngram_size"]

    def _keys(self, batch: Batch) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(unique n-gram keys, counts, segment row) sorted by row, as extract_ngrams does."""
        unigrams = batch.doc.to_array(self.attr).astype(np.uint64)
        owner = batch.segment_of_tokens()
        keys, rows = [unigrams], [owner]
        ops = self.linear.ops
        for n in range(2, self.ngram_size + 1):
            if len(unigrams) < n:
                break
            keys.append(np.asarray(ops.ngrams(n, unigrams), dtype=np.uint64))
            first, last = owner[: len(owner) - n + 1], owner[n - 1 :]
            rows.append(np.where(first == last, first, -1))
        key, row = np.concatenate(keys), np.concatenate(rows)
        key, row = key[row >= 0], row[row >= 0]
        order = np.lexsort((key, row))
        key, row = key[order], row[order]
        new = np.ones(len(key), dtype=bool)
        new[1:] = (key[1:] != key[:-1]) | (row[1:] != row[:-1])
        first = np.flatnonzero(new)
        counts = np.diff(np.r_[first, len(key)]).astype(np.float32)
        return key[first], counts, row[first]

    def logits(self, batch: Batch) -> np.ndarray:
        """(segments x model labels): the linear layer's output before the sigmoid."""
        keys, counts, rows = self._keys(batch)
        lengths = np.bincount(rows, minlength=len(batch)).astype(np.int32)
        return np.asarray(self.linear.predict((keys, counts, lengths)))

    def score(self, batch: Batch) -> np.ndarray:
        """(segments x codes) log-odds; a code unknown to the model gets -LOGIT_CLIP."""
        logits = np.clip(self.logits(batch), -LOGIT_CLIP, LOGIT_CLIP)
        scores = np.full((len(batch), len(self.codes)), -LOGIT_CLIP, dtype=np.float32)
        seen = self.columns >= 0
        scores[:, seen] = logits[:, self.columns[seen]]
        return scores

    def evidence(self, batch: Batch, row: int, code: int, top: int = 5) -> dict[str, Any]:
        """The model's probability and the words (and pairs) that pushed it up most.

        The model is linear, so a word's weight for a code is the linear layer's output
        for that word alone minus the bias: one call for all the words of the segment.
        """
        column = int(self.columns[code])
        logit = float(self.score(batch)[row, code])
        found: dict[str, Any] = {"probability": round(float(1 / (1 + np.exp(-logit))), 4)}
        if column < 0:
            return found
        span = batch.span(row)
        names = self._names(span)
        keys = np.array(list(names), dtype=np.uint64)
        if not len(keys):
            return found
        alone = self.linear.predict(
            (keys, np.ones(len(keys), dtype=np.float32), np.ones(len(keys), dtype=np.int32))
        )
        weights = np.asarray(alone)[:, column] - np.asarray(self.linear.get_param("b"))[column]
        ranked = sorted(zip(weights.tolist(), keys.tolist(), strict=True), reverse=True)
        found["words"] = [[names[k], round(w, 3)] for w, k in ranked[:top] if w > 0]
        return found

    def _names(self, span: Any) -> dict[int, str]:
        """n-gram key -> the words it stands for, for one segment.

        N-grams of stop words and punctuation alone ("of the", ",") are left out: they
        carry weight in the model but tell a coder nothing.
        """
        unigrams = span.doc.to_array(self.attr)[span.start : span.end].astype(np.uint64)
        words = [token.text.lower() for token in span]
        empty = [token.is_stop or token.is_punct or token.is_space for token in span]
        names = {}
        for n in range(1, self.ngram_size + 1):
            if len(unigrams) < n:
                break
            grams = unigrams if n == 1 else self.linear.ops.ngrams(n, unigrams)
            for i, key in enumerate(grams.tolist()):
                if not all(empty[i : i + n]):
                    names[int(key)] = " ".join(words[i : i + n])
        return names


def save_textcat(nlp: Language, path: Path) -> None:
    path.mkdir(parents=True, exist_ok=True)
    nlp.to_disk(path)


def load_textcat(path: Path) -> Language:
    return spacy.load(path)


@register_suggester("textcat", learns=True, help="spaCy textcat_multilabel trained on codings")
def build_textcat(context: SuggestContext) -> TextcatSuggester:
    if context.training is None:
        raise ValueError("the model suggester needs coded segments to learn from")
    settings = TextcatSettings(**{"seed": context.seed, **context.options})
    return TextcatSuggester(train_textcat(context.training, settings), context.codes)
