"""``voc discover --encoder``: a registered model's fine-tuned encoder, and theme ids across encoders."""

from __future__ import annotations

import dataclasses
import sqlite3
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from test_classifier import labelled_contacts
from test_discover import TEMPLATES, contacts

from nlp.embed import EmbedConfig, Embedder, default_model_path
from nlp.encoder_space import in_encoder_space
from nlp.model_files import model_fingerprint
from nlp.themes import match_previous
from training.finetune import FineTuneConfig, fine_tune
from training.labelling.catalogue import Catalogue, ImportInfo, ThemeDecision, previous_themes
from voc.tracking import configure_uri, use_experiment
from voc.workspace import Workspace

BASE, TUNED = "b" * 64, "t" * 64  # stand-in fingerprints of two encoders


def _template_texts(per_template: int, seed: int) -> list[list[str]]:
    rng = np.random.default_rng(seed)
    return [[t.format(d=int(rng.integers(1, 60))) for _ in range(per_template)] for t in TEMPLATES]


def _centroid(vectors: np.ndarray) -> np.ndarray:
    mean = vectors.mean(axis=0)
    return (mean / np.linalg.norm(mean)).astype(np.float32)


def test_previous_themes_of_another_encoder_keep_their_ids_once_re_embedded(embedder: Embedder) -> None:
    # "Another encoder": MiniLM followed by a random rotation. Same geometry, unrelated coordinates,
    # so last week's centroids are useless as they are and fine once re-embedded.
    rotation, _ = np.linalg.qr(np.random.default_rng(0).normal(size=(384, 384)))

    def rotated(texts):
        return (embedder.encode(list(texts)) @ rotation).astype(np.float32)

    last_week, this_week = _template_texts(6, seed=1), _template_texts(12, seed=2)
    previous = pd.DataFrame(
        {
            "theme_id": [10, 11, 12, 13],
            "centroid": [_centroid(embedder.encode(t)) for t in last_week],
            "label": ["late", "refund", "discount", "cancel"],
            "encoder": [BASE, None, BASE, BASE],  # None: stored before fingerprints, i.e. the base
            "exemplars": [t[:5] for t in last_week],
        }
    )
    themes = pd.DataFrame(
        {"theme_id": [0, 1, 2, 3], "centroid": [_centroid(rotated(t)) for t in this_week], "size": 12}
    )

    as_stored = match_previous(themes, previous)
    assert as_stored.themes["is_new"].all()  # centroids of two spaces: nothing matches

    aligned, done = in_encoder_space(previous, TUNED, rotated, legacy_fingerprint=BASE)
    assert (done.reembedded, done.dropped) == (4, 0) and (aligned["encoder"] == TUNED).all()
    matched = match_previous(themes, aligned).themes.sort_values("theme_id")
    assert matched["theme_id"].tolist() == [10, 11, 12, 13] and not matched["is_new"].any()
    assert matched["label"].tolist() == ["late", "refund", "discount", "cancel"]

    # Already in this run's space: untouched. In another space with nothing to re-embed: left
    # out of matching, and its id is never given to a new theme.
    mixed = previous.assign(encoder=[TUNED, BASE, BASE, BASE], exemplars=[[], [], *previous["exemplars"][2:]])
    aligned, done = in_encoder_space(mixed, TUNED, rotated, legacy_fingerprint=BASE)
    assert (done.reembedded, done.dropped) == (2, 1) and aligned["theme_id"].tolist() == [10, 12, 13]
    np.testing.assert_array_equal(aligned["centroid"][0], previous["centroid"][0])
    assert "1 without exemplars left out of matching" in done.summary()
    assert match_previous(themes.iloc[:0], aligned).themes.attrs["next_theme_id"] == 14


def test_catalogue_keeps_each_centroids_encoder_and_exemplars_and_upgrades_old_files(tmp_path: Path) -> None:
    db = tmp_path / "labels.db"
    centroid = np.ones(4, dtype=np.float32) / 2
    decision = ThemeDecision(
        theme_id=3,
        action="accept",
        label="late",
        centroid=centroid,
        encoder=TUNED,
        exemplars=("late [X]",),
    )
    cat = Catalogue(db)
    cat.record_theme_decisions([decision], ImportInfo(who="t"))
    cat.close()
    got = previous_themes(db)
    assert got.loc[0, "encoder"] == TUNED and got.loc[0, "exemplars"] == ["late [X]"]

    # A catalogue written before these columns existed opens, gains them, reads them as unknown.
    with sqlite3.connect(db) as con:
        con.execute("ALTER TABLE theme_labels DROP COLUMN encoder")
        con.execute("ALTER TABLE theme_labels DROP COLUMN exemplars")
    got = previous_themes(db)
    assert got.loc[0, "encoder"] is None and got.loc[0, "exemplars"] == []
    assert got.loc[0, "label"] == "late"


