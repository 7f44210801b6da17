"""One tagging run, as ``voc tag`` starts it: find the model, then tag a file locally or on Spark.

``tag_with_engine(input, model_uri, out, engine=...)`` resolves ``model_uri`` to the name and version
stamped on every row (:func:`training.pyfunc.resolve_model`), then runs the local engine
(:mod:`training.tagging.local`: streaming, resumable) or the Spark engine
(:mod:`training.tagging.spark`, imported only when asked for: pyspark is an optional extra). Both
write the same files (:mod:`training.tagging.output`) and return a
:class:`~training.tagging.output.TagSummary`.
"""

from __future__ import annotations

from contextlib import ExitStack
from pathlib import Path
from typing import Any

from training.pyfunc import load_predictor, resolve_model
from training.tagging.local import TagConfig, tag_file
from training.tagging.output import TagSummary
from training.tagging.workers import PredictorPool, choose_workers
from voc.contracts.reading import ContractConfig
from voc.errors import InputError


def tag_with_engine(
    input: str | Path,
    model_uri: str,
    out: str | Path,
    *,
    engine: str = "local",
    resume: bool = False,
    chunk_size: int = 10_000,
    master: str | None = None,
    config: ContractConfig | None = None,
    model_config: dict[str, Any] | None = None,
    show_progress: bool = True,
    order_key_secret: bytes | None = None,
    workers: int | None = None,
) -> TagSummary:
    """Tag ``input`` into ``out`` with the model at ``model_uri`` (set the MLflow tracking URI first).

    Parameters
    ----------
    engine : {"local", "spark"}
        ``local`` streams in chunks of ``chunk_size`` and can ``resume``; ``spark`` scores on the
        cluster at ``master`` (no resume: Spark retries failed tasks itself).
    config : ContractConfig, optional
        How the input's columns are read (text and id column names, row ids).
    model_config : dict, optional
        Passed to the model at load time, e.g. ``{"embed_backend": "onnx-int8"}``.
    order_key_secret : bytes, optional
        The workspace's key for ``order_key``, the pseudonym of ``order_id``
        (:meth:`voc.workspace.Workspace.order_key_secret`); without it ``order_key`` is empty.
    workers : int, optional
        Local engine: processes that each hold the model and tag in parallel
        (:mod:`training.tagging.workers`); ``None`` or 0: one per core for an input of a few
        thousand contacts or more (:func:`~training.tagging.workers.choose_workers`), else this
        process alone.

    Raises
    ------
    InputError
        Bad input, an unknown model, or options that do not fit the engine.
    """
    if engine not in ("local", "spark"):
        raise InputError(f"--engine must be local or spark, got {engine!r}")
    if engine == "spark":
        if workers:
            raise InputError("--workers applies to --engine local; Spark has its own executors")
        if resume:
            raise InputError(
                "--resume works with --engine local; on Spark rerun the job (Spark retries tasks)"
            )
        from training.tagging.spark import SparkConfig, tag_file_spark

        ref = resolve_model(model_uri)
        return tag_file_spark(
            input,
            ref.uri,
            out,
            model_name=ref.name,
            model_version=ref.version,
            chunk_size=chunk_size,
            config=config,
            spark_config=SparkConfig(master=master),
            model_config=model_config,
            order_key_secret=order_key_secret,
        )
    if master:
        raise InputError("--master applies to --engine spark only")
    tag_config = TagConfig(
        chunk_size=chunk_size, show_progress=show_progress, order_key_secret=order_key_secret
    )
    count = choose_workers(workers, input)
    with ExitStack() as stack:
        if count < 2:
            predictor, ref = load_predictor(model_uri, model_config)
        else:
            ref = resolve_model(model_uri)
            # The workers load the version resolved here, even if the alias moves during the run.
            predictor = stack.enter_context(PredictorPool(ref.pinned, model_config, count))
        return tag_file(
            input,
            predictor,
            out,
            model_name=ref.name,
            model_version=ref.version,
            resume=resume,
            config=config,
            tag_config=tag_config,
        )
