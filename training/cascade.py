"""The tagging cascade: a fast model decides what MiniLM would not change, the full model the rest.

MiniLM costs tens of milliseconds per realistic contact on a CPU; most contacts are plain cases that
a much cheaper model gets right. :class:`FastModel` is a logistic regression on static embeddings
(word vectors of :mod:`nlp.static_encoder`, distilled from the same MiniLM) next to word and
character TF-IDF: about a tenth of a millisecond per contact. :class:`Cascade` holds it with what
was learned on validation:

- a band of the fast model's confidence, ``[lower_, upper_)``, whose contacts go through MiniLM and
  the full model; the fast model decides every other contact (the sure ones above the band, and
  below it those where the full model was no better on validation);
- the fast model's own review rule for the contacts it decides: ``review_reason``
  ``low_confidence`` when its confidence is below ``threshold_`` (chosen, like the full model's, by
  :func:`training.abstention.choose_threshold`), ``out_of_scope`` when the contact is less similar
  to every training example than ``similarity_floor_`` (chosen, like the full model's, to flag
  ``novelty_quantile`` of simulated out-of-scope contacts: :func:`training.abstention.unseen_class_floor`
  in the static space);
- a fast segment model for the second cause (``segments_``: a :class:`FastModel` on the training
  contacts' sentences and its threshold, :func:`training.secondary.fit_secondary`), so that the
  sentences that open like a second reason do not go to MiniLM either.

Before either model decides, the contacts are screened with the full classifier's settings
(:meth:`training.classifier.RootCauseClassifier.screen`, :mod:`nlp.screen`): a contact in a language
the encoder does not understand, or with nothing to read, never goes to MiniLM; it keeps the fast
model's guess with confidence 0 and that ``review_reason``, as the full classifier alone would give.

:func:`fit_cascade` is called by :func:`training.train.train_classifier` when
``TrainConfig.cascade`` is on: the fast model is fitted on the training split with the C of
:data:`FAST_C` with the best macro-F1 (on validation, or on a 3-fold cross-validation over train +
validation when validation is small: :data:`CV_BELOW`); on the validation split its
threshold and floor are chosen, then the narrowest band (the fewest contacts left to
MiniLM) at which the cascade's macro-F1 stays within ``cascade_tolerance`` of the full model's and
the precision of everything it trusts still meets the target (the band covering everything is
the full model itself, so there is always one); then the fast model is refitted on train +
validation like the full model. The fitted cascade rides on the full classifier (``cascade_``), so
it is part of the one pyfunc (:mod:`training.pyfunc`).
"""

from __future__ import annotations

import copy
import logging
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.special import expit
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import FeatureUnion
from sklearn.utils.extmath import softmax

from nlp.screen import apply_screen
from training.abstention import choose_threshold, nearest_similarity, reference_rows, unseen_class_floor
from training.secondary import add_secondary, fit_secondary
from training.tfidf import CharTfidf

log = logging.getLogger(__name__)
# Regularisation of the fast segment model (the second cause's sentences), that of the fast model
# of whole contacts: on 3,000 synthetic contacts (python -m benchmarks --only secondary) C=10 gave
# precision 0.830 / recall 0.620, C=1 0.808 / 0.592, C=0.3 0.646 / 0.437; on 8,000, C=10 0.927 / 0.691.
SEGMENT_C = 10.0
# Regularisation of the fast model of whole contacts, chosen on validation (training.cascade._fit_fast):
# the best differs by data. Held-out macro-F1 of the fast model on 6,788 synthetic contacts (trained
# on 2,569): C=1 0.871, C=3 0.864, C=10 0.859 (the full model 0.872); accuracy on BANKING77 test:
# C=1 91.2%, C=3 92.2%, C=10 92.4%. C=0.3 was worse on both (0.843, 89.2%).
FAST_C = (1.0, 3.0, 10.0)
# Below this many validation contacts, C is chosen by cross-validation over train + validation: on
# 5 draws of 3,000 synthetic contacts (about 400 in validation) validation alone chose C=3 three
# times, 3-fold cross-validation once, and C=1 was best on 6,788 held-out contacts every time
# (held-out macro-F1 of the chosen fast model, mean of the 5: 0.9176 against 0.9145).
CV_BELOW = 1_000


