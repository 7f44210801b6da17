"""MLflow tracking set-up shared by every stage: one store, one rule for artifact locations.

``configure_uri(workspace)`` points MLflow's tracking and registry at the workspace's SQLite store
(or ``$MLFLOW_TRACKING_URI``, a real server). ``experiment_id(name, workspace)`` gets or creates an
experiment: a new experiment in a local store keeps its artifacts under
``<workspace>/mlartifacts/<name>``, so nothing lands in the working directory; a tracking server
chooses its own artifact location.

MLflow is imported inside the functions: importing this module costs nothing.
"""

from __future__ import annotations

import os
from pathlib import Path

from voc.workspace import Workspace

_REMOTE = ("http://", "https://", "databricks")
_URI_VARIABLES = ("MLFLOW_TRACKING_URI", "MLFLOW_REGISTRY_URI")
# The tag MLflow shows as the description of an experiment or run.
NOTE = "mlflow.note.content"


def configure_uri(workspace: Workspace | None = None) -> str:
    """Point MLflow tracking and registry at the workspace store (or $MLFLOW_TRACKING_URI)."""
    import mlflow

    workspace = workspace or Workspace.resolve()
    uri = workspace.tracking_uri
    if uri.startswith("sqlite:///"):
        Path(uri.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    # MLflow also exports the URIs as environment variables; a later Workspace in the same process
    # (a test, the app) would then take this store for a server the user named: put them back.
    saved = {name: os.environ.get(name) for name in _URI_VARIABLES}
    mlflow.set_tracking_uri(uri)
    mlflow.set_registry_uri(uri)
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value
    return uri


def is_remote(uri: str) -> bool:
    """True for a tracking server (which chooses artifact locations itself)."""
    return uri.startswith(_REMOTE)


def experiment_id(name: str, workspace: Workspace | None = None, description: str | None = None) -> str:
    """Id of experiment ``name`` in the workspace's store, created if missing.

    Also configures the tracking URI (:func:`configure_uri`). ``description`` is set on a new
    experiment, and on an existing one that has none (MLflow's ``mlflow.note.content`` tag, shown
    in the UI); a description someone wrote is kept.
    """
    import mlflow

    workspace = workspace or Workspace.resolve()
    uri = configure_uri(workspace)
    client = mlflow.MlflowClient()
    found = client.get_experiment_by_name(name)
    if found is not None:
        if description and not found.tags.get(NOTE):
            client.set_experiment_tag(found.experiment_id, NOTE, description)
        return str(found.experiment_id)
    location = None
    if not is_remote(uri):
        workspace.mlflow_artifacts.mkdir(parents=True, exist_ok=True)
        location = (workspace.mlflow_artifacts / name).resolve().as_uri()
    tags = {NOTE: description} if description else None
    return str(client.create_experiment(name, artifact_location=location, tags=tags))


def use_experiment(name: str, workspace: Workspace | None = None, description: str | None = None) -> str:
    """:func:`experiment_id`, then make it MLflow's current experiment; returns its id."""
    import mlflow

    found = experiment_id(name, workspace, description)
    mlflow.set_experiment(experiment_id=found)
    return found
