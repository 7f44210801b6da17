"""The tagging cascade and the static encoder: who decides which contact, what the cut-off keeps, and
that a trained model carries its static vectors (no distilling to serve).

The static model here is a tiny random table over MiniLM's own tokenizer (distilling the real one takes
minutes): the cascade's logic does not depend on the vectors being good; TF-IDF carries the fast model.
"""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from nlp.static_encoder import StaticConfig, StaticEncoder
from training.cascade import FAST_C, Cascade, FastModel, choose_band


def tiny_static_model(dim: int = 16):
    from model2vec import StaticModel
    from tokenizers import Tokenizer

    from nlp.embed import default_model_path

    tokenizer = Tokenizer.from_file(str(default_model_path() / "tokenizer.json"))
    vectors = np.random.default_rng(0).normal(size=(tokenizer.get_vocab_size(), dim)).astype(np.float32)
    return StaticModel(vectors=vectors, tokenizer=tokenizer, normalize=True)


@pytest.fixture
def static_encoder(tmp_path: Path) -> StaticEncoder:
    """A StaticEncoder whose cache already holds a (tiny) table, as after a first distillation."""
    encoder = StaticEncoder(config=StaticConfig(pca_dims=16, cache_dir=tmp_path / "static"))
    tiny_static_model().save_pretrained(str(tmp_path / "static" / encoder.model_id))
    return encoder


def test_static_encoder_loads_its_table_from_the_cache_and_pickles_with_it(
    static_encoder: StaticEncoder, tmp_path: Path
) -> None:
    vectors = static_encoder.encode(["my parcel is late", "refund not received", ""])
    assert vectors.shape == (3, 16) and vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors[:2], axis=1), 1.0, rtol=1e-5)

    restored = pickle.loads(pickle.dumps(static_encoder))
    for item in (tmp_path / "static").iterdir():  # serving must not need the cache (or a distillation)
        for file in item.iterdir():
            file.unlink()
        item.rmdir()
    np.testing.assert_allclose(restored.encode(["my parcel is late"]), vectors[:1], rtol=1e-6)


def test_the_model_id_names_teacher_version_and_dimensions() -> None:
    small = StaticEncoder(config=StaticConfig(pca_dims=64)).model_id
    assert small != StaticEncoder(config=StaticConfig(pca_dims=128)).model_id
    assert small.endswith("-pca64") and "-m2v" in small


def test_the_band_left_to_minilm_is_the_narrowest_that_keeps_macro_f1_and_precision() -> None:
    truth = np.array(["a", "a", "b", "b", "a", "b", "a", "b"], dtype=object)
    full = truth.copy()  # the full model is always right, and trusts everything
    # the fast model is right when it is sure (>= 0.8) and when it is very unsure (< 0.3)
    fast = np.array(["a", "a", "b", "a", "b", "a", "a", "b"], dtype=object)
    confidence = np.array([0.99, 0.95, 0.8, 0.6, 0.5, 0.4, 0.2, 0.1])
    everything = np.ones(8, dtype=bool)
    lower, upper, seen = choose_band(confidence, fast, everything, full, everything, truth, 0.9, 0.0)
    # the three middle contacts, where the fast model is wrong, go to the full model; no others
    assert (lower, upper) == (0.4, 0.8)
    assert seen == {"deferred": 3 / 8, "macro_f1": 1.0, "full_macro_f1": 1.0, "precision": 1.0}


def test_a_fast_model_as_good_as_the_full_one_leaves_minilm_nothing() -> None:
    truth = np.array(["a", "b", "a", "b"], dtype=object)
    everything = np.ones(4, dtype=bool)
    conf = np.array([0.9, 0.8, 0.7, 0.6])
    lower, upper, seen = choose_band(conf, truth, everything, truth, everything, truth, 0.9, 0.005)
    assert lower == upper and seen["deferred"] == 0.0


