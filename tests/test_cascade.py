"""The tagging cascade and the static encoder: who decides which contact, what the cut-off keeps, and
that a trained model carries its static table (no distilling to serve).

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
from training.cascade import Cascade, FastModel, choose_cutoff


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


def test_cutoff_is_the_lowest_confidence_that_keeps_precision_and_macro_f1() -> None:
    truth = np.array(["a", "a", "b", "b", "a", "b"], dtype=object)
    full = truth.copy()  # the full model is always right
    # the fast model is right on its three surest contacts, wrong on the rest
    fast = np.array(["a", "a", "b", "a", "b", "a"], dtype=object)
    confidence = np.array([0.99, 0.95, 0.9, 0.6, 0.5, 0.4])
    threshold, seen = choose_cutoff(confidence, fast, np.ones(6, bool), full, truth, 0.9, 0.0)
    assert threshold == pytest.approx(0.9)
    assert seen["coverage"] == pytest.approx(0.5) and seen["precision"] == 1.0
    assert seen["macro_f1"] == seen["full_macro_f1"] == 1.0


def test_no_cutoff_when_the_fast_model_is_never_good_enough() -> None:
    truth = np.array(["a", "b", "a", "b"], dtype=object)
    fast = np.array(["b", "a", "b", "a"], dtype=object)
    threshold, seen = choose_cutoff(np.full(4, 0.99), fast, np.ones(4, bool), truth, truth, 0.9, 0.005)
    assert threshold == float("inf") and seen["coverage"] == 0.0


class _Full:
    """A full model that answers 'full_model_cause' and remembers which texts it was asked about."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    def decide(self, texts: list[str]) -> pd.DataFrame:
        self.seen += texts
        return pd.DataFrame(
            {"root_cause": ["full_model_cause"] * len(texts), "confidence": 0.5, "needs_review": True}
        )


def fast_model(static_encoder: StaticEncoder) -> FastModel:
    texts = ["my parcel is late again", "the parcel never came, still late", "where is my late parcel"] * 4
    texts += ["the screen arrived broken", "broken glass in the box", "it came damaged and broken"] * 4
    labels = ["late_delivery"] * 12 + ["damaged_in_transit"] * 12
    return FastModel(encoder=static_encoder).fit(texts, labels)


def test_the_fast_model_decides_what_it_is_sure_of_and_the_full_model_the_rest(static_encoder) -> None:
    fast = fast_model(static_encoder)
    proba, _ = fast.scores(["my parcel is late", "what time is it on Mars"])
    threshold = float(proba[0].max())  # the first is sure enough, the second is not
    assert proba[1].max() < threshold
    full = _Full()
    out = Cascade(fast, threshold, -1.0, {}).decide(["my parcel is late", "what time is it on Mars"], full)

    assert out["root_cause"].tolist() == ["late_delivery", "full_model_cause"]
    assert out["decided_by"].tolist() == ["fast", "full"]
    assert out["needs_review"].tolist() == [False, True]
    assert full.seen == ["what time is it on Mars"]  # MiniLM runs only on what the fast model left


def test_text_far_from_every_training_example_goes_to_the_full_model(static_encoder) -> None:
    fast = fast_model(static_encoder)
    full = _Full()
    out = Cascade(fast, 0.0, 1.01, {}).decide(["my parcel is late"], full)  # floor above any cosine
    assert out["decided_by"].tolist() == ["full"] and full.seen == ["my parcel is late"]


@pytest.mark.slow
def test_a_model_trained_with_the_cascade_serves_it_from_its_pickle(embedder, static_encoder) -> None:
    from tests.test_classifier import labelled_contacts
    from training.classifier import TrainConfig, train_classifier
    from training.dataset import build_training_set
    from training.pyfunc import RootCauseModel
    from voc.taxonomy import load_taxonomy

    training = build_training_set(labelled_contacts(per_class=30), taxonomy=load_taxonomy())
    config = TrainConfig(features="embedding", C=(4.0,), cascade=True)
    result = train_classifier(training, config, embedder=embedder, static_encoder=static_encoder)

    cascade = result.model.cascade_
    assert cascade is not None and result.params["cascade"] is True
    assert 0.0 <= result.params["cascade_validation_coverage"] <= 1.0
    assert (
        result.params["cascade_validation_macro_f1"]
        >= result.params["cascade_validation_full_macro_f1"] - 0.005
    )

    served = pickle.loads(pickle.dumps(RootCauseModel(result.model, training.families)))
    served.classifier.set_params(embedder=embedder)
    texts = ["the box arrived crushed and the glass is broken", "what time is it on Mars"]
    predicted = served.predict(None, pd.DataFrame({"text": texts}))
    assert predicted["root_cause"].tolist() == cascade.decide(texts, result.model)["root_cause"].tolist()
    assert predicted.loc[0, "root_cause"] == "damaged_in_transit"


def test_without_the_cascade_flag_or_with_tfidf_features_no_cascade_is_fitted() -> None:
    from tests.test_classifier import labelled_contacts
    from training.classifier import TrainConfig, train_classifier
    from training.dataset import build_training_set

    training = build_training_set(labelled_contacts(per_class=8, pii=False))
    result = train_classifier(training, TrainConfig(features="tfidf", C=(1.0,), cascade=True))
    assert result.model.cascade_ is None and result.params["cascade"] is False
