"""Labels -> training set: validated, prepared (redacted) contacts with a root-cause label each.

``load_training_set(path, label_column=...)`` reads a contacts file through the contract
(:mod:`voc.contracts`), skips rows without a label (counted), prepares the text with
:func:`nlp.prepare.prepare_contacts` (customer words, PII redacted) and, with a taxonomy, checks every
label against it and attaches its family. Only ``clean_text`` (redacted) goes on from here.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from nlp.prepare import prepare_contacts
from voc.contracts.contacts import validate_contacts
from voc.contracts.reading import ContractConfig, Counts
from voc.errors import InputError
from voc.taxonomy import Taxonomy

DEFAULT_FAMILY = "other"


@dataclass
class TrainingSet:
    """Prepared, labelled contacts.

    Attributes
    ----------
    frame : DataFrame of shape (n_labelled, 6)
        ``contact_id``, ``clean_text`` (redacted), ``label``, ``family``, ``channel``, ``weight``
        (the input's weight column, e.g. theme membership from ``voc label dataset``; else 1.0).
    counts : Counts
        What the contract did with the input rows.
    unlabelled : int
        Accepted rows skipped because their label was empty.
    unlabelled_text : list of str
        Their prepared (redacted) texts, when asked for (``keep_unlabelled``; for self-training),
        else empty.
    families : dict
        Label -> family (``other`` without a taxonomy).
    taxonomy_version : str or None
        Version of the taxonomy the labels were checked against.
    lineage : dict
        Where the labels came from, as ``voc label dataset`` records it in a Parquet file's
        metadata: ``discovery_run_id``, ``catalogue_version``, ``catalogue``, ``themes``; empty for
        other files.
    """

    frame: pd.DataFrame
    counts: Counts = field(default_factory=Counts)
    unlabelled: int = 0
    unlabelled_text: list[str] = field(default_factory=list)
    families: dict[str, str] = field(default_factory=dict)
    taxonomy_version: str | None = None
    lineage: dict[str, Any] = field(default_factory=dict)

    @property
    def digest(self) -> str:
        """sha256 of the redacted texts and labels in order: identifies the training data."""
        return frame_digest(self.frame)

    def summary(self) -> str:
        return (
            f"{len(self.frame):,} labelled contacts, {self.frame['label'].nunique()} labels"
            f" ({self.unlabelled:,} without a label skipped; {self.counts.summary()})"
        )


def load_training_set(
    path: str | Path,
    label_column: str,
    text_column: str = "text",
    id_column: str = "contact_id",
    taxonomy: Taxonomy | None = None,
    weight_column: str | None = "weight",
    dayfirst: bool | None = None,
    keep_unlabelled: bool = False,
) -> TrainingSet:
    """Read, validate and prepare a labelled contacts file (``weight_column``: sample weights, if present).

    ``keep_unlabelled`` also prepares the rows without a label (``TrainingSet.unlabelled_text``).

    ``dayfirst`` reads ``03/04/2026`` as 3 April (``True``) or 4 March (``False``); ``None``: decided
    from the file's own dates.

    Raises
    ------
    InputError
        When the file fails the contract, the label column is missing, no row has a label, or
        (with a taxonomy) a label is unknown; the message lists the labels and their row counts.
    """
    config = ContractConfig(text_column=text_column, id_column=id_column, row_ids=True, dayfirst=dayfirst)
    result = validate_contacts(path, config)
    accepted = result.accepted
    if label_column not in accepted.columns:
        available = ", ".join(str(c) for c in accepted.columns)
        raise InputError(f"{path}: no label column {label_column!r} (columns: {available})")
    training = build_training_set(
        accepted,
        label_column,
        taxonomy=taxonomy,
        source=str(path),
        weight_column=weight_column,
        keep_unlabelled=keep_unlabelled,
    )
    training.counts = result.counts
    training.lineage = _lineage(Path(path))
    return training


def build_training_set(
    contacts: pd.DataFrame,
    label_column: str = "label",
    taxonomy: Taxonomy | None = None,
    source: str = "input",
    weight_column: str | None = "weight",
    keep_unlabelled: bool = False,
) -> TrainingSet:
    """Training set from already-validated contacts (``contact_id``, ``text``, ``label_column``).

    When ``weight_column`` is a column of ``contacts`` its values become sample weights (they must
    be numbers in (0, 1e6]); otherwise every row weighs 1. ``keep_unlabelled`` also prepares
    (redacts) the rows without a label, for self-training.
    """
    labels = contacts[label_column].astype("string").str.strip()
    has_label = labels.notna() & (labels != "")
    labelled = contacts.loc[has_label].copy()
    labelled["label"] = labels[has_label].astype(str)
    if labelled.empty:
        raise InputError(f"{source}: column {label_column!r} has no labels")
    weights = _weights(labelled, weight_column, source)
    families: dict[str, str] = {}
    if taxonomy is not None:
        counts = labelled["label"].value_counts()
        unknown = [(lab, int(n)) for lab, n in counts.items() if lab not in taxonomy]
        if unknown:
            listed = ", ".join(f"{lab!r} ({n} rows)" for lab, n in unknown)
            raise InputError(
                f"{source}: column {label_column!r} has labels not in taxonomy {taxonomy.name} "
                f"v{taxonomy.version}: {listed}. Fix the labels or pass the right --taxonomy."
            )
        families = {lab: taxonomy.family_of(lab) for lab in counts.index}
    else:
        families = {lab: DEFAULT_FAMILY for lab in labelled["label"].unique()}
    if "channel" not in labelled:
        labelled["channel"] = None
    prepared = prepare_contacts(labelled[["contact_id", "text", "channel"]].reset_index(drop=True))
    frame = pd.DataFrame(
        {
            "contact_id": prepared["contact_id"].astype(str),
            "clean_text": prepared["clean_text"].astype(str),
            "label": labelled["label"].to_numpy(),
            "family": [families[lab] for lab in labelled["label"]],
            "channel": prepared["channel"].astype(object),
            "weight": weights,
        }
    )
    unlabelled_text: list[str] = []
    if keep_unlabelled and not has_label.all():
        rest = contacts.loc[~has_label, ["contact_id", "text"]].reset_index(drop=True)
        rest["channel"] = contacts.loc[~has_label, "channel"].to_numpy() if "channel" in contacts else None
        unlabelled_text = prepare_contacts(rest)["clean_text"].astype(str).tolist()
    return TrainingSet(
        frame=frame,
        unlabelled=int((~has_label).sum()),
        unlabelled_text=unlabelled_text,
        families=families,
        taxonomy_version=taxonomy.version if taxonomy is not None else None,
    )


def _lineage(path: Path) -> dict[str, Any]:
    """``attrs["voc"]`` of a Parquet file (what ``voc label dataset`` records); ``{}`` otherwise."""
    if path.suffix.lower() not in (".parquet", ".pq"):
        return {}
    try:
        found = pd.read_parquet(path, columns=[]).attrs.get("voc", {})
    except (OSError, ValueError):  # the contract has read the file already; metadata is a bonus
        return {}
    return dict(found) if isinstance(found, dict) else {}


def _weights(labelled: pd.DataFrame, column: str | None, source: str) -> np.ndarray:
    if column is None or column not in labelled:
        return np.ones(len(labelled))
    values = pd.to_numeric(labelled[column], errors="coerce")
    bad = values.isna() | ~np.isfinite(values) | (values <= 0) | (values > 1e6)
    if bad.any():
        examples = ", ".join(repr(v) for v in labelled.loc[bad, column].head(3).tolist())
        raise InputError(
            f"{source}: column {column!r} must hold sample weights in (0, 1e6]; {int(bad.sum())} "
            f"labelled rows do not (e.g. {examples}). Fix them or drop the column."
        )
    return values.to_numpy(dtype=float)


def frame_digest(frame: pd.DataFrame) -> str:
    """sha256 over ``clean_text`` and ``label`` (redacted values only)."""
    digest = hashlib.sha256()
    for text, label in zip(frame["clean_text"], frame["label"], strict=True):
        digest.update(f"{text}\x00{label}\x01".encode())
    return digest.hexdigest()
