"""Abstention when the wording shifts: Bitext, trained on one style, tested on the others.

The Bitext utterances (read in place from ``--bitext``) carry style flags. The model is trained on
the plain styles (flags B, I, M, P only: basic, interrogative, morphological, polite) and tested
on utterances with a shifted style (L lexical, Q colloquial, Z typos, K keywords, E expanded, C
coordinated, W offensive) of the same intents, and on intents held out of training altogether
(out of scope). Threshold and novelty floor are chosen on a validation split of the training
style, as ``voc train`` does, by today's rule and by ours:

- today's: novelty floor at the 5% quantile of the validation contacts' similarity to their
  nearest training example; threshold at the edge of the validation gap;
- ours (``training.classifier``): floor at the 47% quantile of the similarity of simulated
  out-of-scope contacts (each validation contact against the other classes' examples,
  :func:`~training.abstention.choose_floor`), threshold in the middle of the gap
  (:func:`~training.abstention.choose_threshold`).

Reported: accuracy, share kept (not flagged) and precision of the kept, on the shifted styles
(target: >= 75% kept at >= 90% precision) and the share of out-of-scope utterances flagged. The
BANKING77 out-of-scope benchmark (``--only classifier``) uses the same rule.

With ``--shift-fine-tune``, each seed also fine-tunes MiniLM on its fit rows, as ``voc train
--fine-tune`` does, and scores that model with the floor ``voc train`` then chooses (from the base
encoder's: :func:`~training.abstention.choose_matched_floor`).

Run alone: ``python -m benchmarks --only shift [--bitext DIR] [--shift-fine-tune]``.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split

DEFAULT_BITEXT = Path("../shared/data/bitext")
SHIFTED = set("LQZKECW")
OURS = {"features": "both", "model": "svm", "C": 1.0, "embedding_weight": 2.0}


def run(args: argparse.Namespace) -> dict[str, Any]:
    from nlp.embed import EmbedConfig, Embedder
    from training.abstention import choose_floor, choose_threshold
    from training.classifier import RootCauseClassifier
    from training.config import TrainConfig
    from voc.workspace import Workspace

    path = Path(getattr(args, "bitext", DEFAULT_BITEXT)) / "bitext_customer_service_8k.csv"
    if not path.is_file():
        return {"title": "Shifted wording (Bitext)", "notes": [f"{path} not found: pass --bitext DIR"]}
    data = pd.read_csv(path, encoding="utf-8-sig")
    embedder = Embedder(EmbedConfig(cache_dir=Workspace.resolve().embedding_cache, show_progress=True))
    embedder.encode(data["utterance"].astype(str).tolist())  # fill the cache once
    held_out = int(getattr(args, "shift_held_out", 5))
    rows, extra = [], {}
    for seed in (0, 1, 2):
        plain = ~data["flags"].map(lambda f: bool(set(str(f)) & SHIFTED))
        intents = sorted(data["intent"].unique())
        unseen = set(np.random.default_rng(seed).choice(intents, size=held_out, replace=False).tolist())
        known = ~data["intent"].isin(unseen)
        train = data[plain & known]
        fit, val = train_test_split(train, test_size=0.2, stratify=train["intent"], random_state=seed)
        model = RootCauseClassifier(embedder=embedder, **OURS).fit(fit["utterance"], fit["intent"])
        proba, similarity = model.scores(val["utterance"])
        assert similarity is not None
        correct = model.classes_[proba.argmax(axis=1)] == val["intent"].to_numpy()
        target = TrainConfig().precision_target
        rules = {
            "today": (
                _edge_threshold(proba.max(axis=1), correct, target),
                float(np.quantile(similarity, 0.05)),
            ),
            "ours": (
                choose_threshold(proba.max(axis=1), correct, target),
                choose_floor(model, val["utterance"], val["intent"], TrainConfig().novelty_quantile),
            ),
        }
        parts = {"shifted": data[~plain & known], "out of scope": data[~known]}
        floor_rules = {"today": "5% quantile of validation", "ours": "simulated unseen causes"}
        for row in _score_rules(model, rules, parts, seed):
            rows.append({**row, "floor rule": floor_rules[row["rule"]]})
        if getattr(args, "shift_fine_tune", False):
            with tempfile.TemporaryDirectory(prefix="voc-bench-shift-") as folder:
                tuned, values, rule = _fine_tuned(embedder, fit, val, seed, Path(folder))
                for row in _score_rules(tuned, {"ours, fine-tuned encoder": values}, parts, seed):
                    rows.append({**row, "floor rule": rule})
        extra[f"seed {seed}"] = sorted(unseen)
    means = []
    for rule in dict.fromkeys(r["rule"] for r in rows):
        mine = [r for r in rows if r["rule"] == rule]
        keys = [k for k in mine[0] if k not in ("rule", "seed", "floor rule")]
        mean = {k: float(np.mean([r[k] for r in mine])) for k in keys}
        means.append({"rule": f"{rule} (mean of 3)", **mean})
    notes = [
        f"train: {int((~data['flags'].map(lambda f: bool(set(str(f)) & SHIFTED))).sum()):,} plain-style "
        f"utterances less {held_out} held-out intents; shifted: the other styles of the known intents",
        "target: shifted kept >= 0.75 at precision kept >= 0.90",
        *(f"held out, {k}: {', '.join(v)}" for k, v in extra.items()),
    ]
    return {
        "title": "Shifted wording (Bitext)",
        "rows": means,
        "extra_tables": {"per seed": rows},
        "notes": notes,
    }


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("shift")
    group.add_argument("--shift-held-out", type=int, default=5, help="shift: intents held out (OOS)")
    group.add_argument(
        "--shift-fine-tune",
        action="store_true",
        help="shift: also MiniLM fine-tuned on each seed's fit rows, as voc train --fine-tune (its "
        "floor from the base encoder's; about 2 minutes a seed on 2 cores)",
    )


def _score_rules(
    model: Any, rules: dict[str, tuple[float, float]], parts: dict[str, pd.DataFrame], seed: int
) -> list[dict[str, Any]]:
    """One row per rule ``(threshold, floor)``: accuracy, kept share and precision of the kept on the
    shifted styles, share of the held-out intents flagged."""
    scored = {name: model.scores(part["utterance"]) for name, part in parts.items()}
    shifted = parts["shifted"]
    right = model.classes_[scored["shifted"][0].argmax(axis=1)] == shifted["intent"].to_numpy()
    rows = []
    for rule, (threshold, floor) in rules.items():
        model.set_threshold(threshold, similarity_floor=floor)
        flagged = model.needs_review(*scored["shifted"])
        rows.append(
            {
                "rule": rule,
                "seed": seed,
                "threshold": threshold,
                "floor": floor,
                "shifted accuracy": float(right.mean()),
                "shifted kept": float((~flagged).mean()),
                "precision kept": float(right[~flagged].mean()) if (~flagged).any() else 0.0,
                "OOS flagged": float(model.needs_review(*scored["out of scope"]).mean()),
            }
        )
    return rows


def _fine_tuned(
    embedder: Any, fit: pd.DataFrame, val: pd.DataFrame, seed: int, folder: Path
) -> tuple[Any, tuple[float, float], str]:
    """A model on MiniLM fine-tuned on ``fit`` (saved under ``folder``), its ``(threshold, floor)``
    chosen on ``val`` as ``voc train --fine-tune`` chooses them, and the floor's rule."""
    import dataclasses

    from benchmarks.classifier import fit_fine_tuned
    from nlp.boilerplate import content_many
    from nlp.embed import Embedder
    from training.abstention import choose_matched_floor, choose_threshold
    from training.config import TrainConfig
    from training.finetune import FINE_TUNED_FOLDER, FineTuneConfig, fine_tune

    texts = content_many(fit["utterance"].astype(str).tolist())
    done = fine_tune(texts, fit["intent"].tolist(), folder / FINE_TUNED_FOLDER, FineTuneConfig(seed=seed))
    tuned = Embedder(dataclasses.replace(embedder.config, model=str(done.path)))
    model, reader = fit_fine_tuned(
        tuned, embedder, (fit["utterance"], fit["intent"]), (val["utterance"], val["intent"]), OURS
    )
    proba, similarity = model.scores(val["utterance"])
    assert similarity is not None
    correct = model.classes_[proba.argmax(axis=1)] == val["intent"].to_numpy()
    config = TrainConfig()
    threshold = choose_threshold(proba.max(axis=1), correct, config.precision_target)
    floor, _, rule = choose_matched_floor(
        model,
        embedder,
        (fit["utterance"], fit["intent"], None),
        (val["utterance"], val["intent"]),
        similarity,
        config.novelty_quantile,
    )
    return model, (threshold, floor), f"{rule}; causes read by the {reader} encoder"


def _edge_threshold(confidence: np.ndarray, correct: np.ndarray, target: float) -> float:
    """Today's cut: the lowest validation confidence of the kept predictions (edge of the gap)."""
    order = np.argsort(-confidence, kind="stable")
    conf = confidence[order]
    precision = np.cumsum(correct[order]) / np.arange(1, len(conf) + 1)
    last_of_value = np.r_[conf[1:] != conf[:-1], True]
    ok = np.flatnonzero((precision >= target) & last_of_value)
    return float(conf[ok[-1]]) if len(ok) else 1.0 + 1e-9
