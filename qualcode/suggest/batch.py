"""Many segments tokenized as one spaCy ``Doc``: the reason scoring is fast.

Making a ``Doc`` per segment costs more than tokenizing it, and a matcher call per
segment costs more than matching. Segments joined by newlines make one ``Doc`` whose
tokens are exactly each segment's own tokens (the tokenizer always makes a newline a
token of its own, and segments are stripped), so the matchers and the model run once
per batch; ``starts``/``ends`` say which tokens belong to which segment.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np
from spacy.attrs import IDX
from spacy.language import Language
from spacy.tokens import Doc, Span

SEPARATOR = "\n"
BATCH_SEGMENTS = 2000
BATCH_CHARS = 400_000  # well under spaCy's max_length of one million characters


@dataclass
class Batch:
    """Segments of one ``Doc``: segment i is ``doc[starts[i]:ends[i]]``."""

    texts: Sequence[str]
    doc: Doc
    starts: np.ndarray
    ends: np.ndarray

    def __len__(self) -> int:
        return len(self.texts)

    def span(self, row: int) -> Span:
        return self.doc[int(self.starts[row]) : int(self.ends[row])]

    def segment_of_tokens(self) -> np.ndarray:
        """For each token, its segment's row, or -1 for the separators between segments."""
        positions = np.arange(len(self.doc))
        return self.rows_of(positions, positions + 1)

    def rows_of(self, token_starts: np.ndarray, token_ends: np.ndarray) -> np.ndarray:
        """The segment row of each token range, or -1 where a range leaves its segment."""
        return rows_of(self.starts, self.ends, token_starts, token_ends)


def rows_of(
    starts: np.ndarray, ends: np.ndarray, token_starts: np.ndarray, token_ends: np.ndarray
) -> np.ndarray:
    """The row of each token range among rows ``starts[i]:ends[i]`` (sorted, disjoint),
    or -1 where a range leaves its row."""
    rows = np.searchsorted(starts, token_starts, side="right") - 1
    inside = (rows >= 0) & (token_ends <= ends[np.maximum(rows, 0)])
    return np.where(inside, rows, -1)


def make_batch(nlp: Language, texts: Sequence[str]) -> Batch:
    """Tokenize ``texts`` (stripped segment texts) as one Doc, with no pipes run."""
    doc = nlp.make_doc(SEPARATOR.join(texts))
    lengths = np.fromiter((len(text) for text in texts), dtype=np.int64, count=len(texts))
    char_starts = np.cumsum(np.r_[0, lengths[:-1] + len(SEPARATOR)])
    idx = doc.to_array(IDX).astype(np.int64)
    starts = np.searchsorted(idx, char_starts, side="left")
    ends = np.searchsorted(idx, char_starts + lengths, side="left")
    return Batch(texts, doc, starts, ends)


def iter_batches(
    nlp: Language, texts: Sequence[str], size: int = BATCH_SEGMENTS
) -> Iterator[tuple[int, Batch]]:
    """(offset, batch) over ``texts``, each batch at most ``size`` segments and BATCH_CHARS."""
    offset = 0
    while offset < len(texts):
        end, chars = offset, 0
        while end < len(texts) and end - offset < size and chars < BATCH_CHARS:
            chars += len(texts[end]) + 1
            end += 1
        yield offset, make_batch(nlp, texts[offset:end])
        offset = end
