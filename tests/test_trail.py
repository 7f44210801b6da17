"""The trail an ML engineer follows in MLflow after `voc train`, and the terminal a user sees.

- a training run is named for its data, described, and tagged with the lineage of its labels
  (discovery run, catalogue version, taxonomy version), as are the registered model and version;
- the metrics registered with a model are computed with the embedding backend it is served with;
- the logged requirements install from PyPI (no ``+cpu`` local versions);
- a default `voc tag` prints its progress and summary, and no library's log line.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from label_data import TOPICS, make_contacts, make_themes_dir
from openpyxl import load_workbook
from test_classifier import labelled_contacts

from cli.main import main
from voc.taxonomy import load_taxonomy
from voc.workspace import Workspace

ROOT = Path(__file__).resolve().parents[1]
DISCOVERY_RUN = "0123456789abcdef0123456789abcdef"


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Workspace:
    monkeypatch.setenv("VOC_WORKSPACE", str(tmp_path / "ws"))
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    return Workspace.resolve()


def labelled_dataset(folder: Path) -> Path:
    """The analysts' path to a training set: discovery folder, filled sheet, catalogue, dataset."""
    contacts = make_contacts()
    source = folder / "contacts.parquet"
    contacts.drop(columns=["root_cause", "theme_id"]).to_parquet(source, index=False)
    themes = make_themes_dir(folder / "themes", contacts)
    # As `voc discover` writes it: the files name the MLflow run that found the themes.
    assignments = pd.read_parquet(themes / "assignments.parquet")
    assignments.attrs["voc"] = {"discovery_run_id": DISCOVERY_RUN}
    assignments.to_parquet(themes / "assignments.parquet", index=False)
    sheet = folder / "review.xlsx"
    assert main(["label", "export", "--themes", str(themes), "--out", str(sheet)]) == 0
    book = load_workbook(sheet)
    page = book["themes"]
    header = [cell.value for cell in page[1]]
    for row in range(2, page.max_row + 1):
        theme_id = page.cell(row=row, column=header.index("theme_id") + 1).value
        page.cell(row=row, column=header.index("label") + 1).value = TOPICS[int(theme_id)][1]
        page.cell(row=row, column=header.index("action") + 1).value = "accept"
    book.save(sheet)
    assert main(["label", "import", str(sheet), "--themes", str(themes), "--who", "alice"]) == 0
    out = folder / "labelled.parquet"
    assert (
        main(["label", "dataset", "--themes", str(themes), "--contacts", str(source), "--out", str(out)]) == 0
    )
    return out


def test_voc_train_names_describes_and_tags_its_run_version_and_model_with_the_lineage(
    workspace: Workspace, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import mlflow

    dataset = labelled_dataset(tmp_path)
    argv = ["train", str(dataset), "--taxonomy", "data/taxonomy.yaml", "--features", "tfidf"]
    assert main([*argv, "--register-as", "rc"]) == 0
    printed = capsys.readouterr()
    assert "no champion yet; v1 becomes champion" in printed.out
    assert "Successfully registered" not in printed.out + printed.err  # MLflow's own prints: only with -v

    client = mlflow.MlflowClient()
    version = client.get_model_version("rc", "1")
    run = client.get_run(version.run_id)
    taxonomy = load_taxonomy().version
    lineage = {
        "voc.stage": "train",
        "voc.discovery_run_id": DISCOVERY_RUN,
        "voc.catalogue_version": "1",
        "voc.taxonomy_version": taxonomy,
    }
    assert run.info.run_name == "train-labelled-rc-v1"
    assert lineage.items() <= run.data.tags.items()
    assert lineage.items() <= version.tags.items()
    for text in (run.data.tags["mlflow.note.content"], version.description):
        assert "labelled.parquet" in text and DISCOVERY_RUN in text and "label catalogue v1" in text
        assert re.search(r"macro-F1 [01]\.\d{4}", text) and "no champion yet; v1 becomes champion" in text
    model = client.get_registered_model("rc")
    assert model.description and "champion" in model.description
    assert model.tags["voc.taxonomy_version"] == taxonomy
    experiment = client.get_experiment(run.info.experiment_id)
    assert experiment.tags.get("mlflow.note.content")
    # The run spans the training: its duration covers the logged fit time.
    assert (run.info.end_time - run.info.start_time) / 1000 >= run.data.metrics["fit_seconds"]
    # Requirements that a plain package index serves: no local version label such as +cpu.
    pins = Path(mlflow.pyfunc.get_model_dependencies("models:/rc/1")).read_text().split()
    assert any(pin.startswith("torch==") for pin in pins) and not [p for p in pins if "+" in p], pins


class EverythingFast:
    """A stand-in cascade whose fast model decides every contact, always the same root cause."""

    def decide(self, texts: list[str], full: object, screened: object = None) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "root_cause": ["changed_mind"] * len(texts),
                "confidence": [0.99] * len(texts),
                "needs_review": [False] * len(texts),
                "decided_by": ["fast"] * len(texts),
            }
        )


