"""Fast sentence encoders for batch tagging: ONNX Runtime (fp32 or int8) on CPU, torch fp16 on CUDA.

Both return the same vectors as ``SentenceTransformer.encode(..., normalize_embeddings=True)`` of
all-MiniLM-L6-v2 (mean pooling, L2 normalisation; cosine >= 0.99 for int8), float32 of shape
``(n_texts, 384)``, in input order. They are drop-in replacements for the SentenceTransformer object
inside :class:`nlp.embed.Embedder` (``EmbedConfig(backend="onnx-int8")``).

Why it is faster than ``SentenceTransformer.encode`` at default settings on a CPU:

- the transformer runs in ONNX Runtime with fused attention/layer-norm kernels, optionally with
  int8 dynamic quantization of the weights (``onnxruntime.quantization.quantize_dynamic``);
- texts are tokenised once, in one batch call of the Rust ``tokenizers`` library;
- identical texts are encoded once; batches are length-sorted and padded only to their own longest
  text, truncated at ``max_seq_length`` (128 by default: contacts are short after preparation);
- pooling and normalisation are a few NumPy operations.

The ONNX file is exported offline from the installed model package on first use and cached in the
folder the caller names (``FastEncoderConfig.cache_dir``, e.g. ``Workspace.onnx_cache``), keyed by
the model's fingerprint (configs, tokenizer and full weights: :func:`nlp.model_files.model_fingerprint`,
so a fine-tuned copy is exported from its own weights) and the torch/onnxruntime versions; without
one it goes to a temporary folder that lasts as long as the process.

The CUDA path (:class:`CudaEncoder`) uses torch fp16, large length-sorted batches and tokenises the
next batch in a background thread while the GPU runs the current one. It has NOT been measured: no
GPU was available while it was written.
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import logging
import queue
import tempfile
import threading
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np

log = logging.getLogger(__name__)

Precision = Literal["fp32", "int8"]


@dataclass(frozen=True)
class FastEncoderConfig:
    """Settings of the fast encoders.

    Parameters
    ----------
    precision : {"fp32", "int8"}
        ONNX weights; int8 uses dynamic quantization (CPU only).
    max_seq_length : int
        Tokens kept per text (the model's own limit is 256; contacts rarely need more than 128).
    batch_size : int
        Texts per forward pass on CPU (CUDA uses ``cuda_batch_size``).
    cuda_batch_size : int
        Texts per forward pass on a GPU.
    threads : int or None
        ONNX Runtime intra-op threads; ``None`` lets it use every core.
    dedupe : bool
        Encode each distinct text once.
    cache_dir : Path or None
        Folder of exported ONNX files (e.g. ``Workspace.onnx_cache``); ``None``: a temporary folder
        removed when the process exits, so each process exports again.
    """

    precision: Precision = "int8"
    max_seq_length: int = 128
    batch_size: int = 128
    cuda_batch_size: int = 1024
    threads: int | None = None
    dedupe: bool = True
    cache_dir: Path | None = None

    def __post_init__(self) -> None:
        if self.precision not in ("fp32", "int8"):
            raise ValueError(f"precision must be fp32 or int8, got {self.precision!r}")
        if not 8 <= self.max_seq_length <= 512:
            raise ValueError(f"max_seq_length must be in 8..512, got {self.max_seq_length}")
        if self.batch_size < 1 or self.cuda_batch_size < 1:
            raise ValueError("batch sizes must be >= 1")
        if self.threads is not None and self.threads < 1:
            raise ValueError(f"threads must be >= 1 or None, got {self.threads}")


class OnnxEncoder:
    """all-MiniLM-style sentence encoder on ONNX Runtime (CPU).

    Parameters
    ----------
    model_path : Path
        A sentence-transformers model folder (``tokenizer.json``, weights, pooling config).
    config : FastEncoderConfig, optional
    """

    def __init__(self, model_path: str | Path, config: FastEncoderConfig | None = None) -> None:
        self.model_path = Path(model_path)
        self.config = config or FastEncoderConfig()
        self._session: Any = None
        self._tokenizer: Any = None

    def encode(
        self,
        sentences: Sequence[str],
        batch_size: int | None = None,
        show_progress_bar: bool = False,
        convert_to_numpy: bool = True,
        normalize_embeddings: bool = True,
        **_: Any,
    ) -> np.ndarray:
        """Vectors of ``sentences``: float32 array of shape ``(n, dim)``, in input order.

        Accepts the keyword arguments of ``SentenceTransformer.encode`` that ``Embedder`` passes.
        """
        texts = list(sentences)
        batch = self.config.batch_size if batch_size is None else max(batch_size, self.config.batch_size)
        return _encode_unique(
            texts, self.config.dedupe, lambda unique: self._encode(unique, batch, normalize_embeddings)
        )

    def get_sentence_embedding_dimension(self) -> int:
        return int(self.session.get_outputs()[0].shape[-1] or 384)

    @property
    def session(self) -> Any:
        if self._session is None:
            import onnxruntime as ort

            path = onnx_model_file(self.model_path, self.config.precision, self.config.cache_dir)
            options = ort.SessionOptions()
            options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
            options.inter_op_num_threads = 1
            if self.config.threads:
                options.intra_op_num_threads = self.config.threads
            self._session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        return self._session

    @property
    def tokenizer(self) -> Any:
        if self._tokenizer is None:
            self._tokenizer = load_tokenizer(self.model_path, self.config.max_seq_length)
        return self._tokenizer

    def _encode(self, texts: list[str], batch_size: int, normalize: bool) -> np.ndarray:
        names = {i.name for i in self.session.get_inputs()}
        out = np.zeros((len(texts), self.get_sentence_embedding_dimension()), dtype=np.float32)
        for order, ids, mask in _length_sorted_batches(self.tokenizer, texts, batch_size):
            feeds = {"input_ids": ids, "attention_mask": mask}
            if "token_type_ids" in names:
                feeds["token_type_ids"] = np.zeros_like(ids)
            hidden = self.session.run(None, feeds)[0]
            out[order] = _mean_pool(hidden, mask, normalize)
        return out


class CudaEncoder:
    """The same encoder in torch fp16 on a GPU, fed by a tokenising background thread (unmeasured)."""

    def __init__(self, model_path: str | Path, config: FastEncoderConfig | None = None) -> None:
        self.model_path = Path(model_path)
        self.config = config or FastEncoderConfig()
        self._model: Any = None
        self._tokenizer: Any = None

    def get_sentence_embedding_dimension(self) -> int:
        return int(self.model.config.hidden_size)

    @property
    def model(self) -> Any:
        if self._model is None:
            import torch
            from sentence_transformers import SentenceTransformer

            st = SentenceTransformer(str(self.model_path), device="cuda", local_files_only=True)
            model: Any = st[0].auto_model
            self._model = model.to(dtype=torch.float16).eval()
            self._tokenizer = load_tokenizer(self.model_path, self.config.max_seq_length)
        return self._model

    def encode(
        self,
        sentences: Sequence[str],
        batch_size: int | None = None,
        show_progress_bar: bool = False,
        convert_to_numpy: bool = True,
        normalize_embeddings: bool = True,
        **_: Any,
    ) -> np.ndarray:
        """Vectors of ``sentences``: float32 array of shape ``(n, dim)``, in input order."""
        texts = list(sentences)
        return _encode_unique(texts, self.config.dedupe, lambda u: self._encode(u, normalize_embeddings))

    def _encode(self, texts: list[str], normalize: bool) -> np.ndarray:
        import torch

        model = self.model
        out = np.zeros((len(texts), self.get_sentence_embedding_dimension()), dtype=np.float32)
        # Tokenise and pad batch k+1 on a CPU thread (the Rust tokenizer releases the GIL) while the
        # GPU runs batch k; pinned memory lets the copy overlap too.
        batches: queue.Queue[Any] = queue.Queue(maxsize=4)

        def produce() -> None:
            for order, ids, mask in _length_sorted_batches(
                self._tokenizer, texts, self.config.cuda_batch_size
            ):
                batches.put((order, torch.from_numpy(ids).pin_memory(), torch.from_numpy(mask).pin_memory()))
            batches.put(None)

        thread = threading.Thread(target=produce, daemon=True)
        thread.start()
        with torch.inference_mode():
            while (item := batches.get()) is not None:
                order, ids, mask = item
                ids, mask = ids.to("cuda", non_blocking=True), mask.to("cuda", non_blocking=True)
                hidden = model(input_ids=ids, attention_mask=mask).last_hidden_state
                weights = mask.unsqueeze(-1).to(hidden.dtype)
                pooled = (hidden * weights).sum(1).float() / weights.sum(1).float().clamp(min=1e-9)
                if normalize:
                    pooled = torch.nn.functional.normalize(pooled, dim=1)
                out[order] = pooled.cpu().numpy()
        thread.join()
        return out


def fast_encoder(model_path: str | Path, device: str, config: FastEncoderConfig | None = None) -> Any:
    """:class:`CudaEncoder` on ``device="cuda"``, else :class:`OnnxEncoder`."""
    if device == "cuda":
        return CudaEncoder(model_path, config)
    return OnnxEncoder(model_path, config)


def load_tokenizer(model_path: Path, max_seq_length: int) -> Any:
    """The model's fast (Rust) tokenizer, truncating at ``max_seq_length``, without padding."""
    from tokenizers import Tokenizer

    file = model_path / "tokenizer.json"
    if not file.is_file():
        raise FileNotFoundError(f"{file}: the fast encoder needs the model's tokenizer.json")
    tokenizer = Tokenizer.from_file(str(file))
    tokenizer.no_padding()
    tokenizer.enable_truncation(max_length=max_seq_length)
    return tokenizer


def onnx_model_file(model_path: Path, precision: Precision, cache_dir: Path | None = None) -> Path:
    """Path of the cached ONNX export of ``model_path``; exported (and quantized) on first use."""
    import onnxruntime as ort
    import torch

    from nlp.model_files import model_fingerprint

    if cache_dir is None:
        cache_dir = Path(_temporary_cache().name)
    # The full weights are hashed: a fine-tuned copy has its base's configs, sizes and (often)
    # first megabyte, and must be exported anew.
    fingerprint = model_fingerprint(model_path)[:16]
    stem = f"{model_path.name}-{fingerprint}-torch{torch.__version__}-ort{ort.__version__}"
    fp32 = Path(cache_dir) / f"{stem}-fp32.onnx"
    int8 = Path(cache_dir) / f"{stem}-int8pc.onnx"  # pc: per-channel weight scales
    wanted = fp32 if precision == "fp32" else int8
    if not wanted.is_file():
        with _exclusive(Path(cache_dir)):  # another process may be writing them: wait for it
            if not fp32.is_file():
                export_onnx(model_path, fp32)
            if wanted is int8 and not int8.is_file():
                quantize(fp32, int8)
    return wanted


@contextlib.contextmanager
def _exclusive(folder: Path) -> Iterator[None]:
    """One process at a time exports or quantizes into ``folder``.

    ``voc tag --workers`` starts its workers together on a fresh workspace, and each would export;
    the files themselves are written atomically, but onnxruntime's quantizer writes a scratch file
    of a fixed name (``<input>-inferred.onnx``) beside its input and deletes it, so two quantizers
    at once read each other's half-written or deleted file.
    """
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / ".export.lock", "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@functools.cache
def _temporary_cache() -> tempfile.TemporaryDirectory[str]:
    # Held by the cache for the life of the process; its finaliser removes it at exit.
    folder = tempfile.TemporaryDirectory(prefix="voc-onnx-")
    log.warning("no ONNX cache folder given: exporting into %s for this process only", folder.name)
    return folder


def export_onnx(model_path: Path, target: Path) -> Path:
    """Export the transformer of a sentence-transformers folder to ONNX (dynamic batch and length).

    The graph maps ``input_ids``, ``attention_mask``, ``token_type_ids`` of shape ``(batch, seq)``
    to ``last_hidden_state`` of shape ``(batch, seq, dim)``; pooling is done outside. Offline.
    """
    import torch
    from sentence_transformers import SentenceTransformer

    from voc.files import atomic_path

    log.info("exporting %s to ONNX (once; cached at %s)", model_path.name, target)
    transformer: Any = SentenceTransformer(str(model_path), device="cpu", local_files_only=True)[0].auto_model
    transformer = transformer.eval()

    class LastHiddenState(torch.nn.Module):
        def __init__(self, model: Any) -> None:
            super().__init__()
            self.model = model

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            return self.model(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state

    ids = torch.ones((2, 16), dtype=torch.long)
    axes = {0: "batch", 1: "sequence"}
    # The TorchScript exporter warns about tracing details that do not apply to this graph (index
    # ops with non-negative indices, a bool cast of the sequence length); it was checked against
    # SentenceTransformer.encode in tests/test_onnx_encoder.py.
    with atomic_path(target) as tmp, torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            LastHiddenState(transformer),
            (ids, torch.ones_like(ids), torch.zeros_like(ids)),
            str(tmp),
            input_names=["input_ids", "attention_mask", "token_type_ids"],
            output_names=["last_hidden_state"],
            dynamic_axes={"input_ids": axes, "attention_mask": axes, "token_type_ids": axes},
            opset_version=17,
            dynamo=False,
        )
    return target


def quantize(source: Path, target: Path) -> Path:
    """Dynamic int8 quantization of an ONNX model's weights (activations quantized at run time).

    Per-channel scales: with one scale per tensor, BANKING77 accuracy dropped 1.0 point (92.95 ->
    91.92); per channel it stays within 0.1 point (92.89).
    """
    from onnxruntime.quantization import QuantType, quantize_dynamic

    from voc.files import atomic_path

    log.info("quantizing %s to int8", source.name)
    root = logging.getLogger()
    level = root.level
    # the quantizer logs one INFO line per tensor, and a pre-processing hint, to the root logger
    root.setLevel(max(level, logging.ERROR))
    try:
        with atomic_path(target) as tmp:
            quantize_dynamic(str(source), str(tmp), weight_type=QuantType.QInt8, per_channel=True)
    finally:
        root.setLevel(level)
    return target


# --------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------


def _encode_unique(texts: list[str], dedupe: bool, encode: Any) -> np.ndarray:
    if not texts:
        return np.zeros((0, 384), dtype=np.float32)
    if not dedupe:
        return np.asarray(encode(texts), dtype=np.float32)
    index: dict[str, int] = {}
    codes = np.fromiter((index.setdefault(t, len(index)) for t in texts), dtype=np.int64, count=len(texts))
    unique = list(index)
    vectors = np.asarray(encode(unique), dtype=np.float32)
    return vectors if len(unique) == len(texts) else vectors[codes]


def _length_sorted_batches(
    tokenizer: Any, texts: list[str], batch_size: int
) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Yield ``(positions, input_ids, attention_mask)`` batches of similar length, padded per batch.

    A batch ends at ``batch_size`` texts or where the next text is longer than its shortest by more
    than ``_PAD_SLACK`` (and 4 tokens): padding costs as much as real tokens. Few texts at once
    (the cascade's deferred contacts, a dozen per call, 32 tokens median) padded to their longest
    ran at 6.3-6.6 ms a text on one core; in batches of like lengths at 4.0-4.4 ms, since the
    forward pass costs about the same per text from batches of 2 up.
    """
    encodings = tokenizer.encode_batch(texts, add_special_tokens=True)
    lengths = np.fromiter((len(e.ids) for e in encodings), dtype=np.int64, count=len(encodings))
    order = np.argsort(lengths, kind="stable")
    start = 0
    while start < len(order):
        limit = lengths[order[start]] * _PAD_SLACK + 4
        stop = min(start + batch_size, len(order))
        stop = start + 1 + int(np.searchsorted(lengths[order[start + 1 : stop]], limit, side="right"))
        positions = order[start:stop]
        width = int(lengths[positions[-1]])
        ids = np.zeros((len(positions), width), dtype=np.int64)
        mask = np.zeros((len(positions), width), dtype=np.int64)
        for row, pos in enumerate(positions):
            tokens = encodings[pos].ids
            ids[row, : len(tokens)] = tokens
            mask[row, : len(tokens)] = 1
        yield positions, ids, mask
        start = stop


_PAD_SLACK = 1.1


def _mean_pool(hidden: np.ndarray, mask: np.ndarray, normalize: bool) -> np.ndarray:
    """Mean of token vectors where ``mask`` is 1: ``(b, seq, dim), (b, seq) -> (b, dim)``."""
    weights = mask[..., None].astype(np.float32)
    pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
    if normalize:
        pooled /= np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None)
    return pooled.astype(np.float32, copy=False)
