"""``voc discover`` end to end: outputs, stable ids with --previous, no PII in anything written."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.preprocessing import FunctionTransformer

from cli.main import main
from nlp.embed import Embedder
from voc.contracts.themes import read_assignments

IDENTITY = FunctionTransformer()

TEMPLATES = [
    "my parcel is {d} days late, call me on 07700 900{d:03d}",
    "I returned the shoes {d} days ago and still have no refund, email me at ann{d}@example.com",
    "the discount code was rejected at checkout {d} times",
    "please cancel order {d} before it ships",
]
PII = ["07700 900", "@example.com"]


def contacts(n_per_template: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    texts = [t.format(d=int(rng.integers(1, 60))) for t in TEMPLATES for _ in range(n_per_template)]
    df = pd.DataFrame({"contact_id": [f"c{seed}-{i}" for i in range(len(texts))], "text": texts})
    bad = pd.DataFrame({"contact_id": ["", "x1"], "text": ["no id here", ""]})
    return pd.concat([df, bad], ignore_index=True)


@pytest.fixture
def workspace(tmp_path, monkeypatch, embedder: Embedder):
    monkeypatch.setenv("VOC_WORKSPACE", str(tmp_path / "ws"))
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    # Reuse the session's loaded model instead of loading MiniLM again.
    loaded = embedder.model
    monkeypatch.setattr(Embedder, "model", property(lambda self: loaded))
    return tmp_path / "ws"


@pytest.mark.slow
def test_discover_writes_themes_keeps_ids_and_leaks_no_pii(tmp_path, workspace, capsys):
    week1, week2 = tmp_path / "week1.csv", tmp_path / "week2.csv"
    contacts(25, seed=1).to_csv(week1, index=False)
    contacts(25, seed=2).to_csv(week2, index=False)

    # 25 contacts per template and themes of at least 15: a template cannot split into two themes,
    # whatever the floating-point noise of this machine's BLAS (with 8 it did, on some CPUs).
    assert main(["discover", str(week1), "--out", str(tmp_path / "out1"), "--min-theme-size", "15"]) == 0
    err = capsys.readouterr().err
    assert "read 102 = accepted 100 + quarantined 2" in err
    out1 = tmp_path / "out1"
    assignments = pd.read_parquet(out1 / "assignments.parquet")
    themes = pd.read_parquet(out1 / "themes.parquet")
    sheet = pd.read_csv(out1 / "themes.csv")
    assert list(assignments.columns) == ["contact_id", "theme_id", "probability"]
    assert len(assignments) == 100 and (assignments["theme_id"] >= 0).mean() >= 0.95
    assert set(assignments["theme_id"]) - {-1} == set(themes["theme_id"])
    assert {"theme_id", "parent_id", "size", "keywords", "exemplars", "is_new", "label"} <= set(sheet.columns)
    assert "centroid" in themes and "centroid" not in sheet
    assert len(themes) == 4 and themes["is_new"].all()

    assert main(["discover", str(week2), "--out", str(tmp_path / "out2"), "--previous", str(out1)]) == 0
    themes2 = pd.read_parquet(tmp_path / "out2" / "themes.parquet")
    assert sorted(themes2["theme_id"]) == sorted(themes["theme_id"]) and not themes2["is_new"].any()

    written = [f for f in (tmp_path / "out1").rglob("*") if f.is_file()]
    written += [f for f in workspace.rglob("*") if f.is_file() and f.suffix != ".db"]
    for file in written:
        data = file.read_bytes()
        for secret in PII:
            assert secret.encode() not in data, f"{secret!r} in {file}"
    import mlflow

    mlflow.set_tracking_uri(f"sqlite:///{workspace / 'mlflow.db'}")
    runs = mlflow.search_runs(experiment_names=["voc-themes"])
    assert len(runs) == 2 and runs["metrics.n_themes"].eq(4).all()
    assert (workspace / "mlartifacts").is_dir()


@pytest.mark.slow
def test_discover_numbers_the_rows_of_a_file_without_ids(tmp_path, workspace):
    # A public intent dataset: text and gold label, no contact_id.
    path = tmp_path / "intents.csv"
    contacts(10, seed=3).iloc[:40].drop(columns=["contact_id"]).assign(intent="x").to_csv(path, index=False)

    assert main(["discover", str(path), "--out", str(tmp_path / "out"), "--min-theme-size", "5"]) == 0
    assignments = pd.read_parquet(tmp_path / "out" / "assignments.parquet")
    assert sorted(assignments["contact_id"]) == sorted(f"row-{n}" for n in range(1, 41))


@pytest.mark.slow
def test_discover_keeps_contacts_in_other_languages_out_of_the_themes(tmp_path, workspace, capsys):
    from voc.synth.foreign import SITUATIONS

    german = [s for cause in SITUATIONS.values() for s in cause["de"]][:12]
    french = [s for cause in SITUATIONS.values() for s in cause["fr"]][:5]
    foreign = pd.DataFrame({"contact_id": [f"f{i}" for i in range(17)], "text": german + french})
    path = tmp_path / "mixed.csv"
    pd.concat([contacts(20, seed=4), foreign], ignore_index=True).to_csv(path, index=False)

    assert main(["discover", str(path), "--out", str(tmp_path / "out"), "--min-theme-size", "10"]) == 0
    assert "17 contacts in other languages kept out of the themes: de 12, fr 5" in capsys.readouterr().out
    assignments = pd.read_parquet(tmp_path / "out" / "assignments.parquet").set_index("contact_id")
    assert (assignments.loc[foreign["contact_id"], "theme_id"] == -1).all()
    assert len(pd.read_parquet(tmp_path / "out" / "themes.parquet")) == 4
    languages = pd.read_csv(tmp_path / "out" / "languages.csv", keep_default_na=False)
    counted = {(r.language, r.clustered): r.contacts for r in languages.itertuples()}
    assert counted == {("en", True): 80, ("de", False): 12, ("fr", False): 5}


def test_discover_rejects_a_missing_text_column(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("VOC_WORKSPACE", str(tmp_path / "ws"))
    file = tmp_path / "c.csv"
    pd.DataFrame({"contact_id": ["1"], "body": ["hello"]}).to_csv(file, index=False)
    assert main(["discover", str(file), "--out", str(tmp_path / "out")]) == 2
    assert "text" in capsys.readouterr().err


def test_discover_help_has_examples(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "100")
    assert main(["discover", "--help"]) == 0
    assert "voc discover week48.parquet --out workspace/themes-w48 --previous workspace/themes" in (
        capsys.readouterr().out
    )


class KeywordEncoder:
    """A stand-in for MiniLM: one direction per template's keyword, plus a little seeded noise."""

    KEYWORDS = ("parcel", "refund", "discount", "cancel")

    def get_sentence_embedding_dimension(self) -> int:
        return 16

    def encode(self, texts: list[str], **_: object) -> np.ndarray:
        rng = np.random.default_rng(len(texts))
        X = rng.normal(scale=0.05, size=(len(texts), 16)).astype(np.float32)
        for i, text in enumerate(texts):
            for k, word in enumerate(self.KEYWORDS):
                X[i, k] += word in text
        return X / np.linalg.norm(X, axis=1, keepdims=True)


