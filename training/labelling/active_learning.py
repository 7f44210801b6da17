"""Active learning: ask analysts about the contacts the classifier is least sure of.

:func:`pick_uncertain` ranks contacts by the champion's confidence (lowest first, or by the margin
between its two best classes when the model returns one) and spreads the picks over themes
round-robin, so a sheet of 200 contacts is not 200 variants of one confusing theme.
:func:`theme_suggestions` gives each theme the model's suggestion (source ``model`` in
``suggestions.parquet``, beside the taxonomy's and the catalogue's that ``voc discover`` writes).

Both take predictions made by :func:`training.pyfunc.predict_contacts` with a model from
:func:`training.pyfunc.load_predictor`, the same calls ``voc tag`` makes: raw contacts in, each
prepared and redacted once, ``root_cause``, ``confidence`` and the redacted ``clean_text`` out.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from training.labelling.sheets import CONTACT_SHEET_COLUMNS
from voc.contracts.themes import SUGGESTION_COLUMNS

log = logging.getLogger(__name__)

UNASSIGNED = -1
# A model suggestion is confident from this confidence on: 90% of the model's suggestions from 0.293
# on named the theme's true root cause, on synthetic weeks with ground truth (`python -m benchmarks
# --only labelling --labelling-tune`, seeds 11 and 12, never the weeks the benchmark measures).
MODEL_THRESHOLD = 0.3


@dataclass(frozen=True)
class SuggestConfig:
    """Settings of ``voc label suggest``.

    n : int
        Contacts to put in the sheet.
    per_theme : int or None
        At most this many per theme (``None``: no cap beyond the round-robin).
    uncertainty : {"confidence", "margin"}
        Rank by the model's confidence, or by the margin between its two best classes when the
        model returns a ``margin`` column (falls back to confidence otherwise).
    include_unassigned : bool
        Also pick contacts no theme holds (they form one more group in the round-robin).
    batch_size : int
        Texts per ``predict`` call.
    """

    n: int = 200
    per_theme: int | None = None
    uncertainty: Literal["confidence", "margin"] = "confidence"
    include_unassigned: bool = True
    batch_size: int = 512

    def __post_init__(self) -> None:
        if self.n < 1:
            raise ValueError(f"n must be at least 1, got {self.n}")
        if self.per_theme is not None and self.per_theme < 1:
            raise ValueError(f"per_theme must be at least 1 or None, got {self.per_theme}")
        if self.uncertainty not in ("confidence", "margin"):
            raise ValueError(f"uncertainty must be 'confidence' or 'margin', not {self.uncertainty!r}")
        if self.batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, got {self.batch_size}")


def theme_suggestions(predictions: pd.DataFrame, threshold: float = MODEL_THRESHOLD) -> pd.DataFrame:
    """The model's majority root cause per theme, with a confidence.

    Parameters
    ----------
    predictions : DataFrame
        One row per member contact: ``theme_id``, ``root_cause``, ``confidence`` and optionally
        ``needs_review`` (the model's own doubt: below its threshold, or unlike anything it was
        trained on).
    threshold : float
        Confidence from which a suggestion is ``confident``.

    Returns
    -------
    DataFrame with :data:`voc.contracts.themes.SUGGESTION_COLUMNS` (source ``model``) and
    ``suggested_share``: ``suggested_root_cause`` is the most frequent prediction,
    ``suggested_share`` its share of the members and ``suggested_confidence`` the members'
    confidence in it, averaged over all members, where a member predicting another cause or
    needing review counts 0: high only when most members agree and the model trusts them, so a
    theme of something the model never saw (an off-taxonomy topic) stays low. Rounded for reading.
    """
    members = predictions[predictions["theme_id"] != UNASSIGNED]
    rows = []
    for theme_id, group in members.groupby("theme_id", sort=True):
        counts = group["root_cause"].value_counts()
        top = str(counts.index[0])
        trusted = group["root_cause"] == top
        if "needs_review" in group:
            trusted &= ~group["needs_review"].fillna(True).astype(bool)
        agreeing = group["confidence"].astype(float).clip(0.0, 1.0).where(trusted, 0.0)
        confidence = round(float(agreeing.mean()), 3)
        rows.append(
            {
                "theme_id": int(theme_id),  # type: ignore[arg-type]
                "suggested_root_cause": top,
                "suggested_confidence": confidence,
                "suggestion_source": "model",
                "confident": confidence >= threshold,
                "suggested_share": round(float(counts.iloc[0]) / len(group), 3),
            }
        )
    return pd.DataFrame(rows, columns=[*SUGGESTION_COLUMNS, "suggested_share"]).astype(
        {"theme_id": "int64", "confident": bool}
    )


def pick_uncertain(
    predictions: pd.DataFrame, config: SuggestConfig | None = None, exclude: set[str] | None = None
) -> pd.DataFrame:
    """Pick ``config.n`` contacts the model is least sure of, spread over themes round-robin.

    Parameters
    ----------
    predictions : DataFrame
        One row per contact: ``contact_id``, ``theme_id`` (-1 = unassigned), ``root_cause``,
        ``confidence`` and optionally ``margin`` and ``clean_text``.
    exclude : set of str, optional
        Contact ids already labelled (e.g. in the catalogue), never picked again.

    Returns
    -------
    The picked rows, in pick order (round 1 = the least sure contact of every theme, themes in
    order of their least sure contact; then round 2 ...), with a ``rank`` column from 1.
    """
    config = config or SuggestConfig()
    pool = predictions
    if exclude:
        pool = pool[~pool["contact_id"].astype(str).isin(exclude)]
    if not config.include_unassigned:
        pool = pool[pool["theme_id"] != UNASSIGNED]
    if pool.empty:
        return pool.assign(rank=pd.Series(dtype="int64"))
    score_col = "margin" if config.uncertainty == "margin" and "margin" in pool else "confidence"
    score = pool[score_col].astype(float).fillna(-np.inf)  # unknown confidence: ask first
    ranked = pool.assign(_score=score.to_numpy()).sort_values(["_score", "contact_id"], kind="stable")
    ranked["_round"] = ranked.groupby("theme_id", sort=False).cumcount()
    if config.per_theme is not None:
        ranked = ranked[ranked["_round"] < config.per_theme]
    # Within a round, themes go in the order of their least sure contact.
    first = ranked.groupby("theme_id", sort=False)["_score"].transform("min")
    ranked = ranked.assign(_first=first.to_numpy())
    picked = ranked.sort_values(["_round", "_first", "theme_id"], kind="stable").head(config.n)
    picked = picked.drop(columns=["_score", "_round", "_first"]).reset_index(drop=True)
    picked["rank"] = np.arange(1, len(picked) + 1)
    return picked


def contact_sheet_frame(picked: pd.DataFrame) -> pd.DataFrame:
    """The contacts review sheet (:data:`CONTACT_SHEET_COLUMNS`) from :func:`pick_uncertain`'s rows."""
    out = pd.DataFrame(
        {
            "contact_id": picked["contact_id"].astype(str),
            "theme_id": picked["theme_id"].astype("int64"),
            "clean_text": picked["clean_text"],
            "suggested_root_cause": picked["root_cause"],
            "confidence": picked["confidence"].astype(float).round(3),
            "label": None,
            "notes": None,
        }
    )
    return out[CONTACT_SHEET_COLUMNS]
