"""How well redaction works on texts with planted PII: recall by type and over-redaction.

``measure_redaction(texts, pii_truth)`` needs the planted PII as rows ``contact_id, pii_type, value``
(``value`` is the exact substring of the contact's text; the synthetic generator writes them to
``pii.parquet``) and returns

- ``recall``: the share of planted PII values that no longer appear in the redacted text, overall and
  ``recall_by_type``;
- ``over_redaction``: the share of non-PII tokens (whitespace tokens of the measured text that do not
  overlap any planted value) that overlap a redacted span.

Targets (issue 3): recall >= 0.99, over-redaction <= 0.01.

With ``prepare=True`` the measured text is the prepared one (customer turns, no signatures), which is
what reaches embeddings; otherwise the redactor alone runs on the raw text, the stricter test.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Mapping

import pandas as pd

from nlp.redact import Redactor, replace_spans


def measure_redaction(
    texts: Mapping[str, str] | pd.Series,
    pii_truth: pd.DataFrame,
    *,
    redactor: Redactor | None = None,
    channels: Mapping[str, str | None] | pd.Series | None = None,
    prepare: bool = False,
    examples: int = 0,
) -> dict:
    """Recall of planted PII and over-redaction of everything else.

    Parameters
    ----------
    texts : mapping or Series of contact_id -> text
        The original contact texts.
    pii_truth : DataFrame with columns contact_id, pii_type, value
        Planted PII; ``value`` occurs verbatim in the contact's text.
    redactor : Redactor, optional
        Built once when not given.
    channels : mapping or Series of contact_id -> channel, optional
        Used with ``prepare=True``.
    prepare : bool
        Measure on ``prepare_text`` output (the pipeline) instead of the raw text (the redactor alone).
    examples : int
        Keep up to this many missed values and over-redacted tokens per type (for debugging; they
        are PII, never log or write them outside a test).

    Returns
    -------
    dict
        ``recall``, ``recall_by_type`` ({type: share}), ``planted`` and ``planted_by_type`` (counts),
        ``over_redaction``, ``non_pii_tokens``, ``over_redacted_tokens``, ``contacts``; with
        ``examples`` also ``missed`` and ``over_redacted`` (lists).
    """
    missing = {"contact_id", "pii_type", "value"} - set(pii_truth.columns)
    if missing:
        raise KeyError(f"pii_truth lacks columns {sorted(missing)}")
    texts = pd.Series(texts, dtype=object)
    redactor = redactor or Redactor()
    ids = list(texts.index)
    measured = [t if isinstance(t, str) else "" for t in texts]
    if prepare:
        from nlp.prepare import prepare_text

        chans = pd.Series(channels if channels is not None else {}, dtype=object)
        measured = [prepare_text(t, chans.get(i)) for t, i in zip(measured, ids, strict=True)]
    all_spans = list(redactor.find_many(measured))
    truth = defaultdict(list)
    for cid, ptype, value in pii_truth[["contact_id", "pii_type", "value"]].itertuples(index=False):
        truth[cid].append((str(ptype), str(value)))

    planted: dict[str, int] = defaultdict(int)
    removed: dict[str, int] = defaultdict(int)
    missed: list[tuple[str, str]] = []
    over: list[str] = []
    non_pii = over_redacted = 0
    for cid, text, spans in zip(ids, measured, all_spans, strict=True):
        redacted = replace_spans(text, spans)
        pii_ranges: list[tuple[int, int]] = []
        for ptype, value in truth.get(cid, []):
            planted[ptype] += 1
            if value not in redacted:
                removed[ptype] += 1
            elif examples and len(missed) < examples:
                missed.append((ptype, value))
            pii_ranges.extend((m.start(), m.end()) for m in re.finditer(re.escape(value), text))
        for tok in re.finditer(r"\S+", text):
            s, e = tok.span()
            if any(ps < e and s < pe for ps, pe in pii_ranges):
                continue
            non_pii += 1
            if any(rs < e and s < re_ for rs, re_, _ in spans):
                over_redacted += 1
                if examples and len(over) < examples:
                    over.append(tok.group())
    total = sum(planted.values())
    result: dict = {
        "contacts": len(ids),
        "planted": total,
        "planted_by_type": dict(sorted(planted.items())),
        "recall": sum(removed.values()) / total if total else 1.0,
        "recall_by_type": {t: removed[t] / n for t, n in sorted(planted.items())},
        "non_pii_tokens": non_pii,
        "over_redacted_tokens": over_redacted,
        "over_redaction": over_redacted / non_pii if non_pii else 0.0,
    }
    if examples:
        result["missed"] = missed
        result["over_redacted"] = over
    return result
