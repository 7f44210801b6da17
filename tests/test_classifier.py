"""Root-cause classifier: training set checks, abstention threshold, training on tiny labelled data."""

from __future__ import annotations

import contextlib
import random
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.metrics import f1_score

from training.abstention import choose_threshold, matched_floor, nearest_similarity, unseen_class_floor
from training.classifier import RootCauseClassifier
from training.config import TrainConfig
from training.dataset import build_training_set, load_training_set
from training.evaluate import evaluate, expected_calibration_error
from training.tfidf import tfidf_union
from training.train import CandidateChoice, refit_on_all, train_classifier
from voc.errors import InputError
from voc.taxonomy import load_taxonomy

PLANTED_EMAIL = "jane.doe.4471@example.com"
PLANTED_PHONE = "+44 7700 900123"

_PHRASES = {
    "found_cheaper": [
        "I found the same item cheaper on another site",
        "the price dropped right after I bought it",
        "another seller has it for half the price",
        "I saw a better deal elsewhere so please cancel",
        "it is much cheaper at the shop down the road",
    ],
    "damaged_in_transit": [
        "the box arrived crushed and the item is broken",
        "the parcel was damaged in transit, the glass is shattered",
        "courier dropped it, the screen is cracked",
        "package came soaked and dented, the product is smashed",
        "it arrived broken because the packaging was torn open",
    ],
    "wrong_size_fit": [
        "the shoes are too small, I need a bigger size",
        "the jacket does not fit, it is too tight on the shoulders",
        "the dress is way too large, I want to return it for a smaller size",
        "these trousers are too short for me",
        "size chart was wrong, the shirt does not fit",
    ],
    "refund_not_received": [
        "I returned the item weeks ago and still have no refund",
        "where is my money, the refund never arrived",
        "you confirmed the refund but nothing is on my card",
        "still waiting for my refund after two weeks",
        "my refund has not been credited to my account yet",
    ],
}
_OPENERS = ["", "Hello, ", "Hi team, ", "Please help: ", "Honestly ", "Hey, "]
_CLOSERS = ["", " Thanks.", " What can you do?", " Please sort this out.", " This is annoying.", "!"]


def labelled_contacts(per_class: int = 30, seed: int = 0, pii: bool = True) -> pd.DataFrame:
    """Tiny labelled contacts, four root causes; some texts carry a planted email and phone."""
    rng = random.Random(seed)
    rows = []
    for label, phrases in _PHRASES.items():
        for i in range(per_class):
            text = rng.choice(_OPENERS) + rng.choice(phrases) + rng.choice(_CLOSERS)
            if pii and i % 7 == 0:
                text += f" Reach me at {PLANTED_EMAIL} or {PLANTED_PHONE}."
            rows.append({"text": text, "label": label, "channel": rng.choice(["email", "app", "review"])})
    rng.shuffle(rows)
    frame = pd.DataFrame(rows)
    frame.insert(0, "contact_id", [f"c{i:04d}" for i in range(len(frame))])
    return frame


@pytest.fixture
def labelled_csv(tmp_path: Path) -> Path:
    path = tmp_path / "labelled.csv"
    frame = labelled_contacts()
    frame.loc[3, "label"] = ""  # one unlabelled row: skipped and counted
    frame.to_csv(path, index=False)
    return path


def test_training_set_skips_unlabelled_rows_redacts_and_adds_families(labelled_csv: Path) -> None:
    training = load_training_set(labelled_csv, label_column="label", taxonomy=load_taxonomy())

    assert training.unlabelled == 1
    assert len(training.frame) == 119
    assert training.families["damaged_in_transit"] == "delivery"
    assert training.families["refund_not_received"] == "refund"
    joined = " ".join(training.frame["clean_text"])
    assert PLANTED_EMAIL not in joined
    assert "[EMAIL]" in joined
    assert "text" not in training.frame.columns


def test_unknown_taxonomy_label_is_an_input_error_listing_it(tmp_path: Path) -> None:
    frame = labelled_contacts(per_class=6, pii=False)
    frame.loc[:2, "label"] = "alien_abduction"
    path = tmp_path / "bad.csv"
    frame.to_csv(path, index=False)

    with pytest.raises(InputError, match=r"'alien_abduction' \(3 rows\)"):
        load_training_set(path, label_column="label", taxonomy=load_taxonomy())


