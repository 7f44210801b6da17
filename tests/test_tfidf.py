"""The character n-gram TF-IDF counted per word gives scikit-learn's vocabulary and matrix."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer

from training import tfidf
from training.tfidf import CharTfidf

TRAIN = [
    "My parcel never arrived and the tracking says delivered",
    "I want to return the shoes, they are too small",
    "Refund still not received after two weeks!!",
    "Customer: the courier left it at the wrong address  \n\t twice",
    "a",
    "Die Lieferung ist beschädigt angekommen",
    "réfund pending — where is my money?",
    "tracking TRACKING Tracking tracking",
]
NEW = [
    "the tracking says delivered but no parcel",
    "",
    "   ",
    "x" * 40,
    "Unseen wörds entirely: zzqx",
    "refund refund refund",
]


@pytest.mark.parametrize(
    "settings",
    [
        {"ngram_range": (2, 4), "sublinear_tf": True, "min_df": 1, "dtype": np.float32},
        {"ngram_range": (2, 5), "sublinear_tf": True, "min_df": 2},
        {"ngram_range": (1, 3), "lowercase": False},
    ],
)
def test_the_same_vocabulary_and_matrices_as_scikit_learn(settings) -> None:
    expected = TfidfVectorizer(analyzer="char_wb", **settings)
    ours = CharTfidf(analyzer="char_wb", **settings)
    fitted = ours.fit_transform(TRAIN)
    reference = expected.fit_transform(TRAIN)
    assert list(ours.vocabulary_.items()) == list(expected.vocabulary_.items())  # same columns, same order
    assert fitted.dtype == reference.dtype
    np.testing.assert_array_equal(fitted.toarray(), reference.toarray())
    for _ in range(2):  # the second time from the word cache
        np.testing.assert_array_equal(ours.transform(NEW).toarray(), expected.transform(NEW).toarray())
    np.testing.assert_array_equal(ours.transform(TRAIN).toarray(), expected.transform(TRAIN).toarray())


def test_the_word_cache_is_not_pickled_and_is_bounded(monkeypatch) -> None:
    model = CharTfidf(analyzer="char_wb", ngram_range=(2, 3)).fit(TRAIN)
    first = model.transform(NEW)
    assert model.__dict__["_word_columns"]
    restored = pickle.loads(pickle.dumps(model))
    assert "_word_columns" not in restored.__dict__
    np.testing.assert_array_equal(restored.transform(NEW).toarray(), first.toarray())

    monkeypatch.setattr(tfidf, "WORD_CACHE_SIZE", 3)
    for text in TRAIN:
        model.transform([text])
    assert len(model.__dict__["_word_columns"]) <= 3 + max(len(t.split()) for t in TRAIN)
    np.testing.assert_array_equal(model.transform(NEW).toarray(), first.toarray())


def test_a_refitted_vectoriser_counts_with_its_new_vocabulary() -> None:
    model = CharTfidf(analyzer="char_wb", ngram_range=(2, 3)).fit(TRAIN)
    model.transform(NEW)  # fills the word cache with columns of the first vocabulary
    model.fit(NEW)
    expected = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 3)).fit(NEW)
    np.testing.assert_array_equal(model.transform(NEW).toarray(), expected.transform(NEW).toarray())


def test_other_analyzers_and_empty_input_behave_as_scikit_learn() -> None:
    words = CharTfidf(analyzer="word").fit(TRAIN)
    np.testing.assert_array_equal(
        words.transform(NEW).toarray(), TfidfVectorizer(analyzer="word").fit(TRAIN).transform(NEW).toarray()
    )
    with pytest.raises(ValueError, match="empty vocabulary"):
        CharTfidf(analyzer="char_wb").fit(["", "  "])
