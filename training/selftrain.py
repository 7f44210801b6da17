"""Self-training: the contacts nobody labelled teach the classifier too (``voc train --self-train``).

Analysts label a few contacts per root cause; thousands more arrive without a label. The model
fitted on the labelled training split guesses their causes; the guesses it is surest of, per
cause, join the training rows as pseudo-labels, and the model is fitted again, in rounds. A cause
should have as many of the unlabelled contacts as its share of the labelled rows says; round r takes
each cause's most confident guesses up to 20%, 40%, ... 100% of that (a cause guessed more often
than that never gets more: the excess is mostly wrong), each round guessed by the model of the round
before.

The rounds are judged on the labelled VALIDATION split, and the last round is kept that validation
does not find clearly worse than the model without pseudo-labels (none is kept when all are):

- on its rows, paired: among the validation contacts the two models do not both get right or both
  get wrong, the round gets significantly more wrong than right (one-sided exact sign test, that is
  McNemar's test, p < :data:`ALPHA`);
- on macro-F1, only where validation holds at least :data:`F1_ROWS_PER_CAUSE` contacts of a cause
  on median: more than a tolerance below (one validation contact's worth, at least half a point).

With few labels per cause the validation split holds one or two contacts of each: its macro-F1
moves by points when a row or two change, too much to choose rounds by it. On BANKING77 at 10
labels per intent (124 validation contacts, three draws of the labelled rows) it fell by up to 5
points at rounds that raised accuracy on the 3,080 test texts by 1.3 to 2.9 points, and a rule on
macro-F1 alone refused every round on two draws of three. Through ``voc train --fine-tune`` +
``voc tag`` the sign test keeps round 5 on all three: 88.6%, 88.2% and 86.9% (mean 87.9%) against
87.6%, 88.8% and 86.9% (87.77%); frozen, 86.87% against 86.13% (``python -m benchmarks --only
finetune --finetune-cases cli-few --finetune-epochs 3 --finetune-setfit none --finetune-seed 0|1|2``;
the README's table). A round that does harm on a few hundred rows shows in the sign test. The test
split stays untouched for the reported metrics and the gate.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import binomtest
from sklearn.metrics import f1_score

# Per round, the share of the contacts each cause should have that its surest guesses may fill.
SHARES: tuple[float, ...] = (0.2, 0.4, 0.6, 0.8, 1.0)
# A round is refused when the sign test on validation's rows finds it worse at this level.
ALPHA = 0.05
# Validation contacts per cause (median) from which its macro-F1 may refuse a round too.
F1_ROWS_PER_CAUSE = 10


def self_train(
    fit: Callable[[pd.DataFrame], Any],
    train: pd.DataFrame,
    validation: pd.DataFrame,
    unlabelled: Sequence[str],
    shares: Sequence[float] = SHARES,
    report: Callable[[str], None] | None = None,
) -> tuple[Any, pd.DataFrame, dict[str, Any]]:
    """``(model, pseudo-labelled rows, MLflow params)`` of the round kept (see the module).

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
        Per round, the share of the contacts each cause should have that it may take (increasing).
    report : callable, optional
        Called with a short note after each fit.

    Returns
    -------
    model
        The fit of the kept round (on ``train`` plus its pseudo-labelled rows).
    pseudo : DataFrame
        The chosen round's pseudo-labelled rows, with ``train``'s columns (``contact_id`` is
        ``unlabelled-<i>``, ``i`` the position in ``unlabelled``) and ``pseudo`` (True); empty when
        validation found every round clearly worse.
    params : dict
        ``self_train_rounds`` (kept), ``self_train_pseudo_rows``, ``self_train_unlabelled`` and the
        validation macro-F1 of every round (``self_train_f1_<r>``; round 0 without pseudo-labels), and
        per round the validation contacts it gets wrong that round 0 got right and the reverse
        (``self_train_worse_<r>``, ``self_train_better_<r>``) with the sign test's p-value
        (``self_train_p_<r>``).
    """
    note = report or (lambda _: None)
    texts = [str(t) for t in unlabelled]
    truth = validation["label"].to_numpy()
    judge_f1 = macro_f1_trusted(truth)
    tolerance = max(0.005, 1 / max(1, len(validation)))

    def score(model: Any) -> tuple[np.ndarray, float]:
        predicted = model.predict(validation["clean_text"].tolist())
        return np.asarray(predicted) == truth, float(f1_score(truth, predicted, average="macro"))

    model = fit(train)
    base_right, base = score(model)
    kept_round = (model, train.iloc[:0], 0)
    params: dict[str, Any] = {"self_train_unlabelled": len(texts), "self_train_f1_0": round(base, 4)}
    note(f"self-training round 0: validation macro-F1 {base:.3f}")
    for round_, share in enumerate(shares if texts else (), start=1):
        model, pseudo = _next_round(fit, model, train, texts, share)
        right, value = score(model)
        worse, better, p = sign_test(base_right, right)
        params.update(
            {
                f"self_train_f1_{round_}": round(value, 4),
                f"self_train_worse_{round_}": worse,
                f"self_train_better_{round_}": better,
                f"self_train_p_{round_}": round(p, 4),
            }
        )
        note(
            f"self-training round {round_} ({len(pseudo):,} pseudo-labels): validation macro-F1 "
            f"{value:.3f}, {worse} contacts worse and {better} better than round 0 (p {p:.2f})"
        )
        if p >= ALPHA and not (judge_f1 and value < base - tolerance):
            kept_round = (model, pseudo, round_)
    model, pseudo, kept = kept_round
    params.update(self_train_rounds=kept, self_train_pseudo_rows=len(pseudo))
    return model, pseudo.reset_index(drop=True), params


def macro_f1_trusted(labels: np.ndarray) -> bool:
    """Whether validation's macro-F1 may decide: at least :data:`F1_ROWS_PER_CAUSE` contacts of a
    cause on median (``labels``: validation's true causes). Below, a contact or two move it by points,
    and only a sign test on the contacts themselves may (here and in training.train.CandidateChoice)."""
    return bool(pd.Series(labels).value_counts().median() >= F1_ROWS_PER_CAUSE)


def sign_test(before: np.ndarray, after: np.ndarray) -> tuple[int, int, float]:
    """``(worse, better, p)``: rows right ``before`` and wrong ``after``, the reverse, and the one-sided
    exact sign test's p-value that ``after`` is wrong more often (1.0 when no row changed)."""
    worse = int((before & ~after).sum())
    better = int((~before & after).sum())
    p = binomtest(worse, worse + better, 0.5, alternative="greater").pvalue if worse + better else 1.0
    return worse, better, float(p)


def pseudo_label(
    fit: Callable[[pd.DataFrame], Any],
    rows: pd.DataFrame,
    unlabelled: Sequence[str],
    rounds: int,
    shares: Sequence[float] = SHARES,
) -> tuple[Any, pd.DataFrame]:
    """``rounds`` rounds from the labelled ``rows``: ``(last fit, its pseudo-labelled rows)``.

    How a model is fitted once :func:`self_train` has chosen the rounds on validation: the guesses
    then come from every labelled row given, not only the train split's (at 10 labels per cause,
    the 15% more labels are worth a point on BANKING77). ``rounds`` 0: ``fit(rows)``, no pseudo rows.
    """
    texts = [str(t) for t in unlabelled]
    model, pseudo = fit(rows), rows.iloc[:0]
    for share in list(shares)[:rounds] if texts else ():
        model, pseudo = _next_round(fit, model, rows, texts, share)
    return model, pseudo.reset_index(drop=True)


def _next_round(
    fit: Callable[[pd.DataFrame], Any], model: Any, rows: pd.DataFrame, texts: list[str], share: float
) -> tuple[Any, pd.DataFrame]:
    """``model``'s surest guesses up to ``share`` (:func:`_pseudo_rows`) and the fit on ``rows`` plus them."""
    pseudo = _pseudo_rows(model, texts, share, rows)
    return fit(pd.concat([rows, pseudo], ignore_index=True) if len(pseudo) else rows), pseudo


def _pseudo_rows(model: Any, texts: list[str], share: float, like: pd.DataFrame) -> pd.DataFrame:
    """Each cause's most confident guesses, at most ``share`` of the contacts it should have.

    A cause should have as many of ``texts`` as its share of the labelled rows ``like`` says: a
    cause guessed more often than that gets no more, so the excess, mostly wrong guesses, stays
    out. Returned as rows with ``like``'s columns.
    """
    proba = np.asarray(model.predict_proba(texts))
    guess = proba.argmax(axis=1)
    confidence = proba[np.arange(len(texts)), guess]
    expected = like["label"].value_counts(normalize=True) * len(texts)
    keep: list[np.ndarray] = []
    for k in np.unique(guess):
        rows = np.flatnonzero(guess == k)
        rows = rows[np.argsort(-confidence[rows], kind="stable")]
        keep.append(rows[: int(np.ceil(share * expected.get(model.classes_[k], 0.0)))])
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
