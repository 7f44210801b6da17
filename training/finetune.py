"""Fine-tune the MiniLM sentence encoder on the analysts' labels (contrastive, CPU in minutes).

``fine_tune(texts, labels, target, FineTuneConfig())`` trains a copy of a sentence-transformers
model (default the installed all-MiniLM-L6-v2) so that contacts with the same root cause get closer
and contacts with different ones move apart, then saves it as a sentence-transformers folder
``target`` that :class:`nlp.embed.Embedder` reads with ``EmbedConfig(model=str(target))``.

The loss is sentence-transformers' ``MultipleNegativesRankingLoss`` on same-label pairs: each
text is an anchor, a random other text of its label its positive, and the positives of the other
pairs in the batch its negatives. Batches never hold two pairs of one label, so no negative is in
fact a positive. A step's 64 texts run through the encoder in chunks of like token lengths, not as
two batches padded to their longest: 1.33 s a step on BANKING77 instead of 1.85 (2 cores, same loss;
``_embed_by_length``). It is a plain torch loop over the loss module (no ``datasets``/``accelerate``, which
``SentenceTransformerTrainer`` needs and this project does not install): seeded, shown with a tqdm
bar, stopped after ``max_seconds``; CUDA when present, else CPU.

Only ever pass the training split: the rows a model is later scored on must not have been seen by
its encoder (:func:`training.train.train_classifier` does this).
"""

from __future__ import annotations

import dataclasses
import logging
import math
import random
import tempfile
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from nlp.embed import Device

log = logging.getLogger(__name__)

# Name of the saved folder: the embedding cache's model id starts with it (nlp.embed), and MLflow
# keeps it when logging the folder, so training and tagging share cached vectors.
FINE_TUNED_FOLDER = "minilm-fine-tuned"
# Causes have few labels below this median of labelled texts per cause: then ``voc train``'s
# ``auto`` model is logistic regression (on BANKING77 at ~10 per label 86.4% against the SVM's
# 84.8%; at ~130 the calibrated linear SVM is better and faster; training.train), the fine-tune
# passes FEW_SHOT_EPOCHS times (epochs_for) and the refit tunes the encoder again (few_labels).
FEW_SHOT_MEDIAN = 30
# Passes over the texts by default where causes have few labelled texts (epochs_for).
FEW_SHOT_EPOCHS = 3


@dataclass(frozen=True)
class FineTuneConfig:
    """Settings of encoder fine-tuning.

    Parameters
    ----------
    epochs : int or None
        Passes over the training texts (each text is an anchor once per epoch); ``None``:
        :data:`FEW_SHOT_EPOCHS` when the labels have a median of under
        :data:`FEW_SHOT_MEDIAN` texts each, else 1 (:func:`epochs_for`).
    batch_size : int
        Pairs per step (at most one pair per label; fewer when there are fewer labels).
    learning_rate : float
        Peak AdamW learning rate (linear warm-up over the first 10% of steps, then linear decay).
    max_seconds : float or None
        Stop after this long, whatever the epochs (the model keeps what it learned so far).
    max_seq_length : int
        Tokens per text while training (the saved model keeps its own limit).
    scale : float
        Inverse temperature of the ranking loss (sentence-transformers' default, 20).
    chunk_size : int
        Texts per forward pass: a step's anchors and positives run in chunks of like lengths.
    seed : int
        Seed of the pairing, the batches and torch.
    device : {"auto", "cpu", "cuda"}
        ``auto`` takes CUDA when present.
    show_progress : bool
        A tqdm bar over the steps.
    """

    epochs: int | None = None
    batch_size: int = 32
    learning_rate: float = 5e-5
    max_seconds: float | None = None
    max_seq_length: int = 64
    scale: float = 20.0
    chunk_size: int = 16
    seed: int = 0
    device: Device = "auto"
    show_progress: bool = True

    def __post_init__(self) -> None:
        if self.epochs is not None and self.epochs < 1:
            raise ValueError(f"fine-tune epochs must be >= 1, got {self.epochs}")
        if self.chunk_size < 1:
            raise ValueError(f"fine-tune chunk_size must be >= 1, got {self.chunk_size}")
        if self.batch_size < 2:
            raise ValueError(f"fine-tune batch_size must be >= 2, got {self.batch_size}")
        if not 0.0 < self.learning_rate < 1e-2:
            raise ValueError(f"fine-tune learning_rate must be in (0, 0.01), got {self.learning_rate}")
        if self.max_seconds is not None and self.max_seconds <= 0:
            raise ValueError(f"fine-tune max_seconds must be > 0 or None, got {self.max_seconds}")
        if not 8 <= self.max_seq_length <= 512:
            raise ValueError(f"fine-tune max_seq_length must be in 8..512, got {self.max_seq_length}")
        if self.device not in ("auto", "cpu", "cuda"):
            raise ValueError(f"fine-tune device must be auto, cpu or cuda, got {self.device!r}")


