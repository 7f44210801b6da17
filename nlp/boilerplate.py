"""Channel boilerplate out of the text that discovery clusters: what every contact says, whatever its cause.

Prepared text (:mod:`nlp.prepare`) keeps the customer's own words, and customers greet, introduce
themselves, say why they call ("hi yeah i'm calling about my order"), fill pauses ("yeah", "you
know") and sign off ("no that's all thanks bye") in every channel. Those words are the same for a
late parcel and a faulty kettle, so in short contacts they outweigh the cause and form themes of
their own ("order yeah, calling order, im calling"). :func:`strip_boilerplate` removes them, and
the redaction placeholders (``[ORDER_ID]``), from the text that discovery embeds and takes keywords
from, and :func:`content` from what the classifier embeds (its TF-IDF still reads the prepared
text). Exemplars, member samples and ``clean_text`` stay as prepared.

Text in (prepared, redacted; any channel, with or without punctuation), text out. A contact that is
nothing but boilerplate comes out as ``""`` and :func:`is_empty` says so: discovery leaves it
unassigned instead of letting such contacts make a theme.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

# Calls come from speech recognition, lower case and without apostrophes: "im", "thats", "ive".
_APOS = r"['’]?"
_IM = rf"i{_APOS}m|i am"
_THATS = rf"that{_APOS}s|that is"
_ITS = rf"it{_APOS}s|it is"

# Whole phrases, removed wherever they stand (case-insensitive). Order matters: longer first.
_PHRASES = [
    # opening: why the customer gets in touch, in words every cause shares
    rf"(?:{_IM}|i{_APOS}ve been|i was) (?:calling|ringing|phoning|writing|messaging|emailing|"
    r"contacting you|getting in touch|reaching out)(?: (?:you|in))?"
    r"(?: (?:about|regarding|re|because of|with)(?: (?:my|an|the|a|your)(?: recent| online)?)?"
    r" (?:order|purchase|parcel|query|question|issue|problem))?",
    rf"(?:i{_APOS}ve got|i have|i{_APOS}ve|got) (?:a )?(?:quick |small )?(?:question|query)"
    r"(?: (?:about|regarding) (?:my|an|the) order)?",
    r"quick question",
    rf"(?:hope|hoping) (?:you{_APOS}re|you are|you{_APOS}re doing|you are doing|all is|this finds you) well",
    r"how are you(?: (?:doing|today))?",
    r"(?:thanks|thank you) for (?:contacting|calling|getting back to|your (?:help|time|reply|patience)|"
    r"waiting|any (?:info|information|help)|the (?:help|reply|update))(?: (?:me|us))?",
    r"(?:thanks|thank you|many thanks)(?: so much| again| in advance| a lot)?",
    r"(?:to whom it may concern|dear (?:sir or madam|customer (?:service|services|support)|team|all))",
    r"good (?:morning|afternoon|evening)",
    # introducing oneself (the name itself is already a placeholder)
    rf"(?:my name is|my name{_APOS}s|this is|{_ITS}) \[NAME\](?: here| speaking)?",
    r"\[NAME\] (?:here|speaking)",
    rf"(?:(?:yeah|yes|sure|ok|okay)[ ,]+)?(?:{_ITS}|the order (?:number|ref(?:erence)?) is) \[ORDER_ID\]",
    # closing: answers to "anything else?" and sign-offs
    rf"(?:no[ ,]+)?(?:{_THATS}|that{_APOS}ll be) (?:all|it|everything)(?: for (?:now|today))?"
    r"(?:[ ,]+(?:thanks|thank you|cheers))?(?:[ ,]+(?:bye|goodbye|bye bye))?",
    r"no[ ,]+(?:thanks|thank you)(?:[ ,]+(?:bye|goodbye))?",
    r"(?:ok|okay|alright)[ ,]+(?:thanks|thank you|cheers)",
    r"(?:kind|best|warm) regards|best wishes|yours (?:sincerely|faithfully)",
    r"(?:bye bye|goodbye|bye)",
    # greetings and fillers: words that say nothing about the cause
    r"(?:hi|hiya|hello|hey)(?: (?:there|team|again|all))?",
    r"you know|i mean|so yeah|basically|yeah|yep|oh|um+|uh+|erm+|hmm+",
]
_BOILERPLATE = re.compile(r"(?i)(?<![\w\[])(?:" + "|".join(f"(?:{p})" for p in _PHRASES) + r")(?![\w\]])")
_PLACEHOLDER = re.compile(r"\[[A-Z_]+\]")
# A bare "no" left at the end answers the agent's "anything else?" ("... size up. No.").
_LAST_NO = re.compile(r"(?i)(?:^|(?<=[.!?]))\s*no[.!]?\s*$")
# Punctuation left dangling where a phrase was cut out: ", ." -> "."; leading commas; runs of marks.
_DANGLING = re.compile(r"\s*([,;:])(?:\s*[,;:.!?])+|^\s*[,;:.!?]+\s*|(?<=[.!?])\s*[,;:]+")
_WORD = re.compile(r"[^\W\d_]{3,}")


def strip_boilerplate(text: str) -> str:
    """``text`` without greetings, call openers, fillers, sign-offs and redaction placeholders.

    Examples
    --------
    >>> strip_boilerplate("hi yeah im calling about my order the lid is cracked no thats all bye")
    'the lid is cracked'
    >>> strip_boilerplate("Hi team, my refund never arrived. Thanks in advance!")
    'my refund never arrived.'
    """
    out = _PLACEHOLDER.sub(" ", _BOILERPLATE.sub(" ", str(text)))
    out = _LAST_NO.sub("", out)
    out = re.sub(r"\s+", " ", out).strip()
    out = _DANGLING.sub(lambda m: m.group(1) if m.group(1) else "", out)
    out = re.sub(r"\s+([,.!?;:])", r"\1", out)
    out = re.sub(r"([.!?])(?:\s*[.!?,])+", r"\1", out)
    return re.sub(r"\s+", " ", out).strip(" ,;:")


def strip_many(texts: Iterable[str]) -> list[str]:
    """:func:`strip_boilerplate` of each text, in order."""
    return [strip_boilerplate(t) for t in texts]


def is_empty(text: str) -> bool:
    """True when no word of three or more letters is left: a contact that was only boilerplate."""
    return _WORD.search(text) is None


def content(text: str) -> str:
    """What an encoder reads of a prepared ``text``: :func:`strip_boilerplate`, or ``text`` itself
    when nothing but boilerplate would be left (:func:`is_empty`).

    Discovery embeds exactly this for every contact it clusters, and the classifier embeds it too
    (``RootCauseClassifier.embed_content``), so training and tagging find discovery's vectors in
    the embedding cache.

    Examples
    --------
    >>> content("hi yeah im calling about my order the lid is cracked no thats all bye")
    'the lid is cracked'
    >>> content("hi thanks bye")
    'hi thanks bye'
    """
    stripped = strip_boilerplate(text)
    return str(text) if is_empty(stripped) else stripped


def content_many(texts: Iterable[str]) -> list[str]:
    """:func:`content` of each text, in order."""
    return [content(t) for t in texts]
