"""Training time as labels grow: ``voc train``'s search, every candidate calibrated vs the scaled one.

Two sets, each trained with :func:`training.train.train_classifier` (its own stratified
train / validation / test split of the set's training rows) and scored on the set's own test rows:

- BANKING77 (77 labels; 10,003 train, 3,080 test), read in place from ``--banking77``;
- a 150-label set of about 15,000 examples: BANKING77's 77 intents, Bitext's 27 (read in place from
  ``--bitext``), the 36 topics of ``voc data synth`` contacts (prepared: customer words, redacted),
  and 10 labels made by splitting the 10 largest BANKING77 intents at random into two halves each
  (unlearnable on purpose: they add labels, not signal); up to 100 rows per label, the rest of each
  label (up to 30) as its test rows.

Peers in the same run (``--search``): ``calibrated`` (every candidate a calibrated SVM, the first
search), ``fast`` (candidates uncalibrated on every training row, one calibrated fit for the
threshold and the final fit) and ``sampled`` (today's default: as ``fast``, the candidates fitted on
at most ``search_rows_per_label`` rows of each label, the calibration folds in parallel processes).
MiniLM vectors come from the onnx-int8 encoder through the workspace's embedding cache, filled before
the clock starts: the times are the fits'.

Run alone: ``python -m benchmarks.training_scale`` (``--only banking77`` or ``--only 150``).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

# The peers: TrainConfig settings of each search.
SEARCHES: dict[str, dict[str, Any]] = {
    "calibrated": {"search": "calibrated", "search_rows_per_label": 0},
    "fast": {"search": "fast", "search_rows_per_label": 0},
    "sampled": {},
}


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m benchmarks.training_scale", description=__doc__.splitlines()[0]
    )
    p.add_argument("--banking77", type=Path, default=Path("../shared/data/banking77"))
    p.add_argument("--bitext", type=Path, default=Path("../shared/data/bitext"))
    p.add_argument("--only", choices=("banking77", "150"), action="append")
    p.add_argument("--search", choices=tuple(SEARCHES), action="append", help="peers to run")
    return p


def run(args: argparse.Namespace) -> dict[str, Any]:
    from nlp.embed import EmbedConfig, Embedder
    from training.config import TrainConfig
    from training.dataset import TrainingSet
    from training.train import train_classifier
    from voc.workspace import Workspace

    embedder = Embedder(
        EmbedConfig(
            backend="onnx-int8",
            cache_dir=Workspace.resolve().embedding_cache,
            onnx_cache_dir=Workspace.resolve().onnx_cache,
        )
    )
    sets = {"banking77": banking77, "150": labels150}
    rows = []
    for name in args.only or list(sets):
        train, test = sets[name](args)
        embedder.encode(pd.concat([train["clean_text"], test["clean_text"]]).tolist())  # fill the cache
        frame = train.assign(contact_id=[f"r{i}" for i in range(len(train))], family="other", channel=None)
        frame["weight"] = 1.0
        for search in args.search or ("fast", "sampled"):
            started = time.perf_counter()
            config = TrainConfig(**SEARCHES[search])
            result = train_classifier(TrainingSet(frame=frame), config, embedder=embedder)
            seconds = time.perf_counter() - started
            guess = result.model.predict(test["clean_text"].tolist())
            rows.append(
                {
                    "set": name,
                    "labels": train["label"].nunique(),
                    "rows": len(train),
                    "search": search,
                    "seconds": seconds,
                    "test_accuracy": float((guess == test["label"].to_numpy()).mean()),
                    "chosen": f"{result.params['features']} C={result.params['C']:g}",
                }
            )
            print(rows[-1], flush=True)
    return {
        "title": "training time as labels grow (embeddings cached; 2 shared cores)",
        "rows": rows,
        "notes": ["train_classifier end to end: search, threshold, refit on train + validation"],
    }


def banking77(args: argparse.Namespace) -> tuple[pd.DataFrame, pd.DataFrame]:
    """BANKING77 train and test as ``clean_text, label`` (short single sentences: nothing to redact
    that changes them materially; prepared anyway, as ``voc train`` does)."""
    out = []
    for name in ("train", "test"):
        frame = pd.read_csv(args.banking77 / f"{name}.csv")
        out.append(_prepared(frame["text"], frame["category"]))
    return out[0], out[1]


def labels150(
    args: argparse.Namespace, per_label: int = 100, test_per_label: int = 30
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The 150-label set described in the module docstring: ``(train, test)``."""
    from voc.synth.generate import SynthConfig, generate

    b77 = pd.read_csv(args.banking77 / "train.csv").rename(columns={"category": "label"})
    rng = np.random.default_rng(0)
    largest = b77["label"].value_counts().index[:10]
    split = b77["label"].isin(largest)
    b77.loc[split, "label"] = b77.loc[split, "label"] + np.where(rng.random(split.sum()) < 0.5, "/a", "/b")
    bitext = pd.read_csv(args.bitext / "bitext_customer_service_8k.csv", encoding="utf-8-sig")
    bitext = pd.DataFrame({"text": bitext["utterance"], "label": "bitext:" + bitext["intent"]})
    synth = generate(SynthConfig(contacts=12_000, seed=5))
    contacts = synth.contacts.assign(label="synth:" + synth.ground_truth["topic"].astype(str))
    parts = [b77[["text", "label"]], bitext]
    prepared_synth = _prepared(contacts["text"], contacts["label"], contacts["channel"])
    every = pd.concat([_prepared(p["text"], p["label"]) for p in parts] + [prepared_synth], ignore_index=True)
    every = every.sample(frac=1.0, random_state=0)
    rank = every.groupby("label").cumcount()
    train = every[rank < per_label].reset_index(drop=True)
    test = every[(rank >= per_label) & (rank < per_label + test_per_label)].reset_index(drop=True)
    return train, test


def _prepared(text: pd.Series, label: pd.Series, channel: pd.Series | None = None) -> pd.DataFrame:
    from nlp.prepare import prepare_contacts

    contacts = pd.DataFrame({"text": text.astype(str).to_numpy()})
    if channel is not None:
        contacts["channel"] = channel.to_numpy()
    clean = prepare_contacts(contacts)["clean_text"]
    return pd.DataFrame({"clean_text": clean.to_numpy(), "label": label.astype(str).to_numpy()})


def main(argv: list[str] | None = None) -> None:
    from benchmarks.__main__ import print_result

    started = time.perf_counter()
    print_result("training_scale", run(parser().parse_args(argv)), time.perf_counter() - started)


if __name__ == "__main__":
    main(sys.argv[1:])
