"""Shared fixtures and run rules: tiny real data; no network (HF offline); what CI insists on.

- `CI` set (as `.ci/run` does): hypothesis runs its `ci` profile, derandomized, so a red CI run
  replays the same examples on every machine; elsewhere the `dev` profile explores at random.
- `VOC_NO_SKIPS=1` (set by `.ci/run`, which installs PostgreSQL, Java and Chromium): a test that
  skips fails instead, naming why it would have skipped, so a green CI run means every test ran.
"""

from __future__ import annotations

import os
from collections.abc import Generator
from typing import TYPE_CHECKING

import pytest
from hypothesis import settings

if TYPE_CHECKING:
    from nlp.embed import Embedder

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("MLFLOW_ENABLE_TELEMETRY", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")

settings.register_profile("dev")
settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "dev"))

NO_SKIPS = os.environ.get("VOC_NO_SKIPS") == "1"
# mlflow.set_tracking_uri / set_registry_uri export the URI to os.environ; a test (or a module
# fixture) that calls them would hand its store to every later subprocess in the same worker.
_MLFLOW_URIS = {name: os.environ.get(name) for name in ("MLFLOW_TRACKING_URI", "MLFLOW_REGISTRY_URI")}
NO_SKIPS_HINT = "skipped, but VOC_NO_SKIPS=1 says everything this test needs is installed: "


def _skip_reason(longrepr: object) -> str:
    # A skip's longrepr is (file, line, reason); anything else is shown as it is.
    return str(longrepr[2]) if isinstance(longrepr, tuple) and len(longrepr) == 3 else str(longrepr)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    # An expected failure also reports as skipped; it carries `wasxfail` and stays as it is.
    if NO_SKIPS and report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        report.longrepr = NO_SKIPS_HINT + _skip_reason(report.longrepr)
    return report


@pytest.hookimpl(wrapper=True)
def pytest_make_collect_report(
    collector: pytest.Collector,
) -> Generator[None, pytest.CollectReport, pytest.CollectReport]:
    report = yield
    # A module-level skip (`pytest.importorskip` at the top of a file) skips at collection.
    if NO_SKIPS and report.outcome == "skipped":
        report.outcome = "failed"
        report.longrepr = NO_SKIPS_HINT + _skip_reason(report.longrepr)
    return report


@pytest.fixture(autouse=True)
def _mlflow_uris_put_back() -> Generator[None, None, None]:
    """After each test, MLflow's URI variables are what they were when the session began."""
    yield
    for name, value in _MLFLOW_URIS.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


@pytest.fixture(scope="session")
def embedder(tmp_path_factory: pytest.TempPathFactory) -> Embedder:
    """The real offline MiniLM, loaded once per test session, caching into a temporary folder."""
    from nlp.embed import EmbedConfig, Embedder

    cache = tmp_path_factory.mktemp("embeddings")
    model = Embedder(EmbedConfig(cache_dir=cache, show_progress=False))
    _ = model.model  # load now, so the first test that uses it is not billed for the load
    return model
