"""The classifier's TF-IDF features, computed once per text set while a training run lasts.

:func:`tfidf_union` is the feature set (word 1-2 and character 2-5 n-grams). The candidate search
of :func:`training.classifier.train_classifier` fits a model per feature set and C on the same
texts and scores each on the same validation texts; the character n-grams are most of that cost
(pure Python in scikit-learn). Inside :func:`memo`, :func:`fit` and :func:`transform` return the
run's earlier vectoriser and matrices for the same texts instead of computing them again. Fitted
vectorisers are never changed afterwards, so models may share one.

Outside :func:`memo` nothing is kept: tagging transforms each batch once, and keeping its matrices
would only hold memory.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import FeatureUnion


def tfidf_union() -> FeatureUnion:
    """Word (1-2) and character (2-5, within word boundaries) TF-IDF, each block unit-length."""
    return FeatureUnion(
        [
            ("word", TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=1, lowercase=True)),
            ("char", TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=2)),
        ]
    )


class _Memo:
    """Vectorisers by the texts they were fitted on, matrices by vectoriser and texts.

    Each matrix entry holds its vectoriser, so the ``id`` in its key cannot be reused while it is
    kept. At most ``max_entries`` of each, the oldest dropped first.
    """

    def __init__(self, max_entries: int = 8) -> None:
        self.max_entries = max_entries
        self.fitted: dict[bytes, FeatureUnion] = {}
        self.matrices: dict[tuple[int, bytes], tuple[FeatureUnion, Any]] = {}

    def keep(self, table: dict[Any, Any], key: Any, value: Any) -> None:
        if len(table) >= self.max_entries:
            del table[next(iter(table))]
        table[key] = value


_MEMO: ContextVar[_Memo | None] = ContextVar("voc_tfidf_memo", default=None)


@contextmanager
def memo() -> Iterator[None]:
    """Within the block, :func:`fit` and :func:`transform` compute each text set's features once."""
    token = _MEMO.set(_Memo())
    try:
        yield
    finally:
        _MEMO.reset(token)


def _texts_key(texts: Sequence[str]) -> bytes:
    digest = hashlib.blake2b(digest_size=16)
    for text in texts:
        digest.update(text.encode("utf-8", "surrogatepass"))
        digest.update(b"\0")
    return digest.digest()


def fit(texts: list[str]) -> tuple[FeatureUnion, Any]:
    """:func:`tfidf_union` fitted on ``texts``, and the matrix of ``texts`` (n_texts, n_features)."""
    kept = _MEMO.get()
    if kept is None:
        vectorizer = tfidf_union()
        return vectorizer, vectorizer.fit_transform(texts)
    key = _texts_key(texts)
    if key not in kept.fitted:
        vectorizer = tfidf_union()
        matrix = vectorizer.fit_transform(texts)
        kept.keep(kept.fitted, key, vectorizer)
        kept.keep(kept.matrices, (id(vectorizer), key), (vectorizer, matrix))
    vectorizer = kept.fitted[key]
    return vectorizer, transform(vectorizer, texts)


def transform(vectorizer: FeatureUnion, texts: list[str]) -> Any:
    """``vectorizer.transform(texts)``: sparse (n_texts, n_features)."""
    kept = _MEMO.get()
    if kept is None:
        return vectorizer.transform(texts)
    key = (id(vectorizer), _texts_key(texts))
    entry = kept.matrices.get(key)
    if entry is None or entry[0] is not vectorizer:
        entry = (vectorizer, vectorizer.transform(texts))
        kept.keep(kept.matrices, key, entry)
    return entry[1]
