"""One benchmark peer in its own process: its peak memory is its own, its imports do not leak."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any


def run_child(module: str, argv: list[str], *, quiet: bool = False) -> dict[str, Any]:
    """Run ``python -m MODULE --child ARGV`` with this checkout first on the path; return the JSON
    object its last stdout line holds.

    ``quiet`` captures the child's stderr (progress bars, logs) and shows its tail only when it
    fails; otherwise it goes to this process's stderr as it comes.
    """
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    done = subprocess.run(
        [sys.executable, "-m", module, "--child", *argv],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE if quiet else None,
        text=True,
        check=False,
    )
    if done.returncode:
        detail = f":\n{done.stderr[-3000:]}" if quiet else ""
        raise RuntimeError(f"benchmark child {argv[0]} failed (exit {done.returncode}){detail}")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))