def test_a_fast_model_that_is_always_wrong_leaves_everything_to_the_full_model() -> None:
    truth = np.array(["a", "b", "a", "b"], dtype=object)
    fast = np.array(["b", "a", "b", "a"], dtype=object)
    everything = np.ones(4, dtype=bool)
    lower, upper, seen = choose_band(np.full(4, 0.99), fast, everything, truth, everything, truth, 0.9, 0.005)
    assert lower == 0.0 and upper == float("inf") and seen["deferred"] == 1.0


class _Full:
    """A full model that answers 'full_model_cause', unsure, and remembers which texts it was asked
    about; its screening finds the texts of ``unread`` unreadable for the reason given there."""

    def __init__(self, unread: dict[str, str] | None = None) -> None:
        self.seen: list[str] = []
        self.unread = unread or {}

    def screen(self, texts: list[str]) -> pd.DataFrame:
        reasons = [self.unread.get(t, "") for t in texts]
        languages = {"": "en", "language": "de", "uninformative": ""}
        return pd.DataFrame({"language": [languages[r] for r in reasons], "review_reason": reasons})

    def decide(
        self, texts: list[str], screened: pd.DataFrame | None = None, secondary: bool = True
    ) -> pd.DataFrame:
        self.seen += texts
        n = len(texts)
        return pd.DataFrame(
            {
                "root_cause": ["full_model_cause"] * n,
                "confidence": [0.5] * n,
                "needs_review": [True] * n,
                "review_reason": ["low_confidence"] * n,
                "language": ["en"] * n,
            }
        )


def fast_model(static_encoder: StaticEncoder) -> FastModel:
    texts = ["my parcel is late again", "the parcel never came, still late", "where is my late parcel"] * 4
    texts += ["the screen arrived broken", "broken glass in the box", "it came damaged and broken"] * 4
    labels = ["late_delivery"] * 12 + ["damaged_in_transit"] * 12
    return FastModel(encoder=static_encoder).fit(texts, labels)


def test_the_fast_models_probabilities_are_scikit_learns_on_the_stacked_features(static_encoder) -> None:
    texts = ["my parcel is late", "the glass arrived broken", "what time is it on Mars", "late and broken"]
    two = fast_model(static_encoder)
    three = FastModel(encoder=static_encoder).fit(
        ["late parcel again", "broken glass inside", "refund never came"] * 4,
        ["late_delivery", "damaged_in_transit", "refund_not_received"] * 4,
    )
    for model in (two, three):  # a sigmoid for two classes, a softmax for more
        blocks = model._blocks(texts)
        expected = model.estimator_.predict_proba(model._stack(blocks, model._static(texts, blocks[0])))
        np.testing.assert_allclose(
            model.predict_proba(texts), expected, rtol=1e-5, atol=1e-6
        )  # float32 rounding
        np.testing.assert_allclose(model.scores(texts)[0], expected, rtol=1e-5, atol=1e-6)  # float32 rounding


def test_the_fast_models_static_vector_is_the_weighted_mean_of_its_known_words(static_encoder) -> None:
    fast = fast_model(static_encoder)
    words = fast.vectorizer_.transformer_list[0][1]
    weights = words.transform(["parcel late parcel zyzzyva"])  # zyzzyva: never seen in training
    expected = sum(
        weights[0, words.vocabulary_[w]] * static_encoder.model.encode([w])[0] for w in ("parcel", "late")
    )
    static = fast._static(["parcel late parcel zyzzyva"], weights)[0]
    np.testing.assert_allclose(static, expected / np.linalg.norm(expected), rtol=1e-5, atol=1e-6)
    # a contact of words never seen in training is far from every reference: out of scope
    _, similarity = fast.scores(["zyzzyva quixotic", "my parcel is late"])
    assert similarity[0] == 0.0 and similarity[1] > 0.5