def test_missing_label_column_names_the_file(labelled_csv: Path) -> None:
    with pytest.raises(InputError, match="no label column 'cause'"):
        load_training_set(labelled_csv, label_column="cause")


def test_threshold_cuts_in_the_middle_of_the_gap_that_meets_the_precision_target() -> None:
    confidence = np.array([0.99, 0.95, 0.9, 0.8, 0.7, 0.6, 0.5])
    correct = np.array([True, True, True, True, False, True, False])

    assert choose_threshold(confidence, correct, 0.80) == pytest.approx(0.55)
    assert choose_threshold(confidence, correct, 1.0) == pytest.approx(0.75)
    assert choose_threshold(confidence, np.ones(7, dtype=bool), 0.9) == pytest.approx(0.25)
    assert choose_threshold(confidence, np.zeros(7, dtype=bool), 0.9) > 1.0


Space = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]


def _base_and_tuned_spaces() -> tuple[Space, Space]:
    """(references, their labels, validation, its labels, contacts of a never-labelled cause) in a
    base space where six known causes overlap, and in a fine-tuned one where they are tight and apart."""
    rng = np.random.default_rng(0)
    centres = rng.normal(size=(7, 32))  # six known causes and one never labelled

    def space(spread: float, n: int, causes: range) -> tuple[np.ndarray, np.ndarray]:
        labels = np.repeat(np.array(causes), n)
        vectors = centres[labels] + spread * rng.normal(size=(len(labels), 32))
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True), labels.astype(str)

    def check(spread: float) -> Space:
        references, reference_labels = space(spread, 40, range(6))
        validation, labels = space(spread, 100, range(6))
        new, _ = space(spread, 50, range(6, 7))
        return references, reference_labels, validation, labels, new

    return check(1.5), check(0.6)


def test_a_fine_tuned_space_flags_new_causes_at_the_share_the_base_space_chose() -> None:
    """Fine-tuning pulls each known cause together, away from the others: scored against the other
    causes, a validation contact no longer looks like a new cause would, and the simulated floor
    falls. The matched floor sets aside in the tuned space the validation share the base floor sets
    aside in the base space, and so flags more contacts of a cause nobody labelled."""
    base, tuned = _base_and_tuned_spaces()
    tuned_similarity = nearest_similarity(tuned[2], tuned[0])
    floor, share, rule = matched_floor(tuned_similarity, base[2], base[0], base[1], base[3], 0.47)
    base_floor = unseen_class_floor(base[2], base[0], base[1], base[3], 0.47)
    assert rule == "matched to the base encoder"
    assert share == pytest.approx((nearest_similarity(base[2], base[0]) < base_floor).mean())
    assert 0.0 < share < 0.5
    assert (tuned_similarity < floor).mean() == pytest.approx(share, abs=1 / len(tuned_similarity))
    simulated = unseen_class_floor(tuned[2], tuned[0], tuned[1], tuned[3], 0.47)
    new_similarity = nearest_similarity(tuned[4], tuned[0])
    assert (new_similarity < floor).mean() > (new_similarity < simulated).mean()


def test_a_share_too_few_validation_contacts_support_is_not_matched() -> None:
    """When only a handful of validation contacts fall below the base floor (templated phrasings,
    near-copies of the training examples), their share is an extreme quantile of the tuned space,
    which flagged half of the reworded contacts of known causes on Bitext: the base floor's value
    is kept instead, and the rule says so."""
    base, tuned = _base_and_tuned_spaces()
    tuned_similarity = nearest_similarity(tuned[2], tuned[0])
    base_floor = unseen_class_floor(base[2], base[0], base[1], base[3], 0.47)
    below = int((nearest_similarity(base[2], base[0]) < base_floor).sum())
    matched = matched_floor(tuned_similarity, base[2], base[0], base[1], base[3], 0.47, below)
    assert matched.rule == "matched to the base encoder"
    kept = matched_floor(tuned_similarity, base[2], base[0], base[1], base[3], 0.47, below + 1)
    assert kept.floor == pytest.approx(base_floor)
    assert kept.share == matched.share and kept.floor != pytest.approx(matched.floor)
    assert kept.rule.startswith("the base encoder's (fewer than")