class FastModel:
    """Logistic regression on static embeddings + word (1-2) and char (2-4) TF-IDF of prepared texts.

    The static embedding of a text is the TF-IDF-weighted mean of the static vectors of its words
    that the word TF-IDF knows (each word's vector is the static encoder's vector of that word
    alone, stored at fitting), so serving reuses the word block instead of tokenizing again: 0.09
    instead of 0.22 ms a contact for the fast model's scores, the same accuracy (86.9%) on 6,788
    held-out synthetic contacts, and the pickle carries these vectors, not the 15 MB table.

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
        texts, labels, weights = _inputs(texts, y, sample_weight)
        return self._fit_estimator(self._fit_features(texts, labels, weights), labels, weights)

    def predict_proba(self, texts: Sequence[str] | pd.Series) -> np.ndarray:
        """Probabilities (n, n_classes), columns in the order of ``classes_``."""
        texts = [str(t) for t in texts]
        if not texts:
            return np.zeros((0, len(self.classes_)))
        return self._proba(*self._features(texts))

    def scores(self, texts: Sequence[str] | pd.Series) -> tuple[np.ndarray, np.ndarray]:
        """Probabilities (n, n_classes) and cosine similarity (n,) to the nearest reference example."""
        texts = [str(t) for t in texts]
        if not texts:
            return np.zeros((0, len(self.classes_))), np.zeros(0, dtype=np.float32)
        blocks, static = self._features(texts)
        return self._proba(blocks, static), nearest_similarity(static, self.references_)

    def novelty_floor(
        self, texts: Sequence[str], labels: Sequence[str] | np.ndarray, quantile: float
    ) -> float:
        """Similarity floor flagging ``quantile`` of simulated out-of-scope contacts (``-1``: off),
        as the full classifier's (:func:`training.abstention.choose_floor`), in the static space."""
        if quantile <= 0:
            return -1.0
        _, static = self._features([str(t) for t in texts])
        return unseen_class_floor(static, self.references_, self.reference_labels_, labels, quantile)

    def _fit_features(self, texts: list[str], labels: np.ndarray, weights: np.ndarray) -> Any:
        """Fit what does not depend on ``C`` (vectorizers, word vectors, reference examples);
        returns the stacked training features for :meth:`_fit_estimator`."""
        self.vectorizer_ = FeatureUnion(
            [
                ("word", TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=2, dtype=np.float32)),
                (
                    "char",
                    CharTfidf(
                        analyzer="char_wb", ngram_range=(2, 4), sublinear_tf=True, min_df=3, dtype=np.float32
                    ),
                ),
            ]
        ).fit(texts)
        self._fit_word_vectors()
        blocks, static = self._features(texts)
        rows = reference_rows(labels, weights, self.max_references_per_class)
        self.references_ = static[rows].astype(np.float32)
        self.reference_labels_ = labels[rows]
        return self._stack(blocks, static)

    def _fit_estimator(self, features: Any, labels: np.ndarray, weights: np.ndarray) -> FastModel:
        self.estimator_ = LogisticRegression(C=self.C, max_iter=1000).fit(
            features, labels, sample_weight=weights
        )
        self.classes_ = np.asarray(self.estimator_.classes_, dtype=object)
        return self

    def _features(self, texts: list[str]) -> tuple[list[Any], np.ndarray]:
        """The TF-IDF blocks of ``texts`` and their static embeddings (from the word block)."""
        blocks = self._blocks(texts)
        return blocks, self._static(texts, blocks[0])

    def _encoder(self) -> Any:
        if self.encoder is None:
            from nlp.static_encoder import StaticConfig, StaticEncoder
            from voc.workspace import Workspace

            self.encoder = StaticEncoder(config=StaticConfig(cache_dir=Workspace.resolve().static_cache))
        return self.encoder

    def _fit_word_vectors(self) -> None:
        """The static vector of each single word of the word TF-IDF's vocabulary (model2vec's
        ``encode`` of the word alone), as a sparse map from the word block's columns."""
        words = self.vectorizer_.transformer_list[0][1].vocabulary_
        unigrams = sorted((column, word) for word, column in words.items() if " " not in word)
        table = self._encoder().model.encode(
            [w for _, w in unigrams], use_multiprocessing=False, show_progress_bar=False
        )
        table = np.asarray(table, dtype=np.float32)
        columns = np.fromiter((c for c, _ in unigrams), dtype=np.int64, count=len(unigrams))
        self.word_columns_ = sp.csr_matrix(
            (np.ones(len(unigrams), np.float32), (columns, np.arange(len(unigrams)))),
            shape=(len(words), len(unigrams)),
        )
        self.word_vectors_ = table

    def _blocks(self, texts: list[str]) -> list[Any]:
        """The TF-IDF blocks of ``texts`` (word, then character), sparse (n, n_features_of_block)."""
        return [vectorizer.transform(texts) for _, vectorizer in self.vectorizer_.transformer_list]

    def _static(self, texts: list[str], words: Any) -> np.ndarray:
        """Unit-length static vectors (n, dim): the TF-IDF-weighted mean of the word vectors of the
        text's known words (``words``: its word TF-IDF block; no word known: a zero vector, which
        is far from every reference). A model fitted before the word vectors encodes the texts."""
        if getattr(self, "word_vectors_", None) is None:
            vectors = np.asarray(self._encoder().encode(texts), dtype=np.float32)
        else:
            vectors = np.asarray((words @ self.word_columns_) @ self.word_vectors_, dtype=np.float32)
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True).clip(1e-12)

    def _proba(self, blocks: list[Any], static: np.ndarray) -> np.ndarray:
        """``estimator_.predict_proba`` of the stacked features, without stacking them: each block's
        part of the decision function from its own columns of ``coef_`` (building the sparse
        matrix of TF-IDF next to the dense static block cost more than the products)."""
        coef, start = self.estimator_.coef_, 0
        decision = np.tile(self.estimator_.intercept_, (len(static), 1))
        for block in blocks:
            decision += block @ coef[:, start : start + block.shape[1]].T
            start += block.shape[1]
        decision += (static * self.static_weight) @ coef[:, start:].T
        if decision.shape[1] == 1:  # two classes: scikit-learn's one-vs-rest sigmoid
            positive = expit(decision[:, 0])
            return np.column_stack([1.0 - positive, positive])
        return softmax(decision, copy=False)

    def _stack(self, blocks: list[Any], static: np.ndarray) -> Any:
        return sp.hstack([*blocks, sp.csr_matrix(static * self.static_weight)], "csr")

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        if getattr(self, "word_vectors_", None) is not None:
            state["encoder"] = None  # served from its word vectors: the model2vec table stays behind
        return state


