"""Model suggestions: ridge regression over the words, word pairs and stems of segments.

Each text becomes two TF-IDF vectors (words and word pairs; the first five letters of
each longer word, which catch "funds", "funding" and "funded" alike), hashed
so that no vocabulary has to be kept, weighted by how rare each n-gram is among the
training texts, each scaled to length 1/sqrt(2). A ridge regression per code, fitted
for all codes at once in its dual form (one n x n system for n training texts, solved
once for every code), learns from a few hundred to a few thousand coded segments in
well under a second, and scores new texts with one sparse product.

A segment is scored twice: by a model of segments, on its own words, and by a model of
*passages*, on the words of the whole passage it belongs to (the run of one speaker's
segments with nothing but paragraph breaks between them; its counts are its segments'
added up, so no text is read twice), since people code passages,
not sentences (``data.passage_groups``). The calibrator (``combine``) weighs the two,
beside two sources read off the same passage vectors: its likeness to the coded passages
(``neighbours``) and to each code's own words in the codebook (``codebook_vectors``).

The model is linear, so the evidence for a suggestion is read off it: each word of
the segment times its weight for the code.
"""

from __future__ import annotations

import functools
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import HashingVectorizer
from sklearn.utils import murmurhash3_32

from .data import CodeInfo, Corpus
from .hashing import HashedCounts
from .neighbours import Neighbours, nearest_mean

HASHED = 2**20  # hashed columns per view; collisions are rare at a study's vocabulary
SOURCES = 4  # what score_corpus gives: segment, passage, similar passages, likeness
STEM = 5  # a longer word also counts as its first STEM letters: fund, funds, funding
_TOKEN = re.compile(r"(?u)\b\w\w+\b")


def _words(text: str) -> list[str]:
    """Words (of two letters or more, lower case) and pairs of words, as scikit-learn's
    default analyzer makes them."""
    return _with_pairs(_TOKEN.findall(text.lower()))


def _with_pairs(words: list[str]) -> list[str]:
    return words + [f"{a} {b}" for a, b in zip(words, words[1:], strict=False)]


# one text's words and pairs, for its evidence
_WORDS = HashingVectorizer(
    analyzer=_with_pairs, alternate_sign=False, norm=None, n_features=HASHED, dtype=np.float32
)
# many texts' words and pairs, then stems (hashing each distinct one once)
_COUNTS = HashedCounts(HASHED, STEM, _TOKEN)
# text -> its counts (columns, values): evaluation scores the same texts many times
_MEMO: dict[str, tuple[np.ndarray, np.ndarray]] = {}
MEMO_SIZE = 100_000
MEMO_CALL = 20_000


@dataclass(frozen=True)
class LinearSettings:
    """How the models are fitted; saved with them, so a changed setting retrains.

    A penalty left None is chosen inside the training data (``training.fit``): the one of
    ``penalties`` whose out-of-fold scores come closest to the training labels.
    """

    segment_penalty: float | None = None  # ridge penalty of the segment model
    passage_penalty: float | None = None  # and of the passage model
    penalties: tuple[float, ...] = (0.25, 0.5, 1.0, 2.0)  # the choice, when left None
    codebook: bool = True  # learn from the codebook's examples and definitions too
    neighbours: int = 5  # the K closest coded passages per code, as a source (0: none)
    context: bool = True  # the speaker's other passages in the document, as a source
    likeness: bool = True  # each passage's likeness to each code's codebook words, a source
    seed: int = 0  # folds of the out-of-fold scores the calibrator learns from

    def grid(self) -> tuple[tuple[float, ...], tuple[float, ...]]:
        """The penalties to try for the segment model, and for the passage model."""
        return tuple(
            (chosen,) if chosen is not None else self.penalties
            for chosen in (self.segment_penalty, self.passage_penalty)
        )  # type: ignore[return-value]


