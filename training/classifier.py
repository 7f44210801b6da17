"""Root-cause classifier: frozen MiniLM embeddings and/or TF-IDF n-grams with a calibrated linear model.

``train_classifier(training_set, TrainConfig())`` splits the labelled contacts (stratified) into
train / validation / test, picks the feature set and regularisation by macro-F1 on validation, picks
the abstention threshold on validation so that precision on the non-abstained predictions meets
``precision_target``, and refits the chosen model on train + validation. The test set is only
scored afterwards (:mod:`training.evaluate`).

:class:`RootCauseClassifier` is a scikit-learn estimator on texts (already prepared and redacted):
``fit(texts, y)``, ``predict_proba(texts)``, ``predict(texts)`` and ``decide(texts)`` (best guess,
confidence, needs_review and its reason: :data:`voc.contracts.tagged.REVIEW_REASONS`, and an optional
second cause: :mod:`training.secondary`).
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.calibration import CalibratedClassifierCV
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import FeatureUnion
from sklearn.svm import LinearSVC

from nlp.boilerplate import content_many
from nlp.screen import MIN_CONTENT_WORDS, ScreenConfig, apply_screen, screen
from training import tfidf
from training.abstention import choose_floor, choose_threshold, nearest_similarity, reference_rows
from training.cascade import attach_cascade
from training.config import FEATURE_SETS, FEW_SHOT_MEDIAN, Features, Model, TrainConfig
from training.dataset import TrainingSet
from training.finetune import fine_tuned_embedder
from training.secondary import add_secondary, fit_secondary
from voc.errors import InputError
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

    def fit(self, texts: Sequence[str], y: Sequence[str], sample_weight: Any = None) -> RootCauseClassifier:
        """Fit on ``texts`` (n_contacts,) and labels ``y`` (n_contacts,); returns self.

        ``sample_weight`` (n_contacts,) weighs each example in the loss (e.g. theme membership
        probabilities; examples of weight 0 are not kept as out-of-scope references); ``None``
        weighs them all 1.
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
        if embeddings is not None:
            rows = reference_rows(labels, weights, self.max_references_per_class)
            chosen = embeddings[rows]
            self.references_ = (chosen / np.linalg.norm(chosen, axis=1, keepdims=True).clip(1e-12)).astype(
                np.float16
            )
            self.reference_labels_ = labels[rows]
        self.threshold_ = float(self.threshold)
        self.similarity_floor_ = float(self.similarity_floor)
        return self

    def scores(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray | None]:
        """Probabilities (n_contacts, n_classes) and the similarity to the nearest reference example.

        The similarity is ``None`` for a TF-IDF-only model.
        """
        texts = [str(t) for t in texts]
        if not texts:
            return np.zeros((0, len(self.classes_))), None
        embeddings = self._embeddings(texts)
        proba = np.asarray(self.estimator_.predict_proba(self._stack(texts, embeddings)))
        similarity = None
        references = getattr(self, "references_", None)  # None in models pickled before it existed
        if embeddings is not None and references is not None:
            similarity = nearest_similarity(embeddings, references)
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


@dataclass
class TrainResult:
    """What :func:`train_classifier` produced.

    ``model`` is fitted on train + validation with ``threshold_`` chosen on validation; ``train``,
    ``validation`` and ``test`` are the split frames (columns of the training set); ``selection``
    lists each candidate's validation macro-F1.
    """

    model: RootCauseClassifier
    train: pd.DataFrame
    validation: pd.DataFrame
    test: pd.DataFrame
    selection: list[dict[str, Any]] = field(default_factory=list)
    params: dict[str, Any] = field(default_factory=dict)
    fit_seconds: float = 0.0


def train_classifier(
    training: TrainingSet,
    config: TrainConfig | None = None,
    embedder: Any = None,
    static_encoder: Any = None,
    progress: Callable[[str, int], None] | None = None,
    encoder_dir: Path | None = None,
) -> TrainResult:
    """Split, select features and C on validation, choose the threshold, refit on train + validation.

    ``progress(note, total)`` is called after each fit (``total`` fits in all, the final refit
    included), e.g. to advance a progress bar. With ``config.cascade`` and embedding features the
    fitted model also carries the tagging cascade as ``model.cascade_`` (``static_encoder``: its
    encoder, default the workspace's). With ``config.fine_tune`` the encoder is first fine-tuned
    on the train split only (never validation or test) and saved under ``encoder_dir`` (default: a
    new temporary folder); every candidate and the final model embed with it.

    The TF-IDF features of each text set are computed once (:func:`training.tfidf.memo`): the
    candidates of the search and the threshold's model share them.

    Raises
    ------
    InputError
        When a label has fewer than ``config.min_examples_per_label`` rows or there is one label.
    """
    with tfidf.memo():
        return _train_classifier(training, config, embedder, static_encoder, progress, encoder_dir)


