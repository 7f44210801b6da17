"""Local batch tagging: streams a contacts file in chunks, resumes after a crash.

``tag_file(input, predictor, out)`` reads CSV, Parquet or JSONL chunk by chunk, validates each chunk
with the contacts contract (bad rows go to a quarantine file with their reasons), asks ``predictor``
for root causes (:func:`tag_chunk`) and writes one numbered part file per chunk into a staging
folder beside ``out`` (:mod:`training.tagging.staging`). A chunk is recorded in the manifest only
after its part files are fully written and renamed, so after a ``kill -9`` a rerun with
``resume=True`` skips the recorded chunks, re-processes the rest, and the combined output has every
accepted row exactly once. At the end the parts are streamed into ``out`` (one atomic rename) and
the staging folder removed.

A predictor that takes concurrent calls (``concurrent_calls`` > 1: the worker pool of
:mod:`training.tagging.workers`) and prepares the contacts itself (returns ``clean_text``) is
handed the next chunk before the last one comes back, from a thread: this process validates the
next chunk and writes the last one while the workers tag, and the next chunk's batches wait in the
pool's queue, so no worker idles between chunks. Parts are still written and recorded in input order.

Memory is bounded by the chunk size (three chunks at most with a pool: one validated, two being
tagged): nothing but the set of contact ids seen so far (needed to quarantine duplicate ids across
chunks) grows with the input. On resume every chunk is re-read and
re-validated (cheap) so duplicate detection sees the same ids as an uninterrupted run; only the
prediction of recorded chunks is skipped.
"""

from __future__ import annotations

import time
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow.parquet as pq

from nlp.quarantine import redacted_quarantine
from training.pyfunc import Predictor, predict_contacts, returns_clean_text
from training.tagging.output import TagSummary, check_output_path, default_quarantine_path
from training.tagging.staging import Staging, run_identity, staging_folder
from voc.contracts.contacts import ContactValidator
from voc.contracts.reading import ContractConfig, decide_dayfirst, read_raw_chunks
from voc.contracts.tagged import (
    PASSTHROUGH_COLUMNS,
    PREDICTION_COLUMNS,
    TAGGED_COLUMNS,
    order_key_fingerprint,
    with_order_key,
)


@dataclass(frozen=True)
class TagConfig:
    """Settings of a batch tagging run.

    Parameters
    ----------
    chunk_size : int
        Contacts per chunk: memory is proportional to it; a crash loses at most one chunk of work.
    input_columns : tuple of str
        Columns handed to the predictor (those present in the input).
    dedupe : bool
        Predict each distinct ``(text, channel)`` of a chunk once (repeated short contacts are common).
    show_progress : bool
        Progress bar with contacts/s on stderr.
    order_key_secret : bytes or None
        The workspace's key (:meth:`voc.workspace.Workspace.order_key_secret`) for ``order_key``,
        the pseudonym of each contact's ``order_id``; ``None`` leaves ``order_key`` empty.
    """

    chunk_size: int = 10_000
    input_columns: tuple[str, ...] = ("text", "channel")
    dedupe: bool = True
    show_progress: bool = True
    order_key_secret: bytes | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if self.chunk_size < 1:
            raise ValueError(f"chunk_size must be >= 1, got {self.chunk_size}")
        if "text" not in self.input_columns:
            raise ValueError(f"input_columns must include 'text', got {self.input_columns}")


