"""BANKING77 benchmark of the root-cause classifier against peers, all in the same process.

Full train -> test accuracy, macro-F1 and training time (embeddings cached); 10 examples per intent;
out of scope (10 intents held out of training: share flagged needs_review, in-scope accuracy and
coverage at the same threshold). The data is read in place from ``--banking77`` (``train.csv``,
``test.csv`` with a text column and a ``category`` or ``label`` column); test labels are only used
for scoring.

Run alone: ``python -m benchmarks.classifier --banking77 ../shared/data/banking77``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score
from sklearn.model_selection import train_test_split
from sklearn.svm import LinearSVC

DEFAULT_DIR = Path("../shared/data/banking77")
# Chosen on a 15% validation split of TRAIN (never the test labels): see the module docstring.
OURS = {"features": "both", "model": "svm", "C": 1.0, "embedding_weight": 2.0}
# What TrainConfig(model="auto") picks with few examples per label (logistic regression, C x 10).
OURS_FEW_SHOT = {"features": "both", "model": "logreg", "C": 10.0, "embedding_weight": 2.0}


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Run every part of the benchmark; returns a JSON-able dict of tables and numbers."""
    from nlp.embed import EmbedConfig, Embedder
    from voc.workspace import Workspace

    # The shared `python -m benchmarks` harness may pass only --banking77: defaults for the rest.
    shots = int(getattr(args, "shots", 10))
    held_out = int(getattr(args, "held_out", 10))
    seed = int(getattr(args, "seed", 0))
    train, test = load_banking77(Path(getattr(args, "banking77", DEFAULT_DIR)))
    cache = Workspace.resolve().embedding_cache
    embedder = Embedder(EmbedConfig(cache_dir=cache, show_progress=True))
    # Fill the cache first, so training times below are "with embeddings cached".
    start = time.perf_counter()
    embedder.encode(train["text"].tolist())
    embedder.encode(test["text"].tolist())
    results: dict[str, Any] = {"embed_seconds_first_call": round(time.perf_counter() - start, 1)}
    results["full"] = full_train(train, test, embedder)
    results["few_shot"] = few_shot(train, test, embedder, shots=shots, seed=seed)
    results["out_of_scope"] = out_of_scope(train, test, embedder, held_out=held_out, seed=seed)
    return results