# --------------------------------------------------------------------------------------------
# End to end: a registered model carrying a fine-tuned encoder, used by `voc discover --encoder`
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def fine_tuned(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A quickly fine-tuned MiniLM (4 labels x 8 texts, 8 steps), as in test_finetune."""
    tiny = labelled_contacts(per_class=8, seed=1, pii=False)
    folder = tmp_path_factory.mktemp("encoder") / "minilm-fine-tuned"
    settings = FineTuneConfig(epochs=1, learning_rate=1e-4, show_progress=False)
    return fine_tune(tiny["text"], tiny["label"], folder, settings).path


class _Stub:
    """The smallest pyfunc: `voc discover --encoder` reads only the model's artifacts."""

    def predict(self, context, model_input):  # pragma: no cover - never served here
        return model_input


@pytest.fixture
def registered(tmp_path, monkeypatch, embedder: Embedder, fine_tuned: Path) -> Workspace:
    """A workspace whose registry holds root-cause v1 (champion, fine-tuned encoder) and v2
    (alias ``plain``, trained on the base MiniLM)."""
    import mlflow

    monkeypatch.setenv("VOC_WORKSPACE", str(tmp_path / "ws"))
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    loaded, load = embedder.model, Embedder.model.fget
    # The session's base MiniLM serves base encoders; a fine-tuned folder is loaded for real.
    monkeypatch.setattr(Embedder, "model", property(lambda self: load(self) if self.config.model else loaded))
    workspace = Workspace.resolve().ensure()
    configure_uri(workspace)  # tracking and registry: an earlier test may have left its own
    use_experiment("models", workspace)  # artifacts in the workspace, not ./mlruns in the cwd

    class Stub(_Stub, mlflow.pyfunc.PythonModel):
        pass

    with mlflow.start_run():
        mlflow.pyfunc.log_model(
            name="tuned",
            python_model=Stub(),
            artifacts={"encoder": str(fine_tuned)},
            registered_model_name="root-cause",
        )
        mlflow.pyfunc.log_model(name="plain", python_model=Stub(), registered_model_name="root-cause")
    client = mlflow.MlflowClient()
    client.set_registered_model_alias("root-cause", "champion", "1")
    client.set_registered_model_alias("root-cause", "plain", "2")
    return workspace


@pytest.mark.slow
def test_discover_with_the_champions_encoder_keeps_last_weeks_theme_ids(
    tmp_path, registered: Workspace, fine_tuned: Path, embedder: Embedder, capsys
) -> None:
    import mlflow

    from cli.main import main

    week1, week2 = tmp_path / "week1.csv", tmp_path / "week2.csv"
    contacts(25, seed=1).to_csv(week1, index=False)
    contacts(25, seed=2).to_csv(week2, index=False)
    assert main(["discover", str(week1), "--out", str(tmp_path / "out1"), "--min-theme-size", "15"]) == 0
    themes1 = pd.read_parquet(tmp_path / "out1" / "themes.parquet")
    assert len(themes1) == 4
    capsys.readouterr()

    argv = ["discover", str(week2), "--out", str(tmp_path / "out2"), "--previous", str(tmp_path / "out1")]
    assert main([*argv, "--encoder", "champion"]) == 0
    out = capsys.readouterr().out
    assert "encoder: fine-tuned MiniLM of root-cause v1" in out
    assert "4 previous themes made with another encoder re-embedded from their exemplars" in out
    themes2 = pd.read_parquet(tmp_path / "out2" / "themes.parquet")
    # Week 1 was embedded by the base MiniLM, week 2 by the fine-tuned one: the same four themes
    # keep their ids.
    assert sorted(themes2["theme_id"]) == sorted(themes1["theme_id"]) and not themes2["is_new"].any()

    # The encoder was fetched into the workspace, and its vectors are not the base model's.
    (fetched,) = registered.encoder_cache.iterdir()
    tuned_fp, base_fp = model_fingerprint(fetched), model_fingerprint(default_model_path())
    assert tuned_fp == model_fingerprint(fine_tuned) != base_fp
    tuned = Embedder(EmbedConfig(model=str(fetched), show_progress=False))
    sample = contacts(2, seed=3)["text"].tolist()[:4]
    assert not np.allclose(tuned.encode(sample), embedder.encode(sample), atol=1e-3)
    assert themes2.attrs["voc"]["encoder_fingerprint"] == tuned_fp
    assert themes1.attrs["voc"]["encoder_fingerprint"] == base_fp

    mlflow.set_tracking_uri(registered.tracking_uri)
    runs = mlflow.search_runs(experiment_names=["voc-themes"], order_by=["attributes.start_time ASC"])
    assert runs["params.encoder"].tolist() == ["base", "root-cause v1"]
    assert runs["params.encoder_fingerprint"].tolist() == [base_fp, tuned_fp]
    int8 = [Embedder(dataclasses.replace(e.config, backend="onnx-int8")).model_id for e in (embedder, tuned)]
    assert runs["params.embedding_model"].tolist() == int8  # discovery's default runtime
    assert runs["metrics.n_previous_reembedded"].tolist() == [0.0, 4.0]


@pytest.mark.slow
def test_encoder_is_fetched_once_and_a_model_without_one_leaves_the_base(
    tmp_path, registered: Workspace, monkeypatch, capsys
) -> None:
    import mlflow

    from cli.main import main
    from training.pyfunc import fetch_encoder

    first = fetch_encoder("models:/root-cause/1", registered.encoder_cache)
    monkeypatch.setattr(mlflow.artifacts, "download_artifacts", lambda **_: pytest.fail("fetched twice"))
    again = fetch_encoder("champion", registered.encoder_cache)
    assert first[1] == again[1] and first[1] is not None and (first[1] / "model.safetensors").is_file()

    week = tmp_path / "week.csv"
    contacts(25, seed=4).to_csv(week, index=False)
    assert main(["discover", str(week), "--out", str(tmp_path / "out"), "--encoder", "plain"]) == 0
    out = capsys.readouterr().out
    assert "--encoder plain: root-cause v2 has no fine-tuned encoder; using the base MiniLM" in out
    runs = mlflow.search_runs(experiment_names=["voc-themes"])
    assert runs["params.encoder"].tolist() == ["base"]

    assert main(["discover", str(week), "--out", str(tmp_path / "o2"), "--encoder", "nope"]) == 2
    assert "nope" in capsys.readouterr().err
