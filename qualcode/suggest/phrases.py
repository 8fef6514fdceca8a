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

import os
import re
import threading
import weakref
from collections import defaultdict
from collections.abc import Callable, Sequence
from itertools import chain, repeat
from typing import Any

import numpy as np

_PIECES = re.compile(r"\S+|\s+")
_OTHER_SPACE = re.compile(r"[^\S ]")  # white space but a space
_ASCII_OTHER_SPACE = "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f"  # the same, in ASCII
BREAK = -1  # white space spaCy makes a token of, and the gap between texts
CHUNK_CACHE = 500_000
FILTER = 2**16  # entries of the table that rules out most places at once
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


def _other_space(text: str) -> bool:
    """Whether ``text`` has white space other than single spaces (spaCy makes a token of
    it): a search for a few characters where the text is ASCII, as most are."""
    if "  " in text:
        return True
    if text.isascii():
        return any(space in text for space in _ASCII_OTHER_SPACE)
    return _OTHER_SPACE.search(text) is not None


_GUARDED: weakref.WeakSet[Any] = weakref.WeakSet()  # owners of caches behind a lock


def guard(owner: Any) -> threading.Lock:
    """A lock for ``owner``'s caches. A process forked while a thread was inside them has
    the lock held by a thread it does not have: there the lock is made anew and the
    caches, maybe half updated, start afresh (``owner._forget()``)."""
    _GUARDED.add(owner)
    return threading.Lock()


def _after_fork() -> None:
    for owner in list(_GUARDED):
        if owner._lock.locked():
            owner._lock = threading.Lock()
            owner._forget()


os.register_at_fork(after_in_child=_after_fork)


class Chunks:
    """Pieces of text, each numbered the first time it is seen, with its ids (``ids_of``
    makes them for many new pieces at once) kept in one array, so that the ids of many
    pieces are gathered with a few array operations. Its owner holds a lock around it."""

    def __init__(self, ids_of: Callable[[list[str]], list[list[int]]]) -> None:
        self.ids_of = ids_of
        self.clear()

    def clear(self) -> None:
        """Forget every piece (piece k's ids are ``pool[offsets[k] : offsets[k] + lengths[k]]``)."""
        self.numbers: dict[str, int] = {}
        self.offsets = self.lengths = self.pool = np.zeros(0, dtype=np.int64)

    def __len__(self) -> int:
        return len(self.numbers)

    def gather(self, pieces: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """The ids of every piece, one piece after another, and how many each has."""
        numbers = np.fromiter(map(self.numbers.get, pieces, repeat(-1)), np.int64, len(pieces))
        new = np.flatnonzero(numbers < 0).tolist()
        if new:
            self._number(list(dict.fromkeys(pieces[k] for k in new)))
            numbers[new] = [self.numbers[pieces[k]] for k in new]
        lengths = self.lengths[numbers]
        at = np.repeat(self.offsets[numbers] - (np.cumsum(lengths) - lengths), lengths)
        return self.pool[at + np.arange(len(at))], lengths

    def _number(self, new: list[str]) -> None:
        ids = self.ids_of(new)
        for piece in new:
            self.numbers[piece] = len(self.numbers)
        lengths = np.fromiter(map(len, ids), dtype=np.int64, count=len(ids))
        self.offsets = np.r_[self.offsets, len(self.pool) + np.cumsum(lengths) - lengths]
        self.lengths = np.r_[self.lengths, lengths]
        self.pool = np.r_[self.pool, np.fromiter(chain.from_iterable(ids), dtype=np.int64)]


class PhraseIndex:
    """Sequences of lower-case words, each under a match id; ``find`` locates them."""

    def __init__(self, tokenize: Callable[[str], list[str]]) -> None:
        self.tokenize = tokenize  # one chunk (no white space) -> its tokens, lower case
        self.ids: dict[str, int] = {}
        self.sought: dict[int, dict[int, list[int]]] = defaultdict(lambda: defaultdict(list))
        self._chunks = Chunks(lambda pieces: [self._ids_of(piece) for piece in pieces])
        self._lock = guard(self)

    def _forget(self) -> None:
        self._chunks.clear()

    def add(self, match_id: int, words: Sequence[str]) -> None:
        ids = np.array([self.ids.setdefault(w.lower(), len(self.ids)) for w in words])
        if len(ids):
            key = int(_hashes(_mixed(ids), len(ids))[0])
            self.sought[len(ids)][key].append(match_id)

    def tokens(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """All texts' word ids in one row (BREAK between texts), and where each starts
        and ends in it."""
        if _other_space("x".join(texts)):  # some text needs its white space looked at
            per_text = [
                _PIECES.findall(text) if _other_space(text) else text.split(" ") for text in texts
            ]
            pieces = list(chain.from_iterable(per_text))
            counts = np.fromiter(map(len, per_text), dtype=np.int64, count=len(texts))
        else:  # most texts have single spaces only: one split, and look no further
            pieces = " ".join(texts).split(" ")
            counts = np.fromiter((text.count(" ") + 1 for text in texts), np.int64, len(texts))
        with self._lock:
            if len(self._chunks) > CHUNK_CACHE:
                self._forget()
            words, lengths = self._chunks.gather(pieces)
        before = np.r_[0, np.cumsum(lengths)]  # words of the pieces before each piece
        first_piece = np.r_[0, np.cumsum(counts)]  # each text's words: those of its pieces
        lengths = np.diff(before[first_piece])
        starts = before[first_piece[:-1]] + np.arange(len(texts))  # a BREAK after each text
        row = np.full(len(words) + len(texts), BREAK, dtype=np.int64)
        row[np.arange(len(words)) + np.repeat(np.arange(len(texts)), lengths)] = words
        return row, starts, starts + lengths

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
            # a table of the sought hashes' low bits leaves few places to look at closely
            table = np.zeros(FILTER, dtype=bool)
            table[(wanted % np.uint64(FILTER)).astype(np.intp)] = True
            maybe = np.flatnonzero(table[(hashes % np.uint64(FILTER)).astype(np.intp)])
            for at in maybe[np.isin(hashes[maybe], wanted)].tolist():
                found.extend((match_id, at, at + n) for match_id in keys[int(hashes[at])])
        return found
