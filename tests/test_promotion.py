"""The promotion gate's promote path: a better or equal challenger takes `champion` and says why."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from test_classifier import labelled_contacts

from cli.main import main
from training.classifier import RootCauseClassifier
from training.config import TrainConfig
from training.dataset import build_training_set
from training.evaluate import evaluate
from training.registry import CHALLENGER, CHAMPION, configure, log_and_register
from training.train import train_classifier
from voc.taxonomy import load_taxonomy
from voc.workspace import Workspace

GATE = re.compile(
    r"(?P<verdict>not promoted|promoted): v(?P<challenger>\d+) macro-F1 (?P<new>[\d.]+) "
    r"vs champion v(?P<champion>\d+) (?P<old>[\d.]+) on the same (?P<n>\d+) held-out contacts"
)


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Workspace:
    monkeypatch.setenv("VOC_WORKSPACE", str(tmp_path / "ws"))
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    return Workspace.resolve()


def _aliases(name: str) -> dict[str, str]:
    import mlflow

    return {k: str(v) for k, v in mlflow.MlflowClient().get_registered_model(name).aliases.items()}


def _version_tags(name: str, version: str) -> dict[str, str]:
    import mlflow

    return dict(mlflow.MlflowClient().get_model_version(name, version).tags)


def _train(labelled: Path, capsys: pytest.CaptureFixture[str]) -> re.Match[str]:
    argv = ["train", str(labelled), "--label-column", "label", "--features", "tfidf", "--register-as", "rc"]
    assert main(argv) == 0
    out = capsys.readouterr().out
    found = GATE.search(out)
    assert found, f"`voc train` does not say why the champion moved or stayed:\n{out}"
    return found


def test_a_better_then_an_equal_model_takes_champion_and_says_why(
    workspace: Workspace, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    contacts = labelled_contacts(per_class=24)
    labelled = tmp_path / "labelled.csv"
    contacts.to_csv(labelled, index=False)

    # v1: a poor model (fitted to shuffled labels) becomes champion, as there is none yet.
    training = build_training_set(contacts, taxonomy=load_taxonomy())
    result = train_classifier(training, TrainConfig(features="tfidf", C=(1.0,)))
    shuffled = np.random.default_rng(0).permutation(result.train["label"].to_numpy())
    result.model = RootCauseClassifier(features="tfidf", C=1.0, threshold=0.5)
    result.model.fit(result.train["clean_text"], shuffled)
    configure(workspace)
    first = log_and_register(result, evaluate(result.model, result.test, training.families), training, "rc")
    assert first.gate is not None and first.gate.promoted
    assert _aliases("rc") == {CHALLENGER: "1", CHAMPION: "1"}

    # v2: trained on the real labels, better on its own held-out set, so it takes champion.
    better = _train(labelled, capsys)
    assert better["verdict"] == "promoted"
    assert (better["challenger"], better["champion"]) == ("2", "1")
    assert float(better["new"]) > float(better["old"])
    assert int(better["n"]) > 0
    assert _aliases("rc") == {CHALLENGER: "2", CHAMPION: "2"}
    tags = _version_tags("rc", "2")
    assert tags["promoted"] == "true" and tags["gate"] == better.group(0)

    # v3: the same data and settings again; a tie goes to the newer model.
    equal = _train(labelled, capsys)
    assert equal["verdict"] == "promoted"
    assert (equal["challenger"], equal["champion"]) == ("3", "2")
    assert equal["new"] == equal["old"]
    assert _aliases("rc") == {CHALLENGER: "3", CHAMPION: "3"}
    assert _version_tags("rc", "3")["promoted"] == "true"
    assert _version_tags("rc", "1")["promoted"] == "true"  # v1's own record is left as it was
