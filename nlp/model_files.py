"""What identifies a sentence-transformers model folder: the fingerprint every cache is keyed by.

A fine-tuned copy shares every config file with its base and differs in its weights alone, so the
fingerprint hashes the full bytes of the configs, the tokenizer and the weights
(:func:`model_fingerprint`). The embedding cache (:mod:`nlp.embed`), the ONNX exports
(:mod:`nlp.onnx_encoder`) and the static encoder (:mod:`nlp.static_encoder`) all use it.
"""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path

# What identifies a sentence-transformers folder's vectors: its configs, tokenizer and weights.
_FINGERPRINTED = (
    "config.json",
    "modules.json",
    "sentence_bert_config.json",
    "tokenizer.json",
    "1_Pooling/config.json",
    "model.safetensors",
    "pytorch_model.bin",
)
_WEIGHTS = ("model.safetensors", "pytorch_model.bin")


def model_fingerprint(model_path: str | Path) -> str:
    """Hex SHA-256 of a model folder's config, tokenizer and weight files (their full bytes).

    Two folders get the same fingerprint only when they would give the same vectors, whatever
    their names: a fine-tuned copy of a model differs from it in its weights alone. Hashing 90 MB
    of MiniLM weights takes a fraction of a second; the result is remembered per file path, size
    and modification time, so a process hashes each folder once. Raises ``FileNotFoundError``
    when the folder holds no weights file.
    """
    path = Path(model_path).resolve()
    stamps = []
    for name in _FINGERPRINTED:
        file = path / name
        if file.is_file():
            stat = file.stat()
            stamps.append((name, stat.st_size, stat.st_mtime_ns))
    if not any(name in _WEIGHTS for name, _, _ in stamps):
        # Without weights there is nothing to tell two models apart: never key a cache on that.
        raise FileNotFoundError(f"{path}: no model weights ({' or '.join(_WEIGHTS)}) to fingerprint")
    return _fingerprint(path, tuple(stamps))


@functools.lru_cache(maxsize=64)
def _fingerprint(path: Path, stamps: tuple[tuple[str, int, int], ...]) -> str:
    digest = hashlib.sha256()
    for name, _, _ in stamps:
        digest.update(name.encode() + b"\x00")
        with open(path / name, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 22), b""):
                digest.update(block)
    return digest.hexdigest()
