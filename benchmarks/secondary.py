"""A second reason per contact: precision and recall of the secondary cause on synthetic contacts.

``voc data synth`` plants a second cause in some contacts (``secondary_root_cause`` in its ground
truth). The contacts are split (seeded, stratified by cause) into a training source (70%: trained
as ``voc train`` does, on the labeller's ``label``, TF-IDF + MiniLM features, its own validation
split choosing ``secondary_threshold``) and held-out contacts (30%) on which the roll-up is scored
(:mod:`training.secondary`):

- on the held-out two-cause contacts: the secondary's precision (right / proposed) and recall
  (right / two-cause contacts);
- on all held-out contacts: precision counting a secondary proposed for a one-cause contact as
  wrong, and the share of one-cause contacts given one;
- primary accuracy (against the planted cause) with and without the roll-up: identical by design;
- tagging time of the held-out contacts with and without it (cold embedder, no cache).

Peers, in the same run: no secondary (what tagging did before), the whole contact's runner-up
class when its probability is at least :data:`RUNNER_UP_MIN`, and the tagging cascade's fast
segment model (static embeddings + TF-IDF, no MiniLM: :mod:`training.cascade`), trained in the
same ``train_classifier`` call.

Run alone: ``python -m benchmarks --only secondary [--secondary-contacts N]``.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

RUNNER_UP_MIN = 0.2
SEED = 17


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """``--secondary-contacts``: synthetic contacts to generate (default 3,000)."""
    parser.add_argument(
        "--secondary-contacts", type=int, default=3_000, help="synthetic contacts (secondary)"
    )


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Generate, train, score; returns the tables."""
    from sklearn.model_selection import train_test_split

    from nlp.embed import EmbedConfig, Embedder
    from nlp.prepare import prepare_contacts
    from training.config import TrainConfig
    from training.dataset import build_training_set
    from training.secondary import split
    from training.train import train_classifier
    from voc.synth.generate import SynthConfig, generate
    from voc.taxonomy import load_taxonomy

    n = int(getattr(args, "secondary_contacts", 3_000))
    data = generate(SynthConfig(contacts=n, seed=SEED, foreign_share=0.0))
    frame = data.contacts.merge(data.ground_truth, on="contact_id")
    frame = frame[frame["in_taxonomy"] & frame["label"].notna()]
    # Causes too rare to split for training (a few contacts in a small run) are left out.
    common = frame["root_cause"].map(frame["root_cause"].value_counts()) >= 20
    frame = frame[common & frame["label"].isin(frame.loc[common, "root_cause"])].reset_index(drop=True)
    source, held = train_test_split(frame, test_size=0.3, stratify=frame["root_cause"], random_state=SEED)
    with tempfile.TemporaryDirectory() as cache:
        embedder = Embedder(EmbedConfig(cache_dir=Path(cache), show_progress=False))
        columns = ["contact_id", "text", "label", "channel"]
        training = build_training_set(source[columns], taxonomy=load_taxonomy())
        started = time.perf_counter()
        # With the tagging cascade: its fast segment model is the peer of the full one.
        result = train_classifier(training, TrainConfig(features="both", cascade=True), embedder=embedder)
        train_seconds = time.perf_counter() - started
        model = result.model
        clean = prepare_contacts(held[["text", "channel"]].reset_index(drop=True))["clean_text"].tolist()
        model.set_params(embedder=Embedder(EmbedConfig(show_progress=False)))  # cold: fair timing
        started = time.perf_counter()
        plain = model.decide(clean, secondary=False)
        plain_seconds = time.perf_counter() - started
        started = time.perf_counter()
        rolled = model.decide(clean)
        rolled_seconds = time.perf_counter() - started
        started = time.perf_counter()
        cascaded = model.cascade_.decide(clean, model)
        cascade_seconds = time.perf_counter() - started
        model.set_params(embedder=embedder)
        proba = model.predict_proba(clean)
    truth = held["root_cause"].to_numpy(dtype=object)
    second = held["secondary_root_cause"].to_numpy(dtype=object)
    two = pd.notna(second)
    order = np.argsort(-proba, axis=1)
    runner = np.asarray(model.classes_, dtype=object)[order[:, 1]]
    runner_p = proba[np.arange(len(proba)), order[:, 1]]
    proposals = {
        "ours: sentence roll-up": rolled["secondary_root_cause"].to_numpy(dtype=object),
        "ours, cascade: fast segment model": cascaded["secondary_root_cause"].to_numpy(dtype=object),
        f"peer: runner-up class >= {RUNNER_UP_MIN}": np.where(runner_p >= RUNNER_UP_MIN, runner, None),
        "peer: no secondary": np.full(len(held), None, dtype=object),
    }
    rows = [_score(name, proposed, second, two) for name, proposed in proposals.items()]
    accuracy = [
        {"primary": "whole contact (no roll-up)", "accuracy": float((plain["root_cause"] == truth).mean())},
        {"primary": "with the roll-up", "accuracy": float((rolled["root_cause"] == truth).mean())},
        {"primary": "the cascade", "accuracy": float((cascaded["root_cause"] == truth).mean())},
    ]
    owner, _, cues = split(clean)
    timing = [
        {
            "tagging": "without secondary",
            "seconds": round(plain_seconds, 2),
            "contacts_per_s": round(len(clean) / plain_seconds, 1),
        },
        {
            "tagging": "with secondary",
            "seconds": round(rolled_seconds, 2),
            "contacts_per_s": round(len(clean) / rolled_seconds, 1),
            "ratio": round(rolled_seconds / plain_seconds, 2),
        },
        {
            "tagging": "the cascade, with secondary",
            "seconds": round(cascade_seconds, 2),
            "contacts_per_s": round(len(clean) / cascade_seconds, 1),
            "ratio": round(cascade_seconds / plain_seconds, 2),
        },
    ]
    return {
        "title": "Secondary cause (synthetic two-cause contacts)",
        "rows": rows,
        "extra_tables": {"primary accuracy": accuracy, "throughput (cold embedder)": timing},
        "notes": [
            f"{n:,} synthetic contacts (seed {SEED}), {len(frame):,} in the taxonomy; trained on "
            f"{len(source):,} (features {result.params['features']}, model {result.params['model']}), "
            f"{len(held):,} held out, {int(two.sum())} of them with a planted second cause",
            f"secondary_threshold {result.params['secondary_threshold']:.3f} (chosen on validation, "
            f"target precision 0.85; the cascade's fast segment model: "
            f"{_threshold(model.cascade_)}); {len(set(owner)) / len(clean):.0%} of held-out contacts "
            f"have >= 2 sentences of substance, {int(cues.sum())} sentences "
            f"({cues.sum() / len(clean):.2f} per contact) open like a second reason and are scored "
            f"(embedded by the full model); training took {train_seconds:.0f} s",
        ],
    }


def _threshold(cascade: Any) -> str:
    segments = getattr(cascade, "segments_", None)
    return "none" if segments is None else f"{segments[1]:.3f}"


def _score(name: str, proposed: np.ndarray, second: np.ndarray, two: np.ndarray) -> dict[str, Any]:
    has = pd.notna(proposed)
    right = has & two & (proposed == second)
    return {
        "method": name,
        "proposed": int(has.sum()),
        "precision_two_cause": float(right.sum() / (has & two).sum()) if (has & two).any() else np.nan,
        "recall": float(right.sum() / max(two.sum(), 1)),
        "precision_all": float(right.sum() / has.sum()) if has.any() else np.nan,
        "one_cause_given_one": float((has & ~two).sum() / max((~two).sum(), 1)),
    }