def test_ece_is_zero_for_perfectly_calibrated_bins() -> None:
    confidence = np.array([0.75] * 4)
    assert expected_calibration_error(confidence, np.array([True, True, True, False])) == pytest.approx(0)
    assert expected_calibration_error(confidence, np.zeros(4, dtype=bool)) == pytest.approx(0.75)


def test_too_few_examples_of_a_label_is_an_input_error() -> None:
    frame = labelled_contacts(per_class=8, pii=False)
    frame = pd.concat([frame, frame.iloc[:2].assign(label="rare_cause", contact_id=["x1", "x2"])])
    training = build_training_set(frame)
    with pytest.raises(InputError, match="'rare_cause' \\(2 rows\\)"):
        train_classifier(training, TrainConfig(features="tfidf", C=(4.0,)))


@pytest.mark.slow
def test_training_learns_tiny_data_and_abstains_on_unclear_texts(embedder) -> None:
    training = build_training_set(labelled_contacts(per_class=30), taxonomy=load_taxonomy())
    result = train_classifier(training, TrainConfig(C=(4.0, 16.0)), embedder=embedder)
    scores = evaluate(result.model, result.test, training.families)

    assert {row["features"] for row in result.selection} == {"embedding", "tfidf", "both"}
    assert scores.metrics["accuracy"] >= 0.9
    assert 0 < result.model.threshold_ <= 1.0
    decided = result.model.decide(
        ["the box arrived crushed and the glass is broken", "what time is it on Mars", "ok"]
    )
    assert list(decided.columns) == [
        "root_cause",
        "confidence",
        "needs_review",
        "review_reason",
        "language",
        "secondary_root_cause",
        "secondary_confidence",
    ]
    assert decided.loc[0, "root_cause"] == "damaged_in_transit"
    assert not decided.loc[0, "needs_review"] and decided.loc[0, "review_reason"] == ""
    assert decided.loc[0, "language"] == "en"
    # A gibberish text is still given a best guess, but flagged for review, with the reason why.
    assert decided.loc[1:, "needs_review"].all()
    assert decided.loc[1, "review_reason"] in ("low_confidence", "out_of_scope")
    assert decided.loc[2, "review_reason"] == "uninformative" and decided.loc[2, "confidence"] == 0.0
    assert decided["root_cause"].notna().all()


def test_refit_on_all_rows_learns_the_test_rows_and_keeps_what_validation_chose(embedder) -> None:
    training = build_training_set(labelled_contacts(per_class=20, pii=False))
    result = train_classifier(training, TrainConfig(features="embedding", C=(1.0,)), embedder=embedder)
    refit = refit_on_all(result, training)

    # Only the refit model has the held-out rows among its examples: each is its own neighbour.
    _, before = result.model.scores(result.test["clean_text"])
    _, after = refit.scores(result.test["clean_text"])
    assert before is not None and after is not None
    assert (after > 0.99).all() and not (before > 0.99).all()
    assert refit.threshold_ == result.model.threshold_
    assert refit.similarity_floor_ == result.model.similarity_floor_
    assert refit.secondary_model_ is result.model.secondary_model_
    assert list(refit.classes_) == list(result.model.classes_)
    assert result.model.references_ is not None  # the evaluated model is left as it was


