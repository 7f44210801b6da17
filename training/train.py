"""Training the root-cause classifier: split, choose on validation, fit; refit on every row.

``train_classifier(training_set, TrainConfig())`` splits the labelled contacts (stratified) into
train / validation / test, picks the feature set and regularisation on validation (by macro-F1;
with few validation contacts per cause, by a sign test against the first candidate:
:class:`CandidateChoice`), picks the abstention threshold on validation so that precision on the
non-abstained predictions meets ``precision_target``, and refits the chosen model on train +
validation. The test set is only scored afterwards (:mod:`training.evaluate`); :func:`refit_on_all`
then fits the chosen model on every labelled row. With ``TrainConfig(fine_tune=...)`` the encoder
is fine-tuned on the train split first (:mod:`training.finetune`), and :func:`refit_on_all` may
tune a fresh copy on every labelled row (by default when causes have few labels); with
``self_train=True`` the unlabelled contacts join as pseudo-labels unless validation finds that
clearly harmful (:mod:`training.selftrain`).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.metrics import f1_score
from sklearn.model_selection import train_test_split

from nlp.boilerplate import content_many
from training import tfidf
from training.abstention import choose_floor, choose_matched_floor, choose_threshold
from training.cascade import attach_cascade
from training.classifier import RootCauseClassifier
from training.config import FEATURE_SETS, Features, Model, RefitEncoder, TrainConfig
from training.dataset import TrainingSet
from training.finetune import FineTuneConfig, few_labels, fine_tuned_embedder
from training.secondary import fit_secondary, fit_segment_model
from training.selftrain import ALPHA, SHARES, macro_f1_trusted, pseudo_label, self_train, sign_test
from voc.errors import InputError

log = logging.getLogger(__name__)


@dataclass
class TrainResult:
    """What :func:`train_classifier` produced.

    ``model`` is fitted on train + validation (+ ``pseudo``) with ``threshold_`` chosen on
    validation; ``train``, ``validation`` and ``test`` are the split frames (columns of the training
    set); ``selection`` lists each candidate's validation macro-F1; ``pseudo`` holds the unlabelled
    contacts self-training kept, with their guessed labels (empty without ``self_train``). With
    fine-tuning, ``fine_tune`` is its settings, ``base_embedder`` the encoder it started from and
    ``tuned_embedder`` the copy tuned on the train split (what :func:`refit_on_all` replaces).
    """

    model: RootCauseClassifier
    train: pd.DataFrame
    validation: pd.DataFrame
    test: pd.DataFrame
    selection: list[dict[str, Any]] = field(default_factory=list)
    params: dict[str, Any] = field(default_factory=dict)
    fit_seconds: float = 0.0
    pseudo: pd.DataFrame = field(default_factory=pd.DataFrame)
    fine_tune: FineTuneConfig | None = None
    base_embedder: Any = None
    tuned_embedder: Any = None


def train_classifier(
    training: TrainingSet,
    config: TrainConfig | None = None,
    embedder: Any = None,
    static_encoder: Any = None,
    progress: Callable[[str, int], None] | None = None,
    encoder_dir: Path | None = None,
) -> TrainResult:
    """Split, select features and C on validation, choose the threshold, refit on train + validation.

    ``progress(note, total)`` is called after each fit (``total`` fits in all, the final refit
    included), e.g. to advance a progress bar. With ``config.cascade`` and embedding features the
    fitted model also carries the tagging cascade as ``model.cascade_`` (``static_encoder``: its
    encoder, default the workspace's). With ``config.fine_tune`` the encoder is first fine-tuned
    on the train split only (never validation or test) and saved under ``encoder_dir`` (default: a
    new temporary folder); every candidate and the final model embed with it.

    The TF-IDF features of each text set are computed once (:func:`training.tfidf.memo`): the
    candidates of the search and the threshold's model share them.

    Raises
    ------
    InputError
        When a label has fewer than ``config.min_examples_per_label`` rows or there is one label.
    """
    with tfidf.memo():
        return _train_classifier(training, config, embedder, static_encoder, progress, encoder_dir)


def _train_classifier(
    training: TrainingSet,
    config: TrainConfig | None,
    embedder: Any,
    static_encoder: Any,
    progress: Callable[[str, int], None] | None,
    encoder_dir: Path | None,
) -> TrainResult:
    config = config or TrainConfig()
    frame = training.frame.reset_index(drop=True)
    counts = frame["label"].value_counts()
    if len(counts) < 2:
        raise InputError(f"need at least 2 distinct labels to train, got {list(counts.index)}")
    rare = counts[counts < config.min_examples_per_label]
    if len(rare):
        listed = ", ".join(f"{lab!r} ({n} rows)" for lab, n in rare.items())
        raise InputError(
            f"labels with fewer than {config.min_examples_per_label} rows cannot be split for "
            f"training and testing: {listed}. Label more examples or merge these labels."
        )
    train_val, test = train_test_split(
        frame, test_size=config.test_size, stratify=frame["label"], random_state=config.random_state
    )
    train, validation = train_test_split(
        train_val,
        test_size=config.validation_size,
        stratify=train_val["label"],
        random_state=config.random_state,
    )
    fine_tuned: dict[str, Any] = {}
    base_embedder = embedder
    if config.fine_tune is not None:
        # The encoder learns from what the classifier embeds (RootCauseClassifier.embed_content).
        texts = content_many(train["clean_text"].tolist())
        embedder, fine_tuned = fine_tuned_embedder(
            embedder, texts, train["label"].tolist(), config.fine_tune, encoder_dir
        )
    features = FEATURE_SETS if config.features == "auto" else (config.features,)
    model: Model = config.model if config.model != "auto" else "svm"
    c_values = config.C
    if config.model == "auto" and few_labels(train["label"]):
        # Logistic regression wants weaker regularisation than the SVM on the same features.
        model, c_values = "logreg", tuple(10 * c for c in config.C)
    searched = _per_label_sample(train, config.search_rows_per_label, config.random_state)
    selection: list[dict[str, Any]] = []
    # The candidate chosen so far: (candidate, its space), by validation (see CandidateChoice).
    choice = CandidateChoice(validation["label"].to_numpy())
    start = time.perf_counter()
    middle = c_values[len(c_values) // 2]
    # The spaces a candidate classifies in (name, embedder, novelty_embedder). A fine-tuned encoder
    # always checks novelty (its causes lie tighter: more new causes flagged at the same coverage),
    # but the base encoder competes to classify: next to TF-IDF it often classifies as well or
    # better (BANKING77), and the cost of a win is a second MiniLM pass per contact. The fine-tuned
    # space comes first: ties (and, with few validation contacts, unclear wins) go to one MiniLM pass.
    spaces: list[tuple[str, Any, Any]] = [("base", embedder, None)]
    if config.fine_tune is not None:
        spaces = [("fine-tuned", embedder, None), ("base", base_embedder, embedder)]
        if config.classes_encoder != "auto":
            spaces = [space for space in spaces if space[0] == config.classes_encoder]
    first_stage = [
        (space, feature_set)
        for space in spaces
        for feature_set in features
        if feature_set != "tfidf" or space is spaces[-1]  # TF-IDF reads no encoder: once
    ]
    total_fits = len(first_stage) + sum(c != middle for c in c_values) + 1
    total_fits += len(SHARES) + 1 if config.self_train else 0  # each round reports its fit
    report = progress or (lambda note, total: None)

    def consider(space: tuple[str, Any, Any], feature_set: Features, c: float) -> None:
        name, classes_embedder, novelty_embedder = space
        if feature_set == "tfidf" and config.fine_tune is not None:
            name, novelty_embedder = "fine-tuned", embedder  # novelty only
        candidate = RootCauseClassifier(
            features=feature_set,
            model=model,
            C=c,
            embedding_weight=config.embedding_weight,
            embedder=classes_embedder,
            novelty_embedder=novelty_embedder,
            calibrate=config.search == "calibrated",
        )
        candidate.fit(searched["clean_text"].tolist(), searched["label"].tolist(), _weights(searched))
        figures = choice.offer(candidate.predict(validation["clean_text"]), (candidate, space))
        row = {"features": feature_set, "C": c, **figures}
        selection.append({"encoder": name, **row} if config.fine_tune is not None else row)
        score = figures["validation_macro_f1"]
        log.info("candidate %s features=%s C=%g: validation macro-F1 %.4f", name, feature_set, c, score)
        report(f"{feature_set}, C={c:g}: {score:.3f}", total_fits)

    # Two stages keep the number of fits at features + C - 1 instead of features x C: the feature
    # sets (and encoders) compete at the middle C, then C is tuned for the winner.
    for space, feature_set in first_stage:
        consider(space, feature_set, middle)
    winner, winning_space = choice.chosen
    for c in c_values:
        if c != middle:
            consider(winning_space, winner.features, c)
    chosen, winning_space = choice.chosen
    if config.fine_tune is not None:
        fine_tuned["classifier_encoder"] = winning_space[0] if chosen.features != "tfidf" else "none"
    # The threshold needs probabilities from a model fitted on the whole training split.
    fit_calibrated = _fitter({**chosen.get_params(deep=False), "calibrate": True})
    self_trained: dict[str, Any] = {}
    if config.self_train:
        # Pseudo-labelled unlabelled contacts join the training rows unless validation finds harm.
        note = lambda text: report(text, total_fits)  # noqa: E731
        chosen, _, self_trained = self_train(
            fit_calibrated, train, validation, training.unlabelled_text, report=note
        )
    elif not chosen.calibrate or len(searched) < len(train):
        chosen = fit_calibrated(train)
    proba, similarity = chosen.scores(validation["clean_text"])
    guess = chosen.classes_[proba.argmax(axis=1)]
    threshold = choose_threshold(
        proba.max(axis=1), guess == validation["label"].to_numpy(), config.precision_target
    )
    if config.fine_tune is not None and similarity is not None and config.novelty_quantile > 0:
        # The simulation of unseen causes is biased in a space tuned on these very causes.
        floor, share, rule = choose_matched_floor(
            chosen,
            base_embedder,
            (train["clean_text"], train["label"], _weights(train)),
            (validation["clean_text"], validation["label"]),
            similarity,
            config.novelty_quantile,
        )
        fine_tuned = {
            **fine_tuned,
            "similarity_floor_rule": rule,
            "floor_share": share,
        }
    else:
        floor = choose_floor(chosen, validation["clean_text"], validation["label"], config.novelty_quantile)
    second = fit_secondary(chosen, train, validation, guess)
    fit_final = _fitter(
        {
            "features": chosen.features,
            "model": model,
            "C": chosen.C,
            "embedding_weight": config.embedding_weight,
            "threshold": threshold,
            "similarity_floor": floor,
            "embedder": chosen.embedder,
            "novelty_embedder": chosen.novelty_embedder,
            # The languages the encoder understands are part of its configuration (nlp.embed).
            "languages": tuple(getattr(getattr(embedder, "config", None), "languages", ("en",))),
        }
    )
    # With self-training, the kept rounds again from train + validation (their guesses learn from both).
    rounds = int(self_trained.get("self_train_rounds", 0))
    final, pseudo = pseudo_label(fit_final, train_val, training.unlabelled_text, rounds)
    final.secondary_model_, final.secondary_threshold_ = second
    report("final fit on train + validation", total_fits)
    trusted = ~chosen.set_threshold(threshold, floor).needs_review(proba, similarity)
    cascade_params = attach_cascade(
        final, train, validation, train_val, guess, trusted, config, static_encoder
    )
    params = {
        "features": chosen.features,
        "model": model,
        "C": chosen.C,
        "embedding_weight": config.embedding_weight,
        "C_candidates": ",".join(f"{c:g}" for c in c_values),
        "selection_rule": "sign test against the first" if choice.paired else "macro-F1",
        "feature_candidates": ",".join(features),
        "precision_target": config.precision_target,
        "threshold": threshold,
        "novelty_quantile": config.novelty_quantile,
        "similarity_floor": floor,
        "secondary_threshold": second[1],
        "languages": ",".join(final.languages),
        "min_content_words": final.min_content_words,
        "test_size": config.test_size,
        "validation_size": config.validation_size,
        "random_state": config.random_state,
        "search": config.search,
        "search_rows_per_label": config.search_rows_per_label,
        "n_search": len(searched),
        "n_train": len(train),
        "n_validation": len(validation),
        "n_test": len(test),
        "n_labels": len(counts),
        "weighted": bool("weight" in frame and (frame["weight"] != 1.0).any()),
        **cascade_params,
        **fine_tuned,
        **self_trained,
    }
    return TrainResult(
        model=final,
        train=train.reset_index(drop=True),
        validation=validation.reset_index(drop=True),
        test=test.reset_index(drop=True),
        selection=selection,
        params=params,
        fit_seconds=time.perf_counter() - start,
        pseudo=pseudo.reset_index(drop=True),
        fine_tune=config.fine_tune,
        base_embedder=base_embedder,
        tuned_embedder=embedder if config.fine_tune is not None else None,
    )


def refit_on_all(
    result: TrainResult,
    training: TrainingSet,
    encoder_dir: Path | None = None,
    refit_encoder: RefitEncoder = "auto",
) -> RootCauseClassifier:
    """The chosen model fitted again on every labelled row (train, validation and test).

    Called after the held-out evaluation of ``result.model``: the test rows have done their work
    (the reported metrics and the promotion gate use that evaluation), and the model that is
    registered and serves learns from them too. Everything chosen on validation is kept as chosen:
    features, C, the confidence threshold and the out-of-scope floor (constructor parameters), the
    second-cause model's threshold and the tagging cascade (fitted on the training split). The
    out-of-scope reference examples are taken from all rows. Same classes as ``result.model`` (every
    label is in the training split, which is stratified). With self-training, its kept rounds run
    again from every labelled row, and ``result.pseudo`` becomes the refit's pseudo-labelled rows.

    With fine-tuning (``result.fine_tune``) the encoder may be tuned again (``refit_encoder``:
    ``always``, ``never``, or ``auto``: when the labelled rows per cause have a median below
    :data:`training.finetune.FEW_SHOT_MEDIAN`, where the held-out fifths are a large share of what the
    encoder could learn from). A fresh copy of the base encoder is then tuned on every labelled row
    with the same settings (saved under ``encoder_dir``, default a new temporary folder) and takes
    the place of the train split's copy wherever the model read it (the causes, novelty, or both);
    the second-cause model is fitted again in its space, on every labelled row. On BANKING77 at 10
    labels per cause the encoder learns from 770 texts instead of 492, +0.4 to +0.8 point for 70-80 s;
    on the full set, 10,003 instead of 6,401, no gain for 353 s (README, "Last measured"). The
    thresholds stay those chosen on validation, as for the classifier: the vectors of contacts the
    encoder never saw, which is what they are applied to, lie alike in both copies.
    ``result.params`` gains ``fine_tune_refit`` (whether it was tuned again) and the second
    fine-tune's ``fine_tune_refit_*`` figures.
    """
    chosen = result.model
    frame = training.frame
    params = chosen.get_params(deep=False)
    if refit_encoder not in ("auto", "always", "never"):
        raise ValueError(f"refit_encoder must be auto, always or never: {refit_encoder!r}")
    retune = False
    if result.fine_tune is not None and result.tuned_embedder is not None:
        retune = refit_encoder == "always" or (refit_encoder == "auto" and few_labels(frame["label"]))
        result.params["fine_tune_refit"] = retune
    if retune:
        assert result.fine_tune is not None
        texts = content_many(frame["clean_text"].tolist())  # what the classifier embeds, as before
        tuned, figures = fine_tuned_embedder(
            result.base_embedder, texts, frame["label"].tolist(), result.fine_tune, encoder_dir
        )
        for name in ("embedder", "novelty_embedder"):
            if params[name] is result.tuned_embedder:
                params[name] = tuned
        result.params["fine_tune_refit_rows"] = len(frame)
        for key in ("epochs", "steps", "planned_steps", "seconds", "final_loss", "timed_out"):
            result.params[f"fine_tune_refit_{key}"] = figures[f"fine_tune_{key}"]
    # Self-training's kept rounds run again from every labelled row (none without self-training).
    rounds = int(result.params.get("self_train_rounds", 0))
    # Not sklearn's clone: it would deep-copy the embedder (a loaded encoder) too.
    model, result.pseudo = pseudo_label(_fitter(params), frame, training.unlabelled_text, rounds)
    for name in ("secondary_model_", "secondary_threshold_", "cascade_"):
        if hasattr(chosen, name):
            setattr(model, name, getattr(chosen, name))
    if params["embedder"] is not chosen.embedder and getattr(chosen, "secondary_model_", None) is not None:
        # The segment model reads the causes' encoder (training.secondary.add_secondary): a new one.
        model.secondary_model_ = fit_segment_model(model, frame)
    return model


class CandidateChoice:
    """The candidate validation chooses, offered one at a time (the first is the default).

    The best validation macro-F1 wins (ties go to the earlier candidate), unless validation holds
    fewer than :data:`training.selftrain.F1_ROWS_PER_CAUSE` contacts per cause on median: then its
    macro-F1 moves by points when a contact or two change, and a candidate replaces the first only
    where, among the validation contacts exactly one of the two gets right, it is significantly more
    often the one (one-sided exact sign test, p < :data:`training.selftrain.ALPHA`); among those, the
    best macro-F1 wins. On BANKING77 at 10 labels per intent (124 validation contacts) macro-F1 preferred
    the embedding alone on some draws of the labelled rows, both feature sets on others, on half a
    point made of 3 contacts won and 3 lost; with the sign test both feature sets at the middle C
    are kept on every draw, and ``voc train --self-train [--fine-tune]`` + ``voc tag`` score 88.7%,
    88.2%, 86.9% fine-tuned (88.6%, 88.2%, 86.9% before) and 87.7%, 87.8%, 85.4% frozen (87.5%, 87.8%,
    85.3%): ``python -m benchmarks --only finetune --finetune-cases cli-few --finetune-setfit none
    --finetune-seed 0|1|2``.
    """

    def __init__(self, truth: np.ndarray) -> None:
        self.truth = truth
        self.paired = not macro_f1_trusted(truth)
        self._first_right: np.ndarray | None = None
        self._best: tuple[float, Any] | None = None

    def offer(self, predicted: np.ndarray, candidate: Any) -> dict[str, Any]:
        """Consider ``candidate`` by its ``predicted`` validation labels: its figures for ``selection``
        (macro-F1; where paired, also the contacts it gets right and the first wrong, the reverse,
        and the p-value)."""
        predicted = np.asarray(predicted)
        score = float(f1_score(self.truth, predicted, average="macro", zero_division=0))
        right = predicted == self.truth
        if self._first_right is None:
            self._first_right = right
        wins, losses, p = sign_test(right, self._first_right)  # p: the first is wrong more often
        eligible = self._best is None or not self.paired or p < ALPHA
        if eligible and (self._best is None or score > self._best[0] + 1e-9):
            self._best = (score, candidate)
        figures: dict[str, Any] = {"validation_macro_f1": score}
        if self.paired:
            figures.update(wins_vs_first=wins, losses_vs_first=losses, p_vs_first=p)
        return figures

    @property
    def chosen(self) -> Any:
        assert self._best is not None, "no candidate offered"
        return self._best[1]


def _fitter(params: dict[str, Any]) -> Callable[[pd.DataFrame], RootCauseClassifier]:
    """``rows`` -> a new :class:`RootCauseClassifier` of ``params`` fitted on them (:func:`_fit`)."""
    return lambda rows: _fit(RootCauseClassifier(**params), rows)


def _fit(model: RootCauseClassifier, rows: pd.DataFrame) -> RootCauseClassifier:
    """``model`` fitted on ``rows``; pseudo-labelled rows (column ``pseudo``) are never out-of-scope
    references: a contact of a cause nobody labelled must not vouch for the cause it was guessed as."""
    pseudo = rows["pseudo"].eq(True).to_numpy() if "pseudo" in rows else np.zeros(len(rows), dtype=bool)
    return model.fit(
        rows["clean_text"].tolist(), rows["label"].tolist(), _weights(rows), reference_mask=~pseudo
    )


def _per_label_sample(frame: pd.DataFrame, per_label: int, seed: int) -> pd.DataFrame:
    """At most ``per_label`` rows of each label (seeded); every row when ``per_label`` is 0."""
    if per_label == 0 or frame["label"].value_counts().max() <= per_label:
        return frame
    shuffled = frame.sample(frac=1.0, random_state=seed)
    return shuffled[shuffled.groupby("label").cumcount() < per_label].sort_index()


def _weights(frame: pd.DataFrame) -> np.ndarray | None:
    return frame["weight"].to_numpy(dtype=float) if "weight" in frame else None
