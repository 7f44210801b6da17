"""Person names from context: "my name is X Y", "this is X", "X here", "Hi X,", sign-offs, signatures,
"call me Bob", "account holder: X", "a driver called X", "X from customer services".

``name_spans(doc, matcher, others)`` returns ``(start_char, end_char)`` spans of the names in a spaCy
``Doc``. A trigger phrase (found by a spaCy ``PhraseMatcher`` on lower-cased tokens) opens a name that
continues over capitalised tokens. Strong triggers ("my name is", "Mr", "addressed to") accept any
capitalised word; weak ones ("this is", "I'm", "Hi", "Thanks") need a known first name or a shape that
only names have (a capitalised word closing a greeting or a sign-off). Call transcripts are lower case,
so there the first word must be a known first name unless the trigger is strong. Every further
occurrence of a found name in the same contact is redacted as well. A name takes its hyphenated
parts with it ("Jean-Pierre", "Ashworth-Smythe"); a capitalised word joined to a lower-case one
("Bob-standard") is no name.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import numpy as np
from spacy.attrs import LOWER
from spacy.lang.en.stop_words import STOP_WORDS
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc, Token
from spacy.vocab import Vocab

from nlp.pii_name_words import FIRST_NAMES, SPOKEN_PREFIXES, SURNAMES_ING_ED, THINGS, WORD_NAMES
from nlp.pii_triggers import FillerPhraseMatcher, spellings


def _words(text: str) -> list[str]:
    return text.split()


STRONG_TRIGGERS = (
    "my name is",
    "my name 's",
    "my names",
    "name is",
    "names is",
    "name 's",
    "i am called",
    "i 'm called",
    # "a|b" = any of these spellings (customers mistype)
    "addressed|adressed|adddressed|addresed|adresed|addessed to",
    "account is under|uner|udner|undr|unde|nuder",
    "is under|uner|udner|undr|unde|nuder",
    "account holder",
    "account holder is",
    "account holder 's name",
    "account holders name",
    "account holder name",
    "account holder name is",
    "account name is",
    "cardholder|card holder",
    "cardholder|card holder is",
    "cardholder|card holder name",
    "cardholder|card holder 's name",
    "name on the card|account|order is",
    "full name",
    "full name is",
    "surname|forename is",
    "first|last|family|given|middle name is",
    "review|reviewed|written|posted by",
    "goes by",
    "under the name",
    "under the name of",
    "in the name of",
    "name on the account is",
    "ask for",
    "asked for",
    "speak to",
    "speak with",
    "spoke to",
    "spoke with",
    "speaking to",
    "speaking with",
    "talked to",
    "signed for by",
    "signed by",
    "care of",
    "c / o",
    "c/o",
    "attn",
    "attention",
    "mr",
    "mr .",
    "mrs",
    "mrs .",
    "ms",
    "ms .",
    "miss",
    "dr",
    "dr .",
    "mx",
)
GREETINGS = ("hi", "hello", "hey", "dear", "morning", "afternoon", "evening")
SIGN_OFFS = (
    "thanks",
    "thank you",
    "many thanks",
    "thanks again",
    "regards",
    "kind regards",
    "best regards",
    "warm regards",
    "best",
    "best wishes",
    "all the best",
    "cheers",
    "sincerely",
    "yours sincerely",
    "yours faithfully",
    "yours truly",
    "thx",
    "ta",
)
# Sign-offs that are ordinary words too ("the best Samsung"): only at the start of a line or sentence.
_LINE_START_SIGN_OFFS = frozenset({"best", "ta", "regards", "sincerely", "cheers"})
INTRODUCTIONS = ("this is", "i am", "i 'm", "im", "it 's", "its", "it is")
# "call me Bob": a nickname, but not "call me back" or "call me on 0770..."
CALL_ME = ("call me", "just call me")
# "Shout out to Dorothea in returns": praise names a person (not "thanks to Royal Mail")
PRAISE = (
    "shout out to",
    "shoutout to",
    "kudos to",
    "props to",
    "big thanks to",
    "special thanks to",
    "praise for",
)
# "my husband Tom", "my daughter Priya": a relative named
KIN = tuple(
    f"my {kin}"
    for kin in _words(
        "husband wife partner son daughter mum mom dad mother father brother sister boyfriend girlfriend "
        "fiance fiancee neighbour neighbor colleague friend nan gran grandson granddaughter"
    )
)

# Capitalised words that follow the triggers but are no names.
NOT_NAMES = frozenset(
    _words(
        """
        team there all everyone everybody support sir madam madame sirs folks guys mate customer
        service services care department billing sales manager supervisor agent someone anyone
        regards wishes order orders refund return returns delivery amazon shop store again so very
        much advance monday tuesday wednesday thursday friday saturday sunday january february march
        april june july august september october november december sent get click here please ok
        okay yes no hope good great really just still also bot system admin staff driver drivers
        courier couriers people lady man woman guy chap bloke girl boy colleague employee person
        advisor adviser rep representative operator assistant delivery packaging product item seller
        warehouse returns whoever nobody tomorrow today tonight asap later anytime whenever crazy
        """
    )
)
# Lower-case words that end a name in an ASR transcript ("my name is john calling about ...").
NOT_NAMES_LOWER = NOT_NAMES | frozenset(
    _words(
        """
        um uh erm er hmm yeah yep okay like calling speaking ringing phoning regarding about with
        review warranty guarantee investigation compensation contract offer consideration discussion
        construction repair maintenance
        from and i im its order account hi hello thanks thank please right so well actually
        basically
        """
    )
)
PARTICLES = frozenset({"van", "von", "de", "der", "den", "le", "la", "du", "di", "da", "del", "bin", "al"})


def build_trigger_matcher(vocab: Vocab, fillers: bool = False) -> PhraseMatcher | FillerPhraseMatcher:
    """A matcher labelling trigger phrases ``STRONG``, ``GREETING``, ``SIGN_OFF``, ``INTRO``.

    Without ``fillers`` it is a ``PhraseMatcher`` on lower-cased tokens (hash look-ups, fast). With
    ``fillers`` it is a :class:`~nlp.pii_triggers.FillerPhraseMatcher`, whose phrases may contain
    ASR fillers ("my name you know is"); it is only used on lower-case (transcribed) text.
    """
    groups = (
        ("STRONG", STRONG_TRIGGERS),
        ("GREETING", GREETINGS),
        ("SIGN_OFF", SIGN_OFFS),
        ("INTRO", INTRODUCTIONS),
        ("CALL_ME", CALL_ME),
        ("PRAISE", PRAISE),
        ("KIN", KIN),
    )
    if not fillers:
        phrase_matcher = PhraseMatcher(vocab, attr="LOWER")
        for label, phrases in groups:
            docs = [Doc(vocab, words=words) for phrase in phrases for words in spellings(phrase)]
            phrase_matcher.add(label, docs)
        return phrase_matcher
    return FillerPhraseMatcher(vocab, groups, FILLERS)


# Words after which a lower-case name has ended: "this is kwame lewis im calling".
_LOWER_FOLLOWERS = frozenset({"here", "im", "i", "calling", "from", "and", "speaking", "ringing", "about"})
# ASR fillers that may sit inside a trigger phrase ("my name you know is ...").
FILLERS = frozenset({"like", "so", "yeah", "i", "mean", "you", "know", "um", "uh", "erm", "well", "actually"})


def name_spans(
    doc: Doc,
    matcher: PhraseMatcher | FillerPhraseMatcher,
    others: Iterable[tuple[int, int, str]] = (),
    lower_matcher: PhraseMatcher | FillerPhraseMatcher | None = None,
    text: str | None = None,
) -> list[tuple[int, int]]:
    """Character spans of person names in ``doc``.

    Parameters
    ----------
    doc : Doc
        The tokenised contact.
    matcher : PhraseMatcher or FillerPhraseMatcher
        From ``build_trigger_matcher`` on the same vocabulary.
    lower_matcher : FillerPhraseMatcher, optional
        From ``build_trigger_matcher(vocab, fillers=True)``, used for lower-case (ASR) text.
    text : str, optional
        ``doc.text`` when the caller has it already.
    others : iterable of (start, end, label)
        Spans already found by the character patterns; a line of two or three capitalised words just
        above a phone number or e-mail address is a signature name.

    Returns
    -------
    list of (start_char, end_char)
    """
    if text is None:
        text = doc.text  # built from the tokens on every access: read it once
    # Placeholders of an earlier pass ("[NAME]") are upper case in any transcript.
    bare = _PLACEHOLDER.sub("", text) if "[" in text else text
    lower_mode = bare.islower() or not any(ch.isupper() for ch in bare)
    found: list[tuple[int, int]] = []
    active = lower_matcher if lower_mode and lower_matcher is not None else matcher
    for match_id, start, end in active(doc):
        kind = doc.vocab.strings[match_id]
        if kind == "GREETING" or doc[start:end].text.lower() in _LINE_START_SIGN_OFFS:
            prev = doc[start - 1] if start else None
            if not (prev is None or not (prev.is_alpha or prev.like_num) or "\n" in prev.whitespace_):
                continue
        # a customer who types in lower case in a cased chat: "hi my name is dorothea winterbottom"
        lower_here = lower_mode or _lower_sentence(text, doc[start].idx)
        name = _name_after(doc, end, kind, lower_here)
        if name:
            found.append(name)
    low = text.lower()
    called = " called " in low or " named " in low or " name of " in low
    for m in _ROLE_CALLED.finditer(text) if called else ():
        after = doc.char_span(m.end(), len(text), alignment_mode="expand")
        if after is not None:
            name = _name_after(doc, after.start, "STRONG", lower_mode)
            if name:
                found.append(name)
    for m in _FUZZY_STRONG.finditer(text):
        after = doc.char_span(m.end(), len(text), alignment_mode="expand")
        if after is not None:
            name = _name_after(doc, after.start, "STRONG", lower_mode)
            if name:
                found.append(name)
    if "here" in text.lower():
        found.extend(_here_names(doc, lower_mode))
    if not lower_mode:
        found.extend(_full_names(text))
        if _STAFF_WORDS.search(low):
            found.extend(_staff_names(text))
    found.extend(_signature_names(text, others))
    return _whole_hyphenated(text, found + _repeats(text, found, lower_mode))


def _whole_hyphenated(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Names with their hyphenated parts ("Jean-Pierre", "Ashworth-Smythe"), never half of one;
    a name joined to a lower-case word ("Bob-standard") is a product or a plan, not a name."""
    out = []
    for start, end in spans:
        while start >= 2 and text[start - 1] == "-" and text[start - 2].isalpha():
            m = _WORD_BEFORE.search(text, 0, start - 1)
            if m is None or not m.group()[0].isupper():
                break
            start = m.start()
        m = _HYPHEN_AFTER.match(text, end)
        if m:
            if text[end + 1].islower() and not text[start:end].islower():
                continue
            end = m.end()
        out.append((start, end))
    return out


