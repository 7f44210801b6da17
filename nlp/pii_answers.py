"""Answers to an agent's question: what a customer gives on their own turn after being asked for it.

``answer_spans(text)`` reads a role-prefixed transcript (chat ``Agent:`` / ``Customer:`` lines, call
``agent:`` / ``customer:`` lines) and returns ``(start, end, label)`` spans of the values customers
give right after an agent or bot asked for them::

    Agent: Can I have your full name please?
    Customer: Dorothea Winterbottom

Such a value has no cue of its own, so neither the patterns nor the name triggers see it. Requests
for a name, e-mail, phone number, username, address or postcode, order number and date of birth are
recognised; a turn that asks for two ("your name and postcode?") is answered in order. A name found
this way is also redacted wherever else it occurs in the contact ("Thanks, Dorothea").

An answer must look like one: a run of name-shaped words that ends the turn or its clause, a token
with digits for an order, a date for a date of birth. "Hang on, let me check" answers nothing, and a
customer turn that only holds the line ("Sure, one moment") leaves the question open for the next
customer turn. Texts without role prefixes (e-mails, reviews) give no spans.
"""

from __future__ import annotations

import re

from spacy.lang.en.stop_words import STOP_WORDS

from nlp.pii_identity import DATE, NUMBER_RUN, NUMBER_WORD, count_spoken_digits
from nlp.pii_name_words import FIRST_NAMES
from nlp.pii_names import NOT_NAMES_LOWER, PARTICLES

# (start, end, label)
CharSpan = tuple[int, int, str]


def _words(text: str) -> list[str]:
    return text.split()


# the role prefixes of nlp.prepare (chat and call formats)
_ROLE = re.compile(
    r"(?im)^[ \t]*(?:\[\d{1,2}:\d{2}(?::\d{2})?\][ \t]*)?"
    r"(customer|client|caller|user|agent|bot|system|advisor|assistant|support|operator|rep)"
    r"(?:[ \t]*\([^)\n]*\))?[ \t]*:[ \t]*"
)
_CUSTOMER_ROLES = frozenset({"customer", "client", "caller", "user"})


def answer_spans(text: str) -> list[CharSpan]:
    """Spans of the values that customer turns give in answer to an agent's request."""
    if ":" not in text:
        return []
    turns = _turns(text)
    if len(turns) < 2:
        return []
    out: list[CharSpan] = []
    asked: list[str] = []
    for role, start, end in turns:
        if role not in _CUSTOMER_ROLES:
            asked = requested_kinds(text[start:end])
            continue
        if not asked:
            continue
        found = _answer(text, start, end, asked)
        out.extend(found)
        if found or not _HOLDING.fullmatch(text[start:end]):
            asked = []
    names = [(s, e) for s, e, label in out if label == "NAME"]
    if names:
        out.extend((s, e, "NAME") for s, e in _repeats(text, names))
    return out


def requested_kinds(turn: str) -> list[str]:
    """PII kinds an agent's turn asks for, in the order asked ([] when it asks for none)."""
    low = turn.lower()
    # most agent turns ask for nothing personal: skip the regular expressions for them
    if not any(word in low for word in _ASK_WORDS) or not _REQUEST.search(low):
        return []
    kinds: list[str] = []
    # one alternation, earlier kinds first: "email address" is no address, "user name" no name
    for m in _ASKED.finditer(low):
        label = m.lastgroup
        if label is not None and label not in kinds:
            kinds.append(label)
    return kinds


def _turns(text: str) -> list[tuple[str, int, int]]:
    """(role, start, end) of each turn's words; unprefixed lines belong to the turn above."""
    matches = list(_ROLE.finditer(text))
    turns = []
    for i, m in enumerate(matches):
        end = matches[i + 1].start() if i + 1 < len(matches) else len(text)
        while end > m.end() and text[end - 1].isspace():
            end -= 1
        turns.append((m.group(1).lower(), m.end(), end))
    return turns