class Cascade:
    """A fitted :class:`FastModel` with the band of its confidence that the full model decides.

    Attributes
    ----------
    fast : FastModel
    lower_, upper_ : float
        Contacts whose fast confidence is in ``[lower_, upper_)`` go to the full model (an empty
        band when equal: MiniLM never runs; ``0`` and ``inf``: it always does).
    threshold_ : float
        The fast model's review threshold: its contacts below it get ``needs_review``.
    similarity_floor_ : float
        ... and so do its contacts less similar than this to every training example (static space).
    validation_ : dict
        What the choice saw on validation: share left to the full model, macro-F1 of the cascade and
        of the full model, precision of what the cascade trusts.
    segments_ : tuple of (FastModel, float) or None
        The fast segment model of the second cause and its threshold (:mod:`training.secondary`),
        so that no sentence goes to MiniLM for it; ``None`` (a cascade pickled before it): the
        full model's segment model.
    """

    def __init__(
        self,
        fast: FastModel,
        lower: float,
        upper: float,
        threshold: float,
        similarity_floor: float,
        validation: dict[str, float] | None = None,
        segments: tuple[FastModel, float] | None = None,
    ) -> None:
        self.fast = fast
        self.segments_ = segments
        self.lower_ = float(lower)
        self.upper_ = float(upper)
        self.threshold_ = float(threshold)
        self.similarity_floor_ = float(similarity_floor)
        self.validation_ = dict(validation or {})

    def decide(self, texts: Sequence[str], full: Any, screened: pd.DataFrame | None = None) -> pd.DataFrame:
        """``root_cause``, ``confidence``, ``needs_review``, ``review_reason``, ``language``, the
        secondary cause and ``decided_by`` (``fast``/``full``) per text, as
        :meth:`RootCauseClassifier.decide` gives them. The secondary cause comes from the fast
        segment model (``segments_``), on the sentences of long contacts (:mod:`training.secondary`).

        ``full`` is the fitted full classifier (``screen(texts)`` and ``decide(texts, screened)``),
        run only on the readable contacts in the band. ``screened``: the texts' screening when the
        caller has it (default ``full.screen(texts)``).
        """
        texts = [str(t) for t in texts]
        screened = (full.screen(texts) if screened is None else screened).reset_index(drop=True)
        unread = (screened["review_reason"] != "").to_numpy()
        proba, similarity = self.fast.scores(texts)
        confidence = proba.max(axis=1) if len(proba) else np.zeros(0)
        deferred = (confidence >= self.lower_) & (confidence < self.upper_) & ~unread
        reasons = np.where(
            similarity < self.similarity_floor_,
            "out_of_scope",
            np.where(confidence < self.threshold_, "low_confidence", ""),
        ).astype(object)
        out = pd.DataFrame(
            {
                "root_cause": self.fast.classes_[proba.argmax(axis=1)] if len(proba) else np.zeros(0, object),
                "confidence": confidence.astype(float),
            }
        )
        rest = np.flatnonzero(deferred)
        if len(rest):
            decided = full.decide(
                [texts[i] for i in rest], screened.iloc[rest].reset_index(drop=True), secondary=False
            )
            out.loc[rest, "root_cause"] = decided["root_cause"].to_numpy()
            out.loc[rest, "confidence"] = decided["confidence"].to_numpy(dtype=float)
            reasons[rest] = decided["review_reason"].to_numpy()
        out = add_secondary(
            full, texts, apply_screen(out, reasons, screened), getattr(self, "segments_", None)
        )
        out["decided_by"] = np.where(deferred, "full", "fast")
        return out


