"""Identity and account PII: national ids, dates of birth, IP addresses, IBANs, usernames, secrets.

``find_identity_spans(text)`` returns candidate ``(start, end, label)`` spans with the labels
``NATIONAL_ID`` (US social security numbers, UK National Insurance numbers), ``DATE_OF_BIRTH``,
``IP_ADDRESS`` (IPv4 and IPv6), ``IBAN``, ``USERNAME``, ``PASSWORD``, ``PIN`` and ``CVV``.

Most of these values look like ordinary words or short numbers ("4821", "sunshine", "12/03/1985"),
so they are only taken after their cue ("PIN", "password is", "date of birth", "CVV", "username:").
The exceptions carry their own proof: an IBAN passes the ISO 7064 mod-97 check, a dashed SSN has the
3-2-4 shape with the number ranges the SSA never issues excluded, a National Insurance number has its
two prefix letters from the allowed set, and an IPv4 address has four octets <= 255 without a
"version" or "build" in front of it. Call transcripts spell numbers out ("four eight two one"), so the
cued numbers accept digit words as well.
"""

from __future__ import annotations

import re

from spacy.lang.en.stop_words import STOP_WORDS

# (start, end, label)
CharSpan = tuple[int, int, str]


def find_identity_spans(text: str, low: str | None = None, digits: int | None = None) -> list[CharSpan]:
    """Candidate identity and secret spans of ``text`` (may overlap each other and other kinds).

    ``low`` is ``text.lower()`` and ``digits`` its :func:`digit_count` when the caller has them
    already; cheap checks on them skip the patterns whose cue is absent or that need more digits
    (most contacts mention none of these).
    """
    low = text.lower() if low is None else low
    digits = digit_count(text) if digits is None else digits
    spans: list[CharSpan] = []
    if digits >= 2:
        spans.extend(_ibans(text))
    if digits >= 9:
        spans.extend((m.start(), m.end(), "NATIONAL_ID") for m in _SSN.finditer(text))
    if digits >= 6:
        spans.extend((m.start(), m.end(), "NATIONAL_ID") for m in _NI_NUMBER.finditer(text))
    if digits >= 4 and "." in text:
        spans.extend(_ipv4(text, low))
    if "::" in text or text.count(":") >= 5:
        spans.extend((m.start(), m.end(), "IP_ADDRESS") for m in _IPV6.finditer(text) if _ipv6_ok(m.group()))
    for label, keys, cue in _CUES:
        if any(k in low for k in keys):
            spans.extend(_cued(text, label, cue))
    return spans


_MANY = 1 << 30


def digit_count(text: str) -> int:
    """The digits of ``text``, or a huge number when it is not ASCII (then ``\\d`` also matches other
    scripts' digits, which are not counted here): a pattern that needs N digits cannot match where
    there are fewer."""
    if not text.isascii():
        return _MANY
    return sum(map(text.count, "0123456789"))


def _words(text: str) -> list[str]:
    return text.split()


def iban_valid(iban: str) -> bool:
    """Whether ``iban`` (spaces allowed) has its country's length and passes the mod-97 check."""
    s = re.sub(r"[ \t]", "", iban).upper()
    if _IBAN_LENGTHS.get(s[:2]) != len(s) or not s.isalnum():
        return False
    digits = "".join(str(int(ch, 36)) for ch in s[4:] + s[:4])
    return int(digits) % 97 == 1


# ---------------------------------------------------------------------------------------------------
# IBAN

# ISO 13616 lengths of the countries our customers bank in (Europe, and the UK's neighbours).
_IBAN_LENGTHS = {
    "AT": 20, "BE": 16, "BG": 22, "CH": 21, "CY": 28, "CZ": 24, "DE": 22, "DK": 18, "EE": 20,
    "ES": 24, "FI": 18, "FR": 27, "GB": 22, "GI": 23, "GR": 27, "HR": 21, "HU": 28, "IE": 22,
    "IS": 26, "IT": 27, "LI": 21, "LT": 20, "LU": 20, "LV": 21, "MC": 27, "MT": 31, "NL": 18,
    "NO": 15, "PL": 28, "PT": 25, "RO": 24, "SE": 24, "SI": 19, "SK": 24, "SM": 27,
}  # fmt: skip
_IBAN_CANDIDATE = re.compile(r"(?<![\w-])([A-Za-z]{2})(\d{2})((?:[ \t]?[A-Za-z0-9]){11,30})")
_IBAN_CUE = re.compile(r"(?i)\b(?:iban|bank account|account number)\b")


