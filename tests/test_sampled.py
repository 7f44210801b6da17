"""Discovery of a large input on a sample (``nlp/sampled.py``): every contact gets a row and a theme
from the sample's themes, the output contracts hold, the same seed gives the same themes, and an
input at or below the sample size takes the whole path as before."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import make_blobs
from sklearn.preprocessing import FunctionTransformer

from cli.main import main
from nlp.discovery import DiscoveryConfig, run_discovery
from nlp.embed import Embedder
from nlp.sampled import SampleAssigner, draw_sample
from voc.contracts.themes import MEMBER_COLUMNS, read_assignments
from voc.workspace import Workspace

KEYWORDS = ("parcel", "refund", "discount", "cancel")
TEMPLATES = [
    "my parcel is {d} days late, call me on 07700 900{d:03d}",
    "I returned the shoes {d} days ago and still have no refund, email me at ann{d}@example.com",
    "the discount code was rejected at checkout {d} times",
    "please cancel order {d} before it ships",
]


def contacts(n_per_template: int, seed: int) -> pd.DataFrame:
    """Contacts of four templates (ids ``c<k>-<template>-<i>``) and two rows the contract rejects."""
    rng = np.random.default_rng(seed)
    rows = [
        (f"c{k}-{t}", template.format(d=int(rng.integers(1, 60))))
        for t, template in enumerate(TEMPLATES)
        for k in range(n_per_template)
    ]
    df = pd.DataFrame(rows, columns=["contact_id", "text"])
    bad = pd.DataFrame({"contact_id": ["", "x1"], "text": ["no id here", ""]})
    return pd.concat([df, bad], ignore_index=True).sample(frac=1.0, random_state=seed)


class KeywordEncoder:
    """A stand-in for MiniLM: one direction per template's keyword, plus a little seeded noise."""

    def __init__(self, dim: int = 16, noise: float = 0.05) -> None:
        self.dim, self.noise = dim, noise
        self.calls: list[int] = []

    def get_sentence_embedding_dimension(self) -> int:
        return self.dim

    def encode(self, texts: list[str], **_: object) -> np.ndarray:
        self.calls.append(len(texts))
        rng = np.random.default_rng(len(texts))
        X = rng.normal(scale=self.noise, size=(len(texts), self.dim)).astype(np.float32)
        for i, text in enumerate(texts):
            for k, word in enumerate(KEYWORDS):
                X[i, k] += word in text
        return X / np.linalg.norm(X, axis=1, keepdims=True)


class Refuses:
    """A cheap encoder that must not be used."""

    def encode(self, texts: list[str]) -> np.ndarray:
        raise AssertionError("the cheap encoder ran on an input at or below the sample size")


@pytest.fixture
def stand_ins(monkeypatch: pytest.MonkeyPatch) -> None:
    """MiniLM replaced by keyword vectors, and no UMAP (its first fit compiles for a minute)."""
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    encoder = KeywordEncoder()
    monkeypatch.setattr(Embedder, "model", property(lambda self: encoder))
    whole = DiscoveryConfig.model
    monkeypatch.setattr(
        DiscoveryConfig, "model", lambda self: whole(self).set_params(reducer=FunctionTransformer())
    )