def attach_cascade(
    final: Any,
    train: pd.DataFrame,
    validation: pd.DataFrame,
    train_val: pd.DataFrame,
    full_guess: np.ndarray,
    full_trusted: np.ndarray,
    config: Any,
    static_encoder: Any,
) -> dict[str, Any]:
    """Fit the cascade onto the full classifier ``final`` as ``final.cascade_`` when ``config``
    (a ``TrainConfig``) asks for it and the model uses embeddings; returns the params to log.

    ``full_guess``/``full_trusted``: the full model's validation guesses and whether it trusts them.
    """
    final.cascade_ = None
    if not config.cascade or final.features == "tfidf":  # a TF-IDF model is as cheap as the fast one
        return {"cascade": False}
    final.cascade_ = fit_cascade(
        train,
        validation,
        train_val,
        full_guess,
        full_trusted,
        precision_target=config.precision_target,
        tolerance=config.cascade_tolerance,
        novelty_quantile=config.novelty_quantile,
        encoder=static_encoder,
    )
    seen = final.cascade_.validation_
    return {
        "cascade": True,
        "cascade_band": f"{final.cascade_.lower_:.4f}-{final.cascade_.upper_:.4f}",
        "cascade_threshold": final.cascade_.threshold_,
        "cascade_similarity_floor": final.cascade_.similarity_floor_,
        "cascade_tolerance": config.cascade_tolerance,
        "cascade_fast_C": final.cascade_.fast.C,
        "cascade_validation_deferred": seen["deferred"],
        "cascade_validation_precision": seen["precision"],
        "cascade_validation_macro_f1": seen["macro_f1"],
        "cascade_validation_full_macro_f1": seen["full_macro_f1"],
        # the fast segment model's threshold for a second cause (1 + 1e-9: it proposes none)
        "cascade_secondary_threshold": final.cascade_.segments_[1]
        if final.cascade_.segments_
        else 1.0 + 1e-9,
    }