def hashed_counts(texts: Sequence[str]) -> sp.csr_matrix:
    """(texts x 2*HASHED) raw counts: words and word pairs, then word stems.

    For a few texts at a time (at most MEMO_CALL), the counts of the texts seen last are
    kept (up to MEMO_SIZE texts), since evaluation and calibration fit many models on the
    same segments; many texts at once (scoring a whole project) are counted directly."""
    if len(texts) > MEMO_CALL:
        return _count(texts)
    missing = list(dict.fromkeys(text for text in texts if text not in _MEMO))
    if len(missing) + len(_MEMO) > MEMO_SIZE:
        _MEMO.clear()
        missing = list(dict.fromkeys(texts))
    if missing:
        counts = _count(missing)
        bounds = counts.indptr.tolist()
        for i, text in enumerate(missing):
            at = slice(bounds[i], bounds[i + 1])
            _MEMO[text] = (counts.indices[at], counts.data[at])
    rows = [_MEMO[text] for text in texts]
    indptr = np.r_[0, np.cumsum([len(columns) for columns, _values in rows])]
    if not rows:
        return sp.csr_matrix((0, 2 * HASHED), dtype=np.float32)
    return sp.csr_matrix(
        (np.concatenate([r[1] for r in rows]), np.concatenate([r[0] for r in rows]), indptr),
        shape=(len(texts), 2 * HASHED),
    )


def _count(texts: Sequence[str]) -> sp.csr_matrix:
    return _COUNTS.count(texts)


@dataclass
class Weighting:
    """TF-IDF over the hashed columns seen in training: 1 + log(count), times idf, each
    view (words, stems) scaled to length 1/sqrt(2)."""

    columns: np.ndarray  # hashed columns seen in training, sorted
    idf: np.ndarray
    words: int  # how many of ``columns`` are word columns (stems come after)

    @classmethod
    def fit(cls, counts: sp.csr_matrix) -> Weighting:
        seen = np.bincount(counts.indices, minlength=counts.shape[1])
        columns = np.flatnonzero(seen)
        idf = np.log((1 + counts.shape[0]) / (1 + seen[columns])) + 1
        return cls(columns, idf.astype(np.float32), int((columns < HASHED).sum()))

    @functools.cached_property
    def word_positions(self) -> dict[int, int]:
        """Where each hashed word column sits among ``columns``: made once, for evidence."""
        return {int(c): k for k, c in enumerate(self.columns[: self.words])}

    @functools.cached_property
    def positions(self) -> np.ndarray:
        """Each hashed column's place among ``columns``, or -1 if unseen in training."""
        found = np.full(2 * HASHED, -1, dtype=np.int64)
        found[self.columns] = np.arange(len(self.columns))
        return found

    def transform(self, counts: sp.csr_matrix) -> sp.csr_matrix:
        """Weighted rows, in one pass over the counts' non-zeros (no column indexing)."""
        n = counts.shape[0]
        at = self.positions[counts.indices]
        kept = at >= 0
        rows = np.repeat(np.arange(n), np.diff(counts.indptr))[kept]
        at = at[kept]
        data = (1 + np.log(counts.data[kept])) * self.idf[at]
        view = (at >= self.words).astype(np.int64)  # 0: words and pairs, 1: stems
        squares = np.bincount(rows * 2 + view, weights=data * data, minlength=2 * n)
        norms = np.sqrt(squares)[rows * 2 + view]
        data = (data / np.where(norms > 0, norms, 1) * np.sqrt(0.5)).astype(np.float32)
        indptr = np.r_[0, np.cumsum(np.bincount(rows, minlength=n))]
        return sp.csr_matrix((data, at, indptr), shape=(n, len(self.columns)))


def ridge_dual(kernel: np.ndarray, targets: np.ndarray, penalty: float) -> np.ndarray:
    """Dual coefficients of ridge regressions of every target column on one kernel."""
    from scipy.linalg import solve

    system = kernel + np.float32(penalty) * np.eye(len(kernel), dtype=np.float32)
    return solve(system, targets.astype(np.float32), assume_a="pos", check_finite=False)


@dataclass
class LinearModel:
    """One view's model: its weighting, weights (columns x codes) and the codes' bias."""

    weighting: Weighting
    weights: np.ndarray
    bias: np.ndarray

    @classmethod
    def fit(
        cls,
        x: sp.csr_matrix,
        gram: np.ndarray,
        weighting: Weighting,
        labels: np.ndarray,
        penalty: float,
    ) -> LinearModel:
        """Ridge on weighted rows ``x`` (``gram`` = x x'), labels 0/1 centred per code."""
        bias = labels.mean(axis=0)
        alpha = ridge_dual(gram, labels - bias, penalty)
        weights = np.asarray(x.T @ alpha, dtype=np.float32)
        return cls(weighting, weights, bias.astype(np.float32))

    def score(self, counts: sp.csr_matrix) -> np.ndarray:
        return np.asarray(self.weighting.transform(counts) @ self.weights) + self.bias


