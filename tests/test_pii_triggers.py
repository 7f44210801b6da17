"""Trigger phrases in lower-case transcripts: the same matches as spaCy's Matcher with fillers."""

from __future__ import annotations

import spacy
from spacy.matcher import Matcher

from nlp.pii_names import FILLERS, build_trigger_matcher
from nlp.pii_triggers import FillerPhraseMatcher, spellings

GROUPS = (
    ("STRONG", ("my name is", "my name 's", "the name is|name's", "i am")),
    ("INTRO", ("this is", "i am")),
    ("CALL_ME", ("call me", "just call me")),
)
TRANSCRIPTS = [
    "hi my name you know is kwame lewis and i am calling about a refund",
    "um so my name erm my name is is ann",
    "i i am i am like um joe",
    "this is this is uh well this is rita speaking",
    "just call me you know call me dan",
    "the name's bob the name uh is bob",
    "my name is",  # ends on the phrase
    "you know my",  # starts a phrase, never ends it
    "nothing to see here at all",
    "",
]


def _spacy_matcher(vocab: spacy.vocab.Vocab) -> Matcher:
    """The reference: a token Matcher with any number of fillers between a phrase's words."""
    matcher = Matcher(vocab)
    for label, phrases in GROUPS:
        patterns = []
        for phrase in phrases:
            pattern: list[dict] = []
            for k, word in enumerate(phrase.split()):
                if k:
                    pattern.append({"LOWER": {"IN": sorted(FILLERS)}, "OP": "*"})
                pattern.append({"LOWER": {"IN": word.split("|")}})
            patterns.append(pattern)
        matcher.add(label, patterns)
    return matcher


def test_every_match_of_spacys_filler_matcher_and_no_other() -> None:
    nlp = spacy.blank("en")
    ours, reference = FillerPhraseMatcher(nlp.vocab, GROUPS, FILLERS), _spacy_matcher(nlp.vocab)
    seen = 0
    for text in TRANSCRIPTS:
        doc = nlp.make_doc(text)
        expected = {(nlp.vocab.strings[m], s, e) for m, s, e in reference(doc)}
        got = [(nlp.vocab.strings[m], s, e) for m, s, e in ours(doc)]
        assert set(got) == expected, text
        assert len(got) == len(set(got)) and got == sorted(got, key=lambda g: (g[1], g[2], g[0]))
        seen += len(expected)
    assert seen >= 15  # the transcripts do exercise fillers, repeats and both labels of "i am"


def test_the_redactors_trigger_matcher_finds_a_name_behind_fillers() -> None:
    nlp = spacy.blank("en")
    matcher = build_trigger_matcher(nlp.vocab, fillers=True)
    doc = nlp.make_doc("yeah hi um my name you know is kwame lewis")
    kinds = {(nlp.vocab.strings[m], doc[s:e].text) for m, s, e in matcher(doc)}
    assert ("STRONG", "my name you know is") in kinds


def test_spellings_expand_alternatives() -> None:
    assert spellings("the name is|name's") == [["the", "name", "is"], ["the", "name", "name's"]]
