"""MLflow tracking and registry: champion/challenger aliases, the promotion gate, no PII in MLflow."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from test_classifier import PLANTED_EMAIL, PLANTED_PHONE, labelled_contacts

from cli.main import main
from training.classifier import RootCauseClassifier
from training.config import TrainConfig
from training.dataset import build_training_set
from training.evaluate import evaluate
from training.registry import CHALLENGER, CHAMPION, configure, list_models, log_and_register
from training.train import train_classifier
from voc.taxonomy import load_taxonomy
from voc.workspace import Workspace


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Workspace:
    monkeypatch.setenv("VOC_WORKSPACE", str(tmp_path / "ws"))
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    return Workspace.resolve()


@pytest.fixture
def labelled_csv(tmp_path: Path) -> Path:
    path = tmp_path / "labelled.csv"
    labelled_contacts(per_class=24).to_csv(path, index=False)
    return path


def _aliases(name: str) -> dict[str, str]:
    import mlflow

    return {k: str(v) for k, v in mlflow.MlflowClient().get_registered_model(name).aliases.items()}


@pytest.mark.slow
def test_first_model_is_champion_a_worse_one_is_not_promoted_and_people_can_promote(
    workspace: Workspace, labelled_csv: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import mlflow

    code = main(
        [
            "train",
            str(labelled_csv),
            "--label-column",
            "label",
            "--taxonomy",
            "data/taxonomy.yaml",
            "--features",
            "tfidf",
            "--register-as",
            "rc",
        ]
    )
    assert code == 0
    assert "no champion yet; v1 becomes champion" in capsys.readouterr().out
    assert _aliases("rc") == {CHALLENGER: "1", CHAMPION: "1"}

    # A deliberately worse model (trained on shuffled labels), scored on the real held-out set.
    training = build_training_set(labelled_contacts(per_class=24), taxonomy=load_taxonomy())
    result = train_classifier(training, TrainConfig(features="tfidf", C=(1.0,)))
    shuffled = np.random.default_rng(0).permutation(result.train["label"].to_numpy())
    result.model = RootCauseClassifier(features="tfidf", C=1.0, threshold=0.5)
    result.model.fit(result.train["clean_text"], shuffled)
    worse = evaluate(result.model, result.test, training.families)
    configure(workspace)
    registration = log_and_register(result, worse, training, register_as="rc")

    gate = registration.gate
    assert gate is not None and not gate.promoted
    assert gate.champion_macro_f1 is not None and gate.champion_macro_f1 > gate.challenger_macro_f1
    assert "not promoted" in gate.reason and "champion v1" in gate.reason
    assert _aliases("rc") == {CHALLENGER: "2", CHAMPION: "1"}
    metrics = mlflow.get_run(registration.run_id).data.metrics
    assert metrics["gate_champion_macro_f1"] == pytest.approx(gate.champion_macro_f1)
    assert metrics["gate_challenger_macro_f1"] == pytest.approx(gate.challenger_macro_f1)

    assert main(["models", "promote", "rc", "2"]) == 0
    assert _aliases("rc")[CHAMPION] == "2"
    listed = list_models("rc")
    assert listed["version"].tolist() == [1, 2]
    assert listed["macro_f1"].iloc[0] > listed["macro_f1"].iloc[1]
    assert main(["models", "list"]) == 0
    assert main(["models", "promote", "rc", "9"]) == 2


@pytest.mark.slow
def test_run_records_metrics_artifacts_dataset_and_no_raw_pii(
    workspace: Workspace, labelled_csv: Path, tmp_path: Path
) -> None:
    import mlflow

    assert main(["train", str(labelled_csv), "--label-column", "label", "--features", "tfidf"]) == 0

    run = mlflow.search_runs(search_all_experiments=True, output_format="list")[0]
    assert {"test_accuracy", "test_macro_f1", "test_coverage", "test_ece", "test_f1_found_cheaper"} <= set(
        run.data.metrics
    )
    assert run.data.params["features"] == "tfidf"
    # The registered model learned from every labelled row, the held-out ones included.
    assert run.data.params["refit_rows"] == "96"
    assert run.inputs.dataset_inputs[0].dataset.digest
    artifacts = {a.path for a in mlflow.MlflowClient().list_artifacts(run.info.run_id, "evaluation")}
    assert {"evaluation/confusion_matrix.png", "evaluation/confusion_matrix.csv"} <= artifacts
    assert "evaluation/misclassified.csv" in artifacts
    # Everything MLflow stored lies in the workspace, and none of it holds the planted PII.
    assert not (Path.cwd() / "mlruns").exists()
    files = [p for p in workspace.mlflow_artifacts.rglob("*") if p.is_file()] + [workspace.mlflow_db]
    assert len(files) > 5
    for path in files:
        data = path.read_bytes()
        assert PLANTED_EMAIL.encode() not in data, path
        assert PLANTED_PHONE.encode() not in data, path


def test_unknown_taxonomy_label_exits_2(workspace: Workspace, tmp_path: Path) -> None:
    frame = labelled_contacts(per_class=6, pii=False)
    frame.loc[0, "label"] = "alien_abduction"
    path = tmp_path / "bad.csv"
    frame.to_csv(path, index=False)

    code = main(["train", str(path), "--label-column", "label", "--taxonomy", "data/taxonomy.yaml"])
    assert code == 2


@pytest.mark.slow
def test_champion_pyfunc_loads_in_a_fresh_process(workspace: Workspace, labelled_csv: Path) -> None:
    args = ["train", str(labelled_csv), "--label-column", "label", "--features", "both"]
    assert main([*args, "--register-as", "rc"]) == 0
    script = (
        "import mlflow, pandas as pd\n"
        f"mlflow.set_tracking_uri({workspace.tracking_uri!r})\n"
        "m = mlflow.pyfunc.load_model('models:/rc@champion')\n"
        "out = m.predict(pd.DataFrame({'text': ['the box arrived crushed and broken', 'zzz qqq'],"
        " 'channel': ['email', None]}))\n"
        "print('served', m.unwrap_python_model().classifier.embedder.config.backend)\n"
        "slow = mlflow.pyfunc.load_model('models:/rc@champion',"
        " model_config={'embed_backend': 'torch'})\n"
        "print('backend', slow.unwrap_python_model().classifier.embedder.config.backend)\n"
        "print(list(out.columns)); print(out.to_json(orient='records'))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    from voc.contracts.tagged import PREDICTION_COLUMNS

    assert str(list(PREDICTION_COLUMNS)) in done.stdout  # the columns voc tag writes, in order
    assert "served onnx-int8" in done.stdout  # the backend it was trained and evaluated with
    assert "backend torch" in done.stdout  # voc tag --backend reaches the embedder
    rows = pd.read_json(io.StringIO(done.stdout.splitlines()[-1]))
    assert rows.loc[0, "root_cause"] == "damaged_in_transit"
    assert rows.loc[0, "family"] == "other"  # trained without a taxonomy
