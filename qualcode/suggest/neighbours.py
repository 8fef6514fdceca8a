"""Similar passages already coded: a source of its own beside the linear models.

A passage is like the training passages coded with a code when their TF-IDF vectors
(the linear models' own, each of length one, so a product is a cosine) point the same
way. Per code, the score is the mean cosine of the ``K`` training passages with that
code closest to the passage (fewer if the code has fewer): a nearest-neighbour vote
that, unlike a linear model, remembers single striking passages.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

K = 5
BLOCK = 1000  # passages compared at a time: a dense block of BLOCK x training passages
COMMON = 8  # n-grams in 1/COMMON of the coded training passages or more are multiplied densely


def nearest_mean(similarity: np.ndarray, labels: np.ndarray, k: int = K) -> np.ndarray:
    """(rows x codes): per code, the mean of each row's ``k`` largest ``similarity``
    (rows x training rows) among the training rows ``labels`` gives the code, 0 if none.

    No sort or partition per row and code (a call each, which costs more than the few
    values in it): each row's ``k`` largest per code are kept in ``k`` arrays, largest
    first, through which the codes' training rows pass one at a time, every row and
    code at once (a value goes where it is larger, and pushes the smaller one down)."""
    sizes = labels.sum(axis=0)
    rows, codes = similarity.shape[0], labels.shape[1]
    if not rows or not sizes.any():
        return np.zeros((rows, codes), dtype=np.float32)
    order = np.argsort(-sizes, kind="stable")  # the codes with most training rows first
    members = np.zeros((codes, int(sizes.max())), dtype=np.int64)  # their rows, in turn
    for at, j in enumerate(order):
        members[at, : sizes[j]] = np.flatnonzero(labels[:, j])
    across = np.ascontiguousarray(similarity.T, dtype=np.float32)  # training rows x rows
    top = np.full((k, codes, rows), -np.inf, dtype=np.float32)
    value, spare = np.empty((2, codes, rows), dtype=np.float32)
    for step in range(int(sizes.max())):
        m = int((sizes[order] > step).sum())  # codes with a training row still to pass
        np.take(across, members[:m, step], axis=0, out=value[:m])
        for kept in top[: min(k, step + 1), :m]:
            np.minimum(kept, value[:m], out=spare[:m])
            np.maximum(kept, value[:m], out=kept)
            value, spare = spare, value
    total = np.where(np.isfinite(top), top, 0).sum(axis=0)
    found = np.zeros((rows, codes), dtype=np.float32)
    found[:, order] = (total / np.maximum(np.minimum(sizes[order], k), 1)[:, None]).T
    return found


@dataclass
class Neighbours:
    """The training passages' weighted vectors and codes, to compare new passages with."""

    vectors: sp.csr_matrix
    labels: np.ndarray  # (training passages x codes) booleans
    k: int = K

    def score(self, x: sp.csr_matrix) -> np.ndarray:
        """(rows of ``x`` x codes) ``nearest_mean`` of weighted passage vectors ``x``.

        Only the training passages with a code count. Their cosines are one product, in
        two parts: the n-grams many of them share (common words) as a dense product,
        the rest as a sparse one, since a sparse product pays for every pair of
        passages that share a word."""
        common, dense, rare, coded = self._split
        parts = [np.zeros((0, self.labels.shape[1]), dtype=np.float32)]
        for start in range(0, x.shape[0], BLOCK):
            block = x[start : start + BLOCK]
            similarity = (block @ rare).toarray()
            at = common[block.indices]  # each non-zero's common column, or -1
            keep = at >= 0
            rows = np.repeat(np.arange(block.shape[0]), np.diff(block.indptr))[keep]
            words = np.zeros((block.shape[0], dense.shape[0]), dtype=np.float32)
            words[rows, at[keep]] = block.data[keep]
            similarity += words @ dense
            parts.append(nearest_mean(similarity, coded, self.k))
        return np.vstack(parts)

    @functools.cached_property
    def _split(self) -> tuple[np.ndarray, np.ndarray, sp.csr_matrix, np.ndarray]:
        """(each column's place among the common columns or -1, the coded passages'
        common columns (common columns x passages), the rest of their columns
        transposed (a sparse columns x passages), their codes)."""
        coded = self.labels.any(axis=1)
        vectors, columns = self.vectors[coded], self.vectors.shape[1]
        shared = np.bincount(vectors.indices, minlength=columns)
        common = np.flatnonzero(shared >= max(vectors.shape[0] // COMMON, 2))
        place = np.full(columns, -1, dtype=np.int64)
        place[common] = np.arange(len(common))
        rest = np.ones(columns, dtype=np.float32)
        rest[common] = 0
        rare = (vectors @ sp.diags(rest)).T.tocsr()
        rare.eliminate_zeros()
        dense = np.ascontiguousarray(vectors[:, common].toarray().T, dtype=np.float32)
        return place, dense, rare, self.labels[coded]

    def arrays(self) -> dict[str, np.ndarray]:
        v = self.vectors
        return {
            "near_data": v.data, "near_indices": v.indices, "near_indptr": v.indptr,
            "near_shape": np.array(v.shape), "near_labels": self.labels, "near_k": np.array(self.k),
        }  # fmt: skip

    @classmethod
    def from_arrays(cls, saved: dict[str, np.ndarray]) -> Neighbours:
        vectors = sp.csr_matrix(
            (saved["near_data"], saved["near_indices"], saved["near_indptr"]),
            shape=tuple(saved["near_shape"]),
        )
        return cls(vectors, saved["near_labels"].astype(bool), int(saved["near_k"]))
