"""The label catalogue: versions, history, what discovery gets back next week."""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from label_data import centroid_of, make_contacts, make_themes_dir

from training.labelling import catalogue as catalogue_module
from training.labelling.catalogue import (
    Catalogue,
    ContactLabel,
    ImportInfo,
    ThemeDecision,
    catalogue_url,
    previous_themes,
)


def accept(theme_id: int, label: str) -> ThemeDecision:
    return ThemeDecision(
        theme_id=theme_id, action="accept", label=label, centroid=centroid_of(theme_id), size=10
    )


@pytest.fixture(scope="module")
def postgres_url() -> Iterator[str]:
    """A throwaway PostgreSQL server on a unix socket (skipped where there is none)."""
    pytest.importorskip("psycopg", reason="psycopg (the PostgreSQL driver) is not installed")
    initdb, pg_ctl = shutil.which("initdb"), shutil.which("pg_ctl")
    if not (initdb and pg_ctl):
        pytest.skip("PostgreSQL server binaries (initdb, pg_ctl) are not installed")
    prefix: list[str] = []
    root = Path(tempfile.mkdtemp(prefix="voc-pg-"))
    if os.geteuid() == 0:  # postgres refuses to run as root: run it as the postgres user
        runuser = shutil.which("runuser")
        try:
            user = pwd.getpwnam("postgres")
        except KeyError:
            pytest.skip("running as root and there is no postgres user to run PostgreSQL as")
        if runuser is None:
            pytest.skip("running as root and runuser is missing")
        os.chown(root, user.pw_uid, user.pw_gid)
        prefix = [runuser, "-u", "postgres", "--"]
    data = root / "data"
    run = {"check": True, "capture_output": True, "timeout": 120}
    subprocess.run([*prefix, initdb, "-D", str(data), "-A", "trust", "-U", "postgres", "--no-sync"], **run)
    options = f"-c listen_addresses='' -k {root} -c fsync=off"
    subprocess.run(
        [*prefix, pg_ctl, "-D", str(data), "-o", options, "-l", str(root / "log"), "-w", "start"], **run
    )
    try:
        yield f"postgresql+psycopg://postgres@/postgres?host={root}"
    finally:
        subprocess.run([*prefix, pg_ctl, "-D", str(data), "-m", "immediate", "stop"], capture_output=True)
        shutil.rmtree(root, ignore_errors=True)


def test_versions_keep_history_and_the_latest_decision_wins(tmp_path: Path) -> None:
    versions_scenario(Catalogue(tmp_path / "labels.db"))
    again = Catalogue(catalogue_url(tmp_path / "labels.db"))  # next week, another process
    assert again.labelled_themes()["theme_id"].tolist() == [0, 1, 5]


def test_a_postgresql_catalogue_works_the_same(postgres_url: str) -> None:
    cat = Catalogue(postgres_url)
    versions_scenario(cat)
    cat.record_contact_labels([ContactLabel("C1", "partial_refund")], ImportInfo(who="carol"))
    assert cat.contact_labels()["label"].tolist() == ["partial_refund"]
    assert cat.history()["version"].tolist() == [1, 2, 3]


def versions_scenario(cat: Catalogue) -> None:
    v1 = cat.record_theme_decisions(
        [accept(0, "refund_not_received"), accept(1, "shipping_delay"), accept(2, "wrong_size_fit")],
        ImportInfo(who="alice", source="week47.xlsx", taxonomy_version="2026.11.1"),
    )
    v2 = cat.record_theme_decisions(
        [
            accept(1, "lost_parcel"),  # renamed
            ThemeDecision(theme_id=2, action="noise", centroid=centroid_of(2)),  # no longer a cause
            ThemeDecision(
                theme_id=5,
                action="merge_into",
                merged_into=0,
                label="refund_not_received",
                centroid=centroid_of(5),
            ),
        ],
        ImportInfo(who="bob", source="week48.xlsx"),
    )
    assert (v1, v2) == (1, 2)

    labelled = cat.labelled_themes()
    assert labelled.columns.tolist() == ["theme_id", "centroid", "label", "version", "encoder", "exemplars"]
    assert labelled[["theme_id", "label", "version"]].to_dict("records") == [
        {"theme_id": 0, "label": "refund_not_received", "version": 1},
        {"theme_id": 1, "label": "lost_parcel", "version": 2},
        {"theme_id": 5, "label": "refund_not_received", "version": 2},
    ]
    centroids = np.vstack(labelled["centroid"].to_numpy())
    assert centroids.shape == (3, 384) and centroids.dtype == np.float32
    np.testing.assert_array_equal(centroids[0], centroid_of(0))

    history = cat.history()
    assert history[["version", "who", "kind", "source", "n_decisions"]].to_dict("records") == [
        {"version": 1, "who": "alice", "kind": "themes", "source": "week47.xlsx", "n_decisions": 3},
        {"version": 2, "who": "bob", "kind": "themes", "source": "week48.xlsx", "n_decisions": 3},
    ]
    assert (history["created_at"].diff().dropna() >= np.timedelta64(0)).all()
    theme1 = cat.theme_history(1)
    assert theme1[["version", "label", "who"]].to_dict("records") == [
        {"version": 1, "label": "shipping_delay", "who": "alice"},
        {"version": 2, "label": "lost_parcel", "who": "bob"},
    ]
    cat.close()


