"""Street addresses, P.O. boxes and UK postcodes: the address part of ``nlp.pii_patterns``.

English, German, French and Spanish street addresses with a house number (written or, in call
transcripts, read out: "twenty seven albert road"), P.O. boxes, and UK postcodes in any case (a
lower-case "ls6 2ab" only with a real postcode area), each with the house number and street written
before it on the same line. Each address pattern carries what every match of it holds (digits, a
street word), so that it runs only on the texts that have it.
"""

from __future__ import annotations

import re
from typing import NamedTuple

# (start, end, label)
CharSpan = tuple[int, int, str]


def address_spans(text: str, low: str, digits: int) -> list[CharSpan]:
    """ADDRESS candidates of ``text`` (``low``: lower-cased; ``digits``: its ``digit_count``)."""
    spans: list[CharSpan] = []
    # a UK postcode on its own is enough to locate a household
    for m in _ANY_CASE_POSTCODE.finditer(text) if digits >= 2 else ():
        if m.group(1).lower() in _POSTCODE_AREAS:
            spans.append((_address_before(text, m.start()), m.end(), "ADDRESS"))
    for address in _ADDRESS_PATTERNS:
        if digits < address.digits or not address.may_match(text, low):
            continue
        for m in address.pattern.finditer(text):
            spans.append((m.start(), _trim_end(text, m.start(), m.end()), "ADDRESS"))
    return spans


def spoken_address_spans(text: str) -> list[CharSpan]:
    """Addresses whose house number is read out, for a text without digits: "twenty seven albert road"."""
    return [(m.start(), m.end(), "ADDRESS") for m in _ADDRESS_PATTERNS[1].pattern.finditer(text)]


def po_box_spans(text: str, low: str) -> list[CharSpan]:
    """P.O. boxes: "P.O. Box 1234", "PO Box 77, Leeds LS6 2AB"."""
    if "box" not in low:
        return []
    return [(m.start(), _trim_end(text, m.start(), m.end()), "ADDRESS") for m in _PO_BOX.finditer(text)]


_SUFFIX_TITLE = (
    r"(?:Street|St|Road|Rd|Avenue|Ave|Av|Lane|Ln|Boulevard|Blvd|Crescent|Cres|Terrace|Gardens|Gdns|Mews|"
    r"Parade|Highway|Hwy|Parkway|Pkwy|Drive|Dr|Court|Ct|Place|Pl|Square|Sq|Close|Way|Grove|Hill|Row|"
    r"Walk|Park|Green|View|Rise|Circle|Cir|Trail|Embankment|Broadway|Wharf|Yard|Quay)"
)
_SUFFIX_LOWER = (
    r"(?:street|road|avenue|ave|lane|boulevard|blvd|crescent|terrace|gardens|close|drive|way|court|place|"
    r"grove|mews|parade|square|parkway|highway)"
)
# lower-case UK postcode as ASR writes it: "m14 5rt"
_UK_POSTCODE_LOWER = r"[a-z]{1,2}\d[a-z\d]?[ \t]?\d[abd-hjlnp-uw-z]{2}"
# cities a spoken address may end with ("twenty seven albert road manchester")
_CITIES_LOWER = (
    r"(?:london|manchester|leeds|bristol|glasgow|birmingham|cardiff|york|liverpool|sheffield|edinburgh|"
    r"newcastle|nottingham|leicester|brighton|oxford|cambridge|bath|belfast|aberdeen|dundee|swansea|"
    r"coventry|bradford|hull|plymouth|southampton|portsmouth|reading|norwich|exeter|derby|"
    r"berlin|hamburg|munich|münchen|cologne|köln|frankfurt|leipzig|dresden|bremen|paris|lyon|"
    r"marseille|toulouse|nantes|lille|bordeaux|rennes|madrid|barcelona|valencia|sevilla|seville|"
    r"bilbao|malaga|málaga|zaragoza)"
)
_HOUSE = r"\d{1,5}[A-Za-z]?(?:[-/]\d{1,4}[A-Za-z]?)?"
_UNIT = r"(?:(?:Flat|Apt\.?|Apartment|Unit|Suite)[ \t]*\w{1,5},?[ \t]+)?"
_UK_POSTCODE = r"(?:[A-Z]{1,2}\d[A-Z\d]?[ \t]?\d[ABD-HJLNP-UW-Z]{2})"
_CITY = (
    r"(?!(?:The|I|My|We|It|This|That|Thanks|Thank|Regards|Best|Cheers|Please|And|But|So|Also|Hi|Hello|"
    r"Order|Your|Can|Could|When|Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)\b)"
    r"[A-ZÄÖÜÉ][a-zäöüßéèàçáíóúñı'-]+(?:[ \t-](?:upon|am|sur|[A-ZÄÖÜÉ][a-zäöüßéèàçáíóúñı'-]+)){0,2}"
)
_TAIL = (
    r"(?:(?:,[ \t]*|[ \t]+)(?:"
    + _UK_POSTCODE
    + r"|\d{5}(?:-\d{4})?|[A-Z]{2}(?=[ \t]+\d{5})|"
    + _CITY
    + r")){0,4}"
)
_TAIL_LOWER = r"(?:,?[ \t]+\d{5}(?:[ \t]+[a-zäöüßéèàçáíóúñ]+(?![\w]))?)?"
_STREET_WORD = r"[A-Z][a-zA-Z'.-]+"
_LOWER_WORD = (
    r"(?!(?:the|a|an|my|your|on|in|at|of|to|for|and|or|is|was|it|this|that|more|other|same|next|last|"
    r"first|day|days|hour|hours|minute|minutes|week|weeks|month|months|year|years|mile|miles|item|items|"
    r"pair|pairs|time|times|way|box|boxes|order|orders)\b)[a-z]+"
)
_NUMBER_WORD = (
    r"(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|"
    r"sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|hundred)"
)
_NUMBER_WORDS = r"\b" + _NUMBER_WORD + r"(?:[ \t-](?:and[ \t])?" + _NUMBER_WORD + r"){0,3}"