# Asked kinds; earlier entries win where two overlap ("email address", "user name").
_ASKS: tuple[tuple[str, str], ...] = (
    ("EMAIL", r"\be-?mail(?:[ \t]+address)?\b"),
    ("USERNAME", r"\b(?:user[ \t]?name|user[ \t]id|login(?:[ \t]name)?|screen[ \t]name|handle)\b"),
    ("DATE_OF_BIRTH", r"\b(?:date[ \t]of[ \t]birth|d\.?o\.?b\b|birth[ \t]?date|birthday)"),
    (
        "ORDER_ID",
        r"\b(?:order|reference|ref|booking|confirmation|invoice|return|case|ticket|tracking)"
        r"(?:[ \t]+(?:number|no|id|reference|ref|code))+\b",
    ),
    (
        "PHONE",
        r"\b(?:(?:phone|mobile|telephone|contact|cell|callback|call[ \t]back)(?:[ \t]+number)?|"
        r"(?:a|your|best)[ \t]+number|number[ \t]+(?:we|i)[ \t]+can[ \t]+(?:reach|call|contact))\b",
    ),
    (
        "ADDRESS",
        r"\b(?:(?:delivery|postal|home|shipping|billing|street|house)[ \t]+)?address\b|"
        r"\bpost[ \t]?code\b|\bzip(?:[ \t]?code)?\b|\bfirst[ \t]+line\b",
    ),
    (
        "NAME",
        # "your name", "the name on the account", "surname", "what name": not the agent's own
        # "my name is Tom"
        r"\b(?:(?:your|the|a|account|customer|what|which|whose)[ \t]+"
        r"(?:full[ \t]+|first[ \t]+|last[ \t]+)?name|"
        r"(?:full|first|last|sur|family|given|christian|maiden)[ \t]?name|name[ \t]+(?:please|on|for)|"
        r"who[ \t]+(?:am|do)[ \t]+i[ \t]+(?:speaking|talking|chatting)[ \t]+(?:with|to)|"
        r"who[ \t]+i'?m[ \t]+(?:speaking|talking|chatting)[ \t]+(?:with|to)|"
        r"who(?:'s|[ \t]+is)[ \t]+(?:the[ \t]+)?account[ \t]+holder|spell[ \t]+that)\b",
    ),
)
# a word each request above contains
_ASK_WORDS = (
    "mail", "user", "login", "screen", "handle", "birth", "dob", "d.o.b", "order", "ref", "booking",
    "confirmation", "invoice", "return", "case", "ticket", "tracking", "phone", "mobile", "contact",
    "cell", "callback", "call back", "number", "address", "post", "zip", "first line", "name",
    "speaking", "talking", "chatting", "holder", "spell",
)  # fmt: skip
_ASKED = re.compile("|".join(f"(?P<{label}>{pattern})" for label, pattern in _ASKS))
# The agent's turn must ask ("Can I have ...", "What's ...", "... please?"), not tell ("I've updated
# your email").
_REQUEST = re.compile(
    r"\?|\b(?:can|could|may|would|will)[ \t]+(?:i|you|we)\b|\bwhat(?:'?s|[ \t]+is|[ \t]+was)?\b|"
    r"\bwho\b|\bplease\b|\b(?:confirm|provide|tell[ \t]+me|give[ \t]+me|spell|verify|share|need|"
    r"let[ \t]+me[ \t]+(?:have|know|take|get))\b|"
    r"^(?:(?:and|also|plus|great|thanks|thank[ \t]+you|ok|okay|perfect|lovely|right)[ \t,.!]*)*"
    r"(?:your|the)\b"
)
# A customer turn that only holds the line keeps the question open for the next turn.
_HOLDING = re.compile(
    r"(?i)(?:[ \t,.!-]*(?:sure|ok|okay|yes|yeah|yep|of[ \t]+course|certainly|no[ \t]+problem|one|"
    r"just|a|sec|second|moment|minute|mo|hang[ \t]+on|hold[ \t]+on|bear[ \t]+with[ \t]+me|"
    r"let[ \t]+me[ \t]+(?:check|find|look|see|get)(?:[ \t]+(?:it|that))?|give[ \t]+me|um+|uh+|erm+|"
    r"er|hmm+|right|so|well)(?![\w']))*[ \t,.!]*"
)
# Words that open an answer without being part of it.
_LEAD = re.compile(
    r"(?i)(?:[ \t,.:;!-]+|(?:yes|yeah|yep|yup|ya|sure|ok|okay|right|alright|so|well|um+|uh+|erm+|er|"
    # "oh" opens an answer, unless it is the zero of a number read out ("oh seven seven ...")
    r"hmm+|ah|oh(?![ \t]+(?:zero|oh|one|two|three|four|five|six|seven|eight|nine|double|triple)\b)|"
    r"hi|hello|hey|sorry|of[ \t]+course|certainly|no[ \t]+problem|sure[ \t]+thing|"
    r"yes[ \t]+please|it'?s|it[ \t]+is|its|that'?s|that[ \t]+is|thats|that'?d[ \t]+be|that[ \t]+would"
    r"[ \t]+be|it'?d[ \t]+be|it[ \t]+should[ \t]+be|should[ \t]+be|it'?s[ \t]+under|under|i'?m|im|"
    r"i[ \t]+am|this[ \t]+is|my[ \t]+(?:full[ \t]+|first[ \t]+|last[ \t]+|sur)?name(?:'s|[ \t]+is)|"
    r"(?:the[ \t]+)?name(?:'s|[ \t]+is)|my[ \t]+[a-z]+(?:[ \t]+[a-z]+)?(?:'s|[ \t]+is)|spelled|spelt|"
    r"like|basically|you[ \t]+know|i[ \t]+mean|mrs?\.?|ms\.?|miss|dr\.?|mx)(?![\w']))*"
)
# Between two answers to one question: "Dorothea Winterbottom, LS6 2AB" / "... and my email is ..."
_BETWEEN = re.compile(r"(?i)[ \t]*(?:[,;&/]|\band\b|\bplus\b|\.(?=\s))?[ \t]*")
# Words that may follow a name given as an answer: the name ends its clause.
_AFTER_NAME = frozenset(
    _words(
        """
    and but thanks thank please here speaking calling from its it's that's thats spelled spelt with
    um uh er erm yeah so like mrs mr ms miss dr i i'm im
    """
    )
)
# Capitalised or lower-case words that answer without being names.
_NOT_ANSWERS = frozenset(
    _words(
        """
    absolutely definitely certainly course sure yes no nope nah fine great perfect cool done thanks
    cheers hang hold wait moment sec second minute why what pardon sorry excuse hello hi ok okay
    right alright correct same unsure dunno idk hmm eh brilliant lovely super awesome sounds true
    fair noted understood gladly agreed yep yup yeah weird strange seriously really honestly again
    thx ty np lol haha ugh hey fab ta
    """
    )
)
_WORD = re.compile(r"[ \t]*([^\W\d_](?:[\w'’-]*[^\W\d_])?\.?)")
# spelled out letter by letter: "w i n t e r b o t t o m", "W-I-N-T-E-R"
_SPELLED = re.compile(r"(?<![\w'-])(?:[A-Za-z][ \t.-]){3,}[A-Za-z](?![\w'-])")
_PHONE_ANSWER = re.compile(r"(?:\+[ \t]?|00)?\(?\d[\d \t().-]{4,}\d|" + NUMBER_RUN, re.IGNORECASE)
_ORDER_ANSWER = re.compile(
    r"(?i)(?:(?:ord|order|inv|ref|no|number|#)[ \t-]*)?#?(?:[a-z]*\d[\w-]*)(?:[ \t]+[a-z]*\d[\w-]*)*"
    r"|(?:[a-z]{1,3}[ \t]+)?" + NUMBER_RUN,  # read out: "a seven seven three four"
)
# "jane.doe@example.com", "dotty w at example dot com", "jane [at] example [dot] com"
_EMAIL_ANSWER = re.compile(
    r"(?i)(?:[\w.+-]+[ \t]+){0,2}[\w.+-]+(?:[ \t]*(?:@|[\[({<][ \t]*(?:at|dot)[ \t]*[\])}>])[ \t]*[\w.+-]+"
    r"|[ \t]+(?:at|dot|underscore|dash|hyphen)[ \t]+[\w.+-]+)+"
)
_USERNAME_ANSWER = re.compile(
    r"(?i)[^\s,;!?]+(?:[ \t]+(?:underscore|dot|dash|hyphen)[ \t]+[^\s,;!?]+)*"
    r"(?:[ \t]+(?:[a-z](?![\w'])|\d+|" + NUMBER_WORD + r"))*"
)
_DATE_ANSWER = re.compile(r"(?i)" + DATE)
_CLAUSE_END = re.compile(r"[!?;\n]|\.(?=\s|$)|,[ \t]+(?:and|but|i|it|the|can|could|please)\b", re.IGNORECASE)
_ADDRESS_WORDS = re.compile(
    r"(?i)\d|\b(?:flat|apartment|apt|unit|house|cottage|farm|lodge|rectory|mill|manor|hall|street|st|"
    r"road|rd|lane|avenue|ave|close|drive|way|court|place|crescent|terrace|gardens|grove|mews|"
    r"one|two|three|four|five|six|seven|eight|nine|ten|twenty|thirty|forty|fifty|hundred)\b"
)


