"""Synthetic personal data: customers, contact details, order and tracking ids, cards.

Identity and account details (national ids, dates of birth, ...) live in :mod:`voc.synth.identity`.

Every value is invented from small per-market pools; nothing here is a real person. The
generator plants these values in contact texts through :class:`PiiBag`, which remembers the
exact string written so the ground truth (``pii.parquet``) always matches the text.
"""

from __future__ import annotations

import random
import re
import unicodedata
from dataclasses import dataclass, field

PII_TYPES = (
    "email", "phone", "card", "order_id", "tracking_id", "address", "name",
    # identity and account details (voc.synth.identity)
    "national_id", "date_of_birth", "ip_address", "password", "pin", "cvv",
)  # fmt: skip

# Placeholders survive lower-casing, punctuation stripping and typos, then become the values.
_TOKEN = re.compile("\x01(\\d+)\x02")


@dataclass
class PiiBag:
    """Values planted in one contact; ``token(kind, value)`` returns a placeholder for the text.

    ``render(text, spoken)`` replaces the placeholders by the values (in their spoken, ASR-like
    form when ``spoken``) and returns the text with the ``(pii_type, value)`` pairs it holds.
    """

    values: list[tuple[str, str]] = field(default_factory=list)

    def token(self, kind: str, value: str) -> str:
        self.values.append((kind, value))
        return f"\x01{len(self.values) - 1}\x02"

    def render(self, text: str, spoken: bool = False) -> tuple[str, list[tuple[str, str]]]:
        found: dict[tuple[str, str], None] = {}

        def fill(match: re.Match[str]) -> str:
            kind, value = self.values[int(match.group(1))]
            shown = spoken_form(kind, value) if spoken else value
            found[(kind, shown)] = None
            return shown

        return _TOKEN.sub(fill, text), list(found)


def has_token(text: str) -> bool:
    return "\x01" in text


def spoken_form(kind: str, value: str) -> str:
    """How a speech recogniser writes ``value``: lower case, no punctuation, digits grouped."""
    if kind == "email":
        local, _, domain = value.lower().partition("@")
        spoken = (
            local.replace(".", " dot ").replace("_", " underscore ") + " at " + domain.replace(".", " dot ")
        )
        return re.sub(r"\s+", " ", spoken).strip()
    if kind in ("phone", "card", "order_id"):
        return re.sub(r"\s+", " ", re.sub(r"[^0-9a-z]+", " ", value.lower())).strip()
    return re.sub(r"\s+", " ", re.sub(r"[^\w\s]", " ", value.lower())).strip()


# --------------------------------------------------------------------------------------------
# Customers
# --------------------------------------------------------------------------------------------

