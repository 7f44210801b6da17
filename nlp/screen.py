"""Contacts the classifier cannot read: another language, or nothing to read at all.

Prepared (redacted) texts in; per text its ``language`` and a ``review_reason`` out:
``"uninformative"`` when it has fewer than ``min_content_words`` content words, ``"language"``
when it is written in a language the encoder does not understand, else ``""`` (the classifier
decides). Such contacts are flagged ``needs_review`` and never get a confident root cause:
:func:`apply_screen` joins the screening to a model's decisions, whichever model made them (the
full classifier or the tagging cascade's fast model).

A *content word* is a word of two or more letters that is neither an English stop word
(scikit-learn's list) nor one of :data:`VAGUE_WORDS`: words that say how the customer feels about
the service ("good", "thanks", "pathetic", "service", "issue") but nothing about why they got in
touch. "Very good", "Ok", "Thanks!" and "Issue not resolved pathetic service" have none;
"cancel", "refund pls" and "Changed my mind" have one or two.

:data:`MIN_CONTENT_WORDS` was chosen on data with ``python -m benchmarks --only screening``: the
largest value that flags at most 0.5% of synthetic contacts (all of which name a cause, short
in-app reasons such as "Too expensive" included) is 1, so a contact is uninformative when it has no
content word at all; that flags the hand-written survey remarks of ``benchmarks/screening.py``
while leaving terse but useful contacts ("cancel", "where is my parcel") to the classifier.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

MIN_CONTENT_WORDS = 1
# Feelings about the service, pleasantries and words every contact could hold.
VAGUE_WORDS = frozenset(
    """
    ok okay okey oke k kk yes yeah yep ya no nope nah fine good great nice excellent perfect
    awesome amazing brilliant superb fantastic lovely cool wonderful outstanding best better
    bad worse worst poor terrible horrible awful pathetic useless rubbish disgusting shocking
    appalling disappointing disappointed disappointment unhappy happy satisfied dissatisfied
    unsatisfied pleased annoyed angry frustrated frustrating ridiculous joke shame sad
    thanks thank thx ty cheers appreciated appreciate please pls plz hi hello hey dear regards
    service services experience customer customers support team staff agent agents rep
    helpful unhelpful help helped quick quickly fast slow slowly easy simple friendly rude
    polite professional efficient response responses responded resolved unresolved solved
    issue issues problem problems query question questions sorted done handled
    really truly totally extremely absolutely quite pretty super overall everything
    lol omg wow hmm um uh er ah oh meh
    na nil none nothing test testing asdf
    """.split()  # noqa: SIM905 - a word list reads better as words
)
_PLACEHOLDER = re.compile(r"\[[A-Z_]+\]")
_WORD = re.compile(r"[^\W\d_]{2,}")
_STOP = frozenset(ENGLISH_STOP_WORDS) | VAGUE_WORDS


def content_words(text: str) -> int:
    """Number of content words in a prepared ``text`` (see the module docstring)."""
    words = _WORD.findall(_PLACEHOLDER.sub(" ", str(text)).lower())
    return sum(w not in _STOP for w in words)


@dataclass(frozen=True)
class ScreenConfig:
    """What the classifier can read.

    Parameters
    ----------
    languages : tuple of str
        ISO 639-1 codes of the languages the encoder understands (``EmbedConfig.languages``).
    min_content_words : int
        Texts with fewer content words are ``uninformative`` (0 turns the rule off).
    """

    languages: tuple[str, ...] = ("en",)
    min_content_words: int = MIN_CONTENT_WORDS

    def __post_init__(self) -> None:
        if not self.languages:
            raise ValueError("languages must name at least one language the encoder understands")
        if self.min_content_words < 0:
            raise ValueError(f"min_content_words must be >= 0, got {self.min_content_words}")


def screen(texts: Sequence[str], config: ScreenConfig | None = None, detector: Any = None) -> pd.DataFrame:
    """``language`` and ``review_reason`` of each prepared text, a frame of shape (n_texts, 2).

    ``detector`` is a :class:`~nlp.language.LanguageDetector` (one is built when ``None``; pass
    one to reuse its loaded models). Uninformative texts are not sent to language detection
    (their language is ``""``): a word or two says little about the language either.
    """
    config = config or ScreenConfig()
    texts = [str(t) for t in texts]
    counts = np.array([content_words(t) for t in texts], dtype=int)
    uninformative = counts < config.min_content_words
    language = np.full(len(texts), "", dtype=object)
    readable = np.flatnonzero(~uninformative)
    if len(readable):
        if detector is None:
            from nlp.language import LanguageDetector

            detector = LanguageDetector()
        language[readable] = detector.detect([texts[i] for i in readable], prefer=config.languages)
    reason = np.full(len(texts), "", dtype=object)
    foreign = (language != "") & ~np.isin(language.astype(str), list(config.languages))
    reason[foreign] = "language"
    reason[uninformative] = "uninformative"
    return pd.DataFrame({"language": language, "review_reason": reason})


def apply_screen(decided: pd.DataFrame, reasons: np.ndarray, screened: pd.DataFrame) -> pd.DataFrame:
    """A model's decisions with ``needs_review``, ``review_reason`` and ``language`` added.

    ``decided`` has ``root_cause`` and ``confidence``, one row per text (a RangeIndex); ``reasons``
    (n,) are the model's own review reasons (``""`` where it trusts its guess); ``screened`` is
    :func:`screen`'s frame for the same texts. A contact the screening flagged takes its reason
    instead, and confidence 0: a guess from words the encoder does not understand is no evidence.
    """
    reasons = np.asarray(reasons, dtype=object).copy()
    unread = (screened["review_reason"] != "").to_numpy()
    reasons[unread] = screened["review_reason"].to_numpy()[unread]
    out = decided.reset_index(drop=True)
    out.loc[unread, "confidence"] = 0.0
    out["needs_review"] = reasons != ""
    out["review_reason"] = reasons
    out["language"] = screened["language"].to_numpy()
    return out


def all_readable(n: int) -> pd.DataFrame:
    """:func:`screen`'s frame for ``n`` texts taken as readable, language unknown: for scoring a
    model on labelled contacts, where the screening is measured apart (``benchmarks``)."""
    return pd.DataFrame({"language": [""] * n, "review_reason": [""] * n})
