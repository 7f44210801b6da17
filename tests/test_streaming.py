"""Local tagging engine: streaming, quarantine, atomic output, resume after kill -9 (also via ``voc tag``)."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest
from test_tag import register_tfidf_model

from cli.main import main
from training.tagging.local import TagConfig, tag_file
from training.tagging.staging import staging_folder
from voc.errors import InputError

ROOT = Path(__file__).resolve().parents[1]

# A predictor that a subprocess can build: slow enough to be killed in the middle of a run.
SCRIPT = """
import json, sys, time
import pandas as pd
from training.tagging.local import TagConfig, tag_file

class Slow:
    def predict(self, df):
        time.sleep(float(sys.argv[4]))
        text = df["text"].astype(str)
        return pd.DataFrame({
            "root_cause": ["late_delivery" if "late" in t else "wrong_item" for t in text],
            "family": ["delivery" if "late" in t else "return" for t in text],
            "confidence": [len(t) / 100 for t in text],
            "needs_review": [len(t) % 3 == 0 for t in text],
        })

s = tag_file(sys.argv[1], Slow(), sys.argv[2], model_name="root-cause", model_version="7",
             resume=sys.argv[3] == "1", tag_config=TagConfig(chunk_size=100, show_progress=False))
print(json.dumps({"read": s.read, "tagged": s.tagged, "quarantined": s.quarantined,
                  "resumed": s.chunks_resumed, "chunks": s.chunks}))
"""


# `voc tag` with the real registered pyfunc, killed (SIGKILL) in chunk 2: the model prepares each
# chunk's contacts in one call, so the second call is chunk 2, after chunk 1 was recorded.
KILLED_IN_CHUNK_2 = """
import os, signal, sys
import nlp.prepare
from cli.main import main

real = nlp.prepare.prepare_contacts
calls = []

def prepare_then_die_in_chunk_2(frame, *args, **kwargs):
    calls.append(len(frame))
    if len(calls) == 2:
        os.kill(os.getpid(), signal.SIGKILL)
    return real(frame, *args, **kwargs)

