"""CLI start-up: wall time of `voc --help` and `voc models list`, each a fresh process (median of N).

Peers, timed in the same run: ``python -c pass`` (the interpreter), a bare typer app's ``--help``
(the floor of any typer CLI) and ``MlflowClient().search_registered_models()`` plus each version's
run (the floor of listing models through MLflow). ``--startup-ref DIR`` also times the ``voc`` of
another checkout (a worktree of the commit before a change) for a before/after line. ``models
list`` reads a scratch workspace whose SQLite store holds one registered model with two versions
(created, and migrated, before the timing). Opt-in: ``python -m benchmarks --only startup``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]

TYPER_FLOOR = "import typer\napp = typer.Typer()\n@app.command()\ndef main(x: int = 1) -> None: ...\napp()"
MLFLOW_FLOOR = (
    "import mlflow, sys\n"
    "mlflow.set_tracking_uri(sys.argv[1])\n"
    "c = mlflow.MlflowClient()\n"
    "for m in c.search_registered_models():\n"
    "    for v in c.search_model_versions(f\"name='{m.name}'\"): c.get_run(v.run_id)\n"
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--startup-runs", type=int, default=5, help="startup: processes per command (median)")
    parser.add_argument(
        "--startup-ref", type=Path, default=None, help="startup: another checkout to time (before/after)"
    )


def run(args: argparse.Namespace) -> dict[str, Any]:
    runs = args.startup_runs
    with tempfile.TemporaryDirectory() as tmp:
        workspace = Path(tmp) / "ws"
        uri = _registry_with_one_model(workspace)
        env = {**os.environ, "VOC_WORKSPACE": str(workspace), "COLUMNS": "100"}
        trees = {"voc (this tree)": ROOT}
        if args.startup_ref is not None:
            trees = {f"voc ({args.startup_ref})": args.startup_ref.resolve(), **trees}
        commands: list[tuple[str, list[str], dict[str, str], Path]] = [
            ("python -c pass", [sys.executable, "-c", "pass"], env, ROOT),
            ("typer app --help (floor)", [sys.executable, "-c", TYPER_FLOOR, "--help"], env, ROOT),
            ("MlflowClient list (floor)", [sys.executable, "-c", MLFLOW_FLOOR, uri], env, ROOT),
        ]
        for name, tree in trees.items():
            tree_env = {**env, "PYTHONPATH": str(tree)}
            voc = [sys.executable, "-m", "cli.main"]
            commands.append((f"{name} --help", [*voc, "--help"], tree_env, tree))
            commands.append((f"{name} models list", [*voc, "models", "list"], tree_env, tree))
        times: dict[str, list[float]] = {name: [] for name, *_ in commands}
        # Round robin: a change in the machine's load touches every command alike.
        for _ in range(runs):
            for name, argv, command_env, cwd in commands:
                times[name].append(_time(name, argv, command_env, cwd))
    rows = [{"command": n, "median_s": statistics.median(t), "min_s": min(t)} for n, t in times.items()]
    floors = {"--help": rows[1]["median_s"], "models list": rows[2]["median_s"]}
    for row in rows[3:]:
        kind = "--help" if row["command"].endswith("--help") else "models list"
        row["x_floor"] = row["median_s"] / floors[kind]
    return {
        "title": f"CLI start-up (wall seconds, median of {runs} fresh processes, run round robin)",
        "rows": rows,
        "notes": [
            "x_floor: ratio to the floor of the same kind (typer --help; MlflowClient listing)",
            "voc --help imports typer and rich only; models list imports MLflow, not torch or spaCy",
        ],
    }


def _time(name: str, argv: list[str], env: dict[str, str], cwd: Path) -> float:
    started = time.perf_counter()
    done = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    if done.returncode != 0:
        raise RuntimeError(f"{name}: exit {done.returncode}: {done.stderr[-500:]}")
    return time.perf_counter() - started


def _registry_with_one_model(workspace: Path) -> str:
    """A workspace store with model ``root-cause``, versions 1 and 2 with test metrics; its URI."""
    os.environ.setdefault("MLFLOW_LOGGING_LEVEL", "WARNING")  # no "Creating initial tables" lines
    import mlflow

    from voc.tracking import experiment_id
    from voc.workspace import Workspace

    ws = Workspace(workspace)
    experiment = experiment_id("root-cause", ws)
    client = mlflow.MlflowClient()
    client.create_registered_model("root-cause")
    for version, f1 in ((1, 0.91), (2, 0.93)):
        run = client.create_run(experiment, run_name=f"train-v{version}")
        for key, value in {"test_accuracy": f1 + 0.01, "test_macro_f1": f1, "test_coverage": 0.8}.items():
            client.log_metric(run.info.run_id, key, value)
        client.set_terminated(run.info.run_id)
        client.create_model_version("root-cause", f"{run.info.artifact_uri}/model", run_id=run.info.run_id)
    client.set_registered_model_alias("root-cause", "champion", "2")
    return ws.tracking_uri
