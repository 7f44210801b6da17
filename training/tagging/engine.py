"""Local batch tagging engine: streams a contacts file in chunks, resumes after a crash.

``tag_file(input, predictor, out)`` reads CSV, Parquet or JSONL chunk by chunk, validates each chunk
with the contacts contract (bad rows go to a quarantine file with their reasons), asks ``predictor``
for root causes and writes one numbered part file per chunk into a staging folder beside ``out``
(``.OUT.parts/``). A chunk is recorded in the staging folder's ``manifest.json`` only after its part
files are fully written and renamed, so after a ``kill -9`` a rerun with ``resume=True`` skips the
recorded chunks, re-processes the rest, and the combined output has every accepted row exactly once.
At the end the parts are streamed into ``out`` (one atomic rename) and the staging folder removed.

Memory is bounded by the chunk size: nothing but the set of contact ids seen so far (needed to
quarantine duplicate ids across chunks) grows with the input. On resume every chunk is re-read and
re-validated (cheap) so duplicate detection sees the same ids as an uninterrupted run; only the
prediction of recorded chunks is skipped.
"""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from voc.contracts.contacts import ContactValidator
from voc.contracts.reading import ContractConfig, read_raw_chunks
from voc.errors import InputError
from voc.files import atomic_path, spreadsheet_safe_frame, write_text

log = logging.getLogger(__name__)

PREDICTION_COLUMNS = ("root_cause", "family", "confidence", "needs_review")
PASSTHROUGH_COLUMNS = (
    "created_at",
    "channel",
    "market",
    "category",
    "order_stage",
    "csat",
    "nps",
    "escalated",
    "clean_text",
)
OUTPUT_SCHEMA = pa.schema(
    [
        ("contact_id", pa.string()),
        ("root_cause", pa.string()),
        ("family", pa.string()),
        ("confidence", pa.float64()),
        ("needs_review", pa.bool_()),
        ("model_name", pa.string()),
        ("model_version", pa.string()),
        ("created_at", pa.timestamp("us", tz="UTC")),
        ("channel", pa.string()),
        ("market", pa.string()),
        ("category", pa.string()),
        ("order_stage", pa.string()),
        ("csat", pa.int64()),
        ("nps", pa.int64()),
        ("escalated", pa.bool_()),
        ("clean_text", pa.string()),
    ]
)
OUTPUT_SUFFIXES = (".parquet", ".csv")
MANIFEST = "manifest.json"
_FORMAT_VERSION = 1


