"""Spark engine: same output as the local engine on the same input, through a real MLflow pyfunc."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("pyspark")
if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
    pytest.skip("Java, which Spark runs on, is not installed", allow_module_level=True)
# benchmarks/ is not an installed package; its reference pyfunc stands in for training/pyfunc.py.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.tagging import log_reference_model, synthetic_contacts, train_reference
from training.pyfunc import load_predictor
from training.tagging.local import TagConfig, tag_file
from training.tagging.spark import SparkConfig, tag_file_spark


@pytest.mark.slow
def test_spark_and_local_engines_give_the_same_tags(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VOC_WORKSPACE", str(tmp_path / "workspace"))
    contacts = synthetic_contacts(400, seed=3)
    contacts.loc[5, "text"] = ""  # quarantined
    contacts.loc[9, "contact_id"] = contacts.loc[2, "contact_id"]  # duplicate id
    contacts.loc[11, "text"] = "Customer: parcel late, mail me at jane.doe@example.com"
    contacts["order_id"] = [f"ORD-{i % 300:05d}" for i in range(len(contacts))]  # some orders twice
    secret = b"s" * 32
    source = tmp_path / "contacts.csv"
    contacts.to_csv(source, index=False)
    bundle = train_reference(tmp_path / "classifier.joblib", n=120)
    uri = log_reference_model(bundle, f"sqlite:///{tmp_path}/mlflow.db", tmp_path / "mlartifacts", "rc")

    predictor, ref = load_predictor(uri)
    assert (ref.name, ref.version) == ("rc", "1")
    local = tag_file(
        source,
        predictor,
        tmp_path / "local.parquet",
        model_name=ref.name,
        model_version=ref.version,
        tag_config=TagConfig(chunk_size=150, dedupe=False, show_progress=False, order_key_secret=secret),
    )
    spark = tag_file_spark(
        source,
        uri,
        tmp_path / "spark.parquet",
        model_name=ref.name,
        model_version=ref.version,
        chunk_size=150,
        spark_config=SparkConfig(master="local[2]"),
        order_key_secret=secret,
    )
    a, b = pd.read_parquet(tmp_path / "local.parquet"), pd.read_parquet(tmp_path / "spark.parquet")
    assert (local.read, local.tagged, local.quarantined) == (spark.read, spark.tagged, spark.quarantined)
    assert spark.read == 400 and spark.quarantined >= 2
    assert list(a.columns) == list(b.columns)
    assert list(a["contact_id"]) == list(b["contact_id"])
    for col in (
        "root_cause",
        "family",
        "needs_review",
        "review_reason",
        "language",
        "secondary_root_cause",
        "model_name",
        "model_version",
        "clean_text",
        "channel",
        "order_key",
    ):
        assert list(a[col]) == list(b[col]), col
    np.testing.assert_allclose(a["confidence"], b["confidence"], atol=1e-5)
    assert a["secondary_confidence"].isna().all() and b["secondary_confidence"].isna().all()
    assert "jane.doe@example.com" not in " ".join(b["clean_text"])
    assert b["order_key"].notna().all() and not b["order_key"].str.startswith("ORD").any()
    qa = pd.read_parquet(tmp_path / "local.quarantine.parquet")
    qb = pd.read_parquet(tmp_path / "spark.quarantine.parquet")
    assert qa[["source_row", "reason"]].equals(qb[["source_row", "reason"]])