def test_a_fast_model_pickles_without_the_static_table_and_old_pickles_still_encode(
    static_encoder, tmp_path: Path
) -> None:
    fast = fast_model(static_encoder)
    texts = ["my parcel is late", "the glass arrived broken", "what time is it on Mars"]
    restored = pickle.loads(pickle.dumps(fast))
    assert restored.encoder is None  # the word vectors serve it; the model2vec table stays behind
    for got, want in zip(restored.scores(texts), fast.scores(texts), strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-6)
    # a fast model pickled before the word vectors encodes whole texts with its static table
    del fast.word_vectors_, fast.word_columns_
    blocks = fast._blocks(texts)
    np.testing.assert_allclose(fast._static(texts, blocks[0]), static_encoder.encode(texts), rtol=1e-5)


def test_the_fast_models_regularisation_is_the_one_best_on_validation(static_encoder, monkeypatch) -> None:
    from training import cascade

    late = ["my parcel is late", "the parcel never came, still late", "where is my late parcel"]
    broken = ["the screen arrived broken", "broken glass in the box", "it came damaged and broken"]
    train = pd.DataFrame({"clean_text": late * 9 + broken * 3})
    train["label"] = ["late_delivery"] * 27 + ["damaged_in_transit"] * 9
    validation = ["the glass is broken", "late parcel again", "box arrived broken"]
    truth = np.array(["damaged_in_transit", "late_delivery", "damaged_in_transit"], dtype=object)
    # so weak a penalty lets the minority cause win; so strong a one leaves only the majority
    for candidates in ((1e-4, 10.0), (10.0, 1e-4)):
        monkeypatch.setattr(cascade, "FAST_C", candidates)
        fast, proba, _ = cascade._fit_fast(train, validation, truth, static_encoder)
        assert fast.C == 10.0
        assert fast.classes_[proba.argmax(axis=1)].tolist() == truth.tolist()


def test_on_a_small_validation_set_the_regularisation_is_cross_validated(static_encoder, monkeypatch) -> None:
    from training import cascade

    late = ["my parcel is late", "the parcel never came, still late", "where is my late parcel"]
    broken = ["the screen arrived broken", "broken glass in the box", "it came damaged and broken"]
    train_val = pd.DataFrame({"clean_text": late * 9 + broken * 6})
    train_val["label"] = ["late_delivery"] * 27 + ["damaged_in_transit"] * 18
    train = train_val.iloc[::2].reset_index(drop=True)
    # three validation contacts that happen to favour the penalty that sees only the majority cause
    validation = ["the glass is broken", "late parcel again", "box arrived broken"]
    misleading = np.array(["late_delivery"] * 3, dtype=object)
    monkeypatch.setattr(cascade, "FAST_C", (1e-4, 10.0))
    alone, _, _ = cascade._fit_fast(train, validation, misleading, static_encoder)
    assert alone.C == 1e-4  # validation alone is fooled
    crossed, proba, _ = cascade._fit_fast(train, validation, misleading, static_encoder, train_val)
    assert crossed.C == 10.0  # the out-of-fold guesses over train + validation are not
    assert crossed.classes_[proba.argmax(axis=1)].tolist() == [
        "damaged_in_transit",
        "late_delivery",
        "damaged_in_transit",
    ]
    monkeypatch.setattr(cascade, "CV_BELOW", 3)  # a validation set large enough is trusted alone
    trusted, _, _ = cascade._fit_fast(train, validation, misleading, static_encoder, train_val)
    assert trusted.C == 1e-4


