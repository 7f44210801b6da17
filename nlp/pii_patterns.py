"""Character-level PII patterns: regular expressions plus the checks that make them precise.

``find_pattern_spans(text)`` returns candidate ``(start, end, label)`` spans for e-mail addresses
(also disguised: "jane.doe [at] example [dot] com", or read out: "jane dot doe at gmail dot com"),
card numbers (13-19 digits grouped by spaces, dashes or dots, Luhn-checked), phone numbers
(international and UK/US/DE/FR national formats), order ids and parcel tracking ids. It adds the
spans of ``nlp.pii_addresses`` (street addresses, P.O. boxes, UK postcodes), of ``nlp.pii_identity``
(IBANs, national ids, dates of birth, IP addresses, usernames, passwords, PINs, CVV codes) and of
``nlp.pii_answers`` (values a customer gives when the agent asks).
Overlaps are resolved by the caller (``nlp.redact``), which also finds person names from token
context.

Everything here is deliberately conservative about numbers that are not PII: amounts (``£49.99``),
dates (``04/11/2026``), sizes (``EU 42``), versions (``8.4``) and short quantities never match,
because every numeric pattern needs a length, a grouping or a context word that they lack.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from nlp.pii_addresses import address_spans, po_box_spans, spoken_address_spans
from nlp.pii_answers import answer_spans
from nlp.pii_identity import digit_count, find_identity_spans

_HAS_DIGIT = re.compile(r"\d")

# (start, end, label)
CharSpan = tuple[int, int, str]


def find_pattern_spans(text: str) -> list[CharSpan]:
    """Candidate PII spans of ``text`` found by the character patterns (may overlap)."""
    spans: list[CharSpan] = []
    low = text.lower()
    # Most numeric patterns need more digits than most contacts hold: each runs only where enough are.
    digits = digit_count(text)
    for m in _EMAIL.finditer(text):
        spans.append((m.start(), m.end(), "EMAIL"))
    if "dot" in low:  # every read-out address has one; the pattern is costly on any other text
        spans.extend((m.start(), m.end(), "EMAIL") for m in _SPOKEN_EMAIL.finditer(text))
    if _BRACKETED_AT.search(text):
        spans.extend((m.start(), m.end(), "EMAIL") for m in _OBFUSCATED_EMAIL.finditer(text))
    spans.extend(find_identity_spans(text, low, digits))
    spans.extend(answer_spans(text))
    spans.extend(po_box_spans(text, low))
    if not _HAS_DIGIT.search(text):
        spans.extend(_spoken_numbers(text))
        spans.extend((m.start(1), m.end(1), "NAME") for m in _AGENT_NAME.finditer(text))
        spans.extend(spoken_address_spans(text))
        return spans
    if digits >= 13:
        spans.extend(_cards(text))
    for pattern, least in _ORDER_PATTERNS:
        for m in pattern.finditer(text) if digits >= least else ():
            spans.append((m.start(1), m.end(1), "ORDER_ID"))
    for pattern, least in _TRACKING_PATTERNS:
        for m in pattern.finditer(text) if digits >= least else ():
            spans.append((m.start(1), m.end(1), "TRACKING_ID"))
    for m in _CODE.finditer(text) if digits >= 8 else ():
        code = m.group()
        if _count_digits(code) >= 8 and len(code) - _count_digits(code) >= 1:
            spans.append((m.start(), m.end(), "TRACKING_ID"))
    for m in _overlapping(_TRACKING_CONTEXT, text) if digits >= 4 else ():
        if _count_digits(m.group(1)) >= 4:
            spans.append((m.start(1), m.end(1), "TRACKING_ID"))
    for m in _overlapping(_ORDER_CONTEXT, text) if digits >= 5 else ():
        role = _ROLE_PREFIX.match(text, text.rfind("\n", 0, m.start()) + 1)
        if role and m.start() < role.end():
            continue  # "Customer: 07700 900 123" is a chat turn, not a customer number
        if _count_digits(m.group(1)) >= 5:
            spans.append((m.start(1), m.end(1), "ORDER_ID"))
    if digits >= 8:  # the shortest phone number _phone_prefix accepts
        spans.extend(_phones(text))
    spans.extend(_spoken_numbers(text))
    spans.extend(address_spans(text, low, digits))
    for m in _LONG_NUMBER.finditer(text) if digits >= 8 else ():
        if any(s < m.end() and m.start() < e for s, e, _ in spans):
            continue
        phone = _PHONE_CONTEXT.search(text, max(0, m.start() - 30), m.start())
        spans.append((m.start(), m.end(), "PHONE" if phone else "ORDER_ID"))
    for m in _AGENT_NAME.finditer(text):
        spans.append((m.start(1), m.end(1), "NAME"))
    return spans


def luhn_valid(digits: str) -> bool:
    """Whether a digit string passes the Luhn checksum that every payment card number carries."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


