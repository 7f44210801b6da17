"""Batch tagging: every contact gets a root cause, family, confidence and ``needs_review``.

``tag(contacts, model_uri)`` tags a DataFrame of validated contacts in memory (for notebooks and
small jobs). The output keeps the contract columns a weekly report needs and ``clean_text``
(redacted, for verbatims); the raw text is never written. Files go through
:mod:`training.streaming` (``voc tag``): streaming, resumable, or on Spark.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from tqdm import tqdm

from nlp.prepare import prepare_contacts
from training.streaming import PASSTHROUGH_COLUMNS

TAG_COLUMNS = (
    "contact_id",
    "root_cause",
    "family",
    "confidence",
    "needs_review",
    "model_name",
    "model_version",
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