def fit_cascade(
    train: pd.DataFrame,
    validation: pd.DataFrame,
    train_val: pd.DataFrame,
    full_guess: np.ndarray,
    full_trusted: np.ndarray,
    *,
    precision_target: float,
    tolerance: float,
    novelty_quantile: float,
    encoder: Any = None,
) -> Cascade:
    """Fit the fast model, choose its threshold, floor and band on ``validation``, refit on ``train_val``.

    Parameters
    ----------
    train, validation, train_val : DataFrame
        Splits with ``clean_text``, ``label`` and maybe ``weight`` (as in ``train_classifier``).
    full_guess, full_trusted : ndarray of shape (n_validation,)
        The full model's (fitted on ``train``) best guess for each validation contact, and whether
        it trusts it (not ``needs_review``).
    precision_target : float
        Precision wanted on trusted predictions.
    tolerance : float
        Validation macro-F1 the cascade may lose against the full model (0.005 = half a point).
    novelty_quantile : float
        Share of simulated out-of-scope contacts below the fast model's floor (``TrainConfig``).
    """
    truth = validation["label"].to_numpy(dtype=object)
    fast, proba, similarity = _fit_fast(
        train, validation["clean_text"].tolist(), truth, encoder, train_val=train_val
    )
    confidence, guess = proba.max(axis=1), fast.classes_[proba.argmax(axis=1)]
    threshold = choose_threshold(confidence, guess == truth, precision_target)
    floor = fast.novelty_floor(validation["clean_text"].tolist(), truth, novelty_quantile)
    lower, upper, stats = choose_band(
        confidence,
        guess,
        (confidence >= threshold) & (similarity >= floor),
        np.asarray(full_guess, dtype=object),
        np.asarray(full_trusted, dtype=bool),
        truth,
        precision_target,
        tolerance,
    )
    log.info(
        "cascade: MiniLM on %.1f%% of validation (band %.3f-%.3f)", 100 * stats["deferred"], lower, upper
    )
    # The second cause's sentences, scored without MiniLM: fitted and its threshold chosen as the
    # full model's segment model is (on train, validation), against the full model's guesses.
    segments = fit_secondary(
        None, train, validation, full_guess, FastModel(C=SEGMENT_C, encoder=fast.encoder)
    )
    fast = FastModel(C=fast.C, encoder=fast.encoder).fit(
        train_val["clean_text"].tolist(), train_val["label"].tolist(), _weights(train_val)
    )
    return Cascade(fast, lower, upper, threshold, floor, stats, segments if segments[0] is not None else None)


def _fit_fast(
    train: pd.DataFrame,
    texts: list[str],
    truth: np.ndarray,
    encoder: Any,
    train_val: pd.DataFrame | None = None,
) -> tuple[FastModel, np.ndarray, np.ndarray]:
    """The fast model of the best C of :data:`FAST_C`, fitted on ``train``, with its probabilities
    and similarities on the validation ``texts`` (``truth``: their labels).

    C is chosen by macro-F1 on validation, or, when validation holds fewer than
    :data:`CV_BELOW` contacts and ``train_val`` is given, on the out-of-fold guesses of a 3-fold
    cross-validation over ``train_val`` (:func:`_cross_validated_c`). The features are fitted and
    computed once per fit; only the regression is per C."""
    train_texts, labels, weights = _inputs(train["clean_text"], train["label"], _weights(train))
    base = FastModel(encoder=encoder)
    features = base._fit_features(train_texts, labels, weights)
    blocks, static = base._features(texts)
    similarity = nearest_similarity(static, base.references_)
    candidates: tuple[float, ...] = FAST_C
    if train_val is not None and len(texts) < CV_BELOW:
        candidates = (_cross_validated_c(train_val, encoder),)
    best: tuple[float, FastModel, np.ndarray] | None = None
    for c in candidates:
        fast = _refit(base, c, features, labels, weights)
        proba = fast._proba(blocks, static)
        score = f1_score(truth, fast.classes_[proba.argmax(axis=1)], average="macro", zero_division=0)
        log.info("cascade: fast model C=%g, validation macro-F1 %.4f", c, score)
        if best is None or score > best[0] + 1e-9:
            best = (score, fast, proba)
    assert best is not None
    return best[1], best[2], similarity


def _refit(base: FastModel, c: float, features: Any, labels: np.ndarray, weights: np.ndarray) -> FastModel:
    """A copy of ``base`` (its fitted vectorizers, word vectors and references) whose regression is
    fitted with ``C=c`` on ``base``'s training ``features``."""
    fast = copy.copy(base)
    fast.C = c
    return fast._fit_estimator(features, labels, weights)


def _cross_validated_c(frame: pd.DataFrame, encoder: Any, folds: int = 3) -> float:
    """The C of :data:`FAST_C` whose out-of-fold guesses over ``frame`` (``clean_text``, ``label``,
    maybe ``weight``) have the best macro-F1 (stratified folds; the features fitted once a fold)."""
    texts, labels, weights = _inputs(frame["clean_text"], frame["label"], _weights(frame))
    guesses = {c: np.empty(len(labels), dtype=object) for c in FAST_C}
    with warnings.catch_warnings():  # a label with fewer rows than folds: fine, it is in fewer folds
        warnings.filterwarnings("ignore", message="The least populated class", category=UserWarning)
        split = list(StratifiedKFold(folds, shuffle=True, random_state=0).split(texts, labels))
    for fit_rows, held_rows in split:
        base = FastModel(encoder=encoder)
        fit_texts = [texts[i] for i in fit_rows]
        features = base._fit_features(fit_texts, labels[fit_rows], weights[fit_rows])
        blocks, static = base._features([texts[i] for i in held_rows])
        for c in FAST_C:
            fast = _refit(base, c, features, labels[fit_rows], weights[fit_rows])
            guesses[c][held_rows] = fast.classes_[fast._proba(blocks, static).argmax(axis=1)]
    scores = {c: f1_score(labels, guesses[c], average="macro", zero_division=0) for c in FAST_C}
    for c, score in scores.items():
        log.info("cascade: fast model C=%g, cross-validated macro-F1 %.4f", c, score)
    return max(FAST_C, key=lambda c: (scores[c], -FAST_C.index(c)))


