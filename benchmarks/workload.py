"""Tagging on the users' workload: ``voc data synth`` contacts of every channel, fast pyfunc vs plain path.

What runs, all in one invocation (timings on a shared machine are noisy: read the ratios):

1. a training set of synthetic contacts (``--train``, their noisy ``label``) is prepared and the root-cause
   model trained as ``voc train`` does (:func:`training.train.train_classifier`, MiniLM through
   the workspace's embedding cache), then logged as the one pyfunc;
2. held-out contacts (another seed, ``--n``) are tagged end to end by ``voc tag``'s local engine
   (validation, preparation and redaction, embedding, classification, Parquet parts), each peer in a
   child process so that its peak RSS is its own:

   - ``plain``: the same preparation + ``SentenceTransformer.encode`` at default settings + the same
     fitted classifier (no dedupe, no cascade);
   - ``fast``: the logged pyfunc loaded as ``voc tag`` loads it (``--backend onnx-int8``): whatever
     the model holds (a cascade when trained with one) runs;

3. macro-F1 of each peer's ``root_cause`` against the true cause of the held-out contacts inside the
   taxonomy, and the share flagged ``needs_review``;
4. the short-sentence set of :mod:`benchmarks.tagging` (eight-word template sentences) through the same
   two peers, contacts/s only: the second line.

Run alone: ``python -m benchmarks.workload --n 2000 --train 3000`` (a minute or two once the
embedding cache is warm); ``--n 100000`` is the full-size run.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from benchmarks.child import run_child


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options under the ``python -m benchmarks`` harness."""
    group = parser.add_argument_group("workload")
    group.add_argument("--workload-n", type=int, default=2_000, help="workload: held-out contacts tagged")
    group.add_argument("--workload-train", type=int, default=3_000, help="workload: training contacts")
    group.add_argument("--workload-short", type=int, default=2_000, help="workload: short sentences tagged")


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m benchmarks.workload", description=__doc__.splitlines()[0])
    p.add_argument("--n", type=int, default=2_000, help="held-out synthetic contacts to tag")
    p.add_argument("--train", type=int, default=3_000, help="synthetic contacts to train on")
    p.add_argument("--short", type=int, default=2_000, help="short template sentences to tag (0: skip)")
    p.add_argument("--chunk-size", type=int, default=10_000)
    p.add_argument("--seed", type=int, default=101)
    p.add_argument("--plain-n", type=int, default=None, help="tag only this many with the slow plain peer")
    p.add_argument(
        "--workers",
        type=int,
        default=None,
        help="worker processes of the parallel peer (voc tag --workers; default: one per core)",
    )
    p.add_argument(
        "--single-n",
        type=int,
        default=None,
        help="tag only this many with the pyfunc in one process (default: all; 0: skip that peer)",
    )
    p.add_argument(
        "--features",
        default="both",
        choices=("auto", "embedding", "tfidf", "both"),
        help="features of the full model (both: MiniLM + TF-IDF, what voc train picks on BANKING77; on "
        "synthetic contacts auto may pick tfidf, and then there is no MiniLM to spare)",
    )
    p.add_argument(
        "--no-cascade", dest="cascade", action="store_false", help="train without the tagging cascade"
    )
    p.add_argument(
        "--work", type=Path, default=None, help="working folder; a model trained there before is reused"
    )
    p.add_argument("--json", type=Path, default=None, help="also write the numbers to this JSON file")
    return p


