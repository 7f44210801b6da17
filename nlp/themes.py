"""Theme discovery: reduce -> HDBSCAN -> themes with names, keywords, exemplars, groups and stable ids.

``ThemeModel`` is a scikit-learn estimator (it clones, pickles and grid-searches). Its sub-models
are passed in (``reducer``, ``clusterer``) and ``None`` means the default: UMAP to 5 dimensions
(cosine, ``min_dist=0``) on an exact k-nearest-neighbour graph (:class:`nlp.reduce.KnnUMAP`), then
``hdbscan.HDBSCAN``; ``reducer=FunctionTransformer()`` (the identity) skips the reduction.
Contacts HDBSCAN leaves as noise join the nearest theme when their cosine similarity to its
centroid reaches ``outlier_threshold``; the rest stay ``-1``.
Large inputs are fitted on a random sample of ``fit_sample`` contacts and the others are assigned
by nearest centroid, so time and memory stay bounded.

Each theme gets a readable name (:mod:`nlp.naming`) and a parent group: Ward clustering of the
theme centroids into about one group per ``group_size`` themes (:func:`parent_groups`); discovery
then regroups with each theme's root-cause profile beside its centroid (:func:`regroup`), so that
a group holds themes of close causes. On the synthetic demo (6,000 contacts, 28 root causes) that
gives 16 groups of 1-11 of its 62 themes; average linkage of centroids, used before, put 77 of 123
themes in one group and left 7 groups of one.

``match_previous`` gives themes the ids (and labels) of a previous run's or a catalogue's themes
they match by centroid similarity, one to one; the others get fresh ids and ``is_new=True``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar, Literal, NamedTuple

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, clone

from nlp.keywords import ctfidf_keywords
from voc.contracts.themes import THEME_COLUMNS
from voc.params import Constraint, has_methods, integer, number, one_of, validate_params

NO_THEME = -1
# Members nearest the centroid that a theme's name is drawn from.
NAME_FROM = 30


class ThemeModel(BaseEstimator):
    """Discover themes in contact embeddings.

    The defaults were chosen on random 3,080-text samples of the BANKING77 *train* split (NMI + ARI
    against its intents; ``python -m benchmarks --only themes --tune``), never on the test split.

    Parameters
    ----------
    reducer : estimator with ``fit_transform`` or None
        Dimension reduction before clustering (cloned, never fitted in place); ``None``:
        :class:`nlp.reduce.KnnUMAP` (UMAP to ``n_components`` on the exact cosine ``n_neighbors``
        graph, ``min_dist=0``). ``FunctionTransformer()`` (the identity) clusters the embeddings
        themselves.
    clusterer : estimator with ``fit_predict`` or None
        Cloned, never fitted in place; ``None``: ``hdbscan.HDBSCAN(min_cluster_size=min_theme_size_,
        min_samples=min_samples, cluster_selection_method=selection)``. Its label ``-1`` means noise.
    min_theme_size : int
        Smallest theme (HDBSCAN ``min_cluster_size``).
    min_theme_share : float
        ...and at least this share of the contacts fitted on (0.5% by default: themes an analyst
        can name in one sitting stay in the tens at 6,000 contacts: 62 on the synthetic demo
        instead of 132 at 0.25%, with theme labels as accurate; ``python -m benchmarks --only
        labelling``). Below 3,000 contacts ``min_theme_size`` decides.
    min_samples : int or None
        HDBSCAN ``min_samples`` (how conservative the density estimate is); ``None``: as
        ``min_theme_size``.
    selection : {"eom", "leaf"}
        HDBSCAN cluster selection: ``leaf`` gives more, finer themes.
    n_neighbors, n_components : int
        UMAP settings of the default reducer.
    outlier_threshold : float
        Noise contacts whose cosine similarity to the nearest centroid reaches this join that theme.
    n_keywords, n_exemplars : int
        Keywords and representative texts per theme.
    n_groups : int or None
        Parent groups of the two-level hierarchy; ``None``: one per ``group_size`` themes.
    group_size : int
        Themes per parent group on average when ``n_groups`` is ``None``.
    fit_sample : int
        Fit on a random sample of at most this many contacts and assign the rest.
    random_state : int
        Seed of the sample and the reducer.

    Attributes
    ----------
    min_theme_size_ : int
        The HDBSCAN ``min_cluster_size`` used: ``max(min_theme_size, min_theme_share * n_fitted)``.
    labels_ : ndarray of shape (n_contacts,)
        Theme id of each contact, ``-1`` when unassigned.
    probabilities_ : ndarray of shape (n_contacts,)
        HDBSCAN membership strength, or the centroid similarity for contacts assigned by
        similarity; ``0`` when unassigned.
    themes_ : DataFrame
        One row per theme: ``theme_id, name, parent_id, parent_name, size, keywords, exemplars,
        centroid, is_new, label``, largest theme first.
    centroids_ : ndarray of shape (n_themes, dim)
        Normalised mean embedding of each theme's HDBSCAN members, in ``themes_`` order.
    theme_ids_ : ndarray of shape (n_themes,)
        Theme id of each row of ``centroids_``.
    sample_index_ : ndarray of shape (n_fitted,)
        Rows of ``X`` the reducer and clusterer were fitted on.
    reducer_, clusterer_ : estimators
        The fitted clones of ``reducer`` and ``clusterer`` (or of the defaults).
    """

    # What each parameter must be, as data (scikit-learn's convention); checked once, when fit starts.
    _parameter_constraints: ClassVar[dict[str, Constraint]] = {
        "reducer": has_methods("fit_transform"),
        "clusterer": has_methods("fit_predict"),
        "min_theme_size": integer(2),
        "min_theme_share": number(0.0, 0.5, high_open=True),
        "min_samples": integer(1, none=True),
        "selection": one_of("eom", "leaf"),
        "n_neighbors": integer(2),
        "n_components": integer(1),
        "outlier_threshold": number(-1.0, 1.0),
        "n_keywords": integer(0),
        "n_exemplars": integer(0),
        "n_groups": integer(1, none=True),
        "group_size": integer(1),
        "fit_sample": integer(100),
        "random_state": integer(),
    }

    def __init__(
        self,
        reducer: Any = None,
        clusterer: Any = None,
        *,
        min_theme_size: int = 15,
        min_theme_share: float = 0.005,
        min_samples: int | None = 5,
        selection: Literal["eom", "leaf"] = "leaf",
        n_neighbors: int = 25,
        n_components: int = 5,
        outlier_threshold: float = 0.5,
        n_keywords: int = 10,
        n_exemplars: int = 5,
        n_groups: int | None = None,
        group_size: int = 4,
        fit_sample: int = 20_000,
        random_state: int = 0,
    ) -> None:
        self.reducer = reducer
        self.clusterer = clusterer
        self.min_theme_size = min_theme_size
        self.min_theme_share = min_theme_share
        self.min_samples = min_samples
        self.selection = selection
        self.n_neighbors = n_neighbors
        self.n_components = n_components
        self.outlier_threshold = outlier_threshold
        self.n_keywords = n_keywords
        self.n_exemplars = n_exemplars
        self.n_groups = n_groups
        self.group_size = group_size
        self.fit_sample = fit_sample
        self.random_state = random_state

    # ---------------------------------------------------------------------------------------
    def fit(
        self,
        X: np.ndarray,
        texts: Sequence[str] | None = None,
        exemplar_texts: Sequence[str] | None = None,
    ) -> ThemeModel:
        """Learn themes from embeddings ``X`` of shape ``(n_contacts, dim)``.

        ``texts`` (redacted, same order) give the keywords and names, ``exemplar_texts`` (default:
        ``texts``) the exemplars; without texts, keywords and exemplars are empty lists and names
        ``"Theme N"``. Raises ``ValueError`` for fewer than ``2 * min_theme_size`` contacts or
        texts of the wrong length, and for invalid parameters (each named).

        Parameters
        ----------
        X : array-like of shape (n_contacts, dim)
        texts : sequence of str of length n_contacts, optional
            What the contacts say, as clustered (e.g. without channel boilerplate).
        exemplar_texts : sequence of str of length n_contacts, optional
            What is shown to people as exemplars (e.g. the whole redacted contact).

        Returns
        -------
        self
        """
        self._validate_params()
        X = _normalise(np.asarray(X, dtype=np.float32))
        if X.ndim != 2 or len(X) < 2 * self.min_theme_size:
            raise ValueError(
                f"need a 2-d array of at least {2 * self.min_theme_size} embeddings, got shape {X.shape}"
            )
        for given in (texts, exemplar_texts):
            if given is not None and len(given) != len(X):
                raise ValueError(f"{len(given)} texts for {len(X)} embeddings")
        rng = np.random.default_rng(self.random_state)
        if len(X) > self.fit_sample:
            self.sample_index_ = np.sort(rng.choice(len(X), self.fit_sample, replace=False))
        else:
            self.sample_index_ = np.arange(len(X))
        sample = X[self.sample_index_]

        self.reducer_ = self._make_reducer()
        reduced = self.reducer_.fit_transform(sample)
        self.min_theme_size_ = max(self.min_theme_size, int(np.ceil(self.min_theme_share * len(sample))))
        self.clusterer_ = self._make_clusterer()
        fit_labels = np.asarray(self.clusterer_.fit_predict(reduced))
        fit_probs = np.asarray(getattr(self.clusterer_, "probabilities_", np.ones(len(sample))))

        # Themes numbered by size, largest first, so ids do not depend on HDBSCAN's order.
        found, counts = np.unique(fit_labels[fit_labels >= 0], return_counts=True)
        order = found[np.lexsort((found, -counts))]
        renumber = {int(old): new for new, old in enumerate(order)}
        centroids = (
            np.stack([sample[fit_labels == old].mean(axis=0) for old in order]) if len(order) else None
        )
        self.centroids_ = _normalise(centroids) if centroids is not None else np.zeros((0, X.shape[1]), "f4")
        self.theme_ids_ = np.arange(len(order))

        labels, probs = self.assign(X)  # noise and unsampled contacts: nearest similar centroid
        members = fit_labels >= 0
        labels[self.sample_index_[members]] = [renumber[int(v)] for v in fit_labels[members]]
        probs[self.sample_index_[members]] = fit_probs[members]
        self.labels_, self.probabilities_ = labels, probs
        self.themes_ = self._describe(
            X, labels, texts, exemplar_texts if exemplar_texts is not None else texts
        )
        return self

    def fit_predict(
        self, X: np.ndarray, texts: Sequence[str] | None = None, exemplar_texts: Sequence[str] | None = None
    ) -> np.ndarray:
        """Fit and return ``labels_``."""
        return self.fit(X, texts, exemplar_texts).labels_

    def assign(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Themes of new contacts by nearest centroid.

        Parameters
        ----------
        X : array-like of shape (n_contacts, dim)

        Returns
        -------
        labels : ndarray of int64, shape (n_contacts,)
            Theme id, or ``-1`` when the best cosine similarity is below ``outlier_threshold``.
        similarity : ndarray of float32, shape (n_contacts,)
            Cosine similarity to the chosen centroid; ``0`` when unassigned.
        """
        X = _normalise(np.asarray(X, dtype=np.float32))
        labels = np.full(len(X), NO_THEME, dtype=np.int64)
        sims = np.zeros(len(X), dtype=np.float32)
        if not len(self.centroids_):
            return labels, sims
        for start in range(0, len(X), 50_000):  # bounded memory for large batches
            block = X[start : start + 50_000] @ self.centroids_.T
            best = block.argmax(axis=1)
            score = block[np.arange(len(best)), best]
            ok = score >= self.outlier_threshold
            labels[start : start + len(best)][ok] = self.theme_ids_[best[ok]]
            sims[start : start + len(best)][ok] = score[ok]
        return labels, sims

    # ---------------------------------------------------------------------------------------
    def _validate_params(self) -> None:
        """Raise ``ValueError`` naming the first parameter that breaks its constraint."""
        validate_params(self)
        if self.fit_sample < 2 * self.min_theme_size:
            raise ValueError(
                f"{type(self).__name__}: fit_sample must be >= 2 * min_theme_size "
                f"({2 * self.min_theme_size}), got {self.fit_sample}"
            )

    def n_groups_for(self, n_themes: int) -> int:
        """Parent groups for ``n_themes`` themes: ``n_groups``, or one per ``group_size`` (at least 2)."""
        if self.n_groups is not None:
            return self.n_groups
        return max(2, round(n_themes / self.group_size))

    def _make_reducer(self) -> Any:
        if self.reducer is not None:
            return clone(self.reducer)
        from nlp.reduce import KnnUMAP

        return KnnUMAP(
            n_neighbors=self.n_neighbors, n_components=self.n_components, random_state=self.random_state
        )

    def _make_clusterer(self) -> Any:
        if self.clusterer is not None:
            return clone(self.clusterer)
        import hdbscan

        return hdbscan.HDBSCAN(
            min_cluster_size=self.min_theme_size_,
            min_samples=self.min_samples,
            cluster_selection_method=self.selection,
            core_dist_n_jobs=1,
        )

    def _describe(
        self,
        X: np.ndarray,
        labels: np.ndarray,
        texts: Sequence[str] | None,
        exemplar_texts: Sequence[str] | None,
    ) -> pd.DataFrame:
        from nlp.naming import group_names, theme_names

        ids = [int(t) for t in self.theme_ids_]
        sizes = {
            int(k): int(v) for k, v in zip(*np.unique(labels[labels >= 0], return_counts=True), strict=True)
        }
        keywords: dict[int, list[str]] = {t: [] for t in ids}
        exemplars: dict[int, list[str]] = {t: [] for t in ids}
        central: dict[int, list[str]] = {t: [] for t in ids}
        if texts is not None and exemplar_texts is not None and ids:
            keywords = ctfidf_keywords(texts, labels, ids, self.n_keywords)
            for t, centroid in zip(ids, self.centroids_, strict=True):
                rows = np.flatnonzero(labels == t)
                ranked = rows[np.argsort(-(X[rows] @ centroid), kind="stable")]
                exemplars[t] = _distinct(
                    [exemplar_texts[i] for i in ranked[: 20 * self.n_exemplars]], self.n_exemplars
                )
                central[t] = [texts[i] for i in ranked[:NAME_FROM]]
        names = theme_names(central, keywords, order=ids)
        parents = parent_groups(self.centroids_, self.n_groups_for(len(ids)))
        centroids = dict(zip(ids, self.centroids_, strict=True))
        parent_names = group_names(dict(zip(ids, parents, strict=True)), names, centroids, sizes)
        return pd.DataFrame(
            {
                "theme_id": pd.Series(ids, dtype="int64"),
                "name": pd.Series([names[t] for t in ids], dtype=object),
                "parent_id": pd.Series(parents, dtype="int64"),
                "parent_name": pd.Series([parent_names[p] for p in parents], dtype=object),
                "size": pd.Series([sizes.get(t, 0) for t in ids], dtype="int64"),
                "keywords": [keywords[t] for t in ids],
                "exemplars": [exemplars[t] for t in ids],
                "centroid": [c.astype(np.float32) for c in self.centroids_],
                "is_new": pd.Series([True] * len(ids), dtype=bool),
                "label": pd.Series([None] * len(ids), dtype=object),
            },
            columns=list(THEME_COLUMNS),
        )


