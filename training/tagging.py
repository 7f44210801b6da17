"""Batch tagging: every contact gets a root cause, family, confidence and ``needs_review``.

``tag(contacts, model_uri)`` tags a DataFrame of validated contacts; ``tag_file(input, model_uri,
out)`` validates a file (quarantine written next to ``out``), tags the accepted rows and writes
``out``. The output keeps the contract columns a weekly report needs and ``clean_text`` (redacted,
for verbatims); the raw text is never written. (A simple in-memory version; streaming, resume and
Spark are a later issue.)
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from tqdm import tqdm

from nlp.prepare import prepare_contacts
from training.dataset import validate_with_row_ids
from voc.contracts import ContractConfig, Counts
from voc.files import write_table

TAG_COLUMNS = (
    "contact_id",
    "root_cause",
    "family",
    "confidence",
    "needs_review",
    "model_name",
    "model_version",
)
PASSTHROUGH_COLUMNS = (
    "created_at",
    "channel",
    "market",
    "category",
    "order_stage",
    "csat",
    "nps",
    "escalated",
    "clean_text",
)


@dataclass
class TagSummary:
    """Counts and paths of one :func:`tag_file` run."""

    counts: Counts
    tagged: int
    needs_review: int
    out: Path
    quarantine: Path
    model_name: str
    model_version: str

    def summary(self) -> str:
        share = self.needs_review / self.tagged if self.tagged else 0.0
        return (
            f"{self.counts.summary()}; tagged {self.tagged:,} with {self.model_name} "
            f"v{self.model_version}, {self.needs_review:,} ({share:.1%}) need review"
        )


def tag(
    contacts: pd.DataFrame,
    model_uri: str,
    batch_size: int = 2_000,
    model: Any = None,
    progress: bool = True,
) -> pd.DataFrame:
    """Tag validated contacts (``contact_id``, ``text``, optional contract columns).

    Parameters
    ----------
    contacts : DataFrame of shape (n_contacts, ...)
    model_uri : str
        An MLflow model URI, e.g. ``models:/root-cause@champion``.
    model : mlflow.pyfunc.PyFuncModel, optional
        An already-loaded model (skips loading ``model_uri``).

    Returns
    -------
    DataFrame of shape (n_contacts, ...)
        :data:`TAG_COLUMNS` followed by the :data:`PASSTHROUGH_COLUMNS` present in the input.
    """
    import mlflow.pyfunc

    name, version = model_name_version(model_uri)
    model = model or mlflow.pyfunc.load_model(model_uri)
    prepared = prepare_contacts(contacts.reset_index(drop=True))
    parts = []
    starts = range(0, len(prepared), batch_size)
    for start in tqdm(starts, desc="tagging", unit="batch", disable=not progress or len(starts) < 2):
        # The model gets the already prepared, redacted words: raw text never leaves preparation.
        batch = pd.DataFrame({"text": prepared["clean_text"].iloc[start : start + batch_size].astype(str)})
        parts.append(pd.DataFrame(model.predict(batch)).reset_index(drop=True))
    columns = ["root_cause", "family", "confidence", "needs_review"]
    predicted = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=columns)
    out = pd.DataFrame({"contact_id": prepared["contact_id"].astype(str)})
    for col in columns:
        out[col] = predicted[col].to_numpy() if len(predicted) else pd.Series(dtype=object)
    out["confidence"] = out["confidence"].astype(float)
    out["needs_review"] = out["needs_review"].astype(bool)
    out["model_name"] = name
    out["model_version"] = version
    for col in PASSTHROUGH_COLUMNS:
        if col in prepared:
            out[col] = prepared[col].to_numpy()
    return out


def tag_file(
    input: str | Path,
    model_uri: str,
    out: str | Path,
    config: ContractConfig | None = None,
) -> TagSummary:
    """Validate ``input``, tag the accepted contacts and write ``out`` (.parquet, .csv or .jsonl).

    Quarantined rows go to ``<out stem>.quarantine.parquet`` and a spreadsheet-safe ``.csv`` next to
    ``out``. A file without ``contact_id`` gets row-number ids (``row-<n>``). Raises
    :class:`~voc.errors.InputError` when the file cannot be read.
    """
    out = Path(out)
    result = validate_with_row_ids(input, config)
    tagged = tag(result.accepted, model_uri)
    name, version = model_name_version(model_uri)
    write_table(tagged, out)
    quarantine = out.with_name(f"{out.stem}.quarantine.parquet")
    write_table(result.quarantine, quarantine)
    write_table(result.quarantine, quarantine.with_suffix(".csv"))
    return TagSummary(
        counts=result.counts,
        tagged=len(tagged),
        needs_review=int(tagged["needs_review"].sum()) if len(tagged) else 0,
        out=out,
        quarantine=quarantine,
        model_name=name,
        model_version=version,
    )


def model_name_version(model_uri: str) -> tuple[str, str]:
    """Registered name and version behind ``models:/NAME@alias`` or ``models:/NAME/VERSION``.

    Other URIs (``runs:/...``, paths) give ``("", "")``.
    """
    if not model_uri.startswith("models:/"):
        return "", ""
    import mlflow

    ref = model_uri.removeprefix("models:/").strip("/")
    client = mlflow.MlflowClient()
    if "@" in ref:
        name, alias = ref.split("@", 1)
        return name, str(client.get_model_version_by_alias(name, alias).version)
    name, _, version = ref.rpartition("/")
    if name and version.isdigit():
        return name, version
    return ref, ""