def _name_after(doc: Doc, i: int, kind: str, lower_mode: bool) -> tuple[int, int] | None:
    """The name that starts at token ``i`` (after optional ',' / ':' / line breaks), if any."""
    n = len(doc)
    after_comma = False
    if kind in ("SIGN_OFF", "STRONG"):
        while i < n and (doc[i].is_space or doc[i].text in (",", ":", "-", "!")):
            after_comma = after_comma or doc[i].text != ":"
            i += 1
    elif kind == "GREETING":
        # "Hi Sarah," names the reader; in "Hello, Wrong size" the word after the comma is no name.
        while i < n and doc[i].is_space:
            i += 1
    if lower_mode:
        while i < n:
            if doc[i].lower_ in FILLERS and doc[i].lower_ != "i":
                i += 1
            elif doc[i].lower_ == "i" and i + 1 < n and doc[i + 1].lower_ == "mean":
                i += 2
            else:
                break
    if i >= n:
        return None
    if kind == "STRONG" and not lower_mode:
        # "Account holder name: Mr T Okonkwo": the title stays, the initial belongs to the name
        if doc[i].lower_ in _TITLES:
            i += 2 if i + 1 < n and doc[i + 1].text == "." else 1
        if i + 1 < n and len(doc[i].text) == 1 and doc[i].text.isupper():
            k = i + 2 if doc[i + 1].text == "." and i + 2 < n else i + 1
            if _is_name_word(doc[k]):
                return doc[i].idx, _name_end(doc, k)
        if i >= n:
            return None
    first = doc[i]
    if not _first_token_ok(first, kind, lower_mode, doc, i):
        return None
    j = i + 1
    joined = 0  # tokens of hyphens and apostrophes inside names ("jean-luc moreau-duval")
    # A surname, a second given name or a particle ("van der Berg"), on the same line.
    while j < n and j - i - joined < 4:
        tok = doc[j]
        if tok.text in ("-", "'") and not doc[j - 1].whitespace_ and j + 1 < n and not tok.whitespace_:
            nxt = doc[j + 1]
            if _is_name_word(nxt) or (lower_mode and _lower_name_word(nxt)):
                j += 2
                joined += 2
                continue
        words = j - i - joined
        if lower_mode and tok.lower_ in SPOKEN_PREFIXES and j + 1 < n and _lower_name_word(doc[j + 1]):
            j += 2  # "jack o brien", "sean mc donald": the apostrophe and the join are not spoken
            joined += 1
            continue
        if lower_mode:
            if _lower_name_word(tok) and (words < 2 or (words == 2 and _ends_name(doc, j + 1))):
                j += 1  # a third word only when the name clearly ends after it: "jean pierre dubois and"
                continue
            break
        if _is_name_word(tok):
            j += 1
            continue
        if tok.lower_ in PARTICLES and j + 1 < n and _is_name_word(doc[j + 1]):
            j += 2
            continue
        break
    if kind == "SIGN_OFF" and after_comma and j < n:
        # "Thanks, Sarah" closes a line; "Thanks, Tracking shows ..." goes on with a sentence.
        nxt = doc[j]
        if not (nxt.is_punct or "\n" in nxt.text or "\n" in doc[j - 1].whitespace_ or nxt.is_space):
            return None
    return doc[i].idx, doc[j - 1].idx + len(doc[j - 1].text)


