"""Root-cause classifier: frozen MiniLM embeddings and/or TF-IDF n-grams with a calibrated linear model.

How it is trained (splits, choices on validation, refits) is :mod:`training.train`.

:class:`RootCauseClassifier` is a scikit-learn estimator on texts (already prepared and redacted):
``fit(texts, y)``, ``predict_proba(texts)``, ``predict(texts)`` and ``decide(texts)`` (best guess,
confidence, needs_review and its reason: :data:`voc.contracts.tagged.REVIEW_REASONS`, and an optional
second cause: :mod:`training.secondary`).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from typing import Any, ClassVar

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.calibration import CalibratedClassifierCV
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion
from sklearn.svm import LinearSVC

from nlp.boilerplate import content_many
from nlp.screen import MIN_CONTENT_WORDS, ScreenConfig, apply_screen, screen
from training import tfidf
from training.abstention import nearest_similarity, reference_rows
from training.config import FEATURE_SETS, Features, Model
from training.secondary import add_secondary
from voc.params import Constraint, has_methods, integer, number, one_of, validate_params

_LANGUAGES = Constraint(
    lambda v: isinstance(v, tuple) and bool(v) and all(isinstance(c, str) for c in v),
    "a non-empty tuple of ISO 639-1 codes",
)

log = logging.getLogger(__name__)

# From this many training rows the calibration folds are fitted in parallel processes.
PARALLEL_ROWS = 3000


class RootCauseClassifier(ClassifierMixin, BaseEstimator):
    """Linear classifier on prepared (redacted) texts.

    Parameters
    ----------
    features : {"embedding", "tfidf", "both"}
        MiniLM sentence embeddings, TF-IDF word (1-2) + char (2-5) n-grams, or both side by side.
    model : {"logreg", "svm"}
        Logistic regression, or LinearSVC calibrated with sigmoid (Platt) scaling.
    C : float
        Inverse regularisation strength.
    embedding_weight : float
        Scale of the (unit-length) embedding block next to the TF-IDF blocks in ``both``.
    threshold : float
        Confidence below which :meth:`decide` sets ``needs_review`` (``threshold_`` after fit; a
        fitted model can be given another with :meth:`set_threshold`).
    similarity_floor : float
        Contacts whose embedding has cosine similarity below this to every reference training
        example are flagged ``needs_review`` too (out of scope); ``-1`` disables the rule. Nearest
        neighbour beat the nearest class centroid on BANKING77 with 10 intents held out: 54% vs 34%
        of unseen-intent contacts flagged at the same 95% in-scope coverage (mean of 5 draws).
    max_references_per_class : int
        Training examples kept per class (a seeded sample) for the out-of-scope check.
    calibrate : bool
        Platt-scale the SVM (``svm`` only). An uncalibrated model has no probabilities: it can
        ``predict`` (what the candidate search needs), not ``decide``.
    embedder : nlp.embed.Embedder or None
        Encodes texts; ``None`` uses a default (bundled MiniLM, no cache) built on first use. It is
        not pickled: give a loaded model one with ``set_params(embedder=...)``.
    novelty_embedder : nlp.embed.Embedder or None
        Encodes texts for the out-of-scope check only (reference examples and similarity), when it
        should read another space than the classes: a fine-tuned encoder's, whose causes lie
        tighter, next to the base encoder that classifies better (``voc train --fine-tune``,
        :mod:`training.train`). ``None``: the classifier's own embeddings. Not pickled either; a
        model fitted with one (``separate_novelty_``) refuses to score without it.
    languages : tuple of str
        Languages the encoder understands (``EmbedConfig.languages``); :meth:`decide` flags
        contacts in any other language (``review_reason="language"``, :mod:`nlp.screen`).
    min_content_words : int
        :meth:`decide` flags contacts with fewer content words ``uninformative`` (0: never).
    tol : float
        Stopping tolerance of the logistic regression (``logreg`` only).
    embed_content : bool
        Embed what the customer says about the cause: the prepared text without channel
        boilerplate (greetings, call openers, fillers, sign-offs: :func:`nlp.boilerplate.content`),
        the text discovery clusters, so that training and tagging read discovery's vectors from the
        embedding cache. ``False``: the prepared text as is (models pickled before this parameter).
        TF-IDF always reads the prepared text.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    vectorizer_ : FeatureUnion or None
        Fitted TF-IDF vectorisers (``None`` for ``embedding``).
    estimator_ : fitted scikit-learn classifier
    references_ : ndarray of shape (n_references, dim), float16, or None
        Unit-length embeddings of (up to ``max_references_per_class`` per class) training examples
        with positive weight, for the out-of-scope check; ``None`` without embeddings.
    reference_labels_ : ndarray of shape (n_references,) or None
        The class of each reference example.
    separate_novelty_ : bool
        Whether the references are in ``novelty_embedder``'s space (it was given at fit).
    threshold_ : float
        Abstention threshold in use: ``threshold``, or what :meth:`set_threshold` chose.
    similarity_floor_ : float
        Out-of-scope floor in use: ``similarity_floor``, or what :meth:`set_threshold` chose
        (``-1`` when off).
    """

    # What each parameter must be (scikit-learn's convention); checked once, when fit starts.
    _parameter_constraints: ClassVar[dict[str, Constraint]] = {
        "features": one_of(*FEATURE_SETS),
        "model": one_of("logreg", "svm"),
        "C": number(0.0, low_open=True),
        "embedding_weight": number(0.0, low_open=True),
        "threshold": number(0.0),
        "similarity_floor": number(-1.0),
        "max_references_per_class": integer(1),
        "calibrate": one_of(True, False),
        "embedder": has_methods("encode"),
        "novelty_embedder": has_methods("encode"),
        "languages": _LANGUAGES,
        "min_content_words": integer(0),
        "tol": number(0.0, low_open=True),
        "embed_content": one_of(True, False),
    }

    def __init__(
        self,
        features: Features = "both",
        model: Model = "svm",
        C: float = 1.0,
        embedding_weight: float = 2.0,
        threshold: float = 0.0,
        similarity_floor: float = -1.0,
        max_references_per_class: int = 1000,
        embedder: Any = None,
        calibrate: bool = True,
        languages: tuple[str, ...] = ("en",),
        min_content_words: int = MIN_CONTENT_WORDS,
        tol: float = 1e-4,
        embed_content: bool = True,
        novelty_embedder: Any = None,
    ) -> None:
        self.features = features
        self.model = model
        self.C = C
        self.embedding_weight = embedding_weight
        self.threshold = threshold
        self.similarity_floor = similarity_floor
        self.max_references_per_class = max_references_per_class
        self.embedder = embedder
        self.calibrate = calibrate
        self.languages = languages
        self.min_content_words = min_content_words
        self.tol = tol
        self.embed_content = embed_content
        self.novelty_embedder = novelty_embedder

    def fit(
        self, texts: Sequence[str], y: Sequence[str], sample_weight: Any = None, reference_mask: Any = None
    ) -> RootCauseClassifier:
        """Fit on ``texts`` (n_contacts,) and labels ``y`` (n_contacts,); returns self.

        ``sample_weight`` (n_contacts,) weighs each example in the loss (e.g. theme membership
        probabilities; examples of weight 0 are not kept as out-of-scope references); ``None``
        weighs them all 1. ``reference_mask`` (n_contacts,) of bool: the examples that may serve
        as out-of-scope references (``None``: all); pseudo-labels (:mod:`training.selftrain`) may not.
        """
        validate_params(self)
        texts = [str(t) for t in texts]
        labels = np.asarray([str(v) for v in y], dtype=object)
        self.vectorizer_: FeatureUnion | None = None
        matrix = None
        if self.features in ("tfidf", "both"):
            self.vectorizer_, matrix = tfidf.fit(texts)
        embeddings = self._embeddings(texts)
        X = self._stack(texts, embeddings, matrix)
        weights = np.ones(len(labels)) if sample_weight is None else np.asarray(sample_weight, float)
        if weights.shape != labels.shape:
            raise ValueError(f"sample_weight has shape {weights.shape}, labels {labels.shape}")
        self.estimator_ = self._new_estimator(labels).fit(X, labels, sample_weight=weights)
        self.classes_ = np.asarray(self.estimator_.classes_, dtype=object)
        self.references_: np.ndarray | None = None
        self.reference_labels_: np.ndarray | None = None
        self.separate_novelty_ = self.novelty_embedder is not None
        if embeddings is not None or self.separate_novelty_:
            eligible = weights if reference_mask is None else weights * np.asarray(reference_mask, bool)
            rows = reference_rows(labels, eligible, self.max_references_per_class)
            if self.separate_novelty_:  # only the references are encoded in the novelty space
                chosen = self.novelty_vectors([texts[i] for i in rows])
            else:
                assert embeddings is not None  # the condition above
                chosen = embeddings[rows]
            self.references_ = chosen.astype(np.float16)
            self.reference_labels_ = labels[rows]
        self.threshold_ = float(self.threshold)
        self.similarity_floor_ = float(self.similarity_floor)
        return self

    def scores(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray | None]:
        """Probabilities (n_contacts, n_classes) and the similarity to the nearest reference example.

        The similarity is ``None`` for a TF-IDF-only model without a ``novelty_embedder``.
        """
        texts = [str(t) for t in texts]
        if not texts:
            return np.zeros((0, len(self.classes_))), None
        embeddings = self._embeddings(texts)
        proba = np.asarray(self.estimator_.predict_proba(self._stack(texts, embeddings)))
        similarity = None
        references = getattr(self, "references_", None)  # None in models pickled before it existed
        if references is not None:
            similarity = nearest_similarity(self.novelty_vectors(texts, embeddings), references)
        return proba, similarity

    def needs_review(self, proba: np.ndarray, similarity: np.ndarray | None) -> np.ndarray:
        """Flag of shape (n_contacts,): confidence below ``threshold_`` or far from every example."""
        return np.asarray(self.review_reasons(proba, similarity) != "", dtype=bool)

    def review_reasons(self, proba: np.ndarray, similarity: np.ndarray | None) -> np.ndarray:
        """Why each contact needs review, by the scores alone: object array of shape (n_contacts,).

        ``"out_of_scope"`` (far from every reference example), else ``"low_confidence"``
        (confidence below ``threshold_``), else ``""``.
        """
        reasons = np.full(len(proba), "", dtype=object)
        if len(proba):
            reasons[proba.max(axis=1) < self.threshold_] = "low_confidence"
        if similarity is not None and self.similarity_floor_ > -1.0:
            reasons[similarity < self.similarity_floor_] = "out_of_scope"
        return reasons

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """Class probabilities of shape (n_contacts, n_classes), columns in ``classes_`` order."""
        texts = [str(t) for t in texts]
        if not texts:
            return np.zeros((0, len(self.classes_)))
        return np.asarray(self.estimator_.predict_proba(self._stack(texts, self._embeddings(texts))))

    def predict(self, texts: Sequence[str]) -> np.ndarray:
        """Best-guess label per text, shape (n_contacts,)."""
        if not hasattr(self.estimator_, "predict_proba"):  # an uncalibrated candidate
            texts = [str(t) for t in texts]
            return np.asarray(
                self.estimator_.predict(self._stack(texts, self._embeddings(texts))), dtype=object
            )
        return np.asarray(self.classes_[self.predict_proba(texts).argmax(axis=1)])

    def screen(self, texts: Sequence[str]) -> pd.DataFrame:
        """``language`` and ``review_reason`` of each text as :func:`nlp.screen.screen` finds them
        with this model's ``languages``: the contacts no model should decide (shape (n, 2))."""
        settings = ScreenConfig(languages=tuple(self.languages), min_content_words=self.min_content_words)
        return screen(texts, settings, detector=self._language_detector())

    def decide(
        self, texts: Sequence[str], screened: pd.DataFrame | None = None, secondary: bool = True
    ) -> pd.DataFrame:
        """``root_cause``, ``confidence``, ``needs_review``, ``review_reason``, ``language`` and
        (``secondary``) ``secondary_root_cause``, ``secondary_confidence`` (:mod:`training.secondary`).

        ``root_cause`` is the best guess and ``confidence`` its probability, except for contacts
        the model cannot read (``review_reason`` ``uninformative`` or ``language``, see
        :mod:`nlp.screen`), whose confidence is 0: a guess from words the encoder does not
        understand is no evidence. The other reasons are those of :meth:`review_reasons`.
        ``screened``: the texts' :meth:`screen`, when the caller has it already (the cascade).
        """
        texts = [str(t) for t in texts]
        proba, similarity = self.scores(texts)
        decided = decisions(proba, self.classes_, self.threshold_)[["root_cause", "confidence"]]
        screened = self.screen(texts) if screened is None else screened
        out = apply_screen(decided, self.review_reasons(proba, similarity), screened)
        return add_secondary(self, texts, out) if secondary else out

    def set_threshold(self, threshold: float, similarity_floor: float | None = None) -> RootCauseClassifier:
        """Use ``threshold`` (and ``similarity_floor``) for ``needs_review`` from now on; returns self.

        A learned setting of the fitted model (``threshold_``, ``similarity_floor_``), chosen on
        validation data; the constructor parameters, and so :func:`sklearn.base.clone`, keep theirs.
        """
        self.threshold_ = float(threshold)
        if similarity_floor is not None:
            self.similarity_floor_ = float(similarity_floor)
        return self

    def __getstate__(self) -> dict[str, Any]:
        # The embedding model is big and machine-specific (cache folder): never pickled.
        state = dict(self.__dict__)
        state["embedder"] = None
        state["novelty_embedder"] = None
        state.pop("_default_embedder", None)
        state.pop("_detector", None)  # Lingua's loaded models: rebuilt on first use
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        # Models pickled before these parameters existed were calibrated and read English only.
        state.setdefault("calibrate", True)
        state.setdefault("languages", ("en",))
        state.setdefault("min_content_words", MIN_CONTENT_WORDS)
        state.setdefault("tol", 1e-4)
        state.setdefault("embed_content", False)
        state.setdefault("novelty_embedder", None)
        super().__setstate__(state)

    def _language_detector(self) -> Any:
        if getattr(self, "_detector", None) is None:
            from nlp.language import LanguageDetector

            self._detector = LanguageDetector()
        return self._detector

    def encoder_inputs(self, texts: Sequence[str]) -> list[str]:
        """What the encoder reads of each prepared text (see ``embed_content``), in order."""
        if self.embed_content:
            return content_many(texts)
        return [str(t) for t in texts]

    def _embeddings(self, texts: list[str]) -> np.ndarray | None:
        if self.features == "tfidf":
            return None
        vectors = np.asarray(self._encoder().encode(self.encoder_inputs(texts)), dtype=np.float32)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True).clip(1e-12)
        return vectors / norms

    def novelty_vectors(self, texts: Sequence[str], embeddings: np.ndarray | None = None) -> np.ndarray:
        """Unit-length vectors (n_texts, dim) of ``texts`` in the space of the out-of-scope check:
        the classifier's own embeddings (``embeddings`` when the caller has them), or
        ``novelty_embedder``'s when the model was fitted with one (``separate_novelty_``)."""
        texts = [str(t) for t in texts]
        if not getattr(self, "separate_novelty_", False):
            vectors = self._embeddings(texts) if embeddings is None else embeddings
            if vectors is None:
                raise ValueError("a TF-IDF-only model without a novelty_embedder has no novelty space")
            return vectors
        if self.novelty_embedder is None:
            raise RuntimeError(
                "this model checks novelty in a fine-tuned encoder's space: give it with "
                "set_params(novelty_embedder=...) (a logged model's pyfunc does)"
            )
        vectors = np.asarray(self.novelty_embedder.encode(self.encoder_inputs(texts)), dtype=np.float32)
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True).clip(1e-12)

    def _encoder(self) -> Any:
        """``embedder``, or the default one, built once (and kept out of the parameters)."""
        if self.embedder is not None:
            return self.embedder
        if getattr(self, "_default_embedder", None) is None:
            from nlp.embed import EmbedConfig, Embedder

            self._default_embedder = Embedder(EmbedConfig(show_progress=False))
        return self._default_embedder

    def _stack(self, texts: list[str], embeddings: np.ndarray | None, matrix: Any = None) -> Any:
        """The model's input: TF-IDF of ``texts`` (``matrix`` when given) and/or ``embeddings``."""
        blocks: list[Any] = []
        if self.vectorizer_ is not None:
            blocks.append(matrix if matrix is not None else tfidf.transform(self.vectorizer_, texts))
        if embeddings is not None:
            blocks.append(sp.csr_matrix(embeddings * self.embedding_weight))
        return blocks[0] if len(blocks) == 1 else sp.hstack(blocks, format="csr")

    def _new_estimator(self, labels: np.ndarray) -> Any:
        if self.model == "logreg":
            return LogisticRegression(C=self.C, max_iter=2000, tol=self.tol)
        if not self.calibrate:
            return LinearSVC(C=self.C, random_state=0)
        smallest = int(pd.Series(labels).value_counts().min())
        folds = max(2, min(3, smallest))
        # The folds' fits run in processes of their own on large data (liblinear holds the GIL);
        # on small data starting them costs more than it saves.
        jobs = min(folds, os.cpu_count() or 1) if len(labels) >= PARALLEL_ROWS else None
        # A fixed seed for liblinear's coordinate order: the same data trains the same model.
        return CalibratedClassifierCV(
            LinearSVC(C=self.C, random_state=0), cv=folds, method="sigmoid", n_jobs=jobs
        )


def decisions(proba: np.ndarray, classes: np.ndarray, threshold: float) -> pd.DataFrame:
    """Best guess, its probability and ``needs_review`` (confidence < threshold) per row."""
    best = proba.argmax(axis=1) if len(proba) else np.zeros(0, dtype=int)
    confidence = proba[np.arange(len(proba)), best] if len(proba) else np.zeros(0)
    return pd.DataFrame(
        {
            "root_cause": np.asarray(classes, dtype=object)[best],
            "confidence": confidence.astype(float),
            "needs_review": confidence < threshold,
        }
    )