def run(args: argparse.Namespace) -> dict[str, Any]:
    from training.tagging.workers import available_cores

    """Train, tag with both peers, score; returns the harness's ``rows``/``notes`` and the raw numbers."""
    if hasattr(args, "workload_n"):  # called by the harness: map its options onto ours
        options = {"--n": args.workload_n, "--train": args.workload_train, "--short": args.workload_short}
        args = parser().parse_args([str(x) for pair in options.items() for x in pair])
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    work = args.work or Path(tempfile.mkdtemp(prefix="voc-bench-workload-"))
    work.mkdir(parents=True, exist_ok=True)
    results: dict[str, Any] = {"n": args.n, "train": args.train}
    trained = work / "trained.json"
    if trained.is_file():  # --work with a model from an earlier run: tag only
        results.update(json.loads(trained.read_text()))
    else:
        started = time.perf_counter()
        uri, path, params = train_model(args.train, args.seed, work, args.cascade, args.features)
        results.update(model_uri=uri, bundle=path, train_params=params)
        results["train_seconds"] = time.perf_counter() - started
        trained.write_text(
            json.dumps(
                {k: results[k] for k in ("model_uri", "bundle", "train_params", "train_seconds")}, default=str
            )
        )
    model_uri, bundle = results["model_uri"], results["bundle"]

    held_out, truth = synth(args.n, args.seed + 1)
    source = work / "held_out.parquet"
    held_out.to_parquet(source, index=False)
    results["median_chars"] = float(held_out["text"].str.len().median())
    workers = str(args.workers or available_cores())
    chunk = str(args.chunk_size)
    plain_source = _prefix(held_out, source, args.plain_n)
    runs = {"plain": _child(["plain", plain_source, str(work), bundle, chunk, "1"])}
    if args.single_n != 0:
        single_source = _prefix(held_out, source, args.single_n)
        runs["fast"] = _child(["fast", single_source, str(work), model_uri, chunk, "1"])
    runs["parallel"] = _child(["fast", str(source), str(work), model_uri, chunk, workers])
    # both peers scored on the contacts the plain peer tagged (all of them, or the --plain-n prefix)
    same = truth.iloc[: runs["plain"]["read"]]
    for got in runs.values():
        got.update(score(Path(got["out"]), same))
    results["runs"] = runs
    if args.short:
        from benchmarks.tagging import synthetic_contacts

        short = work / "short.parquet"
        synthetic_contacts(args.short, seed=7).to_parquet(short, index=False)
        results["short"] = {
            "plain": _child(["plain", str(short), str(work), bundle, chunk, "1"]),
            "fast": _child(["fast", str(short), str(work), model_uri, chunk, "1"]),
            "parallel": _child(["fast", str(short), str(work), model_uri, chunk, workers]),
        }
    out = summarise(results)
    if args.json:
        args.json.write_text(json.dumps(out, indent=2, default=str))
    return out


def _prefix(frame: pd.DataFrame, source: Path, n: int | None) -> str:
    """``source``, or a file of its first ``n`` rows (a slow peer is timed on a prefix)."""
    if not n or n >= len(frame):
        return str(source)
    path = source.with_name(f"{source.stem}-{n}.parquet")
    frame.iloc[:n].to_parquet(path, index=False)
    return str(path)


# Contacts generated at once: the generator simulates whole order histories (~20 GB for 200,000).
SYNTH_CHUNK = 20_000


