"""Customer quotes for a pain point: the most representative, distinct, short enough to scan.

In: one pain point's contacts of the week (``clean_text``, already prepared and redacted, with
``weight``, ``needs_review`` and ``created_at``). Out: up to ``n`` quotes as plain strings; the
renderers escape them.
"""

from __future__ import annotations

import re

import pandas as pd


def verbatims(group: pd.DataFrame, n: int, max_chars: int) -> list[str]:
    """The most representative (highest confidence/probability), then most recent, distinct quotes.

    Confident contacts come before ``needs_review`` ones; quotes longer than ``max_chars`` are cut
    with an ellipsis; quotes that differ only in digits, case or punctuation are shown once.
    """
    if group.empty or n == 0:
        return []
    ordered = group.assign(_w=group["weight"].fillna(0).round(2)).sort_values(
        ["needs_review", "_w", "created_at"], ascending=[True, False, False]
    )
    quotes: list[str] = []
    seen: set[str] = set()
    for text in ordered["clean_text"]:
        text = " ".join(str(text).split())
        # Digits are ignored, so "order 123 is late" and "order 456 is late" count as one quote.
        fingerprint = re.sub(r"[\W\d_]+", " ", text.lower()).strip()
        if not fingerprint or fingerprint in seen:
            continue
        seen.add(fingerprint)
        if len(text) > max_chars:
            text = text[: max_chars - 1].rstrip() + "…"
        quotes.append(text)
        if len(quotes) == n:
            break
    return quotes
