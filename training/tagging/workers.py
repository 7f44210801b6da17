"""The loaded model in several worker processes: tagging on every core.

Most of a contact's cost is pure Python holding the GIL (preparation and redaction, the cascade's
TF-IDF, the second cause); only MiniLM's ONNX session runs outside it. One process therefore keeps
about one core busy. :class:`PredictorPool` starts ``workers`` processes (``spawn``: no ONNX Runtime
or OpenMP state is forked), each loading the same pyfunc once with one compute thread, and splits
every ``predict`` call into batches that the workers tag in parallel; the results come back in input
order. It has the pyfunc's ``predict(frame, params=...)`` and ``metadata``, so
:func:`training.pyfunc.predict_contacts` and :func:`training.tagging.local.tag_file` take it in place
of a loaded model.

A worker that dies (out of memory, killed) fails the call with :class:`WorkerError`; the local
engine's resume keeps every chunk written before it.
"""

from __future__ import annotations

import itertools
import math
import os
import threading
from concurrent.futures import ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any

import pandas as pd

from voc.errors import InputError

# Inputs of fewer contacts are tagged in the calling process: starting workers (each imports MLflow
# and loads the model, ~10 s) costs more than a few thousand contacts take.
PARALLEL_ROWS = 4_000
# Peak resident memory of a worker holding a cascade model (1.3 GB measured), with headroom.
WORKER_MB = 1_600
# Bytes of a CSV or JSONL contact, to estimate the rows of a file without reading it.
BYTES_PER_CONTACT = 500

_predictor: Any = None  # the model, in a worker process
_load_error: Exception | None = None  # why it could not be loaded, raised by every call
_barrier: Any = None  # every worker waits here in PredictorPool.start, so each answers once
# How long PredictorPool.start waits for every worker to load the model.
START_TIMEOUT_S = 900


class WorkerError(RuntimeError):
    """A tagging worker process died; the message says how many contacts were lost with the call."""