@dataclass
class FineTuneResult:
    """What :func:`fine_tune` did: the saved folder, steps run, seconds, whether time ran out."""

    path: Path
    epochs: int
    steps: int
    planned_steps: int
    seconds: float
    final_loss: float
    timed_out: bool

    def params(self) -> dict[str, Any]:
        """MLflow params of the fine-tune (prefixed ``fine_tune_``)."""
        return {
            "fine_tune_epochs": self.epochs,
            "fine_tune_steps": self.steps,
            "fine_tune_planned_steps": self.planned_steps,
            "fine_tune_seconds": round(self.seconds, 1),
            "fine_tune_final_loss": round(self.final_loss, 4),
            "fine_tune_timed_out": self.timed_out,
        }


def fine_tune(
    texts: Sequence[str],
    labels: Sequence[str],
    target: str | Path,
    config: FineTuneConfig | None = None,
    base: str | Path | None = None,
) -> FineTuneResult:
    """Fine-tune ``base`` on ``texts`` (n,) with their ``labels`` (n,); save it in folder ``target``.

    Parameters
    ----------
    texts : sequence of str, shape (n_contacts,)
        Prepared, redacted texts of the TRAINING split only.
    labels : sequence of str, shape (n_contacts,)
    target : path
        Folder to write the fine-tuned sentence-transformers model to (created; must not exist
        or be empty).
    config : FineTuneConfig, optional
    base : path, optional
        A sentence-transformers folder; ``None`` is the installed all-MiniLM-L6-v2.

    Returns
    -------
    FineTuneResult

    Raises
    ------
    ValueError
        Lengths differ, or no label has two texts (nothing to pair).
    """
    import torch
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer.losses import MultipleNegativesRankingLoss
    from tqdm.auto import tqdm

    from nlp.embed import default_model_path, resolve_device

    config = config or FineTuneConfig()
    texts = [str(t) for t in texts]
    labels = [str(v) for v in labels]
    if len(texts) != len(labels):
        raise ValueError(f"{len(texts)} texts but {len(labels)} labels")
    rng = random.Random(config.seed)
    torch.manual_seed(config.seed)
    np.random.seed(config.seed)
    passes = epochs_for(config, labels)
    epochs = [_pair_batches(labels, config.batch_size, rng) for _ in range(passes)]
    planned = sum(len(batches) for batches in epochs)
    if planned == 0:
        raise ValueError("fine-tuning needs at least one label with two texts")

    device = resolve_device(config.device)
    source = str(base or default_model_path())
    model = SentenceTransformer(source, device=device, local_files_only=True)
    saved_length = model.max_seq_length
    model.max_seq_length = min(config.max_seq_length, saved_length or config.max_seq_length)
    loss = MultipleNegativesRankingLoss(model, scale=config.scale)
    lengths = _token_lengths(model, texts)
    optimizer = torch.optim.AdamW(model.parameters(), lr=config.learning_rate)
    warmup = max(1, planned // 10)

    def rate(step: int) -> float:
        if step < warmup:
            return (step + 1) / warmup
        return max(0.0, (planned - step) / max(1, planned - warmup))

    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, rate)
    model.train()
    start = time.perf_counter()
    step, running, timed_out = 0, math.nan, False
    bar = tqdm(total=planned, desc="fine-tuning the encoder", unit="step", disable=not config.show_progress)
    for batches in epochs:
        for anchors, positives in batches:
            rows = np.asarray(anchors + positives)
            vectors = _embed_by_length(model, [texts[i] for i in rows], lengths[rows], config.chunk_size)
            # The ranking loss takes no labels: each anchor's positive is its own pair's.
            value = loss.compute_loss_from_embeddings(
                [vectors[: len(anchors)], vectors[len(anchors) :]],
                None,  # type: ignore[arg-type]
            )
            optimizer.zero_grad()
            value.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            scheduler.step()
            step += 1
            current = float(value.detach())
            running = current if math.isnan(running) else 0.9 * running + 0.1 * current
            bar.update(1)
            bar.set_postfix(loss=f"{running:.3f}")
            if config.max_seconds is not None and time.perf_counter() - start > config.max_seconds:
                timed_out = True
                break
        if timed_out:
            log.warning("fine-tuning stopped after %d of %d steps (time limit)", step, planned)
            break
    bar.close()
    seconds = time.perf_counter() - start
    model.eval()
    model.max_seq_length = saved_length
    folder = Path(target)
    folder.mkdir(parents=True, exist_ok=True)
    model.save(str(folder), create_model_card=False)
    log.info("fine-tuned encoder saved to %s (%d steps, %.0f s)", folder, step, seconds)
    return FineTuneResult(folder, passes, step, planned, seconds, running, timed_out)