def _answer(text: str, start: int, end: int, asked: list[str]) -> list[CharSpan]:
    """The values in one customer turn ``text[start:end]`` for the kinds ``asked``."""
    turn = text[start:end]
    lower = not any(ch.isupper() for ch in turn)
    out: list[CharSpan] = []
    pos = start + _LEAD.match(turn).end()  # type: ignore[union-attr]
    for kind in asked:
        span = _EXTRACT[kind](text, pos, end, lower)
        if span is None:
            continue
        out.append((span[0], span[1], kind))
        pos = span[1]
        pos += _BETWEEN.match(text, pos, end).end() - pos  # type: ignore[union-attr]
        pos += _LEAD.match(text, pos, end).end() - pos  # type: ignore[union-attr]
    spell_as = next((k for k in asked if k in ("NAME", "USERNAME", "EMAIL")), None)
    if spell_as:
        out.extend((start + m.start(), start + m.end(), spell_as) for m in _SPELLED.finditer(turn))
    return out


def _name(text: str, pos: int, end: int, lower: bool) -> tuple[int, int] | None:
    """A run of 1-4 name-shaped words at ``pos`` that ends the turn or its clause."""
    words: list[tuple[int, int]] = []
    while len(words) < 5:
        m = _WORD.match(text, pos, end)
        if m is None:
            break
        word = m.group(1)
        if not _name_word(word, lower, first=not words):
            if word.lower() in PARTICLES and words:
                pos = m.end()
                continue
            break
        words.append((m.start(1), m.end(1)))
        pos = m.end()
    if not words or len(words) > 4:
        return None
    after = text[words[-1][1] : end]
    follower = after.strip()
    ends = not follower or follower[0] in ",.!;:)(?-" or follower.split()[0].lower() in _AFTER_NAME
    if not ends and not _SPELLED.match(follower):
        return None  # the words go on as a sentence: "Hang on let me check"
    s, e = words[0][0], words[-1][1]
    if text[e - 1] == "." and e - s > 2 and not re.search(r"(?:^|\s)\w\.$", text[s:e]):
        e -= 1  # a full stop, not an initial
    return s, e


