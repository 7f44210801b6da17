"""PII redaction: contact details, ids, account secrets and names become typed placeholders.

Placeholders: ``[EMAIL]``, ``[PHONE]``, ``[CARD]``, ``[IBAN]``, ``[ORDER_ID]``, ``[TRACKING_ID]``,
``[ADDRESS]``, ``[NAME]``, ``[USERNAME]``, ``[NATIONAL_ID]`` (SSN, UK NI number), ``[DATE_OF_BIRTH]``,
``[IP_ADDRESS]``, ``[PASSWORD]``, ``[PIN]``, ``[CVV]``. Redaction runs before anything is embedded,
cached, logged or written.

The redactor is a spaCy pipeline on ``spacy.blank("en")`` (no downloaded model) with three rule-based
components, whose factories are registered under versioned names (spaCy allows no dots in a factory
name, hence ``_v1``) so that a saved config keeps its meaning; a changed behaviour gets a ``_v2``:

- ``pii_patterns`` (factory ``voc_pii_patterns_v1``, ``nlp.pii_patterns``): regular expressions
  with checks (Luhn for cards, mod-97 for IBANs, digit counts and groupings for phones, context words
  for ids; ``nlp.pii_identity`` for the values that need a cue, such as "PIN 4821"; ``nlp.pii_answers``
  for the values a customer gives when an agent asks for them) -> candidates in
  ``doc.user_data["pii_candidates"]``;
- ``pii_names`` (factory ``voc_pii_names_v1``, ``nlp.pii_names``): a token ``Matcher`` for the
  phrases that introduce a name ("my name is", "this is", "Hi", "Thanks", "addressed to", "call me",
  ...) -> more candidates;
- ``pii_resolve`` (factory ``voc_pii_resolve_v1``): overlapping candidates are merged (the merged
  span takes the label of the most specific one) -> ``doc.spans["pii"]``, sorted and disjoint.

A contact's preparation drops the agent's turns, and with them the question that makes a bare
"Dorothea Winterbottom" a name: ``Redactor.redact_answers`` replaces such answers in the whole
transcript first (``nlp.prepare`` calls it before keeping the customer's words).

Example
-------
>>> Redactor().redact("I'm Sarah Jones, call me on 07700 900123 about order 402-8836541-7739215")
"I'm [NAME], call me on [PHONE] about order [ORDER_ID]"
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import NamedTuple

import spacy
from spacy.language import Language
from spacy.tokens import Doc

from nlp.pii_answers import answer_spans
from nlp.pii_names import build_trigger_matcher, name_spans
from nlp.pii_patterns import find_pattern_spans

LABELS = (
    "EMAIL",
    "PHONE",
    "CARD",
    "IBAN",
    "ORDER_ID",
    "TRACKING_ID",
    "ADDRESS",
    "NAME",
    "USERNAME",
    "NATIONAL_ID",
    "DATE_OF_BIRTH",
    "IP_ADDRESS",
    "PASSWORD",
    "PIN",
    "CVV",
)
# When candidates overlap, the merged span keeps the most specific label (earliest here).
_PRIORITY = {
    label: i
    for i, label in enumerate(
        (
            "EMAIL",
            "CARD",
            "IBAN",
            "NATIONAL_ID",
            "IP_ADDRESS",
            "CVV",
            "PIN",
            "PASSWORD",
            "USERNAME",
            "DATE_OF_BIRTH",
            "TRACKING_ID",
            "ORDER_ID",
            "ADDRESS",
            "PHONE",
            "NAME",
        )
    )
}


class Span(NamedTuple):
    """A redacted stretch of the input: ``text[start:end]`` is PII of type ``label``."""

    start: int
    end: int
    label: str


@dataclass(frozen=True)
class RedactConfig:
    """Settings of the redactor.

    Parameters
    ----------
    labels : tuple of str
        PII types to redact, a subset of ``LABELS``.
    batch_size : int
        Texts per ``nlp.pipe`` batch.
    n_process : int
        Worker processes for ``nlp.pipe`` (1 = in process; redacting is fast enough for one core).
    """

    labels: tuple[str, ...] = LABELS
    batch_size: int = 256
    n_process: int = 1

    def __post_init__(self) -> None:
        unknown = set(self.labels) - set(LABELS)
        if unknown:
            raise ValueError(f"unknown PII labels {sorted(unknown)}; choose from {list(LABELS)}")
        if self.batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {self.batch_size}")
        if self.n_process < 1:
            raise ValueError(f"n_process must be >= 1, got {self.n_process}")


class Redactor:
    """Replace PII in text with typed placeholders.

    Parameters
    ----------
    config : RedactConfig, optional
        Defaults to ``RedactConfig()``.

    Attributes
    ----------
    nlp : spacy.Language
        The blank English pipeline with the three PII components.
    """

    def __init__(self, config: RedactConfig | None = None) -> None:
        self.config = config or RedactConfig()
        self.nlp = build_pipeline()

    def find(self, text: str) -> list[Span]:
        """PII spans of ``text``, sorted and disjoint (character offsets)."""
        return self._spans(self.nlp(text))

    def find_many(self, texts: Iterable[str]) -> Iterator[list[Span]]:
        """``find`` for many texts, batched through ``nlp.pipe``."""
        for doc in self._pipe(texts):
            yield self._spans(doc)

    def redact(self, text: str) -> str:
        """``text`` with every PII span replaced by ``[LABEL]``."""
        return replace_spans(text, self.find(text))

    def redact_many(self, texts: Iterable[str]) -> list[str]:
        """``redact`` for many texts, batched through ``nlp.pipe``; same order as ``texts``."""
        clean = [t if isinstance(t, str) else "" for t in texts]
        # zip with the inputs: Doc.text rebuilds the string from its tokens on every access
        return [replace_spans(t, self._spans(doc)) for t, doc in zip(clean, self._pipe(clean), strict=True)]

    def redact_answers(self, texts: Iterable[str]) -> list[str]:
        """``texts`` with only the values given in answer to an agent's request replaced.

        For transcripts that are about to lose their agent turns (``nlp.prepare``): what remains is
        redacted by ``redact_many`` afterwards. Cheap: plain regular expressions, no spaCy.
        """
        keep = set(self.config.labels)
        out = []
        for t in texts:
            text = t if isinstance(t, str) else ""
            spans = [s for s in merge_spans(answer_spans(text)) if s.label in keep]
            out.append(replace_spans(text, spans) if spans else text)
        return out

    def _pipe(self, texts: Iterable[str]) -> Iterator[Doc]:
        def docs() -> Iterator[Doc]:
            for t in texts:
                text = t if isinstance(t, str) else ""
                doc = self.nlp.make_doc(text)
                # Doc.text rebuilds the string from the tokens (a Python object each): hand it over
                doc.user_data["pii_text"] = text
                yield doc

        return self.nlp.pipe(docs(), batch_size=self.config.batch_size, n_process=self.config.n_process)

    def _spans(self, doc: Doc) -> list[Span]:
        keep = set(self.config.labels)
        return [
            Span(s.start_char, s.end_char, s.label_) for s in doc.spans.get("pii", []) if s.label_ in keep
        ]


# Building the pipeline takes about a second; a tagging run prepares chunk after chunk. Its string
# store grows with every new token (ids, names), so the shared one is rebuilt now and then.
_SHARED: dict[RedactConfig, tuple[Redactor, int]] = {}
_REBUILD_AFTER = 200_000


def shared_redactor(config: RedactConfig | None = None, texts: int = 0) -> Redactor:
    """A :class:`Redactor` for ``config`` shared by the callers of this process.

    ``texts`` is how many texts the caller is about to redact: after ``200,000`` a fresh one is built,
    so that memory stays bounded over a long run.
    """
    config = config or RedactConfig()
    redactor, used = _SHARED.get(config, (None, 0))
    if redactor is None or used > _REBUILD_AFTER:
        redactor, used = Redactor(config), 0
    _SHARED[config] = (redactor, used + texts)
    return redactor


def replace_spans(text: str, spans: Iterable[Span]) -> str:
    """``text`` with each (sorted, disjoint) span replaced by its ``[LABEL]`` placeholder."""
    parts = []
    pos = 0
    for start, end, label in spans:
        parts.append(text[pos:start])
        parts.append(f"[{label}]")
        pos = end
    parts.append(text[pos:])
    return "".join(parts)


# Pipe name -> versioned factory name.
FACTORIES = {
    "pii_patterns": "voc_pii_patterns_v1",
    "pii_names": "voc_pii_names_v1",
    "pii_resolve": "voc_pii_resolve_v1",
}


def build_pipeline() -> Language:
    """``spacy.blank("en")`` with the pipes ``pii_patterns``, ``pii_names`` and ``pii_resolve``."""
    _register_components()
    nlp = spacy.blank("en")
    for name, factory in FACTORIES.items():
        nlp.add_pipe(factory, name=name)
    return nlp


def _register_components() -> None:
    # Registered on first use rather than on import (no side effects on import).
    if Language.has_factory(FACTORIES["pii_patterns"]):
        return
    Language.factory(FACTORIES["pii_patterns"], func=_make_patterns)
    Language.factory(FACTORIES["pii_names"], func=_make_names)
    Language.factory(FACTORIES["pii_resolve"], func=_make_resolve)


class _PatternComponent:
    """Regex + check candidates as char spans, kept exact in ``doc.user_data``."""

    def __call__(self, doc: Doc) -> Doc:
        text = doc.user_data.get("pii_text")
        if text is None:
            text = doc.user_data["pii_text"] = doc.text
        doc.user_data["pii_candidates"] = find_pattern_spans(text)
        return doc


class _NameComponent:
    def __init__(self, nlp: Language) -> None:
        self.matcher = build_trigger_matcher(nlp.vocab)
        self.lower_matcher = build_trigger_matcher(nlp.vocab, fillers=True)

    def __call__(self, doc: Doc) -> Doc:
        candidates = doc.user_data.setdefault("pii_candidates", [])
        text = doc.user_data.get("pii_text")
        for start, end in name_spans(doc, self.matcher, candidates, self.lower_matcher, text=text):
            candidates.append((start, end, "NAME"))
        return doc


class _ResolveComponent:
    """Merge overlapping candidates into ``doc.spans["pii"]`` (token-aligned, outward)."""

    def __call__(self, doc: Doc) -> Doc:
        doc.user_data.pop("pii_text", None)
        merged = merge_spans(doc.user_data.pop("pii_candidates", []))
        spans = []
        for start, end, label in merged:
            span = doc.char_span(start, end, label=label, alignment_mode="expand")
            if span is not None:
                spans.append(span)
        # Expanding to token boundaries can make neighbours touch; merge once more on token spans.
        final = []
        for s, e, lab in merge_spans((s.start_char, s.end_char, s.label_) for s in spans):
            span = doc.char_span(s, e, label=lab, alignment_mode="expand")
            if span is not None:
                final.append(span)
        doc.spans["pii"] = final
        return doc


def merge_spans(spans: Iterable[tuple[int, int, str]]) -> list[Span]:
    """Sorted, disjoint spans: overlapping ones are merged and keep the most specific label."""
    out: list[Span] = []
    for start, end, label in sorted(spans):
        if end <= start:
            continue
        if out and start < out[-1].end:
            last = out[-1]
            best = min(last.label, label, key=_PRIORITY.__getitem__)
            out[-1] = Span(last.start, max(last.end, end), best)
        else:
            out.append(Span(start, end, label))
    return out


def _make_patterns(nlp: Language, name: str) -> _PatternComponent:
    return _PatternComponent()


def _make_names(nlp: Language, name: str) -> _NameComponent:
    return _NameComponent(nlp)


def _make_resolve(nlp: Language, name: str) -> _ResolveComponent:
    return _ResolveComponent()