@pytest.mark.parametrize(
    ("setting", "few_shot_median", "tuned_again"),
    [("auto", 30, True), ("auto", 20, False), ("always", 20, True), ("never", 30, False)],
)
def test_refit_tunes_the_encoder_again_when_causes_have_few_labels(
    embedder, monkeypatch: pytest.MonkeyPatch, setting: str, few_shot_median: int, tuned_again: bool
) -> None:
    import dataclasses

    import training.finetune
    import training.train
    from nlp.embed import Embedder
    from training.finetune import FineTuneConfig

    training_set = build_training_set(labelled_contacts(per_class=20, pii=False))  # median 20 a cause
    result = train_classifier(training_set, TrainConfig(features="embedding", C=(1.0,)), embedder=embedder)
    # As if trained with --fine-tune: the model reads the train split's copy, and a second fine-tune
    # (stood in for: its weights do not matter here) yields a new one.
    result.fine_tune, result.tuned_embedder = FineTuneConfig(show_progress=False), embedder
    again = Embedder(dataclasses.replace(embedder.config))
    tuned_on: list = []

    def fine_tuned_embedder(base, texts, labels, settings, encoder_dir=None):
        tuned_on.append(list(labels))
        figures = {"epochs": 2, "steps": 3, "planned_steps": 3, "seconds": 1.0, "final_loss": 0.5}
        figures["timed_out"] = False
        return again, {f"fine_tune_{key}": value for key, value in figures.items()}

    monkeypatch.setattr(training.train, "fine_tuned_embedder", fine_tuned_embedder)
    monkeypatch.setattr(training.finetune, "FEW_SHOT_MEDIAN", few_shot_median)
    refit = refit_on_all(result, training_set, refit_encoder=setting)  # type: ignore[arg-type]

    assert result.params["fine_tune_refit"] is tuned_again
    # Tuned again on every labelled row, test rows included, and read wherever the old copy was.
    assert tuned_on == ([training_set.frame["label"].tolist()] if tuned_again else [])
    assert (refit.embedder is again) is tuned_again
    assert result.params.get("fine_tune_refit_rows") == (len(training_set.frame) if tuned_again else None)
    # The second-cause model reads the causes' encoder: fitted again in the new space only.
    assert (refit.secondary_model_ is not result.model.secondary_model_) is tuned_again
    assert refit.secondary_model_.embedder is refit.embedder
    assert refit.threshold_ == result.model.threshold_  # chosen on validation, kept
    with pytest.raises(ValueError, match="auto, always or never"):
        refit_on_all(result, training_set, refit_encoder="sometimes")  # type: ignore[arg-type]


@pytest.mark.slow
def test_out_of_scope_check_uses_the_nearest_training_example(embedder) -> None:
    contacts = labelled_contacts(per_class=12, pii=False)
    model = RootCauseClassifier(
        features="embedding", model="logreg", max_references_per_class=5, embedder=embedder
    )
    kept = (
        contacts.groupby("label").cumcount() % 2 == 1
    ).to_numpy()  # 6 of each class; weight 0 for the rest
    model.fit(contacts["text"], contacts["label"], kept.astype(float))

    assert model.references_ is not None and model.references_.shape == (4 * 5, 384)
    assert model.references_.dtype == np.float16
    reference_text = contacts["text"][kept].iloc[0]
    _, similarity = model.scores([reference_text, "what is the capital of France"])
    assert similarity is not None
    # A text seen in training is its own nearest neighbour; a class centroid would be below 1.
    assert similarity[0] > 0.99 and similarity[1] < 0.5
    model.set_threshold(0.0, similarity_floor=0.6)
    decided = model.decide([reference_text, "what is the capital of France"])
    assert decided["needs_review"].tolist() == [False, True]
    assert decided["review_reason"].tolist() == ["", "out_of_scope"]


@pytest.mark.slow
def test_classifier_pickles_without_its_embedder(embedder) -> None:
    import pickle

    texts = [t for phrases in _PHRASES.values() for t in phrases]
    labels = [lab for lab, phrases in _PHRASES.items() for _ in phrases]
    model = RootCauseClassifier(features="both", C=4.0, embedder=embedder).fit(texts, labels)
    restored = pickle.loads(pickle.dumps(model))

    assert restored.embedder is None
    restored.set_params(embedder=embedder)
    assert list(restored.predict(texts[:3])) == list(model.predict(texts[:3]))


