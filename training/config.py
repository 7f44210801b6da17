"""Settings of classifier training (:class:`TrainConfig`) and the feature and model choices.

:func:`training.train.train_classifier` reads them; ``voc train`` builds them from its options.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from training.finetune import FineTuneConfig

Features = Literal["embedding", "tfidf", "both"]
FeatureChoice = Literal["auto", "embedding", "tfidf", "both"]
Model = Literal["logreg", "svm"]
ClassesEncoder = Literal["auto", "fine-tuned", "base"]
ModelChoice = Literal["auto", "logreg", "svm"]
# Whether the refit tunes the encoder again on every labelled row (training.train.refit_on_all).
RefitEncoder = Literal["auto", "always", "never"]
# Tried in this order; on a tie the earlier wins ("both" was best on BANKING77).
FEATURE_SETS: tuple[Features, ...] = ("both", "embedding", "tfidf")


@dataclass(frozen=True)
class TrainConfig:
    """Settings of classifier training.

    Parameters
    ----------
    features : {"auto", "embedding", "tfidf", "both"}
        ``auto`` tries all three and keeps the best macro-F1 on validation.
    model : {"auto", "logreg", "svm"}
        Multinomial logistic regression, or a linear SVM calibrated with Platt scaling; ``auto``
        takes logistic regression when the median label has fewer than 30 training rows.
    C : tuple of float
        Regularisation strengths to try (the best on validation is kept).
    precision_target : float
        Precision wanted on the predictions that are not flagged ``needs_review``.
    test_size, validation_size : float
        Held-out share for the final test, then share of the rest used for validation.
    embedding_weight : float
        Scale of the unit-length embedding block next to the TF-IDF blocks (``both``).
    novelty_quantile : float
        Out of scope: the share of simulated out-of-scope contacts to flag (embedding features
        only; 0 turns it off). Each validation contact is scored against the reference examples
        of the *other* classes only, as if its own class had never been labelled; the novelty
        floor is this quantile of those similarities (:func:`choose_floor`). Anchored on unseen
        classes, not on how close in-scope validation contacts are to their own class, it does not
        flag every rewording of a known cause when the training phrasings are near-duplicates.
    min_examples_per_label : int
        Labels with fewer rows are an input error (a stratified split needs a few of each).
    random_state : int
        Seed of the splits.
    search : {"fast", "calibrated"}
        ``fast``: the candidates (feature sets, C) are compared uncalibrated (a linear SVM's
        argmax does not need Platt scaling), then the winner is calibrated once for the threshold and
        once in the final fit; ``calibrated``: every candidate is a calibrated fit (3-6x slower with
        many labels, the same choice in practice).
    search_rows_per_label : int
        The candidates are fitted on at most this many training rows of each label (a seeded
        sample; 0: every row); the chosen one is then fitted on all of them. The choice needs far
        fewer rows than the final model: on BANKING77 (83 training rows per label) it halves the
        search's time (``python -m benchmarks.training_scale``).
    cascade : bool
        Also fit the tagging cascade (:mod:`training.cascade`): a fast static-embedding model that
        decides the contacts it is sure of, so that only the rest run MiniLM (embedding features only).
    cascade_tolerance : float
        Validation macro-F1 the cascade may lose against the full model (0.005 = half a point).
    fine_tune : FineTuneConfig or None
        Fine-tune the encoder on the TRAINING split's labels before anything else
        (:mod:`training.finetune`); the model then embeds with the fine-tuned copy, which
        ``voc train`` logs with it. ``None``: the frozen encoder. Needs embedding features; not
        with ``cascade`` (its static model is distilled from the base encoder).
    classes_encoder : {"auto", "fine-tuned", "base"}
        With ``fine_tune``: the encoder whose vectors the classifier reads. The fine-tuned one
        always checks novelty (out of scope); ``base`` classifies with the base encoder next to it
        (a second MiniLM pass per contact when tagging); ``auto`` takes the one with the better
        validation macro-F1 (ties: the fine-tuned one).
    self_train : bool
        Let the training set's unlabelled contacts (``TrainingSet.unlabelled_text``) join the
        training rows as pseudo-labels, in rounds, keeping the round best on validation
        (:mod:`training.selftrain`; none when no round beats the labelled rows alone).
    """

    features: FeatureChoice = "auto"
    model: ModelChoice = "auto"
    C: tuple[float, ...] = (0.3, 1.0, 3.0)
    embedding_weight: float = 2.0
    novelty_quantile: float = 0.47
    precision_target: float = 0.90
    test_size: float = 0.2
    validation_size: float = 0.2
    min_examples_per_label: int = 5
    random_state: int = 0
    search: Literal["fast", "calibrated"] = "fast"
    search_rows_per_label: int = 40
    cascade: bool = False
    cascade_tolerance: float = 0.005
    fine_tune: FineTuneConfig | None = None
    classes_encoder: ClassesEncoder = "auto"
    self_train: bool = False

    def __post_init__(self) -> None:
        if self.classes_encoder not in ("auto", "fine-tuned", "base"):
            raise ValueError(f"classes_encoder must be auto, fine-tuned or base: {self.classes_encoder!r}")
        if self.classes_encoder != "auto" and self.fine_tune is None:
            raise ValueError("classes_encoder picks the fine-tuned or the base encoder: it needs fine_tune")
        if self.fine_tune is not None and self.features == "tfidf":
            raise ValueError("fine-tuning the encoder needs embedding features, not features=tfidf")
        if self.fine_tune is not None and self.cascade:
            raise ValueError(
                "the cascade cannot be used with a fine-tuned encoder: its static model is distilled "
                "from the base MiniLM and would disagree with the fine-tuned one; drop one of the two"
            )
        if self.features not in ("auto", *FEATURE_SETS):
            raise ValueError(f"features must be auto, embedding, tfidf or both, got {self.features!r}")
        if self.model not in ("auto", "logreg", "svm"):
            raise ValueError(f"model must be auto, logreg or svm, got {self.model!r}")
        if not self.C or any(c <= 0 for c in self.C):
            raise ValueError(f"C must be a non-empty tuple of positive numbers, got {self.C!r}")
        if self.embedding_weight <= 0:
            raise ValueError(f"embedding_weight must be > 0, got {self.embedding_weight}")
        if not 0.0 <= self.novelty_quantile < 1.0:
            raise ValueError(f"novelty_quantile must be in [0, 1), got {self.novelty_quantile}")
        if not 0.0 < self.precision_target <= 1.0:
            raise ValueError(f"precision_target must be in (0, 1], got {self.precision_target}")
        for name in ("test_size", "validation_size"):
            value = getattr(self, name)
            if not 0.0 < value < 0.9:
                raise ValueError(f"{name} must be in (0, 0.9), got {value}")
        if self.search not in ("fast", "calibrated"):
            raise ValueError(f"search must be fast or calibrated, got {self.search!r}")
        if not 0.0 <= self.cascade_tolerance < 0.1:
            raise ValueError(f"cascade_tolerance must be in [0, 0.1), got {self.cascade_tolerance}")
        if self.search_rows_per_label < 0:
            raise ValueError(f"search_rows_per_label must be >= 0, got {self.search_rows_per_label}")
        if self.min_examples_per_label < 3:
            raise ValueError(f"min_examples_per_label must be >= 3, got {self.min_examples_per_label}")