def test_a_model_with_a_cascade_is_scored_through_it_as_it_is_served() -> None:
    from training.config import TrainConfig
    from training.dataset import build_training_set
    from training.evaluate import evaluate
    from training.train import train_classifier

    training = build_training_set(labelled_contacts(per_class=10, pii=False), taxonomy=load_taxonomy())
    result = train_classifier(training, TrainConfig(features="tfidf", C=(1.0,)))
    alone = evaluate(result.model, result.test, training.families)
    result.model.cascade_ = EverythingFast()
    served = evaluate(result.model, result.test, training.families)
    assert alone.metrics["accuracy"] > 0.5 and "cascade_coverage" not in alone.metrics
    share = (result.test["label"] == "changed_mind").mean()
    assert served.metrics["accuracy"] == pytest.approx(share)  # the cascade's decisions, not the full model's
    assert served.metrics["cascade_coverage"] == 1.0
    assert set(served.predictions["decided_by"]) == {"fast"}


@pytest.mark.slow  # exports MiniLM to int8 ONNX and trains on its embeddings (about a minute)
def test_registered_metrics_of_an_int8_model_are_computed_with_int8(
    workspace: Workspace,
    tmp_path: Path,
    embedder: object,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import mlflow

    from nlp.embed import EmbedConfig, Embedder
    from training.registry import macro_f1

    source = tmp_path / "labelled.csv"
    labelled_contacts(per_class=12, pii=False).to_csv(source, index=False)
    # --no-refit: the registered model is the evaluated one, so its scores can be compared with the
    # logged held-out predictions (a refit model learned the held-out rows too).
    argv = ["train", str(source), "--features", "embedding", "--backend", "onnx-int8", "--no-refit"]
    argv += ["--register-as", "rc"]
    assert main(argv) == 0
    assert "onnx-int8 embeddings, as served" in capsys.readouterr().out

    client = mlflow.MlflowClient()
    version = client.get_model_version("rc", "1")
    run = client.get_run(version.run_id)
    assert run.data.params["embed_backend"] == "onnx-int8" == run.data.tags["voc.embed_backend"]
    logged = pd.read_csv(
        mlflow.artifacts.download_artifacts(
            run_id=run.info.run_id, artifact_path="evaluation/predictions.csv"
        )
    )
    assert macro_f1(logged["label"].to_numpy(), logged["predicted"].to_numpy()) == pytest.approx(
        run.data.metrics["test_macro_f1"]
    )
    # The model as `voc tag` serves it (its logged config, no override) embeds with int8 ONNX...
    served = mlflow.pyfunc.load_model("models:/rc@champion").unwrap_python_model().classifier
    assert served.embedder.config.backend == "onnx-int8"
    # ...and with the int8 vectors of these very texts (the workspace's cache, keyed by backend:
    # int8 embeddings shift a little with their batch-mates) it scores exactly the logged numbers,
    int8 = EmbedConfig(
        backend="onnx-int8", cache_dir=workspace.embedding_cache, onnx_cache_dir=workspace.onnx_cache
    )
    texts = logged["clean_text"].fillna("").astype(str).tolist()
    decided = served.set_params(embedder=Embedder(int8)).decide(texts)
    assert (decided["root_cause"].to_numpy() == logged["predicted"].to_numpy()).all()
    np.testing.assert_allclose(decided["confidence"], logged["confidence"], atol=1e-6)
    # ...which the torch embeddings would not have given: the test tells the backends apart.
    as_torch = served.set_params(embedder=embedder).decide(texts)
    assert np.abs(as_torch["confidence"].to_numpy() - logged["confidence"].to_numpy()).max() > 1e-4

    # `voc --workspace W tag` caches the served model's ONNX export in W, whatever $VOC_WORKSPACE says
    shutil.rmtree(workspace.onnx_cache)
    monkeypatch.setenv("VOC_WORKSPACE", str(tmp_path / "elsewhere"))
    new = labelled_contacts(per_class=2, seed=1, pii=False).drop(columns="label")
    new["created_at"] = "2026-11-20T10:00:00Z"
    new.to_csv(tmp_path / "new.csv", index=False)
    tagged = tmp_path / "tagged.parquet"
    argv = ["--workspace", str(workspace.root), "tag", str(tmp_path / "new.csv"), "--out", str(tagged)]
    argv += ["--model", "models:/rc@champion"]
    assert main(argv) == 0
    assert len(pd.read_parquet(tagged)) == len(new)
    assert any(workspace.onnx_cache.rglob("*.onnx")) and not (tmp_path / "elsewhere").exists()


LIBRARY_LINE = re.compile(
    r"\b(DEBUG|INFO|WARNING)\b|mlflow|cloudpickle|matplotlib|transformers|huggingface|"
    r"Loading weights|Warning:|warn\(",
    re.IGNORECASE,
)


@pytest.mark.slow  # a fresh `voc tag` process loads MLflow and MiniLM (tens of seconds)
def test_a_default_voc_tag_run_prints_no_library_log_line(
    workspace: Workspace, tmp_path: Path, embedder: object
) -> None:
    from training.config import TrainConfig
    from training.dataset import build_training_set
    from training.evaluate import evaluate
    from training.registry import configure, log_and_register
    from training.train import train_classifier

    # An embedding model served with torch: its loading is what drew the "Loading weights" bar.
    training = build_training_set(labelled_contacts(per_class=10, pii=False), taxonomy=load_taxonomy())
    result = train_classifier(training, TrainConfig(features="embedding", C=(1.0,)), embedder=embedder)
    configure(workspace)
    log_and_register(result, evaluate(result.model, result.test, training.families), training, "rc")
    source = tmp_path / "contacts.csv"
    labelled_contacts(per_class=3).drop(columns=["label"]).to_csv(source, index=False)

    argv = ["tag", str(source), "--model", "models:/rc@champion", "--out", str(tmp_path / "tagged.parquet")]
    done = subprocess.run(
        [sys.executable, "-m", "cli.main", *argv], cwd=ROOT, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr[-3000:]
    lines = [line for line in io.StringIO(done.stdout + done.stderr.replace("\r", "\n")) if line.strip()]
    noise = [line for line in lines if LIBRARY_LINE.search(line)]
    assert not noise, "library output on the terminal of a default voc tag run:\n" + "".join(noise)
    assert any("tagged 12" in line for line in lines), lines


def test_one_workspace_s_store_does_not_leak_into_the_next(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from voc.tracking import configure_uri

    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    first, second = Workspace(tmp_path / "a"), Workspace(tmp_path / "b")
    assert configure_uri(first) == f"sqlite:///{first.mlflow_db}"
    # a second command in the same process (the app, a test) uses its own workspace's store
    assert second.tracking_uri == f"sqlite:///{second.mlflow_db}"
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "http://mlflow.example:5000")
    configure_uri(first)
    assert second.tracking_uri == "http://mlflow.example:5000"  # a server the user named is kept


def test_a_terminated_training_ends_its_mlflow_run(workspace: Workspace, tmp_path: Path) -> None:
    """`kill <pid>` (SIGTERM) in the middle of the fit: the run ends as failed, not RUNNING forever.

    In a process of its own: the signal is the process's (a pytest-xdist worker runs tests off
    its main thread, where no handler can be set).
    """
    import mlflow

    from voc.tracking import configure_uri

    source = tmp_path / "labelled.csv"
    labelled_contacts(per_class=12, pii=False).to_csv(source, index=False)
    script = (
        "import os, signal, sys\n"
        "import training.train\n"
        "def terminated(*args, **kwargs):\n"
        "    os.kill(os.getpid(), signal.SIGTERM)\n"
        "training.train.train_classifier = terminated\n"
        "from cli.main import main\n"
        f"sys.exit(main(['train', {str(source)!r}, '--features', 'tfidf']))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=600, check=False
    )
    assert done.returncode == 130, done.stderr
    assert "interrupted" in done.stderr
    configure_uri(workspace)
    runs = mlflow.search_runs(search_all_experiments=True, output_format="list")
    assert [run.info.status for run in runs] == ["FAILED"]