def training_rows(corpus: Corpus) -> tuple[np.ndarray, np.ndarray]:
    """(labels as 0/1 floats, passage labels) of ``corpus``: a label not known counts 0."""
    labels = (corpus.labels & corpus.known).astype(np.float64)
    return labels, passage_labels(corpus, labels)


def passage_sums(passages: np.ndarray, counts: sp.csr_matrix) -> sp.csr_matrix:
    """(passages x columns): the counts of each passage's segments added up (``passages``:
    each row's passage, numbered 0, 1, ...), so a passage's words are counted once."""
    count = int(passages.max()) + 1 if len(passages) else 0
    members = sp.csr_matrix(
        (np.ones(len(passages), dtype=np.float32), (passages, np.arange(len(passages)))),
        shape=(count, len(passages)),
    )
    return (members @ counts).tocsr()


def passage_labels(corpus: Corpus, labels: np.ndarray) -> np.ndarray:
    """(passages x codes): a passage has a code when any of its segments has it."""
    found = np.zeros((corpus.passage_count, labels.shape[1]))
    np.maximum.at(found, corpus.passages, labels)
    return found


@dataclass
class Kernels:
    """What fitting on a corpus needs, made once: counts, weighting, the Gram matrices.

    Fitting on any subset of its rows (the inner folds of the calibration) then costs
    one linear solve per view and penalty.
    """

    corpus: Corpus
    codebook: bool = False  # the codebook's own words as rows coded with their code
    neighbours: int = 0  # K of the similar passages' source (0: none)
    likeness: bool = False  # the codebook likeness source (``codebook_vectors``)
    weighting: Weighting = field(init=False)
    segments: sp.csr_matrix = field(init=False)
    passages: sp.csr_matrix = field(init=False)

    def __post_init__(self) -> None:
        counts = hashed_counts(self.corpus.texts)
        passage_counts = passage_sums(self.corpus.passages, counts)
        self.labels, self.passage_labels = training_rows(self.corpus)
        extra = [(j, t) for j, c in enumerate(self.corpus.codes) for t in c.codebook_texts]
        extra = extra if self.codebook else []
        self.extra = len(extra)  # codebook rows, after the segments and after the passages
        if extra:
            extra_counts = hashed_counts([text for _j, text in extra])
            counts = sp.vstack([counts, extra_counts], format="csr")
            passage_counts = sp.vstack([passage_counts, extra_counts], format="csr")
            coded = np.zeros((len(extra), len(self.corpus.codes)))
            coded[np.arange(len(extra)), [j for j, _text in extra]] = 1
            self.labels = np.vstack([self.labels, coded])
            self.passage_labels = np.vstack([self.passage_labels, coded])
        self.weighting = Weighting.fit(counts)  # the codebook's words count as seen
        self.segments = self.weighting.transform(counts)
        self.passages = self.weighting.transform(passage_counts)
        # single precision: twice as fast to solve, and ample for a ridge penalty >= 0.1
        self.segment_gram = (self.segments @ self.segments.T).toarray().astype(np.float32)
        self.passage_gram = (self.passages @ self.passages.T).toarray().astype(np.float32)
        self.code_words = None
        if self.likeness and extra:
            owners = np.array([j for j, _text in extra])
            self.code_words = codebook_vectors(
                self.passages[-len(extra) :], owners, len(self.corpus.codes)
            )

    def codebook_likeness(self) -> np.ndarray | None:
        """(rows x codes): each row's passage's cosine to each code's codebook words (None
        without them). It learns from no label, so it is the same in and out of fold."""
        if self.code_words is None:
            return None
        count = self.corpus.passage_count
        found = np.asarray((self.passages[:count] @ self.code_words).todense())
        return found[self.corpus.passages]

    def held_out(
        self,
        train: np.ndarray,
        segment_penalties: Sequence[float],
        passage_penalties: Sequence[float],
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        """Scores of the rows not in ``train`` by models of the rows in it, one per
        penalty: (segment penalties x rows x codes), (passage penalties x rows x codes),
        each row getting its passage's score (a passage is in one document, so passages
        follow their segments), and (rows x codes) the likeness of its passage to the
        training passages of each code (None without ``neighbours``). The Gram matrices
        are made once for every penalty; the codebook's rows are always in training."""
        test = ~train
        train_p = np.zeros(self.corpus.passage_count, dtype=bool)
        train_p[self.corpus.passages[train]] = True
        always, never = np.ones(self.extra, dtype=bool), np.zeros(self.extra, dtype=bool)
        segment = _ridge_scores(
            self.segment_gram, self.labels, np.r_[train, always], np.r_[test, never],
            segment_penalties,
        )  # fmt: skip
        passage = _ridge_scores(
            self.passage_gram, self.passage_labels, np.r_[train_p, always], np.r_[~train_p, never],
            passage_penalties,
        )  # fmt: skip
        # back to segments: each test segment gets its passage's score
        at = np.full(self.corpus.passage_count, -1)
        at[np.flatnonzero(~train_p)] = np.arange(int((~train_p).sum()))
        back = at[self.corpus.passages[test]]
        if not self.neighbours:
            return segment, passage[:, back], None
        count = self.corpus.passage_count  # the gram's rows after these are the codebook's
        similarity = self.passage_gram[:count, :count][np.ix_(~train_p, train_p)]
        coded = self.passage_labels[:count][train_p] > 0
        return segment, passage[:, back], nearest_mean(similarity, coded, self.neighbours)[back]

    def final(self, segment_penalty: float, passage_penalty: float) -> LinearSuggester:
        segment = LinearModel.fit(
            self.segments, self.segment_gram, self.weighting, self.labels, segment_penalty
        )
        passage = LinearModel.fit(
            self.passages, self.passage_gram, self.weighting, self.passage_labels,
            passage_penalty,
        )  # fmt: skip
        count, near = self.corpus.passage_count, None
        if self.neighbours:
            coded = self.passage_labels[:count] > 0
            near = Neighbours(self.passages[:count], coded, self.neighbours)
        return LinearSuggester(self.corpus.codes, segment, passage, near, self.code_words)


def codebook_vectors(rows: sp.csr_matrix, owners: np.ndarray, codes: int) -> sp.csr_matrix:
    """(columns x codes): each code's codebook rows (weighted) added up, to length 1, so
    that a weighted passage times it is the passage's cosine to the code's own words
    (its definition, examples and when to use it), as a reader of the codebook would
    compare them; a code without words gets a column of zeros."""
    members = sp.csr_matrix(
        (np.ones(len(owners), dtype=np.float32), (owners, np.arange(len(owners)))),
        shape=(codes, len(owners)),
    )
    summed = (members @ rows).tocsr()
    norms = np.sqrt(np.asarray(summed.multiply(summed).sum(axis=1)).ravel())
    scale = sp.diags(np.where(norms > 0, 1 / np.maximum(norms, 1e-12), 0).astype(np.float32))
    return (scale @ summed).T.tocsr()


def _ridge_scores(
    gram: np.ndarray,
    labels: np.ndarray,
    rows: np.ndarray,
    test_rows: np.ndarray,
    penalties: Sequence[float],
) -> np.ndarray:
    """(penalties x test rows x codes): ridge models of ``rows`` scoring ``test_rows``."""
    bias = labels[rows].mean(axis=0)
    inner, across = gram[np.ix_(rows, rows)], gram[np.ix_(test_rows, rows)]
    return np.stack([across @ ridge_dual(inner, labels[rows] - bias, p) + bias for p in penalties])


class LinearSuggester:
    """Scores segments (and passages) for codes with the two fitted linear models."""

    name = "model"

    def __init__(
        self,
        codes: Sequence[CodeInfo],
        segment: LinearModel,
        passage: LinearModel,
        neighbours: Neighbours | None = None,
        codebook: sp.csr_matrix | None = None,
    ) -> None:
        self.codes = list(codes)
        self.segment = segment
        self.passage = passage
        self.neighbours = neighbours
        self.codebook = codebook  # ``codebook_vectors``, in the passage weighting's columns

    def score_texts(self, texts: Sequence[str]) -> np.ndarray:
        """(texts x codes) scores of the segment model."""
        return self.segment.score(hashed_counts(texts))

    def score_passages(self, texts: Sequence[str]) -> np.ndarray:
        """(passages x codes) scores of the passage model."""
        return self.passage.score(hashed_counts(texts))

    def score_corpus(
        self, texts: Sequence[str], passages: np.ndarray, remember: bool = True
    ) -> np.ndarray:
        """(SOURCES, segments, codes): the segment model's scores of ``texts``, the passage
        model's of the passage each belongs to (``passages``: numbered 0, 1, ... in
        order), its passage's likeness to the coded passages (``neighbours``; 0
        without) and to each code's codebook words (``codebook``; 0 without), counting
        the words of every segment once (and keeping the counts for the next call,
        unless ``remember`` is False: a big project scored in parts)."""
        counts = hashed_counts(texts) if remember else _count(texts)
        x = self.passage.weighting.transform(passage_sums(passages, counts))
        passage = np.asarray(x @ self.passage.weights) + self.passage.bias
        similar = np.zeros_like(passage)
        if self.neighbours is not None:
            similar = self.neighbours.score(x)
        likeness = np.zeros_like(passage)
        if self.codebook is not None:
            likeness = np.asarray((x @ self.codebook).todense())
        return np.stack(
            [self.segment.score(counts), passage[passages], similar[passages], likeness[passages]]
        )

    def evidence(
        self,
        text: str,
        code: int,
        hidden: frozenset[str] = frozenset(),
        top: int = 5,
        row: sp.csr_matrix | None = None,
    ) -> list[list[Any]]:
        """The words (and word pairs) of ``text`` that pushed the segment model towards
        ``code`` most, each with its share of the score: its TF-IDF value times its
        weight. Stop words alone, numbers and the words of ``hidden`` (people's names)
        are left out. ``row`` is ``text`` as the segment model's weighting gives it, when
        the caller has it already (its word part is all that counts here)."""
        weighting = self.segment.weighting
        if row is None:
            counts = _WORDS.transform([_TOKEN.findall(text.lower())])
            row = weighting.transform(sp.hstack([counts, sp.csr_matrix((1, HASHED))], format="csr"))
        contribution = row.multiply(self.segment.weights[:, code][None, :]).tocsr()
        by_column = dict(
            zip(contribution.indices.tolist(), contribution.data.tolist(), strict=True)
        )
        where = weighting.word_positions
        found: dict[str, float] = {}
        for gram in _words(text):
            k = where.get(abs(murmurhash3_32(gram, seed=0)) % HASHED)
            if k is None or k not in by_column or not _telling(gram, hidden):
                continue
            found[gram] = by_column[k]
        ranked = sorted(found.items(), key=lambda item: -item[1])
        return [[gram, round(weight, 6)] for gram, weight in ranked[:top] if round(weight, 6) > 0]

    def to_bytes(self) -> bytes:
        buffer = io.BytesIO()
        arrays: dict[str, np.ndarray] = {}
        for view, model in (("segment", self.segment), ("passage", self.passage)):
            arrays |= {
                f"{view}_columns": model.weighting.columns,
                f"{view}_idf": model.weighting.idf,
                f"{view}_words": np.array(model.weighting.words),
                f"{view}_weights": model.weights,
                f"{view}_bias": model.bias,
            }
        if self.neighbours is not None:
            arrays |= self.neighbours.arrays()
        if self.codebook is not None:
            found = self.codebook
            arrays |= {
                "codebook_data": found.data, "codebook_indices": found.indices,
                "codebook_indptr": found.indptr, "codebook_shape": np.array(found.shape),
            }  # fmt: skip
        np.savez_compressed(buffer, **arrays)
        return buffer.getvalue()

    @classmethod
    def from_bytes(cls, codes: Sequence[CodeInfo], data: bytes) -> LinearSuggester:
        with np.load(io.BytesIO(data)) as saved:
            views = [
                LinearModel(
                    Weighting(saved[f"{v}_columns"], saved[f"{v}_idf"], int(saved[f"{v}_words"])),
                    saved[f"{v}_weights"],
                    saved[f"{v}_bias"],
                )
                for v in ("segment", "passage")
            ]
            near = Neighbours.from_arrays(saved) if "near_data" in saved else None
            codebook = None
            if "codebook_data" in saved:
                codebook = sp.csr_matrix(
                    (saved["codebook_data"], saved["codebook_indices"], saved["codebook_indptr"]),
                    shape=tuple(saved["codebook_shape"]),
                )
        return cls(codes, *views, near, codebook)


_NUMBER = re.compile(r"^[\d.,:]+$")


def _telling(gram: str, hidden: frozenset[str]) -> bool:
    """Whether an n-gram tells a coder something: not all stop words, numbers or names."""
    words = gram.split()
    if any(word in hidden for word in words):
        return False
    return not all(word in _stop_words() or _NUMBER.match(word) for word in words)


@functools.cache
def _stop_words() -> frozenset[str]:
    from spacy.lang.en.stop_words import STOP_WORDS

    return frozenset(STOP_WORDS)
