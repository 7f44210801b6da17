"""The classifier's TF-IDF features, computed once per text set while a training run lasts.

:func:`tfidf_union` is the feature set (word 1-2 and character 2-5 n-grams). The candidate search
of :func:`training.train.train_classifier` fits a model per feature set and C on the same
texts and scores each on the same validation texts; the character n-grams are most of that cost
(pure Python in scikit-learn). Inside :func:`memo`, :func:`fit` and :func:`transform` return the
run's earlier vectoriser and matrices for the same texts instead of computing them again. Fitted
vectorisers are never changed afterwards, so models may share one.

Outside :func:`memo` nothing is kept: tagging transforms each batch once, and keeping its matrices
would only hold memory.

:class:`CharTfidf` is scikit-learn's character n-gram TF-IDF (``analyzer="char_wb"``) with the
counting done per distinct word: the same vocabulary and matrix, about 3x faster to fit and 4-5x
faster to transform on prepared contacts.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import numpy as np
import scipy.sparse as sp
import sklearn
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import FeatureUnion

# Words whose columns a fitted CharTfidf keeps between transforms (then it starts afresh).
WORD_CACHE_SIZE = 50_000


class CharTfidf(TfidfVectorizer):
    """``TfidfVectorizer(analyzer="char_wb")`` that finds each distinct word's n-grams once.

    scikit-learn builds and looks up every character n-gram of every document in Python (about
    0.2 ms for a 190-character contact). Within word boundaries a document's n-grams are the
    concatenation of its words' (``" " + word + " "``), and contacts repeat the same few thousand
    words, so here each word's column indices are computed on its first sight and a document's
    counts are summed from its words' in one sparse build. Same vocabulary (same order), same
    matrix as the parent class. A fitted instance keeps up to :data:`WORD_CACHE_SIZE` words'
    columns between transforms (not pickled; dropped by a new fit). Other analyzers, or a custom
    preprocessor, use the parent's counting.
    """

    def _count_vocab(self, raw_documents: Iterable[Any], fixed_vocab: bool) -> tuple[dict[str, int], Any]:
        if self.analyzer != "char_wb" or self.preprocessor is not None:
            return super()._count_vocab(raw_documents, fixed_vocab)
        vocabulary: dict[str, int]
        if fixed_vocab:
            vocabulary = self.vocabulary_
            words = self.__dict__.get("_word_columns")
            if words is None or len(words) > WORD_CACHE_SIZE:
                words = self.__dict__["_word_columns"] = {}
        else:  # a new n-gram gets the next column, in order of first sight (as the parent)
            vocabulary = defaultdict()
            vocabulary.default_factory = vocabulary.__len__
            words = {}
            self.__dict__.pop("_word_columns", None)  # columns of the vocabulary being replaced
        preprocess, decode = self.build_preprocessor(), self.decode
        pieces: list[np.ndarray] = []
        lengths: list[int] = []
        for doc in raw_documents:
            count = 0
            for word in preprocess(decode(doc)).split():
                columns = words.get(word)
                if columns is None:
                    grams = self._char_wb_ngrams(word)  # the parent's n-grams of this one word
                    if fixed_vocab:
                        found = [vocabulary[g] for g in grams if g in vocabulary]
                    else:
                        found = [vocabulary[g] for g in grams]
                    columns = words[word] = np.asarray(found, dtype=np.int64)
                pieces.append(columns)
                count += len(columns)
            lengths.append(count)
        if not fixed_vocab:
            vocabulary = dict(vocabulary)
            if not vocabulary:
                raise ValueError("empty vocabulary; perhaps the documents only contain stop words")
        columns = np.concatenate(pieces) if pieces else np.zeros(0, dtype=np.int64)
        rows = np.repeat(np.arange(len(lengths)), lengths)
        shape = (len(lengths), len(vocabulary))
        # duplicate (row, column) pairs are summed: the counts
        counts = sp.coo_matrix((np.ones(len(columns), dtype=self.dtype), (rows, columns)), shape=shape)
        matrix = counts.tocsr()
        matrix.sort_indices()
        if sklearn.get_config().get("sparse_interface") == "sparray":
            matrix = sp.csr_array(matrix)
        return vocabulary, matrix

    def __getstate__(self) -> dict[str, Any]:
        state = dict(super().__getstate__())
        state.pop("_word_columns", None)
        return state


def tfidf_union() -> FeatureUnion:
    """Word (1-2) and character (2-5, within word boundaries) TF-IDF, each block unit-length."""
    return FeatureUnion(
        [
            ("word", TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=1, lowercase=True)),
            ("char", CharTfidf(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=2)),
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
