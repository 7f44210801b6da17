"""``voc tag --workers``: the model in several processes tags what one process would, in order."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest
from label_data import register_keyword_model

from cli.main import main
from training.pyfunc import RootCauseModel, load_predictor
from training.tagging.workers import (
    BYTES_PER_CONTACT,
    PARALLEL_ROWS,
    WORKER_MB,
    PredictorPool,
    choose_workers,
)
from voc.errors import InputError

WORDS = ("my refund never came", "parcel is late again", "wrong size, too small", "hello there")


@pytest.fixture(scope="module")
def keyword_model(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    ws = tmp_path_factory.mktemp("ws")
    return ws, register_keyword_model(f"sqlite:///{ws / 'mlflow.db'}", ws / "mlartifacts")


@pytest.fixture(scope="module")
def pool(keyword_model: tuple[Path, str]) -> Iterator[PredictorPool]:
    with PredictorPool(keyword_model[1], None, workers=2, batch_size=7) as started:
        pids = started.start()
        assert len(set(pids)) == 2 and os.getpid() not in pids  # each worker loaded the model
        yield started


def _frame(n: int) -> pd.DataFrame:
    return pd.DataFrame({"text": [f"{WORDS[i % len(WORDS)]} #{i}" for i in range(n)]})


@pytest.mark.slow  # starts worker processes (each imports MLflow)
def test_the_pool_answers_as_the_model_does_in_order_from_both_workers(
    pool: PredictorPool, keyword_model: tuple[Path, str]
) -> None:
    frame = _frame(60)
    alone, _ = load_predictor(keyword_model[1])
    expected = pd.DataFrame(alone.predict(frame))
    got = pool.predict(frame)
    pd.testing.assert_frame_equal(got.reset_index(drop=True), expected.reset_index(drop=True))
    assert len(pool.peak_rss_mb) == 2 and all(mb > 0 for mb in pool.peak_rss_mb.values())


@pytest.mark.slow  # starts worker processes (each imports MLflow)
def test_a_call_smaller_than_the_pool_still_gets_every_row(pool: PredictorPool) -> None:
    assert pool.predict(_frame(1))["root_cause"].tolist() == ["refund_not_received"]


def test_a_model_that_does_not_exist_is_named_in_the_error(keyword_model: tuple[Path, str]) -> None:
    import mlflow

    store = f"sqlite:///{keyword_model[0] / 'mlflow.db'}"  # not ./mlruns: the default store
    mlflow.set_tracking_uri(store)
    mlflow.set_registry_uri(store)
    with pytest.raises(InputError, match="models:/no-such-model/1"):
        PredictorPool("models:/no-such-model/1", None, workers=2)


def test_workers_are_chosen_from_the_input_size_the_cores_and_the_memory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import training.tagging.workers as workers

    small, large = tmp_path / "small.csv", tmp_path / "large.csv"
    small.write_text("contact_id,text\n1,hi\n")
    with open(large, "wb") as fh:
        fh.truncate(PARALLEL_ROWS * BYTES_PER_CONTACT)
    few, many = tmp_path / "few.parquet", tmp_path / "many.parquet"
    pd.DataFrame({"text": ["hi"] * (PARALLEL_ROWS - 1)}).to_parquet(few)  # a small file, by bytes
    pd.DataFrame({"text": ["hi"] * PARALLEL_ROWS}).to_parquet(many)
    week = tmp_path / "week.parquet"
    pd.DataFrame({"text": ["hi"] * 10 * PARALLEL_ROWS}).to_parquet(week)
    monkeypatch.setattr(workers, "available_memory_mb", lambda: 64_000.0)
    monkeypatch.setattr(workers, "available_cores", lambda: 16)
    assert [choose_workers(None, p) for p in (small, large, few, many, week)] == [1, 8, 1, 8, 8]
    monkeypatch.setattr(workers, "available_cores", lambda: 2)  # one process keeps 2 cores busy
    assert [choose_workers(None, p) for p in (small, large, few, many, week)] == [1, 1, 1, 1, 1]
    # no more workers than the memory holds, and one when it holds less than one
    monkeypatch.setattr(workers, "available_cores", lambda: 16)
    monkeypatch.setattr(workers, "available_memory_mb", lambda: 3.5 * WORKER_MB)
    assert choose_workers(None, week) == 3
    monkeypatch.setattr(workers, "available_memory_mb", lambda: 0.5 * WORKER_MB)
    assert choose_workers(None, week) == 1
    monkeypatch.setattr(workers, "available_memory_mb", lambda: None)  # unknown: by the cores
    assert choose_workers(None, week) == 8
    assert choose_workers(3, small) == 3  # asked for: always


def test_available_memory_is_read_from_the_kernel() -> None:
    from training.tagging.workers import available_memory_mb

    memory = available_memory_mb()
    assert memory is not None and 0 < memory < 1e8


@pytest.mark.slow  # starts worker processes (each imports MLflow)
def test_voc_tag_with_two_workers_writes_what_one_process_writes(
    tmp_path: Path, keyword_model: tuple[Path, str]
) -> None:
    ws, uri = keyword_model
    source = tmp_path / "contacts.csv"
    frame = _frame(45).assign(contact_id=[f"c{i}" for i in range(45)], created_at="2026-11-02")
    frame.to_csv(source, index=False)
    outs = {}
    for workers in (1, 2):
        out = tmp_path / f"tagged-{workers}.parquet"
        args = ["tag", str(source), "--model", uri, "--out", str(out), "--chunk-size", "20"]
        assert main(["--workspace", str(ws), *args, "--workers", str(workers)]) == 0
        outs[workers] = pd.read_parquet(out)
    assert outs[2]["contact_id"].tolist() == [f"c{i}" for i in range(45)]
    pd.testing.assert_frame_equal(outs[1], outs[2])


def test_workers_with_spark_are_refused(
    tmp_path: Path, keyword_model: tuple[Path, str], capsys: pytest.CaptureFixture[str]
) -> None:
    ws, uri = keyword_model
    source = tmp_path / "contacts.csv"
    _frame(3).assign(contact_id=["a", "b", "c"]).to_csv(source, index=False)
    args = ["tag", str(source), "--model", uri, "--out", str(tmp_path / "t.parquet"), "--engine", "spark"]
    assert main(["--workspace", str(ws), *args, "--workers", "2"]) == 2
    assert "--workers applies to --engine local" in capsys.readouterr().err


def test_a_worker_embeds_with_the_threads_it_is_given(monkeypatch: pytest.MonkeyPatch) -> None:
    import nlp.onnx_encoder
    from nlp.embed import EmbedConfig, Embedder

    seen: dict[str, nlp.onnx_encoder.FastEncoderConfig] = {}

    def capture(path: str, device: str, config: nlp.onnx_encoder.FastEncoderConfig) -> object:
        return seen.setdefault("c", config)

    monkeypatch.setattr(nlp.onnx_encoder, "fast_encoder", capture)
    embedder = Embedder(EmbedConfig(backend="onnx-int8", show_progress=False))
    model = RootCauseModel(SimpleNamespace(embedder=embedder), {})
    model.limit_threads(1)
    embedder.model  # noqa: B018 - builds the ONNX encoder with the config
    assert seen["c"].threads == 1


def test_a_worker_prepares_a_large_batch_in_its_own_process(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each of N workers forking a preparation helper of its own would run 2N processes on N cores."""
    import nlp.prepare

    class Prepared(Exception):
        pass

    seen: list[int | None] = []

    def capture(contacts: pd.DataFrame, config: nlp.prepare.PrepareConfig | None = None) -> None:
        seen.append(nlp.prepare._workers(config or nlp.prepare.PrepareConfig(), len(contacts)))
        raise Prepared

    monkeypatch.setattr(nlp.prepare, "prepare_contacts", capture)
    model = RootCauseModel(SimpleNamespace(embedder=None), {})
    batch = pd.DataFrame({"text": ["my parcel never came"] * 5_000})
    for threads in (None, 1):
        if threads:
            model.limit_threads(threads)
        with pytest.raises(Prepared):
            model.predict(None, batch)
    assert seen[1] == 1
    assert seen[0] == nlp.prepare._workers(nlp.prepare.PrepareConfig(), 5_000)  # alone: every core
