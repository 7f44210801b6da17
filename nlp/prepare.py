"""Preparation: the customer's own words, cleaned and PII-redacted, ready to embed.

``prepare_contacts(contacts)`` returns a copy with a ``clean_text`` column: for chats and calls only
the customer's turns, for emails the body without greeting, signature and quoted replies, for reviews
and app reasons the text itself; whitespace normalised; PII replaced by placeholders.

(First version: keeps lines starting with ``Customer:``; to be replaced.)
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

from nlp.redact import Redactor

_CUSTOMER = re.compile(r"^(?:\[\d\d:\d\d\]\s*)?customer:\s*", re.IGNORECASE)


@dataclass(frozen=True)
class PrepareConfig:
    """Settings of the preparation stage."""

    redact: bool = True


def prepare_text(text: str, channel: str | None = None) -> str:
    """The customer's words in one contact, unredacted."""
    lines = text.splitlines()
    customer = [_CUSTOMER.sub("", ln) for ln in lines if _CUSTOMER.match(ln)]
    kept = customer if channel in ("chat", "call") and customer else lines
    return re.sub(r"\s+", " ", " ".join(kept)).strip()


def prepare_contacts(contacts: pd.DataFrame, config: PrepareConfig | None = None) -> pd.DataFrame:
    """Copy of ``contacts`` with ``clean_text`` (customer words, redacted)."""
    config = config or PrepareConfig()
    channels = contacts["channel"] if "channel" in contacts else pd.Series([None] * len(contacts))
    texts = [prepare_text(t, c) for t, c in zip(contacts["text"], channels, strict=True)]
    out = contacts.copy()
    out["clean_text"] = Redactor().redact_many(texts) if config.redact else texts
    return out