_FIRST_NAMES = {  # space-separated, split below
    "UK": "Oliver Amelia George Isla Harry Ava Jack Mia Charlie Sophie Thomas Grace James Lily Emily Daniel "
    "Chloe Samuel Ella Jessica Liam Hannah Ryan Megan Callum Niamh Priyanka Imran Aisha Kwame",
    "US": "Michael Jennifer Chris Ashley Tyler Brittany Jason Amanda Kevin Megan Brandon Sarah Jose Maria "
    "Andre Keisha Dylan Madison Tyrone Emily Justin Nicole Carlos Samantha Ethan Hailey Marcus Alexis",
    "DE": "Lukas Anna Jonas Lea Felix Sophie Maximilian Marie Leon Laura Paul Julia Tobias Katharina Jan "
    "Lena Niklas Sarah Florian Johanna Mehmet Aylin Stefan Sabine Matthias Claudia Dominik Franziska",
    "FR": "Lucas Camille Hugo Manon Louis Chloé Gabriel Léa Arthur Inès Jules Sarah Nathan Clara Théo "
    "Julie Mathieu Pauline Antoine Élodie Karim Yasmine Nicolas Amélie Romain Margaux Quentin Océane",
    "ES": "Hugo Lucía Martín Sofía Pablo María Alejandro Paula Daniel Carmen Javier Laura Diego Marta "
    "Sergio Elena Álvaro Irene Adrián Andrea Raúl Cristina Iker Nerea Jorge Alba Rubén Noelia",
}
_LAST_NAMES = {
    "UK": "Smith Jones Taylor Brown Williams Wilson Johnson Davies Patel Wright Robinson Walker Thompson "
    "Evans Hughes Green Hall Wood Clarke Khan Murphy O'Brien Campbell Begum Shaw Lewis Harris",
    "US": "Johnson Williams Garcia Miller Davis Rodriguez Martinez Anderson Thomas Jackson White Harris "
    "Thompson Moore Lee Nguyen Robinson Walker Young Allen King Wright Scott Hill Lopez Carter",
    "DE": "Müller Schmidt Schneider Fischer Weber Meyer Wagner Becker Schulz Hoffmann Koch Richter Klein "
    "Wolf Schröder Neumann Schwarz Zimmermann Braun Krüger Hofmann Hartmann Lange Yılmaz Kaya",
    "FR": "Martin Bernard Dubois Thomas Robert Richard Petit Durand Leroy Moreau Simon Laurent Lefebvre "
    "Michel Garcia David Bertrand Roux Vincent Fournier Morel Girard Benali Mercier Faure",
    "ES": "García Rodríguez González Fernández López Martínez Sánchez Pérez Gómez Martín Jiménez Ruiz "
    "Hernández Díaz Moreno Muñoz Álvarez Romero Alonso Gutiérrez Navarro Torres Domínguez",
}
_FIRST = {market: names.split() for market, names in _FIRST_NAMES.items()}
_LAST = {market: names.split() for market, names in _LAST_NAMES.items()}
_MAIL_DOMAINS = {
    "UK": ["gmail.com", "hotmail.co.uk", "outlook.com", "yahoo.co.uk", "btinternet.com", "icloud.com"],
    "US": ["gmail.com", "yahoo.com", "outlook.com", "icloud.com", "aol.com", "hotmail.com"],
    "DE": ["gmx.de", "web.de", "gmail.com", "t-online.de", "outlook.de", "posteo.de"],
    "FR": ["gmail.com", "orange.fr", "free.fr", "hotmail.fr", "laposte.net", "sfr.fr"],
    "ES": ["gmail.com", "hotmail.es", "yahoo.es", "outlook.es", "telefonica.net"],
}
_STREETS = {
    "UK": [
        "Baker Street",
        "Station Road",
        "Church Lane",
        "Victoria Road",
        "Mill Lane",
        "Park Avenue",
        "Queen's Road",
        "Elm Grove",
        "Kingsway",
        "Manor Close",
        "High Street",
        "Albert Terrace",
    ],
    "US": [
        "Maple Avenue",
        "Oak Street",
        "Sunset Blvd",
        "Elm Street",
        "Washington Ave",
        "Lakeview Drive",
        "Cedar Lane",
        "Main Street",
        "Park Place",
        "Hillcrest Road",
        "Pine Street",
    ],
    "DE": [
        "Hauptstraße",
        "Bahnhofstraße",
        "Gartenweg",
        "Schillerstraße",
        "Lindenallee",
        "Goethestraße",
        "Berliner Straße",
        "Am Markt",
        "Kirchweg",
        "Rosenstraße",
        "Friedrichstraße",
    ],
    "FR": [
        "rue de la République",
        "avenue Victor Hugo",
        "rue des Lilas",
        "boulevard Voltaire",
        "rue du Moulin",
        "place de la Gare",
        "rue Pasteur",
        "allée des Tilleuls",
        "rue Jean Jaurès",
    ],
    "ES": [
        "Calle Mayor",
        "Avenida de la Constitución",
        "Calle del Sol",
        "Calle Real",
        "Paseo del Prado",
        "Calle de Alcalá",
        "Avenida Diagonal",
        "Calle San Vicente",
        "Plaza de España",
    ],
}
_CITIES = {
    "UK": [
        ("London", "NW1 6XE"),
        ("Manchester", "M14 5RT"),
        ("Leeds", "LS6 2AB"),
        ("Bristol", "BS7 8HP"),
        ("Glasgow", "G12 8QQ"),
        ("Birmingham", "B15 2TT"),
        ("Cardiff", "CF24 4HQ"),
        ("York", "YO31 7EX"),
    ],
    "US": [
        ("Austin, TX", "78701"),
        ("Columbus, OH", "43215"),
        ("Denver, CO", "80203"),
        ("Portland, OR", "97205"),
        ("Tampa, FL", "33602"),
        ("Brooklyn, NY", "11215"),
        ("Madison, WI", "53703"),
        ("Phoenix, AZ", "85004"),
    ],
    "DE": [
        ("Berlin", "10115"),
        ("Hamburg", "20095"),
        ("München", "80331"),
        ("Köln", "50667"),
        ("Leipzig", "04109"),
        ("Frankfurt am Main", "60311"),
        ("Dresden", "01067"),
        ("Bremen", "28195"),
    ],
    "FR": [
        ("Paris", "75011"),
        ("Lyon", "69003"),
        ("Marseille", "13006"),
        ("Toulouse", "31000"),
        ("Nantes", "44000"),
        ("Lille", "59000"),
        ("Bordeaux", "33000"),
        ("Rennes", "35000"),
    ],
    "ES": [
        ("Madrid", "28013"),
        ("Barcelona", "08007"),
        ("Valencia", "46002"),
        ("Sevilla", "41004"),
        ("Bilbao", "48001"),
        ("Málaga", "29015"),
        ("Zaragoza", "50001"),
    ],
}


@dataclass(frozen=True)
class Customer:
    """One invented customer of a market, with the details a contact may reveal."""

    first: str
    last: str
    email: str
    phone: str
    address: str
    market: str

    @property
    def name(self) -> str:
        return f"{self.first} {self.last}"


def make_customer(rng: random.Random, market: str) -> Customer:
    """A customer with a name, e-mail, phone and street address typical of ``market``."""
    pool = market if market in _FIRST else "UK"
    first, last = rng.choice(_FIRST[pool]), rng.choice(_LAST[pool])
    return Customer(
        first=first,
        last=last,
        email=_email(rng, first, last, pool),
        phone=make_phone(rng, pool),
        address=_address(rng, pool),
        market=market,
    )