def _ibans(text: str) -> list[CharSpan]:
    """IBANs written whole or in groups of four; a failed check is accepted only after "IBAN"."""
    out: list[CharSpan] = []
    for m in _IBAN_CANDIDATE.finditer(text):
        length = _IBAN_LENGTHS.get(m.group(1).upper())
        if length is None:
            continue
        # walk the body until the country's length is reached: the rest is the next word
        need, end = length - 4, m.start(3)
        for pos in range(m.start(3), m.end(3)):
            if text[pos].isalnum():
                need -= 1
                if need == 0:
                    end = pos + 1
                    break
        if need or (end < len(text) and text[end].isalnum()):
            continue
        if iban_valid(text[m.start() : end]) or _IBAN_CUE.search(text, max(0, m.start() - 30), m.start()):
            out.append((m.start(), end, "IBAN"))
    return out


# ---------------------------------------------------------------------------------------------------
# national ids

# SSN: area 001-899 except 666, group 01-99, serial 0001-9999, written 123-45-6789
_SSN = re.compile(r"(?<![\w-])(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}(?![\w-])")
# UK National Insurance number: QQ 12 34 56 C (prefix letters exclude D F I Q U V; not BG GB NK KN TN NT ZZ)
_NI_NUMBER = re.compile(
    r"(?<![\w-])(?i:(?!bg|gb|nk|kn|tn|nt|zz)[a-ceghj-pr-tw-z][a-ceghj-npr-tw-z])"
    r"[ \t]?\d{2}[ \t]?\d{2}[ \t]?\d{2}[ \t]?(?i:[a-d])(?![\w-])"
)

# ---------------------------------------------------------------------------------------------------
# IP addresses

_OCTET = r"(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)"
_IPV4 = re.compile(r"(?<![\w.])" + _OCTET + r"(?:\." + _OCTET + r"){3}(?![\w]|\.\d)")
_VERSION_CUE = re.compile(
    r"(?i)\b(?:version|ver|v|build|firmware|release|update|ios|android|model)"
    r"(?:[ \t]+(?:is|was|now|number|no))?[ \t.:v]*$"
)
_IPV6 = re.compile(
    r"(?<![\w:])(?:[0-9A-Fa-f]{1,4}:){1,7}(?::|(?::[0-9A-Fa-f]{1,4}){1,7}|[0-9A-Fa-f]{1,4})(?![\w:])"
)


def _ipv4(text: str, low: str) -> list[CharSpan]:
    out = []
    for m in _IPV4.finditer(text):
        if _VERSION_CUE.search(text, max(0, m.start() - 20), m.start()):
            continue  # "version 10.2.1.5" is a build number
        out.append((m.start(), m.end(), "IP_ADDRESS"))
    return out


def _ipv6_ok(value: str) -> bool:
    # Times ("10:01:00") and ratios are digits only; an address has a "::" or six or more groups,
    # and at least one group with a hex letter or four characters.
    groups = [g for g in value.split(":") if g]
    if "::" not in value and len(groups) < 6:
        return False
    return any(len(g) >= 3 or any(c.isalpha() for c in g) for g in groups)


# ---------------------------------------------------------------------------------------------------
# values after a cue: PIN, CVV, password, username, date of birth, cued national ids

