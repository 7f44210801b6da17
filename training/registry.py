"""MLflow tracking and the model registry: log a training run, register it, gate the promotion.

``log_and_register(result, evaluation, training, ...)`` logs every parameter, the metrics, the
artifacts (confusion matrix, per-class report, redacted misclassified examples), the training data's
digest and size as a dataset input and the model as one pyfunc; registers a new version of NAME with
alias ``challenger``; and moves alias ``champion`` to it only when its macro-F1 on its own held-out
set is at least the current champion's on the same set (:func:`promotion_gate`).

The tracking store and experiments are set up by :mod:`voc.tracking` (SQLite in the workspace, or
``$MLFLOW_TRACKING_URI``; a new experiment in a local store keeps its artifacts under
``Workspace.mlflow_artifacts``). Aliases, never stages.
"""

from __future__ import annotations

import logging
import math
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.metrics import f1_score

from training.classifier import TrainResult
from training.dataset import TrainingSet
from training.evaluate import Evaluation, per_class_metrics, write_artifacts
from voc import tracking
from voc.workspace import Workspace

log = logging.getLogger(__name__)

CHAMPION = "champion"
CHALLENGER = "challenger"
DEFAULT_EXPERIMENT = "root-cause"
LISTED_METRICS = ("accuracy", "macro_f1", "coverage", "precision_at_threshold", "ece")


@dataclass
class GateDecision:
    """Outcome of the promotion gate (numbers on the challenger's held-out set)."""

    promoted: bool
    challenger_macro_f1: float
    champion_macro_f1: float | None
    champion_version: str | None
    reason: str


@dataclass
class Registration:
    """What :func:`log_and_register` did."""

    run_id: str
    model_uri: str
    name: str | None
    version: str | None
    gate: GateDecision | None


def configure(workspace: Workspace | None = None, experiment: str = DEFAULT_EXPERIMENT) -> str:
    """Point MLflow at the workspace store and make ``experiment`` current; returns its id.

    :func:`voc.tracking.use_experiment` with the root-cause experiment as default.
    """
    return tracking.use_experiment(experiment, workspace)


def log_and_register(
    result: TrainResult,
    evaluation: Evaluation,
    training: TrainingSet,
    register_as: str | None = None,
    source: str = "",
    extra_params: dict[str, Any] | None = None,
) -> Registration:
    """Log a training run to the current experiment; register and gate when ``register_as`` is set."""
    import mlflow

    from training.pyfunc import log_pyfunc

    with mlflow.start_run() as run:
        params = {**result.params, **(extra_params or {})}
        params.update(
            {
                "data_rows": len(training.frame),
                "data_digest": training.digest,
                "data_unlabelled_skipped": training.unlabelled,
                "taxonomy_version": training.taxonomy_version or "none",
                "labels": ",".join(sorted(training.families))[:6000],
            }
        )
        mlflow.log_params({k: _param(v) for k, v in params.items()})
        mlflow.log_metrics({f"test_{k}": v for k, v in evaluation.metrics.items()})
        mlflow.log_metrics({f"test_{k}": v for k, v in per_class_metrics(evaluation).items()})
        mlflow.log_metric("fit_seconds", result.fit_seconds)
        for row in result.selection:
            name = f"validation_macro_f1_{row['features']}_C{row['C']:g}"
            mlflow.log_metric(name, row["validation_macro_f1"])
        mlflow.log_input(_dataset(training), context="training")
        with tempfile.TemporaryDirectory() as tmp:
            write_artifacts(evaluation, tmp)
            pd.DataFrame(result.selection).to_csv(Path(tmp) / "model_selection.csv", index=False)
            mlflow.log_artifacts(tmp, artifact_path="evaluation")
        info = log_pyfunc(result.model, training.families)
        mlflow.set_tags({"voc.stage": "train", "voc.data_digest": training.digest})
        model_uri = info.model_uri
        if register_as is None:
            return Registration(run.info.run_id, model_uri, None, None, None)
        version = mlflow.register_model(model_uri, register_as)
        client = mlflow.MlflowClient()
        client.set_registered_model_alias(register_as, CHALLENGER, version.version)
        gate = promotion_gate(register_as, str(version.version), evaluation)
        mlflow.log_metric("gate_challenger_macro_f1", gate.challenger_macro_f1)
        if gate.champion_macro_f1 is not None:
            mlflow.log_metric("gate_champion_macro_f1", gate.champion_macro_f1)
        mlflow.set_tags({"voc.promoted": str(gate.promoted).lower(), "voc.gate": gate.reason})
        for key, value in (("promoted", str(gate.promoted).lower()), ("gate", gate.reason)):
            client.set_model_version_tag(register_as, version.version, key, value)
        if gate.promoted:
            client.set_registered_model_alias(register_as, CHAMPION, version.version)
        return Registration(run.info.run_id, model_uri, register_as, str(version.version), gate)


