"""Batch tagging in memory: every contact gets a root cause, family, confidence and ``needs_review``.

``tag(contacts, model_uri)`` tags a DataFrame of validated contacts (for notebooks and small jobs)
with the same per-chunk code as ``voc tag`` (:func:`training.tagging.local.tag_chunk`). The output
keeps the contract columns a weekly report needs and ``clean_text`` (redacted, for verbatims); the
raw text is never kept. Files go through :mod:`training.tagging.run` (``voc tag``): streaming,
resumable, or on Spark.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from tqdm import tqdm

from training.pyfunc import load_predictor, resolve_model
from training.tagging.local import TagConfig, tag_chunk
from voc.contracts.tagged import MODEL_COLUMNS, PASSTHROUGH_COLUMNS, PREDICTION_COLUMNS

TAG_COLUMNS = ("contact_id", *PREDICTION_COLUMNS, *MODEL_COLUMNS)
__all__ = ["PASSTHROUGH_COLUMNS", "TAG_COLUMNS", "tag"]


def tag(
    contacts: pd.DataFrame,
    model_uri: str,
    batch_size: int = 2_000,
    model: Any = None,
    progress: bool = True,
    order_key_secret: bytes | None = None,
) -> pd.DataFrame:
    """Tag validated contacts (``contact_id``, ``text``, optional contract columns).

    Parameters
    ----------
    contacts : DataFrame of shape (n_contacts, ...)
    model_uri : str
        An MLflow model URI, e.g. ``models:/root-cause@champion`` (set the tracking URI first).
    model : mlflow.pyfunc.PyFuncModel, optional
        An already-loaded model (skips loading ``model_uri``).
    order_key_secret : bytes, optional
        Key of the ``order_key`` pseudonyms (``Workspace.resolve().order_key_secret()``); without
        it ``order_key`` is empty. The ``order_id`` itself is never in the output.

    Returns
    -------
    DataFrame of shape (n_contacts, ...)
        :data:`TAG_COLUMNS` followed by :data:`PASSTHROUGH_COLUMNS` (``None`` where the input has
        no such column), in input order.
    """
    if model is None:
        model, ref = load_predictor(model_uri)
    else:
        ref = resolve_model(model_uri)
    frame = contacts.reset_index(drop=True)
    config = TagConfig(order_key_secret=order_key_secret)
    starts = range(0, len(frame), batch_size)
    parts = [
        tag_chunk(frame.iloc[start : start + batch_size], model, ref.name, ref.version, config)
        for start in tqdm(starts, desc="tagging", unit="batch", disable=not progress or len(starts) < 2)
    ]
    if not parts:
        return tag_chunk(frame, model, ref.name, ref.version, config)
    return pd.concat(parts, ignore_index=True)