def test_an_import_that_fails_midway_leaves_nothing_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cat = Catalogue(tmp_path / "labels.db")
    cat.record_theme_decisions([accept(0, "refund_not_received")], ImportInfo(who="alice"))
    real = catalogue_module._to_bytes
    calls = {"n": 0}

    def flaky(vector: np.ndarray) -> bytes:
        calls["n"] += 1
        if calls["n"] == 2:
            raise OSError("disk full")
        return real(vector)

    monkeypatch.setattr(catalogue_module, "_to_bytes", flaky)
    with pytest.raises(OSError, match="disk full"):
        cat.record_theme_decisions([accept(1, "shipping_delay"), accept(2, "wrong_size_fit")], ImportInfo())
    assert cat.history()["version"].tolist() == [1]
    assert cat.theme_decisions()["theme_id"].tolist() == [0]


def test_contact_labels_latest_per_contact(tmp_path: Path) -> None:
    cat = Catalogue(f"sqlite:///{tmp_path / 'labels.db'}")
    cat.record_contact_labels(
        [ContactLabel("C1", "partial_refund", theme_id=0), ContactLabel("C2", "changed_mind")],
        ImportInfo(who="a"),
    )
    cat.record_contact_labels(
        [ContactLabel("C1", "refund_not_received", notes="re-read it")], ImportInfo(who="b")
    )
    labels = cat.contact_labels()
    assert labels[["contact_id", "label", "version"]].to_dict("records") == [
        {"contact_id": "C1", "label": "refund_not_received", "version": 2},
        {"contact_id": "C2", "label": "changed_mind", "version": 1},
    ]
    assert cat.history()["kind"].tolist() == ["contacts", "contacts"]
    assert cat.labelled_themes().empty


def test_decisions_are_checked_and_urls_resolved(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="accept needs a label"):
        ThemeDecision(theme_id=1, action="accept")
    with pytest.raises(ValueError, match="not in"):
        ThemeDecision(theme_id=1, action="rename", label="x")
    assert catalogue_url("postgresql+psycopg://voc@db/labels") == "postgresql+psycopg://voc@db/labels"
    assert catalogue_url(tmp_path / "x.db") == f"sqlite:///{tmp_path / 'x.db'}"
    assert Catalogue.in_workspace(tmp_path).url.endswith("/labels.db")
    empty = Catalogue("sqlite:///:memory:")
    assert empty.labelled_themes().columns.tolist() == [
        "theme_id",
        "centroid",
        "label",
        "version",
        "encoder",
        "exemplars",
    ]
    assert empty.history().empty and empty.contact_labels().empty


def test_labels_survive_next_weeks_themes(tmp_path: Path) -> None:
    """What discovery does with labelled_themes(): next week's themes, renumbered and drifted a
    little, find their labelled predecessor by centroid similarity (nlp.themes does the real match)."""
    cat = Catalogue(tmp_path / "labels.db")
    cat.record_theme_decisions(
        [accept(0, "refund_not_received"), accept(1, "shipping_delay"), accept(2, "wrong_size_fit")],
        ImportInfo(),
    )
    labelled = cat.labelled_themes()
    rng = np.random.default_rng(3)
    next_week = np.vstack([centroid_of(t) + rng.normal(scale=0.02, size=384) for t in (2, 0, 1)])
    next_week /= np.linalg.norm(next_week, axis=1, keepdims=True)
    similarity = next_week @ np.vstack(labelled["centroid"].to_numpy()).T
    matched = labelled["label"].to_numpy()[similarity.argmax(axis=1)]
    assert matched.tolist() == ["wrong_size_fit", "refund_not_received", "shipping_delay"]
    assert similarity.max(axis=1).min() > 0.9


def test_previous_themes_reads_a_run_folder_or_a_catalogue(tmp_path: Path) -> None:
    run = make_themes_dir(tmp_path / "run", make_contacts())
    from_run = previous_themes(run)
    assert from_run.columns.tolist() == ["theme_id", "centroid", "label", "encoder", "exemplars"]
    assert from_run["theme_id"].tolist() == [0, 1, 2, 3] and from_run["label"].isna().all()
    np.testing.assert_array_equal(from_run["centroid"].iloc[2], centroid_of(2))

    cat = Catalogue(tmp_path / "labels.db")
    cat.record_theme_decisions([accept(1, "shipping_delay")], ImportInfo())
    for target in (tmp_path / "labels.db", f"sqlite:///{tmp_path / 'labels.db'}"):
        from_catalogue = previous_themes(target)
        assert from_catalogue[["theme_id", "label"]].to_dict("records") == [
            {"theme_id": 1, "label": "shipping_delay"}
        ]
    with pytest.raises(FileNotFoundError):
        previous_themes(tmp_path / "nothing-here")