def _train_classifier(
    training: TrainingSet,
    config: TrainConfig | None,
    embedder: Any,
    static_encoder: Any,
    progress: Callable[[str, int], None] | None,
    encoder_dir: Path | None,
) -> TrainResult:
    config = config or TrainConfig()
    frame = training.frame.reset_index(drop=True)
    counts = frame["label"].value_counts()
    if len(counts) < 2:
        raise InputError(f"need at least 2 distinct labels to train, got {list(counts.index)}")
    rare = counts[counts < config.min_examples_per_label]
    if len(rare):
        listed = ", ".join(f"{lab!r} ({n} rows)" for lab, n in rare.items())
        raise InputError(
            f"labels with fewer than {config.min_examples_per_label} rows cannot be split for "
            f"training and testing: {listed}. Label more examples or merge these labels."
        )
    train_val, test = train_test_split(
        frame, test_size=config.test_size, stratify=frame["label"], random_state=config.random_state
    )
    train, validation = train_test_split(
        train_val,
        test_size=config.validation_size,
        stratify=train_val["label"],
        random_state=config.random_state,
    )
    fine_tuned: dict[str, Any] = {}
    if config.fine_tune is not None:
        # The encoder learns from what the classifier embeds (RootCauseClassifier.embed_content).
        texts = content_many(train["clean_text"].tolist())
        embedder, fine_tuned = fine_tuned_embedder(
            embedder, texts, train["label"].tolist(), config.fine_tune, encoder_dir
        )
    features = FEATURE_SETS if config.features == "auto" else (config.features,)
    model: Model = config.model if config.model != "auto" else "svm"
    c_values = config.C
    if config.model == "auto" and train["label"].value_counts().median() < FEW_SHOT_MEDIAN:
        # Logistic regression wants weaker regularisation than the SVM on the same features.
        model, c_values = "logreg", tuple(10 * c for c in config.C)
    searched = _per_label_sample(train, config.search_rows_per_label, config.random_state)
    selection: list[dict[str, Any]] = []
    best: tuple[float, RootCauseClassifier] | None = None
    start = time.perf_counter()
    middle = c_values[len(c_values) // 2]
    total_fits = len(features) + sum(c != middle for c in c_values) + 1
    report = progress or (lambda note, total: None)

    def consider(feature_set: Features, c: float) -> None:
        nonlocal best
        candidate = RootCauseClassifier(
            features=feature_set,
            model=model,
            C=c,
            embedding_weight=config.embedding_weight,
            embedder=embedder,
            calibrate=config.search == "calibrated",
        )
        candidate.fit(searched["clean_text"].tolist(), searched["label"].tolist(), _weights(searched))
        predicted = candidate.predict(validation["clean_text"])
        score = float(f1_score(validation["label"], predicted, average="macro", zero_division=0))
        selection.append({"features": feature_set, "C": c, "validation_macro_f1": score})
        log.info("candidate features=%s C=%g: validation macro-F1 %.4f", feature_set, c, score)
        report(f"{feature_set}, C={c:g}: {score:.3f}", total_fits)
        if best is None or score > best[0] + 1e-9:
            best = (score, candidate)

    # Two stages keep the number of fits at features + C - 1 instead of features x C: the feature
    # sets compete at the middle C, then C is tuned for the winner.
    for feature_set in features:
        consider(feature_set, middle)
    assert best is not None
    winner = best[1].features
    for c in c_values:
        if c != middle:
            consider(winner, c)
    assert best is not None
    chosen = best[1]
    if not chosen.calibrate or len(searched) < len(train):
        # The threshold needs probabilities from a model fitted on the whole training split.
        chosen = RootCauseClassifier(**{**chosen.get_params(deep=False), "calibrate": True})
        chosen.fit(train["clean_text"], train["label"], _weights(train))
    proba, similarity = chosen.scores(validation["clean_text"])
    guess = chosen.classes_[proba.argmax(axis=1)]
    threshold = choose_threshold(
        proba.max(axis=1), guess == validation["label"].to_numpy(), config.precision_target
    )
    floor = choose_floor(chosen, validation["clean_text"], validation["label"], config.novelty_quantile)
    second = fit_secondary(chosen, train, validation, guess)
    final = RootCauseClassifier(
        features=chosen.features,
        model=model,
        C=chosen.C,
        embedding_weight=config.embedding_weight,
        threshold=threshold,
        similarity_floor=floor,
        embedder=embedder,
        # The languages the encoder understands are part of its configuration (nlp.embed).
        languages=tuple(getattr(getattr(embedder, "config", None), "languages", ("en",))),
    )
    final.fit(train_val["clean_text"], train_val["label"], _weights(train_val))
    final.secondary_model_, final.secondary_threshold_ = second
    report("final fit on train + validation", total_fits)
    trusted = ~chosen.set_threshold(threshold, floor).needs_review(proba, similarity)
    cascade_params = attach_cascade(
        final, train, validation, train_val, guess, trusted, config, static_encoder
    )
    params = {
        "features": chosen.features,
        "model": model,
        "C": chosen.C,
        "embedding_weight": config.embedding_weight,
        "C_candidates": ",".join(f"{c:g}" for c in c_values),
        "feature_candidates": ",".join(features),
        "precision_target": config.precision_target,
        "threshold": threshold,
        "novelty_quantile": config.novelty_quantile,
        "similarity_floor": floor,
        "secondary_threshold": second[1],
        "languages": ",".join(final.languages),
        "min_content_words": final.min_content_words,
        "test_size": config.test_size,
        "validation_size": config.validation_size,
        "random_state": config.random_state,
        "search": config.search,
        "search_rows_per_label": config.search_rows_per_label,
        "n_search": len(searched),
        "n_train": len(train),
        "n_validation": len(validation),
        "n_test": len(test),
        "n_labels": len(counts),
        "weighted": bool("weight" in frame and (frame["weight"] != 1.0).any()),
        **cascade_params,
        **fine_tuned,
    }
    return TrainResult(
        model=final,
        train=train.reset_index(drop=True),
        validation=validation.reset_index(drop=True),
        test=test.reset_index(drop=True),
        selection=selection,
        params=params,
        fit_seconds=time.perf_counter() - start,
    )


def refit_on_all(result: TrainResult, training: TrainingSet) -> RootCauseClassifier:
    """The chosen model fitted again on every labelled row (train, validation and test).

    Called after the held-out evaluation of ``result.model``: the test rows have done their work
    (the reported metrics and the promotion gate use that evaluation), and the model that is
    registered and serves learns from them too. Everything chosen on validation is kept as chosen:
    features, C, the confidence threshold and the out-of-scope floor (constructor parameters), the
    second-cause model and the tagging cascade (fitted on the training split). The out-of-scope
    reference examples are taken from all rows. Same classes as ``result.model`` (every label is in
    the training split, which is stratified).
    """
    chosen = result.model
    frame = training.frame
    # Not sklearn's clone: it would deep-copy the embedder (a loaded encoder) too.
    model = RootCauseClassifier(**chosen.get_params(deep=False))
    model.fit(frame["clean_text"].tolist(), frame["label"].tolist(), _weights(frame))
    for name in ("secondary_model_", "secondary_threshold_", "cascade_"):
        if hasattr(chosen, name):
            setattr(model, name, getattr(chosen, name))
    return model


def _per_label_sample(frame: pd.DataFrame, per_label: int, seed: int) -> pd.DataFrame:
    """At most ``per_label`` rows of each label (seeded); every row when ``per_label`` is 0."""
    if per_label == 0 or frame["label"].value_counts().max() <= per_label:
        return frame
    shuffled = frame.sample(frac=1.0, random_state=seed)
    return shuffled[shuffled.groupby("label").cumcount() < per_label].sort_index()


def _weights(frame: pd.DataFrame) -> np.ndarray | None:
    return frame["weight"].to_numpy(dtype=float) if "weight" in frame else None