class _Recorder:
    """A stand-in encoder that remembers what it was asked to embed (a bag of letters as vector)."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    def encode(self, texts: list[str]) -> np.ndarray:
        self.seen.extend(texts)
        return np.asarray([[t.count(c) + 1.0 for c in "aeiourstlnd"] for t in texts], dtype=np.float32)


class _Consonants(_Recorder):
    """Another stand-in encoder: a bag of consonants, a space of its own."""

    def encode(self, texts: list[str]) -> np.ndarray:
        self.seen.extend(texts)
        return np.asarray([[t.count(c) + 1.0 for c in "bcdfghkmpvwy"] for t in texts], dtype=np.float32)


def test_a_novelty_encoder_checks_out_of_scope_in_its_own_space_and_travels_apart() -> None:
    """voc train --fine-tune may classify with the base MiniLM and check novelty with the fine-tuned
    encoder: the classes are those of the classifier's space, the similarity that of the other."""
    import pickle

    from training.abstention import choose_floor

    texts = [t for phrases in _PHRASES.values() for t in phrases]
    labels = [lab for lab, phrases in _PHRASES.items() for _ in phrases]
    kwargs = {"features": "both", "C": 4.0, "embedder": _Recorder()}
    novelty = _Consonants()
    alone = RootCauseClassifier(**kwargs).fit(texts, labels)
    paired = RootCauseClassifier(**kwargs, novelty_embedder=novelty).fit(texts, labels)
    queries = ["the parcel is broken", "the moon is made of cheese"]

    np.testing.assert_allclose(paired.predict_proba(queries), alone.predict_proba(queries))
    vectors = novelty.encode(queries)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    references = novelty.encode(texts)
    references /= np.linalg.norm(references, axis=1, keepdims=True)
    expected = (vectors @ references.T).max(axis=1)
    similarity = paired.scores(queries)[1]
    np.testing.assert_allclose(similarity, expected, atol=2e-3)  # references kept as float16
    assert not np.allclose(similarity, alone.scores(queries)[1], atol=1e-2)
    # The floor is simulated in the novelty space too.
    floor = choose_floor(paired, texts, labels, 0.5)
    assert floor == pytest.approx(
        unseen_class_floor(
            paired.novelty_vectors(texts), paired.references_, paired.reference_labels_, labels, 0.5
        )
    )

    restored = pickle.loads(pickle.dumps(paired))
    assert restored.novelty_embedder is None and restored.separate_novelty_
    with pytest.raises(RuntimeError, match="novelty_embedder"):  # never silently the wrong space
        restored.set_params(embedder=_Recorder()).scores(queries)
    restored.set_params(novelty_embedder=_Consonants())
    np.testing.assert_allclose(restored.scores(queries)[1], similarity)


def test_the_encoder_reads_the_customers_words_not_the_channels_boilerplate() -> None:
    recorder = _Recorder()
    texts = ["hi yeah im calling about my order the lid is cracked no thats all bye", "hi thanks bye"]
    RootCauseClassifier(features="embedding", embedder=recorder, calibrate=False).fit(texts, ["a", "b"])
    # What discovery embeds (so training finds its vectors in the cache); a contact that is only
    # boilerplate is embedded as it is rather than as nothing.
    assert recorder.seen == ["the lid is cracked", "hi thanks bye"]


def test_a_model_pickled_before_content_embedding_still_embeds_the_prepared_text() -> None:
    import pickle

    recorder = _Recorder()
    texts = ["hello, my refund never arrived", "hello, the box came crushed"]
    model = RootCauseClassifier(features="embedding", embedder=recorder).fit(texts * 3, ["a", "b"] * 3)
    state = model.__getstate__()
    del state["embed_content"]  # as an older version pickled it
    old = RootCauseClassifier.__new__(RootCauseClassifier)
    old.__setstate__(pickle.loads(pickle.dumps(state)))
    old.set_params(embedder=recorder)
    recorder.seen.clear()
    old.predict(texts)
    assert old.embed_content is False and recorder.seen == texts


def test_a_training_run_computes_each_text_sets_tfidf_once_and_chooses_as_without(monkeypatch) -> None:
    from sklearn.pipeline import FeatureUnion

    from training import tfidf

    training = build_training_set(labelled_contacts(per_class=12, pii=False))
    config = TrainConfig(features="tfidf", model="svm", C=(0.3, 1.0, 3.0))
    calls: list[int] = []
    transform = FeatureUnion.transform
    monkeypatch.setattr(FeatureUnion, "transform", lambda self, X: calls.append(len(X)) or transform(self, X))
    result = train_classifier(training, config)
    with_memo = len(calls)

    calls.clear()
    # The same fits without the memo: every candidate transforms validation (and more) again.
    monkeypatch.setattr(tfidf, "memo", contextlib.nullcontext)
    again = train_classifier(training, config)
    assert with_memo < len(calls)
    assert result.selection == again.selection and result.params["threshold"] == again.params["threshold"]
    texts = result.test["clean_text"].tolist()
    assert np.allclose(result.model.predict_proba(texts), again.model.predict_proba(texts))