def _name_word(word: str, lower: bool, first: bool) -> bool:
    core = word.rstrip(".")
    plain = core.lower()
    if len(core) == 1:
        return core.isupper() and not lower  # an initial: "D. Winterbottom"
    if plain in STOP_WORDS or plain in NOT_NAMES_LOWER or plain in _NOT_ANSWERS:
        return False
    if lower:
        return core.islower() and (not first or plain in FIRST_NAMES or not plain.endswith(("ing", "ly")))
    return core[0].isupper() and not core.isupper()


def _email(text: str, pos: int, end: int, lower: bool) -> tuple[int, int] | None:
    m = _EMAIL_ANSWER.match(text, pos, end)
    if m is None:
        return None
    value = m.group()
    if "@" in value or (re.search(r"(?i)\bat\b", value) and re.search(r"(?i)\.|\bdot\b", value)):
        return pos, _rstrip(text, pos, m.end())
    return None


def _phone(text: str, pos: int, end: int, lower: bool) -> tuple[int, int] | None:
    m = _PHONE_ANSWER.match(text, pos, end)
    if m and count_spoken_digits(m.group()) >= 6:
        return pos, _rstrip(text, pos, m.end())
    return None


def _order(text: str, pos: int, end: int, lower: bool) -> tuple[int, int] | None:
    m = _ORDER_ANSWER.match(text, pos, end)
    if m and count_spoken_digits(m.group()) >= 4:
        return pos, _rstrip(text, pos, m.end())
    return None


