"""A second reason per contact: ``voc tag`` names it, the contracts carry it, the report counts once."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from test_classifier import labelled_contacts
from test_tag import registered  # noqa: F401 - the fixture: a TF-IDF model registered as rc

from cli.main import main
from reports.ranking import build_report
from reports.render import render_markdown
from training.config import TrainConfig
from training.dataset import build_training_set
from training.pyfunc import SIGNATURE
from training.train import train_classifier
from voc.contracts.tagged import TAGGED_SCHEMA
from voc.taxonomy import load_taxonomy

TWO_REASONS = (
    "The box arrived crushed, the item is broken and the glass is shattered. "
    "Also my refund for the last order never arrived."
)
ONE_REASON = (
    "The parcel was damaged in transit, the glass is shattered. "
    "The courier dropped it, the screen is cracked."
)


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_voc_tag_names_the_second_reason_of_a_two_reason_contact_only(
    registered: str,  # noqa: F811
    tmp_path: Path,
    suffix: str,
) -> None:
    contacts = pd.DataFrame(
        {
            "contact_id": ["two", "one"],
            "text": [TWO_REASONS, ONE_REASON],
            "channel": ["email", "email"],
            "created_at": ["2026-11-02T10:00:00Z"] * 2,
        }
    )
    source = tmp_path / "new.csv"
    contacts.to_csv(source, index=False)
    out = tmp_path / f"tagged{suffix}"

    assert main(["tag", str(source), "--model", registered, "--out", str(out)]) == 0

    tagged = (pd.read_csv(out) if suffix == ".csv" else pd.read_parquet(out)).set_index("contact_id")
    two, one = tagged.loc["two"], tagged.loc["one"]
    assert two["root_cause"] == "damaged_in_transit"  # the whole contact's decision, as before
    assert two["secondary_root_cause"] == "refund_not_received"
    assert 0 < two["secondary_confidence"] <= 1
    assert one["root_cause"] == "damaged_in_transit"
    assert pd.isna(one["secondary_root_cause"]) and pd.isna(one["secondary_confidence"])


def test_a_text_has_an_opener_in_any_case_and_only_as_a_word() -> None:
    from training.secondary import has_opener

    assert has_opener(TWO_REASONS) and not has_opener(ONE_REASON)
    assert has_opener("it broke. ON TOP OF THAT the refund is late") and has_opener("Plus: wrong size")
    assert has_opener("and one more thing, the box was empty")
    assert not has_opener("the surplus stock was sold separatelyish")  # inside words: no opener


def test_contract_and_pyfunc_signature_carry_the_secondary_columns() -> None:
    outputs = SIGNATURE.outputs.input_names()
    for name, kind in (("secondary_root_cause", "string"), ("secondary_confidence", "double")):
        assert name in outputs
        assert name in TAGGED_SCHEMA.names
        assert str(TAGGED_SCHEMA.field(name).type) == kind


def test_a_model_from_before_secondary_causes_proposes_none() -> None:
    training = build_training_set(labelled_contacts(per_class=12, pii=False), taxonomy=load_taxonomy())
    model = train_classifier(training, TrainConfig(features="tfidf", C=(1.0,))).model
    before = model.decide([TWO_REASONS])
    assert before["secondary_root_cause"].notna().all()
    del model.secondary_model_, model.secondary_threshold_  # as unpickled from an older model

    decided = model.decide([TWO_REASONS])

    assert decided["secondary_root_cause"].isna().all() and decided["secondary_confidence"].isna().all()
    assert decided["root_cause"].tolist() == before["root_cause"].tolist()


def test_the_report_counts_a_contact_once_and_lists_its_second_reason_beside() -> None:
    monday = pd.Timestamp("2026-11-16", tz="UTC")
    tagged = pd.DataFrame(
        {
            "contact_id": ["a", "b", "c"],
            "root_cause": ["damaged_in_transit", "damaged_in_transit", "refund_not_received"],
            "secondary_root_cause": ["refund_not_received", None, None],
            "created_at": [monday + pd.Timedelta(hours=h) for h in (1, 2, 3)],
            "clean_text": [TWO_REASONS, ONE_REASON, "still no refund"],
            "market": "DE",
            "category": "x",
        }
    )
    orders = pd.DataFrame(
        {"date": pd.date_range("2026-11-16", periods=7), "market": "DE", "category": "x", "orders": 100}
    )

    report = build_report(tagged, orders, load_taxonomy(), "2026-W47")

    counts = report.table.set_index("key")["contacts"]
    assert counts["damaged_in_transit"] == 2 and counts["refund_not_received"] == 1
    assert report.summary.contacts == 3
    taxonomy = load_taxonomy()
    second = report.second_reasons.to_dict("records")
    assert [(r["key"], r["contacts"]) for r in second] == [("refund_not_received", 1)]
    assert second[0]["most_with"] == taxonomy["damaged_in_transit"].name
    assert "Also named as a second reason" in render_markdown(report)