class ThemeMatch(NamedTuple):
    """Result of :func:`match_previous`: the themes with stable ids, and fitted id -> stable id."""

    themes: pd.DataFrame
    id_map: dict[int, int]


def match_previous(
    themes: pd.DataFrame, previous_themes: pd.DataFrame | None, threshold: float = 0.8
) -> ThemeMatch:
    """Give ``themes`` the ids and labels of the ``previous_themes`` they match.

    Matching is one to one (Hungarian assignment on centroid cosine similarity); a pair counts only
    when its similarity reaches ``threshold``. Matched themes keep the previous ``theme_id`` and
    ``label`` and get ``is_new=False``; the others get ids above every previous id (also above
    ``previous_themes.attrs["next_theme_id"]`` when present, so retired ids are never reused) and
    ``is_new=True``.

    Parameters
    ----------
    themes : DataFrame
        New themes with ``theme_id`` and ``centroid`` (arrays of shape (dim,)).
    previous_themes : DataFrame or None
        A previous run's themes or a catalogue of labelled themes: ``theme_id``, ``centroid`` and
        optionally ``label``. ``None`` or empty: every theme is new.
    threshold : float
        Minimum cosine similarity of a match.

    Returns
    -------
    ThemeMatch
        ``themes`` (a copy with stable ``theme_id``, ``label``, ``is_new`` and ``match_similarity``,
        sorted by size) and ``id_map`` from the old to the stable ids.
    """
    out = themes.copy()
    if "label" not in out:
        out["label"] = None
    out["label"] = out["label"].astype(object)
    out["match_similarity"] = np.nan
    new_ids = out["theme_id"].astype(int).tolist()
    is_new = [True] * len(out)
    next_id = 0
    if previous_themes is not None and len(previous_themes):
        prev_ids = previous_themes["theme_id"].astype(int).to_numpy()
        next_id = max(int(prev_ids.max()) + 1, int(previous_themes.attrs.get("next_theme_id", 0)))
        if len(out):
            from scipy.optimize import linear_sum_assignment

            sims = _normalise(_stack(out["centroid"])) @ _normalise(_stack(previous_themes["centroid"])).T
            rows, cols = linear_sum_assignment(-sims)
            prev_labels = previous_themes.get("label")
            for r, c in zip(rows, cols, strict=True):
                if sims[r, c] >= threshold:
                    new_ids[r] = int(prev_ids[c])
                    is_new[r] = False
                    out.at[out.index[r], "match_similarity"] = float(sims[r, c])
                    if prev_labels is not None and _present(prev_labels.iloc[c]):
                        out.at[out.index[r], "label"] = prev_labels.iloc[c]
    fresh = [i for i, new in enumerate(is_new) if new]
    for offset, i in enumerate(fresh):
        new_ids[i] = next_id + offset
    id_map = {int(old): new for old, new in zip(out["theme_id"], new_ids, strict=True)}
    out["theme_id"] = pd.Series(new_ids, index=out.index, dtype="int64")
    out["is_new"] = pd.Series(is_new, index=out.index, dtype=bool)
    out.attrs["next_theme_id"] = max([next_id + len(fresh), *[i + 1 for i in new_ids]])
    return ThemeMatch(out.sort_values("size", ascending=False, kind="stable").reset_index(drop=True), id_map)


