"""Issue 12's careless-user cases through the real CLI: each failed on the main of 2026-12-01."""

from __future__ import annotations

import csv
import ctypes
import io
import os
import random
import resource
import signal
import string
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from label_data import register_keyword_model

from cli.main import main
from training.tagging.staging import staging_folder

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def keyword_model(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    ws = tmp_path_factory.mktemp("ws")
    return ws, register_keyword_model(f"sqlite:///{ws / 'mlflow.db'}", ws / "mlartifacts")


def _contacts(path: Path, rows: list[tuple[str, str, str]]) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["contact_id", "text", "created_at"])
        writer.writerows(rows)
    return path


def test_tag_refuses_to_write_over_its_input(
    tmp_path: Path, keyword_model: tuple[Path, str], capsys: pytest.CaptureFixture[str]
) -> None:
    ws, uri = keyword_model
    source = _contacts(tmp_path / "a.csv", [("1", "my refund never came", "2026-11-02")])
    before = source.read_bytes()
    assert main(["--workspace", str(ws), "tag", str(source), "--model", uri, "--out", str(source)]) == 2
    assert "input file" in capsys.readouterr().err
    assert source.read_bytes() == before


def test_validate_refuses_to_write_over_its_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    checked = tmp_path / "checked"
    source = _contacts(tmp_path / "in.csv", [("1", "parcel late", "2026-11-02")])
    assert main(["data", "validate", str(source), "--out", str(checked), "--format", "csv"]) == 0
    own = checked / "contacts.csv"
    before = own.read_bytes()
    assert main(["data", "validate", str(own), "--out", str(checked), "--format", "csv"]) == 2
    assert "overwrite the input" in capsys.readouterr().err
    assert own.read_bytes() == before


def test_the_tools_own_csv_revalidates_cleanly_with_carriage_returns(tmp_path: Path) -> None:
    source = _contacts(
        tmp_path / "in.csv",
        [("1", "line one\rline two =2+2", "2026-11-02"), ("2", "a\r\nb", "2026-11-03"), ("3", "plain", "")],
    )
    first = tmp_path / "first"
    assert main(["data", "validate", str(source), "--out", str(first), "--format", "csv"]) == 0
    rows = list(csv.reader(io.StringIO((first / "contacts.csv").read_text(encoding="utf-8"), newline="")))
    assert len(rows) == 4, rows
    second = tmp_path / "second"
    assert main(["data", "validate", str(first / "contacts.csv"), "--out", str(second)]) == 0
    again = pd.read_parquet(second / "contacts.parquet")
    assert len(again) == 3 and len(pd.read_parquet(second / "quarantine.parquet")) == 0
    assert again.set_index("contact_id").loc["1", "text"] == "line one\rline two =2+2"


def test_tag_csv_outputs_quote_a_bare_carriage_return(
    tmp_path: Path, keyword_model: tuple[Path, str]
) -> None:
    ws, uri = keyword_model
    rows = [("1", "my refund never came\r=2+2", "2026-11-02"), ("1", "late again\r=3+3", "2026-11-02")]
    source = _contacts(tmp_path / "c.csv", rows)
    out = tmp_path / "tagged.csv"
    assert main(["--workspace", str(ws), "tag", str(source), "--model", uri, "--out", str(out)]) == 0
    for path in (out, tmp_path / "tagged.quarantine.csv"):  # one row each: tagged, duplicate_id
        with open(path, encoding="utf-8", newline="") as fh:
            read = list(csv.reader(fh))
        assert len(read) == 2, (path.name, read)
        assert not [cell for row in read for cell in row if cell.startswith(("=", "+", "-", "@"))]
        assert len(pd.read_csv(path, dtype=str)) == 1


