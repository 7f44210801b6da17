"""Language screening: plainly English contacts skip Lingua without changing any decision."""

from __future__ import annotations

import pytest

import nlp.language as language
from benchmarks.language_texts import ENGLISH, FOREIGN
from nlp.language import LanguageDetector, plainly_english

# Contacts as they look after preparation: long, English, the kind most of a week is made of.
PLAIN_ENGLISH = [
    "I ordered a jacket two weeks ago and it still has not arrived. The tracking has not moved since "
    "Monday, can you tell me where it is please?",
    "hi yeah so the parcel came yesterday but the box was crushed and the screen is cracked, i want "
    "a refund not a replacement",
    "You charged me twice for [ORDER_ID] and I can't see the second payment coming back, it's been a week.",
]
# Other languages with English words in them (brands, "tracking", a whole English sentence).
CODE_SWITCHED = [
    "Hallo, mein Paket ist nicht angekommen. Tracking says delivered but I have nothing. Bitte "
    "helfen Sie mir, ich warte seit zwei Wochen.",
    "Bonjour, j'ai commandé une veste mais elle est trop petite. I want to return it please, "
    "comment faire le retour?",
    "Hola, the app doesn't let me cancel mi pedido, lo he intentado tres veces y no funciona, que hago?",
    "Dzień dobry, my zamówiliśmy buty ale nie przyszły, czy możecie sprawdzić status zamówienia?",
    "Hallo, ich habe eine Frage zu meiner Bestellung. The tracking says it has been delivered but ich "
    "habe nichts bekommen und der Kundenservice antwortet nicht auf meine E-Mails, bitte um Antwort.",
    "Goedendag, we hebben onze bestelling nog steeds niet ontvangen en het is al twee weken. Kunt u "
    "ons helpen? Het was een cadeau.",
]
FOREIGN_TEXTS = [text for texts in FOREIGN.values() for text in texts]


def test_only_plainly_english_texts_skip_lingua() -> None:
    assert all(plainly_english(text) for text in PLAIN_ENGLISH)
    assert not any(plainly_english(text) for text in CODE_SWITCHED + FOREIGN_TEXTS)
    # Terse English has too few function words to decide: Lingua still reads it.
    assert not plainly_english("parcel stuck in Leipzig depot")


def test_plainly_english_batches_never_load_lingua() -> None:
    detector = LanguageDetector()
    assert detector.detect(PLAIN_ENGLISH, prefer=("en",)).tolist() == ["en"] * len(PLAIN_ENGLISH)
    assert detector._detectors is None  # the 340 MB of models were never loaded


def test_the_shortcut_changes_no_decision(monkeypatch: pytest.MonkeyPatch) -> None:
    texts = PLAIN_ENGLISH + CODE_SWITCHED + FOREIGN_TEXTS + list(ENGLISH)
    detector = LanguageDetector()
    fast = detector.detect(texts, prefer=("en",))
    monkeypatch.setattr(language, "plainly_english", lambda text: False)
    assert fast.tolist() == detector.detect(texts, prefer=("en",)).tolist()
    # Without English among the preferred languages, no text is taken as English unasked.
    assert detector.detect(PLAIN_ENGLISH, prefer=("de",)).tolist() == ["en"] * len(PLAIN_ENGLISH)
