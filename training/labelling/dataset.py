"""Training set from the label catalogue: theme labels spread to members, contact corrections on top.

Every contact in a labelled theme gets the theme's label with ``weight`` = its membership
probability; explicit per-contact labels (from active-learning sheets) override with weight 1. The
output holds the contact's **original** ``text`` so that ``voc train`` prepares and redacts it
itself, exactly as it will at tagging time. This file is therefore personal data: it is written to
the workspace only, never logged to MLflow or put in a report (``voc train`` logs only a hash and
the size of its input).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import pandas as pd

log = logging.getLogger(__name__)

DATASET_COLUMNS = ["contact_id", "text", "label", "weight", "source", "theme_id", "catalogue_version"]


@dataclass(frozen=True)
class DatasetConfig:
    """Settings of ``voc label dataset``.

    min_probability : float
        Theme members with a membership probability at or below this are left out (0 keeps
        every member with a positive probability).
    min_per_label : int
        Labels with fewer rows are left out (and logged): a classifier cannot split a label with a
        handful of examples into train and test. 1 keeps every label.
    """

    min_probability: float = 0.0
    min_per_label: int = 1

    def __post_init__(self) -> None:
        if not 0.0 <= self.min_probability < 1.0:
            raise ValueError(f"min_probability must be in [0, 1), got {self.min_probability}")
        if self.min_per_label < 1:
            raise ValueError(f"min_per_label must be at least 1, got {self.min_per_label}")


def build_training_set(
    assignments: pd.DataFrame,
    contacts: pd.DataFrame,
    labelled_themes: pd.DataFrame,
    corrections: pd.DataFrame | None = None,
    config: DatasetConfig | None = None,
) -> pd.DataFrame:
    """Join labels to contacts.

    Parameters
    ----------
    assignments : DataFrame
        ``contact_id, theme_id, probability`` of a discovery run.
    contacts : DataFrame
        Validated contacts with ``contact_id`` and the original ``text`` (``channel`` and other
        columns are kept when present).
    labelled_themes : DataFrame
        :meth:`training.labelling.catalogue.Catalogue.labelled_themes` (``theme_id, label, version``).
    corrections : DataFrame, optional
        :meth:`training.labelling.catalogue.Catalogue.contact_labels` (``contact_id, label, version``).

    Returns
    -------
    DataFrame with :data:`DATASET_COLUMNS` (``source`` is ``theme`` or ``correction``) plus
    ``channel`` when the contacts have it; one row per contact, contacts missing from ``contacts``
    dropped (and counted in the log); labels with fewer than ``config.min_per_label`` rows dropped.
    """
    config = config or DatasetConfig()
    themes = labelled_themes.set_index("theme_id")
    members = assignments[assignments["theme_id"].isin(themes.index)].copy()
    members["probability"] = members["probability"].astype(float).fillna(1.0)
    members = members[members["probability"] > config.min_probability]
    from_themes = pd.DataFrame(
        {
            "contact_id": members["contact_id"].astype(str).to_numpy(),
            "label": themes.loc[members["theme_id"], "label"].to_numpy(),
            "weight": members["probability"].to_numpy(),
            "source": "theme",
            "theme_id": members["theme_id"].astype("Int64").to_numpy(),
            "catalogue_version": themes.loc[members["theme_id"], "version"].astype("int64").to_numpy(),
        }
    )
    parts = [from_themes]
    if corrections is not None and len(corrections):
        corrected = corrections.assign(contact_id=corrections["contact_id"].astype(str))
        parts = [from_themes[~from_themes["contact_id"].isin(corrected["contact_id"])]]
        theme_of = dict(zip(assignments["contact_id"].astype(str), assignments["theme_id"], strict=True))
        parts.append(
            pd.DataFrame(
                {
                    "contact_id": corrected["contact_id"].to_numpy(),
                    "label": corrected["label"].to_numpy(),
                    "weight": 1.0,
                    "source": "correction",
                    "theme_id": pd.array([theme_of.get(c) for c in corrected["contact_id"]], dtype="Int64"),
                    "catalogue_version": corrected["version"].astype("int64").to_numpy(),
                }
            )
        )
    labels = pd.concat(parts, ignore_index=True)
    keep = ["contact_id", "text", *(["channel"] if "channel" in contacts else [])]
    texts = contacts[keep].assign(contact_id=contacts["contact_id"].astype(str))
    out = labels.merge(texts.drop_duplicates("contact_id"), on="contact_id", how="inner")
    missing = len(labels) - len(out)
    if missing:
        log.warning("%d labelled contacts are not in the contacts file and were left out", missing)
    counts = out["label"].value_counts()
    rare = counts[counts < config.min_per_label]
    if len(rare):
        log.warning(
            "left out labels with fewer than %d rows: %s; label more of them (voc label suggest)",
            config.min_per_label,
            ", ".join(f"{k} ({v})" for k, v in rare.items()),
        )
        out = out[~out["label"].isin(rare.index)]
    extra = ["channel"] if "channel" in out else []
    return out[[*DATASET_COLUMNS, *extra]].sort_values("contact_id").reset_index(drop=True)
