"""A second reason per contact: its sentences scored one by one, rolled up under the primary cause.

The primary root cause stays the whole contact's decision (:meth:`RootCauseClassifier.decide`), so
its accuracy cannot change. A contact with at least two sentences of substance (each with
:data:`MIN_SEGMENT_WORDS` content words, :func:`nlp.screen.content_words`; an unpunctuated call
transcript is also split before "and also", "on top of that") is split into them
(:func:`segments`). A second reason needs two things:

- a cue: the sentence opens like an added reason ("Also ...", "On top of that, ...", "Plus ...",
  "One more thing ..."); without it a sentence is a detail of the primary cause, often one that
  sounds like a neighbouring cause ("The box had tyre marks on it" in a faulty-product contact);
- a cause: the segment model (a logistic regression on the same features and embedder as the
  full model, fitted on the training contacts' sentences, each with its contact's label, so that
  a sentence many causes share gets spread-out probabilities) gives it a cause other than the
  primary with probability at least ``secondary_threshold_``.

Only the sentences with a cue are embedded and scored (in one batch, through the full model's
embedder and cache): a contact without one costs the split alone. A model trained with the tagging
cascade scores them with its own fast segment model instead (:mod:`training.cascade`, fitted and
thresholded here, by :func:`fit_secondary`, on static embeddings + TF-IDF), so no sentence goes to
MiniLM. The most confident such
sentence gives ``secondary_root_cause`` and ``secondary_confidence``;
otherwise both are null. Contacts screened out (``language``, ``uninformative``) get none.

The threshold (:func:`choose_secondary_threshold`) is chosen at training time on the validation
split for a precision of :data:`PRECISION_TARGET`: labelled data has one cause per contact, so
second reasons are simulated by giving each validation contact the sentence that states the cause
of a contact of another label; the threshold is the lowest at which the segment model names that
cause often enough. ``python -m benchmarks --only secondary`` measures the whole rule on synthetic
contacts with a planted second cause. A model pickled before this has no ``secondary_model_`` and
proposes no secondary.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from nlp.screen import content_words
from training.abstention import choose_threshold

SECONDARY_COLUMNS = ("secondary_root_cause", "secondary_confidence")
MIN_SEGMENT_WORDS = 3
PRECISION_TARGET = 0.85
# Regularisation of the segment model (logistic regression): segments are short and many are
# shared by several causes; a moderate C keeps their probabilities spread.
SEGMENT_C = 1.0
# The segment model's stopping tolerance: on BANKING77's 5,746 training segments, 1e-3 stops after 19
# lbfgs iterations (10 s) instead of 37 (22 s) at the same validation accuracy (0.908 vs 0.906).
SEGMENT_TOL = 1e-3
# Contacts whose text the model cannot read get no secondary (nlp.screen).
_UNREAD = ("language", "uninformative")
# Sentence ends, and the additive openers that run a second reason on without a full stop
# ("... the button does nothing and also plans changed"): unpunctuated call transcripts.
_SPLIT = re.compile(r"(?<=[.!?])\s+|,?\s+(?=(?:and also|on top of that|and another thing)\b)", re.IGNORECASE)
# A sentence that opens like this adds a reason: the cue a second reason needs.
_OPENERS = (
    r"(?:also|plus|besides|additionally|in addition|on top of (?:that|this|it)|"
    r"(?:and\s+)?another thing|one more thing|apart from that|as well as that|separately)\b"
)
_ADDITIVE = re.compile(r"^(?:and\s+|but\s+)?" + _OPENERS + r"[\s,:;-]*", re.IGNORECASE)
# Anywhere in a text: a text without one has no cue, and is not split at all (most contacts).
# Searched in the lower-cased text: a case-insensitive search cost 3x as much.
_ANY_OPENER = re.compile(r"\b" + _OPENERS)


def has_opener(text: str) -> bool:
    """Whether ``text`` holds an additive opener anywhere (a text without one has no cue)."""
    return _ANY_OPENER.search(text.lower()) is not None


def segments(text: str) -> list[str]:
    """The sentences of a prepared ``text`` that have :data:`MIN_SEGMENT_WORDS` content words."""
    return [s for s in _SPLIT.split(str(text)) if content_words(s) >= MIN_SEGMENT_WORDS]


def split(texts: Sequence[str], min_segments: int = 2) -> tuple[np.ndarray, list[str], np.ndarray]:
    """Owner index, segments (additive opener removed) and whether each opened with one (additive).

    Only texts with ``min_segments`` segments or more are split.
    """
    owner: list[int] = []
    pieces: list[str] = []
    cues: list[bool] = []
    for i, text in enumerate(texts):
        parts = segments(text)
        if len(parts) >= min_segments:
            owner += [i] * len(parts)
            for part in parts:
                bare = _ADDITIVE.sub("", part)
                pieces.append(bare)
                cues.append(bare != part)
    return np.asarray(owner, dtype=int), pieces, np.asarray(cues, dtype=bool)


def segment_scores(
    model: Any, texts: Sequence[str], min_segments: int = 2
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Owner index (n_segments,), probabilities (n_segments, n_classes) and additive cue (n_segments,).

    Only texts with at least ``min_segments`` segments are split; all segments go to the segment
    model in one batch (``model.predict_proba``).
    """
    owner, pieces, cues = split(texts, min_segments)
    if not pieces:
        return owner, np.zeros((0, len(model.classes_))), cues
    return owner, np.asarray(model.predict_proba(pieces)), cues


