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
from typing import Any, NamedTuple

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
    return unseen_class_floor(model.novelty_vectors(texts), references, reference_labels, labels, quantile)


# Train rows per class the base encoder embeds to choose a fine-tuned model's floor.
BASE_REFERENCES_PER_CLASS = 200
# Validation contacts below the base floor that a matched share needs (fewer: the base floor's value).
MIN_MATCHED_SUPPORT = 10
# MatchedFloor.rule (and the MLflow param similarity_floor_rule) when the share was matched.
MATCHED_RULE = "matched to the base encoder"


class MatchedFloor(NamedTuple):
    """A fine-tuned model's novelty floor (:func:`matched_floor`): its value, the share of validation
    contacts the base floor sets aside, and the rule that chose it (an MLflow param)."""

    floor: float
    share: float
    rule: str


def choose_matched_floor(
    model: Any,
    base: Any,
    train: tuple[Sequence[str], Sequence[str], np.ndarray | None],
    validation: tuple[Sequence[str], Sequence[str]],
    similarity: np.ndarray,
    quantile: float,
) -> MatchedFloor:
    """:func:`matched_floor` of ``model``, whose encoder was fine-tuned from ``base``'s.

    ``base`` (an embedder; ``None``: the bundled MiniLM) embeds up to
    :data:`BASE_REFERENCES_PER_CLASS` rows per class of ``train`` (texts, labels, weights or
    ``None``) as it reads them for ``model`` (``model.encoder_inputs``), and the ``validation``
    contacts (texts, labels), whose ``similarity`` to ``model``'s references is given.
    """
    if base is None:
        from nlp.embed import EmbedConfig, Embedder

        base = Embedder(EmbedConfig(show_progress=False))
    texts, labels, weights = [str(t) for t in train[0]], np.asarray(train[1], dtype=object), train[2]
    rows = reference_rows(
        labels, np.ones(len(labels)) if weights is None else weights, BASE_REFERENCES_PER_CLASS
    )
    inputs = model.encoder_inputs([texts[i] for i in rows] + [str(t) for t in validation[0]])
    vectors = np.asarray(base.encode(inputs), dtype=np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True).clip(1e-12)
    references, embeddings = vectors[: len(rows)], vectors[len(rows) :]
    return matched_floor(similarity, embeddings, references, labels[rows], validation[1], quantile)


def matched_floor(
    similarity: np.ndarray,
    base_embeddings: np.ndarray,
    base_references: np.ndarray,
    reference_labels: np.ndarray,
    labels: Sequence[str] | np.ndarray,
    quantile: float,
    min_support: int = MIN_MATCHED_SUPPORT,
) -> MatchedFloor:
    """Novelty floor for an encoder fine-tuned on the very classes :func:`choose_floor` simulates with.

    Fine-tuning teaches the encoder to pull each class away from the others, so a validation
    contact scored against the other classes' references no longer stands for a contact of a cause
    the model never saw: the simulated floor drops, and fewer truly new contacts are flagged
    (BANKING77, 10 intents held out: 51.5% against 55.5% with the frozen encoder). So the
    simulation runs in the base encoder's space (``base_embeddings`` of the validation contacts,
    ``base_references`` of the references, both unit-length), where it was tuned
    (``novelty_quantile``), and the share of validation contacts that floor sets aside there is set
    aside in the fine-tuned space too: the floor is that quantile of ``similarity`` (each
    validation contact's similarity to its nearest reference, fine-tuned space).

    A share is matched only when at least ``min_support`` validation contacts fall below the base
    floor. On templated phrasings (Bitext) the base floor sets aside 2 of 910 validation contacts,
    near-copies of training examples that the fine-tune pulls closer still: the matched floor
    (0.809) then flagged half of the reworded contacts of known causes (49.6% kept, against 74.6%
    with the frozen encoder). With so little support the base floor's value is kept instead (0.667:
    the fine-tuned and the base spaces put unseen intents at like similarities there).

    Returns a :class:`MatchedFloor`.
    """
    base_floor = unseen_class_floor(base_embeddings, base_references, reference_labels, labels, quantile)
    below = nearest_similarity(base_embeddings, base_references) < base_floor
    share = float(below.mean())
    if int(below.sum()) < min_support:
        rule = f"the base encoder's (fewer than {min_support} validation contacts below it to match)"
        return MatchedFloor(base_floor, share, rule)
    return MatchedFloor(float(np.quantile(similarity, share)), share, MATCHED_RULE)


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