def load_banking77(folder: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(train, test)`` with columns ``text`` and ``label``, read in place."""
    frames = []
    for name in ("train", "test"):
        path = folder / f"{name}.csv"
        if not path.is_file():
            raise SystemExit(f"{path}: not found; pass --banking77 DIR with train.csv and test.csv")
        frame = pd.read_csv(path)
        label = next((c for c in ("label", "category", "intent") if c in frame.columns), None)
        if "text" not in frame.columns or label is None:
            raise SystemExit(f"{path}: expected columns text and label/category, got {list(frame.columns)}")
        frames.append(pd.DataFrame({"text": frame["text"].astype(str), "label": frame[label].astype(str)}))
    return frames[0], frames[1]


def full_train(train: pd.DataFrame, test: pd.DataFrame, embedder: Any) -> list[dict[str, Any]]:
    """Ours and peers trained on all of TRAIN, scored on TEST."""
    rows = [_score("ours: " + _describe(OURS), *_ours(train, test, embedder, OURS), test)]
    for name, peer in _peers(embedder).items():
        rows.append(_score(name, *peer(train, test), test))
    return rows


def few_shot(
    train: pd.DataFrame, test: pd.DataFrame, embedder: Any, shots: int = 10, seed: int = 0
) -> list[dict[str, Any]]:
    """``shots`` random examples per intent -> TEST accuracy, ours and peers."""
    sample = train.groupby("label", group_keys=False).sample(n=shots, random_state=seed)
    ours = _ours(sample, test, embedder, OURS_FEW_SHOT)
    rows = [_score(f"ours: {_describe(OURS_FEW_SHOT)}, {shots}-shot", *ours, test)]
    rest = train.drop(index=sample.index)["text"].tolist()
    predicted, seconds, params = ours_self_trained(sample, rest, test, embedder, OURS_FEW_SHOT)
    name = (
        f"ours + self-training on the other {len(rest):,} train texts, unlabelled (round "
        f"{params['self_train_rounds']} kept), {shots}-shot"
    )
    rows.append(_score(name, predicted, seconds, test))
    for name, peer in _peers(embedder).items():
        rows.append(_score(f"{name}, {shots}-shot", *peer(sample, test), test))
    return rows


def out_of_scope(
    train: pd.DataFrame,
    test: pd.DataFrame,
    embedder: Any,
    held_out: int = 10,
    seed: int = 0,
    precision_target: float = 0.90,
    base: Any = None,
) -> dict[str, Any]:
    """Hold ``held_out`` intents out of training; how many of their test contacts are flagged?

    The threshold is chosen on a validation split of the in-scope TRAIN rows (precision target
    0.90). A second rule also flags contacts whose embedding is far from every training example:
    below the 5th / 10th percentile of in-scope validation contacts' similarity (the rule before
    issue 17), or below the floor ``voc train`` now chooses (:func:`training.abstention.choose_floor`:
    the ``novelty_quantile`` of simulated out-of-scope validation contacts). With ``base``, the
    embedder whose encoder ``embedder``'s was fine-tuned from, that floor is chosen as ``voc train
    --fine-tune`` does (:func:`training.abstention.choose_matched_floor`) and the unseen-class
    floor of the fine-tuned space is shown too; and, as there, ``base`` competes to read the causes
    (validation macro-F1; ties to the fine-tuned encoder) while ``embedder`` checks novelty either
    way (``RootCauseClassifier.novelty_embedder``): ``classes_encoder`` in the result says which won.
    """
    from training.abstention import MATCHED_RULE, choose_floor, choose_matched_floor, choose_threshold
    from training.classifier import RootCauseClassifier
    from training.config import TrainConfig

    unseen, fit, val = out_of_scope_split(train, held_out, seed)
    if base is None:
        model, reader = (
            RootCauseClassifier(embedder=embedder, **OURS).fit(fit["text"], fit["label"]),
            "frozen",
        )
    else:
        model, reader = fit_fine_tuned(
            embedder, base, (fit["text"], fit["label"]), (val["text"], val["label"])
        )
    proba, similarity = model.scores(val["text"])
    guess = model.classes_[proba.argmax(axis=1)]
    threshold = choose_threshold(proba.max(axis=1), guess == val["label"].to_numpy(), precision_target)
    assert similarity is not None

    test_proba, test_similarity = model.scores(test["text"])
    guess = model.classes_[test_proba.argmax(axis=1)]
    is_oos = test["label"].isin(unseen).to_numpy()
    in_scope_correct = guess[~is_oos] == test["label"].to_numpy()[~is_oos]
    out: dict[str, Any] = {
        "held_out_intents": sorted(unseen),
        "threshold": threshold,
        "classes_encoder": reader,
        "rules": {},
    }
    unseen_quantile = TrainConfig().novelty_quantile
    unseen_floor = choose_floor(model, val["text"], val["label"], unseen_quantile)
    floors = {"confidence": -1.0}
    for quantile in (0.05, 0.10):
        floor = float(np.quantile(similarity, quantile))
        floors[f"confidence + nearest-example q{quantile:.2f} ({floor:.3f})"] = floor
    rule = f"confidence + unseen-class q{unseen_quantile:.2f} ({unseen_floor:.3f})"
    if base is None:
        floors[f"ours: {rule}"] = unseen_floor
    else:
        floors[rule] = unseen_floor
        ours, share, how = choose_matched_floor(
            model,
            base,
            (fit["text"], fit["label"], None),
            (val["text"], val["label"]),
            similarity,
            unseen_quantile,
        )
        kind = f"matched, {share:.1%}" if how == MATCHED_RULE else "its value: too few below"
        rule = f"ours: confidence + base encoder's unseen-class q{unseen_quantile:.2f}, {kind} ({ours:.3f})"
        floors[rule] = ours
    for rule, floor in floors.items():
        model.set_threshold(threshold, similarity_floor=floor)
        flagged = model.needs_review(test_proba, test_similarity)
        kept = ~flagged[~is_oos]
        out["rules"][rule] = {
            "oos_flagged": float(flagged[is_oos].mean()),
            "in_scope_accuracy": float(in_scope_correct.mean()),
            "in_scope_coverage": float(kept.mean()),
            "in_scope_precision_when_kept": float(in_scope_correct[kept].mean()) if kept.any() else 0.0,
        }
    return out


def fit_fine_tuned(
    tuned: Any, base: Any, fit: tuple[Any, Any], validation: tuple[Any, Any], params: dict[str, Any] = OURS
) -> tuple[Any, str]:
    """``(model, "fine-tuned" | "base")``: as ``voc train --fine-tune`` with ``--classes-encoder
    auto``, a classifier of ``params`` on the ``tuned`` encoder and one on ``base`` with ``tuned``
    checking novelty, both fitted on ``fit`` (texts, labels); the better on ``validation`` by
    macro-F1 (ties: the fine-tuned one)."""
    from training.classifier import RootCauseClassifier

    candidates = {
        "fine-tuned": RootCauseClassifier(embedder=tuned, **params),
        "base": RootCauseClassifier(embedder=base, novelty_embedder=tuned, **params),
    }
    best: tuple[float, Any, str] | None = None
    for name, model in candidates.items():
        model.fit(*fit)
        score = float(f1_score(validation[1], model.predict(validation[0]), average="macro"))
        if best is None or score > best[0] + 1e-9:
            best = (score, model, name)
    assert best is not None
    return best[1], best[2]


def out_of_scope_split(
    train: pd.DataFrame, held_out: int = 10, seed: int = 0
) -> tuple[set[str], pd.DataFrame, pd.DataFrame]:
    """``(unseen intents, fit rows, validation rows)`` of :func:`out_of_scope`: ``held_out`` intents
    (seeded) kept out of training, the other intents' TRAIN rows split 85/15 (stratified, seeded)
    into the rows the classifier is fitted on and those its threshold and floor are chosen on."""
    labels = sorted(train["label"].unique())
    unseen = set(np.random.default_rng(seed).choice(labels, size=held_out, replace=False).tolist())
    known = train.loc[~train["label"].isin(unseen)]
    fit, val = train_test_split(known, test_size=0.15, stratify=known["label"], random_state=seed)
    return unseen, fit, val


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--banking77", default=str(DEFAULT_DIR), help="folder with train.csv and test.csv")
    parser.add_argument("--json", default=None, help="also write the results to this JSON file")
    add_arguments(parser)
    args = parser.parse_args(argv)
    results = run(args)
    print(format_results(results))
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2), encoding="utf-8")
    return 0


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of this benchmark; the harness adds ``--banking77`` and ``--json`` itself."""
    group = parser.add_argument_group("classifier")
    group.add_argument("--shots", type=int, default=10, help="classifier: examples per intent, few-shot run")
    group.add_argument("--held-out", type=int, default=10, help="classifier: intents held out (OOS)")
    group.add_argument("--seed", type=int, default=0)


