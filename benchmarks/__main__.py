"""``python -m benchmarks --banking77 DIR [--only NAME] [--scale]``: run the benchmarks, print tables.

Modules listed in :data:`MODULES` that are not there (not merged yet) are skipped with a note.
"""

from __future__ import annotations

import argparse
import importlib
import json
import logging
import math
import os
import sys
import time
from pathlib import Path
from typing import Any

MODULES = (
    "themes",
    "classifier",
    "redaction",
    "tagging",
    "workload",
    "dashboard",
    "operations",
    "labelling",
    "language",
    "screening",
    "shift",
    "secondary",
)
# Run only when named with --only (slow or one-off measurements).
OPT_IN = ("backends", "startup", "novelty", "finetune")


def main(argv: list[str] | None = None) -> int:
    """Parse options, run the chosen benchmarks and print their tables; returns the exit code."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument(
        "--banking77",
        type=Path,
        default=Path("../shared/data/banking77"),
        help="folder with BANKING77 train.csv and test.csv (read in place)",
    )
    parser.add_argument(
        "--bitext",
        type=Path,
        default=Path("../shared/data/bitext"),
        help="folder with the Bitext customer-service CSV (read in place)",
    )
    parser.add_argument(
        "--only", action="append", choices=MODULES + OPT_IN, help="run only this benchmark (repeatable)"
    )
    parser.add_argument("--json", type=Path, default=None, help="also write all results to this JSON file")
    modules = {}
    for name in MODULES + OPT_IN:
        try:
            modules[name] = importlib.import_module(f"benchmarks.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"benchmarks.{name}":
                raise
            continue
        if hasattr(modules[name], "add_arguments"):
            modules[name].add_arguments(parser)
    args = parser.parse_args(argv)
    chosen = args.only or list(MODULES)
    results: dict[str, Any] = {}
    for name in chosen:
        if name not in modules:
            print(f"\n== {name}: skipped (benchmarks/{name}.py is not there)")
            continue
        started = time.perf_counter()
        result = modules[name].run(args)
        results[name] = result
        print_result(name, result, time.perf_counter() - started)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, default=str))
    return 0


def print_result(name: str, result: dict[str, Any], seconds: float) -> None:
    """Print one benchmark's tables (``rows`` and any ``extra_tables``) and notes."""
    print(f"\n== {result.get('title', name)} ({seconds:.0f} s)")
    if "rows" not in result and "extra_tables" not in result:
        print(json.dumps(result, indent=2, default=str))
        return
    for title, rows in [("", result.get("rows", [])), *result.get("extra_tables", {}).items()]:
        if title:
            print(f"\n-- {title}")
        print(format_table(rows))
    for note in result.get("notes", []):
        print(f"  * {note}")
    sys.stdout.flush()


def format_table(rows: list[dict[str, Any]]) -> str:
    """Plain-text table of ``rows`` (dicts with the same keys); floats to 3 decimals."""
    if not rows:
        return "(no rows)"
    columns = list(dict.fromkeys(k for row in rows for k in row))

    def cell(value: Any) -> str:
        if isinstance(value, float):
            return "-" if math.isnan(value) else f"{value:.3f}"
        return "" if value is None else str(value)

    table = [[cell(row.get(c)) for c in columns] for row in rows]
    widths = [max(len(c), *(len(r[i]) for r in table)) for i, c in enumerate(columns)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True))]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)) for r in table]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
