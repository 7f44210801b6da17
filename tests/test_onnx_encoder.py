"""Fast encoder: same vectors as SentenceTransformer (cosine >= 0.99), in input order, cached export."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from nlp.embed import EmbedConfig, Embedder, default_model_path
from nlp.onnx_encoder import FastEncoderConfig, OnnxEncoder, _length_sorted_batches, _mean_pool

TEXTS = [
    "my parcel is three days late",
    "refund please",
    "you charged me twice for the same order and nobody answers my emails, this is the third time I ask",
    "refund please",
    "wrong size",
    "",
]


def test_mean_pool_ignores_padding_and_normalises() -> None:
    hidden = np.array([[[1.0, 0.0], [3.0, 0.0], [100.0, 100.0]]], dtype=np.float32)
    mask = np.array([[1, 1, 0]])
    np.testing.assert_allclose(_mean_pool(hidden, mask, normalize=False), [[2.0, 0.0]])
    np.testing.assert_allclose(_mean_pool(hidden, mask, normalize=True), [[1.0, 0.0]])


class _WordTokenizer:
    """One id per word, as the model's tokenizer gives one or more per word."""

    def encode_batch(self, texts: list[str], add_special_tokens: bool = True) -> list[object]:
        return [type("Encoding", (), {"ids": [7] * (len(t.split()) + 2)}) for t in texts]


def test_batches_hold_texts_of_like_length_so_that_few_pad_tokens_are_computed() -> None:
    # a dozen deferred contacts of very different lengths: one batch would pad all to 102 tokens
    lengths = [30, 100, 12, 31, 64, 13, 33, 98, 60, 12, 35, 70]
    texts = [" ".join(["w"] * n) for n in lengths]
    batches = list(_length_sorted_batches(_WordTokenizer(), texts, batch_size=4))
    positions = np.concatenate([p for p, _, _ in batches])
    assert sorted(positions.tolist()) == list(range(len(texts)))  # each text once
    for p, ids, mask in batches:
        assert len(p) <= 4
        assert mask.sum(axis=1).tolist() == [lengths[i] + 2 for i in p]  # rows in their texts' order
        assert ids.shape[1] == max(lengths[i] for i in p) + 2
    padded = sum(ids.size for _, ids, _ in batches)
    assert padded <= 1.15 * (sum(lengths) + 2 * len(lengths))
    # like lengths still share a batch, up to batch_size
    same = list(_length_sorted_batches(_WordTokenizer(), ["a b c"] * 10, batch_size=4))
    assert [len(p) for p, _, _ in same] == [4, 4, 2]


def test_config_rejects_bad_values() -> None:
    with pytest.raises(ValueError, match="precision"):
        FastEncoderConfig(precision="int4")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="backend"):
        EmbedConfig(backend="tensorrt")  # type: ignore[arg-type]


@pytest.mark.slow
@pytest.mark.parametrize("precision", ["fp32", "int8"])
def test_onnx_vectors_match_sentence_transformers(
    precision: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    from sentence_transformers import SentenceTransformer

    cache = tmp_path_factory.getbasetemp() / "onnx-cache"
    st = SentenceTransformer(str(default_model_path()), device="cpu", local_files_only=True)
    expected = st.encode(TEXTS, normalize_embeddings=True)
    encoder = OnnxEncoder(default_model_path(), FastEncoderConfig(precision=precision, cache_dir=cache))  # type: ignore[arg-type]
    got = encoder.encode(TEXTS)
    assert got.shape == (len(TEXTS), 384) and got.dtype == np.float32
    cosine = (got * expected).sum(axis=1)
    # fp32 is the same network. int8 (per-channel) is an approximation: mean 0.993, min 0.98 over
    # BANKING77's test set with accuracy within 0.1 point; very short texts (here "") drift most.
    assert cosine.min() >= (0.9999 if precision == "fp32" else 0.97), cosine
    np.testing.assert_array_equal(got[1], got[3])  # duplicates share one vector, order kept
    assert len(list(Path(cache).glob(f"*-{precision}*.onnx"))) == 1  # exported once, then reused


@pytest.mark.slow
def test_embedder_backend_uses_fast_encoder_with_its_own_cache_keys(
    tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    onnx_cache = tmp_path_factory.getbasetemp() / "onnx-cache"  # shared with the test above
    fast = Embedder(
        EmbedConfig(
            backend="onnx-int8",
            cache_dir=tmp_path,
            onnx_cache_dir=onnx_cache,
            device="cpu",
            show_progress=False,
        )
    )
    torch = Embedder(EmbedConfig(cache_dir=tmp_path, device="cpu", show_progress=False))
    assert fast.model_id != torch.model_id
    vectors = fast.encode(TEXTS[:3])
    assert vectors.shape == (3, 384)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    assert list(onnx_cache.glob("*-int8*.onnx"))  # the export went where the config said


def test_workers_starting_together_export_and_quantize_once_one_at_a_time(
    tmp_path: Path, monkeypatch
) -> None:
    import threading
    import time

    from nlp import onnx_encoder

    active, most, calls = [0], [0], []
    guard = threading.Lock()

    def slow_write(name: str):
        def write(source: Path, target: Path) -> Path:
            with guard:
                active[0] += 1
                most[0] = max(most[0], active[0])
                calls.append(name)
            time.sleep(0.2)  # long enough for the other worker to arrive
            Path(target).write_bytes(b"onnx")
            with guard:
                active[0] -= 1
            return Path(target)

        return write

    monkeypatch.setattr(onnx_encoder, "export_onnx", slow_write("export"))
    monkeypatch.setattr(onnx_encoder, "quantize", slow_write("quantize"))
    got: list[Path] = []
    workers = [
        threading.Thread(
            target=lambda: got.append(onnx_encoder.onnx_model_file(default_model_path(), "int8", tmp_path))
        )
        for _ in range(2)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    # onnxruntime's quantizer writes a fixed-name scratch file beside its input: never two at once.
    assert most[0] == 1 and calls == ["export", "quantize"]
    assert len(got) == 2 and got[0] == got[1] and got[0].read_bytes() == b"onnx"