def promotion_gate(name: str, version: str, evaluation: Evaluation) -> GateDecision:
    """Compare the new version with the current champion on the new version's held-out set.

    Both models' macro-F1 are computed the same way (labels = truth and predictions together); the
    champion is loaded through its pyfunc and scored on the held-out ``clean_text``.
    """
    import mlflow

    preds = evaluation.predictions
    truth = preds["label"].astype(str).to_numpy()
    challenger = macro_f1(truth, preds["predicted"].astype(str).to_numpy())
    client = mlflow.MlflowClient()
    try:
        current = client.get_model_version_by_alias(name, CHAMPION)
    except mlflow.exceptions.MlflowException:
        current = None
    if current is None:
        return GateDecision(True, challenger, None, None, f"no champion yet; v{version} becomes champion")
    champion_model = mlflow.pyfunc.load_model(f"models:/{name}@{CHAMPION}")
    scored = champion_model.predict(pd.DataFrame({"text": preds["clean_text"].astype(str)}))
    champion = macro_f1(truth, scored["root_cause"].astype(str).to_numpy())
    promoted = challenger >= champion
    verdict = "promoted" if promoted else "not promoted"
    reason = (
        f"{verdict}: v{version} macro-F1 {challenger:.4f} vs champion v{current.version} "
        f"{champion:.4f} on the same {len(truth)} held-out contacts"
    )
    return GateDecision(promoted, challenger, champion, str(current.version), reason)


def macro_f1(truth: np.ndarray, predicted: np.ndarray) -> float:
    """Macro-F1 over the labels that occur in ``truth`` or ``predicted``."""
    labels = sorted(set(truth) | set(predicted))
    return float(f1_score(truth, predicted, labels=labels, average="macro", zero_division=0))


def promote(name: str, version: str) -> None:
    """Move alias ``champion`` of ``name`` to ``version`` (for people overriding the gate)."""
    import mlflow

    client = mlflow.MlflowClient()
    client.get_model_version(name, str(version))  # raises a clear MlflowException when missing
    client.set_registered_model_alias(name, CHAMPION, str(version))
    client.set_model_version_tag(name, str(version), "promoted", "manual")


def list_models(name: str | None = None) -> pd.DataFrame:
    """One row per registered model version: name, version, aliases, run id and test metrics."""
    import mlflow

    client = mlflow.MlflowClient()
    models = [client.get_registered_model(name)] if name else client.search_registered_models()
    rows = []
    for model in models:
        aliases: dict[str, list[str]] = {}
        for alias, version in (model.aliases or {}).items():
            aliases.setdefault(str(version), []).append(alias)
        for mv in client.search_model_versions(f"name='{model.name}'"):
            row: dict[str, Any] = {
                "name": model.name,
                "version": int(mv.version),
                "aliases": ",".join(sorted(aliases.get(str(mv.version), []))),
                "run_id": mv.run_id,
            }
            metrics = client.get_run(mv.run_id).data.metrics if mv.run_id else {}
            for key in LISTED_METRICS:
                row[key] = metrics.get(f"test_{key}", math.nan)
            rows.append(row)
    columns = ["name", "version", "aliases", "run_id", *LISTED_METRICS]
    return pd.DataFrame(rows, columns=columns).sort_values(["name", "version"]).reset_index(drop=True)


def _dataset(training: TrainingSet) -> Any:
    """The redacted training frame as an MLflow dataset (schema, digest and size; no raw text)."""
    from mlflow.data.pandas_dataset import from_pandas

    frame = training.frame[["clean_text", "label", "family"]]
    return from_pandas(frame, name="training-set", targets="label", digest=training.digest[:16])


def _param(value: Any) -> Any:
    text = str(value)
    return text if len(text) <= 6000 else text[:5997] + "..."
