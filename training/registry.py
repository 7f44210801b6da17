"""MLflow tracking and the model registry: log a training run, register it, gate the promotion.

``log_and_register(result, evaluation, training, ...)`` logs every parameter, the metrics, the
artifacts (confusion matrix, per-class report, the held-out predictions and the misclassified
examples, all redacted), the training data's digest and size as a dataset input and the model as
one pyfunc; registers a new version of NAME with alias ``challenger``; and moves alias ``champion``
to it only when its macro-F1 on its own held-out set is at least the current champion's on the same
set (:func:`promotion_gate`).

Evaluate what you serve: the pyfunc is logged with the embedding backend of the model's embedder
(``model_config["embed_backend"]``, also a param and a tag), the backend the test metrics were
computed with, so that the registry's numbers describe the model ``voc tag`` runs.

The trail an ML engineer follows: experiments, runs, the registered model and each version carry a
description (what it was trained on, how it scored, why it was or was not promoted); the run is
named ``train-<dataset>`` (``-<model>-v<version>`` once registered) and tagged ``voc.stage``,
``voc.taxonomy_version``, ``voc.catalogue_version`` and ``voc.discovery_run_id`` (from the
training set's lineage, :attr:`training.dataset.TrainingSet.lineage`); versions carry the same tags.
Start the run with :func:`training_run` before fitting, so that its duration is the training's.

The tracking store and experiments are set up by :mod:`voc.tracking` (SQLite in the workspace, or
``$MLFLOW_TRACKING_URI``; a new experiment in a local store keeps its artifacts under
``Workspace.mlflow_artifacts``). Aliases, never stages. Listing and promoting import MLflow only.
"""

from __future__ import annotations

import contextlib
import logging
import math
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from voc import tracking
from voc.workspace import Workspace

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from training.dataset import TrainingSet
    from training.evaluate import Evaluation
    from training.train import TrainResult

log = logging.getLogger(__name__)

