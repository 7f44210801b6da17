"""The tagged-contacts table (what ``voc tag`` writes and ``voc report`` reads): columns and reader.

One row per accepted contact: ``contact_id``, the prediction (:data:`PREDICTION_COLUMNS`: root cause,
family, confidence, ``needs_review``, its ``review_reason``, the contact's ``language`` and an optional
second cause, ``secondary_root_cause`` with ``secondary_confidence``, null when none), the model
that made it, and the contract columns a report needs (:data:`PASSTHROUGH_COLUMNS`, with the
redacted ``clean_text``; the raw text is never written). :data:`TAGGED_SCHEMA` is the Arrow schema
of the file; every engine writes it. :func:`read_tagged` reads it back (Parquet, or CSV from
another tool) and needs only :data:`TAGGED_REQUIRED`.

Order ids are PII, so the tagged table never holds them: ``order_key`` is a pseudonym of the
contact's ``order_id`` (:func:`order_keys`: HMAC-SHA256 under the workspace's secret, 16 hex
characters), equal for contacts about the same order, which is all a repeat-contact rate needs.
"""

from __future__ import annotations

import hashlib
import hmac
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from voc.contracts.reading import read_table, require_columns
from voc.errors import InputError

PREDICTION_COLUMNS = (
    "root_cause",
    "family",
    "confidence",
    "needs_review",
    "review_reason",
    "language",
    "secondary_root_cause",
    "secondary_confidence",
)
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
    "order_key",
    "clean_text",
)
ORDER_KEY_CHARS = 16
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
        ("secondary_root_cause", pa.string()),
        ("secondary_confidence", pa.float64()),
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
        ("order_key", pa.string()),
        ("clean_text", pa.string()),
    ]
)


def order_keys(order_ids: pd.Series, secret: bytes | None) -> pd.Series:
    """Pseudonymous keys of ``order_ids``: the first 16 hex characters of HMAC-SHA256(secret, id).

    A missing id, or no ``secret`` (a caller outside a workspace), gives a null key. 64 bits keep
    accidental collisions negligible (below one in 10^7 for a million orders), and without the
    secret nobody can find a key's order id by hashing candidate ids.
    """
    if secret is None:
        return pd.Series([None] * len(order_ids), index=order_ids.index, dtype=object)
    # Each distinct id once (an order has many events), from one keyed HMAC copied per id.
    codes, uniques = pd.factorize(order_ids.astype(object), use_na_sentinel=True)
    keyed = hmac.new(secret, digestmod=hashlib.sha256)

    def key(value: object) -> str | None:
        text = _stripped(value)
        if text is None:
            return None
        mac = keyed.copy()
        mac.update(text.encode("utf-8"))
        return mac.hexdigest()[:ORDER_KEY_CHARS]

    table = np.array([key(v) for v in uniques] + [None], dtype=object)  # code -1 (missing) -> None
    return pd.Series(table[codes], index=order_ids.index, dtype=object)


def _stripped(value: object) -> str | None:
    if value is None or value is pd.NA or value != value:
        return None
    text = str(value).strip()
    return text or None


def with_order_key(contacts: pd.DataFrame, secret: bytes | None) -> pd.DataFrame:
    """``contacts`` with ``order_key`` (:func:`order_keys` of ``order_id``) and without ``order_id``."""
    ids = contacts.get("order_id", pd.Series(None, index=contacts.index, dtype=object))
    return contacts.drop(columns=["order_id"], errors="ignore").assign(order_key=order_keys(ids, secret))


def order_key_fingerprint(secret: bytes | None) -> str | None:
    """A short name of ``secret`` that reveals nothing of it, for telling two secrets apart."""
    if secret is None:
        return None
    return hmac.new(secret, b"voc order key fingerprint", hashlib.sha256).hexdigest()[:12]


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
