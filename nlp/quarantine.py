"""Quarantined rows fit to leave the raw zone: where they were, why, and redacted text only.

``voc data validate`` keeps every original value of a quarantined row (someone has to fix and
re-ingest it: that file is raw data). Every other stage that quarantines rows (``voc tag``,
``voc discover``) writes :func:`redacted_quarantine` instead:

* ``source_row``: the 1-based row (line for JSONL) in the input, always there;
* ``contact_id``: only when it was read cleanly and holds no PII (a malformed row's "id" can be any
  piece of a broken line, e-mails included); empty otherwise, and ``source_row`` finds the row;
* ``reason`` (codes joined by ``;``) and ``detail``, redacted;
* ``text``: the contact's text, PII-redacted and cut to :data:`MAX_TEXT` characters.

No other original column is kept (order ids and raw records are PII or may hold it).
"""

from __future__ import annotations

import pandas as pd

from nlp.redact import Redactor

COLUMNS = ("source_row", "contact_id", "reason", "detail", "text")
MAX_TEXT = 1_000
MAX_ID = 128
# Rows whose fields are misaligned or undecodable: their "id" is not an id.
_UNREADABLE = ("malformed_row", "undecodable_bytes")


def redacted_quarantine(
    quarantine: pd.DataFrame, id_column: str = "contact_id", redactor: Redactor | None = None
) -> pd.DataFrame:
    """Quarantined rows as :data:`COLUMNS`, with no raw PII (see the module docstring).

    Parameters
    ----------
    quarantine : DataFrame
        What the contact contract quarantined: ``source_row``, ``reason``, ``detail`` and the
        original values as text (``contact_id`` or ``id_column``, ``text``, ...).
    """
    n = len(quarantine)
    if n == 0:
        return pd.DataFrame({c: pd.Series(dtype="int64" if c == "source_row" else object) for c in COLUMNS})
    redactor = redactor or Redactor()

    def column(name: str) -> list[str]:
        values = quarantine[name] if name in quarantine else pd.Series([None] * n, index=quarantine.index)
        return ["" if pd.isna(v) else str(v) for v in values]

    reasons = column("reason")
    ids = column(id_column if id_column in quarantine else "contact_id")
    id_spans = redactor.find_many(ids)
    safe_ids = [
        cid if cid and len(cid) <= MAX_ID and not spans and not any(r in why for r in _UNREADABLE) else None
        for cid, spans, why in zip(ids, id_spans, reasons, strict=True)
    ]
    texts = [t[:MAX_TEXT] for t in column("text")]
    source_row = quarantine["source_row"] if "source_row" in quarantine else pd.Series(range(1, n + 1))
    return pd.DataFrame(
        {
            "source_row": pd.to_numeric(source_row, errors="coerce").astype("Int64").to_numpy(),
            "contact_id": safe_ids,
            "reason": reasons,
            "detail": redactor.redact_many(column("detail")),
            "text": redactor.redact_many(texts),
        }
    )