CHAMPION = "champion"
CHALLENGER = "challenger"
DEFAULT_EXPERIMENT = "root-cause"
LISTED_METRICS = ("accuracy", "macro_f1", "coverage", "precision_at_threshold", "ece")
LINEAGE = ("discovery_run_id", "catalogue_version")
EXPERIMENT_DESCRIPTION = (
    "Root-cause classifier training (voc train). Each run: the parameters, test metrics computed "
    "with the embedding backend the model is served with, confusion matrix, redacted held-out "
    "predictions, the model as one pyfunc, and lineage tags (voc.discovery_run_id, "
    "voc.catalogue_version, voc.taxonomy_version)."
)
MODEL_DESCRIPTION = (
    "Root cause of a customer contact (cancellation, return or refund request) from its text. One "
    "pyfunc: customer turns kept, PII redacted, MiniLM embeddings and/or TF-IDF n-grams, calibrated "
    "linear model. Input: DataFrame with text (and optional channel); output: root_cause, family, "
    "confidence, needs_review. Alias champion is what voc tag uses; challenger is the latest "
    "version trained. Each version says what it was trained on, how it scored and why it was or "
    "was not promoted."
)
MODEL_TAGS = {"voc.task": "root-cause classification", "voc.input": "contact text (raw; redacted inside)"}


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

    :func:`voc.tracking.use_experiment` with the root-cause experiment as default (a new or
    undescribed experiment gets :data:`EXPERIMENT_DESCRIPTION`).
    """
    return tracking.use_experiment(experiment, workspace, EXPERIMENT_DESCRIPTION)


@contextlib.contextmanager
def training_run(training: TrainingSet, source: str = "", embed_backend: str = "torch") -> Iterator[str]:
    """Start the MLflow run of one training in the current experiment; yields its id.

    Named ``train-<dataset>`` and tagged with the stage and the lineage (:func:`lineage_tags`).
    Fit inside the block, so that the run's duration is the training's; :func:`log_and_register`
    logs into it.
    """
    import mlflow

    with mlflow.start_run(run_name=_run_name(source), tags=lineage_tags(training, embed_backend)) as run:
        yield str(run.info.run_id)


def lineage_tags(training: TrainingSet, embed_backend: str) -> dict[str, str]:
    """Tags of a training run and of the version it registers: stage, data, taxonomy, lineage."""
    tags = {
        "voc.stage": "train",
        "voc.data_digest": training.digest,
        "voc.taxonomy_version": training.taxonomy_version or "none",
        "voc.embed_backend": embed_backend,
    }
    for key in LINEAGE:
        value = training.lineage.get(key)
        if value not in (None, ""):
            tags[f"voc.{key}"] = str(value)
    return tags


def log_and_register(
    result: TrainResult,
    evaluation: Evaluation,
    training: TrainingSet,
    register_as: str | None = None,
    source: str = "",
    extra_params: dict[str, Any] | None = None,
) -> Registration:
    """Log a training run (the active one, else a new one); register and gate with ``register_as``.

    ``evaluation`` must be of ``result.model`` as it is: the pyfunc is logged with the backend of
    the model's embedder, the one the metrics were computed with.
    """
    import mlflow

    from training.pyfunc import log_pyfunc

    backend = embed_backend_of(result.model)
    active = mlflow.active_run()
    starting = (
        contextlib.nullcontext(active)
        if active is not None
        else mlflow.start_run(run_name=_run_name(source), tags=lineage_tags(training, backend))
    )
    with starting as run:
        run_id = str(run.info.run_id)
        _log_training(result, evaluation, training, backend, source, extra_params)
        info = log_pyfunc(result.model, training.families, embed_backend=backend)
        model_uri = info.model_uri
        if register_as is None:
            mlflow.set_tag(tracking.NOTE, describe(result, evaluation, training, source, backend))
            return Registration(run_id, model_uri, None, None, None)
        client = mlflow.MlflowClient()
        tags = lineage_tags(training, backend)
        with _quiet_mlflow_prints():
            version = str(mlflow.register_model(model_uri, register_as, tags=tags).version)
        _describe_model(client, register_as, training)
        client.set_registered_model_alias(register_as, CHALLENGER, version)
        gate = promotion_gate(register_as, version, evaluation)
        mlflow.log_metric("gate_challenger_macro_f1", gate.challenger_macro_f1)
        if gate.champion_macro_f1 is not None:
            mlflow.log_metric("gate_champion_macro_f1", gate.champion_macro_f1)
        mlflow.set_tags({"voc.promoted": str(gate.promoted).lower(), "voc.gate": gate.reason})
        for key, value in (("promoted", str(gate.promoted).lower()), ("gate", gate.reason)):
            client.set_model_version_tag(register_as, version, key, value)
        if gate.promoted:
            client.set_registered_model_alias(register_as, CHAMPION, version)
        text = describe(result, evaluation, training, source, backend, gate)
        client.update_model_version(register_as, version, description=text)
        name = f"{_run_name(source)}-{register_as}-v{version}"
        mlflow.set_tags({tracking.NOTE: text, "mlflow.runName": name})
        return Registration(run_id, model_uri, register_as, version, gate)


def embed_backend_of(model: Any) -> str:
    """The embedding backend a fitted model's embedder runs (``torch`` when it has none)."""
    config = getattr(getattr(model, "embedder", None), "config", None)
    return str(getattr(config, "backend", "torch"))


def describe(
    result: TrainResult,
    evaluation: Evaluation,
    training: TrainingSet,
    source: str,
    embed_backend: str,
    gate: GateDecision | None = None,
) -> str:
    """What a model version (and its run) is: trained on what, how it scored, why (not) promoted."""
    m = evaluation.metrics
    params = result.params
    origin = [f"taxonomy v{training.taxonomy_version}" if training.taxonomy_version else "no taxonomy"]
    if training.lineage.get("catalogue_version") not in (None, ""):
        origin.append(f"label catalogue v{training.lineage['catalogue_version']}")
    if training.lineage.get("discovery_run_id"):
        origin.append(f"themes of discovery run {training.lineage['discovery_run_id']}")
    served = (
        ""
        if params["features"] == "tfidf"
        else f", scored with the {embed_backend} embeddings it is served with"
    )
    lines = [
        f"Trained on {len(training.frame):,} labelled contacts ({training.frame['label'].nunique()} "
        f"root causes) from {Path(source).name or 'a labelled file'} ({', '.join(origin)}; data "
        f"digest {training.digest[:12]}).",
        f"Model: {params['model']} on {params['features']} features, C={params['C']:g}, chosen on "
        f"validation; needs_review below confidence {params['threshold']:.3f} (precision target "
        f"{params['precision_target']:.2f}).",
        f"Held-out test ({int(m['n_eval']):,} contacts{served}): macro-F1 {m['macro_f1']:.4f}, "
        f"accuracy {m['accuracy']:.4f}, coverage {m['coverage']:.1%} at precision "
        f"{m['precision_at_threshold']:.3f}, ECE {m['ece']:.4f}.",
    ]
    if params.get("fine_tune"):
        refit = (
            f"; the registered model's copy was tuned again on all {params['fine_tune_refit_rows']:,} "
            f"labelled rows ({params['fine_tune_refit_steps']} steps, "
            f"{params['fine_tune_refit_seconds']:.0f} s)"
            if "fine_tune_refit_rows" in params
            else ""
        )
        lines.append(
            f"Encoder: MiniLM fine-tuned on the {params['n_train']:,} train rows only for the held-out "
            f"evaluation ({params['fine_tune_steps']} steps, {params['fine_tune_seconds']:.0f} s){refit}; "
            "its weights are the model's artifact 'encoder', which tagging loads. "
            + {
                "base": "It checks novelty; the installed MiniLM reads the causes (better on validation).",
                "none": "It checks novelty; TF-IDF reads the causes.",
            }.get(params.get("classifier_encoder", ""), "It reads the causes and checks novelty.")
        )
    if "cascade_coverage" in m:
        lines.append(
            f"Scored through its tagging cascade, as served: the fast model decided "
            f"{m['cascade_coverage']:.1%} of the held-out contacts, the full model the rest."
        )
    if gate is not None:
        lines.append(f"Promotion gate: {gate.reason}.")
    return "\n\n".join(lines)


