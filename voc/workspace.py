"""Where generated files live: one workspace folder per project checkout.

The workspace holds generated data (``data/raw``, ``data/interim``, ``data/processed``), the
embedding cache, the SQLite MLflow store and its artifacts, and rendered reports. It defaults to
``workspace/`` in the checkout (git-ignored); ``VOC_WORKSPACE`` or the CLI's ``--workspace`` move it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from voc.taxonomy import current_taxonomy_file

ENV_VAR = "VOC_WORKSPACE"
_CHECKOUT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Workspace:
    root: Path

    @classmethod
    def resolve(cls, path: str | Path | None = None) -> Workspace:
        """``path``, else ``$VOC_WORKSPACE``, else ``workspace/`` in the checkout (or the cwd)."""
        chosen = path or os.environ.get(ENV_VAR)
        if chosen:
            return cls(Path(chosen).expanduser().resolve())
        base = _CHECKOUT if (_CHECKOUT / "pyproject.toml").is_file() else Path.cwd()
        return cls(base / "workspace")

    @property
    def raw(self) -> Path:
        return self.root / "data" / "raw"

    @property
    def interim(self) -> Path:
        return self.root / "data" / "interim"

    @property
    def processed(self) -> Path:
        return self.root / "data" / "processed"

    @property
    def embedding_cache(self) -> Path:
        return self.root / "cache" / "embeddings"

    @property
    def onnx_cache(self) -> Path:
        """ONNX exports of the embedding model (the ``onnx`` embedding backends)."""
        return self.root / "cache" / "onnx"

    @property
    def static_cache(self) -> Path:
        """Static embedding tables distilled from the embedding model (``nlp.static_encoder``)."""
        return self.root / "cache" / "static"

    @property
    def reports(self) -> Path:
        return self.root / "reports"

    @property
    def mlflow_db(self) -> Path:
        return self.root / "mlflow.db"

    @property
    def mlflow_artifacts(self) -> Path:
        return self.root / "mlartifacts"

    @property
    def taxonomy_dir(self) -> Path:
        """Taxonomy versions made here (accepted proposals): ``taxonomy-<n>.yaml``."""
        return self.root / "taxonomy"

    @property
    def taxonomy_file(self) -> Path:
        """The workspace's current taxonomy: its newest version, else the bundled one."""
        return current_taxonomy_file(self.taxonomy_dir)

    @property
    def tracking_uri(self) -> str:
        """``$MLFLOW_TRACKING_URI`` when set (a real server), else the workspace's SQLite store."""
        return os.environ.get("MLFLOW_TRACKING_URI") or f"sqlite:///{self.mlflow_db}"

    def ensure(self) -> Workspace:
        for folder in (self.raw, self.interim, self.processed, self.embedding_cache, self.reports):
            folder.mkdir(parents=True, exist_ok=True)
        return self
