"""The staging folder of a local tagging run: part files per chunk and the manifest that makes resume safe.

A run writes, in a hidden folder beside its output (:func:`staging_folder`), one tagged part and one
quarantine part per chunk and a ``manifest.json`` holding the run's identity (:func:`run_identity`:
input file, model, chunk size, contract) and one record per finished chunk. A chunk is recorded
only after both its parts were renamed into place, so after a crash (even ``kill -9``) the
recorded chunks are complete and a resumed run redoes only the others. A resume whose identity
differs from the interrupted run's is refused with an :class:`InputError` naming each field.
"""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
from dataclasses import asdict
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow.parquet as pq

from training.tagging.output import concat_parts, output_table, quarantine_schema, quarantine_table
from voc.contracts.reading import ContractConfig
from voc.contracts.tagged import TAGGED_SCHEMA
from voc.errors import InputError
from voc.files import atomic_path, write_text

log = logging.getLogger(__name__)

MANIFEST = "manifest.json"
# 2: the contract no longer repeats chunk_size; 3: the input's full SHA-256; 4: the order-key secret
_FORMAT_VERSION = 4


def staging_folder(out: Path) -> Path:
    """Hidden folder beside ``out`` that holds the part files and manifest of an unfinished run."""
    return out.with_name(f".{out.name}.parts")


def run_identity(
    source: Path,
    model_name: str,
    model_version: str,
    contract: ContractConfig,
    chunk_size: int,
    input_columns: tuple[str, ...],
    order_key: str | None = None,
) -> dict[str, Any]:
    """What a resumed run must share with the interrupted one: input, model, chunking, contract,
    and the order-key secret (``order_key``: its fingerprint), so one output never mixes two
    workspaces' pseudonyms.

    Raises :class:`InputError` when ``source`` cannot be read.
    """
    try:
        stat = source.stat()
    except OSError as exc:
        raise InputError(f"{source}: cannot read file: {exc}") from exc
    # chunk_size is its own field, so that a refused resume names it once, as the user typed it.
    rules = {k: v for k, v in asdict(contract).items() if k != "chunk_size"}
    return {
        "format_version": _FORMAT_VERSION,
        "input": str(source.resolve()),
        "input_size": stat.st_size,
        # The whole content, streamed: a changed id in the middle of a same-size file is caught.
        "input_sha256": file_sha256(source),
        "model_name": model_name,
        "model_version": model_version,
        "chunk_size": chunk_size,
        "contract": rules,
        "input_columns": list(input_columns),
        "order_key": order_key,
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
        """Start a run; on resume return the finished chunks' records by chunk index.

        Raises :class:`InputError` when resuming a run whose identity differs (the message names
        each differing field with its old and new value).
        """
        manifest = self.folder / MANIFEST
        if resume and manifest.is_file():
            try:
                saved = json.loads(manifest.read_text(encoding="utf-8"))
                saved_chunks = [dict(c, index=int(c["index"])) for c in saved["chunks"]]
                if not isinstance(saved["identity"], dict):
                    raise TypeError("identity is not an object")
            except (ValueError, KeyError, TypeError, UnicodeDecodeError) as exc:
                raise InputError(
                    f"{manifest}: the resume manifest is damaged ({type(exc).__name__}: {exc}); "
                    "rerun without --resume to start over"
                ) from exc
            differ = [k for k in identity if saved["identity"].get(k) != identity[k]]
            if differ:
                detail = "; ".join(
                    f"{k}: the content of {identity['input']} changed since the interrupted run"
                    if k == "input_sha256"
                    else f"{k}: was {saved['identity'].get(k)!r}, now {identity[k]!r}"
                    for k in differ
                )
                raise InputError(
                    f"{self.folder}: cannot resume, the interrupted run used a different "
                    f"{', '.join(differ)} ({detail}); rerun without --resume to start over"
                )
            self.identity = identity
            self.chunks = {c["index"]: c for c in saved_chunks}
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
        """Whether a recorded chunk's files are intact and match the re-validated chunk.

        Raises :class:`InputError` when the chunk's counts changed (the input was edited).
        """
        if (record["read"], record["tagged"], record["quarantined"]) != (read, accepted, quarantined):
            raise InputError(
                f"{self.folder}: chunk {record['index']} of the input changed since the interrupted run "
                f"(read/tagged/quarantined {record['read']}/{record['tagged']}/{record['quarantined']}, "
                f"now {read}/{accepted}/{quarantined}); rerun without --resume"
            )
        for name, digest in record["files"].items():
            path = self.folder / name
            if not path.is_file() or file_sha256(path) != digest:
                log.warning("part %s is missing or damaged; chunk %d is tagged again", name, record["index"])
                return False
        return True

    def write_chunk(self, index: int, read: int, tagged: pd.DataFrame, quarantined: pd.DataFrame) -> None:
        """Write a chunk's part files, then record the chunk in the manifest."""
        files = {}
        for name, table in (
            (f"tags-{index:06d}.parquet", output_table(tagged)),
            (f"quarantine-{index:06d}.parquet", quarantine_table(quarantined)),
        ):
            path = self.folder / name
            with atomic_path(path) as tmp:
                pq.write_table(table, tmp)
            files[name] = file_sha256(path)
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
        # both or neither: a full disk never leaves the tags without their quarantine
        concat_parts(
            [(tags, out, TAGGED_SCHEMA), (quarantine, quarantine_out, quarantine_schema(quarantine))]
        )

    def remove(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)

    def _save(self) -> None:
        manifest = {"identity": self.identity, "chunks": [self.chunks[i] for i in sorted(self.chunks)]}
        write_text(self.folder / MANIFEST, json.dumps(manifest, indent=1, default=str))


def file_sha256(path: Path) -> str:
    """SHA-256 of the whole file, read in 1 MiB blocks (about 2 s per GiB here)."""
    try:
        with open(path, "rb") as fh:
            return hashlib.file_digest(fh, "sha256").hexdigest()
    except OSError as exc:
        raise InputError(f"{path}: cannot read file: {exc}") from exc