def _username(text: str, pos: int, end: int, lower: bool) -> tuple[int, int] | None:
    m = _USERNAME_ANSWER.match(text, pos, end)
    if m is None:
        return None
    value = m.group()
    token = value.split()[0].rstrip(".")
    if token.isalpha() and (token.lower() in STOP_WORDS or token.lower() in _NOT_ANSWERS or len(token) < 3):
        return None
    return pos, _rstrip(text, pos, m.end())


def _address(text: str, pos: int, end: int, lower: bool) -> tuple[int, int] | None:
    clause = _clause(text, pos, end, commas=False)
    value = text[pos:clause]
    first = value.split()[0].lower() if value.split() else ""
    if not first or (first in STOP_WORDS and first != "the") or first in _NOT_ANSWERS:
        return None
    if len(value.split()) > 20 or not _ADDRESS_WORDS.search(value):
        return None
    return pos, _rstrip(text, pos, clause)


def _date_of_birth(text: str, pos: int, end: int, lower: bool) -> tuple[int, int] | None:
    m = _DATE_ANSWER.match(text, pos, end)
    return (pos, _rstrip(text, pos, m.end())) if m else None


_EXTRACT = {
    "NAME": _name,
    "EMAIL": _email,
    "PHONE": _phone,
    "ORDER_ID": _order,
    "USERNAME": _username,
    "ADDRESS": _address,
    "DATE_OF_BIRTH": _date_of_birth,
}


def _clause(text: str, pos: int, end: int, commas: bool = True) -> int:
    """End of the clause that starts at ``pos`` (a sentence end, or ", and ..." when ``commas``)."""
    m = _CLAUSE_END.search(text, pos, end)
    while m and not commas and m.group().startswith(","):
        m = _CLAUSE_END.search(text, m.end(), end)
    return m.start() if m else end


def _rstrip(text: str, start: int, end: int) -> int:
    while end > start and text[end - 1] in " \t.,;:!?)":
        end -= 1
    return end


def _repeats(text: str, names: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Further occurrences of the words of names found ("Thanks Dorothea" in the agent's reply)."""
    words = set()
    for s, e in names:
        for w in re.findall(r"[^\W\d_][\w'’-]*[^\W\d_]", text[s:e]):
            if len(w) >= 3 and w.lower() not in STOP_WORDS and w.lower() not in NOT_NAMES_LOWER:
                words.add(w)
    if not words:
        return []
    alternatives = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
    # Not a piece of an e-mail address or handle ("jules.g@hotmail.fr" after the answer "Jules
    # Garcia"): these answers are replaced before the patterns run, which must still see the address.
    pattern = re.compile(r"(?<![\w'’@.-])(?:" + alternatives + r")(?![\w'’-]|[.@_+]\w)", re.IGNORECASE)
    return [(m.start(), m.end()) for m in pattern.finditer(text)]
