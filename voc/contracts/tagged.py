"""The tagged-contacts table (what ``voc tag`` writes and ``voc report`` reads): its columns.

One row per accepted contact: ``contact_id``, the prediction (:data:`PREDICTION_COLUMNS`), the model
that made it, and the contract columns a report needs (:data:`PASSTHROUGH_COLUMNS`, with the
redacted ``clean_text``; the raw text is never written). :data:`TAGGED_SCHEMA` is the Arrow schema
of the file; every engine writes it and every reader expects it.
"""

from __future__ import annotations

import pyarrow as pa

PREDICTION_COLUMNS = ("root_cause", "family", "confidence", "needs_review")
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
TAGGED_COLUMNS = ("contact_id", *PREDICTION_COLUMNS, *MODEL_COLUMNS, *PASSTHROUGH_COLUMNS)
TAGGED_SCHEMA = pa.schema(
    [
        ("contact_id", pa.string()),
        ("root_cause", pa.string()),
        ("family", pa.string()),
        ("confidence", pa.float64()),
        ("needs_review", pa.bool_()),
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
