"""Distributed batch tagging on Spark: the registered pyfunc through ``mlflow.pyfunc.spark_udf``.

``tag_file_spark(input, model_uri, out)`` gives the same output as the local engine
(:func:`training.tagging.local.tag_file`) on the same input: same rows in the same order, same
columns (:mod:`training.tagging.output`), same quarantine. How the work is split:

1. **Driver, streaming**: the input is read and validated in chunks with the contacts contract
   (duplicate ids are a global property, so validation stays on one process); quarantined rows go
   to the quarantine file, accepted rows (raw ``text`` and a row number) to Parquet parts in a
   staging folder. Memory is bounded by the chunk size.
2. **Spark**: the staging Parquet is read, the model scores it on the executors through
   ``spark_udf`` (each Python worker loads the model once) and hands back the ``clean_text`` it
   prepared, so each contact is prepared and redacted once (a model without ``return_clean_text``
   is prepared on the driver for the output column too); the result is range-sorted by row number
   and written as Parquet parts.
3. **Driver, streaming**: the sorted parts are concatenated into ``out`` with one atomic rename.

On a cluster, the staging folder must be on storage that the driver and executors share (HDFS, S3,
NFS: ``staging_dir``), and the model URI must be reachable from the executors (a real
``MLFLOW_TRACKING_URI`` server with a shared artifact store, not the workspace's SQLite file).
pyspark is an optional extra (``pip install 'voc[spark]'``); it is imported only here, lazily.
"""

from __future__ import annotations

import logging
import os
import shutil
import sys
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from nlp.quarantine import redacted_quarantine
from training.pyfunc import returns_clean_text
from training.tagging.output import (
    TagSummary,
    check_output_path,
    concat_parts,
    default_quarantine_path,
    output_table,
    quarantine_schema,
    quarantine_table,
)
from voc.contracts.contacts import ContactValidator
from voc.contracts.reading import ContractConfig, decide_dayfirst, read_raw_chunks
from voc.contracts.tagged import PASSTHROUGH_COLUMNS, PREDICTION_COLUMNS, TAGGED_SCHEMA, with_order_key
from voc.files import atomic_path

log = logging.getLogger(__name__)

_ROW = "_row"
_RESULT_TYPE = (
    "root_cause string, family string, confidence double, needs_review boolean, review_reason string, "
    "language string, secondary_root_cause string, secondary_confidence double"
)


class SparkMissingError(RuntimeError):
    """pyspark is not installed."""


@dataclass(frozen=True)
class SparkConfig:
    """Where and how Spark runs.

    Parameters
    ----------
    master : str or None
        ``local[*]``, ``spark://host:7077``, ``yarn``, ``k8s://...``; ``None`` keeps what
        ``spark-submit`` or ``spark-defaults.conf`` set (``local[*]`` when run plainly).
    app_name : str
        Name shown in the Spark UI.
    conf : tuple of (key, value)
        Extra Spark settings, e.g. ``(("spark.executor.memory", "4g"),)``.
    """

    master: str | None = None
    app_name: str = "voc-tag"
    conf: tuple[tuple[str, str], ...] = ()

    def __post_init__(self) -> None:
        if self.master is not None and not self.master.strip():
            raise ValueError("master must be a Spark master URL such as local[*] or spark://host:7077")


