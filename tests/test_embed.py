"""The embedder: real MiniLM vectors, and a cache that spares the model on a second run."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest

from nlp.embed import EmbedConfig, Embedder, EmbeddingCache


class CountingModel:
    """Stands in for SentenceTransformer: deterministic vectors, counts the texts it encodes."""

    def __init__(self) -> None:
        self.encoded = 0

    def get_sentence_embedding_dimension(self) -> int:
        return 8

    def encode(self, texts: list[str], **_: object) -> np.ndarray:
        self.encoded += len(texts)
        seeds = [int(hashlib.md5(t.encode()).hexdigest()[:8], 16) for t in texts]
        return np.stack([np.random.default_rng(s).normal(size=8) for s in seeds]).astype(np.float32)


def test_second_run_comes_from_cache_without_the_model(tmp_path):
    texts = [f"my parcel {i} never arrived" for i in range(50)] + ["my parcel 0 never arrived"]
    model = CountingModel()
    first = Embedder(EmbedConfig(cache_dir=tmp_path, show_progress=False), model=model).encode(texts)
    assert model.encoded == 50  # the duplicate is encoded once

    class Unloadable(Embedder):
        @property
        def model(self):  # a fully cached run must never load the model
            raise AssertionError("model loaded on a cached run")

    second = Unloadable(EmbedConfig(cache_dir=tmp_path, show_progress=False)).encode(texts)
    np.testing.assert_array_equal(first, second)
    assert second.dtype == np.float32 and second.shape == (51, 8)


def test_read_only_cache_serves_known_texts_and_stores_nothing_new(tmp_path):
    # What tagging does: vectors training computed come back, a stream of new contacts is not kept.
    known = [f"parcel {i} arrived damaged" for i in range(20)]
    writer = CountingModel()
    stored = Embedder(EmbedConfig(cache_dir=tmp_path, show_progress=False), model=writer).encode(known)
    shards = sorted(tmp_path.rglob("*.keys.npy"))
    reader = CountingModel()
    tagger = Embedder(EmbedConfig(cache_dir=tmp_path, show_progress=False, cache_write=False), model=reader)
    fresh = [f"new contact {i} about a late refund" for i in range(5)]
    for _ in range(3):  # batch after batch, as a tagging run calls it
        got = tagger.encode(known[:10] + fresh)
        np.testing.assert_array_equal(got[:10], stored[:10])
    assert reader.encoded == 15  # only the new texts, each batch (none of them was stored)
    assert sorted(tmp_path.rglob("*.keys.npy")) == shards


def test_cache_index_follows_a_compaction(tmp_path):
    # A reader that indexed the shards before another process merged them still finds every vector.
    cache = EmbeddingCache(tmp_path, "m", max_shards=100)
    keys = [hashlib.sha256(bytes([i])).hexdigest() for i in range(6)]
    for i, key in enumerate(keys):
        cache.put_many({key: np.full(4, i, dtype=np.float32)})
    reader = EmbeddingCache(tmp_path, "m")
    assert len(reader.get_many(keys)) == 6
    cache.compact()
    found = reader.get_many(keys)
    assert {k: float(v[0]) for k, v in found.items()} == {k: float(i) for i, k in enumerate(keys)}


def test_cache_files_hold_no_text(tmp_path):
    secret = "refund to jane.doe@example.com please"
    Embedder(EmbedConfig(cache_dir=tmp_path), model=CountingModel()).encode([secret])
    for file in tmp_path.rglob("*"):
        if file.is_file():
            assert b"jane.doe" not in file.read_bytes()
            assert "jane" not in file.name


def test_cache_keeps_keys_with_trailing_zero_bytes_and_compacts(tmp_path):
    cache = EmbeddingCache(tmp_path, "m", max_shards=3)
    keys = [
        "ab" * 31 + "00",
        "00" * 32,
        "ff" * 32,
        *(hashlib.sha256(bytes([i])).hexdigest() for i in range(5)),
    ]
    for i, key in enumerate(keys):  # one shard per put, compacted past 3
        cache.put_many({key: np.full(4, i, dtype=np.float32)})
    assert len(list(tmp_path.rglob("*.keys.npy"))) <= 3
    found = cache.get_many(keys)
    assert {k: float(v[0]) for k, v in found.items()} == {k: float(i) for i, k in enumerate(keys)}


@pytest.mark.slow
def test_real_model_gives_normalised_vectors_with_meaningful_similarity(embedder):
    vectors = embedder.encode(
        ["I want a refund for my order", "please give me my money back", "the app crashes at login"]
    )
    assert vectors.shape == (3, 384)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2]