def relabel(labels: np.ndarray, id_map: Mapping[int, int]) -> np.ndarray:
    """``labels`` with each theme id replaced through ``id_map``; ``-1`` stays ``-1``."""
    labels = np.asarray(labels)
    out = labels.copy()
    for old, new in id_map.items():
        out[labels == old] = new
    return out


def cluster_quality(X: np.ndarray, labels: np.ndarray, sample: int = 5_000, random_state: int = 0) -> float:
    """Cosine silhouette of the assigned contacts (a sample of at most ``sample``); NaN if < 2 themes.

    Ranges from -1 to 1; higher means themes are tighter and better separated.
    """
    from sklearn.metrics import silhouette_score

    labels = np.asarray(labels)
    rows = np.flatnonzero(labels >= 0)
    if len(np.unique(labels[rows])) < 2:
        return float("nan")
    if len(rows) > sample:
        rows = np.sort(np.random.default_rng(random_state).choice(rows, sample, replace=False))
    if len(np.unique(labels[rows])) < 2:
        return float("nan")
    return float(silhouette_score(np.asarray(X)[rows], labels[rows], metric="cosine"))


# -------------------------------------------------------------------------------------------
def regroup(
    themes: pd.DataFrame, n_groups: int, profiles: Mapping[int, np.ndarray] | None = None
) -> pd.DataFrame:
    """``themes`` with ``parent_id`` and ``parent_name`` made again, from centroids and profiles.

    Parameters
    ----------
    themes : DataFrame
        ``theme_id``, ``name``, ``size`` and ``centroid``, largest theme first.
    n_groups : int
        Groups wanted (e.g. :meth:`ThemeModel.n_groups_for`).
    profiles : mapping of theme id to ndarray of shape (n_causes,), optional
        Each theme's probability of each root cause (:func:`nlp.suggest.cause_profiles`): set beside
        the unit centroid with the same weight, so that themes of one likely cause group together
        even when customers word it differently (on the synthetic demo: 40 instead of 44
        decisions in ``python -m benchmarks --only labelling``).
    """
    from nlp.naming import group_names

    out = themes.copy()
    ids = [int(t) for t in out["theme_id"]]
    features = _normalise(_stack(out["centroid"])) if ids else np.zeros((0, 1), np.float32)
    if profiles is not None and ids:
        features = np.hstack([features, np.stack([np.asarray(profiles[t], np.float32) for t in ids])])
    parents = parent_groups(features, n_groups)
    names = dict(zip(ids, out["name"], strict=True))
    centroids = {t: _normalise(np.asarray(c, np.float32)) for t, c in zip(ids, out["centroid"], strict=True)}
    sizes = {t: int(n) for t, n in zip(ids, out["size"], strict=True)}
    parent_names = group_names(dict(zip(ids, parents, strict=True)), names, centroids, sizes)
    out["parent_id"] = pd.Series(parents, index=out.index, dtype="int64")
    out["parent_name"] = pd.Series([parent_names[p] for p in parents], index=out.index, dtype=object)
    return out


