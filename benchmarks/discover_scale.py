"""Theme discovery at scale: ``voc discover`` end to end on realistic contacts, no embedding cache.

What runs, in one invocation (timings on a shared machine are noisy: read the ratios):

1. ``--n`` realistic contacts from ``voc data synth`` (every channel, about 480 characters) and their
   true root causes are generated (kept in ``--work`` and reused by a later run with the same n and
   seed; generation is not timed);
2. **ours**: :func:`nlp.discovery.run_discovery` (what ``voc discover`` calls) with today's
   defaults (``--sample-size``, backend ``auto``) into a fresh workspace whose embedding cache is
   empty. Only the ONNX export and the distilled static table are copied in from the current
   workspace when it has them (both are made once per workspace: the first run there also pays
   for them, minutes). Wall time per stage, peak RSS, themes, coverage, the static assignment's
   agreement with MiniLM on held-out sample contacts, and NMI of the themes against the true root
   causes (contacts whose cause is in the taxonomy);
3. **peer**: the old path (every contact embedded with torch MiniLM, fitted whole up to 20,000) on
   the first ``--peer-n`` contacts, in the same run: contacts/s, and the time extrapolated to
   ``--n``: its whole time scaled linearly, and its embedding time alone scaled linearly (a floor:
   the old path embeds every contact).

Each runs in its own process, so that its peak RSS is its own. Run:
``python -m benchmarks.discover_scale --n 200000`` (``--n 20000 --peer-n 500`` for a quick one).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import shutil
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from benchmarks.child import run_child

OLD_SAMPLE = 10**9  # "never sample": the old path embeds every contact


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m benchmarks.discover_scale", description=__doc__.splitlines()[0]
    )
    p.add_argument("--n", type=int, default=200_000, help="realistic contacts discovered by ours")
    p.add_argument("--peer-n", type=int, default=1_000, help="contacts the old path (torch, all) runs on")
    p.add_argument("--sample-size", type=int, default=None, help="DiscoveryConfig.sample_size (default: its)")
    p.add_argument("--backend", default="auto", choices=("auto", "torch", "onnx", "onnx-int8"))
    p.add_argument("--seed", type=int, default=31, help="seed of the synthetic contacts")
    p.add_argument("--no-peer", dest="peer", action="store_false", help="skip the old path")
    p.add_argument("--work", type=Path, default=None, help="working folder (contacts are reused from it)")
    p.add_argument("--json", type=Path, default=None, help="also write the numbers to this JSON file")
    return p


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Generate, discover with ours and the old path, each in a child process; returns the numbers."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    work = args.work or Path("/tmp/voc-bench-discover")
    work.mkdir(parents=True, exist_ok=True)
    source, truth = contacts(args.n, args.seed, work)
    results: dict[str, Any] = {"n": args.n, "seed": args.seed}
    ours = ["ours", str(source), str(truth), str(work), str(args.sample_size or 0), args.backend]
    results["ours"] = _child(ours)
    if args.peer:
        frame = pd.read_parquet(source).head(args.peer_n)
        prefix = work / f"peer-{args.peer_n}-s{args.seed}.parquet"
        frame.to_parquet(prefix, index=False)
        results["old"] = _child(["old", str(prefix), str(truth), str(work), str(OLD_SAMPLE), "torch"])
        old = results["old"]
        old["extrapolated_s"] = old["seconds"] * args.n / old["n_read"]
        embedding = next(s for stage, s in old["stages"].items() if stage.startswith("embedding"))
        old["embedding_per_s"] = old["n_read"] / embedding
        old["extrapolated_embedding_s"] = embedding * args.n / old["n_read"]
        results["speedup"] = old["extrapolated_s"] / results["ours"]["seconds"]
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, default=str))
    return results


def contacts(n: int, seed: int, work: Path) -> tuple[Path, Path]:
    """``n`` synthetic contacts and their ground truth as Parquet files in ``work`` (made once)."""
    source, truth = work / f"contacts-{n}-s{seed}.parquet", work / f"truth-{n}-s{seed}.parquet"
    if source.is_file() and truth.is_file():
        return source, truth
    from benchmarks.workload import synth

    started = time.perf_counter()
    frame, gold = synth(n, seed)  # in chunks above 20,000
    gold.to_parquet(truth, index=False)
    frame.to_parquet(source, index=False)
    print(f"generated {n:,} contacts in {time.perf_counter() - started:.0f} s", flush=True)
    return source, truth


def _child(argv: list[str]) -> dict[str, Any]:
    return run_child("benchmarks.discover_scale", argv)


def _child_main(argv: list[str]) -> None:
    """One discovery, timed per stage; prints one JSON line."""
    from sklearn.metrics import normalized_mutual_info_score

    from nlp.discovery import DiscoveryConfig, run_discovery
    from nlp.embed import Embedder

    mode, source, truth, work = argv[0], Path(argv[1]), Path(argv[2]), Path(argv[3])
    sample_size, backend = int(argv[4]), argv[5]
    workspace = _fresh_workspace(work / f"ws-{mode}")
    stages: dict[str, float] = {}

    @contextlib.contextmanager
    def step(description: str) -> Iterator[None]:
        started = time.perf_counter()
        yield
        stages[description] = time.perf_counter() - started
        print(f"  [{mode}] {stages[description]:7.1f} s  {description}", file=sys.stderr, flush=True)

    encode = Embedder.encode

    def timed_encode(self: Embedder, texts: Any) -> np.ndarray:
        with step(f"embedding {len(texts):,} texts with MiniLM ({self.config.backend})"):
            return encode(self, texts)

    Embedder.encode = timed_encode  # type: ignore[method-assign]
    settings: dict[str, Any] = {"backend": backend, **({"sample_size": sample_size} if sample_size else {})}
    config = DiscoveryConfig(**settings)
    out = work / f"out-{mode}"
    started = time.perf_counter()
    result = run_discovery(source, out, workspace, config, progress=step)
    seconds = time.perf_counter() - started
    numbers = {
        "n_read": result.counts.read,
        "seconds": seconds,
        "contacts_per_s": result.counts.read / seconds,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "stages": stages,
        "n_themes": result.n_themes,
        "coverage": result.coverage,
        "n_embedded": result.n_embedded,
        "backend": result.backend,
        "static_agreement": result.static_agreement,
    }
    # NMI of the themes against the true root causes (contacts with one inside the taxonomy), on the
    # MiniLM-embedded contacts and on the statically assigned ones.
    assigned = pd.read_parquet(out / "assignments.parquet")
    gold = pd.read_parquet(truth).set_index("contact_id")
    frame = assigned.join(gold[["root_cause", "in_taxonomy"]], on="contact_id")
    frame = frame[frame["in_taxonomy"].fillna(False).astype(bool)]
    numbers["nmi_all"] = float(normalized_mutual_info_score(frame["root_cause"], frame["theme_id"]))
    print(json.dumps(numbers, default=float))


def _fresh_workspace(root: Path) -> Any:
    """A workspace with an empty embedding cache; the ONNX export and the static table copied in."""
    from voc.workspace import Workspace

    shutil.rmtree(root, ignore_errors=True)
    workspace = Workspace.resolve(root)
    current = Workspace.resolve()
    for made_once in ("onnx_cache", "static_cache"):
        there = Path(getattr(current, made_once))
        if there.is_dir():
            shutil.copytree(there, Path(getattr(workspace, made_once)))
    return workspace


def report(results: dict[str, Any]) -> str:
    """The numbers as text."""
    lines = []
    for name in ("ours", "old"):
        got = results.get(name)
        if not got:
            continue
        lines.append(
            f"{name}: {got['n_read']:,} contacts in {got['seconds']:.0f} s ({got['contacts_per_s']:.1f}/s), "
            f"peak RSS {got['peak_rss_mb']:,.0f} MB, {got['n_themes']} themes, "
            f"coverage {got['coverage']:.1%}, "
            f"NMI vs true causes {got['nmi_all']:.3f}, {got['n_embedded']:,} embedded with {got['backend']}"
        )
        if np.isfinite(got["static_agreement"]):
            lines.append(
                f"  static assignment: agreement with MiniLM on held-out sample contacts "
                f"{got['static_agreement']:.1%}"
            )
        lines += [f"  {seconds:8.1f} s  {stage}" for stage, seconds in got["stages"].items()]
    if "old" in results:
        old = results["old"]
        lines.append(
            f"old path extrapolated to {results['n']:,}: {old['extrapolated_s']:,.0f} s "
            f"({old['extrapolated_s'] / 3600:.1f} h; its embedding alone, {old['embedding_per_s']:.1f}/s: "
            f"{old['extrapolated_embedding_s']:,.0f} s); ours x{results['speedup']:.1f} faster"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--child"]:
        _child_main(argv[1:])
        return
    results = run(parser().parse_args(argv))
    print(report(results))


if __name__ == "__main__":
    main()
