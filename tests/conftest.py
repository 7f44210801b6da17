"""Shared fixtures: tiny real data; no network (HF offline)."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from nlp.embed import Embedder

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("MLFLOW_ENABLE_TELEMETRY", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")


@pytest.fixture(scope="session")
def embedder(tmp_path_factory: pytest.TempPathFactory) -> Embedder:
    """The real offline MiniLM, loaded once per test session, caching into a temporary folder."""
    from nlp.embed import EmbedConfig, Embedder

    cache = tmp_path_factory.mktemp("embeddings")
    model = Embedder(EmbedConfig(cache_dir=cache, show_progress=False))
    _ = model.model  # load now, so the first test that uses it is not billed for the load
    return model
