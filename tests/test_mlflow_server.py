"""Against a real ``mlflow server`` on 127.0.0.1: train, register, then serve the champion and score."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_classifier import labelled_contacts

from cli.main import main
from voc.contracts.tagged import PREDICTION_COLUMNS

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_for(url: str, process: subprocess.Popen, log: Path, timeout: float = 180.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            tail = log.read_text(errors="replace")[-3000:]
            raise RuntimeError(f"{process.args!r} exited with {process.returncode}; its log ends:\n{tail}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise TimeoutError(f"{url} did not answer within {timeout:.0f}s")


def _start(args: list[str], log: Path, env: dict[str, str]) -> subprocess.Popen:
    with open(log, "wb") as out:
        return subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=True)


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@pytest.fixture
def tracking_server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    port = _free_port()
    uri = f"http://127.0.0.1:{port}"
    mlflow_bin = str(Path(sys.executable).with_name("mlflow"))
    server = _start(
        [
            mlflow_bin,
            "server",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            "1",
            "--backend-store-uri",
            f"sqlite:///{tmp_path / 'server.db'}",
            "--artifacts-destination",
            str(tmp_path / "server-artifacts"),
        ],
        tmp_path / "server.log",
        dict(os.environ),
    )
    try:
        _wait_for(f"{uri}/health", server, tmp_path / "server.log")
        monkeypatch.setenv("MLFLOW_TRACKING_URI", uri)
        monkeypatch.setenv("VOC_WORKSPACE", str(tmp_path / "ws"))
        yield uri
    finally:
        _stop(server)


def test_train_against_server_then_serve_champion_and_score(tracking_server: str, tmp_path: Path) -> None:
    import mlflow

    source = tmp_path / "labelled.csv"
    labelled_contacts(per_class=20).to_csv(source, index=False)
    args = ["train", str(source), "--label-column", "label", "--features", "tfidf", "--register-as", "rc"]
    assert main(args) == 0

    mlflow.set_tracking_uri(tracking_server)
    client = mlflow.MlflowClient()
    assert client.get_model_version_by_alias("rc", "champion").version == "1"
    # The server stored the artifacts, nothing went to the local workspace store.
    assert any((tmp_path / "server-artifacts").rglob("MLmodel"))
    assert not (tmp_path / "ws" / "mlflow.db").exists()

    port = _free_port()
    mlflow_bin = str(Path(sys.executable).with_name("mlflow"))
    serve = _start(
        [
            mlflow_bin,
            "models",
            "serve",
            "-m",
            "models:/rc@champion",
            "--env-manager",
            "local",
            "-h",
            "127.0.0.1",
            "-p",
            str(port),
        ],
        tmp_path / "serve.log",
        # The scoring server runs `uvicorn` from PATH: the venv's bin folder must come first.
        {
            **os.environ,
            "MLFLOW_TRACKING_URI": tracking_server,
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        },
    )
    try:
        _wait_for(f"http://127.0.0.1:{port}/ping", serve, tmp_path / "serve.log")
        body = {
            "dataframe_split": {
                "columns": ["text", "channel"],
                "data": [["the price dropped right after I bought it", "app"], ["qwerty", None]],
            }
        }
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/invocations",
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=60) as response:
            answer = json.loads(response.read())
    finally:
        _stop(serve)
    rows = answer["predictions"]
    assert rows[0]["root_cause"] == "found_cheaper"
    assert rows[0]["family"] == "other"
    assert set(rows[1]) == set(PREDICTION_COLUMNS)  # what voc tag writes
    assert rows[1]["needs_review"] is True