nlp.prepare.prepare_contacts = prepare_then_die_in_chunk_2
sys.exit(main(sys.argv[1:]))
"""


class Echo:
    """Fast predictor: root cause from a keyword, counts its calls."""

    def __init__(self) -> None:
        self.rows = 0

    def predict(self, df: pd.DataFrame) -> pd.DataFrame:
        self.rows += len(df)
        text = df["text"].astype(str)
        return pd.DataFrame(
            {
                "root_cause": ["late_delivery" if "late" in t else "wrong_item" for t in text],
                "family": ["delivery" if "late" in t else "return" for t in text],
                "confidence": [len(t) / 100 for t in text],
                "needs_review": [len(t) % 3 == 0 for t in text],
            }
        )


class DiesInSecondChunk(Echo):
    """Tags the first chunk, then stops as a crash would (the run is left to resume)."""

    def predict(self, df: pd.DataFrame) -> pd.DataFrame:
        if self.rows:
            raise KeyboardInterrupt
        return super().predict(df)


def make_contacts(path: Path, n: int, seed: int = 0) -> set[str]:
    """Write ``n`` contacts with some bad rows; return the ids that must be accepted."""
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        cid = f"c{i:06d}"
        text = rng.choice(["parcel is late again", "wrong size sent", "late refund, call 555-123-4567"])
        text = f"{text} #{i % 50}"
        bad = rng.random()
        if bad < 0.03:
            text = ""
        elif bad < 0.05 and i > 10:
            cid = f"c{rng.randrange(i):06d}"  # a duplicate, often of a row in an earlier chunk
        rows.append({"contact_id": cid, "text": text, "channel": rng.choice(["chat", "email", "app"])})
    frame = pd.DataFrame(rows)
    # the accepted set by the contract's rule: the first valid row with an id wins
    valid = frame[frame["text"] != ""]
    accepted = set(valid.drop_duplicates("contact_id")["contact_id"])
    frame.to_csv(path, index=False)
    return accepted


def test_tag_file_writes_every_accepted_row_once_with_model_stamp(tmp_path: Path) -> None:
    source = tmp_path / "contacts.csv"
    accepted = make_contacts(source, 700)
    out = tmp_path / "tags.parquet"
    predictor = Echo()
    summary = tag_file(
        source, predictor, out, model_name="rc", model_version=3, tag_config=TagConfig(chunk_size=128)
    )
    tags = pd.read_parquet(out)
    quarantine = pd.read_parquet(tmp_path / "tags.quarantine.parquet")
    assert sorted(tags["contact_id"]) == sorted(accepted)
    assert summary.read == 700 == summary.tagged + summary.quarantined
    assert len(quarantine) == summary.quarantined and set(quarantine["reason"]) <= {
        "empty_text",
        "duplicate_id",
    }
    assert set(tags["model_name"]) == {"rc"} and set(tags["model_version"]) == {"3"}
    assert "[PHONE]" in " ".join(tags["clean_text"]) or "555-123-4567" not in " ".join(tags["clean_text"])
    assert predictor.rows < summary.tagged  # identical (text, channel) pairs predicted once
    assert not staging_folder(out).exists()
    assert "read 700 = tagged" in summary.summary()


class Concurrent(Echo):
    """A double of the worker pool: takes two calls at once and returns the ``clean_text`` it made.
    The first chunk's call waits until the second chunk's has started, so a run that never
    overlaps them gets no answer."""

    metadata = SimpleNamespace(
        signature=SimpleNamespace(params=SimpleNamespace(params=[SimpleNamespace(name="return_clean_text")]))
    )

    def __init__(self, concurrent_calls: int = 2, fail_in: int | None = None) -> None:
        super().__init__()
        self.concurrent_calls = concurrent_calls
        self.started: list[threading.Event] = [threading.Event() for _ in range(64)]
        self.calls = 0
        self.overlapped = False
        self.fail_in = fail_in
        self.lock = threading.Lock()

    def predict(self, df: pd.DataFrame, params: dict[str, bool] | None = None) -> pd.DataFrame:
        with self.lock:
            call, self.calls = self.calls, self.calls + 1
        self.started[call].set()
        if call == 0 and self.concurrent_calls > 1:
            self.overlapped = self.started[1].wait(timeout=20)
        if call == self.fail_in:
            raise RuntimeError(f"worker lost in call {call}")
        return super().predict(df).assign(clean_text=df["text"].astype(str).str.lower())


def test_a_pool_gets_the_next_chunk_while_the_last_one_is_written(tmp_path: Path) -> None:
    source = tmp_path / "contacts.csv"
    accepted = make_contacts(source, 700)
    config = TagConfig(chunk_size=128, show_progress=False)
    outs = {}
    for name, predictor in (("one", Concurrent(concurrent_calls=1)), ("pool", Concurrent())):
        out = tmp_path / f"{name}.parquet"
        summary = tag_file(source, predictor, out, model_name="rc", model_version=1, tag_config=config)
        assert summary.read == 700 == summary.tagged + summary.quarantined
        outs[name] = pd.read_parquet(out)
    assert predictor.overlapped  # chunk 2 was asked for before chunk 1 came back
    assert sorted(outs["pool"]["contact_id"]) == sorted(accepted)
    pd.testing.assert_frame_equal(outs["one"], outs["pool"])  # same rows, same order


def test_a_pool_call_that_fails_stops_the_run_and_resume_completes_it(tmp_path: Path) -> None:
    source = tmp_path / "contacts.csv"
    accepted = make_contacts(source, 700)
    out = tmp_path / "tags.parquet"
    config = TagConfig(chunk_size=128, show_progress=False)
    with pytest.raises(RuntimeError, match="worker lost in call 3"):
        tag_file(source, Concurrent(fail_in=3), out, model_name="rc", model_version=1, tag_config=config)
    assert not out.exists() and staging_folder(out).exists()
    summary = tag_file(source, Echo(), out, model_name="rc", model_version=1, tag_config=config, resume=True)
    assert summary.chunks_resumed >= 2  # the chunks written before the failure are kept
    tags = pd.read_parquet(out)
    assert sorted(tags["contact_id"]) == sorted(accepted) and tags["contact_id"].is_unique


def test_csv_output_is_spreadsheet_safe_and_complete(tmp_path: Path) -> None:
    source = tmp_path / "contacts.jsonl"
    pd.DataFrame({"contact_id": ["a", "b", "c"], "text": ["=cmd late", "fine", " "]}).to_json(
        source, orient="records", lines=True
    )
    summary = tag_file(
        source, Echo(), tmp_path / "tags.csv", model_name="rc", model_version="1", chunk_size=2
    )
    tags = pd.read_csv(tmp_path / "tags.csv")
    assert list(tags["contact_id"]) == ["a", "b"]
    assert summary.quarantined == 1
    assert tags["clean_text"][0].startswith("'=")


def test_resume_refuses_other_model_or_input(tmp_path: Path) -> None:
    source = tmp_path / "contacts.csv"
    make_contacts(source, 300)
    out = tmp_path / "tags.parquet"
    folder = staging_folder(out)

    with pytest.raises(KeyboardInterrupt):
        tag_file(source, DiesInSecondChunk(), out, model_name="rc", model_version="1", chunk_size=100)
    assert (folder / "manifest.json").is_file() and not out.exists()
    with pytest.raises(InputError, match="model_version"):
        tag_file(source, Echo(), out, model_name="rc", model_version="2", chunk_size=100, resume=True)
    make_contacts(source, 300, seed=1)
    with pytest.raises(InputError, match="input_sha256"):
        tag_file(source, Echo(), out, model_name="rc", model_version="1", chunk_size=100, resume=True)


def test_resume_catches_an_id_changed_in_the_middle_of_a_same_size_file(tmp_path: Path) -> None:
    source = tmp_path / "contacts.csv"
    make_contacts(source, 100_000)  # ~4 MiB: the middle is outside the first and last MiB
    out = tmp_path / "tags.parquet"

    with pytest.raises(KeyboardInterrupt):
        tag_file(source, DiesInSecondChunk(), out, model_name="rc", model_version="1", chunk_size=40_000)
    raw = source.read_bytes()
    middle = raw.index(b"\n", len(raw) // 2) + 1
    old_id = raw[middle : raw.index(b",", middle)]
    new_id = bytes(reversed(old_id)) if old_id != bytes(reversed(old_id)) else old_id[:-1] + b"9"
    assert len(new_id) == len(old_id) and new_id != old_id
    source.write_bytes(raw[:middle] + new_id + raw[middle + len(old_id) :])
    assert source.stat().st_size == len(raw)
    with pytest.raises(InputError, match="input_sha256"):
        tag_file(source, Echo(), out, model_name="rc", model_version="1", chunk_size=40_000, resume=True)


@pytest.mark.slow
def test_kill_9_then_resume_loses_and_duplicates_nothing(tmp_path: Path) -> None:
    source = tmp_path / "contacts.csv"
    accepted = make_contacts(source, 2_000)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    rng = random.Random(5)
    for attempt in range(3):
        out = tmp_path / f"tags{attempt}.parquet"
        parts = staging_folder(out)
        proc = subprocess.Popen(
            [sys.executable, "-c", SCRIPT, str(source), str(out), "0", "0.06"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 60
        while not list(parts.glob("tags-*.parquet")) and time.monotonic() < deadline:
            time.sleep(0.02)
        time.sleep(rng.uniform(0.0, 0.6))
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        finished = json.loads((parts / "manifest.json").read_text())["chunks"]
        assert 1 <= len(finished) < 20, f"killed too late: {len(finished)} chunks done"

        resumed = subprocess.run(
            [sys.executable, "-c", SCRIPT, str(source), str(out), "1", "0"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        counts = json.loads(resumed.stdout.strip().splitlines()[-1])
        tags = pd.read_parquet(out)
        quarantine = pd.read_parquet(out.with_name(f"{out.stem}.quarantine.parquet"))
        assert counts["resumed"] >= len(finished) >= 1
        assert tags["contact_id"].is_unique
        assert set(tags["contact_id"]) == accepted
        assert counts["read"] == 2_000 == counts["tagged"] + counts["quarantined"]
        assert counts["tagged"] == len(tags) and counts["quarantined"] == len(quarantine)
        assert sorted(quarantine["source_row"]) == sorted(set(range(1, 2_001)) - set(_accepted_rows(source)))
        assert set(tags["model_version"]) == {"7"}
        assert not parts.exists()


@pytest.mark.slow
def test_voc_tag_resumes_a_killed_run_with_the_registered_model(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("VOC_WORKSPACE", str(tmp_path / "ws"))
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    model = register_tfidf_model()
    source = tmp_path / "contacts.csv"
    accepted = make_contacts(source, 130)
    out = tmp_path / "tags.parquet"
    tag = ["tag", str(source), "--model", model, "--out", str(out)]

    killed = subprocess.run(
        [sys.executable, "-c", KILLED_IN_CHUNK_2, *tag, "--chunk-size", "40"],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
    )
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-2000:]
    manifest = staging_folder(out) / "manifest.json"
    recorded = manifest.read_text()
    assert [c["index"] for c in json.loads(recorded)["chunks"]] == [0] and not out.exists()

    # Another chunk size would cut the input elsewhere: refused, naming it, the staging kept.
    assert main([*tag, "--chunk-size", "50", "--resume"]) == 2
    assert "chunk_size: was 40, now 50" in capsys.readouterr().err
    assert manifest.read_text() == recorded

    assert main([*tag, "--chunk-size", "40", "--resume"]) == 0
    printed = capsys.readouterr().out
    tags = pd.read_parquet(out)
    quarantine = pd.read_parquet(tmp_path / "tags.quarantine.parquet")
    assert tags["contact_id"].is_unique and set(tags["contact_id"]) == accepted
    assert f"read 130 = tagged {len(tags)} + quarantined {len(quarantine)}" in printed
    assert "4 chunks (1 resumed from an earlier run)" in printed
    assert sorted(quarantine["source_row"]) == sorted(set(range(1, 131)) - set(_accepted_rows(source)))
    assert set(tags["model_name"]) == {"rc"} and set(tags["model_version"]) == {"1"}
    assert not staging_folder(out).exists()


def _accepted_rows(source: Path) -> list[int]:
    frame = pd.read_csv(source, keep_default_na=False)
    frame["row"] = range(1, len(frame) + 1)
    valid = frame[frame["text"].str.strip() != ""]
    return list(valid.drop_duplicates("contact_id")["row"])


def test_engine_options_that_do_not_fit_are_refused(tmp_path: Path) -> None:
    from training.tagging.run import tag_with_engine

    out = tmp_path / "tags.parquet"
    with pytest.raises(InputError, match="--engine"):
        tag_with_engine(tmp_path / "x.csv", "models:/rc@champion", out, engine="dask")
    with pytest.raises(InputError, match="--resume"):
        tag_with_engine(tmp_path / "x.csv", "models:/rc@champion", out, engine="spark", resume=True)
    with pytest.raises(InputError, match="--master"):
        tag_with_engine(tmp_path / "x.csv", "models:/rc@champion", out, master="yarn")


def test_resume_with_a_damaged_manifest_is_a_clear_error(tmp_path: Path) -> None:
    source = tmp_path / "contacts.csv"
    make_contacts(source, 300)
    out = tmp_path / "tags.parquet"

    with pytest.raises(KeyboardInterrupt):
        tag_file(source, DiesInSecondChunk(), out, model_name="rc", model_version="1", chunk_size=100)
    manifest = staging_folder(out) / "manifest.json"
    for damage in ('{"identity": ', '{"chunks": []}', "\xff\xfe garbage"):
        manifest.write_text(damage, encoding="latin-1")
        with pytest.raises(InputError, match=r"manifest is damaged.*without --resume"):
            tag_file(source, Echo(), out, model_name="rc", model_version="1", chunk_size=100, resume=True)


def test_order_ids_become_stable_pseudonymous_keys(tmp_path: Path) -> None:
    from voc.workspace import Workspace

    source = tmp_path / "contacts.csv"
    orders = ["ORD-20261102-63179", "ORD-20261102-63179", "280-8222326-4847366", ""]
    pd.DataFrame(
        {"contact_id": ["a", "b", "c", "d"], "text": ["late", "late again", "wrong size", "late"],
         "order_id": orders}
    ).to_csv(source, index=False)  # fmt: skip
    workspace = Workspace(tmp_path / "ws")

    def keys(run: str, ws: Workspace) -> list[object]:
        out = tmp_path / run / "tags.parquet"
        config = TagConfig(chunk_size=2, show_progress=False, order_key_secret=ws.order_key_secret())
        tag_file(source, Echo(), out, model_name="rc", model_version="1", tag_config=config)
        assert b"63179" not in out.read_bytes() and "order_id" not in pd.read_parquet(out).columns
        return pd.read_parquet(out).set_index("contact_id")["order_key"].tolist()

    first = keys("run1", workspace)
    assert first[0] == first[1] != first[2] and pd.isna(first[3])  # same order, same key; none: null
    assert all(len(k) == 16 and k not in orders for k in first[:3])
    assert keys("run2", Workspace(tmp_path / "ws"))[:3] == first[:3]  # stable across runs of the workspace
    assert (tmp_path / "ws" / "secrets" / "order_key.secret").stat().st_mode & 0o077 == 0
    assert keys("run3", Workspace(tmp_path / "other"))[0] != first[0]  # another workspace, other keys