def _cues(words: str) -> tuple[str, ...]:
    return tuple(words.split())


class _Address(NamedTuple):
    """An address pattern with what every match of it holds: cheap checks skip it on most texts."""

    pattern: re.Pattern[str]
    digits: int  # the fewest digits in a match
    cues: tuple[str, ...] = ()  # a match holds one of these (as written, or lower-cased if folded)
    folded: bool = False  # the cues are matched in any case (IGNORECASE)

    def may_match(self, text: str, low: str) -> bool:
        if not self.cues:
            return True
        if self.folded:
            # IGNORECASE also folds non-ASCII letters onto ASCII ones ("ſ" ~ "s"): such texts are searched
            return not text.isascii() or any(cue in low for cue in self.cues)
        return any(cue in text for cue in self.cues)


_ADDRESS_PATTERNS = [
    # English-style: "14 Baker Street, London NW1 6XE", "221B Baker St", "1600 Pennsylvania Ave NW, ..."
    _Address(
        re.compile(
            r"(?<![\w£$€.,])"
            + _UNIT
            + _HOUSE
            + r",?[ \t]+(?:"
            + _STREET_WORD
            + r"[ \t]+){1,3}"
            + _SUFFIX_TITLE
            + r"\b(?:[ \t]+(?:NW|NE|SW|SE|N|S|E|W)\b)?"
            + r"(?:,?[ \t]+(?:Apt\.?|Apartment|Flat|Unit|Suite|#)[ \t]*\w{1,5})?"
            + _TAIL
        ),
        digits=1,
    ),
    # lower case (ASR): "14 baker street"
    _Address(
        re.compile(
            r"(?<![\w£$€.,])(?:"
            + _HOUSE
            + "|"
            + _NUMBER_WORDS
            + r")[ \t]+(?:"
            + _LOWER_WORD
            + r"[ \t]+){1,3}"
            + _SUFFIX_LOWER
            + r"\b"
            r"(?:(?:,?[ \t]+[a-z]+){1,2},?[ \t]+[a-z]{2}[ \t]+\d{5}(?:-\d{4})?(?!\w)"
            r"|(?:,?[ \t]+[a-z]+){0,2},?[ \t]+" + _UK_POSTCODE_LOWER + r"(?!\w)"
            r"|,?[ \t]+" + _CITIES_LOWER + r"\b)?"
        ),
        digits=0,
    ),
    # German: "Hauptstraße 12, 10115 Berlin", "Berliner Straße 5"
    _Address(
        re.compile(
            r"\b(?:[A-ZÄÖÜ][a-zäöüß]+(?:-[A-ZÄÖÜ][a-zäöüß]+)*"
            r"(?:straße|strasse|str\.|weg|allee|platz|gasse|ring|damm|ufer|chaussee|steig|pfad)"
            r"|[A-ZÄÖÜ][a-zäöüß]+[ \t]+(?:Straße|Strasse|Str\.|Weg|Allee|Platz|Gasse|Ring|Damm))"
            r"[ \t]+\d{1,4}[a-z]?(?![\w])" + _TAIL
        ),
        digits=1,
        cues=_cues(
            "straße strasse str. weg allee platz gasse ring damm ufer chaussee steig pfad "
            "Straße Strasse Str. Weg Allee Platz Gasse Ring Damm"
        ),
    ),
    # French: "5 rue de Rivoli, 75001 Paris"
    _Address(
        re.compile(
            r"(?<![\w£$€.,])\d{1,4}(?:[ \t]?(?:bis|ter))?,?[ \t]+"
            r"(?i:rue|avenue|av\.|boulevard|bd|place|allée|allee|impasse|chemin|quai|route|cours|passage)"
            r"[ \t]+"
            r"(?:(?:de|du|des|la|le|les|d'|l')[ \t]*){0,2}[A-ZÉÈ][\w'-]+"
            r"(?:[ \t]+(?:de|du|des|la|le)?[ \t]*[A-ZÉÈ][\w'-]+){0,3}" + _TAIL
        ),
        digits=1,
        cues=_cues("rue avenue av. boulevard bd place allée allee impasse chemin quai route cours passage"),
        folded=True,
    ),
    # French, lower case (ASR), needs the postcode: "134 rue jean jaurès 59000 lille"
    _Address(
        re.compile(
            r"(?<![\w£$€.,])\d{1,4}(?:[ \t]?(?:bis|ter))?[ \t]+"
            r"(?:rue|avenue|boulevard|place|allée|allee|impasse|chemin|quai|route|cours)[ \t]+"
            r"(?:[a-zéèàçâêîôûëïü'-]+[ \t]+){1,5}?\d{5}(?:[ \t]+[a-zéèàçâêîôûëïü-]+)?(?![\w])"
        ),
        digits=6,
        cues=_cues("rue avenue boulevard place allée allee impasse chemin quai route cours"),
    ),
    # Spanish: "Calle de Alcalá 16, 29015 Málaga", "Plaza de España 5", "calle del sol 63 08007 barcelona"
    _Address(
        re.compile(
            r"(?<![\w])(?i:calle|c/|avenida|avda\.?|plaza|paseo|camino|carrera|ronda|travesía|carretera)"
            r"[ \t]+"
            r"(?:(?i:de|del|de la|de los|de las|la|las|los|el)[ \t]+)?"
            r"[\wÁÉÍÓÚÑáéíóúñ'-]+(?:[ \t]+(?!\d)[\wÁÉÍÓÚÑáéíóúñ'-]+){0,3}?,?[ \t]+\d{1,4}[a-zA-Z]?(?![\w])"
            + _TAIL_LOWER
            + _TAIL
        ),
        digits=1,
        cues=_cues("calle c/ avenida avda plaza paseo camino carrera ronda travesía carretera"),
        folded=True,
    ),
    # German without a street suffix: "Am Markt 10, 01067 Dresden" (needs the postcode)
    _Address(
        re.compile(
            r"\b(?:Am|An der|Im|Auf der|Zum|Zur|Unter den)[ \t]+[A-ZÄÖÜ][a-zäöüß]+[ \t]+\d{1,4}[a-z]?"
            r",?[ \t]+\d{5}" + _TAIL
        ),
        digits=6,
        cues=_cues("Am An Im Auf Zum Zur Unter"),
    ),
    # German, lower case (ASR): "bahnhofstraße 17 50667 köln"
    _Address(
        re.compile(
            r"\b[a-zäöü]+(?:straße|strasse|weg|allee|platz|gasse)[ \t]+\d{1,4}[a-z]?(?![\w])" + _TAIL_LOWER
        ),
        digits=1,
        cues=_cues("straße strasse weg allee platz gasse"),
    ),
]


