"""Scoring a root-cause model on held-out contacts: metrics, calibration, abstention, artifacts.

``evaluate(model, frame, families)`` returns an :class:`Evaluation` with accuracy, macro-F1,
per-class precision / recall / F1, coverage and precision at the abstention threshold, expected
calibration error and family-level accuracy. ``write_artifacts`` saves the confusion matrix (PNG and
CSV), the per-class report and the misclassified examples (``clean_text`` only: redacted) to a folder.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.metrics import accuracy_score, confusion_matrix, f1_score, precision_recall_fscore_support

from nlp.screen import all_readable
from voc.files import write_table


@dataclass
class Evaluation:
    """Scores of one model on one labelled frame.

    ``metrics`` holds flat numbers (MLflow metric names); ``per_class`` has one row per label
    (precision, recall, f1, support); ``predictions`` is the input frame plus ``predicted``,
    ``confidence`` and ``needs_review``.
    """

    metrics: dict[str, float]
    per_class: pd.DataFrame
    predictions: pd.DataFrame
    labels: list[str] = field(default_factory=list)

    @property
    def macro_f1(self) -> float:
        return self.metrics["macro_f1"]


def evaluate(model: Any, frame: pd.DataFrame, families: dict[str, str] | None = None) -> Evaluation:
    """Score ``model`` (a fitted :class:`~training.classifier.RootCauseClassifier`) on ``frame``, as served.

    A model that carries a tagging cascade (``model.cascade_``, :mod:`training.cascade`) is scored
    through it, as the pyfunc serves it: the fast model decides the contacts it is sure of, the full
    model the rest (``cascade_coverage``: the share the fast model decided). The embeddings are those
    of the model's embedder, the backend it is logged and served with.

    Parameters
    ----------
    frame : DataFrame with ``clean_text`` and ``label``, shape (n_contacts, ...)
    families : dict, optional
        Label -> family, for family-level accuracy.
    """
    cascade = getattr(model, "cascade_", None)
    if cascade is not None:
        # Scored like the full model alone: without the language / uninformative screening, which
        # flags the same contacts on either path and is measured apart (benchmarks).
        decided = cascade.decide(frame["clean_text"].astype(str).tolist(), model, all_readable(len(frame)))
        evaluation = evaluate_decisions(
            decided["root_cause"].to_numpy(),
            decided["confidence"].to_numpy(dtype=float),
            ~decided["needs_review"].to_numpy(dtype=bool),
            np.asarray(model.classes_),
            frame,
            model.threshold_,
            families,
        )
        fast = (decided["decided_by"] == "fast").to_numpy()
        evaluation.metrics["cascade_coverage"] = float(fast.mean()) if len(fast) else 0.0
        evaluation.predictions["decided_by"] = decided["decided_by"].to_numpy()
        return evaluation
    proba, similarity = model.scores(frame["clean_text"])
    flagged = model.needs_review(proba, similarity)
    return evaluate_proba(proba, np.asarray(model.classes_), frame, model.threshold_, families, flagged)


def evaluate_proba(
    proba: np.ndarray,
    classes: np.ndarray,
    frame: pd.DataFrame,
    threshold: float,
    families: dict[str, str] | None = None,
    needs_review: np.ndarray | None = None,
) -> Evaluation:
    """Like :func:`evaluate` from precomputed probabilities of shape (n_contacts, n_classes).

    ``needs_review`` (n_contacts,) overrides the ``confidence < threshold`` rule when given.
    """
    best = proba.argmax(axis=1)
    predicted = np.asarray(classes, dtype=object)[best]
    confidence = proba[np.arange(len(proba)), best]
    kept = confidence >= threshold if needs_review is None else ~np.asarray(needs_review, dtype=bool)
    return evaluate_decisions(predicted, confidence, kept, classes, frame, threshold, families)


def evaluate_decisions(
    predicted: np.ndarray,
    confidence: np.ndarray,
    kept: np.ndarray,
    classes: np.ndarray,
    frame: pd.DataFrame,
    threshold: float,
    families: dict[str, str] | None = None,
) -> Evaluation:
    """Scores of decisions already made: ``predicted`` label, its ``confidence`` and whether it is
    ``kept`` (trusted, not needs_review), each of shape (n_contacts,), against ``frame["label"]``."""
    truth = frame["label"].astype(str).to_numpy()
    predicted = np.asarray(predicted, dtype=object)
    confidence = np.asarray(confidence, dtype=float)
    kept = np.asarray(kept, dtype=bool)
    correct = predicted == truth
    labels = sorted(set(truth) | set(classes))
    precision, recall, f1, support = precision_recall_fscore_support(
        truth, predicted, labels=labels, zero_division=0
    )
    per_class = pd.DataFrame(
        {"label": labels, "precision": precision, "recall": recall, "f1": f1, "support": support}
    )
    metrics = {
        "accuracy": float(accuracy_score(truth, predicted)),
        "macro_f1": float(f1_score(truth, predicted, labels=labels, average="macro", zero_division=0)),
        "coverage": float(kept.mean()) if len(kept) else 0.0,
        "precision_at_threshold": float(correct[kept].mean()) if kept.any() else 0.0,
        "ece": expected_calibration_error(confidence, correct),
        "threshold": float(threshold),
        "n_eval": float(len(truth)),
    }
    if families:
        fam_truth = np.array([families.get(t, "other") for t in truth])
        fam_pred = np.array([families.get(p, "other") for p in predicted])
        metrics["family_accuracy"] = float((fam_truth == fam_pred).mean()) if len(truth) else 0.0
    predictions = frame.reset_index(drop=True).copy()
    predictions["predicted"] = predicted
    predictions["confidence"] = confidence
    predictions["needs_review"] = ~kept
    return Evaluation(metrics=metrics, per_class=per_class, predictions=predictions, labels=labels)


def expected_calibration_error(confidence: np.ndarray, correct: np.ndarray, bins: int = 10) -> float:
    """Weighted mean |accuracy - confidence| over ``bins`` equal-width confidence bins."""
    if len(confidence) == 0:
        return 0.0
    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.clip(np.digitize(confidence, edges[1:-1]), 0, bins - 1)
    total = 0.0
    for b in range(bins):
        mask = which == b
        if mask.any():
            total += mask.mean() * abs(correct[mask].mean() - confidence[mask].mean())
    return float(total)


def per_class_metrics(evaluation: Evaluation) -> dict[str, float]:
    """Flat MLflow metric names: ``precision_<label>``, ``recall_<label>``, ``f1_<label>``."""
    out: dict[str, float] = {}
    for row in evaluation.per_class.to_dict("records"):
        name = _metric_safe(str(row["label"]))
        for key in ("precision", "recall", "f1"):
            out[f"{key}_{name}"] = float(row[key])
    return out


def write_artifacts(evaluation: Evaluation, folder: str | Path, max_examples: int = 200) -> list[Path]:
    """Confusion matrix (PNG, CSV), per-class report (CSV), every prediction and the misclassified.

    ``predictions.csv`` holds each evaluated contact's prediction and confidence, so the numbers can
    be recomputed from the served model; it and ``misclassified.csv`` hold ``clean_text``
    (redacted) only, never the raw text.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    preds = evaluation.predictions
    labels = evaluation.labels
    matrix = confusion_matrix(preds["label"].astype(str), preds["predicted"].astype(str), labels=labels)
    cm = pd.DataFrame(matrix, index=labels, columns=labels)
    cm.index.name = "true\\predicted"
    paths = [
        write_table(cm.reset_index(), folder / "confusion_matrix.csv"),
        _plot_confusion(matrix, labels, folder / "confusion_matrix.png"),
        write_table(evaluation.per_class, folder / "per_class.csv"),
    ]
    keep = ["contact_id", "clean_text", "label", "predicted", "confidence", "needs_review", "decided_by"]
    shown = preds[[c for c in keep if c in preds]]
    paths.append(write_table(shown, folder / "predictions.csv"))
    wrong = shown.loc[shown["predicted"] != shown["label"]].sort_values("confidence", ascending=False)
    paths.append(write_table(wrong.head(max_examples), folder / "misclassified.csv"))
    return paths


def _plot_confusion(matrix: np.ndarray, labels: list[str], path: Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from voc.files import atomic_path

    size = max(4.0, 0.35 * len(labels) + 2)
    fig, ax = plt.subplots(figsize=(size, size))
    row_sums = matrix.sum(axis=1, keepdims=True).clip(1)
    ax.imshow(matrix / row_sums, cmap="Blues", vmin=0, vmax=1)
    ax.set_xticks(range(len(labels)), labels, rotation=90, fontsize=7)
    ax.set_yticks(range(len(labels)), labels, fontsize=7)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    if len(labels) <= 30:
        for i in range(len(labels)):
            for j in range(len(labels)):
                if matrix[i, j]:
                    ax.text(j, i, str(matrix[i, j]), ha="center", va="center", fontsize=6)
    fig.tight_layout()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=100)
    plt.close(fig)
    return path


def _metric_safe(name: str) -> str:
    # MLflow metric names allow alphanumerics, _ - . space : /
    return "".join(ch if ch.isalnum() or ch in "_-." else "_" for ch in name)
