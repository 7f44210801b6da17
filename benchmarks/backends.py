"""Embedding backends on CPU: sentence-transformers (torch) vs ONNX Runtime fp32 and int8.

sentence-transformers' own ``backend="onnx"`` needs ``optimum``, whose onnxruntime extra pins
transformers 4.x and breaks sentence-transformers 6, so the encoders measured are the project's own
(:mod:`nlp.onnx_encoder`: MiniLM exported with ``torch.onnx``, run with ``onnxruntime``, int8 by
dynamic per-channel quantisation), the ones ``EmbedConfig(backend="onnx" | "onnx-int8")`` use.
Reported: encode throughput (same process, same texts, ratios to torch; dedupe off, so only the
runtime differs) and downstream accuracy: logistic regression trained on 3,000 BANKING77 train
texts, scored on the 3,080 test texts, with each backend's embeddings. Opt-in:
``python -m benchmarks --only backends``.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

import pandas as pd


def run(args: argparse.Namespace) -> dict[str, Any]:
    from sklearn.linear_model import LogisticRegression

    from nlp.embed import EmbedConfig, Embedder, default_model_path
    from nlp.onnx_encoder import FastEncoderConfig, OnnxEncoder
    from voc.workspace import Workspace

    folder = Path(args.banking77)
    train = pd.read_csv(folder / "train.csv").sample(3000, random_state=0)
    test = pd.read_csv(folder / "test.csv")
    texts = train["text"].tolist() + test["text"].tolist()
    embedder = Embedder(EmbedConfig(show_progress=False, device="cpu"))
    onnx_cache = Workspace.resolve().onnx_cache
    speed_texts = test["text"].tolist()[:1000]
    rows = []
    encoders = {
        "torch (sentence-transformers)": embedder.encode,
        "onnxruntime fp32": OnnxEncoder(
            default_model_path(), FastEncoderConfig("fp32", dedupe=False, cache_dir=onnx_cache)
        ).encode,
        "onnxruntime int8 (dynamic, per channel)": OnnxEncoder(
            default_model_path(), FastEncoderConfig("int8", dedupe=False, cache_dir=onnx_cache)
        ).encode,
    }
    for name, encode in encoders.items():
        encode(speed_texts[:64])  # warm-up (and the one-time ONNX export, outside the timing)
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
