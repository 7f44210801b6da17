"""How well redaction works on texts with planted PII: recall by type and over-redaction.

``measure_redaction(texts, pii_truth)`` needs the planted PII as rows ``contact_id, pii_type, value``
(``value`` is the exact substring of the contact's text; the synthetic generator writes them to
``pii.parquet``) and returns

- ``recall``: the share of planted PII values that are gone whole from the redacted text, overall and
  ``recall_by_type``. Gone whole: the value no longer appears, every token it touches was changed
  (stop words such as the "the" of "the twelfth of march" aside), and none of its words (3+ letters
  or digits) is left where it was ("[NAME] Moreau-Duval" and
  "Jean-[NAME]" are misses);
- ``over_redaction``: the share of non-PII tokens (whitespace tokens of the measured text that do not
  overlap any planted value) that redaction changed. The redacted text is aligned with the measured
  one token by token (``difflib``), so the measure sees what a reader sees, whichever step redacted.

Targets (issue 12): recall >= 0.995 for every type, over-redaction < 0.0001 (0.01% of non-PII tokens).

With ``prepare=True`` the measured text is the prepared one (customer turns, no signatures) and the
redacted text is what ``prepare_contacts`` writes, which is what reaches embeddings, models and
reports; otherwise the redactor alone runs on the raw text (agent turns included).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Mapping, Sequence
from difflib import SequenceMatcher

import pandas as pd
from spacy.lang.en.stop_words import STOP_WORDS

from nlp.redact import Redactor

TARGET_RECALL = 0.995
TARGET_OVER_REDACTION = 0.0001
# punctuation a placeholder may take or leave beside it ("Winterbottom." -> "[NAME].")
_EDGE = ".,;:!?\"'()[]<>"


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
        Built once when not given; with ``prepare`` its config is the one preparation uses.
    channels : mapping or Series of contact_id -> channel, optional
        Used with ``prepare=True``.
    prepare : bool
        Measure the preparation stage (``prepare_contacts``) instead of the redactor alone on the
        raw text.
    examples : int
        Keep up to this many missed values and over-redacted tokens (for debugging; they are PII,
        never log or write them outside a test).

    Returns
    -------
    dict
        ``recall``, ``recall_by_type`` ({type: share}), ``planted`` and ``planted_by_type`` (counts),
        ``over_redaction``, ``non_pii_tokens``, ``over_redacted_tokens``, ``contacts``; with
        ``examples`` also ``missed`` ([(type, value)]) and ``over_redacted`` (tokens).
    """
    missing = {"contact_id", "pii_type", "value"} - set(pii_truth.columns)
    if missing:
        raise KeyError(f"pii_truth lacks columns {sorted(missing)}")
    texts = pd.Series(texts, dtype=object)
    redactor = redactor or Redactor()
    ids = list(texts.index)
    raw = [t if isinstance(t, str) else "" for t in texts]
    if prepare:
        from nlp.prepare import PrepareConfig, prepare_contacts, prepare_text

        chans = pd.Series(channels if channels is not None else {}, dtype=object)
        frame = pd.DataFrame({"text": raw, "channel": [chans.get(i) for i in ids]})
        measured = [
            prepare_text(t, c if isinstance(c, str) else None)
            for t, c in zip(raw, frame["channel"], strict=True)
        ]
        config = PrepareConfig(redact_config=redactor.config)
        redacted = [str(t) for t in prepare_contacts(frame, config)["clean_text"]]
    else:
        measured = raw
        redacted = redactor.redact_many(raw)
    truth = defaultdict(list)
    for cid, ptype, value in pii_truth[["contact_id", "pii_type", "value"]].itertuples(index=False):
        truth[cid].append((str(ptype), str(value)))

    planted: dict[str, int] = defaultdict(int)
    removed: dict[str, int] = defaultdict(int)
    missed: list[tuple[str, str]] = []
    over: list[str] = []
    non_pii = over_redacted = 0
    for cid, text, out in zip(ids, measured, redacted, strict=True):
        tokens = list(re.finditer(r"\S+", text))
        changed = _changed_tokens([t.group() for t in tokens], out.split())
        pii_ranges: list[tuple[int, int]] = []
        for ptype, value in truth.get(cid, []):
            planted[ptype] += 1
            # a whole value, not a piece of a longer number or word (CVV "026" in "2026")
            found = re.compile(r"(?<![^\W_])" + re.escape(value) + r"(?![^\W_])")
            where = [(m.start(), m.end()) for m in found.finditer(text)]
            if not found.search(out) and all(_gone(value, s, e, tokens, changed) for s, e in where):
                removed[ptype] += 1
            elif examples and len(missed) < examples:
                missed.append((ptype, value))
            pii_ranges.extend(where)
        for i in changed:
            s, e = tokens[i].span()
            if any(ps < e and s < pe for ps, pe in pii_ranges):
                continue
            over_redacted += 1
            if examples and len(over) < examples:
                over.append(tokens[i].group())
        non_pii += sum(1 for t in tokens if not any(ps < t.end() and t.start() < pe for ps, pe in pii_ranges))
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


def meets_targets(result: dict) -> bool:
    """Whether a ``measure_redaction`` result meets the recall (every type) and over-redaction targets."""
    recalls = result["recall_by_type"].values()
    return min(recalls, default=1.0) >= TARGET_RECALL and result["over_redaction"] < TARGET_OVER_REDACTION


def _changed_tokens(before: list[str], after: list[str]) -> dict[int, str]:
    """Tokens of ``before`` not kept, in order, in ``after``: index -> the text that replaced them."""
    a = [t.strip(_EDGE) for t in before]
    b = [t.strip(_EDGE) for t in after]
    changed: dict[int, str] = {}
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag != "equal":
            replacement = " ".join(after[j1:j2])
            changed.update((i, replacement) for i in range(i1, i2))
    return changed


def _gone(value: str, start: int, end: int, tokens: list[re.Match[str]], changed: dict[int, str]) -> bool:
    """Whether the planted ``value`` at ``text[start:end]`` was redacted whole."""
    touched = [i for i, t in enumerate(tokens) if t.start() < end and start < t.end()]
    if any(i not in changed and tokens[i].group().strip(_EDGE).lower() not in STOP_WORDS for i in touched):
        return False
    left = " ".join(dict.fromkeys(changed[i] for i in touched if i in changed)).lower()
    return not any(re.search(r"(?<![^\W_])" + re.escape(w) + r"(?![^\W_])", left) for w in _pieces(value))


def _pieces(value: str) -> list[str]:
    """Words of a value that must not survive ("the" of "the twelfth of march" may)."""
    return [w.lower() for w in re.findall(r"[^\W_]{3,}", value) if w.lower() not in STOP_WORDS]


def truth_from_records(records: Sequence[tuple[str, str, str]]) -> pd.DataFrame:
    """``pii_truth`` from ``(contact_id, pii_type, value)`` tuples."""
    return pd.DataFrame(records, columns=["contact_id", "pii_type", "value"])
