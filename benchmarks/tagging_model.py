"""A small root-cause pyfunc (MLflow "model from code") standing in for ``training/pyfunc.py``.

Preparation + redaction (``nlp.prepare``), MiniLM embeddings (``nlp.embed.Embedder``; backend from the
model config, ``torch`` by default) and a scikit-learn classifier loaded from the ``classifier``
artifact (a joblib dict with ``classifier``, ``families`` and ``threshold``). The tagging benchmark
and the Spark equality test use it because it is logged in seconds from a fitted scikit-learn
model, with no training run; `voc train` logs the real one (``training/pyfunc.py``).
"""

from __future__ import annotations

from typing import Any

import mlflow
import pandas as pd
from mlflow.pyfunc import PythonModel


class ReferenceRootCauseModel(PythonModel):
    """``predict(DataFrame[text, channel?])``: :data:`voc.contracts.tagged.PREDICTION_COLUMNS`."""

    def load_context(self, context: Any) -> None:
        import joblib

        from nlp.embed import EmbedConfig, Embedder
        from voc.workspace import Workspace

        bundle = joblib.load(context.artifacts["classifier"])
        self.classifier = bundle["classifier"]
        self.families: dict[str, str] = bundle["families"]
        self.threshold = float(bundle["threshold"])
        backend = (context.model_config or {}).get("embed_backend", "torch")
        onnx_cache = Workspace.resolve().onnx_cache
        self.embedder = Embedder(
            EmbedConfig(backend=backend, show_progress=False, device="cpu", onnx_cache_dir=onnx_cache)
        )

    def predict(self, context: Any, model_input: pd.DataFrame, params: Any = None) -> pd.DataFrame:
        from nlp.prepare import prepare_contacts

        prepared = prepare_contacts(model_input.reset_index(drop=True))
        proba = self.classifier.predict_proba(self.embedder.encode(prepared["clean_text"].tolist()))
        best = proba.argmax(axis=1)
        labels = self.classifier.classes_[best]
        confidence = proba.max(axis=1).astype("float64")
        out = pd.DataFrame(
            {
                "root_cause": [str(x) for x in labels],
                "family": [self.families.get(str(x), "other") for x in labels],
                "confidence": confidence,
                "needs_review": confidence < self.threshold,
                # The rest of training/pyfunc.py's columns, as a model without them is read.
                "review_reason": ["low_confidence" if c < self.threshold else "" for c in confidence],
                "language": "",
                "secondary_root_cause": None,
                "secondary_confidence": float("nan"),
            }
        )
        if (params or {}).get("return_clean_text"):  # as training/pyfunc.py: the engine prepares once
            out["clean_text"] = prepared["clean_text"].to_numpy()
        return out


mlflow.models.set_model(ReferenceRootCauseModel())