def epochs_for(config: FineTuneConfig, labels: Sequence[str]) -> int:
    """Passes over the texts: ``config.epochs``, or when ``None`` :data:`FEW_SHOT_EPOCHS` where the
    ``labels`` have a median of under :data:`FEW_SHOT_MEDIAN` texts each, else 1.

    One pass over 770 texts (10 per cause, BANKING77) is 25 steps of 32 pairs. Three passes, with
    self-training on the other texts: 89.2%, 88.5% and 86.9% on three draws (mean 88.2%), against
    88.0%, 89.0% and 86.4% (87.8%) after one, for about 45 s more; without self-training, 86.93%
    against 86.77%. One pass over the 6,401 train-split texts of the full set is 200 steps, about 4
    minutes on 2 cores: three would take training past 10 minutes.
    """
    if config.epochs is not None:
        return config.epochs
    return FEW_SHOT_EPOCHS if few_labels(labels) else 1


def few_labels(labels: Iterable[str]) -> bool:
    """Whether the causes have few labelled texts: a median of under :data:`FEW_SHOT_MEDIAN` a label."""
    counts = Counter(labels)
    return bool(counts) and float(np.median(list(counts.values()))) < FEW_SHOT_MEDIAN


def _token_lengths(model: Any, texts: list[str]) -> np.ndarray:
    """Tokens of each text as the model reads it (truncated at its ``max_seq_length``)."""
    encoded = model.tokenizer(texts, truncation=True, max_length=model.max_seq_length)["input_ids"]
    return np.fromiter((len(ids) for ids in encoded), dtype=np.int64, count=len(texts))


def _embed_by_length(model: Any, texts: list[str], lengths: np.ndarray, chunk_size: int) -> Any:
    """Sentence embeddings of ``texts`` (n,), in their order, with gradients.

    The texts run in chunks of like token lengths, shortest first: a batch is padded to its longest
    text, and a random batch of 32 BANKING77 texts pads to about 47 tokens where the average text
    has 16. Same embeddings and loss as one batch (dropout aside), a third of the tokens.
    """
    import torch
    from sentence_transformers.util import batch_to_device

    order = np.argsort(lengths, kind="stable")
    parts = []
    for start in range(0, len(order), chunk_size):
        chunk = order[start : start + chunk_size]
        features = batch_to_device(model.preprocess([texts[i] for i in chunk]), model.device)
        parts.append(model(features)["sentence_embedding"])
    inverse = np.empty_like(order)
    inverse[order] = np.arange(len(order))
    return torch.cat(parts)[torch.as_tensor(inverse, device=parts[0].device)]


def _pair_batches(
    labels: list[str], batch_size: int, rng: random.Random
) -> list[tuple[list[int], list[int]]]:
    """One epoch of ``(anchors, positives)`` index batches, at most one pair per label per batch.

    Every text of a label with two or more texts is an anchor once; its positive is another text of
    the same label, drawn at random. Anchors are shuffled, then packed greedily into batches of
    distinct labels (as sentence-transformers' ``NoDuplicatesBatchSampler`` does).
    """
    by_label: dict[str, list[int]] = {}
    for i, label in enumerate(labels):
        by_label.setdefault(label, []).append(i)
    anchors = [i for i, label in enumerate(labels) if len(by_label[label]) > 1]
    rng.shuffle(anchors)
    width = max(2, min(batch_size, sum(len(rows) > 1 for rows in by_label.values())))
    batches: list[tuple[list[int], list[int]]] = []
    remaining = anchors
    while remaining:
        batch: list[int] = []
        seen: set[str] = set()
        deferred: list[int] = []
        for i in remaining:
            if len(batch) < width and labels[i] not in seen:
                batch.append(i)
                seen.add(labels[i])
            else:
                deferred.append(i)
        if len(batch) < 2:  # a last lone pair has no negatives: nothing to learn from it
            break
        positives = [rng.choice([j for j in by_label[labels[i]] if j != i]) for i in batch]
        batches.append((batch, positives))
        remaining = deferred
    return batches


def fine_tuned_embedder(
    embedder: Any,
    texts: Sequence[str],
    labels: Sequence[str],
    settings: FineTuneConfig,
    encoder_dir: str | Path | None = None,
) -> tuple[Any, dict[str, Any]]:
    """An embedder like ``embedder`` on a copy of its encoder fine-tuned on ``texts``; its MLflow params.

    The copy is saved in ``encoder_dir`` / :data:`FINE_TUNED_FOLDER` (default: a new temporary
    folder); ``embedder`` without an :class:`nlp.embed.EmbedConfig` stands for the bundled MiniLM.
    """
    from nlp.embed import EmbedConfig, Embedder

    base = getattr(embedder, "config", None)
    base = base if isinstance(base, EmbedConfig) else EmbedConfig(show_progress=False)
    root = Path(encoder_dir) if encoder_dir is not None else Path(tempfile.mkdtemp(prefix="voc-encoder-"))
    done = fine_tune(texts, labels, root / FINE_TUNED_FOLDER, settings, base=base.model)
    params = {
        "fine_tune": True,
        "fine_tune_learning_rate": settings.learning_rate,
        "fine_tune_batch_size": settings.batch_size,
        "fine_tune_max_seconds": settings.max_seconds,
        **done.params(),
    }
    return Embedder(dataclasses.replace(base, model=str(done.path))), params