def test_a_placeholder_year_is_quarantined_by_tag_and_reported_nowhere(
    tmp_path: Path, keyword_model: tuple[Path, str], capsys: pytest.CaptureFixture[str]
) -> None:
    ws, uri = keyword_model
    source = _contacts(
        tmp_path / "c.csv",
        [("1", "my refund never came", "2026-11-02"), ("2", "parcel late", "9999-12-31"), ("3", "x", "now")],
    )
    out = tmp_path / "tagged.parquet"
    assert main(["--workspace", str(ws), "tag", str(source), "--model", uri, "--out", str(out)]) == 0
    assert list(pd.read_parquet(out)["contact_id"]) == ["1"]
    quarantine = pd.read_parquet(tmp_path / "tagged.quarantine.parquet")
    assert sorted(quarantine["reason"]) == ["bad_date", "date_out_of_range"]


def test_a_file_size_limit_is_bad_input_not_a_traceback(tmp_path: Path) -> None:
    def limit() -> None:  # 64 KiB: synth's contacts file is larger
        resource.setrlimit(resource.RLIMIT_FSIZE, (1 << 16, 1 << 16))

    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "cli.main",
            "--workspace",
            str(tmp_path / "ws"),
            "data",
            "synth",
            "--contacts",
            "3000",
            "--out",
            str(tmp_path / "raw"),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        preexec_fn=limit,
        timeout=300,
    )
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr and "file too large" in done.stderr


