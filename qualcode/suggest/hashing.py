"""Hashed counts of words, word pairs and word stems, each distinct one hashed once.

The linear models read a text as the hashed columns of its words, its pairs of
adjacent words and the first letters of its longer words, as scikit-learn's
``HashingVectorizer`` hashes them (murmurhash3 of the string, its absolute value
modulo the columns). Hashing every word of every text, one Python call per text,
costs more than the rest of scoring; here each piece of text between white space is
read once (its words found and numbered: no word spans two pieces), each word gets its
columns once, a pair of word ids gets its column the first time it is seen, and a
text's counts are array operations on ids. All of it is kept between calls (up to a
limit).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from itertools import chain

import numpy as np
import scipy.sparse as sp
from sklearn.utils import murmurhash3_32

from .phrases import CHUNK_CACHE, Chunks, guard

CACHE = 2_000_000  # pairs remembered before starting afresh (pieces and words: CHUNK_CACHE)
SEPARATOR = "\x00"  # between texts searched at once


def column(feature: str, columns: int) -> int:
    """The hashed column of ``feature``, as ``HashingVectorizer`` places it."""
    return abs(murmurhash3_32(feature, seed=0)) % columns


class HashedCounts:
    """(texts x 2 * ``columns``) counts of the words ``token`` finds in lower-case texts:
    words and word pairs, then the first ``stem`` letters of the words longer than that."""

    def __init__(self, columns: int, stem: int, token: re.Pattern[str]) -> None:
        self.columns, self.stem = columns, stem
        self.token = re.compile(f"{token.pattern}|{SEPARATOR}")  # and where texts end
        # the word ids of each piece of text between white space (no word spans two)
        self.chunks = Chunks(self._ids_of)
        self._forget()
        self._lock = guard(self)

    def _forget(self) -> None:
        self.ids: dict[str, int] = {SEPARATOR: 0}
        self.words: list[str] = [SEPARATOR]
        self.word_columns = np.full(1, -1, dtype=np.int64)
        self.stem_columns = np.full(1, -1, dtype=np.int64)  # -1: too short to have a stem
        self.pair_keys = np.zeros(0, dtype=np.int64)  # first id << 32 | second id, sorted
        self.pair_columns = np.zeros(0, dtype=np.int64)
        self.chunks.clear()

    def count(self, texts: Sequence[str]) -> sp.csr_matrix:
        if any(SEPARATOR in text for text in texts):  # a non-word character, as a space is
            texts = [text.replace(SEPARATOR, " ") for text in texts]
        # all texts' pieces in one split, texts ending at each SEPARATOR
        pieces = f" {SEPARATOR} ".join(texts).split()
        with self._lock:
            if max(len(self.ids), len(self.chunks)) > CHUNK_CACHE or len(self.pair_keys) > CACHE:
                self._forget()
            return self._count(self.chunks.gather(pieces)[0], len(texts))

    def _ids_of(self, pieces: list[str]) -> list[list[int]]:
        """The word ids of each piece (new words numbered and hashed)."""
        words = [self.token.findall(piece.lower()) for piece in pieces]
        self._add_words(set(chain.from_iterable(words)).difference(self.ids))
        return [[self.ids[word] for word in found] for found in words]

    def _count(self, ids: np.ndarray, texts: int) -> sp.csr_matrix:
        ends = ids == 0
        rows = np.cumsum(ends)[~ends]
        together = ~ends[:-1] & ~ends[1:]  # a word and the next one, in the same text
        keys = (ids[:-1][together] << 32) | ids[1:][together]
        ids = ids[~ends]
        stems = self.stem_columns[ids]
        has_stem = stems >= 0
        found = np.concatenate(
            [self.word_columns[ids], self._pair_columns(keys), stems[has_stem] + self.columns]
        )
        at = np.concatenate([rows, np.cumsum(ends)[:-1][together], rows[has_stem]])
        counts = sp.csr_matrix(
            (np.ones(len(found), dtype=np.float32), (at, found)),
            shape=(texts, 2 * self.columns),
        )
        counts.sum_duplicates()
        return counts

    def _add_words(self, new: set[str]) -> None:
        if not new:
            return
        fresh = sorted(new)
        for word in fresh:
            self.ids[word] = len(self.words)
            self.words.append(word)
        stems = [column(w[: self.stem], self.columns) if len(w) > self.stem else -1 for w in fresh]
        self.word_columns = np.r_[self.word_columns, [column(w, self.columns) for w in fresh]]
        self.stem_columns = np.r_[self.stem_columns, stems]

    def _pair_columns(self, keys: np.ndarray) -> np.ndarray:
        """The column of each pair of word ids (``keys``), hashing the pairs not seen yet."""
        distinct, where = np.unique(keys, return_inverse=True)  # sorted: a quick search
        at = np.searchsorted(self.pair_keys, distinct)
        seen = at < len(self.pair_keys)
        seen[seen] = self.pair_keys[at[seen]] == distinct[seen]
        if not seen.all():
            new, words = distinct[~seen], self.words
            columns = [column(f"{words[k >> 32]} {words[k & 0xFFFFFFFF]}", self.columns)
                       for k in new.tolist()]  # fmt: skip
            self.pair_keys = np.insert(self.pair_keys, at[~seen], new)
            self.pair_columns = np.insert(self.pair_columns, at[~seen], columns)
            at = np.searchsorted(self.pair_keys, distinct)
        return self.pair_columns[at][where.reshape(-1)]