_DIGIT_WORD = r"(?:zero|oh|one|two|three|four|five|six|seven|eight|nine|double|triple)"
DIGIT_WORDS = frozenset(_DIGIT_WORD[3:-1].split("|"))
# written ("4821", "48 21") or spoken ("four eight two one", "double four") digits; a digit run is
# taken whole (possessive "++"): split between repetitions it could be matched in 2^n ways, all tried
# when what follows fails, and a contact with long digit runs after "SSN" never finished
NUMBER_RUN = r"(?:\d++|" + _DIGIT_WORD + r"\b)(?:[ \t-]?(?:\d++|" + _DIGIT_WORD + r"\b))*"
_FILLER = r"um|uh|er|erm|like|yeah|so|you[ \t]know|i[ \t]mean"
# between a cue and its value: "PIN: ", "pin number is ", "cvv on the back is ", "date of birth is the "
_CONNECTORS = (
    r"(?:[ \t]*(?:[:=#(.,]|-(?![\w])|(?:is|was|are|were|it'?s|its|it[ \t]is|that'?s|thats|number|no\.?|num|"
    r"code|the|of|my|on|back|card|set[ \t]to|changed[ \t]to|should[ \t]be|would[ \t]be|" + _FILLER + r")"
    r"(?![\w'])))*"
)
# a password or username needs a verb or a colon: "password is X", "username: X", not "password page"
_SECRET_CONNECTORS = (
    r"(?:[ \t]*(?:'s(?![\w])|[:=]|-(?![\w])|(?:is|was|it'?s|its|it[ \t]is|that'?s|thats|set[ \t]to|"
    r"changed[ \t]to|should[ \t]be|would[ \t]be|" + _FILLER + r")(?![\w'])))*"
)
_MONTHS = (
    r"(?:january|february|march|april|may|june|july|august|september|october|november|december|"
    r"jan|feb|mar|apr|jun|jul|aug|sept|sep|oct|nov|dec)(?![a-z])\.?"
)
_ORDINAL_WORD = (
    r"(?:first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|eleventh|twelfth|"
    r"thirteenth|fourteenth|fifteenth|sixteenth|seventeenth|eighteenth|nineteenth|twentieth|"
    r"twenty[ \t-](?:first|second|third|fourth|fifth|sixth|seventh|eighth|ninth)|thirtieth|"
    r"thirty[ \t-]first)"
)
NUMBER_WORD = (
    r"(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|"
    r"sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|"
    r"hundred|thousand|oh|and)(?![\w'])"
)
_DAY = r"(?:\d{1,2}(?:st|nd|rd|th)?|" + _ORDINAL_WORD + r")"
_YEAR = r"(?:\d{4}|'?\d{2}|" + NUMBER_WORD + r"(?:[ \t-]" + NUMBER_WORD + r"){0,4})"
DATE = (
    r"(?:\d{1,2}[./-]\d{1,2}[./-](?:\d{4}|\d{2})|\d{4}-\d{1,2}-\d{1,2}"
    r"|(?:the[ \t]+)?" + _DAY + r"(?:[ \t]+of)?[ \t]+" + _MONTHS + r",?(?:[ \t]+" + _YEAR + r")?"
    r"|" + _MONTHS + r"[ \t]+(?:the[ \t]+)?" + _DAY + r",?(?:[ \t]+" + _YEAR + r")?)"
)
_NI_SHAPE = r"[A-Za-z]{2}[ \t]?\d{2}[ \t]?\d{2}[ \t]?\d{2}[ \t]?[A-Da-d]"
# read out: "q q one two three four five six c"
_SPOKEN_NI = r"[a-z][ \t]?[a-z][ \t]+" + NUMBER_RUN + r"[ \t]+[a-d](?![\w'])"


def _cue(words: str, value: str, connectors: str = _CONNECTORS) -> re.Pattern[str]:
    # not inside a placeholder of an earlier pass: "[PASSWORD]", "[USERNAME]"
    return re.compile(
        r"(?i)(?<![\[_])\b(?:" + words + r")\b(?![\]_])" + connectors + r"[ \t]*(" + value + r")"
    )


_PIN_CUE = _cue(r"pin|pin[ \t]number|pin[ \t]code|passcode|pass[ \t]code", NUMBER_RUN)
_CVV_CUE = _cue(
    r"cvv2?|cvc2?|cv2|csc|security[ \t]code|card[ \t]security[ \t]code|security[ \t]number|"
    r"(?:3|three)[ \t-]digit[ \t]code|"
    r"(?:(?:last[ \t])?(?:3|three)[ \t])?(?:digits|numbers)[ \t]on[ \t]the[ \t]back",
    NUMBER_RUN,
)
_SSN_CUE = _cue(
    r"ssn|social[ \t]security(?:[ \t]number)?|social|national[ \t]insurance(?:[ \t]number)?|ni[ \t]number|"
    r"nino|national[ \t]id(?:[ \t]number)?",
    _NI_SHAPE + "|" + _SPOKEN_NI + "|" + NUMBER_RUN,
)
_DOB_CUE = _cue(
    r"date[ \t]of[ \t]birth|d\.?o\.?b\.?|birth[ \t]?date|birthday|born(?:[ \t]on)?|i[ \t]was[ \t]born", DATE
)
_PASSWORD_CUE = _cue(
    r"password|passwd|pwd|pass[ \t]word|pw", r"[^\s]+(?:[ \t]+" + NUMBER_RUN + r")?", _SECRET_CONNECTORS
)
_USERNAME_CUE = _cue(
    r"user[ \t]?name|user[ \t]id|userid|login[ \t]name|login|log[ \t-]in|screen[ \t]name|handle|gamertag",
    r"[^\s]+",
    _SECRET_CONNECTORS,
)
# (label, substrings of which one must occur in the lower-cased text, pattern)
_CUES: tuple[tuple[str, tuple[str, ...], re.Pattern[str]], ...] = (
    ("PIN", ("pin", "passcode", "pass code"), _PIN_CUE),
    # every CVV cue holds one of these ("back" alone: in a sixth of return contacts, never a cue)
    ("CVV", ("cv", "csc", "security", "digit", "numbers"), _CVV_CUE),
    ("NATIONAL_ID", ("ssn", "social", "insurance", "ni number", "nino", "national id"), _SSN_CUE),
    ("DATE_OF_BIRTH", ("birth", "dob", "d.o.b", "born"), _DOB_CUE),
    ("PASSWORD", ("pass", "pwd", "pw"), _PASSWORD_CUE),
    ("USERNAME", ("user", "login", "log in", "log-in", "screen name", "handle", "gamertag"), _USERNAME_CUE),
)
# digits a cued number must have
_DIGITS_NEEDED = {"PIN": (4, 8), "CVV": (3, 4), "NATIONAL_ID": (9, 9)}
# words that follow "my password is" / "username:" without being one
_NOT_SECRETS = frozenset(
    _words(
        """
    incorrect correct wrong invalid expired reset right fine working accepted rejected blocked locked
    changed forgotten lost saved required weak strong new old same different definitely case sensitive
    short long ok okay good bad fake stolen hacked compromised useless asking needed missing there
    here attached below above correct please thanks thank sorry unknown mine page screen button field
    box link email mail details info information section issue problem error failing broken disabled
    suspended deleted gone sent fixed updated verified valid unchanged still already
    """
    )
)