def _words(text: str) -> list[str]:
    return text.split()


# The 121 UK postcode areas: a lower-case "ls6 2ab" is taken only with a real area, so that product
# codes of the same shape ("ps5 2tb") stay.
_POSTCODE_AREAS = frozenset(
    _words(
        "ab al b ba bb bd bh bl bn br bs bt ca cb cf ch cm co cr ct cv cw da dd de dg dh dl dn dt dy e ec "
        "eh en ex fk fy g gl gu ha hd hg hp hr hs hu hx ig ip iv ka kt kw ky l la ld le ll ln ls lu m me mk "
        "ml n ne ng nn np nr nw ol ox pa pe ph pl po pr rg rh rm s sa se sg sk sl sm sn so sp sr ss st sw sy "
        "ta td tf tn tq tr ts tw ub w wa wc wd wf wn wr ws wv yo ze"
    )
)
_ANY_CASE_POSTCODE = re.compile(r"(?<![\w-])(?i:([a-z]{1,2})\d[a-z\d]?[ \t]?\d[abd-hjlnp-uw-z]{2})(?![\w-])")
# "P.O. Box 1234", "PO Box 77, Leeds LS6 2AB", "po box 1234"
_PO_BOX = re.compile(
    r"(?i:\b(?:p\.?[ \t]?o\.?[ \t]*box|post[ \t]+office[ \t]+box)"
    r"[ \t]*(?:no\.?|number|#)?[ \t]*\d{1,6})(?![\w])" + _TAIL
)


# "14 Kingsway, Birmingham" before a postcode: a street without a suffix word is still the address
_BEFORE_POSTCODE = re.compile(
    r"(?<![\w£$€.,])(?:(?:Flat|Apt\.?|Apartment|Unit)[ \t]*\w{1,5},?[ \t]+)?\d{1,5}[A-Za-z]?,?"
    r"(?:[ \t]+(?:[A-Z][\w'’.-]*|upon|on|the|de|am),?){1,6}[ \t]+$"
)


def _address_before(text: str, start: int) -> int:
    """Start of the house number and street written on the same line before a postcode at ``start``."""
    line_start = text.rfind("\n", 0, start) + 1
    m = _BEFORE_POSTCODE.search(text, max(line_start, start - 80), start)
    return m.start() if m else start


def _trim_end(text: str, start: int, end: int) -> int:
    """Drop trailing separators a greedy address pattern may have taken."""
    while end > start and text[end - 1] in " \t,":
        end -= 1
    return end
