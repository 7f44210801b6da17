"""Root-cause suggestions for themes before any model exists: from the taxonomy and the catalogue.

* **taxonomy** (zero-shot, :func:`taxonomy_suggestions`): each root cause's description and
  example phrasings (``examples:`` in the taxonomy file) are embedded with the encoder that embedded
  the contacts. A theme's centroid and its members nearest the centroid (up to :data:`VOTERS`) are
  each scored against every cause by their similarity to its closest phrase; the scores averaged
  over them form the theme's profile, turned into probabilities by a softmax
  (:func:`cause_profiles`, temperature :data:`TEMPERATURE`). The suggestion is the most probable
  cause and its probability the confidence: high when the theme is clearly closer to one cause's
  phrasings than to any other's. Themes outside the taxonomy (an app crash, gift cards) are about
  as close to several causes, so their confidence stays low.
* **catalogue** (:func:`catalogue_suggestions`): the label of the most similar theme an analyst
  already labelled (the catalogue's or a previous run's themes, by centroid cosine similarity);
  the confidence is that similarity.

Both return :data:`voc.contracts.themes.SUGGESTION_COLUMNS` frames, one row per theme, with
``confident`` set where the confidence reaches the source's threshold. The thresholds were chosen
on synthetic weeks with ground truth (``python -m benchmarks --only labelling --labelling-tune``,
seeds 11 and 12, never the weeks the benchmark measures) as the lowest confidence at which 90% of
the suggestions named the theme's true majority root cause. The model's suggestions (``voc label
export --model``) live in ``training.labelling.active_learning``: this floor loads no model.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np
import pandas as pd

from voc.contracts.themes import SUGGESTION_COLUMNS
from voc.taxonomy import Taxonomy

# Chosen for 90% precision on synthetic weeks (see the module docstring): the tuning weeks gave
# 0.695 (100 of 133 themes confident) and 0.762 (54 of 68).
TAXONOMY_THRESHOLD = 0.7
CATALOGUE_THRESHOLD = 0.77
# Members nearest the centroid that are compared with the taxonomy (a theme's exemplars, widely).
VOTERS = 40
# Softmax temperature of the profiles: a lead of 0.03 in mean similarity is a factor e in odds.
TEMPERATURE = 0.03

Encoder = Callable[[list[str]], np.ndarray]


def taxonomy_suggestions(
    profiles: Mapping[int, np.ndarray], taxonomy: Taxonomy, threshold: float = TAXONOMY_THRESHOLD
) -> pd.DataFrame:
    """Zero-shot suggestion per theme: its most probable root cause in ``profiles``.

    Parameters
    ----------
    profiles : mapping of theme id to ndarray of shape (n_causes,)
        From :func:`cause_profiles`, in ``taxonomy.ids`` order.
    taxonomy : Taxonomy
    threshold : float
        Confidence from which a suggestion is ``confident``.

    Returns
    -------
    DataFrame with :data:`~voc.contracts.themes.SUGGESTION_COLUMNS`, source ``taxonomy``.
    """
    causes = list(taxonomy.ids)
    rows = []
    for theme_id, profile in profiles.items():
        best = int(np.argmax(profile))
        confidence = float(profile[best])
        rows.append((int(theme_id), causes[best], confidence, "taxonomy", confidence >= threshold))
    return _frame(rows)


def cause_profiles(
    centroids: Mapping[int, np.ndarray],
    members: Mapping[int, np.ndarray],
    taxonomy: Taxonomy,
    encode: Encoder,
) -> dict[int, np.ndarray]:
    """Each theme's probability of each root cause, from the taxonomy's phrases.

    Parameters
    ----------
    centroids : mapping of theme id to ndarray of shape (dim,)
        Theme centroids.
    members : mapping of theme id to ndarray of shape (n_members, dim)
        Embeddings of the theme's members nearest its centroid (at most :data:`VOTERS` are used).
    taxonomy : Taxonomy
        Root causes with ``description`` and optionally ``examples``.
    encode : callable
        ``encode(list_of_str) -> ndarray of shape (n, dim)``: the encoder of the contacts, e.g.
        :meth:`nlp.embed.Embedder.encode`.

    Returns
    -------
    dict of int to ndarray of shape (n_causes,)
        Probabilities in ``taxonomy.ids`` order, summing to 1; empty without themes.
    """
    phrases, owner = cause_phrases(taxonomy)
    if not centroids:
        return {}
    vectors = _unit(np.asarray(encode(phrases), dtype=np.float32))
    causes = list(taxonomy.ids)
    owner_index = np.array([causes.index(c) for c in owner])
    out = {}
    for theme_id, centroid in centroids.items():
        voters = np.asarray(members.get(theme_id, np.zeros((0, len(centroid)))), dtype=np.float32)[:VOTERS]
        voters = _unit(np.vstack([np.asarray(centroid, dtype=np.float32)[None, :], voters]))
        sims = voters @ vectors.T  # (voters, phrases)
        per_cause = np.full((len(voters), len(causes)), -1.0, dtype=np.float32)
        for k in range(len(causes)):
            per_cause[:, k] = sims[:, owner_index == k].max(axis=1)
        mean = per_cause.mean(axis=0)
        odds = np.exp((mean - mean.max()) / TEMPERATURE)
        out[int(theme_id)] = odds / odds.sum()
    return out


def catalogue_suggestions(
    centroids: Mapping[int, np.ndarray],
    labelled: pd.DataFrame | None,
    threshold: float = CATALOGUE_THRESHOLD,
) -> pd.DataFrame:
    """Per theme, the label of the most similar already-labelled theme.

    Parameters
    ----------
    centroids : mapping of theme id to ndarray of shape (dim,)
    labelled : DataFrame or None
        ``theme_id``, ``centroid`` and ``label`` of labelled themes (the catalogue's
        ``labelled_themes()`` or a previous run's themes); rows without a label are ignored.
    threshold : float
        Cosine similarity from which a suggestion is ``confident``.

    Returns
    -------
    DataFrame with :data:`~voc.contracts.themes.SUGGESTION_COLUMNS`, source ``catalogue``;
    empty when nothing is labelled.
    """
    if labelled is None or not len(labelled) or not centroids:
        return _frame([])
    known = labelled[labelled["label"].notna() & labelled["centroid"].notna()]
    if known.empty:
        return _frame([])
    reference = _unit(np.stack([np.asarray(c, dtype=np.float32) for c in known["centroid"]]))
    labels = known["label"].astype(str).to_numpy()
    ids = list(centroids)
    sims = _unit(np.stack([np.asarray(centroids[t], dtype=np.float32) for t in ids])) @ reference.T
    rows = []
    for i, theme_id in enumerate(ids):
        j = int(sims[i].argmax())
        confidence = float(np.clip(sims[i, j], 0.0, 1.0))
        rows.append((int(theme_id), str(labels[j]), confidence, "catalogue", confidence >= threshold))
    return _frame(rows)


def cause_phrases(taxonomy: Taxonomy) -> tuple[list[str], list[str]]:
    """Every root cause's description and example phrasings, and the cause id of each phrase."""
    phrases: list[str] = []
    owner: list[str] = []
    for cause in taxonomy.root_causes:
        for phrase in (cause.description, *cause.examples):
            phrases.append(phrase)
            owner.append(cause.id)
    return phrases, owner


def _frame(rows: Sequence[tuple[int, str, float, str, bool]]) -> pd.DataFrame:
    frame = pd.DataFrame(list(rows), columns=list(SUGGESTION_COLUMNS))
    return frame.astype(
        {
            "theme_id": "int64",
            "suggested_confidence": "float64",
            "confident": bool,
            "suggested_root_cause": object,
        }
    )


def _unit(X: np.ndarray) -> np.ndarray:
    return (X / np.maximum(np.linalg.norm(X, axis=-1, keepdims=True), 1e-12)).astype(np.float32)
