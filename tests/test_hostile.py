"""Hostile input through the real CLI: random bytes, encodings, delimiters and huge fields.

``voc data validate``, ``voc discover`` and ``voc tag`` must never show a traceback: they exit 0 or 2,
and when they accept a file, ``read = accepted + quarantined`` holds and matches the files written.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from label_data import register_keyword_model

from cli.main import main

SUMMARY = re.compile(r"read ([\d,]+) = accepted ([\d,]+) \+ quarantined ([\d,]+)")
HEADERS = ["contact_id", "text", "created_at", "channel", "csat", "nps", "escalated", "order_stage"]

cell = st.one_of(
    st.text(max_size=30),
    st.sampled_from(
        ["", "=2+2", "\r", "\n", '"', ";", "\t", "2026-11-20", "13/04/2026", "0001-01-01", "chat"]
    ),
    st.integers(-5, 20).map(str),
    st.just("x" * 25_000),
)
rows = st.lists(st.lists(cell, min_size=0, max_size=9), max_size=8)
delimiter = st.sampled_from([",", ";", "\t", "|"])
encoding = st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1252", "latin-1"])


def _csv_bytes(header: list[str], body: list[list[str]], sep: str, enc: str) -> bytes:
    def quote(value: str) -> str:
        return '"' + value.replace('"', '""') + '"' if any(c in value for c in f'{sep}"\r\n') else value

    text = "\n".join(sep.join(quote(v) for v in row) for row in [header, *body]) + "\n"
    return text.encode(enc, errors="replace")


hostile_file = st.one_of(
    st.tuples(st.binary(max_size=600), st.sampled_from([".csv", ".jsonl", ".parquet"])),
    st.builds(
        lambda h, b, sep, enc: (_csv_bytes(h, b, sep, enc), ".csv"),
        st.lists(st.sampled_from(HEADERS), min_size=1, max_size=8, unique=True),
        rows,
        delimiter,
        encoding,
    ),
    st.builds(
        lambda b, enc: (
            "\n".join(
                json.dumps({"contact_id": r[0] if r else None, "text": r[-1] if r else ""}) for r in b
            ).encode(enc, errors="replace"),
            ".jsonl",
        ),
        rows,
        encoding,
    ),
)


def _run(argv: list[str]) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    return code, out.getvalue() + err.getvalue()


def _check(code: int, output: str) -> tuple[int, int, int] | None:
    assert code in (0, 2), output
    assert "Traceback" not in output and "internal error" not in output, output
    if code == 2:
        assert any(line.startswith("error:") for line in output.splitlines()) or "Usage" in output, output
    found = SUMMARY.search(output)
    if found is None:
        return None
    read, accepted, quarantined = (int(g.replace(",", "")) for g in found.groups())
    assert read == accepted + quarantined, output
    return read, accepted, quarantined


pytestmark = pytest.mark.slow

# No shrinking: a failing example is printed as found (shrinking a CLI run takes minutes).
SETTINGS = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
)
FEW = settings(SETTINGS, max_examples=8)  # each example of these loads a model or an MLflow store


@SETTINGS
@given(sample=hostile_file)
def test_validate_never_crashes_and_reconciles(tmp_path_factory: pytest.TempPathFactory, sample) -> None:
    data, ext = sample
    root = tmp_path_factory.mktemp("validate")
    source = root / f"input{ext}"
    source.write_bytes(data)
    code, output = _run(
        ["--workspace", str(root / "ws"), "data", "validate", str(source), "--out", str(root / "o")]
    )
    counts = _check(code, output)
    if code == 0 and counts is not None:
        accepted = pd.read_parquet(root / "o" / "contacts.parquet")
        quarantine = pd.read_parquet(root / "o" / "quarantine.parquet")
        assert (len(accepted), len(quarantine)) == counts[1:]


@FEW
@given(sample=hostile_file)
def test_discover_never_crashes(tmp_path_factory: pytest.TempPathFactory, sample) -> None:
    data, ext = sample
    root = tmp_path_factory.mktemp("discover")
    source = root / f"input{ext}"
    source.write_bytes(data)
    # at most a few dozen rows: discovery refuses them (too few contacts) before loading the encoder
    code, output = _run(["--workspace", str(root / "ws"), "discover", str(source), "--out", str(root / "t")])
    _check(code, output)


@pytest.fixture(scope="module")
def keyword_model(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    ws = tmp_path_factory.mktemp("tag-ws")
    uri = register_keyword_model(f"sqlite:///{ws / 'mlflow.db'}", ws / "mlartifacts")
    return ws, uri


@FEW
@given(sample=hostile_file)
def test_tag_never_crashes_and_reconciles(
    tmp_path_factory: pytest.TempPathFactory, keyword_model: tuple[Path, str], sample
) -> None:
    ws, uri = keyword_model
    data, ext = sample
    root = tmp_path_factory.mktemp("tag")
    source = root / f"input{ext}"
    source.write_bytes(data)
    out = root / "tagged.parquet"
    code, output = _run(["--workspace", str(ws), "tag", str(source), "--model", uri, "--out", str(out)])
    counts = _check(code, output)
    if code == 0 and counts is not None:
        assert len(pd.read_parquet(out)) == counts[1]
