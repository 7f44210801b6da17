"""Self-training: unlabelled contacts join as pseudo-labels unless validation finds them clearly harmful."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from test_classifier import PLANTED_EMAIL, labelled_contacts

from training.config import TrainConfig
from training.dataset import build_training_set, load_training_set
from training.selftrain import _pseudo_rows, pseudo_label, self_train, sign_test
from training.train import refit_on_all, train_classifier


class _Keyword:
    """A stand-in classifier: guesses the label whose name is in the text (confidence = its share
    of the text's words); its validation score is set by the test through ``quality``."""

    def __init__(self, rows: pd.DataFrame, quality: dict[int, float]) -> None:
        self.rows = rows
        self.classes_ = np.array(sorted(set(rows["label"])), dtype=object)
        self.quality = quality

    def predict_proba(self, texts: list[str]) -> np.ndarray:
        proba = np.full((len(texts), len(self.classes_)), 0.01)
        for i, text in enumerate(texts):
            words = text.split()
            for k, label in enumerate(self.classes_):
                proba[i, k] += words.count(label) / len(words)
        return proba / proba.sum(axis=1, keepdims=True)

    def predict(self, texts: list[str]) -> np.ndarray:
        # Right on validation as often as the test says a fit on this many rows should be.
        right = self.quality[len(self.rows)]
        truth = [t.split()[0] for t in texts]
        cut = round(right * len(texts))
        return np.array(truth[:cut] + ["wrong"] * (len(texts) - cut), dtype=object)


def _frames(per_cause: int = 20) -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    """Two labelled rows, ``per_cause`` validation contacts of each cause, eight unlabelled texts."""
    train = pd.DataFrame({"clean_text": ["refund please", "return label"], "label": ["refund", "return"]})
    train["weight"] = 1.0
    validation = pd.DataFrame({"clean_text": [f"{lab} x" for lab in ["refund", "return"] * per_cause]})
    validation["label"] = validation["clean_text"].str.split().str[0]
    # Four texts per cause; the more often the cause's word, the surer the guess.
    unlabelled = [f"{lab} " * n + "z " * (4 - n) for lab in ("refund", "return") for n in (1, 2, 3, 4)]
    return train, validation, unlabelled


def test_rounds_take_the_surest_guesses_first_and_keep_the_last_one_validation_allows() -> None:
    train, validation, unlabelled = _frames()
    # Rows fitted on: 2 (round 0), 2 + 2 (20% of 4 per cause, rounded up: 1 each), 2 + 4, 2 + 6, 2 + 8.
    # Validation (40 contacts) refuses round 1 and round 4 (12 and 20 contacts worse, none better),
    # allows 2 (4 better) and 3 (the same contacts right as round 0).
    quality = {2: 0.8, 4: 0.5, 6: 0.9, 8: 0.8, 10: 0.3}
    fits: list[pd.DataFrame] = []

    def fit(rows: pd.DataFrame) -> _Keyword:
        fits.append(rows)
        return _Keyword(rows, quality)

    shares = (0.2, 0.5, 0.75, 1.0)
    model, pseudo, params = self_train(fit, train, validation, unlabelled, shares=shares)

    assert [len(rows) for rows in fits] == [2, 4, 6, 8, 10]
    f1 = [params[f"self_train_f1_{r}"] for r in range(5)]
    assert f1[1] < f1[0] - 0.1 and f1[4] < f1[0] - 0.1 and f1[2] > f1[3] >= f1[0] - 0.1
    assert [params[f"self_train_worse_{r}"] for r in range(1, 5)] == [12, 0, 0, 20]
    assert [params[f"self_train_better_{r}"] for r in range(1, 5)] == [0, 4, 0, 0]
    assert params["self_train_p_1"] < 0.05 and params["self_train_p_3"] == 1.0
    # Not the best round (2) but the last that validation does not refuse: more pseudo-labels.
    assert params["self_train_rounds"] == 3 and len(model.rows) == 8
    # Round 3 took each cause's three surest texts (the most repeated words) with the guessed label.
    repeats = pseudo["clean_text"].str.split().str.len() - pseudo["clean_text"].str.count("z")
    assert sorted(repeats) == [2, 2, 3, 3, 4, 4]
    assert (pseudo["label"] == pseudo["clean_text"].str.split().str[0]).all()
    assert pseudo["pseudo"].all() and (pseudo["weight"] == 1.0).all()
    assert pseudo["contact_id"].str.startswith("unlabelled-").all()


def test_with_few_validation_contacts_per_cause_only_a_clear_loss_refuses_a_round() -> None:
    # Five validation contacts per cause: macro-F1 moves by points when a contact or two change.
    train, validation, unlabelled = _frames(per_cause=5)
    quality = {2: 0.9, 4: 0.2, 6: 0.6}
    model, pseudo, params = self_train(
        lambda rows: _Keyword(rows, quality), train, validation, unlabelled, shares=(0.2, 0.5)
    )
    # Round 1 gets seven contacts wrong that round 0 got right and none better (p 1/128): refused.
    # Round 2 costs more macro-F1 than one contact's worth (0.1) but only three contacts (p 1/8): kept.
    assert params["self_train_worse_1"] == 7 and params["self_train_p_1"] < 0.05
    assert params["self_train_f1_2"] < params["self_train_f1_0"] - 0.1
    assert params["self_train_worse_2"] == 3 and params["self_train_p_2"] == pytest.approx(1 / 8)
    assert params["self_train_rounds"] == 2 and len(model.rows) == 6 and len(pseudo) == 4

    # With ten contacts of each cause macro-F1 is trusted too: three contacts worse (p 1/8) but more
    # than one contact's worth of macro-F1 (0.05) below round 0 refuses the round.
    train, validation, unlabelled = _frames(per_cause=10)
    quality = {2: 0.9, 4: 0.75}
    _, _, params = self_train(
        lambda rows: _Keyword(rows, quality), train, validation, unlabelled, shares=(0.2,)
    )
    assert params["self_train_worse_1"] == 3 and params["self_train_p_1"] > 0.05
    assert params["self_train_f1_1"] < params["self_train_f1_0"] - 0.05 and params["self_train_rounds"] == 0


def test_sign_test_counts_the_contacts_that_changed_and_weighs_only_those() -> None:
    before = np.array([True] * 6 + [False] * 4 + [True] * 90)
    after = np.array([False] * 6 + [True] * 1 + [False] * 3 + [True] * 90)
    worse, better, p = sign_test(before, after)
    assert (worse, better) == (6, 1) and p == pytest.approx(8 / 128)  # P(X >= 6), X ~ Bin(7, 1/2)
    assert sign_test(before, before) == (0, 0, 1.0)
    # The same six-to-one split among ten times the contacts is no longer chance.
    worse, better, p = sign_test(np.tile(before, 10), np.tile(after, 10))
    assert (worse, better) == (60, 10) and p < 1e-8


def test_a_cause_guessed_more_often_than_its_labelled_share_gets_no_more() -> None:
    train, _, unlabelled = _frames()
    # Four more weak refund guesses: 8 refund, 4 return among 12, where the labels say 6 and 6.
    pseudo = _pseudo_rows(_Keyword(train, {}), [*unlabelled, *["refund z z z"] * 4], 1.0, train)
    assert pseudo["label"].value_counts().to_dict() == {"refund": 6, "return": 4}
    kept = pseudo.loc[pseudo["label"] == "refund", "clean_text"].str.count("refund")
    assert sorted(kept) == [1, 1, 1, 2, 3, 4]  # the surest first; three of the five weakest left out


def test_the_kept_rounds_run_again_from_the_rows_given() -> None:
    train, _, unlabelled = _frames()
    fits: list[int] = []

    def fit(rows: pd.DataFrame) -> _Keyword:
        fits.append(len(rows))
        return _Keyword(rows, {})

    model, pseudo = pseudo_label(fit, train, unlabelled, 0)
    assert fits == [2] and pseudo.empty and len(model.rows) == 2
    fits.clear()
    model, pseudo = pseudo_label(fit, train, unlabelled, 2, shares=(0.5, 1.0, 1.0))
    assert fits == [2, 6, 10] and len(pseudo) == 8 and len(model.rows) == 10


def test_no_round_is_kept_when_validation_refuses_them_all() -> None:
    train, validation, unlabelled = _frames()
    quality = {2: 0.9, 4: 0.5, 6: 0.5, 8: 0.4, 10: 0.3}
    model, pseudo, params = self_train(lambda rows: _Keyword(rows, quality), train, validation, unlabelled)
    assert params["self_train_rounds"] == 0 and pseudo.empty and len(model.rows) == 2
    # Without unlabelled contacts there is nothing to try.
    _, pseudo, params = self_train(lambda rows: _Keyword(rows, quality), train, validation, [])
    assert pseudo.empty and params["self_train_unlabelled"] == 0 and "self_train_f1_1" not in params


def test_unlabelled_rows_are_prepared_and_redacted_only_when_asked(tmp_path: Path) -> None:
    frame = labelled_contacts(per_class=10)
    frame.loc[:9, "label"] = ""
    frame.loc[0, "text"] = f"where is my refund, write to {PLANTED_EMAIL}"
    path = tmp_path / "contacts.csv"
    frame.to_csv(path, index=False)

    assert load_training_set(path, "label").unlabelled_text == []
    kept = load_training_set(path, "label", keep_unlabelled=True)
    assert kept.unlabelled == 10 and len(kept.unlabelled_text) == 10
    assert not any(PLANTED_EMAIL in text for text in kept.unlabelled_text)
    assert any("refund" in text for text in kept.unlabelled_text)


@pytest.mark.slow
def test_self_trained_model_keeps_pseudo_labels_out_of_the_test_and_the_references(embedder) -> None:
    contacts = labelled_contacts(per_class=40, pii=False)
    hidden = contacts.groupby("label").cumcount() >= 12  # 12 labelled per cause, 28 unlabelled
    training = build_training_set(contacts.loc[~hidden])
    training.unlabelled_text = contacts.loc[hidden, "text"].tolist()
    config = TrainConfig(features="embedding", C=(1.0,), self_train=True)

    result = train_classifier(training, config, embedder=embedder)

    params = result.params
    assert params["self_train_unlabelled"] == int(hidden.sum()) and "self_train_f1_5" in params
    assert params["self_train_pseudo_rows"] == len(result.pseudo)
    assert not result.test["contact_id"].str.startswith("unlabelled-").any()
    # Whatever round validation kept (none, on data this easy), the refit runs the rounds it is
    # told to from every labelled row and never takes a pseudo-label as out-of-scope reference.
    result.params["self_train_rounds"] = 5
    refit = refit_on_all(result, training)
    assert 0.9 * hidden.sum() <= len(result.pseudo) <= hidden.sum()  # each cause up to its share
    truth = dict(zip(contacts["text"], contacts["label"], strict=True))
    assert (result.pseudo["label"] == result.pseudo["clean_text"].map(truth)).mean() > 0.9
    # Every labelled row is a reference (12 per cause, under the cap); no pseudo-labelled one is.
    assert refit.references_ is not None and len(refit.references_) == len(training.frame)


@pytest.mark.slow
def test_voc_train_self_train_reports_and_logs_the_rounds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import mlflow

    from cli.main import main
    from voc.tracking import configure_uri
    from voc.workspace import Workspace

    monkeypatch.setenv("VOC_WORKSPACE", str(tmp_path / "ws"))
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    contacts = labelled_contacts(per_class=20, pii=True)
    contacts.loc[contacts.groupby("label").cumcount() >= 12, "label"] = ""
    source = tmp_path / "contacts.csv"
    contacts.to_csv(source, index=False)

    assert main(["train", str(source), "--features", "tfidf", "--self-train"]) == 0
    out = capsys.readouterr().out
    assert "self-training on 32 unlabelled contacts: validation macro-F1 by round" in out
    # Two validation contacts per cause: C is chosen by a sign test against the first candidate.
    assert "a candidate replaces the first only where it gets significantly more of them right" in out
    configure_uri(Workspace.resolve())
    (run,) = mlflow.search_runs(search_all_experiments=True, output_format="list")
    params = run.data.params
    assert params["self_train_unlabelled"] == "32" and "self_train_f1_5" in params
    assert params["selection_rule"] == "sign test against the first"
    kept = int(params["self_train_rounds"])
    assert (kept == 0) == (params["self_train_pseudo_rows"] == "0")
    # The registered model is the refit: every labelled row plus its own rounds' pseudo-labels.
    assert 48 <= int(params["refit_rows"]) <= 48 + 32 and (int(params["refit_rows"]) > 48) == (kept > 0)