# ---------------------------------------------------------------------------------------------------
# e-mail

_EMAIL = re.compile(
    r"(?<![\w.+-])[A-Za-z0-9][A-Za-z0-9._%+-]*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}(?![\w-])"
)
# Addresses disguised against scrapers: "jane.doe [at] example [dot] com", "jane (at) example.com".
_BRACKET_AT = r"[ \t]*[\[({<][ \t]*(?i:at)[ \t]*[\])}>][ \t]*"
_BRACKET_DOT = r"(?:[ \t]*[\[({<][ \t]*(?i:dot)[ \t]*[\])}>][ \t]*|\.)"
_BRACKETED_AT = re.compile(r"[\[({<][ \t]*(?i:at)[ \t]*[\])}>]")
_OBFUSCATED_EMAIL = re.compile(
    r"(?<![\w.+-])[A-Za-z0-9][A-Za-z0-9_%+-]*(?:"
    + _BRACKET_DOT
    + r"[A-Za-z0-9_%+-]+)*"
    + _BRACKET_AT
    + r"[A-Za-z0-9-]+(?:"
    + _BRACKET_DOT
    + r"[A-Za-z0-9-]+)*"
    + _BRACKET_DOT
    + r"[A-Za-z]{2,}(?![\w-])"
)
# ASR spells addresses out: "john dot smith at gmail dot com".
_SPOKEN_EMAIL = re.compile(
    r"\b[a-z0-9]+(?:\s+(?:dot|underscore|dash|hyphen)\s+[a-z0-9]+)*\s+at\s+[a-z0-9]+"
    r"(?:\s+dot\s+(?:com|co|uk|de|fr|es|it|nl|at|ch|be|net|org|io|info|eu|me))+\b",
    re.IGNORECASE,
)

# ---------------------------------------------------------------------------------------------------
# cards

_CARD_CANDIDATE = re.compile(r"(?<![\d.,-])\d(?:[ .-]?\d){12,22}(?![\d.,]\d)")
_CARD_CONTEXT = re.compile(r"\b(?:card|visa|mastercard|amex|debit|credit)\b", re.IGNORECASE)


def _cards(text: str) -> list[CharSpan]:
    """Digit runs of 13-19 digits in a card grouping that pass Luhn (or sit next to the word card)."""
    out: list[CharSpan] = []
    for m in _CARD_CANDIDATE.finditer(text):
        groups = [(g.start() + m.start(), g.end() + m.start()) for g in re.finditer(r"\d+", m.group())]
        best: CharSpan | None = None
        for i in range(len(groups)):
            for j in range(len(groups), i, -1):
                sizes = [e - s for s, e in groups[i:j]]
                n = sum(sizes)
                if not 13 <= n <= 19 or not _card_grouping(sizes):
                    continue
                digits = "".join(text[s:e] for s, e in groups[i:j])
                context = _CARD_CONTEXT.search(text, max(0, groups[i][0] - 40), groups[i][0])
                if luhn_valid(digits) or (context and sizes in ([4, 4, 4, 4], [16])):
                    span = (groups[i][0], groups[j - 1][1], "CARD")
                    if best is None or span[1] - span[0] > best[1] - best[0]:
                        best = span
        if best:
            out.append(best)
    return out


def _card_grouping(sizes: list[int]) -> bool:
    if len(sizes) == 1:
        return True
    if sizes in ([4, 6, 5], [4, 6, 4]):
        return True
    return all(s == 4 for s in sizes[:-1]) and 1 <= sizes[-1] <= 4


# ---------------------------------------------------------------------------------------------------
# order and tracking ids

