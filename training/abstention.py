"""How a model learns when to abstain: the confidence threshold and the novelty floor.

Both are chosen on validation contacts by :func:`training.train.train_classifier`:
:func:`choose_threshold` (validation confidences and whether each guess was right in, the
lowest confidence to trust out) and :func:`choose_floor` (a fitted classifier and validation
contacts in, the similarity below which a contact is out of scope out). The tagging cascade's fast
model (:mod:`training.cascade`) chooses its own threshold and floor by the same rules in its own
space (:func:`unseen_class_floor` on its static embeddings). ``python -m benchmarks --only shift``
measures both on Bitext phrasings in styles the model was not trained on, and ``--only
classifier`` on BANKING77 intents held out of training.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np


def choose_threshold(confidence: np.ndarray, correct: np.ndarray, precision_target: float) -> float:
    """Lowest confidence threshold whose kept predictions reach ``precision_target``.

    Parameters
    ----------
    confidence : ndarray of shape (n,)
        Top probability of each validation prediction.
    correct : ndarray of bool, shape (n,)
        Whether each prediction was right.

    Returns
    -------
    float
        Predictions with ``confidence >= threshold`` are trusted; ``1.0 + 1e-9`` (abstain on
        everything) when no threshold reaches the target. Every cut between the last kept
        confidence and the next lower one scores the same on validation; the middle of that gap is
        returned (halfway to 0 when all are kept), not its upper edge: when every validation
        prediction is right, as on templated phrasings, the edge is the lowest confidence seen,
        an extreme that flagged a quarter of reworded contacts of known causes on Bitext.
    """
    order = np.argsort(-confidence, kind="stable")
    conf = confidence[order]
    hits = np.cumsum(correct[order].astype(float))
    kept = np.arange(1, len(conf) + 1)
    precision = hits / kept
    # Only cut between distinct confidences, so that ties are all kept or all dropped.
    last_of_value = np.r_[conf[1:] != conf[:-1], True]
    ok = np.flatnonzero((precision >= precision_target) & last_of_value)
    if len(ok) == 0:
        return 1.0 + 1e-9
    cut = ok[-1]
    below = conf[cut + 1] if cut + 1 < len(conf) else 0.0
    return float((conf[cut] + below) / 2)


def choose_floor(model: Any, texts: Sequence[str], labels: Sequence[str], quantile: float) -> float:
    """Novelty floor that flags ``quantile`` of simulated out-of-scope contacts.

    Each of ``texts`` (validation contacts of known classes ``labels``) is scored against the
    reference examples of every class but its own: how close a contact of a class the model never
    saw comes to the known ones. The floor is the ``quantile`` of those similarities. Returns
    ``-1`` (off) for a model without embeddings or when ``quantile`` is 0.
    """
    references, reference_labels = model.references_, getattr(model, "reference_labels_", None)
    if quantile <= 0 or references is None or reference_labels is None:
        return -1.0
    embeddings = model._embeddings([str(t) for t in texts])
    assert embeddings is not None
    return unseen_class_floor(embeddings, references, reference_labels, labels, quantile)


def unseen_class_floor(
    embeddings: np.ndarray,
    references: np.ndarray,
    reference_labels: np.ndarray,
    labels: Sequence[str] | np.ndarray,
    quantile: float,
) -> float:
    """The ``quantile`` of each contact's similarity to the references of the other classes.

    ``embeddings`` (n, dim) and ``references`` (n_references, dim) are unit-length; ``labels`` (n,)
    are the contacts' classes, ``reference_labels`` (n_references,) the references'.
    """
    similarity = embeddings.astype(np.float32) @ references.astype(np.float32).T
    own = np.asarray(labels, dtype=object)[:, None] == np.asarray(reference_labels, dtype=object)[None, :]
    unseen = np.where(own, -1.0, similarity).max(axis=1)
    return float(np.quantile(unseen, quantile))


def reference_rows(labels: np.ndarray, weights: np.ndarray, per_class: int) -> np.ndarray:
    """Rows of up to ``per_class`` positively weighted examples of each class (a seeded sample):
    the reference examples of the out-of-scope check."""
    rng = np.random.default_rng(0)
    keep = []
    for label in np.unique(labels):
        rows = np.flatnonzero((labels == label) & (weights > 0))
        keep.append(rows if len(rows) <= per_class else np.sort(rng.choice(rows, per_class, replace=False)))
    return np.concatenate(keep)


def nearest_similarity(embeddings: np.ndarray, references: np.ndarray, block: int = 4096) -> np.ndarray:
    """Highest cosine similarity of each (unit-length) embedding to any reference, in row blocks."""
    refs = references.astype(np.float32)
    out = np.empty(len(embeddings), dtype=np.float32)
    for start in range(0, len(embeddings), block):
        out[start : start + block] = (embeddings[start : start + block] @ refs.T).max(axis=1)
    return out