def _cued(text: str, label: str, pattern: re.Pattern[str]) -> list[CharSpan]:
    out: list[CharSpan] = []
    for m in pattern.finditer(text):
        start, end = m.start(1), m.end(1)
        value = m.group(1)
        if label in _DIGITS_NEEDED:
            if label == "NATIONAL_ID" and (
                re.fullmatch(_NI_SHAPE, value)
                or (re.fullmatch(_SPOKEN_NI, value, re.IGNORECASE) and count_spoken_digits(value) == 6)
            ):
                out.append((start, end, label))
                continue
            start, end = _trim_number_run(text, start, end)
            low, high = _DIGITS_NEEDED[label]
            n = count_spoken_digits(text[start:end])
            # "my social is ..." needs all nine digits
            ok = n == 9 if label == "NATIONAL_ID" else low <= n <= high
            if ok:
                out.append((start, end, label))
        elif label in ("PASSWORD", "USERNAME"):
            linked = bool(
                re.search(r"[:=]|'s\b|\b(?:is|was|its|it's|set|changed|be)\b", text[m.start() : start])
            )
            span = _secret_value(text, start, end, label, linked)
            if span:
                out.append((*span, label))
        else:
            out.append((start, _trim_punct(text, start, end), label))
    return out


_NOUN_SUFFIXES = ("ment", "ments", "tion", "tions", "ness", "ity", "ings", "ers", "ies")


def _trim_number_run(text: str, start: int, end: int) -> tuple[int, int]:
    """Drop trailing separators and a dangling "double"/"triple" from a number run."""
    while end > start and text[end - 1] in " \t-":
        end -= 1
    return start, end


def count_spoken_digits(run: str) -> int:
    n = 0
    for word in re.findall(r"[a-z]+|\d+", run.lower()):
        if word.isdigit():
            n += len(word)
        elif word in ("double", "triple"):
            n += 1 if word == "double" else 2
        elif word in DIGIT_WORDS:
            n += 1
    return n


def _secret_value(text: str, start: int, end: int, label: str, linked: bool) -> tuple[int, int] | None:
    """The password or username after its cue, unless it is an ordinary word ("is incorrect").

    ``linked``: a verb or colon joins cue and value ("password is X"). Without one ("password reset",
    "username field") a plain word must be long and have no suffix of an ordinary noun.
    """
    token = text[start:end]
    lead = len(token) - len(token.lstrip("\"'“‘(<"))
    start += lead
    end = _trim_punct(text, start, end)
    first = text[start:end].split()[0] if text[start:end].split() else ""
    first = first.rstrip(".,;:!?)\"'”’>")
    if not first:
        return None
    plain = first.lower()
    if first.isalpha() and (
        plain in STOP_WORDS
        or plain in _NOT_SECRETS
        or plain.endswith(("ed", "ing", "ly", "able", "ible", "ive", "ous", "ful", "less"))
        or len(first) < 3
    ):
        return None
    if label == "USERNAME" and first.isalpha() and first[0].isupper() and first[1:].islower():
        return None  # "Login Page", "Username Field": a capitalised word is a label, not a handle
    if not linked and first.isalpha() and (len(first) < 10 or plain.endswith(_NOUN_SUFFIXES)):
        return None
    return start, end


def _trim_punct(text: str, start: int, end: int) -> int:
    while end > start and text[end - 1] in " \t.,;:!?)\"'”’>":
        end -= 1
    return end