# ASR fillers between a context word and the id ("tracking you know h9713b...")
_FILLER_WORDS = r"um|uh|erm|like|so|yeah|you[ \t]know|i[ \t]mean"
_ID = r"(#?[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){4,39})"
# (pattern, the fewest digits a match holds)
_ORDER_PATTERNS = [
    (re.compile(r"(?<![\w-])(\d{3}[- ]\d{7}[- ]\d{7})(?![\w-])"), 17),
    (
        re.compile(
            r"(?<![\w-])((?:ORDER[-_#]?|(?:ORD|INV|RMA|RET|PO|BK|TKT)[-_# ]?|(?:REF|SO|CS)[-_#]?)"
            r"\d{4,}(?:-[A-Z0-9]{2,}|[ ]\d{5,})*)(?![\w-])",
            re.IGNORECASE,
        ),
        4,
    ),
    (re.compile(r"(?<![\w-])([A-Z]{2,5}-\d{5,}(?:-[A-Z0-9]{2,})*)(?![\w-])"), 5),
    (re.compile(r"(?<![\w&])(#\d{5,})(?!\w)"), 5),
]
_ORDER_CONTEXT = re.compile(
    r"\b(?:order|purchase|invoice|reference|ref|booking|confirmation|return|rma|transaction|receipt|"
    r"account|customer|case|ticket|bestellung|commande)s?\b"
    r"(?:[ \t]*(?:number|no\.?|nr\.?|num|id|code|is|was|" + _FILLER_WORDS + r"|:|#|nummer|numéro|n°)){0,3}"
    r"[ \t]*[:#]?[ \t]*" + _ID,
    re.IGNORECASE,
)
_TRACKING_PATTERNS = [
    (re.compile(r"(?<![\w-])(1Z[0-9A-Z]{16})(?![\w-])", re.IGNORECASE), 1),
    (re.compile(r"(?<![\w-])(J?JD\d{10,20})(?![\w-])", re.IGNORECASE), 10),
    (re.compile(r"(?<![\w-])([A-Z]{2}\d{9}[A-Z]{2})(?![\w-])"), 9),
    (re.compile(r"(?<![\w-])(9[2-5]\d{18,20})(?![\w-])"), 20),
    (re.compile(r"(?<![\w-])(TBA\d{12})(?![\w-])", re.IGNORECASE), 12),
]
# Any long code mixing letters and 8+ digits is a parcel or shipment reference, cue or not: a speech
# recogniser writes it in lower case and mangles its cue ("trakcing h3825a8964043339").
_CODE = re.compile(r"(?<![\w-])[A-Za-z0-9]{10,30}(?![\w-])")
_TRACKING_CONTEXT = re.compile(
    r"\b(?:tracking|track|trace|waybill|consignment|parcel|package|shipment|sendung|colis|"
    r"ups|dhl|fedex|usps|hermes|evri|dpd|gls|royal[ \t]mail|colissimo|chronopost|la[ \t]poste)\b"
    r"(?:[ \t]*(?:number|no\.?|nr\.?|num|id|code|ref|reference|is|was|"
    + _FILLER_WORDS
    + r"|:|#|nummer|numéro|n°))"
    r"{0,3}"
    r"[ \t]*[:#]?[ \t]*" + _ID,
    re.IGNORECASE,
)


def _overlapping(pattern: re.Pattern[str], text: str) -> Iterator[re.Match[str]]:
    """Every match of ``pattern``, also those starting inside an earlier one: in "parcel tracking
    H0769..." the match at "parcel" swallows "tracking" as its id, and the real id follows it."""
    pos = 0
    while (m := pattern.search(text, pos)) is not None:
        yield m
        pos = m.start() + 1


# "Customer:" opening a chat or call turn (with its "[10:02]" time stamp)
_ROLE_PREFIX = re.compile(r"[ \t]*(?:\[\d{1,2}:\d{2}(?::\d{2})?\][ \t]*)?(?i:customer|client)[ \t]*:")
# A bare run of 8+ digits (not a card, phone or known id) is an identifier of some kind.
_LONG_NUMBER = re.compile(r"(?<![\w.,£$€-])\d{8,}(?![\w.,]\d|\w)")

# ---------------------------------------------------------------------------------------------------
# phones

_PHONE_CANDIDATE = re.compile(r"(?<![\w@£$€.,/+-])(?:\+[ \t]?|00)?\(?\d[\d \t().\-/]{5,24}\d(?![\w/]|[.,]\d)")
_DATE = re.compile(r"\d{1,4}[./-]\d{1,2}[./-]\d{1,4}|\d{4}[./-]\d{1,2}")
_PHONE_CONTEXT = re.compile(
    r"\b(?:call|phone|mobile|cell|tel|telephone|number|reach|text|ring|whatsapp|contact|sms)\b",
    re.IGNORECASE,
)


def _phones(text: str) -> list[CharSpan]:
    """Phone numbers: + or 00 international, 0-leading national (UK/DE/FR), US 3-3-4."""
    out: list[CharSpan] = []
    for m in _PHONE_CANDIDATE.finditer(text):
        raw = m.group()
        if "  " in raw or "\t" in raw:
            raw = re.split(r"  |\t", raw)[0]
        groups = [(g.start(), g.end()) for g in re.finditer(r"\d+", raw)]
        sizes = [e - s for s, e in groups]
        end = _phone_prefix(raw, sizes)
        if end is None:
            continue
        candidate = raw[: groups[end - 1][1]]
        if _DATE.fullmatch(candidate.strip("()")) or re.fullmatch(r"\d+\.\d+", candidate):
            continue
        if candidate.endswith(")"):
            candidate = candidate[:-1]
        out.append((m.start(), m.start() + len(candidate), "PHONE"))
    return out


_COUNTRY_CODES = frozenset(
    {"1", "31", "32", "33", "34", "39", "41", "43", "44", "45", "46", "47", "48", "49"}
)


