"""The tagged-contacts table (what ``voc tag`` writes and ``voc report`` reads): columns and reader.

One row per accepted contact: ``contact_id``, the prediction (:data:`PREDICTION_COLUMNS`: root cause,
family, confidence, ``needs_review``, its ``review_reason`` and the contact's ``language``), the model
that made it, and the contract columns a report needs (:data:`PASSTHROUGH_COLUMNS`, with the
redacted ``clean_text``; the raw text is never written). :data:`TAGGED_SCHEMA` is the Arrow schema
of the file; every engine writes it. :func:`read_tagged` reads it back (Parquet, or CSV from
another tool) and needs only :data:`TAGGED_REQUIRED`.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa

from voc.contracts.reading import read_table, require_columns
from voc.errors import InputError

PREDICTION_COLUMNS = ("root_cause", "family", "confidence", "needs_review", "review_reason", "language")
# Why a contact ``needs_review`` ("" when it does not): the classifier was unsure, the text is far
# from every training example, it is in a language the encoder does not understand, or it says
# nothing about why the customer got in touch ("Very good", "Ok").
REVIEW_REASONS = ("low_confidence", "out_of_scope", "language", "uninformative")
MODEL_COLUMNS = ("model_name", "model_version")
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
TAGGED_REQUIRED = ("contact_id", "root_cause", "created_at", "clean_text")
TAGGED_COLUMNS = ("contact_id", *PREDICTION_COLUMNS, *MODEL_COLUMNS, *PASSTHROUGH_COLUMNS)
TAGGED_SCHEMA = pa.schema(
    [
        ("contact_id", pa.string()),
        ("root_cause", pa.string()),
        ("family", pa.string()),
        ("confidence", pa.float64()),
        ("needs_review", pa.bool_()),
        ("review_reason", pa.string()),
        ("language", pa.string()),
        ("model_name", pa.string()),
        ("model_version", pa.string()),
        ("created_at", pa.timestamp("us", tz="UTC")),
        ("channel", pa.string()),
        ("market", pa.string()),
        ("category", pa.string()),
        ("order_stage", pa.string()),
        ("csat", pa.int64()),
        ("nps", pa.int64()),
        ("escalated", pa.bool_()),
        ("clean_text", pa.string()),
    ]
)


def read_tagged(path: str | Path) -> pd.DataFrame:
    """Tagged contacts (Parquet or CSV), ``created_at`` parsed to UTC, blank ``root_cause`` = ``unknown``.

    Raises InputError for a missing file or column, an unparseable date or a repeated contact id.
    """
    df = read_table(Path(path))
    require_columns(df, TAGGED_REQUIRED, path)
    created = pd.to_datetime(df["created_at"], utc=True, errors="coerce", format="mixed")
    bad = created.isna()
    if bad.any():
        row = int(bad.to_numpy().argmax()) + 1
        raise InputError(
            f"{path}: column 'created_at' row {row}: cannot read {df['created_at'].iloc[row - 1]!r} as a date"
        )
    duplicated = df["contact_id"].duplicated()
    if duplicated.any():
        row = int(duplicated.to_numpy().argmax()) + 1
        raise InputError(
            f"{path}: column 'contact_id' row {row}: id {df['contact_id'].iloc[row - 1]!r} repeats"
        )
    df = df.assign(created_at=created)
    df["contact_id"] = df["contact_id"].astype(str)
    df["root_cause"] = df["root_cause"].fillna("").astype(str).str.strip().replace("", "unknown")
    return df