def test_the_full_model_decides_only_the_contacts_in_the_band(static_encoder) -> None:
    fast = fast_model(static_encoder)
    texts = ["my parcel is late", "what time is it on Mars"]
    proba, _ = fast.scores(texts)
    sure, unsure = float(proba[0].max()), float(proba[1].max())
    assert unsure < sure
    full = _Full()
    # band [unsure, sure): the second goes to the full model; the fast model trusts above 0
    out = Cascade(fast, unsure, sure, 0.0, -1.0).decide(texts, full)

    assert out["root_cause"].tolist() == ["late_delivery", "full_model_cause"]
    assert out["decided_by"].tolist() == ["fast", "full"]
    assert out["needs_review"].tolist() == [False, True]
    assert out["review_reason"].tolist() == ["", "low_confidence"]  # the reason of whichever model decided
    assert out["language"].tolist() == ["en", "en"]
    assert full.seen == ["what time is it on Mars"]  # MiniLM runs only on what is in the band


def test_the_fast_model_flags_its_unsure_and_out_of_scope_contacts(static_encoder) -> None:
    fast = fast_model(static_encoder)
    full = _Full()
    texts = ["my parcel is late", "what time is it on Mars"]
    unsure = Cascade(fast, 0.0, 0.0, 1.01, -1.0).decide(texts, full)  # empty band, nothing trusted
    far = Cascade(fast, 0.0, 0.0, 0.0, 1.01).decide(texts, full)  # floor above any cosine
    assert unsure["needs_review"].all() and far["needs_review"].all()
    assert set(unsure["review_reason"]) == {"low_confidence"} and set(far["review_reason"]) == {
        "out_of_scope"
    }
    assert (unsure["decided_by"] == "fast").all() and full.seen == []


def test_contacts_no_model_can_read_are_screened_before_either_model_decides(static_encoder) -> None:
    fast = fast_model(static_encoder)
    texts = ["my parcel is late", "mein Paket ist immer noch nicht da", "Very good"]
    unread = {texts[1]: "language", texts[2]: "uninformative"}

    full = _Full(unread)
    everything = Cascade(fast, 0.0, float("inf"), 0.0, -1.0).decide(texts, full)  # band: all to MiniLM
    assert full.seen == ["my parcel is late"]  # the unreadable never reach MiniLM
    assert everything["decided_by"].tolist() == ["full", "fast", "fast"]
    assert everything["review_reason"].tolist() == ["low_confidence", "language", "uninformative"]
    assert everything["language"].tolist() == ["en", "de", ""]

    nothing = Cascade(fast, 0.0, 0.0, 0.0, -1.0).decide(texts, _Full(unread))  # the fast model decides all
    assert nothing["review_reason"].tolist() == ["", "language", "uninformative"]
    assert nothing["needs_review"].tolist() == [False, True, True]
    assert nothing.loc[0, "root_cause"] == "late_delivery" and nothing.loc[0, "confidence"] > 0.5
    assert nothing["confidence"].tolist()[1:] == [0.0, 0.0]  # a guess from unread words is no evidence


class _Sentences:
    """The full model's segment model: answers 'full_model_cause' and counts the sentences (MiniLM)."""

    features = "tfidf"
    classes_ = np.asarray(["full_model_cause"], dtype=object)

    def __init__(self) -> None:
        self.seen: list[str] = []

    def predict_proba(self, texts: list[str]) -> np.ndarray:
        self.seen += texts
        return np.ones((len(texts), 1))


def test_the_second_cause_comes_from_the_fast_segment_model_not_minilm(static_encoder) -> None:
    fast = fast_model(static_encoder)
    segment = fast_model(static_encoder)  # as fitted on sentences; the same two causes
    text = (
        "My parcel is late again, the parcel never came, where is my late parcel. "
        "Also the screen arrived broken."
    )
    full = _Full()
    full.secondary_model_, full.secondary_threshold_ = _Sentences(), 0.0

    out = Cascade(fast, 0.0, 0.0, 0.0, -1.0, segments=(segment, 0.0)).decide([text], full)

    assert out.loc[0, "root_cause"] == "late_delivery"
    assert out.loc[0, "secondary_root_cause"] == "damaged_in_transit"
    assert full.secondary_model_.seen == []  # no sentence went to the full model's encoder
    assert (
        Cascade(fast, 0.0, 0.0, 0.0, -1.0, segments=(segment, 1.01))
        .decide([text], full)["secondary_root_cause"]
        .isna()
        .all()
    )  # below its threshold: none
    # A cascade pickled before it had a segment model of its own falls back on the full model's.
    older = Cascade(fast, 0.0, 0.0, 0.0, -1.0)
    del older.segments_
    assert older.decide([text], full).loc[0, "secondary_root_cause"] == "full_model_cause"
    assert full.secondary_model_.seen == ["the screen arrived broken."]