def test_report_refuses_negative_order_counts_as_validate_does(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from test_report import make_inputs

    inputs = make_inputs(tmp_path / "inputs")
    orders = pd.read_csv(inputs["orders"])
    orders.loc[3, "orders"] = -500
    bad = tmp_path / "orders.csv"
    orders.to_csv(bad, index=False)
    assert main(["data", "validate", str(bad), "--orders", "--out", str(tmp_path / "checked")]) == 0
    assert "bad_orders 1" in capsys.readouterr().out
    argv = ["report", str(inputs["tagged"]), "--orders", str(bad), "--out", str(tmp_path / "r")]
    assert main([*argv, "--no-mlflow"]) == 2
    err = capsys.readouterr().err
    assert "row 4: bad_orders" in err and "voc data validate --orders" in err
    assert not (tmp_path / "r" / "pain_points.html").exists()


# --- item 8: an output folder nobody may write, a file-size limit midway ------------------------
# and items 1 and 3: two runs on one --out, --resume after the input changed. Through the real CLI
# in its own process where the case needs one (a limit, dropped privileges, a run in progress).

# `voc tag` that stops once chunk 0 is recorded: "pause" waits for a line on stdin (a run in
# progress), "kill" dies by SIGKILL (a crash, leaving the run to --resume).
STEERED_TAG = """
import os, signal, sys
from training.tagging.staging import Staging
from cli.main import main

mode = sys.argv.pop(1)
real = Staging.write_chunk

def write_then_stop(self, index, *args, **kwargs):
    real(self, index, *args, **kwargs)
    if index == 0 and mode == "kill":
        os.kill(os.getpid(), signal.SIGKILL)
    if index == 0 and mode == "pause":
        print("chunk 0 written", flush=True)
        sys.stdin.readline()

Staging.write_chunk = write_then_stop
sys.exit(main(sys.argv[1:]))
"""


def voc_process(
    *args: str | Path, preexec: Callable[[], None] | None = None
) -> subprocess.CompletedProcess[str]:
    """`voc ARGS` in a new process (``preexec`` runs in it first: limits, privileges)."""
    return subprocess.run(
        [sys.executable, "-m", "cli.main", *map(str, args)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        preexec_fn=preexec,
        timeout=300,
    )


def error_line(stderr: str) -> str:
    """The one `error:` line of a refused run (progress bars and library warnings aside)."""
    assert "Traceback" not in stderr, stderr
    errors = [line for line in stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1, stderr
    return errors[0]


def leftovers(folder: Path) -> list[str]:
    """Temporary files a failed atomic write would have left under ``folder``."""
    return sorted(str(p) for p in folder.rglob("*.tmp"))


def _drop_file_permission_override() -> None:
    """In the child: as root, lose the capabilities that ignore file modes (so 0555 holds)."""
    if os.geteuid() != 0:
        return
    libc = ctypes.CDLL(None, use_errno=True)
    for cap in (1, 2, 3):  # CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER
        if libc.prctl(24, cap, 0, 0, 0) != 0:  # PR_CAPBSET_DROP: gone after exec
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")


def _file_size_limit(limit: int) -> Callable[[], None]:
    def apply() -> None:  # in the child: writes past `limit` fail with EFBIG instead of a signal
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return apply


@pytest.fixture
def read_only(tmp_path: Path) -> Path:
    folder = tmp_path / "read-only"
    folder.mkdir()
    folder.chmod(0o555)
    probe = subprocess.run(
        [sys.executable, "-c", f"open({str(folder / 'probe')!r}, 'w')"],
        preexec_fn=_drop_file_permission_override,
        capture_output=True,
    )
    if probe.returncode == 0:
        pytest.skip("this machine lets a process write into a folder of mode 0555")
    return folder


def _random_words(rng: random.Random, n: int) -> str:
    return " ".join("".join(rng.choices(string.ascii_lowercase, k=rng.randint(3, 9))) for _ in range(n))


def _mostly_quarantined(path: Path) -> Path:
    """10 good contacts, then 60 duplicates of them with ~1 KB of incompressible words each:
    the accepted output is small, the quarantine large."""
    rng = random.Random(3)
    good = [(f"A{i:02d}", f"my refund never came, order {i}", "2026-11-02") for i in range(10)]
    dupes = [(f"A{i % 10:02d}", _random_words(rng, 160)[:990], "2026-11-03") for i in range(60)]
    return _contacts(path, good + dupes)


@pytest.mark.parametrize("command", [pytest.param("tag", marks=pytest.mark.slow), "validate"])
def test_a_read_only_output_folder_is_one_line_before_any_work(
    command: str, read_only: Path, tmp_path: Path, keyword_model: tuple[Path, str]
) -> None:
    ws, uri = keyword_model
    source = _contacts(tmp_path / "c.csv", [("1", "my refund never came", "2026-11-02")])
    out = read_only / "checked"
    args = ["data", "validate", source, "--out", out]
    if command == "tag":
        out = read_only / "tagged.parquet"
        args = ["--workspace", ws, "tag", source, "--model", uri, "--out", out]
    done = voc_process(*args, preexec=_drop_file_permission_override)
    assert done.returncode == 2, done.stderr
    line = error_line(done.stderr)
    assert str(read_only) in line and "permission denied" in line
    assert list(read_only.iterdir()) == []
    assert "tagging" not in done.stderr, "refused only after the model was loaded and run"


@pytest.mark.slow
def test_tag_stopped_by_a_file_size_limit_leaves_no_partial_output_and_resumes(
    tmp_path: Path, keyword_model: tuple[Path, str]
) -> None:
    ws, uri = keyword_model
    source = _mostly_quarantined(tmp_path / "c.csv")
    out = tmp_path / "out" / "tagged.parquet"
    quarantine = tmp_path / "out" / "tagged.quarantine.parquet"
    args = ["--workspace", ws, "tag", source, "--model", uri, "--out", out, "--chunk-size", "10"]
    # 40 KiB: each chunk's part files fit, so does the tagged output; the whole quarantine does not
    done = voc_process(*args, preexec=_file_size_limit(40 << 10))
    assert done.returncode == 2, done.stderr
    line = error_line(done.stderr)
    assert str(quarantine) in line and "file too large" in line
    assert not out.exists() and not quarantine.exists(), "one output written without the other"
    assert leftovers(out.parent) == []
    # nothing lost: the finished chunks were kept, --resume writes both files whole
    assert main([*map(str, args), "--resume"]) == 0
    assert sorted(pd.read_parquet(out)["contact_id"]) == [f"A{i:02d}" for i in range(10)]
    assert len(pd.read_parquet(quarantine)) == 60


def test_validate_stopped_by_a_file_size_limit_leaves_no_partial_output(tmp_path: Path) -> None:
    source = _mostly_quarantined(tmp_path / "c.csv")
    out = tmp_path / "checked"
    # 32 KiB: contacts.parquet fits, quarantine.parquet does not
    done = voc_process("data", "validate", source, "--out", out, preexec=_file_size_limit(32 << 10))
    assert done.returncode == 2, done.stderr
    line = error_line(done.stderr)
    assert str(out / "quarantine.parquet") in line and "file too large" in line
    assert list(out.iterdir()) == [], "accepted rows written without their quarantine"


@pytest.mark.slow
def test_a_second_tag_on_the_same_out_is_refused_and_the_first_output_is_whole(
    tmp_path: Path, keyword_model: tuple[Path, str], capsys: pytest.CaptureFixture[str]
) -> None:
    ws, uri = keyword_model
    first_input = _contacts(
        tmp_path / "a.csv", [(f"A{i:02d}", f"my parcel is late {i}", "2026-11-02") for i in range(30)]
    )
    other = _contacts(
        tmp_path / "b.csv", [(f"B{i:02d}", f"the size is wrong {i}", "2026-11-02") for i in range(40)]
    )
    out = tmp_path / "tagged.parquet"
    args = ["--workspace", str(ws), "tag", str(first_input), "--model", uri, "--out", str(out)]
    first = subprocess.Popen(
        [sys.executable, "-c", STEERED_TAG, "pause", *args, "--chunk-size", "10"],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert first.stdout is not None and first.stdout.readline().strip() == "chunk 0 written"
        second = ["--workspace", str(ws), "tag", str(other), "--model", uri, "--out", str(out)]
        assert main([*second, "--chunk-size", "10"]) == 2
        line = error_line(capsys.readouterr().err)
        assert str(out) in line and "another run" in line
        assert f"pid {first.pid}" in line and f"voc tag {first_input}" in line
    finally:
        assert first.stdin is not None
        first.stdin.write("\n")
        first.stdin.flush()
        _, stderr = first.communicate(timeout=300)
    assert first.returncode == 0, stderr[-2000:]
    tagged = pd.read_parquet(out)
    assert sorted(tagged["contact_id"]) == [f"A{i:02d}" for i in range(30)]
    assert not staging_folder(out).exists()


@pytest.mark.slow
def test_tag_resume_refuses_an_input_changed_in_the_middle(
    tmp_path: Path, keyword_model: tuple[Path, str], capsys: pytest.CaptureFixture[str]
) -> None:
    ws, uri = keyword_model
    rng = random.Random(5)
    # ~3 MiB, so the middle row lies outside the first and the last MiB
    rows = [(f"C{i:05d}", _random_words(rng, 150)[:900], "2026-11-02") for i in range(3500)]
    source = _contacts(tmp_path / "contacts.csv", rows)
    assert source.stat().st_size > 3 << 20
    out = tmp_path / "tagged.parquet"
    args = [
        "--workspace",
        str(ws),
        "tag",
        str(source),
        "--model",
        uri,
        "--out",
        str(out),
        "--chunk-size",
        "100",
    ]
    killed = subprocess.run(
        [sys.executable, "-c", STEERED_TAG, "kill", *args],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-2000:]
    manifest = staging_folder(out) / "manifest.json"
    recorded = manifest.read_text()

    raw = source.read_bytes()
    middle = raw.index(b"\nC01750,") + 1
    source.write_bytes(raw[:middle] + b"C99999" + raw[middle + 6 :])  # same size, one id changed
    assert source.stat().st_size == len(raw)

    assert main([*args, "--resume"]) == 2
    line = error_line(capsys.readouterr().err)
    assert "cannot resume" in line and "input_sha256" in line and str(source) in line
    assert "rerun without --resume" in line
    assert not out.exists() and manifest.read_text() == recorded
