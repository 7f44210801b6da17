"""Preparation: the customer's own words, cleaned and PII-redacted, ready to embed.

``prepare_contacts(contacts)`` returns a copy with a ``clean_text`` column:

- ``chat``: only ``Customer`` turns (``[HH:MM] Customer: ...``; lines without a role prefix belong to
  the turn above); ``Agent``/``Agent (Name)``/``Bot``/``System`` turns are dropped. A chat without any
  role prefix is kept whole.
- ``call``: only ``customer:`` turns; ASR fillers (``um``, ``uh``, ``erm``) are dropped. "like" stays:
  it is as often a verb ("I'd like a refund") as a filler.
- ``email``: the subject's content is kept (without ``Subject:`` and ``Re:``/``Fwd:``) because customers
  often state the whole problem there ("Refund not received for order ..."); the greeting, the
  sign-off and everything below it (name, phone, "Sent from my iPhone"), and quoted earlier messages
  (``On ... wrote:`` and ``>`` lines) are dropped.
- ``review``: the ``Rating: N/5`` line is dropped; title and body are kept.
- ``app``: the ``Reason:`` and ``Comment:`` labels are dropped; their text is kept.

Whitespace is normalised; case is kept. The embedder (all-MiniLM-L6-v2) lower-cases its input
itself, so lower-casing here would gain nothing for embeddings while it would lose the capitals that
the name redaction relies on and make exemplars in reports harder to read.

A missing channel is inferred from the text's shape when it is obvious (role prefixes, a rating line,
``Reason:``, ``Subject:``/``wrote:``); otherwise the text is kept as it is.
"""

from __future__ import annotations

import itertools
import multiprocessing
import os
import re
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field

import pandas as pd

from nlp.redact import RedactConfig, shared_redactor


@dataclass(frozen=True)
class PrepareConfig:
    """Settings of the preparation stage.

    Parameters
    ----------
    redact : bool
        Replace PII by placeholders (only switch off for debugging: unredacted text must not be
        embedded, cached, logged or written).
    keep_subject : bool
        Keep the content of an email's ``Subject:`` line.
    drop_fillers : bool
        Drop ASR fillers (um, uh, erm, hmm) from call transcripts.
    redact_config : RedactConfig
        Settings of the redactor.
    workers : int or None
        Processes that prepare a large batch together (this one plus ``workers - 1`` helpers kept
        for the life of the process); ``None``: every core, up to 2, from ``parallel_from``
        contacts on. Preparation is pure Python, so one process uses one core.
    parallel_from : int
        Smallest batch worth splitting (a helper costs a few seconds to start, once).
    """

    redact: bool = True
    keep_subject: bool = True
    drop_fillers: bool = True
    redact_config: RedactConfig = field(default_factory=RedactConfig)
    workers: int | None = None
    parallel_from: int = 4_000

    def __post_init__(self) -> None:
        if not isinstance(self.redact_config, RedactConfig):
            raise TypeError("redact_config must be a RedactConfig")
        if self.workers is not None and self.workers < 1:
            raise ValueError(f"workers must be >= 1 or None, got {self.workers}")
        if self.parallel_from < 2:
            raise ValueError(f"parallel_from must be >= 2, got {self.parallel_from}")


def prepare_contacts(contacts: pd.DataFrame, config: PrepareConfig | None = None) -> pd.DataFrame:
    """Copy of ``contacts`` with a ``clean_text`` column (customer words, PII redacted).

    Parameters
    ----------
    contacts : DataFrame of shape (n_contacts, n_columns)
        Needs ``text``; ``channel`` is used when present (missing values are inferred).
    config : PrepareConfig, optional

    Returns
    -------
    DataFrame of shape (n_contacts, n_columns + 1)
        Same index and row order; ``clean_text`` added (or replaced).
    """
    config = config or PrepareConfig()
    if "text" not in contacts.columns:
        raise KeyError("contacts need a 'text' column")
    channels = contacts["channel"] if "channel" in contacts.columns else [None] * len(contacts)
    raw = [t if isinstance(t, str) else "" for t in contacts["text"]]
    kinds = [c if isinstance(c, str) else None for c in channels]
    workers = _workers(config, len(raw))
    if workers > 1:
        texts = _prepare_parallel(raw, kinds, config, workers)
    else:
        texts = _prepare_texts(raw, kinds, config)
    out = contacts.copy()
    out["clean_text"] = texts
    return out


def _prepare_texts(raw: list[str], channels: list[str | None], config: PrepareConfig) -> list[str]:
    """Prepared, redacted texts in this process."""
    redactor = shared_redactor(config.redact_config, len(raw)) if config.redact else None
    if redactor is not None:
        # answers to the agent's questions ("Customer: Dorothea Winterbottom") need the question,
        # which is dropped with the agent's turns below
        raw = redactor.redact_answers(raw)
    texts = [prepare_text(t, c, config=config) for t, c in zip(raw, channels, strict=True)]
    if redactor is not None:
        texts = [_squash(t) for t in redactor.redact_many(texts)]
    return texts


