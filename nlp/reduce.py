"""Dimension reduction for theme discovery: UMAP on an exact cosine k-nearest-neighbour graph.

UMAP's own neighbour search (NN-descent) is approximate and, with a fixed ``random_state``,
single-threaded. For the sample sizes discovery fits on (at most a few tens of thousands of
contacts) the exact graph is a handful of blocked matrix products over the normalised embeddings:
faster, exact, and deterministic. UMAP then only builds the fuzzy graph and optimises the layout.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin


class KnnUMAP(TransformerMixin, BaseEstimator):
    """UMAP to ``n_components`` dimensions, fed an exact cosine k-NN graph.

    Parameters
    ----------
    n_neighbors : int
        Neighbours per point (UMAP's locality scale).
    n_components : int
        Output dimensions.
    min_dist : float
        UMAP ``min_dist``; 0 packs clusters tightly, which suits density clustering.
    n_epochs : int
        Layout optimisation epochs (UMAP's default is 500 below 10k points, 200 above).
    block_size : int
        Rows per block of the similarity computation (memory ``block_size * n * 4`` bytes).
    random_state : int
        Seed of the layout.

    Attributes
    ----------
    embedding_ : ndarray of shape (n_samples, n_components)
        The reduced training data.
    """

    def __init__(
        self,
        n_neighbors: int = 15,
        n_components: int = 5,
        min_dist: float = 0.0,
        n_epochs: int = 200,
        block_size: int = 2048,
        random_state: int = 0,
    ) -> None:
        self.n_neighbors = n_neighbors
        self.n_components = n_components
        self.min_dist = min_dist
        self.n_epochs = n_epochs
        self.block_size = block_size
        self.random_state = random_state

    def fit(self, X: np.ndarray, y: Any = None) -> KnnUMAP:
        """Reduce ``X`` of shape ``(n_samples, dim)``; the result is in ``embedding_``."""
        from umap import UMAP

        X = np.asarray(X, dtype=np.float32)
        k = min(self.n_neighbors, len(X) - 1)
        indices, distances = exact_cosine_knn(X, k, self.block_size)
        umap = UMAP(
            n_neighbors=k,
            n_components=self.n_components,
            min_dist=self.min_dist,
            metric="cosine",
            n_epochs=self.n_epochs,
            random_state=self.random_state,
            precomputed_knn=(indices, distances, None),
            n_jobs=1,  # a seeded UMAP is single-threaded anyway; saying so silences its warning
        )
        with warnings.catch_warnings():
            # No search index is kept: new contacts are assigned by centroid, never transformed.
            warnings.filterwarnings("ignore", message=r"precomputed_knn\[2\]", category=UserWarning)
            self.embedding_ = np.asarray(umap.fit_transform(X), dtype=np.float32)
        return self

    def fit_transform(self, X: np.ndarray, y: Any = None, **fit_params: Any) -> np.ndarray:
        return self.fit(X).embedding_


def exact_cosine_knn(X: np.ndarray, k: int, block_size: int = 2048) -> tuple[np.ndarray, np.ndarray]:
    """The ``k`` nearest neighbours of each row by cosine distance, the row itself first.

    Parameters
    ----------
    X : ndarray of shape (n, dim)
    k : int
        Neighbours per row, including the row itself.

    Returns
    -------
    indices : ndarray of int32, shape (n, k)
    distances : ndarray of float32, shape (n, k)
        Cosine distances ``1 - similarity``, ascending.
    """
    norms = np.linalg.norm(X, axis=1, keepdims=True)
    Xn = (X / np.maximum(norms, 1e-12)).astype(np.float32)
    n = len(Xn)
    indices = np.empty((n, k), dtype=np.int32)
    distances = np.empty((n, k), dtype=np.float32)
    for start in range(0, n, block_size):
        sims = Xn[start : start + block_size] @ Xn.T
        rows = np.arange(len(sims))
        sims[rows, start + rows] = np.inf  # the row itself always comes first
        top = np.argpartition(-sims, k - 1, axis=1)[:, :k]
        top_sims = np.take_along_axis(sims, top, axis=1)
        order = np.argsort(-top_sims, axis=1, kind="stable")
        indices[start : start + len(sims)] = np.take_along_axis(top, order, axis=1)
        best = np.take_along_axis(top_sims, order, axis=1)
        best[:, 0] = 1.0
        distances[start : start + len(sims)] = np.clip(1.0 - best, 0.0, 2.0)
    return indices, distances