_CLAUSE_END = re.compile(r"[.!?\n(),;]")
_ROLE_AT_START = re.compile(r"[ \t]*(?:\[[^\]\n]*\][ \t]*)?[A-Za-z]+(?:[ \t]*\([^)\n]*\))?[ \t]*:")


def _lower_sentence(text: str, at: int) -> bool:
    """Whether the clause around ``at`` is typed all in lower case (role prefix aside)."""
    start = max(text.rfind(ch, 0, at) for ch in ".!?\n(),;") + 1
    m = _CLAUSE_END.search(text, at)
    end = m.start() if m else len(text)
    role = _ROLE_AT_START.match(text, start, end)
    sentence = text[role.end() if role else start : end]
    if "[" in sentence:
        sentence = _PLACEHOLDER.sub("", sentence)
    return not any(ch.isupper() for ch in sentence)


_TITLES = frozenset({"mr", "mrs", "ms", "miss", "dr", "mx", "mr.", "mrs.", "ms.", "dr."})


def _name_end(doc: Doc, k: int) -> int:
    """End character of the capitalised (or hyphenated) words from token ``k`` on the same line."""
    j = k + 1
    while j < len(doc) and j - k < 3 and _is_name_word(doc[j]) and "\n" not in doc[j - 1].whitespace_:
        j += 1
    return doc[j - 1].idx + len(doc[j - 1].text)