def _workers(config: PrepareConfig, n: int) -> int:
    if n < 2 or "fork" not in multiprocessing.get_all_start_methods():
        return 1
    if config.workers is not None:
        return config.workers
    if n < config.parallel_from:
        return 1
    return max(1, min(2, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1))


_POOL: dict[int, ProcessPoolExecutor] = {}


def _exit_with_parent(parent: int) -> None:
    """In a helper: exit as soon as the parent is gone (killed, crashed), instead of lingering."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(0)

    threading.Thread(target=watch, daemon=True, name="exit-with-parent").start()


def _prepare_parallel(
    raw: list[str], channels: list[str | None], config: PrepareConfig, workers: int
) -> list[str]:
    """Split the batch: ``workers - 1`` helper processes take a part each, this process the last."""
    pool = _POOL.get(workers)
    if pool is None:
        # fork, not spawn: spawn re-runs the caller's main module, which breaks any script without a
        # __main__ guard (and Spark's workers). The helper only runs this module's pure-Python code,
        # never the ONNX Runtime or torch threads a fork copies. It lives as long as this process.
        pool = ProcessPoolExecutor(
            workers - 1,
            mp_context=multiprocessing.get_context("fork"),
            initializer=_exit_with_parent,
            initargs=(os.getpid(),),
        )
        _POOL[workers] = pool
    bounds = [round(i * len(raw) / workers) for i in range(workers + 1)]
    parts = [(raw[a:b], channels[a:b]) for a, b in itertools.pairwise(bounds)]
    futures = [pool.submit(_prepare_texts, texts, kinds, config) for texts, kinds in parts[:-1]]
    last = _prepare_texts(*parts[-1], config)
    return [t for f in futures for t in f.result()] + last


def prepare_text(text: str, channel: str | None = None, *, config: PrepareConfig | None = None) -> str:
    """The customer's words in one contact, whitespace-normalised, NOT yet redacted.

    Parameters
    ----------
    text : str
        The raw contact text in one of the channel formats (README, "Channel text formats").
    channel : {"chat", "email", "call", "review", "app"} or None
        None (or an unknown value) -> inferred from the text when obvious.
    """
    config = config or PrepareConfig()
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    channel = (channel or "").strip().lower() or infer_channel(text)
    if channel == "chat":
        kept = _customer_turns(text)
    elif channel == "call":
        kept = _customer_turns(text)
        if config.drop_fillers:
            kept = _FILLERS.sub(" ", kept)
    elif channel == "email":
        kept = _email_body(text, keep_subject=config.keep_subject)
    elif channel == "review":
        kept = "\n".join(ln for ln in text.split("\n") if not _RATING.match(ln))
        kept = _join_lines(kept)
    elif channel == "app":
        kept = _APP_LABEL.sub(" ", text)
    else:
        kept = _customer_turns(text) if _ROLE.search(text) else text
    return _squash(kept)


def infer_channel(text: str) -> str | None:
    """The channel a text's shape shows, or None when it is not obvious."""
    if _RATING.search(text):
        return "review"
    if re.match(r"\s*Reason\s*:", text):
        return "app"
    roles = _ROLE.findall(text)
    if roles:
        bare = re.sub(r"\[[A-Z_]+\]", "", text)  # placeholders of redacted answers are upper case
        return "call" if all(r.islower() for r in roles) and not any(c.isupper() for c in bare) else "chat"
    if re.search(r"(?im)^\s*subject\s*:|^On .{0,200}wrote:\s*$|^sent from my ", text):
        return "email"
    return None


# ---------------------------------------------------------------------------------------------------

_ROLE = re.compile(
    r"(?im)^[ \t]*(?:\[\d{1,2}:\d{2}(?::\d{2})?\][ \t]*)?"
    r"(customer|client|caller|user|agent|bot|system|advisor|"
    r"assistant|support|operator|rep)(?:[ \t]*\([^)\n]*\))?[ \t]*:"
)
_CUSTOMER_ROLES = {"customer", "client", "caller", "user"}
_FILLERS = re.compile(r"(?i)\b(?:um+|uh+|erm+|er|hmm+|uhm+|mm+|ah+)\b[,.]?")
_RATING = re.compile(
    r"(?im)^[ \t]*(?:rating|rated|stars?)[ \t]*:?[ \t]*\d(?:[.,]\d)?[ \t]*"
    r"(?:/[ \t]*5|out of 5|stars?)?[ \t]*$"
)
_APP_LABEL = re.compile(r"(?i)\b(?:reason|comments?|feedback|details|other)[ \t]*:[ \t]*")