def _inputs(
    texts: Sequence[str] | pd.Series, y: Sequence[str] | pd.Series, sample_weight: Any
) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Texts as strings, labels as an object array, weights (ones when ``None``) as floats."""
    labels = np.asarray([str(v) for v in y], dtype=object)
    weights = np.ones(len(labels)) if sample_weight is None else np.asarray(sample_weight, float)
    return [str(t) for t in texts], labels, weights


def choose_band(
    confidence: np.ndarray,
    fast_guess: np.ndarray,
    fast_trusted: np.ndarray,
    full_guess: np.ndarray,
    full_trusted: np.ndarray,
    truth: np.ndarray,
    precision_target: float,
    tolerance: float,
    steps: int = 40,
) -> tuple[float, float, dict[str, float]]:
    """Narrowest band ``[lower, upper)`` of fast confidence left to the full model (see the module).

    All arrays have shape (n_validation,). Candidate bounds are ``steps + 1`` quantiles of
    ``confidence`` (plus 0 and infinity). A band qualifies when the cascade's macro-F1 is at least
    the full model's minus ``tolerance`` and the precision of what it trusts is at least
    ``precision_target`` (or at least the full model's own, when that is lower). Among those the
    one leaving the fewest contacts to the full model wins, then the higher macro-F1.

    Returns ``lower``, ``upper`` and the validation numbers at that band: ``deferred`` (share left
    to the full model), ``macro_f1``, ``full_macro_f1``, ``precision`` (of the trusted).
    """
    labels, codes = np.unique(
        np.concatenate([truth, fast_guess, full_guess]).astype(str), return_inverse=True
    )
    n = len(truth)
    y, fast_codes, full_codes = codes[:n], codes[n : 2 * n], codes[2 * n :]

    def macro_f1(guess: np.ndarray) -> float:
        k = len(labels)
        tp = np.bincount(y[guess == y], minlength=k)
        predicted, actual = np.bincount(guess, minlength=k), np.bincount(y, minlength=k)
        present = (predicted + actual) > 0
        return float((2 * tp[present] / (predicted[present] + actual[present])).mean())

    def precision(guess: np.ndarray, trusted: np.ndarray) -> float:
        return float((guess[trusted] == y[trusted]).mean()) if trusted.any() else 1.0

    full_f1, full_precision = macro_f1(full_codes), precision(full_codes, full_trusted)
    needed = min(precision_target, full_precision)
    bounds = np.unique(
        np.r_[0.0, np.quantile(confidence, np.linspace(0.0, 1.0, steps + 1), method="higher"), np.inf]
    )
    best: tuple[float, float, float, float] | None = None  # (deferred, -f1, lower, upper)
    stats: dict[str, float] = {}
    for i, lower in enumerate(bounds):
        for upper in bounds[i:]:
            deferred = (confidence >= lower) & (confidence < upper)
            share = float(deferred.mean())
            if best is not None and share > best[0]:
                continue
            guess = np.where(deferred, full_codes, fast_codes)
            f1 = macro_f1(guess)
            kept = precision(guess, np.where(deferred, full_trusted, fast_trusted))
            if f1 < full_f1 - tolerance or kept < needed:
                continue
            if best is None or (share, -f1) < best[:2]:
                best = (share, -f1, float(lower), float(upper))
                stats = {"deferred": share, "macro_f1": f1, "full_macro_f1": full_f1, "precision": kept}
    assert best is not None  # [0, inf) is the full model itself: it always qualifies
    return best[2], best[3], stats


def _weights(frame: pd.DataFrame) -> np.ndarray | None:
    return frame["weight"].to_numpy(dtype=float) if "weight" in frame else None
