"""Self-training: the contacts nobody labelled teach the classifier too (``voc train --self-train``).

Analysts label a few contacts per root cause; thousands more arrive without a label. The model
fitted on the labelled training split guesses their causes; the guesses it is surest of, per
cause, join the training rows as pseudo-labels, and the model is fitted again. Each round takes
a larger share of every cause's guesses, most confident first (20%, 40%, ... 100%), each
guessed by the model of the round before. The round kept is the one with the best macro-F1 on the
labelled VALIDATION split (no round at all when none beats the model without pseudo-labels), so
self-training cannot make the model worse on the contacts it is chosen on; the test split stays
untouched for the reported metrics and the gate.

Measured (``python -m benchmarks --only classifier``): BANKING77 at 10 labelled texts per intent
with the other 9,233 training texts unlabelled; see the README's table.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd
from sklearn.metrics import f1_score

# Share of each cause's guesses, most confident first, taken in each round.
SHARES: tuple[float, ...] = (0.2, 0.4, 0.6, 0.8, 1.0)


def self_train(
    fit: Callable[[pd.DataFrame], Any],
    train: pd.DataFrame,
    validation: pd.DataFrame,
    unlabelled: Sequence[str],
    shares: Sequence[float] = SHARES,
    report: Callable[[str], None] | None = None,
) -> tuple[Any, pd.DataFrame, dict[str, Any]]:
    """``(model, pseudo-labelled rows, MLflow params)`` of the round best on ``validation``.

    Parameters
    ----------
    fit : callable
        ``fit(frame)`` -> a fitted classifier with ``predict_proba(texts)``, ``classes_`` and
        ``predict(texts)``, trained on ``frame``'s ``clean_text``, ``label`` and ``weight``.
    train, validation : DataFrame
        Labelled rows (``clean_text``, ``label``, ``weight``; the other columns are carried).
    unlabelled : sequence of str, shape (n_unlabelled,)
        Prepared (redacted) texts without a label.
    shares : sequence of float
        Share of each cause's guesses taken in each round (increasing, in (0, 1]).
    report : callable, optional
        Called with a short note after each fit.

    Returns
    -------
    model
        The fit of the chosen round (on ``train`` plus its pseudo-labelled rows).
    pseudo : DataFrame
        The chosen round's pseudo-labelled rows, with ``train``'s columns (``contact_id`` is
        ``unlabelled-<i>``, ``i`` the position in ``unlabelled``) and ``pseudo`` (True); empty when
        no round helped.
    params : dict
        ``self_train_rounds`` (kept), ``self_train_pseudo_rows``, ``self_train_unlabelled`` and the
        validation macro-F1 of every round (``self_train_f1_<r>``; round 0 without pseudo-labels).
    """
    note = report or (lambda _: None)
    texts = [str(t) for t in unlabelled]
    truth = validation["label"].to_numpy()

    def score(model: Any) -> float:
        return float(f1_score(truth, model.predict(validation["clean_text"].tolist()), average="macro"))

    model = fit(train)
    best = (score(model), model, train.iloc[:0], 0)
    params: dict[str, Any] = {"self_train_unlabelled": len(texts), "self_train_f1_0": round(best[0], 4)}
    note(f"self-training round 0: validation macro-F1 {best[0]:.3f}")
    for round_, share in enumerate(shares if texts else (), start=1):
        pseudo = _pseudo_rows(model, texts, share, train)
        model = fit(pd.concat([train, pseudo], ignore_index=True) if len(pseudo) else train)
        value = score(model)
        params[f"self_train_f1_{round_}"] = round(value, 4)
        note(f"self-training round {round_} ({len(pseudo):,} pseudo-labels): validation macro-F1 {value:.3f}")
        if value > best[0] + 1e-9:
            best = (value, model, pseudo, round_)
    _, model, pseudo, kept = best
    params.update(self_train_rounds=kept, self_train_pseudo_rows=len(pseudo))
    return model, pseudo.reset_index(drop=True), params


def _pseudo_rows(model: Any, texts: list[str], share: float, like: pd.DataFrame) -> pd.DataFrame:
    """The most confident ``share`` of each guessed cause's texts, as rows with ``like``'s columns."""
    proba = np.asarray(model.predict_proba(texts))
    guess = proba.argmax(axis=1)
    confidence = proba[np.arange(len(texts)), guess]
    keep: list[np.ndarray] = []
    for k in np.unique(guess):
        rows = np.flatnonzero(guess == k)
        rows = rows[np.argsort(-confidence[rows], kind="stable")]
        keep.append(rows[: int(np.ceil(share * len(rows)))])
    chosen = np.sort(np.concatenate(keep)) if keep else np.zeros(0, dtype=int)
    labels = np.asarray(model.classes_, dtype=object)[guess[chosen]]
    frame = pd.DataFrame({column: pd.Series([None] * len(chosen), dtype=object) for column in like.columns})
    frame["contact_id"] = [f"unlabelled-{i}" for i in chosen]
    frame["clean_text"] = [texts[i] for i in chosen]
    frame["label"] = labels
    frame["weight"] = 1.0
    frame["pseudo"] = True
    if "family" in like:
        families = dict(zip(like["label"], like["family"], strict=False))
        frame["family"] = [families.get(label) for label in labels]
    return frame
