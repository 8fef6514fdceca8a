"""Word sequences found in many texts at once, with no spaCy ``Doc`` made per batch.

spaCy's tokenizer splits a text on white space first and tokenizes each white-space-free
chunk on its own, so a text's tokens are its chunks' tokens in turn. Each distinct chunk
is tokenized by spaCy once and remembered; a text becomes a row of word ids, and every
word sequence of a given length is one rolling 64-bit hash over the rows of all texts,
looked up among the hashes of the sequences sought: a few array operations per length,
where making Docs costs microseconds per token. White space other than one space (a
line break, two spaces) is a token of its own for spaCy, so it breaks a sequence here too.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Sequence

import numpy as np

_PIECES = re.compile(r"\S+|\s+")
_OTHER_SPACE = re.compile(r"[^\S ]|  ")  # white space but one space
BREAK = -1  # white space spaCy makes a token of, and the gap between texts
CHUNK_CACHE = 500_000
_MIX = (np.uint64(0x9E3779B97F4A7C15), np.uint64(0xBF58476D1CE4E5B9), np.uint64(0x94D049BB133111EB))
_BASE = 0x100000001B3


def _mixed(ids: np.ndarray) -> np.ndarray:
    """A well-spread 64-bit value per id (splitmix64's finaliser)."""
    x = ids.astype(np.uint64) + _MIX[0]
    x = (x ^ (x >> np.uint64(30))) * _MIX[1]
    x = (x ^ (x >> np.uint64(27))) * _MIX[2]
    return x ^ (x >> np.uint64(31))


def _hashes(values: np.ndarray, n: int) -> np.ndarray:
    """The hash of every run of ``n`` consecutive values (len(values) - n + 1 of them)."""
    count = len(values) - n + 1
    found = values[:count].copy()
    for k in range(1, n):
        found += values[k : k + count] * np.uint64(pow(_BASE, k, 2**64))
    return found


class PhraseIndex:
    """Sequences of lower-case words, each under a match id; ``find`` locates them."""

    def __init__(self, tokenize: Callable[[str], list[str]]) -> None:
        self.tokenize = tokenize  # one chunk (no white space) -> its tokens, lower case
        self.ids: dict[str, int] = {}
        self.sought: dict[int, dict[int, list[int]]] = defaultdict(lambda: defaultdict(list))
        self._chunks: dict[str, list[int]] = {}

    def add(self, match_id: int, words: Sequence[str]) -> None:
        ids = np.array([self.ids.setdefault(w.lower(), len(self.ids)) for w in words])
        if len(ids):
            key = int(_hashes(_mixed(ids), len(ids))[0])
            self.sought[len(ids)][key].append(match_id)

    def tokens(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """All texts' word ids in one row (BREAK between texts), and where each starts
        and ends in it."""
        if len(self._chunks) > CHUNK_CACHE:
            self._chunks.clear()
        row: list[int] = []
        starts = np.zeros(len(texts), dtype=np.int64)
        ends = np.zeros(len(texts), dtype=np.int64)
        chunks = self._chunks
        for i, text in enumerate(texts):
            starts[i] = len(row)
            # most texts have single spaces only: split on them, and look no further
            pieces = _PIECES.findall(text) if _OTHER_SPACE.search(text) else text.split(" ")
            for piece in pieces:
                ids = chunks.get(piece)
                if ids is None:
                    ids = chunks[piece] = self._ids_of(piece)
                row.extend(ids)
            ends[i] = len(row)
            row.append(BREAK)
        return np.array(row, dtype=np.int64), starts, ends

    def _ids_of(self, piece: str) -> list[int]:
        """A chunk's word ids (-2: a word no sequence has), or BREAK for white space
        spaCy makes a token of (any but one space)."""
        if not piece or piece.isspace():
            return [] if piece in ("", " ") else [BREAK]
        return [self.ids.get(word, -2) for word in self.tokenize(piece)]

    def find(self, row: np.ndarray) -> list[tuple[int, int, int]]:
        """(match id, start, end) of every sought sequence in ``row``."""
        values = _mixed(row)
        found = []
        for n, keys in self.sought.items():
            if len(row) < n:
                continue
            hashes = _hashes(values, n)
            wanted = np.fromiter(keys, dtype=np.uint64, count=len(keys))
            for at in np.flatnonzero(np.isin(hashes, wanted)).tolist():
                found.extend((match_id, at, at + n) for match_id in keys[int(hashes[at])])
        return found
