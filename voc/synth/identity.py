"""Identity and account details a few customers give away: the PII kinds beyond contact details.

National ids (a US Social Security number, a UK National Insurance number), dates of birth, IP
addresses, passwords, PINs and CVV codes, each after the cue people use ("my password is ...",
"the CVV ..."), and a name typed as the bare answer to the agent's question ("Can I take your full
name?" / "Dorothea Winterbottom"). Phrasings follow the hand-written redaction fixtures
(:mod:`nlp.pii_fixture_cases`), written as customers write them in chats, e-mails and calls.

:func:`identity_exchanges` returns, for one contact, the agent's question (may be empty), the
customer's words (PII as :class:`~voc.synth.pii.PiiBag` placeholders) and the agent's reply (may be
empty); the channel renderers place them. Every value is invented: SSNs never start with 000, 666
or 9xx (as issued ones never do), IPs are random public-looking addresses, passwords follow common
patterns.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from voc.synth.pii import Customer, PiiBag

# the kinds a contact may reveal, with how often (the name answer is of kind "name")
_KINDS = {
    "name_answer": 3,
    "date_of_birth": 3,
    "national_id": 2,
    "password": 2,
    "pin": 1,
    "cvv": 2,
    "ip_address": 1,
}


@dataclass(frozen=True)
class Exchange:
    """One identity detail in a contact: ``ask`` (agent, may be empty), ``answer`` (customer,
    with placeholders), ``reply`` (agent, may be empty)."""

    ask: str
    answer: str
    reply: str = ""


def identity_exchanges(
    channel: str, market: str, customer: Customer, bag: PiiBag, rng: random.Random
) -> list[Exchange]:
    """The identity details one chat, e-mail or call reveals (one, sometimes two kinds)."""
    kinds = {k: w for k, w in _KINDS.items() if _fits(k, channel, market)}
    picked = [_draw(rng, kinds)]
    if rng.random() < 0.2:
        second = _draw(rng, {k: w for k, w in kinds.items() if k != picked[0]})
        picked.append(second)
    return [_exchange(kind, channel, market, customer, bag, rng) for kind in picked]


def _fits(kind: str, channel: str, market: str) -> bool:
    if kind == "national_id":
        return market in ("UK", "US")
    if kind == "name_answer":
        return channel in ("chat", "call")  # a bare name needs the agent's question before it
    if kind == "ip_address":
        return channel != "call"  # nobody reads an IP address out on the phone
    return True


def _draw(rng: random.Random, weights: dict[str, int]) -> str:
    keys = list(weights)
    return rng.choices(keys, weights=[weights[k] for k in keys])[0]


# --------------------------------------------------------------------------------------------
# Phrasings: {v} is the value's placeholder. Per kind: chat, e-mail and call forms.
# --------------------------------------------------------------------------------------------

_NAME_ASK = {
    "chat": [
        "Can I take your full name please?",
        "Could you confirm the name on the account?",
        "Thanks. And the name the order was placed under?",
    ],
    "call": ["can i take your full name please", "and whats the name on the account"],
}
_NAME_ANSWER = {"chat": ["{v}", "{v}", "it's {v}", "{v}."], "call": ["{v}", "yeah its {v}"]}
_SURNAME_ASK = {
    "chat": ["And your surname?", "Could I have your surname please?"],
    "call": ["and your surname"],
}

_DOB_ASK = {
    "chat": [
        "For security, can you confirm your date of birth?",
        "Could you give me your date of birth so I can verify the account?",
    ],
    "call": ["for security can i take your date of birth please", "can you confirm your date of birth"],
}
_DOB_ANSWER = {"chat": ["{v}", "it's {v}", "sure, {v}"], "call": ["yeah its {v}", "{v}"]}
_DOB_EMAIL = ["My date of birth is {v} if you need to verify me.", "For verification, my DOB is {v}."]

_ID_SAID = {
    "national_id": {
        "UK": [
            "the finance form on your site asked for my national insurance number, it's {v}, is that normal?",
            "they wanted my NI number for the credit check so I gave it, {v}",
        ],
        "US": [
            "the credit application asked for my SSN, it's {v}, why would a marketplace need that?",
            "I gave my social security number {v} on the financing page and now I'm worried",
        ],
    },
    "password": {
        "any": [
            "I can't log in. My password is {v} and it says incorrect",
            "I reset it twice, the password is {v} and it still won't let me in",
            "tried logging in with password: {v} but it's locked",
        ]
    },
    "pin": {
        "any": [
            "a pop-up on the payment page asked for my card PIN {v}, was that you?",
            "I typed my PIN {v} on the checkout page and now there's money gone",
        ]
    },
    "cvv": {
        "any": [
            "your payment page asked for the CVV {v} twice and still failed",
            "the security code {v} on the back of the card was rejected three times",
        ]
    },
    "ip_address": {
        "any": [
            "my IP address is {v}, your site blocked it after 2 tries",
            "it says my IP {v} is blocked because of too many attempts",
        ]
    },
}
_ID_EMAIL = {
    "national_id": {
        "UK": ["For the finance application my National Insurance number is {v}."],
        "US": ["For the financing form, my SSN is {v}."],
    },
    "password": {"any": ["I can't log in, my password is {v} and it says incorrect."]},
    "pin": {"any": ["The checkout asked for my PIN {v}, which seems dodgy."]},
    "cvv": {"any": ["I entered the CVV {v} and the payment was still declined."]},
    "ip_address": {"any": ["Your site says my IP address {v} is blocked."]},
}
_ID_CALL = {
    "national_id": {
        "UK": ["they asked for my national insurance number its {v}"],
        "US": ["they wanted my social security number its {v}"],
    },
    "password": {"any": ["my password is {v} and it keeps saying wrong password"]},
    "pin": {"any": ["it asked for my pin {v} on the website is that normal"]},
    "cvv": {"any": ["i put in the cvv {v} and it still got declined", "the cvv was {v} and it got declined"]},
}
_REPLY = {
    "password": "Please never share your password with us. I've sent you a reset link.",
    "pin": "We never ask for a PIN. Please contact your bank straight away.",
    "cvv": "Please don't share card details here, I'll send you a secure payment link.",
    "national_id": "You don't need to give us that, we'll never ask for it.",
}


def _exchange(
    kind: str, channel: str, market: str, customer: Customer, bag: PiiBag, rng: random.Random
) -> Exchange:
    form = "call" if channel == "call" else "chat"
    if kind == "name_answer":
        if rng.random() < 0.3:
            ask, value = rng.choice(_SURNAME_ASK[form]), customer.last
        else:
            ask, value = rng.choice(_NAME_ASK[form]), customer.name
        return Exchange(ask, rng.choice(_NAME_ANSWER[form]).format(v=bag.token("name", value)))
    if kind == "date_of_birth":
        value = bag.token("date_of_birth", date_of_birth(rng, market, spoken=channel == "call"))
        if channel == "email":
            return Exchange("", rng.choice(_DOB_EMAIL).format(v=value))
        return Exchange(rng.choice(_DOB_ASK[form]), rng.choice(_DOB_ANSWER[form]).format(v=value))
    value = bag.token(kind, _VALUES[kind](rng, market))
    said = {"email": _ID_EMAIL, "call": _ID_CALL}.get(channel, _ID_SAID)[kind]
    sentence = rng.choice(said.get(market) or said["any"])
    return Exchange("", sentence.format(v=value), "" if channel == "email" else _REPLY.get(kind, ""))


# --------------------------------------------------------------------------------------------
# Values
# --------------------------------------------------------------------------------------------


def national_id(rng: random.Random, market: str) -> str:
    """A US SSN (``536-22-8726``) or a UK NI number (``QQ 12 34 56 C`` or ``JG103759A``)."""
    if market == "US":
        area = rng.choice([a for a in range(1, 900) if a != 666])
        sep = rng.choice(["-", "-", "-", " "])
        return f"{area:03d}{sep}{rng.randint(1, 99):02d}{sep}{rng.randint(1, 9999):04d}"
    while True:
        prefix = rng.choice("ABCEGHJKLMNOPRSTWXYZ") + rng.choice("ABCEGHJKLMNPRSTWXYZ")
        if prefix not in ("BG", "GB", "KN", "NK", "NT", "TN", "ZZ"):
            break
    digits = f"{rng.randint(0, 999_999):06d}"
    suffix = rng.choice("ABCD")
    if rng.random() < 0.5:
        return f"{prefix} {digits[:2]} {digits[2:4]} {digits[4:]} {suffix}"
    return f"{prefix}{digits}{suffix}"


_MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]


def date_of_birth(rng: random.Random, market: str, *, spoken: bool = False) -> str:
    """An adult's date of birth as people type it (``12/03/1985``, ``3 March 1979``, ``July 4, 1968``)
    or, ``spoken``, as a speech recogniser writes it (``the twelfth of march nineteen eighty five``)."""
    year, month, day = rng.randint(1945, 2006), rng.randint(1, 12), rng.randint(1, 28)
    name = _MONTHS[month - 1]
    nth = {1: "st", 2: "nd", 3: "rd", 21: "st", 22: "nd", 23: "rd"}.get(day, "th")
    if spoken:
        return rng.choice(
            [
                f"the {_ordinal(day)} of {name.lower()} {_spoken_year(year)}",
                f"{day}{nth} of {name.lower()} {year}",
                f"{name.lower()} {day}{nth} {year}",
            ]
        )
    if market == "US":
        return rng.choice([f"{month:02d}/{day:02d}/{year}", f"{name} {day}, {year}", f"{month}/{day}/{year}"])
    return rng.choice(
        [
            f"{day:02d}/{month:02d}/{year}",
            f"{day} {name} {year}",
            f"{year}-{month:02d}-{day:02d}",
            f"{day}{nth} {name} {year}",
        ]
    )


_UNITS = ["one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
_TEENS = [
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
]
_TENS = {2: "twenty", 3: "thirty", 4: "forty", 5: "fifty", 6: "sixty", 7: "seventy", 8: "eighty", 9: "ninety"}
_ORDINALS = [
    "first",
    "second",
    "third",
    "fourth",
    "fifth",
    "sixth",
    "seventh",
    "eighth",
    "ninth",
    "tenth",
    "eleventh",
    "twelfth",
    "thirteenth",
    "fourteenth",
    "fifteenth",
    "sixteenth",
    "seventeenth",
    "eighteenth",
    "nineteenth",
    "twentieth",
]


def _ordinal(day: int) -> str:
    if day <= 20:
        return _ORDINALS[day - 1]
    return "twenty " + _ORDINALS[day - 21]


def _number(n: int) -> str:
    """1..99 in words."""
    if n < 10:
        return _UNITS[n - 1]
    if n < 20:
        return _TEENS[n - 10]
    return _TENS[n // 10] + ("" if n % 10 == 0 else " " + _UNITS[n % 10 - 1])


def _spoken_year(year: int) -> str:
    """``nineteen eighty five``, ``nineteen oh six``, ``two thousand and three``."""
    if year >= 2000:
        return "two thousand" + ("" if year == 2000 else " and " + _number(year - 2000))
    rest = year % 100
    return "nineteen " + ("hundred" if rest == 0 else ("oh " if rest < 10 else "") + _number(rest))


def ip_address(rng: random.Random, market: str) -> str:
    """A public-looking IPv4 address, or now and then an IPv6 one."""
    if rng.random() < 0.15:
        groups = [rng.choice(["2a00", "2a02", "2001"]), *(f"{rng.randint(0, 0xFFFF):x}" for _ in range(3))]
        return ":".join(groups) + f"::{rng.randint(1, 0xFFF):x}"
    first = rng.choice([31, 51, 62, 77, 81, 82, 86, 88, 92, 109, 141, 151, 176, 185, 212])
    return f"{first}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"


_PASSWORD_WORDS = ["sunshine", "bluebird", "liverpool", "summer", "dragon", "monkey", "football", "princess"]
_PASSWORD_WORDS += ["letmein", "shadow", "buster", "rosie", "chelsea", "barcelona", "tigger", "pepper"]


def password(rng: random.Random, market: str) -> str:
    """A password as people choose them: ``Sunshine!2024``, ``bluebird77``, ``Tr0ub4dor&3``."""
    word = rng.choice(_PASSWORD_WORDS)
    style = rng.random()
    if style < 0.35:
        return f"{word.capitalize()}{rng.choice('!#$*')}{rng.randint(1990, 2026)}"
    if style < 0.7:
        return f"{word}{rng.randint(1, 99)}"
    leet = word.replace("o", "0").replace("a", "4").replace("e", "3")
    return f"{leet.capitalize()}{rng.choice('&_@')}{rng.randint(1, 9)}"


def pin(rng: random.Random, market: str) -> str:
    return f"{rng.randint(0, 9999):04d}" if rng.random() < 0.9 else f"{rng.randint(0, 999_999):06d}"


def cvv(rng: random.Random, market: str) -> str:
    return f"{rng.randint(0, 999):03d}" if rng.random() < 0.9 else f"{rng.randint(0, 9999):04d}"


_VALUES = {
    "national_id": national_id,
    "password": password,
    "pin": pin,
    "cvv": cvv,
    "ip_address": ip_address,
}
