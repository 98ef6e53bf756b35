"""Embeddings of items from the documents they occur in together.

:class:`ItemEmbedding` turns co-occurrence counts into vectors whose inner
products say how related two items are: positive pointwise mutual information
(PPMI) of the counts, then the top eigenvectors of that symmetric matrix
(the spectral form of word2vec's implicit factorisation; Levy & Goldberg,
2014). A prior similarity over some of the items adds pseudo-counts, so
pairs the documents say little about fall back on the prior rather than on
noise.

This module knows nothing of the domain: items are integer ids.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np
from scipy import sparse
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

logger = logging.getLogger(__name__)


def ppmi(counts: np.ndarray, *, alpha: float = 0.75) -> np.ndarray:
    """Positive PMI of a square count matrix, with context smoothing ``alpha``.

    ``alpha < 1`` raises the probability of rare contexts, which keeps rare
    items from getting very high PMI from one or two co-occurrences.

    Examples
    --------
    >>> ppmi(np.array([[0.0, 2.0], [2.0, 0.0]])).round(3).tolist()
    [[0.0, 0.693], [0.693, 0.0]]
    """
    counts = np.asarray(counts, dtype=np.float64)
    if counts.ndim != 2 or counts.shape[0] != counts.shape[1]:
        raise ValueError(f"counts must be a square matrix, got shape {counts.shape}")
    if np.any(counts < 0):
        raise ValueError("counts must be non-negative")
    total = counts.sum()
    if total <= 0:
        return np.zeros_like(counts)
    row = counts.sum(axis=1) / total
    col = counts.sum(axis=0) ** alpha
    col = col / col.sum()
    with np.errstate(divide="ignore", invalid="ignore"):
        pmi = np.log((counts / total) / (row[:, None] * col[None, :]))
    pmi[~np.isfinite(pmi)] = 0.0
    positive: np.ndarray = np.maximum(pmi, 0.0)
    return positive


class ItemEmbedding(BaseEstimator):
    """Unit vectors of items, learned from which items occur in the same documents.

    Parameters
    ----------
    rank : int, default=32
        Dimension of the vectors.
    prior_weight : float, default=2.0
        Pseudo-count scale of the prior: pair ``(a, b)`` gets
        ``prior_weight * exp(prior_sharpness * (prior[a, b] - 1))`` extra
        co-occurrences, so a prior similarity of 1 adds ``prior_weight`` and
        one of 0.5 adds ``prior_weight * exp(-prior_sharpness / 2)``.
    prior_sharpness : float, default=6.0
    alpha : float, default=0.75
        Context smoothing of the PMI.

    Attributes
    ----------
    embeddings_ : ndarray of shape (n_items, rank)
        Unit rows (zero rows for items that never occur and have no prior).
    n_documents_ : int

    Examples
    --------
    >>> docs = [{0: 1.0, 1: 1.0}, {0: 1.0, 1: 1.0}, {2: 1.0, 3: 1.0}, {2: 1.0, 3: 1.0}]
    >>> E = ItemEmbedding(rank=2).fit(docs, n_items=4).embeddings_
    >>> bool(E[0] @ E[1] > 0.9 and abs(E[0] @ E[2]) < 0.1)
    True
    """

    def __init__(
        self,
        *,
        rank: int = 32,
        prior_weight: float = 2.0,
        prior_sharpness: float = 6.0,
        alpha: float = 0.75,
    ) -> None:
        self.rank = rank
        self.prior_weight = prior_weight
        self.prior_sharpness = prior_sharpness
        self.alpha = alpha

    def fit(
        self,
        documents: Sequence[dict[int, float]],
        *,
        n_items: int,
        prior: np.ndarray | None = None,
    ) -> ItemEmbedding:
        """Learn the vectors.

        Parameters
        ----------
        documents
            Per document, item id -> weight (how strongly the document holds it).
        n_items
            Number of item ids (``0 .. n_items - 1``).
        prior
            Symmetric similarity in [0, 1] of the first ``prior.shape[0]`` items.

        Returns
        -------
        self
        """
        if self.rank < 1:
            raise ValueError(f"rank must be >= 1, got {self.rank}")
        if n_items < 1:
            raise ValueError(f"n_items must be >= 1, got {n_items}")
        rows, cols, vals = [], [], []
        for d, doc in enumerate(documents):
            for item, weight in doc.items():
                if not 0 <= item < n_items:
                    raise ValueError(f"document {d} holds item {item}, outside 0..{n_items - 1}")
                if weight < 0:
                    raise ValueError(f"document {d} gives item {item} a negative weight {weight}")
                rows.append(d)
                cols.append(item)
                vals.append(float(weight))
        occurrence = sparse.csr_matrix((vals, (rows, cols)), shape=(len(documents), n_items))
        counts = np.asarray((occurrence.T @ occurrence).todense(), dtype=np.float64)
        np.fill_diagonal(counts, 0.0)  # an item with itself says nothing about relatedness
        if prior is not None:
            prior = np.asarray(prior, dtype=np.float64)
            k = prior.shape[0]
            if prior.shape != (k, k) or k > n_items:
                raise ValueError(f"prior must be square and cover at most {n_items} items, got {prior.shape}")
            pseudo = self.prior_weight * np.exp(self.prior_sharpness * (np.clip(prior, 0, 1) - 1.0))
            np.fill_diagonal(pseudo, 0.0)
            counts[:k, :k] += pseudo
        target = ppmi(counts, alpha=self.alpha)
        target = (target + target.T) / 2
        values, vectors = np.linalg.eigh(target)
        top = np.argsort(values)[::-1][: min(self.rank, n_items)]
        embedded = vectors[:, top] * np.sqrt(np.clip(values[top], 0.0, None))
        norms = np.linalg.norm(embedded, axis=1, keepdims=True)
        self.embeddings_ = np.divide(
            embedded, norms, out=np.zeros_like(embedded), where=norms > 1e-12
        ).astype(np.float32)
        self.n_documents_ = len(documents)
        logger.info("item embedding: %d items from %d documents, rank %d", n_items, len(documents), top.size)
        return self

    def similarity(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Cosine similarity of item ids ``a[i]`` and ``b[i]``."""
        check_is_fitted(self, "embeddings_")
        similarity: np.ndarray = np.einsum("ij,ij->i", self.embeddings_[a], self.embeddings_[b])
        return similarity
