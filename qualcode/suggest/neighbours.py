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
COMMON = 256  # n-grams in this many training passages or more are multiplied densely


def nearest_mean(similarity: np.ndarray, labels: np.ndarray, k: int = K) -> np.ndarray:
    """(rows x codes): per code, the mean of each row's ``k`` largest ``similarity``
    (rows x training rows) among the training rows ``labels`` gives the code, 0 if none."""
    found = np.zeros((similarity.shape[0], labels.shape[1]), dtype=np.float32)
    for j in range(labels.shape[1]):
        columns = np.flatnonzero(labels[:, j])
        if not len(columns) or not similarity.shape[0]:
            continue
        alike = similarity[:, columns]
        take = min(k, len(columns))
        found[:, j] = np.partition(alike, len(columns) - take, axis=1)[:, -take:].mean(axis=1)
    return found


@dataclass
class Neighbours:
    """The training passages' weighted vectors and codes, to compare new passages with."""

    vectors: sp.csr_matrix
    labels: np.ndarray  # (training passages x codes) booleans
    k: int = K

    def score(self, x: sp.csr_matrix) -> np.ndarray:
        """(rows of ``x`` x codes) ``nearest_mean`` of weighted passage vectors ``x``.

        The cosines are one product, in two parts: the n-grams most training passages
        share (common words) as a dense product, the rest as a sparse one, since a
        sparse product pays for every pair of passages that share a word."""
        dense, rare = self._split
        parts = [np.zeros((0, self.labels.shape[1]), dtype=np.float32)]
        for start in range(0, x.shape[0], BLOCK):
            block = x[start : start + BLOCK]
            similarity = (block @ rare).toarray() + (block @ dense[0]).toarray() @ dense[1]
            parts.append(nearest_mean(similarity, self.labels, self.k))
        return np.vstack(parts)

    @functools.cached_property
    def _split(self) -> tuple[tuple[sp.csr_matrix, np.ndarray], sp.csr_matrix]:
        """((columns -> common columns selector, common part of the vectors transposed),
        the rest of the vectors transposed)."""
        columns = self.vectors.shape[1]
        shared = np.bincount(self.vectors.indices, minlength=columns)
        common = np.flatnonzero(shared >= min(COMMON, max(self.vectors.shape[0] // 4, 2)))
        pick = sp.csr_matrix(
            (np.ones(len(common), dtype=np.float32), (common, np.arange(len(common)))),
            shape=(columns, len(common)),
        )
        rest = np.ones(columns, dtype=np.float32)
        rest[common] = 0
        rare = (self.vectors @ sp.diags(rest)).T.tocsr()
        return (pick, (self.vectors @ pick).toarray().T), rare

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