def available_cores() -> int:
    """Cores this process may run on (its CPU affinity, not the machine's count)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def choose_workers(requested: int | None, input_path: str | Path) -> int:
    """Worker processes for a tagging run: ``requested``, or automatically (``None`` or 0).

    Automatically: one per available core (at most 8, and no more than the available memory holds
    at :data:`WORKER_MB` each) when there are more than 2 cores and the input holds at least
    :data:`PARALLEL_ROWS` contacts (a Parquet file's row count; a text file's size over
    :data:`BYTES_PER_CONTACT`), else 1. One process already keeps two cores busy (the forked
    preparation helper of a large chunk, ONNX Runtime's threads): on 2 cores, 2 workers tagged
    20,000 realistic contacts at 1,055-1,191/s against one process's 1,005-1,058/s, for 1.8x the
    memory and about 7 s more to start (``python -m benchmarks.workload --child``, alternating runs).
    """
    if requested:
        return max(1, requested)
    cores = available_cores()
    if cores <= 2 or estimated_rows(Path(input_path)) < PARALLEL_ROWS:
        return 1
    memory = available_memory_mb()
    fits = cores if memory is None else int(memory // WORKER_MB)
    return max(1, min(cores, 8, fits))


def available_memory_mb() -> float | None:
    """Memory the kernel can give new processes (``MemAvailable``) in MB; ``None`` when unknown."""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) / 1024
    except (OSError, ValueError, IndexError):  # pragma: no cover - not Linux
        pass
    return None


def estimated_rows(path: Path) -> int:
    """Rows of a contacts file: exact for Parquet (its footer), estimated from the size otherwise."""
    try:
        if path.suffix.lower() in (".parquet", ".pq"):
            import pyarrow.parquet as pq

            return int(pq.ParquetFile(path).metadata.num_rows)
        return path.stat().st_size // BYTES_PER_CONTACT
    except Exception:  # unreadable: the reader names the problem; tag in this process
        return 0


class PredictorPool:
    """A loaded pyfunc in ``workers`` processes, called like one.

    Parameters
    ----------
    uri : str
        The model URI (resolved: ``models:/NAME/VERSION`` or a path).
    model_config : dict, optional
        Load-time model config (``{"embed_backend": ...}``), as for :func:`training.pyfunc.load_predictor`.
    workers : int
        Processes, each with one model and ``threads`` compute threads.
    batch_size : int
        Most rows per task; a call is split into even batches, at least two per worker, so that
        every worker stays busy. Each call of the model has a cost of its own (frames, the full
        model's calibration, MiniLM batches of the few contacts the cascade defers): batches of
        2,500 rows took about 10% less CPU per contact than batches of 500.
    threads : int
        BLAS/OpenMP and ONNX Runtime threads of each worker (1: the workers share the cores).

    Raises
    ------
    InputError
        When the model cannot be loaded (raised by the first call or by :meth:`start`).
    """

    def __init__(
        self,
        uri: str,
        model_config: dict[str, Any] | None,
        workers: int,
        batch_size: int = 2_500,
        threads: int = 1,
    ) -> None:
        import multiprocessing

        import mlflow

        if workers < 2:
            raise ValueError(f"a pool needs at least 2 workers, got {workers}")
        self.workers, self.batch_size = workers, batch_size
        # Calls that may run at once (from threads): the next chunk's batches queue behind this
        # one's, so that no worker waits while the caller validates and writes (tag_file).
        self.concurrent_calls = 2
        # The workers read the same tracking and registry stores as this process.
        env = {
            "MLFLOW_TRACKING_URI": mlflow.get_tracking_uri(),
            "MLFLOW_REGISTRY_URI": mlflow.get_registry_uri(),
        }
        try:  # its signature says whether it can return clean_text
            self.metadata = mlflow.models.get_model_info(uri)
        except Exception as exc:
            raise InputError(f"model {uri}: cannot load it ({type(exc).__name__}: {exc})") from exc
        context = multiprocessing.get_context("spawn")
        self._executor = ProcessPoolExecutor(
            workers,
            mp_context=context,
            initializer=_load,
            initargs=(uri, model_config, threads, env, context.Barrier(workers)),
        )
        self.peak_rss_mb: dict[int, float] = {}  # worker pid -> its peak resident memory

    def start(self) -> list[int]:
        """Load the model in every worker now (else on the first call); returns the workers' pids.

        Raises what loading raised (:class:`InputError` for a model that cannot be loaded).
        """
        futures = [self._executor.submit(_loaded, i) for i in range(self.workers)]
        wait(futures)
        errors = [e for e in (f.exception() for f in futures) if e is not None]
        if errors:  # a load error over the BrokenBarrierError of the workers it stopped waiting
            cause = next((e for e in errors if not isinstance(e, threading.BrokenBarrierError)), None)
            if cause is not None:
                raise cause
            raise WorkerError(f"not every tagging worker started within {START_TIMEOUT_S} s")
        answers = [f.result() for f in futures]
        for pid, rss in answers:
            self.peak_rss_mb[pid] = rss
        return [pid for pid, _ in answers]

    def predict(self, data: pd.DataFrame, params: dict[str, Any] | None = None) -> pd.DataFrame:
        """The model's predictions for ``data``, computed in batches across the workers, in order."""
        n = len(data)
        # Even batches, at least two per worker, none above batch_size.
        count = max(1, math.ceil(n / self.batch_size), min(2 * self.workers, n))
        bounds = [round(i * n / count) for i in range(count + 1)]
        batches = [data.iloc[a:b].reset_index(drop=True) for a, b in itertools.pairwise(bounds)]
        try:
            results = list(self._executor.map(_predict, batches, [params] * len(batches)))
        except BrokenProcessPool as exc:
            raise WorkerError(
                f"a tagging worker process died (out of memory?) while tagging {n:,} contacts; "
                "rerun with --resume, or with fewer --workers or a smaller --chunk-size"
            ) from exc
        for pid, rss, _ in results:
            self.peak_rss_mb[pid] = max(rss, self.peak_rss_mb.get(pid, 0.0))
        return pd.concat([frame for _, _, frame in results], ignore_index=True)

    def close(self) -> None:
        self._executor.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> PredictorPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _load(
    uri: str, model_config: dict[str, Any] | None, threads: int, env: dict[str, str], barrier: Any
) -> None:
    """Worker initializer: one model per process, ``threads`` compute threads (BLAS, OpenMP, ONNX
    Runtime and Rust's rayon pools)."""
    global _predictor, _load_error, _barrier
    _barrier = barrier
    os.environ.update(env)
    # Rust thread pools (Lingua's language detection, the tokenizers' batch encoding) would start
    # one thread per core in every worker, more threads than cores.
    os.environ["RAYON_NUM_THREADS"] = str(threads)
    os.environ["TOKENIZERS_PARALLELISM"] = "false" if threads == 1 else "true"
    from threadpoolctl import threadpool_limits

    from training.pyfunc import load_predictor

    threadpool_limits(threads)
    try:
        _predictor, _ = load_predictor(uri, model_config)
    except Exception as exc:  # raised by each call, not swallowed by a broken pool
        _load_error = exc
        return
    limit = getattr(_predictor.unwrap_python_model(), "limit_threads", None)
    if limit is not None:
        limit(threads)


def _predict(data: pd.DataFrame, params: dict[str, Any] | None) -> tuple[int, float, pd.DataFrame]:
    if _load_error is not None:
        raise _load_error
    frame = _predictor.predict(data, params=params) if params else _predictor.predict(data)
    return os.getpid(), peak_rss_mb(), frame if isinstance(frame, pd.DataFrame) else pd.DataFrame(frame)


def _loaded(_: int) -> tuple[int, float]:
    """Wait until every worker has loaded (a waiting worker takes no other task): one answer each."""
    if _load_error is not None:
        _barrier.abort()  # the others stop waiting
        raise _load_error
    _barrier.wait(timeout=START_TIMEOUT_S)
    return os.getpid(), peak_rss_mb()


def peak_rss_mb() -> float:
    """This process's peak resident memory in MB.

    VmHWM, not ``ru_maxrss``: Linux carries a forking parent's peak into the child's ``ru_maxrss``
    across exec, which would make every child look as big as its parent.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:  # pragma: no cover - not Linux
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
