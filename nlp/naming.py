"""Readable names for themes and groups: a short phrase the theme's own customers wrote.

:func:`theme_names` takes, per theme, the texts of its members nearest the centroid (boilerplate
already stripped, :mod:`nlp.boilerplate`) and its c-TF-IDF keywords (:mod:`nlp.keywords`), cuts the
texts into clauses (at sentence marks and commas; long unpunctuated call turns into windows of 3-8
words) and names the theme with the clause that covers the most keywords per word, preferring
phrasings several members share and leaving out clauses with digits. So the name is always words
from the theme's text ("Parcel marked as delivered but not here"), never an id; a theme with no
usable clause gets its first keywords ("Refund, bank, statement"), and one without keywords
``"Theme N"``. Names are unique within a run: a repeated name gets the theme's first keyword that
it lacks ("Too small (sleeves)").

:func:`group_names` names each group of themes after its most central theme (the one whose
centroid is closest to the others of the group).

Only redacted text comes in, so a name holds no PII; placeholders such as ``[ORDER_ID]`` are never
part of a name.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence

import numpy as np

MAX_WORDS = 8
MIN_WORDS = 2
MAX_CHARS = 60


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Words that begin or end a clause without carrying its meaning: cut from the edges of a candidate.
_EDGE_WORDS = _words(
    "and but so also then well oh because or just like actually really now anyway plus still "
    "the a an my your our their this that these those to of for with in on at by from as is was "
    "are were be been it its i im i'm i've ive me we you please can could would will if when"
)
# Words a name should not start with: greetings, and the narration before the problem ("Ordered a
# blazer", "Pair of loafers" name the product, not what is wrong with it).
_LEAD_ONLY = _words("there's theres here's heres hi hello hey ok okay yes ordered bought purchased got pair")
# A clause cut right after these is unfinished ("Cancel button not", "Size guide is way").
_UNFINISHED = _words(
    "not no never doesn't doesnt don't dont isn't isnt won't wont can't cant didn't didnt wasn't "
    "wasnt hasn't hasnt haven't havent aren't arent way too very more less than any some what "
    "which who where how why says said shows keeps"
)
_CLAUSE_SPLIT = re.compile(r"[.!?;:\n]+|,\s+|\s+-\s+|\(|\)")
_TOKEN = re.compile(r"[^\W_]+(?:['’][^\W_]+)?")
_PLACEHOLDER = re.compile(r"\[[A-Z_]+\]")


def theme_names(
    texts: Mapping[int, Sequence[str]],
    keywords: Mapping[int, Sequence[str]],
    order: Sequence[int] | None = None,
) -> dict[int, str]:
    """A short readable name for each theme.

    Parameters
    ----------
    texts : mapping of theme id to sequence of str
        Member texts of each theme, nearest its centroid first (a few dozen are enough);
        redacted, boilerplate stripped.
    keywords : mapping of theme id to sequence of str
        The theme's keywords, best first (unigrams and bigrams).
    order : sequence of int, optional
        Themes in the order that decides who keeps a repeated name (the first; e.g. largest
        first); default: ``texts``' order.

    Returns
    -------
    dict of int to str
        Theme id -> name: at most :data:`MAX_WORDS` words and :data:`MAX_CHARS` characters,
        first letter capitalised, unique among the themes.
    """
    ids = list(order) if order is not None else list(texts)
    names = {t: _name(texts.get(t, ()), keywords.get(t, ()), t) for t in ids}
    return _unique(names, keywords, ids)


def group_names(
    groups: Mapping[int, int],
    names: Mapping[int, str],
    centroids: Mapping[int, np.ndarray],
    sizes: Mapping[int, int],
) -> dict[int, str]:
    """Group id -> the name of its most central theme.

    Parameters
    ----------
    groups : mapping of theme id to group id
    names : mapping of theme id to its name
    centroids : mapping of theme id to its unit-length centroid, shape (dim,)
    sizes : mapping of theme id to its number of contacts (breaks ties: the larger theme)

    The most central theme has the highest mean cosine similarity to the group's other themes;
    a group of one theme takes that theme's name.
    """
    members: dict[int, list[int]] = {}
    for theme, group in groups.items():
        members.setdefault(int(group), []).append(int(theme))
    out: dict[int, str] = {}
    for group, themes in members.items():
        if len(themes) == 1:
            out[group] = names[themes[0]]
            continue
        block = np.stack([np.asarray(centroids[t], dtype=np.float32) for t in themes])
        sims = block @ block.T
        centrality = (sims.sum(axis=1) - np.diag(sims)) / (len(themes) - 1)
        best = max(
            range(len(themes)), key=lambda i: (round(float(centrality[i]), 6), sizes.get(themes[i], 0))
        )
        out[group] = names[themes[best]]
    return out


# -------------------------------------------------------------------------------------------
def _name(texts: Sequence[str], keywords: Sequence[str], theme_id: int) -> str:
    weights = _keyword_weights(keywords)
    best: tuple[float, str] | None = None
    candidates = Counter(c for text in texts for c in set(_candidates(text)))
    n_texts = max(len(texts), 1)
    for phrase, support in candidates.items():
        score = _score(phrase, weights, support / n_texts)
        if score > 0 and (best is None or score > best[0] + 1e-9):
            best = (score, phrase)
    if best is not None:
        return _tidy(best[1])
    words = [k for k in keywords if k][:3]
    return _tidy(", ".join(words)) if words else f"Theme {theme_id}"


def _keyword_weights(keywords: Sequence[str]) -> dict[str, float]:
    """Keyword -> weight, the best keyword 1 and later ones less (1/sqrt(rank))."""
    return {str(k).lower(): 1.0 / np.sqrt(i + 1) for i, k in enumerate(keywords) if str(k).strip()}


def _candidates(text: str) -> list[str]:
    """Clauses of ``text`` of 2-8 words, and every window of 3-8 words inside a clause."""
    out: list[str] = []
    for clause in _CLAUSE_SPLIT.split(_PLACEHOLDER.sub(" , ", str(text))):
        words = _trim(_TOKEN.findall(clause))
        if MIN_WORDS <= len(words) <= MAX_WORDS:
            out.append(" ".join(words))
        for size in range(3, min(MAX_WORDS, len(words) - 1) + 1):
            for start in range(len(words) - size + 1):
                window = _trim(words[start : start + size])
                if len(window) >= 3:
                    out.append(" ".join(window))
    return out


def _trim(words: list[str]) -> list[str]:
    lead = 0
    while lead < len(words) and (words[lead].lower() in _EDGE_WORDS or words[lead].lower() in _LEAD_ONLY):
        lead += 1
    end = len(words)
    while end > lead and words[end - 1].lower() in _EDGE_WORDS:
        end -= 1
    return words[lead:end]


def _score(phrase: str, weights: Mapping[str, float], support: float) -> float:
    """Keyword weight covered per word, lifted by phrasing several members share."""
    tokens = phrase.lower().split()
    if tokens[-1] in _UNFINISHED:
        return 0.0
    covered = 0.0
    for keyword, weight in weights.items():
        if _contains(tokens, keyword.split()):
            covered += weight
    if covered == 0.0:
        return 0.0
    # Per word, softened so that a 5-word phrase naming two keywords beats a bare keyword pair.
    score = covered / len(tokens) ** 0.6 * (1.0 + support)
    if any(ch.isdigit() for ch in phrase):
        score *= 0.5  # "due on 11/5" names one contact, not the theme
    return score


def _contains(tokens: list[str], parts: list[str]) -> bool:
    """``parts`` in ``tokens`` in order, each within 6 words of the previous one: a bigram keyword
    spans the stop words the vectoriser dropped ("refund ... card"), never a reversed phrase."""
    at = -1
    for part in parts:
        window = tokens[at + 1 : at + 7] if at >= 0 else tokens
        if part not in window:
            return False
        at = (at + 1 if at >= 0 else 0) + window.index(part)
    return True


def _tidy(phrase: str) -> str:
    text = re.sub(r"\s+", " ", phrase).strip(" ,;:-")
    if len(text) > MAX_CHARS:
        text = text[:MAX_CHARS].rsplit(" ", 1)[0]
    return text[:1].upper() + text[1:]


def _unique(
    names: dict[int, str], keywords: Mapping[int, Sequence[str]], ids: Sequence[int]
) -> dict[int, str]:
    taken: set[str] = set()
    out: dict[int, str] = {}
    for t in ids:
        name = names[t]
        if name.lower() in taken:
            extra = next((k for k in keywords.get(t, ()) if k and k.lower() not in name.lower()), None)
            base = f"{name} ({extra})" if extra else name
            name, n = base, 2
            while name.lower() in taken:
                name, n = f"{base} {n}", n + 1
        taken.add(name.lower())
        out[t] = name
    return out