def fit_secondary(
    primary: Any,
    train: pd.DataFrame,
    validation: pd.DataFrame,
    guess: Sequence[str] | np.ndarray,
    segment_model: Any = None,
) -> tuple[Any, float]:
    """The segment model and its threshold: fitted on ``train``'s segments, chosen on ``validation``.

    ``train`` and ``validation`` have ``clean_text`` and ``label`` (``weight`` optional); ``guess``
    is ``primary``'s cause for each validation contact. Each segment inherits its contact's label
    (and weight): a sentence that many causes share ("I need to return my order") learns a spread of
    probabilities, not the one cause it happened to sit next to. The segment model is a clone of
    ``primary``'s settings (same features and embedder) as a logistic regression with
    :data:`SEGMENT_C` and :data:`SEGMENT_TOL`, unless an unfitted ``segment_model`` (``fit(texts,
    labels, weights)``, ``predict_proba``, ``classes_``) is given: the tagging cascade's fast one.
    """
    model = fit_segment_model(primary, train, segment_model)
    if model is None:
        return None, 1.0 + 1e-9
    threshold = choose_secondary_threshold(
        model, validation["clean_text"].tolist(), validation["label"].tolist(), [str(g) for g in guess]
    )
    return model, threshold


def fit_segment_model(primary: Any, rows: pd.DataFrame, segment_model: Any = None) -> Any:
    """The segment model of :func:`fit_secondary` fitted on ``rows``' segments; ``None`` when they
    hold fewer than two labels. Also how :func:`training.train.refit_on_all` fits it again when the
    primary's encoder changes: its threshold stays the one chosen on validation."""
    owner, pieces, _ = split(rows["clean_text"].astype(str).tolist(), min_segments=1)
    labels = rows["label"].astype(str).to_numpy()[owner]
    if len(set(labels)) < 2:
        return None
    weights = rows["weight"].to_numpy(float)[owner] if "weight" in rows else None
    model = segment_model
    if model is None:
        settings = {
            "model": "logreg",
            "C": SEGMENT_C,
            "tol": SEGMENT_TOL,
            "threshold": 0.0,
            "similarity_floor": -1.0,
        }
        model = type(primary)(**{**primary.get_params(deep=False), **settings})  # same embedder, no copy
    return model.fit(pieces, labels, weights)