def _customer_turns(text: str) -> str:
    """Customer turns of a role-prefixed transcript; everything when no line has a role prefix."""
    if not _ROLE.search(text):
        return text
    kept: list[str] = []
    role: str | None = None
    for line in text.split("\n"):
        m = _ROLE.match(line)
        if m:
            role = m.group(1).lower()
            line = line[m.end() :]
        if role is None or role in _CUSTOMER_ROLES:
            kept.append(line)
    return _join_lines("\n".join(kept))


_SUBJECT = re.compile(r"(?i)^[ \t]*subject[ \t]*:[ \t]*(.*)$")
_REPLY_PREFIX = re.compile(r"(?i)^(?:(?:re|fwd?|aw|wg|tr)[ \t]*:[ \t]*)+")
_QUOTE_HEADER = re.compile(
    r"(?i)^[ \t]*(?:on\b.{0,200}\bwrote:?|-{2,}[ \t]*original message[ \t]*-{2,}|from:[ \t].*|"
    r"le\b.{0,200}\ba écrit ?:|am\b.{0,200}\bschrieb.{0,80}:)[ \t]*$"
)
_GREETING = re.compile(
    r"(?i)^[ \t]*(?:(?:hi|hello|hey|dear|hiya|greetings|good[ \t]+(?:morning|afternoon|evening)|"
    r"to whom it may concern)\b[^\n.!?]{0,40}?[,!:]?|hallo|bonjour|guten tag)[ \t]*$"
)
_INLINE_GREETING = re.compile(
    r"(?i)^[ \t]*(?:hi|hello|hey|dear|good[ \t]+(?:morning|afternoon|evening))\b[^,\n.!?]{0,30},[ \t]*"
)
_SIGN_OFF = re.compile(
    r"(?i)^[ \t]*(?:thanks|thank you|many thanks|thanks again|thanks in advance|thx|ta|cheers|regards|"
    r"kind regards|best regards|warm regards|warmest regards|best|best wishes|all the best|sincerely|"
    r"yours sincerely|yours faithfully|yours truly|respectfully|mit freundlichen grüßen|viele grüße|"
    r"cordialement|bien à vous)\b[ \t]*(?:for (?:your|the) help|so much|a lot)?[ \t]*[,.!]?"
    r"(?-i:[ \t]*[A-Z][\w'-]*(?:[ \t]+[A-Z][\w'-]*){0,2})?[ \t]*$"
)
_SIGNATURE_DELIMITER = re.compile(r"^--[ \t]*$|^_{5,}$")
_DEVICE_FOOTER = re.compile(r"(?i)^[ \t]*(?:sent from my\b.*|get outlook for\b.*|sent via\b.*)$")


def _email_body(text: str, *, keep_subject: bool) -> str:
    """The body of an email: no greeting, sign-off, signature, device footer or quoted reply."""
    lines = text.split("\n")
    subject = ""
    body: list[str] = []
    for line in lines:
        m = _SUBJECT.match(line)
        if m and not body and not subject:
            subject = _REPLY_PREFIX.sub("", m.group(1)).strip()
            continue
        if _QUOTE_HEADER.match(line) or _SIGNATURE_DELIMITER.match(line):
            break
        if line.lstrip().startswith(">") or _DEVICE_FOOTER.match(line):
            continue
        body.append(line)
    # Greeting: the first non-empty line when it is only a greeting, or a greeting prefix "Hi team, ...".
    for i, line in enumerate(body):
        if not line.strip():
            continue
        if _GREETING.match(line):
            body[i] = ""
        else:
            body[i] = _INLINE_GREETING.sub("", line)
        break
    # Sign-off: the last line that is only a sign-off ends the body; the signature below it goes.
    for i in range(len(body) - 1, -1, -1):
        below = [ln for ln in body[i + 1 :] if ln.strip()]
        if _SIGN_OFF.match(body[i]) and len(below) <= 6 and all(len(ln.split()) <= 6 for ln in below):
            body = body[:i]
            break
    kept = _join_lines("\n".join(body))
    if keep_subject and subject:
        kept = _join_lines(subject + "\n" + kept)
    return kept


def _join_lines(text: str) -> str:
    """Lines joined into running text; a line without closing punctuation followed by a capitalised
    line gets a full stop, so that a review title or a chat turn does not run into the next sentence."""
    lines = [ln.strip() for ln in text.split("\n") if ln.strip()]
    out = []
    for i, line in enumerate(lines):
        nxt = lines[i + 1] if i + 1 < len(lines) else ""
        if line[-1].isalnum() and nxt[:1].isupper():
            line += "."
        out.append(line)
    return " ".join(out)


def _squash(text: str) -> str:
    # the same as re.sub(r"\s+", " ", text).strip() (both split on str.isspace), at a tenth of the cost
    return " ".join(text.split())
