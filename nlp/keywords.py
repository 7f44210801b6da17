"""Theme keywords by class-based TF-IDF (c-TF-IDF, as in BERTopic).

All texts of a theme are treated as one document: a term scores high when it is frequent in the
theme and rare across themes. ``weight(t, c) = tf(t, c) / |c| * log(1 + A / f(t))`` where ``tf(t, c)``
counts term ``t`` in theme ``c``, ``|c|`` is the theme's term total, ``A`` the average term total per
theme and ``f(t)`` the frequency of ``t`` over all themes.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.preprocessing import normalize

# Redaction placeholders such as [EMAIL] or [ORDER_ID] carry no theme meaning.
_PLACEHOLDER = re.compile(r"\[[A-Z_]+\]")


def ctfidf_keywords(
    texts: Sequence[str],
    labels: np.ndarray,
    classes: Sequence[int],
    n_keywords: int = 10,
    vectorizer: CountVectorizer | None = None,
) -> dict[int, list[str]]:
    """Top ``n_keywords`` c-TF-IDF terms of each class.

    Parameters
    ----------
    texts : sequence of str of length n_contacts
        Redacted texts.
    labels : ndarray of shape (n_contacts,)
        Class (theme id) of each text; texts whose label is not in ``classes`` are ignored.
    classes : sequence of int
        The classes to describe, in output order.
    n_keywords : int
        Terms per class.
    vectorizer : CountVectorizer or None
        ``None``: English stop words removed, unigrams and bigrams, terms in at least 2 texts.

    Returns
    -------
    dict of int to list of str
        Keywords per class, best first; a bigram replaces the unigrams it contains.
    """
    classes = list(classes)
    labels = np.asarray(labels)
    if not classes:
        return {}
    keep = np.isin(labels, classes)
    docs = [_PLACEHOLDER.sub(" ", t) for t, k in zip(texts, keep, strict=True) if k]
    doc_labels = labels[keep]
    if vectorizer is None:
        vectorizer = CountVectorizer(
            stop_words="english", ngram_range=(1, 2), min_df=2 if len(docs) >= 50 else 1
        )
    try:
        counts = vectorizer.fit_transform(docs)
    except ValueError:  # nothing but stop words
        return {c: [] for c in classes}
    position = {c: i for i, c in enumerate(classes)}
    rows = np.array([position[int(label)] for label in doc_labels])
    indicator = sp.csr_matrix(
        (np.ones(len(rows)), (rows, np.arange(len(rows)))), shape=(len(classes), len(docs))
    )
    tf = normalize(indicator @ counts, norm="l1", axis=1)
    totals = np.asarray((indicator @ counts).sum(axis=1)).ravel()
    term_freq = np.asarray(counts.sum(axis=0)).ravel()
    idf = np.log(1.0 + totals.mean() / np.maximum(term_freq, 1))
    weights = (tf @ sp.diags(idf)).tocsr()
    terms = vectorizer.get_feature_names_out()
    out: dict[int, list[str]] = {}
    for c, i in position.items():
        row = weights.getrow(i)
        order = row.indices[np.argsort(-row.data, kind="stable")]
        out[c] = _dedupe([str(terms[j]) for j in order[: n_keywords * 3]], n_keywords)
    return out


def _dedupe(terms: list[str], n: int) -> list[str]:
    """Keep ``n`` terms, dropping a unigram already covered by a better-ranked bigram and vice versa."""
    kept: list[str] = []
    words: set[str] = set()
    for term in terms:
        parts = term.split()
        if len(parts) == 1 and term in words:
            continue
        if len(parts) > 1:
            covered = [k for k in kept if " " not in k and k in parts]
            kept = [k for k in kept if k not in covered]
        kept.append(term)
        words.update(parts)
        if len(kept) == n:
            break
    return kept[:n]