def _log_training(
    result: TrainResult,
    evaluation: Evaluation,
    training: TrainingSet,
    embed_backend: str,
    source: str,
    extra_params: dict[str, Any] | None,
) -> None:
    """Parameters, metrics, the dataset input and the evaluation artifacts, into the active run."""
    import mlflow
    import pandas as pd

    from training.evaluate import per_class_metrics, write_artifacts

    params = {**result.params, **(extra_params or {})}
    params.update(
        {
            "embed_backend": embed_backend,
            "data_source": Path(source).name if source else "",
            "data_rows": len(training.frame),
            "data_digest": training.digest,
            "data_unlabelled_skipped": training.unlabelled,
            "taxonomy_version": training.taxonomy_version or "none",
            "labels": ",".join(sorted(training.families))[:6000],
            **{key: training.lineage.get(key, "") for key in LINEAGE},
        }
    )
    mlflow.log_params({k: _param(v) for k, v in params.items()})
    mlflow.log_metrics({f"test_{k}": v for k, v in evaluation.metrics.items()})
    mlflow.log_metrics({f"test_{k}": v for k, v in per_class_metrics(evaluation).items()})
    mlflow.log_metric("fit_seconds", result.fit_seconds)
    for row in result.selection:
        mlflow.log_metric(f"validation_macro_f1_{row['features']}_C{row['C']:g}", row["validation_macro_f1"])
    mlflow.log_input(_dataset(training), context="training")
    with tempfile.TemporaryDirectory() as tmp:
        write_artifacts(evaluation, tmp)
        pd.DataFrame(result.selection).to_csv(Path(tmp) / "model_selection.csv", index=False)
        mlflow.log_artifacts(tmp, artifact_path="evaluation")


def _describe_model(client: Any, name: str, training: TrainingSet) -> None:
    """The registered model's description (unless someone wrote one) and tags."""
    model = client.get_registered_model(name)
    if not model.description:
        client.update_registered_model(name, description=MODEL_DESCRIPTION)
    for key, value in {**MODEL_TAGS, "voc.taxonomy_version": training.taxonomy_version or "none"}.items():
        client.set_registered_model_tag(name, key, value)


@contextlib.contextmanager
def _quiet_mlflow_prints() -> Iterator[None]:
    """MLflow prints "Successfully registered model ..." itself: shown only when its log shows INFO."""
    from mlflow.utils import logging_utils

    if logging.getLogger("mlflow").isEnabledFor(logging.INFO):
        yield
        return
    logging_utils.disable_logging()
    try:
        yield
    finally:
        logging_utils.enable_logging()


def _run_name(source: str) -> str:
    return f"train-{Path(source).stem}" if source else "train"


def promotion_gate(name: str, version: str, evaluation: Evaluation) -> GateDecision:
    """Compare the new version with the current champion on the new version's held-out set.

    Both models' macro-F1 are computed the same way (labels = truth and predictions together); the
    champion is loaded through its pyfunc and scored on the held-out ``clean_text``.
    """
    import mlflow
    import pandas as pd

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
    from sklearn.metrics import f1_score

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
    import pandas as pd

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