def synth(n: int, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``n`` synthetic contacts (the contract's columns) and their ground truth, from ``voc data synth``.

    Above :data:`SYNTH_CHUNK` contacts, made in chunks (seeds ``seed``, ``seed + 1``, ...; contact ids
    prefixed with the chunk's number) to bound memory.
    """
    from voc.synth.generate import SynthConfig, generate

    if n > SYNTH_CHUNK:
        starts = range(0, n, SYNTH_CHUNK)
        parts = [synth(min(SYNTH_CHUNK, n - start), seed + i) for i, start in enumerate(starts)]
        for i, (frame, gold) in enumerate(parts):
            for table in (frame, gold):
                table["contact_id"] = f"{i}-" + table["contact_id"].astype(str)
        return (
            pd.concat([p[0] for p in parts], ignore_index=True),
            pd.concat([p[1] for p in parts], ignore_index=True),
        )
    data = generate(SynthConfig(contacts=max(n, 50), seed=seed))
    return data.contacts.iloc[:n].reset_index(drop=True), data.ground_truth.iloc[:n].reset_index(drop=True)


def train_model(
    n: int, seed: int, work: Path, cascade: bool = True, features: str = "both"
) -> tuple[str, str, dict[str, Any]]:
    """Train as ``voc train`` does on ``n`` synthetic contacts; log the pyfunc; return its URI and a
    joblib of the fitted classifier for the plain peer."""
    import joblib
    import mlflow

    from nlp.embed import EmbedConfig, Embedder
    from training.config import TrainConfig
    from training.dataset import build_training_set
    from training.pyfunc import log_pyfunc
    from training.train import train_classifier
    from voc.taxonomy import load_taxonomy
    from voc.workspace import Workspace

    contacts, truth = synth(n, seed)
    contacts["label"] = truth["label"].to_numpy()
    taxonomy = load_taxonomy()
    training = build_training_set(contacts, "label", taxonomy=taxonomy)
    embedder = Embedder(EmbedConfig(cache_dir=Workspace.resolve().embedding_cache, show_progress=True))
    started = time.perf_counter()
    config = TrainConfig(cascade=cascade, features=features)  # type: ignore[arg-type]
    result = train_classifier(training, config, embedder=embedder)
    print(f"trained on {len(training.frame):,} contacts in {time.perf_counter() - started:.0f} s", flush=True)
    bundle = work / "classifier.joblib"
    joblib.dump({"classifier": result.model, "families": training.families}, bundle)
    mlflow.set_tracking_uri(f"sqlite:///{work}/mlflow.db")
    experiment = mlflow.create_experiment("workload", artifact_location=(work / "mlartifacts").as_uri())
    with mlflow.start_run(experiment_id=experiment) as run:
        log_pyfunc(result.model, training.families)
    return f"runs:/{run.info.run_id}/model", str(bundle), result.params


def score(out: Path, truth: pd.DataFrame) -> dict[str, float]:
    """Macro-F1 and accuracy of a tagged file against the true causes (contacts in the taxonomy)."""
    from sklearn.metrics import f1_score

    tagged = pd.read_parquet(out, columns=["contact_id", "root_cause", "needs_review"])
    tagged = tagged[tagged["contact_id"].isin(truth["contact_id"])]
    joined = tagged.merge(
        truth[["contact_id", "root_cause", "in_taxonomy"]], on="contact_id", suffixes=("", "_true")
    )
    inside = joined[joined["in_taxonomy"]]
    if inside.empty:
        return {"needs_review": float(tagged["needs_review"].mean())}
    return {
        "macro_f1": float(f1_score(inside["root_cause_true"], inside["root_cause"], average="macro")),
        "accuracy": float((inside["root_cause_true"] == inside["root_cause"]).mean()),
        "needs_review": float(tagged["needs_review"].mean()),
    }


def summarise(results: dict[str, Any]) -> dict[str, Any]:
    """Rows for the harness's table: contacts/s, ratio to plain, peak RSS, macro-F1."""
    rows = []
    runs = results["runs"]
    base = runs["plain"]["per_s"]
    for name, got in runs.items():
        rows.append(
            {
                "peer": name,
                "contacts": got["read"],
                "contacts_per_s": got["per_s"],
                "x_plain": got["per_s"] / base,
                "cpu_ms": got.get("cpu_ms_per_contact", float("nan")),
                "x_plain_cpu": runs["plain"].get("cpu_ms_per_contact", float("nan"))
                / got.get("cpu_ms_per_contact", float("nan")),
                "peak_rss_mb": got["peak_rss_mb"],
                "macro_f1": got.get("macro_f1", float("nan")),
                "accuracy": got.get("accuracy", float("nan")),
                "needs_review": got.get("needs_review", float("nan")),
            }
        )
    extra = {}
    if "short" in results:
        short = results["short"]
        extra["short template sentences (the old workload), contacts/s"] = [
            {
                "peer": k,
                "contacts": v["read"],
                "contacts_per_s": v["per_s"],
                "x_plain": v["per_s"] / short["plain"]["per_s"],
            }
            for k, v in short.items()
        ]
    delta = 100 * (runs["parallel"].get("macro_f1", np.nan) - runs["plain"].get("macro_f1", np.nan))
    return {
        "title": (
            f"tagging realistic contacts (voc data synth, median {results['median_chars']:.0f} chars): "
            f"trained on {results['train']:,} in {results['train_seconds']:.0f} s"
        ),
        "rows": rows,
        "extra_tables": extra,
        "notes": [
            "end to end through voc tag's local engine; each peer in its own process (peak RSS its own)",
            "cpu_ms: CPU time per contact of the peer's processes (user + system; torch's threads count "
            "their spinning too), steadier than contacts/s on a shared box",
            f"macro-F1 on contacts inside the taxonomy, parallel - plain: {delta:+.2f} points",
            "fast: the pyfunc in one process; parallel: voc tag --workers (each worker holds the model; "
            "peak RSS summed over the processes, start-up of the workers not timed)",
            "training: "
            + ", ".join(
                f"{k}={v}"
                for k, v in results["train_params"].items()
                if "cascade" in k or k in ("features", "C")
            ),
        ],
        "raw": results,
    }


# --------------------------------------------------------------------------------------------
# Child processes: one engine run each
# --------------------------------------------------------------------------------------------


def _child(argv: list[str]) -> dict[str, Any]:
    return run_child("benchmarks.workload", argv)


class _SentenceTransformerEncoder:
    """``SentenceTransformer.encode`` at its defaults (batch 32, no dedupe), unit-length vectors."""

    def __init__(self) -> None:
        from sentence_transformers import SentenceTransformer

        from nlp.embed import default_model_path

        self.model = SentenceTransformer(str(default_model_path()), device="cpu", local_files_only=True)

    def encode(self, texts: list[str]) -> np.ndarray:
        return np.asarray(self.model.encode(texts, normalize_embeddings=True), dtype=np.float32)


class _Plain:
    """The plain path: ``nlp.prepare`` + SentenceTransformer + the same fitted classifier."""

    def __init__(self, bundle: str) -> None:
        import joblib

        loaded = joblib.load(bundle)
        self.classifier = loaded["classifier"].set_params(embedder=_SentenceTransformerEncoder())
        self.families: dict[str, str] = loaded["families"]

    def predict(self, df: pd.DataFrame) -> pd.DataFrame:
        from nlp.prepare import prepare_contacts

        out = self.classifier.decide(prepare_contacts(df)["clean_text"].tolist())
        out.insert(1, "family", [self.families.get(c, "other") for c in out["root_cause"]])
        return out


def _processes(workers: list[int]) -> list[int]:
    """This process, the tagging workers and the preparation helpers (``nlp.prepare`` forks one
    for a large batch in a process that prepares alone)."""
    from nlp.prepare import _POOL

    return [os.getpid(), *workers, *(pid for pool in _POOL.values() for pid in pool._processes)]


def _cpu_seconds(pids: list[int]) -> float:
    """User + system CPU seconds the processes ``pids`` have used so far (Linux ``/proc``; 0 elsewhere)."""
    tick = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / tick  # utime, stime (fields 14 and 15)
    return total


def _child_main(argv: list[str]) -> None:
    from training.tagging.local import TagConfig, tag_file
    from training.tagging.workers import PredictorPool, peak_rss_mb

    mode, source, work, model, chunk = argv[0], Path(argv[1]), Path(argv[2]), argv[3], int(argv[4])
    workers = int(argv[5])
    out = work / f"{mode}{workers}-{source.stem}.parquet"
    out.unlink(missing_ok=True)
    pool, pids = None, []
    if mode == "plain":
        predictor: Any = _Plain(model)
        config = TagConfig(chunk_size=chunk, dedupe=False, show_progress=False)
    else:
        import mlflow

        from training.pyfunc import load_predictor

        mlflow.set_tracking_uri(f"sqlite:///{work}/mlflow.db")
        if workers > 1:  # what voc tag --workers N runs
            predictor = pool = PredictorPool(model, {"embed_backend": "onnx-int8"}, workers)
            pids = pool.start()
        else:
            predictor, _ = load_predictor(model, {"embed_backend": "onnx-int8"})
        config = TagConfig(chunk_size=chunk, show_progress=False)
    # Warm up on real rows, so that lazily built parts (the redactor, the ONNX session that only the
    # contacts in the cascade's band wake) are not billed to a small run: steady-state throughput.
    warm = pd.read_parquet(source).head(200)
    predictor.predict(warm[["text", "channel"]].reset_index(drop=True))
    cpu_before = _cpu_seconds(_processes(pids))
    start = time.perf_counter()
    summary = tag_file(source, predictor, out, model_name="bench", model_version="1", tag_config=config)
    seconds = time.perf_counter() - start
    cpu = _cpu_seconds(_processes(pids)) - cpu_before
    peak = peak_rss_mb()
    if pool is not None:
        peak += sum(pool.peak_rss_mb.values())
        pool.close()
    print(
        json.dumps(
            {
                "read": summary.read,
                "per_s": summary.read / seconds,
                "seconds": seconds,
                "peak_rss_mb": peak,
                # CPU time of this process and the workers: steadier than contacts/s on a shared box
                "cpu_ms_per_contact": 1000 * cpu / max(summary.read, 1),
                "workers": workers,
                "out": str(out),
            }
        )
    )


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--child"]:
        _child_main(argv[1:])
        return
    from benchmarks.__main__ import print_result

    started = time.perf_counter()
    result = run(parser().parse_args(argv))
    print_result("workload", result, time.perf_counter() - started)


if __name__ == "__main__":
    main()