def format_results(results: dict[str, Any]) -> str:
    """Markdown tables of the results, with ratios to the first row (ours)."""
    lines = []
    for part in ("full", "few_shot"):
        rows = results[part]
        ours = rows[0]
        lines += [
            f"\n### BANKING77 {part.replace('_', '-')}",
            "| model | accuracy | macro-F1 | train s | accuracy vs ours | time vs ours |",
            "|---|---|---|---|---|---|",
        ]
        for row in rows:
            accuracy_ratio = row["accuracy"] / ours["accuracy"]
            time_ratio = row["train_s"] / max(ours["train_s"], 1e-9)
            lines.append(
                f"| {row['model']} | {row['accuracy']:.4f} | {row['macro_f1']:.4f} | {row['train_s']:.1f} | "
                f"{accuracy_ratio:.3f} | {time_ratio:.2f} |"
            )
    oos = results["out_of_scope"]
    lines += [
        f"\n### Out of scope ({len(oos['held_out_intents'])} intents held out; "
        f"threshold {oos['threshold']:.3f})",
        "| rule | OOS flagged | in-scope accuracy | in-scope coverage | in-scope precision kept |",
        "|---|---|---|---|---|",
    ]
    for rule, r in oos["rules"].items():
        lines.append(
            f"| {rule} | {r['oos_flagged']:.3f} | {r['in_scope_accuracy']:.4f} | "
            f"{r['in_scope_coverage']:.3f} | {r['in_scope_precision_when_kept']:.4f} |"
        )
    return "\n".join(lines)