def test_classifier_is_a_scikit_learn_estimator() -> None:
    texts = [t for phrases in _PHRASES.values() for t in phrases]
    labels = [lab for lab, phrases in _PHRASES.items() for _ in phrases]
    model = RootCauseClassifier(features="tfidf", model="logreg", C=4.0, threshold=0.3)
    before = model.get_params()
    assert clone(model).get_params() == before

    model.fit(texts, labels).set_threshold(0.7, similarity_floor=0.2)
    assert model.get_params() == before  # learned settings live in *_ attributes only
    assert (model.threshold_, model.similarity_floor_) == (0.7, 0.2)
    fresh = clone(model)
    assert fresh.get_params() == before and not hasattr(fresh, "threshold_")
    assert fresh.fit(texts, labels).threshold_ == 0.3


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ({"features": "bert"}, "features must be 'both', 'embedding' or 'tfidf', got 'bert'"),
        ({"C": 0.0}, "C must be a number > 0, got 0.0"),
        ({"embedder": 42}, "embedder must be None or an object with encode, got 42"),
        ({"novelty_embedder": 3.5}, "novelty_embedder must be None or an object with encode, got 3.5"),
    ],
)
def test_classifier_rejects_bad_parameters_when_fitting(bad: dict, message: str) -> None:
    model = RootCauseClassifier(**bad)  # __init__ only stores its arguments
    with pytest.raises(ValueError, match=f"^RootCauseClassifier: {message}"):
        model.fit(["a", "b"], ["x", "y"])


@pytest.mark.parametrize(
    "bad",
    [
        {"precision_target": 1.5},
        {"features": "bert"},
        {"C": ()},
        {"novelty_quantile": 1.0},
        {"search_rows_per_label": -1},
        {"classes_encoder": "bert"},
        {"classes_encoder": "base"},  # nothing fine-tuned to choose against
    ],
)
def test_train_config_rejects_bad_settings(bad: dict) -> None:
    with pytest.raises(ValueError):
        TrainConfig(**bad)


def test_the_search_compares_candidates_on_a_sample_and_fits_the_winner_on_every_row() -> None:
    # An unbalanced set: 40 rows of one label, 12 of the others.
    contacts = labelled_contacts(per_class=40, pii=False)
    contacts = contacts[(contacts["label"] == "found_cheaper") | (contacts.groupby("label").cumcount() < 12)]
    training = build_training_set(contacts)
    config = TrainConfig(features="tfidf", model="svm", C=(1.0,), search_rows_per_label=5)
    result = train_classifier(training, config)

    # 5 of each of the 4 labels were searched; the winner learned the words of every row.
    assert result.params["n_search"] == 20 and result.params["n_train"] > 20
    seen = pd.concat([result.train, result.validation])["clean_text"]
    assert result.model.vectorizer_ is not None
    vocabulary = result.model.vectorizer_.transformer_list[0][1].vocabulary_
    assert len(vocabulary) == len(tfidf_union().fit(seen).transformer_list[0][1].vocabulary_)
    assert result.model.predict(["another seller has it for half the price"]) == ["found_cheaper"]


def test_with_few_validation_contacts_per_cause_a_candidate_must_clearly_beat_the_first() -> None:
    truth = np.repeat(np.arange(8), 2)  # 16 validation contacts, 2 per cause
    first = truth.copy()
    first[:6] = (truth[:6] + 1) % 8  # 10 of 16 right
    slightly = first.copy()
    slightly[0] = truth[0]  # one more contact right: a higher macro-F1, p = 0.5
    clearly = truth.copy()  # the 6 the first gets wrong, right: p = 1/64

    few = CandidateChoice(truth)
    assert few.paired
    assert few.offer(first, "first") == {
        "validation_macro_f1": pytest.approx(f1_score(truth, first, average="macro")),
        "wins_vs_first": 0,
        "losses_vs_first": 0,
        "p_vs_first": 1.0,
    }
    figures = few.offer(slightly, "slightly better")
    assert figures["validation_macro_f1"] > f1_score(truth, first, average="macro")
    assert (figures["wins_vs_first"], figures["losses_vs_first"], figures["p_vs_first"]) == (1, 0, 0.5)
    assert few.chosen == "first"
    assert few.offer(clearly, "clearly better")["p_vs_first"] == pytest.approx(1 / 64)
    assert few.chosen == "clearly better"

    # With 12 validation contacts per cause, macro-F1 alone decides (and the rows say no more).
    many = CandidateChoice(np.tile(truth, 6))
    assert not many.paired
    first = np.tile(first, 6)
    slightly = first.copy()
    slightly[0] = truth[0]
    assert set(many.offer(first, "first")) == {"validation_macro_f1"}
    many.offer(slightly, "slightly better")
    assert many.chosen == "slightly better"


