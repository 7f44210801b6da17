"""Issue 12's careless-user cases through the real CLI: each failed on the main of 2026-12-01."""

from __future__ import annotations

import csv
import io
import resource
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from label_data import register_keyword_model

from cli.main import main

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