def test_the_fast_models_floor_keeps_rewordings_of_known_causes(static_encoder) -> None:
    fast = fast_model(static_encoder)
    validation = ["my parcel is so late", "the parcel is late, where is it", "glass broken in the box"]
    labels = ["late_delivery", "late_delivery", "damaged_in_transit"]
    # scored against the other cause's examples only, as if its own cause were unknown
    floor = fast.novelty_floor(validation, labels, 0.45)
    _, similarity = fast.scores(["where is my parcel, it is late", "the box came broken"])
    assert (similarity >= floor).all()
    assert fast.novelty_floor(validation, labels, 0.0) == -1.0


@pytest.mark.slow
def test_a_model_trained_with_the_cascade_serves_it_from_its_pickle(embedder, static_encoder) -> None:
    from tests.test_classifier import labelled_contacts
    from training.config import TrainConfig
    from training.dataset import build_training_set
    from training.pyfunc import RootCauseModel
    from training.train import train_classifier
    from voc.taxonomy import load_taxonomy

    training = build_training_set(labelled_contacts(per_class=30), taxonomy=load_taxonomy())
    config = TrainConfig(features="embedding", C=(4.0,), cascade=True)
    result = train_classifier(training, config, embedder=embedder, static_encoder=static_encoder)

    cascade = result.model.cascade_
    assert cascade is not None and result.params["cascade"] is True
    assert isinstance(cascade.segments_[0], FastModel) and 0.0 <= cascade.segments_[1] <= 1.0 + 1e-9
    assert result.params["cascade_secondary_threshold"] == cascade.segments_[1]
    assert result.params["cascade_fast_C"] == cascade.fast.C and cascade.fast.C in FAST_C
    assert 0.0 <= result.params["cascade_validation_deferred"] <= 1.0
    assert (
        result.params["cascade_validation_macro_f1"]
        >= result.params["cascade_validation_full_macro_f1"] - 0.005
    )

    served = pickle.loads(pickle.dumps(RootCauseModel(result.model, training.families)))
    served.classifier.set_params(embedder=embedder)
    texts = [
        "the box arrived crushed and the glass is broken",
        "what time is it on Mars",
        "Das Paket kam beschädigt an und das Glas ist zerbrochen",
        "Very good, thanks",
    ]
    predicted = served.predict(None, pd.DataFrame({"text": texts}))
    assert predicted["root_cause"].tolist() == cascade.decide(texts, result.model)["root_cause"].tolist()
    assert predicted.loc[0, "root_cause"] == "damaged_in_transit"
    assert predicted["review_reason"].tolist()[2:] == ["language", "uninformative"]
    assert predicted["language"].tolist()[:3] == ["en", "en", "de"]
    assert set(predicted["review_reason"]) <= {
        "",
        "low_confidence",
        "out_of_scope",
        "language",
        "uninformative",
    }


def test_without_the_cascade_flag_or_with_tfidf_features_no_cascade_is_fitted() -> None:
    from tests.test_classifier import labelled_contacts
    from training.config import TrainConfig
    from training.dataset import build_training_set
    from training.train import train_classifier

    training = build_training_set(labelled_contacts(per_class=8, pii=False))
    result = train_classifier(training, TrainConfig(features="tfidf", C=(1.0,), cascade=True))
    assert result.model.cascade_ is None and result.params["cascade"] is False
