"""The output-safety rule and spreadsheet-safe CSV: what a careless or hostile user meets."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
import textwrap
from pathlib import Path

import pandas as pd
import pytest

from voc.errors import InputError
from voc.files import write_table
from voc.outputs import Output, claim_outputs


def test_output_equal_to_input_is_refused(tmp_path: Path) -> None:
    source = tmp_path / "a.csv"
    source.write_text("contact_id,text\n1,hi\n")
    with pytest.raises(InputError, match="input file"), claim_outputs([source], [source]):
        pass
    # through another spelling of the same path
    with pytest.raises(InputError, match="input file"), claim_outputs([tmp_path / "." / "a.csv"], [source]):
        pass


def test_output_folder_holding_the_input_is_refused(tmp_path: Path) -> None:
    source = tmp_path / "contacts.parquet"
    source.write_text("x")
    written = Output.dir(tmp_path, "contacts.parquet", "quarantine.csv")
    with pytest.raises(InputError, match="overwrite the input"), claim_outputs([written], [source]):
        pass
    # an input beside the outputs that none of them replaces is fine
    with claim_outputs([Output.dir(tmp_path, "quarantine.csv")], [source]):
        pass
    with claim_outputs([Output.dir(tmp_path / "checked")], [source]):
        pass


def test_output_inside_an_input_folder_is_refused(tmp_path: Path) -> None:
    (tmp_path / "themes").mkdir()
    with (
        pytest.raises(InputError, match="inside the input"),
        claim_outputs([tmp_path / "themes" / "x.csv"], [tmp_path / "themes"]),
    ):
        pass


def test_unwritable_targets_fail_before_any_work(tmp_path: Path) -> None:
    a_file = tmp_path / "file.txt"
    a_file.write_text("x")
    ran = []
    with pytest.raises(InputError, match="is a file, not a folder"), claim_outputs([a_file / "out.parquet"]):
        ran.append(1)
    with pytest.raises(InputError, match="is a folder"), claim_outputs([tmp_path]):
        ran.append(1)
    with pytest.raises(InputError, match="is a file, not a folder"), claim_outputs([Output.dir(a_file)]):
        ran.append(1)
    assert ran == []


def test_second_run_on_the_same_output_is_refused_naming_the_holder(tmp_path: Path) -> None:
    out = tmp_path / "tagged.parquet"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(
                f"""
                import sys, time
                from voc.outputs import claim_outputs
                with claim_outputs([{str(out)!r}], command="voc tag first.csv"):
                    print("locked", flush=True)
                    sys.stdin.readline()
                """
            ),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        with pytest.raises(InputError) as err, claim_outputs([out], command="voc tag second.csv"):
            pass
        message = str(err.value)
        assert "another run" in message and f"pid {holder.pid}" in message and "voc tag first.csv" in message
    finally:
        assert holder.stdin is not None
        holder.stdin.write("\n")
        holder.stdin.flush()
        holder.wait(timeout=30)
    # released: the next run may write, and no lock file is left behind
    with claim_outputs([out]):
        pass
    assert not list(tmp_path.glob(".*.lock"))


def test_a_killed_holder_leaves_no_stale_lock(tmp_path: Path) -> None:
    out = tmp_path / "tagged.parquet"
    code = f"import os, signal\nfrom voc.outputs import claim_outputs\nwith claim_outputs([{str(out)!r}]):\n"
    code += "    os.kill(os.getpid(), signal.SIGKILL)\n"
    subprocess.run([sys.executable, "-c", code], check=False)
    with claim_outputs([out]):
        pass


PAYLOADS = ["=2+2", "+1", "-1+2", "@SUM(A1)", "\t=1", "\r=2+2", "a\r=2+2", 'say "hi", then\nleave', "x\r\ny"]


def test_written_csv_reads_back_cell_for_cell_with_no_live_formula(tmp_path: Path) -> None:
    df = pd.DataFrame(
        {
            "contact_id": [f"c{i}" for i in range(len(PAYLOADS))],
            "text": PAYLOADS,
            "channel": pd.Categorical(["=cmd|' /C calc'!A0"] * len(PAYLOADS)),
            "n": range(len(PAYLOADS)),
        }
    )
    path = write_table(df, tmp_path / "q.csv")
    raw = path.read_bytes().decode("utf-8")
    rows = list(csv.reader(io.StringIO(raw, newline="")))
    assert len(rows) == len(PAYLOADS) + 1, "a value split a row"
    back = pd.read_csv(path, dtype=str, keep_default_na=False)
    assert len(back) == len(PAYLOADS)
    for frame_rows in (rows[1:], back.values.tolist()):
        for row in frame_rows:
            for cell in row:
                assert not str(cell).startswith(("=", "+", "-", "@", "\t", "\r")), repr(cell)
    # the text survives, behind the apostrophe
    assert [t.removeprefix("'") for t in back["text"]] == PAYLOADS