def test_run_discovery_returns_a_typed_result_and_logs_a_tagged_run(tmp_path, monkeypatch):
    import mlflow

    from nlp.discovery import DiscoveryConfig, DiscoveryResult, run_discovery
    from voc.workspace import Workspace

    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    monkeypatch.setattr(Embedder, "model", property(lambda self: KeywordEncoder()))
    # No UMAP here (its first fit compiles for a minute): cluster the stand-in vectors themselves.
    without_umap = DiscoveryConfig.model
    monkeypatch.setattr(
        DiscoveryConfig, "model", lambda self: without_umap(self).set_params(reducer=IDENTITY)
    )
    workspace = Workspace(tmp_path / "ws")
    week1 = tmp_path / "week1.csv"
    contacts(25, seed=1).to_csv(week1, index=False)

    config = DiscoveryConfig(min_theme_size=8)
    first = run_discovery(week1, tmp_path / "out1", workspace, config)
    assert isinstance(first, DiscoveryResult)
    assert (first.counts.accepted, first.counts.quarantined) == (100, 2)
    assert (first.n_contacts, first.n_themes, first.n_new) == (100, 4, 4) and first.coverage >= 0.95
    assert first.themes_csv == tmp_path / "out1" / "themes.csv"
    quarantine = pd.read_csv(tmp_path / "out1" / "quarantine.csv")
    assert list(quarantine.columns) == ["source_row", "contact_id", "reason", "detail", "text"]

    # --previous, resolved by the caller into a frame: the same themes keep their ids and labels.
    previous = pd.read_parquet(tmp_path / "out1" / "themes.parquet").assign(label="a cause")
    second = run_discovery(week1, tmp_path / "out2", workspace, config, previous_themes=previous)
    themes2 = pd.read_parquet(tmp_path / "out2" / "themes.parquet")
    assert second.n_new == 0 and set(themes2["label"]) == {"a cause"}
    # ...and through the CLI, which resolves a run folder given to --previous.
    argv = ["--workspace", str(workspace.root), "discover", str(week1), "--out", str(tmp_path / "out3")]
    assert main([*argv, "--min-theme-size", "8", "--previous", str(tmp_path / "out2")]) == 0
    assert set(pd.read_parquet(tmp_path / "out3" / "themes.parquet")["label"]) == {"a cause"}

    mlflow.set_tracking_uri(f"sqlite:///{workspace.mlflow_db}")
    runs = mlflow.search_runs(experiment_names=["voc-themes"])
    assert len(runs) == 3 and {first.run_id, second.run_id} <= set(runs["run_id"])
    assert runs["tags.voc.stage"].eq("discover").all() and runs["metrics.n_themes"].eq(4).all()
    experiment = mlflow.get_experiment_by_name("voc-themes")
    assert experiment is not None
    assert experiment.artifact_location.startswith((workspace.mlflow_artifacts / "voc-themes").as_uri())
    # The trail: a described experiment, runs named for the week and described, and the run's id in
    # the files a training set is made from.
    assert experiment.tags.get("mlflow.note.content")
    assert runs["tags.mlflow.runName"].eq("discover-week1").all()  # no dates: named for the file
    assert runs["tags.mlflow.note.content"].str.contains("4 themes").all()
    assert read_assignments(tmp_path / "out1").attrs["voc"]["discovery_run_id"] == first.run_id


def test_discovery_config_rejects_a_bad_min_theme_size_before_reading(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("VOC_WORKSPACE", str(tmp_path / "ws"))
    missing = tmp_path / "nowhere.csv"
    assert main(["discover", str(missing), "--out", str(tmp_path / "out"), "--min-theme-size", "1"]) == 2
    assert "min_theme_size must be an int >= 2, got 1" in capsys.readouterr().err