def tag_file_spark(
    input: str | Path,
    model_uri: str,
    out: str | Path,
    *,
    model_name: str,
    model_version: str | int,
    chunk_size: int = 50_000,
    config: ContractConfig | None = None,
    spark_config: SparkConfig | None = None,
    quarantine_out: str | Path | None = None,
    staging_dir: str | Path | None = None,
    input_columns: tuple[str, ...] = ("text", "channel"),
    model_config: dict[str, Any] | None = None,
    order_key_secret: bytes | None = None,
) -> TagSummary:
    """Tag ``input`` with the pyfunc at ``model_uri`` on Spark; write ``out`` like the local engine.

    Parameters are those of :func:`training.tagging.local.tag_file` plus ``model_uri`` (loaded on the
    executors), ``spark_config`` and ``staging_dir`` (default: a hidden folder beside ``out``;
    must be shared storage on a cluster), ``model_config`` (passed to ``spark_udf``, as for
    :func:`training.pyfunc.load_predictor`) and ``order_key_secret`` (as
    :attr:`training.tagging.local.TagConfig.order_key_secret`: order ids become keys on the driver,
    so they never reach the staging folder). No resume: a failed Spark job is rerun whole (Spark
    itself retries failed tasks).

    Returns
    -------
    TagSummary
        Counts (``read == tagged + quarantined``) and throughput.

    Raises
    ------
    InputError
        Unreadable input, missing column, bad output suffix.
    SparkMissingError
        pyspark is not installed.
    """
    started = time.perf_counter()
    source, target = Path(input), Path(out)
    check_output_path(target)
    contract = ContractConfig(**{**asdict(config or ContractConfig()), "chunk_size": chunk_size})
    quarantine_target = Path(quarantine_out) if quarantine_out else default_quarantine_path(target)
    # Always a run-specific subfolder: it is wiped before and after the run.
    staging = (Path(staging_dir) if staging_dir else target.parent) / f".{target.name}.spark"
    if staging.exists():
        shutil.rmtree(staging)
    (staging / "accepted").mkdir(parents=True)
    summary = TagSummary(target, quarantine_target, str(model_name), str(model_version))

    # A model that hands back its clean_text is prepared on the executors only; otherwise the driver
    # prepares each chunk for the clean_text column (the model prepares again on the executors).
    from mlflow.models import get_model_info

    on_executors = returns_clean_text(get_model_info(model_uri).signature)
    # one day/month order for the whole file, decided before the first chunk
    validator = ContactValidator(replace(contract, dayfirst=decide_dayfirst(source, contract)))
    quarantine_parts, offset = [], 0
    for index, raw in enumerate(read_raw_chunks(source, contract)):
        accepted, quarantined = validator.validate(raw)
        accepted = with_order_key(accepted, order_key_secret)
        part = staging / f"quarantine-{index:06d}.parquet"
        pq.write_table(quarantine_table(redacted_quarantine(quarantined)), part)
        quarantine_parts.append(part)
        if len(accepted):
            pq.write_table(
                _accepted_table(accepted, offset, prepare=not on_executors),
                staging / "accepted" / f"part-{index:06d}.parquet",
            )
            offset += len(accepted)
        summary.chunks += 1
    counts = validator.counts
    summary.read, summary.quarantined, summary.reasons = counts.read, counts.quarantined, dict(counts.reasons)

    scored = staging / "scored"
    if offset:
        spark = spark_config or SparkConfig()
        _score(staging / "accepted", scored, model_uri, input_columns, spark, model_config, on_executors)
        parts = sorted(scored.glob("part-*.parquet"))
    else:
        parts = []
    summary.tagged = sum(pq.ParquetFile(p).metadata.num_rows for p in parts)
    if summary.tagged != counts.accepted:
        raise RuntimeError(f"Spark returned {summary.tagged} rows for {counts.accepted} accepted contacts")
    stamped = []
    for i, part in enumerate(parts):
        table = pq.read_table(part)
        frame = table.drop_columns([_ROW]).to_pandas()
        frame["model_name"], frame["model_version"] = str(model_name), str(model_version)
        path = staging / f"out-{i:06d}.parquet"
        pq.write_table(output_table(frame), path)
        stamped.append(path)
    if not stamped:
        with atomic_path(staging / "out-empty.parquet") as tmp:
            pq.write_table(TAGGED_SCHEMA.empty_table(), tmp)
        stamped.append(staging / "out-empty.parquet")
    concat_parts(
        [
            (stamped, target, TAGGED_SCHEMA),
            (quarantine_parts, quarantine_target, quarantine_schema(quarantine_parts)),
        ]
    )
    shutil.rmtree(staging, ignore_errors=True)
    summary.seconds = time.perf_counter() - started
    return summary