def add_secondary(
    model: Any, texts: Sequence[str], decided: pd.DataFrame, segments: tuple[Any, float] | None = None
) -> pd.DataFrame:
    """``decided`` (one row per text, ``root_cause`` and ``review_reason``) with :data:`SECONDARY_COLUMNS`.

    ``secondary_root_cause`` is ``None`` and ``secondary_confidence`` NaN where there is none. The
    sentences are scored by ``model.secondary_model_`` against ``model.secondary_threshold_``, or
    by ``segments``, a fitted segment model and its threshold (the cascade's fast one).
    """
    out = decided.reset_index(drop=True).copy()
    out["secondary_root_cause"] = pd.Series([None] * len(out), dtype=object)
    out["secondary_confidence"] = np.nan
    segment_model, threshold = segments or (
        getattr(model, "secondary_model_", None),
        getattr(model, "secondary_threshold_", 1.0),
    )
    if segment_model is None or not len(out):
        return out
    if getattr(segment_model, "features", "tfidf") != "tfidf":  # the primary's embedder and cache
        segment_model.set_params(embedder=model._encoder())
    readable = np.flatnonzero(~out["review_reason"].isin(_UNREAD).to_numpy())
    cued = (has_opener(str(texts[int(i)])) for i in readable)
    readable = readable[np.fromiter(cued, dtype=bool, count=len(readable))]
    # Only the sentences with an additive opener can be a second reason: only they are embedded.
    owner, pieces, cues = split([str(texts[int(i)]) for i in readable])
    if not cues.any():
        return out
    rows = readable[owner[cues]]
    proba = np.asarray(segment_model.predict_proba([p for p, cue in zip(pieces, cues, strict=True) if cue]))
    cause, confidence = _best(segment_model, proba)
    primary = out["root_cause"].to_numpy()[rows]
    chosen = _pick(rows, cause, confidence, primary, threshold)
    out.loc[chosen.index, "secondary_root_cause"] = chosen["cause"].to_numpy()
    out.loc[chosen.index, "secondary_confidence"] = chosen["confidence"].to_numpy(dtype=float)
    return out


def choose_secondary_threshold(
    model: Any,
    texts: Sequence[str],
    labels: Sequence[str],
    primary: Sequence[str],
    precision_target: float = PRECISION_TARGET,
    seed: int = 0,
) -> float:
    """Lowest segment confidence at which simulated second reasons get the right cause often enough.

    ``texts`` and ``labels`` are validation contacts, ``primary`` the model's cause for each. Each
    contact receives, as a second reason, the sentence that states the cause of a random contact of
    another label (its segment most probable for that label); the secondary is right when the
    segment model gives that label. Returns ``1.0 + 1e-9`` (no secondary ever) when no threshold
    reaches ``precision_target``.
    """
    labels_ = np.asarray([str(v) for v in labels], dtype=object)
    primary_ = np.asarray([str(v) for v in primary], dtype=object)
    owner, proba, _ = segment_scores(model, [str(t) for t in texts], min_segments=1)
    if not len(owner):
        return 1.0 + 1e-9
    cause, confidence = _best(model, proba)
    column = {c: k for k, c in enumerate(model.classes_)}
    own = proba[np.arange(len(owner)), [column.get(labels_[o], 0) for o in owner]]
    stating = pd.Series(own).groupby(owner).idxmax().to_numpy()
    donors = stating[np.random.default_rng(seed).integers(0, len(stating), size=len(labels_))]
    hosts = np.flatnonzero(labels_[owner[donors]] != labels_)
    donated = donors[hosts]
    proposed = cause[donated] != primary_[hosts]
    right = cause[donated][proposed] == labels_[owner[donated]][proposed]
    return choose_threshold(confidence[donated][proposed], right, precision_target)


def _best(model: Any, proba: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    best = proba.argmax(axis=1)
    return np.asarray(model.classes_, dtype=object)[best], proba[np.arange(len(proba)), best]


def _pick(
    rows: np.ndarray, cause: np.ndarray, confidence: np.ndarray, primary: np.ndarray, threshold: float
) -> pd.DataFrame:
    """Per row, the most confident segment cause that is not the primary and clears ``threshold``."""
    frame = pd.DataFrame({"row": rows, "cause": cause, "confidence": confidence})
    frame = frame[(cause != primary) & (confidence >= threshold)]
    best = frame.sort_values("confidence", ascending=False, kind="stable").drop_duplicates("row")
    return best.set_index("row")[["cause", "confidence"]]