def _ascii(name: str) -> str:
    plain = unicodedata.normalize("NFKD", name.replace("ß", "ss").replace("ı", "i"))
    return "".join(c for c in plain if c.isascii() and c.isalpha()).lower()


def _email(rng: random.Random, first: str, last: str, market: str) -> str:
    f, la = _ascii(first), _ascii(last)
    local = rng.choice(
        [
            f"{f}.{la}",
            f"{f}{la}",
            f"{f[0]}{la}",
            f"{f}_{la}{rng.randint(1, 99)}",
            f"{f}{rng.randint(70, 2005)}",
            f"{la}.{f}",
            f"{f}.{la[0]}",
        ]
    )
    return f"{local}@{rng.choice(_MAIL_DOMAINS[market])}"


def make_phone(rng: random.Random, market: str) -> str:
    """A phone number in one of the international or national formats people type."""
    d = lambda n: "".join(str(rng.randint(0, 9)) for _ in range(n))  # noqa: E731
    style = rng.random() < 0.5
    if market == "UK":
        body = f"7{rng.randint(400, 999)} {d(6)}"
        return f"+44 {body}" if style else f"0{body}"
    if market == "US":
        area, mid, end = rng.randint(201, 989), rng.randint(200, 989), d(4)
        return f"+1 {area}-{mid}-{end}" if style else f"({area}) {mid}-{end}"
    if market == "DE":
        prefix = rng.choice(["151", "160", "170", "176", "157"])
        return f"+49 {prefix} {d(8)}" if style else f"0{prefix} {d(4)} {d(4)}"
    if market == "FR":
        pairs = " ".join(d(2) for _ in range(4))
        lead = rng.choice("67")
        return f"+33 {lead} {pairs}" if style else f"0{lead} {pairs}"
    return f"+34 6{d(2)} {d(3)} {d(3)}" if style else f"6{d(2)} {d(2)} {d(2)} {d(2)}"


def _address(rng: random.Random, market: str) -> str:
    street = rng.choice(_STREETS[market])
    city, post = rng.choice(_CITIES[market])
    no = rng.randint(1, 180)
    if market == "UK":
        return f"{no} {street}, {city} {post}"
    if market == "US":
        return f"{no} {street}, {city} {post}"
    if market == "FR":
        return f"{no} {street}, {post} {city}"
    return f"{street} {no}, {post} {city}"


# --------------------------------------------------------------------------------------------
# Orders, parcels, cards
# --------------------------------------------------------------------------------------------


def make_order_id(rng: random.Random, ordered_on: str) -> str:
    """``402-8836541-7739215`` or ``ORD-20261104-58213`` (``ordered_on`` is ``YYYYMMDD``)."""
    if rng.random() < 0.55:
        return (
            f"{rng.randint(111, 408)}-{rng.randint(1_000_000, 9_999_999)}-{rng.randint(1_000_000, 9_999_999)}"
        )
    return f"ORD-{ordered_on}-{rng.randint(10_000, 99_999)}"


def make_tracking_id(rng: random.Random, carrier: str) -> str:
    """A tracking id shaped like the carrier's (UPS 1Z..., DHL JD..., postal XX123456789GB)."""
    d = lambda n: "".join(str(rng.randint(0, 9)) for _ in range(n))  # noqa: E731
    if carrier == "UPS":
        return f"1Z{rng.choice(['999AA1', '4E5W27', 'A0R719', '9X3V41'])}{d(10)}"
    if carrier in ("DHL", "NordPaket", "DPD", "GLS"):
        return f"JD{d(18)}"
    if carrier in ("Royal Mail", "Colissimo", "Correos", "USPS"):
        letters = "".join(rng.choice("ABCDEFGHJKLMNPRSTUVWXYZ") for _ in range(2))
        country = {"Royal Mail": "GB", "Colissimo": "FR", "Correos": "ES", "USPS": "US"}[carrier]
        return f"{letters}{d(9)}{country}"
    if carrier == "FedEx":
        return d(12)
    return f"H{d(4)}{rng.choice('ABCDEFGHJK')}{d(10)}"


def luhn_card(rng: random.Random) -> str:
    """A Luhn-valid 16-digit card number, written spaced (``4539 1488 0343 6467``) or dashed."""
    digits = [rng.choice([4, 5])] + [rng.randint(0, 9) for _ in range(14)]
    total = 0
    for i, digit in enumerate(reversed(digits)):
        value = digit * 2 if i % 2 == 0 else digit
        total += value - 9 if value > 9 else value
    digits.append((10 - total % 10) % 10)
    raw = "".join(map(str, digits))
    sep = rng.choice([" ", "-", " ", ""])
    return sep.join(raw[i : i + 4] for i in range(0, 16, 4))


def luhn_ok(number: str) -> bool:
    """True when the digits of ``number`` pass the Luhn check."""
    digits = [int(c) for c in number if c.isdigit()]
    total = 0
    for i, digit in enumerate(reversed(digits)):
        value = digit * 2 if i % 2 == 1 else digit
        total += value - 9 if value > 9 else value
    return len(digits) >= 12 and total % 10 == 0