def tag_file(
    input: str | Path,
    predictor: Predictor,
    out: str | Path,
    *,
    model_name: str,
    model_version: str | int,
    chunk_size: int = 10_000,
    resume: bool = False,
    config: ContractConfig | None = None,
    tag_config: TagConfig | None = None,
    quarantine_out: str | Path | None = None,
) -> TagSummary:
    """Tag every valid contact of ``input`` with ``predictor`` and write ``out`` atomically.

    Parameters
    ----------
    input : path
        Contacts file (.csv, .parquet or .jsonl), read in chunks of ``chunk_size`` rows.
    predictor : object with ``predict(DataFrame) -> DataFrame``
        Gets a frame with :attr:`TagConfig.input_columns` (n rows) and returns n rows with
        ``root_cause``, ``family``, ``confidence`` and ``needs_review`` (and maybe ``clean_text``).
    out : path
        ``.parquet`` or ``.csv``; columns :data:`~voc.contracts.tagged.TAGGED_SCHEMA`, one row per
        accepted contact in input order, every row stamped with ``model_name`` and ``model_version``.
    resume : bool
        Continue an interrupted run on the same input, model and chunk size; refuses otherwise.
    quarantine_out : path, optional
        Quarantined rows (``source_row``, ``reason``, ``detail`` and the original values as text);
        defaults to ``OUT_STEM.quarantine.parquet`` (or ``.csv``) beside ``out``.

    Returns
    -------
    TagSummary
        Counts (``read == tagged + quarantined``), reasons, chunks and throughput.

    Raises
    ------
    InputError
        Unreadable input, a missing required column, an unsupported output suffix, or a resume
        against a different input, model or chunk size.
    """
    started = time.perf_counter()
    tag_config = tag_config or TagConfig(chunk_size=chunk_size)  # a given TagConfig's chunk_size wins
    contract = ContractConfig(**{**asdict(config or ContractConfig()), "chunk_size": tag_config.chunk_size})
    source, target = Path(input), Path(out)
    check_output_path(target)
    quarantine_target = Path(quarantine_out) if quarantine_out else default_quarantine_path(target)
    staging = Staging(staging_folder(target))
    identity = run_identity(
        source,
        str(model_name),
        str(model_version),
        contract,
        tag_config.chunk_size,
        tag_config.input_columns,
        order_key_fingerprint(tag_config.order_key_secret),
    )
    done = staging.open(identity, resume=resume)

    summary = TagSummary(target, quarantine_target, str(model_name), str(model_version))
    # one day/month order for the whole file, decided before the first chunk
    validator = ContactValidator(replace(contract, dayfirst=decide_dayfirst(source, contract)))
    progress = _progress(source, tag_config.show_progress)
    # A predictor that takes concurrent calls (PredictorPool: its workers are other processes) gets
    # the next chunk while this process validates and writes: its workers never wait on this one.
    ahead = max(1, int(getattr(predictor, "concurrent_calls", 1)))
    if not returns_clean_text(getattr(getattr(predictor, "metadata", None), "signature", None)):
        ahead = 1  # this process would prepare the contacts: its redactor serves one thread
    threads = ThreadPoolExecutor(ahead, thread_name_prefix="tag-chunk") if ahead > 1 else None
    pending: deque[tuple[int, int, Any, pd.DataFrame]] = deque()

    def write_oldest() -> None:
        index, rows, tagged, quarantined = pending.popleft()
        if isinstance(tagged, Future):
            tagged = tagged.result()
        # Outside the raw zone: ids, reasons and redacted text only.
        staging.write_chunk(index, rows, tagged, redacted_quarantine(quarantined))
        progress.update(rows)

    try:
        for index, raw in enumerate(read_raw_chunks(source, contract)):
            accepted, quarantined = validator.validate(raw)
            summary.chunks += 1
            recorded = done.get(index)
            if recorded is not None and staging.verify(recorded, len(raw), len(accepted), len(quarantined)):
                summary.chunks_resumed += 1
                progress.update(len(raw))
                continue
            args = (accepted, predictor, str(model_name), str(model_version), tag_config)
            tagged = threads.submit(tag_chunk, *args) if threads is not None else tag_chunk(*args)
            pending.append((index, len(raw), tagged, quarantined))
            while len(pending) >= ahead:  # the oldest is written while the newer ones are tagged
                write_oldest()
        while pending:
            write_oldest()
    finally:
        progress.close()
        if threads is not None:
            # On an error (Ctrl-C included) the run stops now: a chunk still being tagged is
            # dropped, its batches cancelled when the pool closes; only this thread writes.
            threads.shutdown(wait=False, cancel_futures=True)
    counts = validator.counts
    summary.read, summary.tagged, summary.quarantined = counts.read, counts.accepted, counts.quarantined
    summary.reasons = dict(counts.reasons)
    if not summary.reconciles:  # pragma: no cover - guarded by the contract's own invariant
        raise RuntimeError(f"counts do not reconcile: {summary.summary()}")
    staging.combine(summary.chunks, target, quarantine_target)
    staging.remove()
    summary.seconds = time.perf_counter() - started
    return summary


def tag_chunk(
    contacts: pd.DataFrame,
    predictor: Predictor,
    model_name: str,
    model_version: str,
    config: TagConfig | None = None,
) -> pd.DataFrame:
    """Predictions for one chunk of accepted contacts, with :data:`~voc.contracts.tagged.TAGGED_COLUMNS`.

    ``contacts`` are validated contacts (n rows, raw ``text``); the result has n rows in the same
    order. Each contact is prepared and redacted once (:func:`training.pyfunc.predict_contacts`);
    its ``clean_text`` is kept, the raw text is not; its ``order_id`` becomes ``order_key``
    (:attr:`TagConfig.order_key_secret`).
    """
    config = config or TagConfig()
    predictions = predict_contacts(
        predictor, contacts, input_columns=config.input_columns, dedupe=config.dedupe
    )
    frame = with_order_key(contacts.reset_index(drop=True), config.order_key_secret)
    out = pd.DataFrame({"contact_id": frame["contact_id"].astype(str).to_numpy()})
    for col in (*PREDICTION_COLUMNS, "clean_text"):
        out[col] = predictions[col].to_numpy()
    out["model_name"] = model_name
    out["model_version"] = model_version
    for col in PASSTHROUGH_COLUMNS:
        if col != "clean_text":
            out[col] = frame.get(col)
    return out[list(TAGGED_COLUMNS)]


class _NoProgress:
    def update(self, n: int) -> None:
        pass

    def close(self) -> None:
        pass


def _progress(source: Path, show: bool) -> Any:
    if not show:
        return _NoProgress()
    from tqdm.auto import tqdm

    total = None
    if source.suffix.lower() in (".parquet", ".pq"):
        try:
            total = pq.ParquetFile(source).metadata.num_rows
        except Exception:
            total = None
    return tqdm(total=total, unit=" contacts", unit_scale=True, desc="tagging", smoothing=0.1)