def test_few_labelled_rows_choose_logistic_regression() -> None:
    training = build_training_set(labelled_contacts(per_class=12, pii=False))
    result = train_classifier(training, TrainConfig(features="tfidf", C=(1.0,)))
    assert result.params["model"] == "logreg"
    assert result.model.decide(["the price dropped right after I bought it"]).shape == (1, 7)


def test_a_file_without_ids_gets_row_numbers(tmp_path: Path) -> None:
    path = tmp_path / "intents.csv"
    labelled_contacts(per_class=6, pii=False).drop(columns=["contact_id"]).to_csv(path, index=False)

    training = load_training_set(path, label_column="label")
    assert training.frame["contact_id"].iloc[0] == "row-1"
    assert len(training.frame) == 24


def test_sample_weights_outvote_many_low_weight_rows(tmp_path: Path) -> None:
    # Every 'found_cheaper' text is also present three times as 'damaged_in_transit', as unsure theme
    # members (weight 0.05) would be: counted, the wrong label wins; weighted, the right one does.
    clean = labelled_contacts(per_class=15, pii=False)
    clean["weight"] = 1.0
    cheaper = clean[clean["label"] == "found_cheaper"]
    noisy = pd.concat([cheaper.assign(label="damaged_in_transit", weight=0.05)] * 3)
    frame = pd.concat([clean, noisy], ignore_index=True)
    frame["contact_id"] = [f"c{i}" for i in range(len(frame))]
    path = tmp_path / "labelled.csv"
    frame.to_csv(path, index=False)
    probe = ["another seller has it for half the price"]

    def fit(weight_column: str | None) -> str:
        training = load_training_set(path, label_column="label", weight_column=weight_column)
        tr = training.frame
        model = RootCauseClassifier(features="tfidf", model="logreg", C=10.0)
        model.fit(tr["clean_text"], tr["label"], tr["weight"])
        return str(model.predict(probe)[0])

    assert fit("weight") == "found_cheaper"
    assert fit(None) == "damaged_in_transit"


@pytest.mark.parametrize("bad", ["-1", "0", "heavy"])
def test_bad_sample_weights_are_an_input_error(tmp_path: Path, bad: str) -> None:
    frame = labelled_contacts(per_class=6, pii=False)
    frame["weight"] = "1"
    frame.loc[4, "weight"] = bad
    path = tmp_path / "weighted.csv"
    frame.to_csv(path, index=False)

    with pytest.raises(InputError, match="'weight' must hold sample weights"):
        load_training_set(path, label_column="label")


def test_the_encoders_languages_are_configuration() -> None:
    from nlp.embed import EmbedConfig

    contacts = labelled_contacts(per_class=6, pii=False)
    german = "Ich habe die Ware vor drei Wochen zurückgeschickt und noch immer kein Geld erhalten."
    reasons = {}
    for languages in (("en",), ("en", "de")):
        model = RootCauseClassifier(features="tfidf", model="logreg", languages=languages)
        model.fit(contacts["text"], contacts["label"])
        reasons[languages] = model.decide([german]).loc[0, ["review_reason", "language"]].tolist()
    assert reasons[("en",)] == ["language", "de"]
    assert reasons[("en", "de")][1] == "de" and reasons[("en", "de")][0] != "language"
    assert EmbedConfig(languages=("en", "de")).languages == ("en", "de")
    with pytest.raises(ValueError, match="languages must be a non-empty subset"):
        EmbedConfig(languages=("tlh",))
