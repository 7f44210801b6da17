"""The tagging cascade: a fast model decides the contacts it is sure of, the full model the rest.

MiniLM costs tens of milliseconds per realistic contact on a CPU; most contacts are plain cases that
a much cheaper model gets right. :class:`FastModel` is a logistic regression on static embeddings
(:mod:`nlp.static_encoder`, distilled from the same MiniLM) next to word and character TF-IDF: about
a millisecond per contact. :class:`Cascade` holds it with two learned cut-offs: a contact is
decided by the fast model when its confidence is at least ``threshold_`` and it is no further from
the fast model's training examples than ``similarity_floor_`` (out-of-scope text goes on to the full
model, which has its own check); every other contact goes through MiniLM and the full model.

:func:`fit_cascade` is called by :func:`training.classifier.train_classifier` when
``TrainConfig.cascade`` is on: the fast model is fitted on the training split, the cut-offs chosen
on the validation split as the lowest confidence at which (a) the fast model's precision on the
contacts it keeps meets the precision target and (b) the whole cascade's validation macro-F1 stays
within ``cascade_tolerance`` of the full model's; then it is refitted on train + validation like the
full model. The fitted cascade rides on the full classifier (``cascade_``), so it is part of the one
pyfunc (:mod:`training.pyfunc`). Contacts it decides are trusted (``needs_review`` False): they met
the precision target on validation.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from sklearn.pipeline import FeatureUnion

log = logging.getLogger(__name__)


class FastModel:
    """Logistic regression on static embeddings + word (1-2) and char (2-4) TF-IDF of prepared texts.

    Parameters
    ----------
    C : float
        Inverse regularisation strength.
    static_weight : float
        Scale of the unit-length static block next to the unit-length TF-IDF blocks.
    max_references_per_class : int
        Training examples kept per class for the out-of-scope check (nearest neighbour, static space).
    encoder : object with ``encode(texts) -> (n, dim)`` or None
        The static encoder; ``None``: :class:`nlp.static_encoder.StaticEncoder` cached in the workspace.
    """

    def __init__(
        self,
        C: float = 10.0,
        static_weight: float = 1.0,
        max_references_per_class: int = 200,
        encoder: Any = None,
    ) -> None:
        self.C = C
        self.static_weight = static_weight
        self.max_references_per_class = max_references_per_class
        self.encoder = encoder

    def fit(
        self, texts: Sequence[str] | pd.Series, y: Sequence[str] | pd.Series, sample_weight: Any = None
    ) -> FastModel:
        """Fit on prepared ``texts`` (n,) and labels ``y`` (n,); returns self."""
        texts = [str(t) for t in texts]
        labels = np.asarray([str(v) for v in y], dtype=object)
        weights = np.ones(len(labels)) if sample_weight is None else np.asarray(sample_weight, float)
        self.vectorizer_ = FeatureUnion(
            [
                ("word", TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=2, dtype=np.float32)),
                (
                    "char",
                    TfidfVectorizer(
                        analyzer="char_wb", ngram_range=(2, 4), sublinear_tf=True, min_df=3, dtype=np.float32
                    ),
                ),
            ]
        ).fit(texts)
        static = self._static(texts)
        self.estimator_ = LogisticRegression(C=self.C, max_iter=1000).fit(
            self._stack(texts, static), labels, sample_weight=weights
        )
        self.classes_ = np.asarray(self.estimator_.classes_, dtype=object)
        rng = np.random.default_rng(0)
        keep = []
        for label in self.classes_:
            rows = np.flatnonzero((labels == label) & (weights > 0))
            if len(rows) > self.max_references_per_class:
                rows = np.sort(rng.choice(rows, self.max_references_per_class, replace=False))
            keep.append(rows)
        self.references_ = static[np.concatenate(keep)].astype(np.float32)
        return self

    def scores(self, texts: Sequence[str] | pd.Series) -> tuple[np.ndarray, np.ndarray]:
        """Probabilities (n, n_classes) and cosine similarity (n,) to the nearest reference example."""
        texts = [str(t) for t in texts]
        if not texts:
            return np.zeros((0, len(self.classes_))), np.zeros(0, dtype=np.float32)
        static = self._static(texts)
        proba = np.asarray(self.estimator_.predict_proba(self._stack(texts, static)))
        similarity = np.empty(len(texts), dtype=np.float32)
        for start in range(0, len(texts), 4096):
            similarity[start : start + 4096] = (static[start : start + 4096] @ self.references_.T).max(axis=1)
        return proba, similarity

    def _encoder(self) -> Any:
        if self.encoder is None:
            from nlp.static_encoder import StaticConfig, StaticEncoder
            from voc.workspace import Workspace

            self.encoder = StaticEncoder(config=StaticConfig(cache_dir=Workspace.resolve().static_cache))
        return self.encoder

    def _static(self, texts: list[str]) -> np.ndarray:
        vectors = np.asarray(self._encoder().encode(texts), dtype=np.float32)
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True).clip(1e-12)

    def _stack(self, texts: list[str], static: np.ndarray) -> Any:
        return sp.hstack(
            [self.vectorizer_.transform(texts), sp.csr_matrix(static * self.static_weight)], "csr"
        )


class Cascade:
    """A fitted :class:`FastModel` with the cut-offs under which the full model takes over.

    Attributes
    ----------
    fast : FastModel
    threshold_ : float
        The fast model decides contacts with confidence >= this (above 1: it decides none).
    similarity_floor_ : float
        ... and cosine similarity to its nearest training example >= this.
    validation_ : dict
        What the choice saw on validation: coverage, macro-F1 of the cascade and of the full model,
        the fast model's precision on what it decided.
    """

    def __init__(
        self, fast: FastModel, threshold: float, similarity_floor: float, validation: dict[str, float]
    ):
        self.fast = fast
        self.threshold_ = float(threshold)
        self.similarity_floor_ = float(similarity_floor)
        self.validation_ = dict(validation)

    def decide(self, texts: Sequence[str], full: Any) -> pd.DataFrame:
        """``root_cause``, ``confidence``, ``needs_review`` and ``decided_by`` (``fast``/``full``) per text.

        ``full`` is the fitted full classifier (``decide(texts)``), run on the contacts the fast
        model leaves.
        """
        texts = [str(t) for t in texts]
        proba, similarity = self.fast.scores(texts)
        confidence = proba.max(axis=1) if len(proba) else np.zeros(0)
        sure = (confidence >= self.threshold_) & (similarity >= self.similarity_floor_)
        out = pd.DataFrame(
            {
                "root_cause": self.fast.classes_[proba.argmax(axis=1)] if len(proba) else np.zeros(0, object),
                "confidence": confidence.astype(float),
                "needs_review": np.zeros(len(texts), dtype=bool),
                "decided_by": np.where(sure, "fast", "full"),
            }
        )
        rest = np.flatnonzero(~sure)
        if len(rest):
            deferred = full.decide([texts[i] for i in rest])
            for column in ("root_cause", "confidence", "needs_review"):
                out.loc[rest, column] = deferred[column].to_numpy()
        out["needs_review"] = out["needs_review"].astype(bool)
        out["confidence"] = out["confidence"].astype(float)
        return out


def attach_cascade(
    final: Any,
    train: pd.DataFrame,
    validation: pd.DataFrame,
    train_val: pd.DataFrame,
    full_guess: np.ndarray,
    config: Any,
    static_encoder: Any,
) -> dict[str, Any]:
    """Fit the cascade onto the full classifier ``final`` as ``final.cascade_`` when ``config``
    (a ``TrainConfig``) asks for it and the model uses embeddings; returns the params to log."""
    final.cascade_ = None
    if not config.cascade or final.features == "tfidf":  # a TF-IDF model is as cheap as the fast one
        return {"cascade": False}
    final.cascade_ = fit_cascade(
        train,
        validation,
        train_val,
        full_guess,
        precision_target=config.precision_target,
        tolerance=config.cascade_tolerance,
        novelty_quantile=config.novelty_quantile,
        encoder=static_encoder,
    )
    seen = final.cascade_.validation_
    return {
        "cascade": True,
        "cascade_threshold": final.cascade_.threshold_,
        "cascade_similarity_floor": final.cascade_.similarity_floor_,
        "cascade_tolerance": config.cascade_tolerance,
        "cascade_validation_coverage": seen["coverage"],
        "cascade_validation_macro_f1": seen["macro_f1"],
        "cascade_validation_full_macro_f1": seen["full_macro_f1"],
    }


def fit_cascade(
    train: pd.DataFrame,
    validation: pd.DataFrame,
    train_val: pd.DataFrame,
    full_guess: np.ndarray,
    *,
    precision_target: float,
    tolerance: float,
    novelty_quantile: float,
    encoder: Any = None,
) -> Cascade:
    """Fit the fast model, choose its cut-offs on ``validation``, refit it on ``train_val``.

    Parameters
    ----------
    train, validation, train_val : DataFrame
        Splits with ``clean_text``, ``label`` and maybe ``weight`` (as in ``train_classifier``).
    full_guess : ndarray of shape (n_validation,)
        The full model's (fitted on ``train``) best guess for each validation contact.
    precision_target : float
        Precision the fast model must reach on the validation contacts it decides.
    tolerance : float
        How much validation macro-F1 the cascade may lose against the full model (0.005 = half a point).
    novelty_quantile : float
        Share of validation contacts whose static similarity is below the out-of-scope floor.
    """
    fast = FastModel(encoder=encoder).fit(train["clean_text"], train["label"], _weights(train))
    proba, similarity = fast.scores(validation["clean_text"])
    floor = float(np.quantile(similarity, novelty_quantile)) if novelty_quantile > 0 else -1.0
    threshold, stats = choose_cutoff(
        proba.max(axis=1),
        fast.classes_[proba.argmax(axis=1)],
        similarity >= floor,
        np.asarray(full_guess, dtype=object),
        validation["label"].to_numpy(dtype=object),
        precision_target,
        tolerance,
    )
    log.info("cascade: threshold %.3f decides %.1f%% of validation", threshold, 100 * stats["coverage"])
    fast = FastModel(encoder=fast.encoder).fit(
        train_val["clean_text"], train_val["label"], _weights(train_val)
    )
    return Cascade(fast, threshold, floor, stats)


def choose_cutoff(
    confidence: np.ndarray,
    fast_guess: np.ndarray,
    in_scope: np.ndarray,
    full_guess: np.ndarray,
    truth: np.ndarray,
    precision_target: float,
    tolerance: float,
) -> tuple[float, dict[str, float]]:
    """Lowest fast-model confidence at which the cascade keeps precision and macro-F1 (see module).

    Returns the threshold (``inf`` when none qualifies: the full model decides everything) and the
    validation numbers at it.
    """
    labels = np.unique(np.concatenate([truth, full_guess, fast_guess]).astype(str))

    def macro(guess: np.ndarray) -> float:
        return float(f1_score(truth, guess, labels=labels, average="macro", zero_division=0))

    full_f1 = macro(full_guess)
    best = (float("inf"), {"coverage": 0.0, "macro_f1": full_f1, "full_macro_f1": full_f1, "precision": 1.0})
    candidates = np.unique(np.quantile(confidence, np.linspace(0.0, 1.0, 201), method="higher"))
    for threshold in candidates[::-1]:  # from the strictest down: keep the lowest that qualifies
        sure = (confidence >= threshold) & in_scope
        if not sure.any():
            continue
        precision = float((fast_guess[sure] == truth[sure]).mean())
        cascade_f1 = macro(np.where(sure, fast_guess, full_guess))
        if precision >= precision_target and cascade_f1 >= full_f1 - tolerance:
            best = (
                float(threshold),
                {
                    "coverage": float(sure.mean()),
                    "macro_f1": cascade_f1,
                    "full_macro_f1": full_f1,
                    "precision": precision,
                },
            )
    return best


def _weights(frame: pd.DataFrame) -> np.ndarray | None:
    return frame["weight"].to_numpy(dtype=float) if "weight" in frame else None