class Predictor(Protocol):
    """Anything with ``predict(DataFrame) -> DataFrame``: an MLflow pyfunc or a test double."""

    def predict(self, data: pd.DataFrame) -> Any: ...


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
    """

    chunk_size: int = 10_000
    input_columns: tuple[str, ...] = ("text", "channel")
    dedupe: bool = True
    show_progress: bool = True

    def __post_init__(self) -> None:
        if self.chunk_size < 1:
            raise ValueError(f"chunk_size must be >= 1, got {self.chunk_size}")
        if "text" not in self.input_columns:
            raise ValueError(f"input_columns must include 'text', got {self.input_columns}")


@dataclass
class TagSummary:
    """What a tagging run did; ``read == tagged + quarantined`` always."""

    out: Path
    quarantine_out: Path
    model_name: str
    model_version: str
    read: int = 0
    tagged: int = 0
    quarantined: int = 0
    reasons: dict[str, int] = field(default_factory=dict)
    chunks: int = 0
    chunks_resumed: int = 0
    seconds: float = 0.0

    @property
    def reconciles(self) -> bool:
        return self.read == self.tagged + self.quarantined

    @property
    def contacts_per_second(self) -> float:
        return self.read / self.seconds if self.seconds > 0 else 0.0

    def summary(self) -> str:
        """One line, e.g. ``read 1,000 = tagged 990 + quarantined 10 (empty_text 10); ...``."""
        line = f"read {self.read:,} = tagged {self.tagged:,} + quarantined {self.quarantined:,}"
        if self.reasons:
            parts = ", ".join(f"{k} {v:,}" for k, v in sorted(self.reasons.items(), key=lambda kv: -kv[1]))
            line += f" ({parts})"
        line += f"; {self.chunks} chunks"
        if self.chunks_resumed:
            line += f" ({self.chunks_resumed} resumed from an earlier run)"
        line += f"; {self.contacts_per_second:,.0f} contacts/s; model {self.model_name} v{self.model_version}"
        return line


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
        ``.parquet`` or ``.csv``; columns :data:`OUTPUT_SCHEMA`, one row per accepted contact in input
        order, every row stamped with ``model_name`` and ``model_version``.
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
    if target.suffix.lower() not in OUTPUT_SUFFIXES:
        raise InputError(f"{target}: unsupported output format {target.suffix!r}; use .parquet or .csv")
    quarantine_target = Path(quarantine_out) if quarantine_out else default_quarantine_path(target)
    staging = Staging(staging_folder(target))
    identity = run_identity(source, str(model_name), str(model_version), contract, tag_config)
    done = staging.open(identity, resume=resume)

    summary = TagSummary(target, quarantine_target, str(model_name), str(model_version))
    validator = ContactValidator(contract)
    progress = _progress(source, tag_config.show_progress)
    try:
        for index, raw in enumerate(read_raw_chunks(source, contract)):
            accepted, quarantined = validator.validate(raw)
            summary.chunks += 1
            recorded = done.get(index)
            if recorded is not None and staging.verify(recorded, len(raw), len(accepted), len(quarantined)):
                summary.chunks_resumed += 1
            else:
                tagged = tag_chunk(accepted, predictor, str(model_name), str(model_version), tag_config)
                staging.write_chunk(index, len(raw), tagged, quarantined)
            progress.update(len(raw))
    finally:
        progress.close()
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
    """Predictions for one chunk of accepted contacts, as a frame matching :data:`OUTPUT_SCHEMA`.

    ``contacts`` are validated contacts (n rows); the result has n rows in the same order.
    ``clean_text`` comes from the predictor when it returns it, else from ``nlp.prepare``.
    """
    config = config or TagConfig()
    n = len(contacts)
    columns = [c for c in config.input_columns if c in contacts]
    features = contacts[columns].reset_index(drop=True)
    if n == 0:
        predictions = pd.DataFrame({c: pd.Series(dtype=object) for c in PREDICTION_COLUMNS})
    elif config.dedupe:
        key = features.astype(object).where(features.notna(), "\x00").agg("\x1f".join, axis=1)
        codes, _ = pd.factorize(key)
        first = pd.Series(np.arange(n)).groupby(codes).first().to_numpy()
        distinct = _predict(predictor, features.iloc[first].reset_index(drop=True))
        predictions = distinct.iloc[codes].reset_index(drop=True)
    else:
        predictions = _predict(predictor, features)
    out = pd.DataFrame({"contact_id": contacts["contact_id"].astype(str).to_numpy()})
    for col in PREDICTION_COLUMNS:
        out[col] = predictions[col].to_numpy() if n else []
    out["model_name"] = model_name
    out["model_version"] = model_version
    for col in PASSTHROUGH_COLUMNS:
        if col == "clean_text":
            continue
        out[col] = contacts[col].reset_index(drop=True) if col in contacts else None
    if "clean_text" in predictions:
        out["clean_text"] = predictions["clean_text"].to_numpy()
    elif n:
        from nlp.prepare import prepare_contacts

        out["clean_text"] = prepare_contacts(contacts.reset_index(drop=True))["clean_text"].to_numpy()
    else:
        out["clean_text"] = []
    return out


def default_quarantine_path(out: Path) -> Path:
    """``contacts.tags.parquet`` -> ``contacts.tags.quarantine.parquet`` (same folder and format)."""
    return out.with_name(f"{out.stem}.quarantine{out.suffix}")


def staging_folder(out: Path) -> Path:
    """Hidden folder beside ``out`` that holds the part files and manifest of an unfinished run."""
    return out.with_name(f".{out.name}.parts")


def run_identity(
    source: Path, model_name: str, model_version: str, contract: ContractConfig, config: TagConfig
) -> dict[str, Any]:
    """What a resumed run must share with the interrupted one: input, model, chunking, contract."""
    try:
        stat = source.stat()
    except OSError as exc:
        raise InputError(f"{source}: cannot read file: {exc}") from exc
    return {
        "format_version": _FORMAT_VERSION,
        "input": str(source.resolve()),
        "input_size": stat.st_size,
        "input_fingerprint": _file_fingerprint(source),
        "model_name": model_name,
        "model_version": model_version,
        "chunk_size": config.chunk_size,
        "contract": asdict(contract),
        "input_columns": list(config.input_columns),
    }


class Staging:
    """Part files and manifest of one run, in a folder beside the output.

    Layout: ``manifest.json`` (the run's identity and one record per finished chunk),
    ``tags-000007.parquet`` and ``quarantine-000007.parquet`` per chunk. A chunk's record is
    written (atomically, after both part files were renamed into place) only once it is complete.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.identity: dict[str, Any] = {}
        self.chunks: dict[int, dict[str, Any]] = {}

    def open(self, identity: dict[str, Any], *, resume: bool) -> dict[int, dict[str, Any]]:
        """Start a run; on resume return the finished chunks' records by chunk index."""
        manifest = self.folder / MANIFEST
        if resume and manifest.is_file():
            saved = json.loads(manifest.read_text(encoding="utf-8"))
            differ = [k for k in identity if saved["identity"].get(k) != identity[k]]
            if differ:
                detail = "; ".join(
                    f"{k}: was {saved['identity'].get(k)!r}, now {identity[k]!r}" for k in differ
                )
                raise InputError(
                    f"{self.folder}: cannot resume, the interrupted run used a different "
                    f"{', '.join(differ)} ({detail}); rerun without --resume to start over"
                )
            self.identity = identity
            self.chunks = {int(c["index"]): c for c in saved["chunks"]}
            log.info("resuming: %d finished chunks found in %s", len(self.chunks), self.folder)
            return dict(self.chunks)
        if self.folder.exists():
            if not resume:
                log.warning(
                    "discarding an unfinished earlier run in %s (use --resume to continue it)", self.folder
                )
            shutil.rmtree(self.folder)
        self.folder.mkdir(parents=True)
        self.identity = identity
        self._save()
        return {}

    def verify(self, record: dict[str, Any], read: int, accepted: int, quarantined: int) -> bool:
        """Whether a recorded chunk's files are intact and match the re-validated chunk."""
        if (record["read"], record["tagged"], record["quarantined"]) != (read, accepted, quarantined):
            raise InputError(
                f"{self.folder}: chunk {record['index']} of the input changed since the interrupted run "
                f"(read/tagged/quarantined {record['read']}/{record['tagged']}/{record['quarantined']}, "
                f"now {read}/{accepted}/{quarantined}); rerun without --resume"
            )
        for name, digest in record["files"].items():
            path = self.folder / name
            if not path.is_file() or _sha256(path) != digest:
                log.warning("part %s is missing or damaged; chunk %d is tagged again", name, record["index"])
                return False
        return True

    def write_chunk(self, index: int, read: int, tagged: pd.DataFrame, quarantined: pd.DataFrame) -> None:
        """Write a chunk's part files, then record the chunk in the manifest."""
        files = {}
        for name, table in (
            (f"tags-{index:06d}.parquet", _output_table(tagged)),
            (f"quarantine-{index:06d}.parquet", _quarantine_table(quarantined)),
        ):
            path = self.folder / name
            with atomic_path(path) as tmp:
                pq.write_table(table, tmp)
            files[name] = _sha256(path)
        self.chunks[index] = {
            "index": index,
            "read": read,
            "tagged": len(tagged),
            "quarantined": len(quarantined),
            "files": files,
        }
        self._save()

    def combine(self, n_chunks: int, out: Path, quarantine_out: Path) -> None:
        """Stream all parts, in chunk order, into ``out`` and ``quarantine_out`` (atomic renames)."""
        missing = [i for i in range(n_chunks) if i not in self.chunks]
        if missing:  # pragma: no cover - every chunk was just written or verified
            raise RuntimeError(f"{self.folder}: chunks {missing[:5]} were never written")
        tags = [self.folder / f"tags-{i:06d}.parquet" for i in range(n_chunks)]
        quarantine = [self.folder / f"quarantine-{i:06d}.parquet" for i in range(n_chunks)]
        _concat_parts(tags, out, OUTPUT_SCHEMA)
        _concat_parts(quarantine, quarantine_out, _union_schema(quarantine))

    def remove(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)

    def _save(self) -> None:
        manifest = {"identity": self.identity, "chunks": [self.chunks[i] for i in sorted(self.chunks)]}
        write_text(self.folder / MANIFEST, json.dumps(manifest, indent=1, default=str))


# --------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------


def _predict(predictor: Predictor, features: pd.DataFrame) -> pd.DataFrame:
    from training.pyfunc import returns_clean_text

    if returns_clean_text(getattr(getattr(predictor, "metadata", None), "signature", None)):
        result = predictor.predict(features, params={"return_clean_text": True})  # type: ignore[call-arg]
    else:
        result = predictor.predict(features)
    frame = result if isinstance(result, pd.DataFrame) else pd.DataFrame(result)
    missing = [c for c in PREDICTION_COLUMNS if c not in frame]
    if missing:
        raise ValueError(f"the model's predictions lack columns {missing} (got {list(frame.columns)})")
    if len(frame) != len(features):
        raise ValueError(f"the model returned {len(frame)} predictions for {len(features)} contacts")
    return frame.reset_index(drop=True)


def _output_table(df: pd.DataFrame) -> pa.Table:
    out = df.copy()
    if "created_at" in out:
        out["created_at"] = pd.to_datetime(out["created_at"], utc=True).astype("datetime64[us, UTC]")
    for col in ("csat", "nps"):
        out[col] = out[col].astype("Int64")
    out["escalated"] = out["escalated"].astype("boolean")
    out["needs_review"] = out["needs_review"].astype(bool)
    out["confidence"] = out["confidence"].astype("float64")
    for col in ("contact_id", "root_cause", "family", "model_name", "model_version", "channel", "market"):
        out[col] = _text(out[col])
    for col in ("category", "order_stage", "clean_text"):
        out[col] = _text(out[col])
    return pa.Table.from_pandas(out[OUTPUT_SCHEMA.names], schema=OUTPUT_SCHEMA, preserve_index=False)


def _quarantine_table(df: pd.DataFrame) -> pa.Table:
    out = df.copy()
    for col in out.columns:
        if col != "source_row":
            out[col] = _text(out[col])
    fields = [pa.field(c, pa.int64() if c == "source_row" else pa.string()) for c in out.columns]
    if "source_row" not in out:
        out.insert(0, "source_row", pd.Series(dtype="int64"))
        fields.insert(0, pa.field("source_row", pa.int64()))
    return pa.Table.from_pandas(out, schema=pa.schema(fields), preserve_index=False)


def _text(col: pd.Series) -> pd.Series:
    return pd.Series([None if v is None or v is pd.NA or v != v else str(v) for v in col], dtype=object)


def _union_schema(parts: Sequence[Path]) -> pa.Schema:
    names: dict[str, None] = {"source_row": None, "reason": None, "detail": None}
    for part in parts:
        names.update(dict.fromkeys(pq.read_schema(part).names))
    return pa.schema([pa.field(n, pa.int64() if n == "source_row" else pa.string()) for n in names])


def _concat_parts(parts: Sequence[Path], target: Path, schema: pa.Schema) -> None:
    """Concatenate Parquet parts into one Parquet or CSV file, one part in memory at a time."""
    csv = target.suffix.lower() == ".csv"
    with atomic_path(target) as tmp:
        writer = None if csv else pq.ParquetWriter(tmp, schema)
        try:
            header = True
            for part in parts:
                table = _conform(pq.read_table(part), schema)
                if csv:
                    frame = spreadsheet_safe_frame(table.to_pandas())
                    frame.to_csv(tmp, index=False, mode="w" if header else "a", header=header)
                    header = False
                else:
                    assert writer is not None
                    writer.write_table(table)
            if csv and header:
                pd.DataFrame(columns=schema.names).to_csv(tmp, index=False)
        finally:
            if writer is not None:
                writer.close()


def _conform(table: pa.Table, schema: pa.Schema) -> pa.Table:
    columns = [
        table.column(f.name).cast(f.type) if f.name in table.column_names else pa.nulls(len(table), f.type)
        for f in schema
    ]
    return pa.Table.from_arrays(columns, schema=schema)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _file_fingerprint(path: Path, window: int = 1 << 20) -> str:
    """Hash of the size, first and last MiB: catches a replaced file without reading all of it."""
    digest = hashlib.sha256(str(path.stat().st_size).encode())
    with open(path, "rb") as fh:
        digest.update(fh.read(window))
        size = path.stat().st_size
        if size > window:
            fh.seek(max(window, size - window))
            digest.update(fh.read(window))
    return digest.hexdigest()


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


@dataclass(frozen=True)
class ModelRef:
    """A model to stamp on output rows: its URI, registered name and version."""

    uri: str
    name: str
    version: str


def resolve_model(uri: str) -> ModelRef:
    """Name and version behind ``models:/NAME@ALIAS``, ``models:/NAME/VERSION`` or another URI.

    Uses the current MLflow tracking URI (set it first). Other URIs (``runs:/``, a folder) keep the
    URI as name and ``"unregistered"`` as version. Raises :class:`InputError` for an unknown alias.
    """
    if not uri.startswith("models:/"):
        return ModelRef(uri, uri, "unregistered")
    from mlflow import MlflowClient
    from mlflow.exceptions import MlflowException

    spec = uri.removeprefix("models:/").strip("/")
    client = MlflowClient()
    try:
        if "@" in spec:
            name, alias = spec.split("@", 1)
            return ModelRef(uri, name, str(client.get_model_version_by_alias(name, alias).version))
        name, _, version = spec.partition("/")
        if version in ("", "latest"):
            versions = client.search_model_versions(f"name='{name}'")
            if not versions:
                raise InputError(f"{uri}: no registered versions of model {name!r}")
            version = str(max(int(v.version) for v in versions))
        return ModelRef(uri, name, str(client.get_model_version(name, version).version))
    except MlflowException as exc:
        raise InputError(f"{uri}: cannot find this model in the registry: {exc.message}") from exc


def load_predictor(uri: str, model_config: dict[str, Any] | None = None) -> tuple[Any, ModelRef]:
    """Load ``uri`` as an MLflow pyfunc and resolve the name and version to stamp on rows.

    ``model_config`` overrides the logged model config at load time (e.g. ``{"embed_backend":
    "onnx-int8"}`` for a pyfunc that reads it in ``load_context``).
    """
    import mlflow.pyfunc

    ref = resolve_model(uri)
    return mlflow.pyfunc.load_model(ref.uri, model_config=model_config), ref


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
) -> TagSummary:
    """What ``voc tag`` runs: resolve ``model_uri`` (set the MLflow tracking URI first), then tag
    ``input`` into ``out`` with the local engine (streaming, resumable) or on Spark.

    Raises :class:`InputError` for bad input or options that do not fit the engine.
    """
    if engine not in ("local", "spark"):
        raise InputError(f"--engine must be local or spark, got {engine!r}")
    if engine == "spark":
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
        )
    if master:
        raise InputError("--master applies to --engine spark only")
    predictor, ref = load_predictor(model_uri, model_config)
    return tag_file(
        input,
        predictor,
        out,
        model_name=ref.name,
        model_version=ref.version,
        resume=resume,
        config=config,
        tag_config=TagConfig(chunk_size=chunk_size, show_progress=show_progress),
    )