def _ends_name(doc: Doc, j: int) -> bool:
    """Whether a lower-case name may end before token ``j``: the turn ends or a follower comes."""
    if j >= len(doc):
        return True
    return "\n" in doc[j - 1].whitespace_ or doc[j].is_punct or doc[j].lower_ in _LOWER_FOLLOWERS


def _first_token_ok(tok: Token, kind: str, lower_mode: bool, doc: Doc, i: int) -> bool:
    if kind in ("CALL_ME", "PRAISE", "KIN"):
        # the nickname is a known first name, or (cased) a capitalised word that is no common one
        return tok.lower_ in FIRST_NAMES or (not lower_mode and _is_name_word(tok))
    if lower_mode:
        if tok.lower_ in WORD_NAMES and kind != "STRONG" and i + 1 < len(doc) and doc[i + 1].lower_ in THINGS:
            return False  # "its rose gold", "its max size": a product, not a person
        if tok.lower_ in FIRST_NAMES:
            return True
        if kind == "STRONG":
            return _lower_name_word(tok)
        # "this is kwame lewis im calling": two name-like words closed by a typical follower
        return (
            kind == "INTRO"
            and i + 2 < len(doc)
            and _lower_name_word(tok)
            and _lower_name_word(doc[i + 1])
            and doc[i + 2].lower_ in _LOWER_FOLLOWERS
        )
    if not _is_name_word(tok):
        return False
    if kind == "STRONG" or tok.lower_ in FIRST_NAMES:
        return True
    if kind in ("GREETING", "SIGN_OFF"):
        return True
    # "This is Sarah Jones" / "I'm Priya Patel": an unknown capitalised word needs a capitalised follower.
    return i + 1 < len(doc) and _is_name_word(doc[i + 1])