def test_a_large_input_is_clustered_on_a_sample_and_every_contact_assigned(tmp_path, stand_ins):
    source = tmp_path / "week.csv"
    contacts(40, seed=3).to_csv(source, index=False)
    workspace = Workspace(tmp_path / "ws")
    config = DiscoveryConfig(min_theme_size=8, sample_size=60, seed=5)
    cheap = KeywordEncoder(dim=8, noise=0.2)

    result = run_discovery(source, tmp_path / "out", workspace, config, rest_encoder=cheap)

    assert result.sampled and (result.n_contacts, result.n_embedded) == (160, 60)
    assert result.backend == "onnx-int8"  # auto: the fast runtime for a sample
    assert cheap.calls == [160] and 0.9 <= result.static_agreement <= 1.0
    assignments = read_assignments(tmp_path / "out")
    themes = pd.read_parquet(tmp_path / "out" / "themes.parquet")
    members = pd.read_parquet(tmp_path / "out" / "members.parquet")
    assert list(assignments.columns) == ["contact_id", "theme_id", "probability"]
    assert len(assignments) == 160 and assignments["contact_id"].is_unique
    assert set(assignments["contact_id"]) == set(members["contact_id"])
    assert list(members.columns) == list(MEMBER_COLUMNS) and len(members) == 160
    assert result.n_themes == 4 and set(assignments["theme_id"]) <= {-1, *themes["theme_id"]}
    assert result.coverage >= 0.95
    # every contact of a template in one theme, sampled or not; sizes count every contact
    template = assignments["contact_id"].str.split("-").str[1]
    assert assignments.groupby(template)["theme_id"].nunique().eq(1).all()
    counted = assignments.loc[assignments["theme_id"] >= 0, "theme_id"].value_counts()
    assert themes.set_index("theme_id")["size"].sort_index().tolist() == counted.sort_index().tolist()
    assert themes["size"].sum() == (assignments["theme_id"] >= 0).sum()
    assigned = assignments["theme_id"] >= 0
    assert assignments.loc[assigned, "probability"].between(0, 1, inclusive="right").all()
    assert assignments.loc[~assigned, "probability"].eq(0).all()

    again = run_discovery(source, tmp_path / "again", workspace, config, rest_encoder=KeywordEncoder(8, 0.2))
    pd.testing.assert_frame_equal(read_assignments(tmp_path / "again"), assignments)
    repeat = pd.read_parquet(tmp_path / "again" / "themes.parquet")
    columns = ["theme_id", "name", "size", "parent_id"]
    pd.testing.assert_frame_equal(repeat[columns], themes[columns])
    assert again.static_agreement == result.static_agreement


def test_an_input_at_the_sample_size_takes_the_whole_path(tmp_path, stand_ins):
    source = tmp_path / "week.csv"
    contacts(25, seed=1).to_csv(source, index=False)
    config = DiscoveryConfig(min_theme_size=8, sample_size=100)

    workspace = Workspace(tmp_path / "ws")
    result = run_discovery(source, tmp_path / "out", workspace, config, rest_encoder=Refuses())

    assert not result.sampled and result.n_embedded == 100 and result.backend == "onnx-int8"
    assert np.isnan(result.static_agreement) and result.n_themes == 4
    assert (read_assignments(tmp_path / "out")["theme_id"] >= 0).mean() >= 0.95


def test_sample_assigner_learns_themes_and_no_theme_from_cheap_vectors():
    X, y = make_blobs(n_samples=800, centers=4, n_features=8, cluster_std=0.5, random_state=0)
    X = X + 6.0  # away from the origin: the assigner compares directions
    labels = np.where(y == 3, -1, y)  # the fourth blob had no theme
    assigner = SampleAssigner(random_state=1).fit(X[:400], labels[:400])

    predicted, probability = assigner.predict(X[400:])

    assert (predicted == labels[400:]).mean() >= 0.95 and assigner.agreement_ >= 0.95
    assert set(assigner.classes_) == {-1, 0, 1, 2}
    assert (probability[predicted < 0] == 0).all() and (probability[predicted >= 0] > 0.5).all()
    again = SampleAssigner(random_state=1).fit(X[:400], labels[:400]).predict(X[400:])
    assert (again[0] == predicted).all() and (again[1] == probability).all()


def test_sample_assigner_with_one_label_gives_it_to_everyone():
    X = np.random.default_rng(0).normal(size=(50, 4))
    labels, probability = SampleAssigner().fit(X, np.full(50, -1)).predict(X[:5])
    assert labels.tolist() == [-1] * 5 and probability.tolist() == [0.0] * 5


def test_draw_sample_is_seeded_sorted_and_whole_when_small():
    first = draw_sample(1_000, 100, seed=3)
    assert len(first) == len(set(first)) == 100 and (np.diff(first) > 0).all()
    assert (draw_sample(1_000, 100, seed=3) == first).all()
    assert (draw_sample(1_000, 100, seed=4) != first).any()
    assert draw_sample(80, 100, seed=3).tolist() == list(range(80))


def test_the_cli_refuses_a_bad_backend_or_sample_size_before_reading(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("VOC_WORKSPACE", str(tmp_path / "ws"))
    missing, out = str(tmp_path / "nowhere.csv"), str(tmp_path / "out")
    assert main(["discover", missing, "--out", out, "--backend", "gpu"]) == 2
    assert "backend must be one of auto, torch, onnx, onnx-int8, got 'gpu'" in capsys.readouterr().err
    assert main(["discover", missing, "--out", out, "--sample-size", "10"]) == 2
    assert "sample_size must be >= 2 * min_theme_size (30), got 10" in capsys.readouterr().err