def parent_groups(features: np.ndarray, n_groups: int) -> list[int]:
    """Parent group of each theme: Ward clustering of its (unit-length) features into ``n_groups``.

    Ward merges the pair of groups that least increases the spread within groups, so near-duplicate
    themes join first and groups grow evenly; average linkage (cosine), measured on the same
    themes, chains most themes into one group and leaves outliers alone (see the module
    docstring). Groups are numbered by their largest theme (rows come largest first).

    Parameters
    ----------
    features : ndarray of shape (n_themes, n_features)
        Theme centroids (or centroids beside root-cause profiles), largest theme first; each row is
        scaled to unit length.
    n_groups : int
        Groups wanted (at most one per theme).

    Returns
    -------
    list of int
        Group of each theme, ``0`` for the group of the largest theme.
    """
    k = len(features)
    n = min(max(n_groups, 1), k)
    if k < 3 or n == 1:
        return [0] * k
    from sklearn.cluster import AgglomerativeClustering

    raw = AgglomerativeClustering(n_clusters=n, linkage="ward").fit_predict(_normalise(features))
    first_seen: dict[int, int] = {}
    for g in raw:  # parents numbered by their largest theme (themes come largest first)
        first_seen.setdefault(int(g), len(first_seen))
    return [first_seen[int(g)] for g in raw]


def _distinct(texts: Sequence[str], n: int) -> list[str]:
    """First ``n`` texts that differ after lower-casing and squeezing spaces and punctuation."""
    seen: set[str] = set()
    out: list[str] = []
    for text in texts:
        key = re.sub(r"[\W_]+", " ", str(text).lower()).strip()
        if key and key not in seen:
            seen.add(key)
            out.append(str(text))
            if len(out) == n:
                break
    return out


def _normalise(X: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(X, axis=-1, keepdims=True)
    return (X / np.maximum(norms, 1e-12)).astype(np.float32, copy=False)


def _stack(column: pd.Series) -> np.ndarray:
    return np.stack([np.asarray(v, dtype=np.float32) for v in column])


def _present(value: Any) -> bool:
    return value is not None and not (isinstance(value, float) and np.isnan(value)) and str(value) != ""