def spark_session(config: SparkConfig) -> Any:
    """A SparkSession for ``config`` (UTC timestamps, Arrow transfers, workers on this Python)."""
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:
        raise SparkMissingError(
            "the Spark engine needs pyspark: pip install 'voc[spark]' (or pyspark) and Java 17+"
        ) from exc
    # Local Python workers must run the interpreter that has voc, nlp and the model's dependencies.
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    builder = SparkSession.builder.appName(config.app_name)
    if config.master:
        builder = builder.master(config.master)
    settings = {
        "spark.sql.session.timeZone": "UTC",
        "spark.sql.execution.arrow.pyspark.enabled": "true",
        "spark.sql.parquet.outputTimestampType": "TIMESTAMP_MICROS",
        "spark.ui.showConsoleProgress": "false",
        **dict(config.conf),
    }
    for key, value in settings.items():
        builder = builder.config(key, value)
    return builder.getOrCreate()


# --------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------


def _score(
    accepted: Path,
    scored: Path,
    model_uri: str,
    input_columns: tuple[str, ...],
    config: SparkConfig,
    model_config: dict[str, Any] | None,
    clean_text_from_model: bool,
) -> None:
    import mlflow.pyfunc
    from pyspark.sql import functions as F

    spark = spark_session(config)
    contacts = spark.read.parquet(str(accepted))
    columns = [c for c in input_columns if c in contacts.columns]
    predict = mlflow.pyfunc.spark_udf(
        spark,
        model_uri,
        result_type=_RESULT_TYPE + (", clean_text string" if clean_text_from_model else ""),
        env_manager="local",
        model_config=model_config,
        params={"return_clean_text": True} if clean_text_from_model else None,
    )
    result = contacts.withColumn("_prediction", predict(*[F.col(c) for c in columns]))
    keep = [F.col(f"_prediction.{c}").alias(c) for c in PREDICTION_COLUMNS]
    # No secondary cause comes back as NaN through Arrow; the contract (and the local engine) says null.
    second = F.col("_prediction.secondary_confidence")
    keep[PREDICTION_COLUMNS.index("secondary_confidence")] = (
        F.when(F.isnan(second), None).otherwise(second).alias("secondary_confidence")
    )
    passthrough = [
        F.col("_prediction.clean_text").alias(c) if c == "clean_text" and clean_text_from_model else F.col(c)
        for c in PASSTHROUGH_COLUMNS
    ]
    result = result.select(F.col(_ROW), F.col("contact_id"), *keep, *passthrough)
    # A global sort by row number: part files in name order are then in input order.
    result.orderBy(_ROW).write.mode("overwrite").parquet(str(scored))


def _accepted_table(accepted: Any, offset: int, prepare: bool) -> pa.Table:
    if prepare:
        from nlp.prepare import prepare_contacts

        prepared = prepare_contacts(accepted.reset_index(drop=True))
    else:
        prepared = accepted.reset_index(drop=True).assign(clean_text=None)  # filled by the model
    frame = prepared[["contact_id", "text", *PASSTHROUGH_COLUMNS]].copy()
    frame["model_name"] = frame["model_version"] = frame["root_cause"] = frame["family"] = ""
    frame["confidence"], frame["needs_review"] = 0.0, False
    frame["review_reason"] = frame["language"] = ""
    frame["secondary_root_cause"], frame["secondary_confidence"] = None, float("nan")
    table = output_table(frame).select(["contact_id", *PASSTHROUGH_COLUMNS])
    rows = pa.array(range(offset, offset + len(frame)), pa.int64())
    return table.append_column(
        "text", pa.array(frame["text"].astype(str).tolist(), pa.string())
    ).append_column(_ROW, rows)