def _phone_prefix(raw: str, sizes: list[int]) -> int | None:
    """How many digit groups of ``raw`` form a plausible phone number (longest), or None."""
    best = None
    total = 0
    for k, size in enumerate(sizes, start=1):
        total += size
        if raw.startswith(("+", "00")):
            ok = 8 <= total <= 15
        elif raw.startswith("(") and sizes[0] == 3:
            ok = total == 10
        elif raw.lstrip("(").startswith("0"):
            ok = 9 <= total <= 12 and (k > 1 or total >= 10)
        elif raw.startswith("1") and sizes[:4] == [1, 3, 3, 4][:k] and k == 4:
            ok = True
        elif k >= 3 and 11 <= total <= 13 and raw[: sizes[0]] in _COUNTRY_CODES:
            ok = True  # international number whose "+" the transcript lost: "44 7705 059589"
        elif raw[0] in "6789" and sizes[:k] == [3, 2, 2, 2]:
            ok = True  # Spanish 9-digit numbers: 612 34 56 78
        else:
            ok = sizes[:k] == [3, 3, 4]
        if ok:
            best = k
        if total > 15:
            break
    return best


_DIGIT_WORDS = {
    "zero": 1,
    "oh": 1,
    "o": 1,
    "one": 1,
    "two": 1,
    "three": 1,
    "four": 1,
    "five": 1,
    "six": 1,
    "seven": 1,
    "eight": 1,
    "nine": 1,
}
_SPOKEN_DIGITS = re.compile(
    r"\b(?:(?:double|triple)[ \t]+)?(?:zero|oh|one|two|three|four|five|six|seven|eight|nine|\d+)"
    r"(?:[ \t]+(?:(?:double|triple)[ \t]+)?"
    r"(?:zero|oh|one|two|three|four|five|six|seven|eight|nine|\d+)){5,}\b",
    re.IGNORECASE,
)


# The cue nearest before a spoken number decides its kind when it is no phone ("my social is ...").
_SPOKEN_CUE_LABELS = ("NATIONAL_ID", "PIN", "CVV", "IBAN", "PASSWORD")
_SPOKEN_CUES = re.compile(
    r"\b(?:(ssn|social|national insurance|ni number)|(pin)|(cvv|cvc|security code)|(iban)|(password))\b"
)


# What a spoken number is made of, for a cheap count before the costly pattern.
_SPOKEN_TOKEN = re.compile(r"[a-z]+|\d+")
_DIGIT_TOKENS = frozenset(_DIGIT_WORDS) - {"o"}


def _may_hold_spoken_number(text: str) -> bool:
    """False only when ``_SPOKEN_DIGITS`` cannot match: it needs six digit words or digit runs, each
    a whole letter or digit run of the text. Non-ASCII text is always searched (case folding can
    make a non-ASCII letter match an ASCII one)."""
    if not text.isascii():
        return True
    digits = 0
    for token in _SPOKEN_TOKEN.findall(text.lower()):
        if token in _DIGIT_TOKENS or token[0].isdigit():
            digits += 1
            if digits == 6:
                return True
    return False


def _spoken_numbers(text: str) -> list[CharSpan]:
    """Numbers read out digit by digit in call transcripts ("oh seven seven double nine ...")."""
    out: list[CharSpan] = []
    if not _may_hold_spoken_number(text):
        return out
    for m in _SPOKEN_DIGITS.finditer(text):
        digits = 0
        for word in m.group().lower().split():
            if word.isdigit():
                digits += len(word)
            elif word == "double":
                digits += 1
            elif word == "triple":
                digits += 2
            elif word in _DIGIT_WORDS:
                digits += 1
        if digits < 7:
            continue
        before = text[max(0, m.start() - 40) : m.start()].lower()
        label = "PHONE"
        cued = list(_SPOKEN_CUES.finditer(before))
        if cued:
            groups = cued[-1].groups()
            label = next(lab for lab, g in zip(_SPOKEN_CUE_LABELS, groups, strict=True) if g)
        elif re.search(r"\b(?:tracking|track|parcel|waybill)\b", before):
            label = "TRACKING_ID"
        elif re.search(r"\b(?:order|reference|ref|invoice|return|booking)\b", before):
            label = "ORDER_ID"
        elif re.search(r"\bcard\b", before):
            label = "CARD"
        out.append((m.start(), m.end(), label))
    return out


# Chat transcripts name the agent in the role prefix: "Agent (Sarah): ..."
_AGENT_NAME = re.compile(r"(?m)^(?:\[\d{1,2}:\d{2}(?::\d{2})?\][ \t]*)?Agent[ \t]*\(([^)\n]{1,40})\)")


def _count_digits(s: str) -> int:
    return sum(ch.isdigit() for ch in s)
