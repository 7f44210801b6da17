"""Fine-tuning the encoder on labels: it learns, it is keyed by its weights, it is served as registered."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from test_classifier import labelled_contacts

from nlp.embed import EmbedConfig, Embedder, default_model_path
from nlp.model_files import model_fingerprint
from training.config import TrainConfig
from training.finetune import FEW_SHOT_EPOCHS, FineTuneConfig, epochs_for, fine_tune
from voc.workspace import Workspace

# A short, seeded fine-tune: 4 labels x 8 texts, one pass of 8 steps.
SHORT = FineTuneConfig(epochs=1, learning_rate=1e-4, show_progress=False)


@pytest.fixture(scope="module")
def tiny() -> pd.DataFrame:
    return labelled_contacts(per_class=8, seed=1, pii=False)


@pytest.fixture(scope="module")
def fine_tuned(tiny: pd.DataFrame, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("encoder") / "minilm-fine-tuned"
    result = fine_tune(tiny["text"], tiny["label"], folder, SHORT)
    assert result.steps == result.planned_steps > 0 and not result.timed_out
    return result.path


def test_fine_tune_passes_more_often_over_causes_with_few_labelled_texts() -> None:
    # By default: three passes where causes have a median of under 30 texts (one pass over 770
    # texts, 10 per cause, is 25 steps), one where they have more; a number given is kept.
    few = ["refund"] * 10 + ["return"] * 29 + ["late"] * 200
    many = ["refund"] * 30 + ["return"] * 40 + ["late"] * 5
    assert epochs_for(FineTuneConfig(), few) == FEW_SHOT_EPOCHS == 3
    assert epochs_for(FineTuneConfig(), many) == 1
    assert epochs_for(FineTuneConfig(epochs=2), few) == epochs_for(FineTuneConfig(epochs=2), many) == 2
    with pytest.raises(ValueError, match="epochs must be >= 1"):
        FineTuneConfig(epochs=0)


def _changed_copy(tmp_path: Path) -> Path:
    """A copy of the installed MiniLM whose weights differ in one byte: same configs, same size."""
    copy = tmp_path / "model"
    shutil.copytree(default_model_path(), copy)
    weights = copy / "model.safetensors"
    data = bytearray(weights.read_bytes())
    data[-10] ^= 0x01  # the last tensor's bytes; the header and every config file are unchanged
    weights.write_bytes(bytes(data))
    return copy


def test_cache_and_export_keys_follow_the_weights_not_only_the_configs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from nlp import onnx_encoder
    from nlp.static_encoder import StaticEncoder

    copy = _changed_copy(tmp_path)
    base = Embedder(EmbedConfig())
    changed = Embedder(EmbedConfig(model=str(copy)))
    # Same folder name, same config files: only the weights tell the two apart.
    assert copy.name == default_model_path().name
    assert changed.model_id != base.model_id
    assert StaticEncoder(copy).model_id != StaticEncoder().model_id

    exported: list[Path] = []
    monkeypatch.setattr(onnx_encoder, "export_onnx", lambda _, target: exported.append(target) or target)
    onnx_encoder.onnx_model_file(default_model_path(), "fp32", tmp_path / "onnx")
    onnx_encoder.onnx_model_file(copy, "fp32", tmp_path / "onnx")
    assert len(exported) == 2 and exported[0] != exported[1]  # the copy is exported from its own weights

    # A byte-identical copy elsewhere (as MLflow stores a logged encoder) shares the cached vectors.
    twin = tmp_path / "elsewhere" / "model"
    shutil.copytree(copy, twin)
    assert Embedder(EmbedConfig(model=str(twin))).model_id == changed.model_id


def test_a_folder_without_weights_cannot_key_a_cache(tmp_path: Path) -> None:
    (tmp_path / "config.json").write_text("{}")
    with pytest.raises(FileNotFoundError, match="no model weights"):
        model_fingerprint(tmp_path)


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ({"features": "tfidf"}, "needs embedding features"),
        ({"cascade": True}, "cascade cannot be used with a fine-tuned encoder"),
    ],
)
def test_fine_tuning_refuses_what_it_cannot_serve(bad: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        TrainConfig(fine_tune=FineTuneConfig(), **bad)


@pytest.mark.parametrize("bad", [{"epochs": 0}, {"batch_size": 1}, {"max_seconds": 0}, {"device": "tpu"}])
def test_fine_tune_config_rejects_bad_settings(bad: dict) -> None:
    with pytest.raises(ValueError, match="fine-tune"):
        FineTuneConfig(**bad)


def test_chunks_of_like_lengths_give_each_text_its_own_vector() -> None:
    import torch
    from sentence_transformers import SentenceTransformer

    from training.finetune import _embed_by_length, _token_lengths

    model = SentenceTransformer(str(default_model_path()), device="cpu", local_files_only=True).eval()
    texts = [
        "the parcel never came and the tracking page has said out for delivery since monday",
        "refund",
        "cancel my order please",
        "I was charged twice for one pair of shoes, can you send the second payment back",
        "return label",
    ]
    lengths = _token_lengths(model, texts)
    assert lengths[1] < lengths[2] < lengths[0]  # not in length order: the chunks must be undone
    with torch.no_grad():
        chunked = _embed_by_length(model, texts, lengths, chunk_size=2).numpy()
    np.testing.assert_allclose(chunked, model.encode(texts), atol=1e-5)


@pytest.mark.slow
def test_fine_tuned_encoder_brings_same_label_texts_closer(
    fine_tuned: Path, tiny: pd.DataFrame, embedder: Embedder, tmp_path: Path
) -> None:
    texts, labels = tiny["text"].tolist(), tiny["label"].to_numpy()
    tuned = Embedder(EmbedConfig(model=str(fine_tuned), cache_dir=tmp_path, show_progress=False))
    before, after = embedder.encode(texts), tuned.encode(texts)
    assert not np.allclose(before, after, atol=1e-3)

    same = (labels[:, None] == labels[None, :]) & ~np.eye(len(labels), dtype=bool)
    other = labels[:, None] != labels[None, :]

    def margin(vectors: np.ndarray) -> tuple[float, float]:
        cosine = vectors @ vectors.T
        return float(cosine[same].mean()), float(cosine[other].mean())

    (same_before, other_before), (same_after, other_after) = margin(before), margin(after)
    assert same_after > same_before + 0.02  # texts of one root cause moved together
    assert same_after - other_after > same_before - other_before + 0.05  # and apart from the rest
    assert tuned.model_id != embedder.model_id  # their cached vectors never mix
    assert {p.name for p in tmp_path.iterdir()} == {tuned.model_id}


@pytest.mark.slow
def test_fine_tune_stops_at_its_time_limit(tiny: pd.DataFrame, tmp_path: Path) -> None:
    limited = FineTuneConfig(epochs=50, max_seconds=0.01, show_progress=False)
    result = fine_tune(tiny["text"], tiny["label"], tmp_path / "enc", limited)
    assert result.timed_out and result.steps == 1 < result.planned_steps
    assert (tmp_path / "enc" / "model.safetensors").is_file()


@pytest.mark.slow
# 10 labelled rows a cause: --refit-encoder auto tunes the registered model's copy again.
@pytest.mark.parametrize(("classes", "refit_encoder"), [("fine-tuned", "auto"), ("base", "never")])
def test_voc_train_fine_tune_serves_exactly_the_registered_encoder(
    classes: str,
    refit_encoder: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    import mlflow

    import training.registry
    from cli.main import main

    monkeypatch.setenv("VOC_WORKSPACE", str(tmp_path / "ws"))
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    workspace = Workspace.resolve()
    source = tmp_path / "labelled.csv"
    contacts = labelled_contacts(per_class=10, seed=2, pii=False)
    contacts.to_csv(source, index=False)

    seen: dict = {}
    register = training.registry.log_and_register

    def spy(result, evaluation, training_set, **kwargs):  # the in-memory model, while its folder exists
        # The second-cause model was fitted in the space of the encoder that reads the causes
        # (asked before decide() points it there).
        secondary = result.model.secondary_model_
        assert secondary is None or secondary.embedder is result.model.embedder
        seen["ids"] = result.test["contact_id"].tolist()
        seen["test_clean"] = result.test["clean_text"].tolist()
        # The evaluation left the held-out rows' vectors in the workspace cache; the served model
        # reads them from there (int8 activations are quantized per batch, so encoding them again
        # in another batch would move the confidences by a few 1e-3).
        assert result.model.embedder.config.cache_dir == workspace.embedding_cache
        seen["decided"] = result.model.decide(result.test["clean_text"])
        seen["similarity"] = result.model.scores(result.test["clean_text"])[1]
        seen["params"] = result.params
        seen["evaluated"] = model_fingerprint(Path(result.tuned_embedder.config.model))
        return register(result, evaluation, training_set, **kwargs)

    monkeypatch.setattr(training.registry, "log_and_register", spy)
    argv = ["train", str(source), "--features", "embedding", "--register-as", "rc"]
    tuning = ["--fine-tune", "--fine-tune-epochs", "2", "--classes-encoder", classes]
    assert main([*argv, *tuning, "--refit-encoder", refit_encoder]) == 0
    tuned_again = refit_encoder == "auto"
    assert seen["params"]["fine_tune"] is True and seen["params"]["fine_tune_steps"] > 0
    assert seen["params"]["classifier_encoder"] == classes
    # The novelty floor comes from the base encoder's (matched, or its value with too few
    # validation contacts below it), not from unseen causes simulated in the tuned space.
    rule = seen["params"]["similarity_floor_rule"]
    assert rule == "matched to the base encoder" or rule.startswith("the base encoder's (fewer than")
    assert 0.0 <= seen["params"]["floor_share"] < 1.0
    out = capsys.readouterr().out
    assert "encoder fine-tuned on the " in out and "train rows: 2 passes, " in out
    assert seen["params"]["fine_tune_epochs"] == 2
    # The registered model's encoder is tuned again on every labelled row, unless told not to.
    assert (f"encoder fine-tuned again on all {len(contacts)} labelled rows" in out) is tuned_again
    assert seen["params"].get("fine_tune_refit_rows") == (len(contacts) if tuned_again else None)
    assert ("keeps the encoder tuned on the train split (--refit-encoder never" in out) is not tuned_again
    reader = {"fine-tuned": "the fine-tuned encoder reads", "base": "the base MiniLM reads"}[classes]
    assert f"{reader} the causes" in out and "checks novelty" in out
    assert f"novelty floor {seen['params']['similarity_floor']:.3f}: {rule}" in out  # the user sees the rule

    mlflow.set_tracking_uri(workspace.tracking_uri)
    version = mlflow.MlflowClient().get_model_version_by_alias("rc", "champion")
    assert "fine-tuned on the" in version.description  # the registry says what the encoder is
    assert (f"tuned again on all {len(contacts)} labelled rows" in version.description) is tuned_again
    assert ("the installed MiniLM reads the causes" in version.description) is (classes == "base")
    served = mlflow.pyfunc.load_model("models:/rc@champion")
    classifier = served.unwrap_python_model().classifier
    # The fine-tuned weights travel with the model and check novelty; the causes are read by them
    # or by the installed MiniLM, as chosen.
    novelty = classifier.novelty_embedder if classes == "base" else classifier.embedder
    encoder = Path(novelty.config.model)
    assert (encoder / "model.safetensors").is_file()
    assert model_fingerprint(encoder) != model_fingerprint(default_model_path())
    assert (model_fingerprint(encoder) == seen["evaluated"]) is not tuned_again
    assert (classifier.embedder.config.model is None) is (classes == "base")
    assert classifier.separate_novelty_ is (classes == "base")
    raw = contacts.set_index("contact_id").loc[seen["ids"], ["text", "channel"]].reset_index(drop=True)
    out = served.predict(raw)  # raw held-out contacts: the served model prepares and redacts them
    expected = seen["decided"]
    assert out["root_cause"].tolist() == expected["root_cause"].tolist()
    np.testing.assert_allclose(out["confidence"], expected["confidence"], rtol=1e-5, atol=1e-6)
    assert out["review_reason"].tolist() == expected["review_reason"].tolist()
    # The novelty check reads the same space as registered.
    np.testing.assert_allclose(classifier.scores(seen["test_clean"])[1], seen["similarity"], atol=2e-3)
    # The ONNX export the served model runs was made from the fine-tuned weights, in the workspace
    # (the base MiniLM's export beside it embedded what the novelty floor is matched to).
    # The refit copy gets an export of its own.
    exports = sorted(p.name for p in workspace.onnx_cache.glob("*-int8pc.onnx"))
    tuned = 2 if tuned_again else 1
    assert len(exports) == tuned + 1 and all(e.startswith("minilm-fine-tuned-") for e in exports[:tuned])
    assert exports[-1].startswith(Path(default_model_path()).name + "-")