def _is_name_word(tok: Token) -> bool:
    text = tok.text
    return (
        len(text) >= 2
        and text[0].isupper()
        and (text[1:].islower() or (len(text) > 2 and text[:2] in ("Mc", "Ma", "O'") and text[2].isupper()))
        and text.replace("'", "").replace("-", "").isalpha()
        and tok.lower_ not in STOP_WORDS
        and tok.lower_ not in NOT_NAMES
    )


def _lower_name_word(tok: Token) -> bool:
    low = tok.lower_
    return (
        tok.is_alpha
        and len(low) >= 2
        and low not in STOP_WORDS
        and low not in NOT_NAMES_LOWER
        # "calling", "ordered" end a name; "king", "reed", "fleming", "ahmed" are names
        and (len(low) < 6 or not low.endswith(("ing", "ed")) or low in SURNAMES_ING_ED)
        and (len(low) > 4 or not low.endswith("ed") or low in SURNAMES_ING_ED)
    )


def _here_names(doc: Doc, lower_mode: bool) -> list[tuple[int, int]]:
    """'Sarah here, ...' / 'kwame lewis here' at the start of a line or sentence."""
    out = []
    # the tokens "here" from the lower-case forms' ids (a Token object for every token costs more)
    here = doc.vocab.strings.add("here")
    for i in np.flatnonzero(doc.to_array(LOWER) == here):
        tok = doc[int(i)]
        if tok.i == 0:
            continue
        for width in (2, 1):
            if tok.i - width < 0:
                continue
            words = doc[tok.i - width : tok.i]
            prev = doc[tok.i - width - 1] if tok.i - width >= 1 else None
            at_start = (
                prev is None
                or prev.is_space
                or prev.is_punct
                or "\n" in prev.whitespace_
                or prev.lower_
                in ("its", "it", "'s", "hi", "hello", "hiya", "yeah", "so", "like", "mean", "know")
            )
            if not at_start:
                continue
            if lower_mode:
                ok = words[0].lower_ in FIRST_NAMES and all(_lower_name_word(w) for w in words)
            else:
                ok = all(_is_name_word(w) for w in words) and (
                    words[0].lower_ in FIRST_NAMES
                    or (tok.i + 1 < len(doc) and doc[tok.i + 1].text in ",.!-:;")
                )
            if ok:
                out.append((words[0].idx, words[-1].idx + len(words[-1].text)))
                break
    return out


def _full_names(text: str) -> list[tuple[int, int]]:
    """A known first name followed by a capitalised word: "Priya Raghunathan from the warehouse"."""
    out = []
    for m in _TWO_CAPITALISED.finditer(text):
        first, last = m.group(1), m.group(2)
        if first.lower() not in FIRST_NAMES or last.lower() in STOP_WORDS or last.lower() in NOT_NAMES:
            continue
        if re.match(r"[ \t]+" + _STREETS + r"\b", text[m.end() :]):
            continue
        out.append((m.start(), m.end()))
    return out


_PLACEHOLDER = re.compile(r"\[[A-Z_]+\]")
_WORD_BEFORE = re.compile(r"[^\W\d_][\w'’]*$")
_HYPHEN_AFTER = re.compile(r"(?:-([^\W\d_][\w'’]*))+")
# "a driver called Tobias", "the lady named Marguerite"
_ROLE_CALLED = re.compile(
    r"(?i)\b(?:driver|courier|agent|advisor|adviser|rep|representative|lady|man|woman|guy|girl|gentleman|"
    r"bloke|chap|fella|fellow|someone|somebody|person|colleague|manager|supervisor|assistant|postman|"
    r"postwoman|operator|employee|member[ \t]of[ \t]staff)"
    r"[ \t]+(?:called|named|by[ \t]+the[ \t]+name[ \t]+of)[ \t]+"
)
# "Dieter Müller from the warehouse", "Priya in returns": someone named by the team they work in
_STAFF_PLACE = re.compile(
    r"(?<![\w'-])([A-Z][a-zà-ÿı'’-]+(?:[ \t]+(?:Mc|O')?[A-Z][a-zà-ÿı'’-]+)?)[ \t]+(?:from|in|at|on)[ \t]+"
    r"(?:the[ \t]+|your[ \t]+)?(?:warehouse|customer[ \t]+services?|customer[ \t]+care|support|returns|"
    r"refunds|billing|accounts|the[ \t]+help[ \t]?desk|help[ \t]?desk|call[ \t]+cent(?:re|er)|"
    r"complaints|dispatch|reception|(?:[A-Z][a-z]+[ \t]+)?(?:store|shop|branch|depot))\b"
)


