"""Where generated files live: one workspace folder per project checkout.

The workspace holds generated data (``data/raw``, ``data/interim``, ``data/processed``), the
embedding cache, the SQLite MLflow store and its artifacts, rendered reports, and ``secrets/``
(the key of the pseudonymous order keys, :meth:`Workspace.order_key_secret`). It defaults to
``workspace/`` in the checkout (git-ignored); ``VOC_WORKSPACE`` or the CLI's ``--workspace`` move it.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from voc.errors import InputError

ENV_VAR = "VOC_WORKSPACE"
ORDER_KEY_SECRET = "order_key.secret"
_SECRET_BYTES = 32
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
    def encoder_cache(self) -> Path:
        """Fine-tuned encoders fetched from registered models (``voc discover --encoder``)."""
        return self.root / "cache" / "encoders"

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
        from voc.taxonomy import current_taxonomy_file  # not at import: `voc --help` needs no pandas

        return current_taxonomy_file(self.taxonomy_dir)

    @property
    def tracking_uri(self) -> str:
        """``$MLFLOW_TRACKING_URI`` when set (a real server), else the workspace's SQLite store."""
        return os.environ.get("MLFLOW_TRACKING_URI") or f"sqlite:///{self.mlflow_db}"

    @property
    def secrets(self) -> Path:
        """Keys that must stay in the workspace (``0700``): never copy them into reports or MLflow."""
        return self.root / "secrets"

    def order_key_secret(self) -> bytes:
        """The workspace's key for pseudonymous order keys: 32 random bytes, made on first use.

        ``voc tag`` keys ``HMAC-SHA256(secret, order_id)`` with it
        (:func:`voc.contracts.tagged.order_keys`), so the same order gets the same key in every run
        of this workspace and a key cannot be turned back into the order id without the secret.
        Two processes asking at once get the same secret: the file is written beside its place and
        linked in, which fails when another process got there first. Raises ``OSError`` when the
        workspace is not writable, :class:`~voc.errors.InputError` when the file is not a secret
        this wrote.
        """
        path = self.secrets / ORDER_KEY_SECRET
        if not path.is_file():
            self.secrets.mkdir(mode=0o700, parents=True, exist_ok=True)
            tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            try:
                with os.fdopen(fd, "wb") as fh:
                    fh.write(secrets.token_bytes(_SECRET_BYTES))
                with contextlib.suppress(FileExistsError):  # another process made it first: use that
                    os.link(tmp, path)
            finally:
                tmp.unlink(missing_ok=True)
        secret = path.read_bytes()
        if len(secret) != _SECRET_BYTES:
            raise InputError(
                f"{path}: not an order-key secret ({len(secret)} bytes, expected {_SECRET_BYTES}); "
                "restore it from a backup (a new one changes every order key)"
            )
        return secret

    def ensure(self) -> Workspace:
        for folder in (self.raw, self.interim, self.processed, self.embedding_cache, self.reports):
            folder.mkdir(parents=True, exist_ok=True)
        return self
