"""Embedding backends on CPU: sentence-transformers (torch) vs ONNX Runtime fp32 and int8.

sentence-transformers' own ``backend="onnx"`` needs ``optimum``, whose onnxruntime extra pins
transformers 4.x and breaks sentence-transformers 6, so the MiniLM is exported here with
``torch.onnx`` and run with ``onnxruntime`` directly (mean pooling and normalisation in NumPy);
int8 is ONNX Runtime's dynamic quantisation. Reported: encode throughput (same process, same
texts, ratios to torch) and downstream accuracy: logistic regression trained on 3,000 BANKING77
train texts, scored on the 3,080 test texts, with each backend's embeddings. Opt-in:
``python -m benchmarks --only backends``.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd


def run(args: argparse.Namespace) -> dict[str, Any]:
    from sklearn.linear_model import LogisticRegression

    from nlp.embed import EmbedConfig, Embedder

    folder = Path(args.banking77)
    train = pd.read_csv(folder / "train.csv").sample(3000, random_state=0)
    test = pd.read_csv(folder / "test.csv")
    texts = train["text"].tolist() + test["text"].tolist()
    embedder = Embedder(EmbedConfig(show_progress=False, device="cpu"))
    st = embedder.model
    speed_texts = test["text"].tolist()[:1000]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        fp32 = export_onnx(st, Path(tmp) / "minilm.onnx")
        int8 = quantize(fp32, Path(tmp) / "minilm-int8.onnx")
        encoders = {
            "torch (sentence-transformers)": lambda t: embedder.encode(t),
            "onnxruntime fp32": OnnxEncoder(st, fp32).encode,
            "onnxruntime int8 (dynamic)": OnnxEncoder(st, int8).encode,
        }
        for name, encode in encoders.items():
            encode(speed_texts[:64])  # warm-up
            started = time.perf_counter()
            encode(speed_texts)
            seconds = time.perf_counter() - started
            X = encode(texts)
            clf = LogisticRegression(max_iter=2000).fit(X[: len(train)], train["category"])
            accuracy = float((clf.predict(X[len(train) :]) == test["category"].to_numpy()).mean())
            rows.append({"backend": name, "texts_per_s": len(speed_texts) / seconds, "accuracy": accuracy})
    for row in rows:
        row["speedup"] = row["texts_per_s"] / rows[0]["texts_per_s"]
        row["accuracy_delta_points"] = 100 * (row["accuracy"] - rows[0]["accuracy"])
    return {
        "title": "embedding backends on CPU (1,000 texts; LR 3,000 train -> 3,080 test)",
        "rows": rows,
        "notes": ["a backend becomes the default only if accuracy stays within 0.5 point of torch"],
    }


class OnnxEncoder:
    """MiniLM through ONNX Runtime: tokenise, run, mean-pool over the attention mask, normalise."""

    def __init__(self, st_model: Any, path: Path, batch_size: int = 64) -> None:
        import onnxruntime as ort

        self.tokenizer = st_model.tokenizer
        self.max_length = st_model.max_seq_length
        self.session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
        self.inputs = {i.name for i in self.session.get_inputs()}
        self.batch_size = batch_size

    def encode(self, texts: list[str]) -> np.ndarray:
        out = []
        for start in range(0, len(texts), self.batch_size):
            batch = self.tokenizer(
                texts[start : start + self.batch_size],
                padding=True,
                truncation=True,
                max_length=self.max_length,
                return_tensors="np",
            )
            feeds = {k: v.astype(np.int64) for k, v in batch.items() if k in self.inputs}
            hidden = self.session.run(None, feeds)[0]
            mask = feeds["attention_mask"][..., None].astype(np.float32)
            pooled = (hidden * mask).sum(axis=1) / np.maximum(mask.sum(axis=1), 1e-9)
            out.append(pooled / np.linalg.norm(pooled, axis=1, keepdims=True))
        return np.concatenate(out).astype(np.float32)


def export_onnx(st_model: Any, path: Path) -> Path:
    """Export the transformer of a SentenceTransformer (token embeddings out) with ``torch.onnx``."""
    import torch

    class TokenEmbeddings(torch.nn.Module):
        def __init__(self, model: Any) -> None:
            super().__init__()
            self.model = model

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            return self.model(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state

    transformer = TokenEmbeddings(st_model[0].auto_model.eval())
    sample = st_model.tokenizer(["an example sentence"], return_tensors="pt")
    names = ["input_ids", "attention_mask", "token_type_ids"]
    axes = {n: {0: "batch", 1: "tokens"} for n in names}
    axes["last_hidden_state"] = {0: "batch", 1: "tokens"}
    with torch.no_grad():
        torch.onnx.export(
            transformer,
            (sample["input_ids"], sample["attention_mask"], sample["token_type_ids"]),
            str(path),
            input_names=names,
            output_names=["last_hidden_state"],
            dynamic_axes=axes,
            opset_version=17,
            dynamo=False,
        )
    return path


def quantize(source: Path, target: Path) -> Path:
    """Dynamic int8 quantisation of the weights (activations quantised on the fly)."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    quantize_dynamic(str(source), str(target), weight_type=QuantType.QInt8)
    return target