_STAFF_WORDS = re.compile(
    r"warehouse|customer|support|returns|refunds|billing|accounts|desk|cent(?:re|er)|complaints|dispatch|"
    r"reception|store|shop|branch|depot"
)


def _staff_names(text: str) -> list[tuple[int, int]]:
    """A first and last name, or a known first name, before the team they work in."""
    out = []
    for m in _STAFF_PLACE.finditer(text):
        words = m.group(1).split()
        if any(w.lower() in STOP_WORDS or w.lower() in NOT_NAMES for w in words):
            continue
        if len(words) == 2 or words[0].lower() in FIRST_NAMES:
            out.append((m.start(1), m.end(1)))
    return out


# Mistyped triggers ("adressed to", "addrressed to") that a phrase list cannot enumerate.
_FUZZY_STRONG = re.compile(r"(?i)\ba+d+r+e+s+e*d[ \t]+(?:to|for)[ \t]+")
_TWO_CAPITALISED = re.compile(
    r"(?<![\w'-])([A-Z][a-zà-ÿı]+) ((?:Mc|O')?[A-Z][a-zà-ÿı'-]*[a-zà-ÿı])(?![\w'-])"
)
_STREETS = r"(?:Street|St|Road|Rd|Avenue|Ave|Lane|Station|Square|Park|Place|Terrace|Gardens)\.?"
_SIGN_OFF_WORDS = frozenset(w for p in SIGN_OFFS for w in p.split()) | frozenset(GREETINGS)
_SIGNATURE_LINE = re.compile(r"(?m)^[ \t]*([A-Z][a-z'-]+(?:[ \t]+[A-Z][a-z'-]+){0,2})[ \t]*$")


def _signature_names(text: str, others: Iterable[tuple[int, int, str]]) -> list[tuple[int, int]]:
    """A line of 2-3 capitalised words directly above a phone number or e-mail address."""
    contacts = sorted(s for s, _e, label in others if label in ("PHONE", "EMAIL"))
    if not contacts:
        return []
    out = []
    for m in _SIGNATURE_LINE.finditer(text):
        start = m.start(1)
        words = m.group(1).split()
        if words[0].lower() in _SIGN_OFF_WORDS:
            start += len(m.group(1)) - len(m.group(1)[len(words[0]) :].lstrip())
            words = words[1:]
        if not words or any(w.lower() in NOT_NAMES or w.lower() in STOP_WORDS for w in words):
            continue
        if len(words) == 1 and words[0].lower() not in FIRST_NAMES:
            continue
        nxt = text.find("\n", m.end())
        if nxt < 0:
            continue
        line_end = text.find("\n", nxt + 1)
        line_end = len(text) if line_end < 0 else line_end
        if any(nxt < s < line_end for s in contacts):
            out.append((start, m.end(1)))
    return out


def _repeats(text: str, found: list[tuple[int, int]], lower_mode: bool) -> list[tuple[int, int]]:
    """Further occurrences of words of names already found ("Thanks, Sarah" after "I'm Sarah Jones")."""
    if not found:
        return []
    words = set()
    for start, end in found:
        for w in re.findall(r"[^\W\d_]{3,}", text[start:end]):
            if w.lower() not in STOP_WORDS and w.lower() not in NOT_NAMES_LOWER:
                words.add(w)
    if not words:
        return []
    if text.isascii():
        # A match of the pattern below is a whole run of word characters: no pattern to compile
        # per contact (each new one also pushes others out of the re module's cache).
        if lower_mode:
            keys = {w.lower() for w in words}
            return [(m.start(), m.end()) for m in _WORD_RUN.finditer(text) if m.group().lower() in keys]
        return [(m.start(), m.end()) for m in _WORD_RUN.finditer(text) if m.group() in words]
    alternatives = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
    pattern = re.compile(r"(?<!\w)(?:" + alternatives + r")(?!\w)", re.IGNORECASE if lower_mode else 0)
    return [(m.start(), m.end()) for m in pattern.finditer(text)]


_WORD_RUN = re.compile(r"\w+")