def _ours(
    train: pd.DataFrame, test: pd.DataFrame, embedder: Any, config: dict[str, Any]
) -> tuple[np.ndarray, float]:
    from training.classifier import RootCauseClassifier

    start = time.perf_counter()
    model = RootCauseClassifier(embedder=embedder, **config).fit(train["text"], train["label"])
    seconds = time.perf_counter() - start
    return model.predict(test["text"]), seconds


def ours_self_trained(
    train: pd.DataFrame, unlabelled: list[str], test: pd.DataFrame, embedder: Any, config: dict[str, Any]
) -> tuple[np.ndarray, float, dict[str, Any]]:
    """As ``voc train --self-train``: the rounds (:mod:`training.selftrain`) are fitted on 85% of
    ``train`` and chosen on the other 15% (stratified, seeded); the kept rounds then run again from
    all of ``train`` for the final model. ``(predicted, seconds, params)``."""
    from training.classifier import RootCauseClassifier
    from training.selftrain import pseudo_label, self_train

    start = time.perf_counter()
    frame = pd.DataFrame({"clean_text": train["text"], "label": train["label"], "weight": 1.0})
    fit_rows, validation = train_test_split(frame, test_size=0.15, stratify=frame["label"], random_state=0)

    def fit(rows: pd.DataFrame) -> Any:
        model = RootCauseClassifier(embedder=embedder, **config)
        return model.fit(rows["clean_text"], rows["label"], rows["weight"])

    _, _, params = self_train(fit, fit_rows, validation, unlabelled)
    final, _ = pseudo_label(fit, frame, unlabelled, params["self_train_rounds"])
    return final.predict(test["text"]), time.perf_counter() - start, params


def _peers(embedder: Any) -> dict[str, Callable[[pd.DataFrame, pd.DataFrame], tuple[np.ndarray, float]]]:
    from training.tfidf import tfidf_union

    def lr_minilm(train: pd.DataFrame, test: pd.DataFrame) -> tuple[np.ndarray, float]:
        start = time.perf_counter()
        model = LogisticRegression(C=10.0, max_iter=1000).fit(
            embedder.encode(train["text"].tolist()), train["label"]
        )
        seconds = time.perf_counter() - start
        return model.predict(embedder.encode(test["text"].tolist())), seconds

    def svm_tfidf(train: pd.DataFrame, test: pd.DataFrame) -> tuple[np.ndarray, float]:
        start = time.perf_counter()
        vec = tfidf_union().fit(train["text"])
        model = LinearSVC(C=1.0).fit(vec.transform(train["text"]), train["label"])
        seconds = time.perf_counter() - start
        return model.predict(vec.transform(test["text"])), seconds

    def svm_tfidf_minilm(train: pd.DataFrame, test: pd.DataFrame) -> tuple[np.ndarray, float]:
        start = time.perf_counter()
        vec = tfidf_union().fit(train["text"])

        def features(texts: pd.Series) -> Any:
            dense = sp.csr_matrix(embedder.encode(texts.tolist()))
            return sp.hstack([vec.transform(texts), dense], format="csr")

        model = LinearSVC(C=1.0).fit(features(train["text"]), train["label"])
        seconds = time.perf_counter() - start
        return model.predict(features(test["text"])), seconds

    return {
        "peer: LR on MiniLM": lr_minilm,
        "peer: linear SVM on TF-IDF": svm_tfidf,
        "peer: linear SVM on TF-IDF + MiniLM": svm_tfidf_minilm,
    }


def _score(name: str, predicted: np.ndarray, seconds: float, test: pd.DataFrame) -> dict[str, Any]:
    truth = test["label"].to_numpy()
    return {
        "model": name,
        "accuracy": float(accuracy_score(truth, predicted)),
        "macro_f1": float(f1_score(truth, predicted, average="macro", zero_division=0)),
        "train_s": round(seconds, 2),
    }


def _describe(config: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v}" for k, v in config.items())


if __name__ == "__main__":
    sys.exit(main())
