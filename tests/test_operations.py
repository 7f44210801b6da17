"""Order events and operational KPIs: the contract through ``voc data validate --events``, every KPI
of ``voc ops kpis`` against a hand computation on a tiny file, the links, and the planted incident of
``voc data synth`` found in the right market and weeks."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from cli.main import main
from reports.operations import operational_kpis, weekly_kpis_from_file
from reports.operations_links import operational_links
from voc.contracts.events import validate_events
from voc.contracts.tagged import order_keys
from voc.synth.generate import SynthConfig, SynthData, generate
from voc.workspace import Workspace

EVENT_HEADER = "order_id,event,at,market,category,failure_reason,amount,channel"
# Week 2026-W45 is Monday 2 to Sunday 8 November 2026. Order ids look real: none may leave the raw zone.
GOOD_EVENTS = [
    "ORD-777001,cancel_requested,2026-11-02T10:00:00Z,UK,fashion,,,app",
    "ORD-777001,cancel_succeeded,2026-11-02T10:05:00Z,UK,fashion,,,app",
    "ORD-777001,refund_issued,2026-11-03T10:05:00Z,UK,fashion,,20.0,",
    "ORD-777001,refund_paid,2026-11-04T10:05:00Z,UK,fashion,,20.0,",  # refund cycle 48 h
    "ORD-777002,cancel_requested,2026-11-02T11:59:00Z,UK,fashion,,,agent",
    "ORD-777002,cancel_failed,2026-11-02T12:00:00Z,UK,fashion,Packed,,agent",
    "ORD-777003,cancel_requested,2026-11-03T08:59:00Z,UK,fashion,,,web",
    "ORD-777003,cancel_failed,2026-11-03T09:00:00Z,UK,fashion,packed,,web",
    "ORD-777004,return_received,2026-10-26T08:00:00Z,UK,fashion,,,",  # W44
    "ORD-777004,refund_paid,2026-11-05T08:00:00Z,UK,fashion,,35.5,",  # 240 h: late
    "ORD-777005,delivered,2026-11-02T09:00:00Z,UK,fashion,,,",
    "ORD-777005,return_requested,2026-11-03T00:00:00Z,UK,fashion,,,app",
    "ORD-777005,return_received,2026-11-06T00:00:00Z,UK,fashion,,,",  # receipt 72 h
    "ORD-777005,refund_paid,2026-11-07T00:00:00Z,UK,fashion,,10,",  # 24 h
    "ORD-777006,delivered,2026-11-04T09:00:00Z,UK,fashion,,,",
    "ORD-777007,delivered,2026-11-04T10:00:00Z,UK,fashion,,,",
    "ORD-777008,delivered,2026-11-05T10:00:00Z,UK,fashion,,,",
]
BAD_EVENTS = [
    (",delivered,2026-11-02,UK,fashion,,,", "missing_order_id"),
    ("ORD-9,teleported,2026-11-02,UK,fashion,,,", "unknown_event"),
    ("ORD-9,cancel_failed,2026-11-02,UK,fashion,,,web", "missing_failure_reason"),
    ("ORD-9,refund_paid,31/31/2026,UK,fashion,,12.5,", "bad_date"),
    ("ORD-9,refund_paid,2026-11-05,UK,fashion,,-3,", "bad_amount"),
    ("ORD-9,refund_paid,2026-11-05,,fashion,,3,fax", "missing_field;unknown_channel"),
    ("ORD-9,delivered,2099-11-05,UK,fashion,,,", "date_out_of_range"),
    ("ORD-9,delivered,2026-11-05", "malformed_row"),
]
CONTACTS = pd.DataFrame(
    {
        "contact_id": ["C1", "C2", "C3", "C4"],
        "text": ["I could not cancel", "still cannot cancel", "where is my refund", "too small"],
        "created_at": pd.to_datetime(
            ["2026-11-02T14:00:00Z", "2026-11-03T10:00:00Z", "2026-11-03T09:00:00Z", "2026-11-04T09:00:00Z"]
        ),
        "order_id": ["ORD-777002", "ORD-777002", "ORD-777004", None],
        "market": ["UK"] * 4,
        "category": ["fashion"] * 4,
        "root_cause": ["cannot_cancel", "cannot_cancel", "refund_not_received", "wrong_size_fit"],
    }
)
ORDERS = "date,market,category,orders\n2026-11-02,UK,fashion,1000\n2026-11-03,DE,home,500\n"


def _write_events(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join([EVENT_HEADER, *lines]) + "\n")
    return path


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    raw = tmp_path / "raw"
    raw.mkdir()
    contacts = raw / "contacts.parquet"
    CONTACTS.drop(columns=["root_cause"]).to_parquet(contacts)
    tagged = tmp_path / "tagged.parquet"
    CONTACTS.drop(columns=["order_id", "text"]).assign(clean_text="x").to_parquet(tagged)
    orders = raw / "orders.csv"
    orders.write_text(ORDERS)
    events = _write_events(raw / "events.csv", GOOD_EVENTS + [row for row, _ in BAD_EVENTS[:2]])
    return {"contacts": contacts, "tagged": tagged, "orders": orders, "events": events}


def test_bad_event_rows_are_quarantined_with_reasons_and_counts_reconcile(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write_events(tmp_path / "events.csv", GOOD_EVENTS + [row for row, _ in BAD_EVENTS])
    out = tmp_path / "checked"
    assert main(["data", "validate", str(path), "--events", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert (
        f"read {len(GOOD_EVENTS) + len(BAD_EVENTS)} = accepted {len(GOOD_EVENTS)} + quarantined 8" in printed
    )
    quarantine = pd.read_csv(out / "quarantine.csv")
    assert list(quarantine["reason"]) == [reason for _, reason in BAD_EVENTS]
    assert list(quarantine["source_row"]) == list(range(len(GOOD_EVENTS) + 1, len(GOOD_EVENTS) + 9))
    assert "cancel_failed needs a failure_reason" in quarantine["detail"].iloc[2]
    accepted = pd.read_parquet(out / "order_events.parquet")
    assert len(accepted) == len(GOOD_EVENTS)
    assert set(accepted.loc[accepted["event"] == "cancel_failed", "failure_reason"]) == {"packed"}
    assert str(accepted["at"].dtype) == "datetime64[us, UTC]"


def test_the_three_formats_give_the_same_events_and_a_missing_column_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    csv = _write_events(tmp_path / "e.csv", [*GOOD_EVENTS, BAD_EVENTS[1][0]])
    frame = pd.read_csv(csv, dtype=str, keep_default_na=False)
    frame.replace("", None).to_json(tmp_path / "e.jsonl", orient="records", lines=True)
    frame.replace("", None).to_parquet(tmp_path / "e.parquet")
    results = [validate_events(tmp_path / f"e.{ext}", chunk_size=5) for ext in ("csv", "jsonl", "parquet")]
    for result in results:
        assert result.counts.accepted == len(GOOD_EVENTS) and result.counts.quarantined == 1
        assert list(result.accepted["order_id"]) == list(results[0].accepted["order_id"])
        assert list(result.accepted["at"]) == list(results[0].accepted["at"])
    no_event = tmp_path / "no_event.csv"
    no_event.write_text("order_id,at,market,category\nORD-1,2026-11-02,UK,fashion\n")
    assert main(["data", "validate", str(no_event), "--events", "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "missing required column 'event'" in err and str(no_event) in err


def test_every_kpi_matches_a_hand_computation(
    files: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "ops"
    args = ["ops", "kpis", str(files["events"]), "--orders", str(files["orders"]), "--out", str(out)]
    code = main([*args, "--tagged", str(files["tagged"]), "--contacts", str(files["contacts"])])
    assert code == 0
    printed = capsys.readouterr().out
    assert f"read {len(GOOD_EVENTS) + 2} = accepted {len(GOOD_EVENTS)} + quarantined 2" in printed
    kpis = pd.read_parquet(out / "kpis.parquet")
    assert set(kpis["week"]) == {"2026-W45"}  # the orders' weeks; W44 only gives O4's history
    uk = kpis[kpis["market"] == "UK"].set_index("kpi")
    expected = {
        # kpi: (value, n, numerator) by hand from GOOD_EVENTS and CONTACTS
        "cancel_success_rate": (1 / 3, 3, 2),  # O1 succeeded; O2, O3 refused
        "cancel_failure_rate:packed": (2 / 3, 3, 2),
        "self_service_share": (3 / 4, 4, 1),  # app, agent, web cancels + app return; 1 assisted
        "return_rate": (1 / 4, 4, 1),  # 1 return request / 4 deliveries
        "late_refund_share": (1 / 3, 3, 1),  # O4's 10 days of 3 refunds paid
        "refund_cycle_days_p50": (2.0, 3, None),  # 1, 2, 10 days
        "refund_cycle_days_p90": (10.0, 3, None),
        "return_receipt_days_p50": (3.0, 1, None),
        "contacts_per_1000_orders": (4.0, 1000, 4),
        "contacts_per_failed_cancellation": (1.0, 2, 2),  # C1, C2 after O2's refusal; none after O3's
        "contacts_per_late_refund": (1.0, 1, 1),  # C3 while O4's refund was open
        "repeat_contacts_per_order": (0.5, 2, 1),  # C2 repeats C1 on O2; O2 and O4 contacted
    }
    for kpi, (value, n, numerator) in expected.items():
        row = uk.loc[kpi]
        assert row["value"] == pytest.approx(value), kpi
        assert row["n"] == n, kpi
        if numerator is not None:
            assert row["numerator"] == numerator, kpi
    de = kpis[(kpis["market"] == "DE") & (kpis["kpi"] == "contacts_per_1000_orders")]
    assert de["value"].iloc[0] == 0 and de["n"].iloc[0] == 500
    overall = kpis[(kpis["market"] == "all") & (kpis["kpi"] == "contacts_per_1000_orders")]
    assert overall["value"].iloc[0] == pytest.approx(1000 * 4 / 1500)

    links = pd.read_parquet(out / "links.parquet").set_index(["root_cause", "pattern"])
    packed = links.loc[("cannot_cancel", "cancel_failed:packed")]
    assert (packed["contacts"], packed["preceded"], packed["share"], packed["saved"]) == (2, 2, 1.0, 2)
    assert (
        "100% of 2 'Cannot cancel' contacts came after a cancellation refused as 'packed'"
        in packed["finding"]
    )
    assert packed["next_step"].startswith("Product: let customers cancel a packed order")
    assert links.loc[("refund_not_received", "refund_late"), "preceded"] == 1
    # no order id leaves the raw zone: not in any table, quarantine or section written
    for written in out.iterdir():
        if written.suffix in (".csv", ".md", ".html"):
            assert "ORD-" not in written.read_text(), written.name
        elif written.suffix == ".parquet":
            assert "ORD-" not in pd.read_parquet(written).to_csv(), written.name
    section = (out / "operations.md").read_text()
    assert "## Operations, 2026-W45" in section and "cancel\\_success\\_rate | 33.3%" in section


def test_tagged_contacts_with_order_keys_join_under_the_workspace_secret(
    files: dict[str, Path], tmp_path: Path
) -> None:
    workspace = tmp_path / "ws"
    secret = Workspace(workspace).order_key_secret()
    tagged = tmp_path / "keyed.parquet"
    keyed = CONTACTS.assign(order_key=order_keys(CONTACTS["order_id"], secret), clean_text="x")
    keyed.drop(columns=["order_id", "text"]).to_parquet(tagged)
    out = tmp_path / "ops"
    argv = ["--workspace", str(workspace), "ops", "kpis", str(files["events"]), "--out", str(out)]
    assert main([*argv, "--orders", str(files["orders"]), "--tagged", str(tagged)]) == 0
    links = pd.read_parquet(out / "links.parquet").set_index(["root_cause", "pattern"])
    assert links.loc[("cannot_cancel", "cancel_failed:packed"), "preceded"] == 2
    # without the secret that made the keys, the join is refused rather than silently empty
    with pytest.raises(Exception, match="order-key secret"):
        operational_links(keyed, validate_events(files["events"]).accepted)


def test_streaming_in_small_chunks_of_a_shuffled_file_gives_the_same_kpis(
    files: dict[str, Path], tmp_path: Path
) -> None:
    shuffled = pd.read_csv(files["events"], dtype=str).sample(frac=1.0, random_state=4)
    path = tmp_path / "shuffled.csv"
    shuffled.to_csv(path, index=False)
    orders = pd.read_csv(files["orders"], parse_dates=["date"])
    streamed = weekly_kpis_from_file(path, orders, CONTACTS, chunk_size=3)
    whole = operational_kpis(
        validate_events(files["events"]).accepted, orders, None, ("market",), contacts=CONTACTS
    )
    pd.testing.assert_frame_equal(streamed.kpis, whole)
    assert streamed.counts.quarantined == 2 and streamed.counts.reconciles


# --------------------------------------------------------------------------------------------
# voc data synth: events agree with the contacts, and the planted incident is found
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def synth() -> SynthData:
    return generate(SynthConfig(contacts=2500, seed=5))


def test_synthetic_events_follow_the_contract_and_agree_with_the_contacts(
    synth: SynthData, tmp_path: Path
) -> None:
    path = tmp_path / "order_events.parquet"
    synth.events.to_parquet(path)
    result = validate_events(path)
    assert result.counts.quarantined == 0 and result.counts.accepted == len(synth.events)
    contacts = synth.contacts.merge(synth.ground_truth, on="contact_id")
    failed = synth.events[synth.events["event"] == "cancel_failed"].groupby("order_id")["at"].min()
    cannot = contacts[contacts["root_cause"] == "cannot_cancel"]
    assert len(cannot) > 20
    assert (cannot["order_id"].map(failed) < cannot["created_at"]).all()
    # contacts are about orders that exist: each contact's order has events in its market
    orders = synth.events.drop_duplicates("order_id").set_index("order_id")["market"]
    with_order = contacts[contacts["order_id"].notna()].drop_duplicates("order_id")
    assert (with_order["order_id"].map(orders) == with_order["market"]).mean() > 0.99


def test_the_planted_incident_is_significant_in_its_market_and_weeks_and_linked(synth: SynthData) -> None:
    incident = next(i for i in synth.incidents if i["kind"] == "operational")
    market, first = incident["market"], incident["first_week"]
    weeks = sorted(
        {w for w in synth.contacts["created_at"].dt.tz_convert(None).map(lambda d: d.strftime("%G-W%V"))}
    )
    incident_weeks = [w for w in weeks if w >= first]
    tagged = synth.contacts.merge(synth.ground_truth[["contact_id", "root_cause"]], on="contact_id")
    kpis = operational_kpis(synth.events, synth.orders, None, ("market",))
    success = kpis[kpis["kpi"] == "cancel_success_rate"]
    worse = success[success["mark"] == "worse"]
    assert set(worse.loc[worse["market"] == market, "week"]) >= {first}
    assert set(worse["market"]) <= {market, "all"}  # no other market flagged
    assert worse["week"].min() >= first  # and nothing before the policy change
    first_row = success[(success["market"] == market) & (success["week"] == first)].iloc[0]
    assert first_row["value"] < first_row["baseline"] - 0.1
    links = operational_links(tagged, synth.events, weeks=incident_weeks, by=("market",))
    in_market = links[links["market"] == market].head(3)
    top = in_market[
        (in_market["root_cause"] == "cannot_cancel") & (in_market["pattern"] == "cancel_failed:packed")
    ]
    assert len(top) == 1 and bool(top["significant"].iloc[0])
    assert top["share"].iloc[0] > 0.7


def test_synth_writes_order_events_and_the_incident(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VOC_WORKSPACE", str(tmp_path / "ws"))
    for name in ("a", "b"):
        assert (
            main(
                [
                    "data",
                    "synth",
                    "--contacts",
                    "200",
                    "--weeks",
                    "6",
                    "--seed",
                    "3",
                    "--out",
                    str(tmp_path / name),
                ]
            )
            == 0
        )
    a, b = ((tmp_path / n / "order_events.parquet").read_bytes() for n in ("a", "b"))
    assert a == b
    incidents = json.loads((tmp_path / "a" / "incidents.json").read_text())
    operational = [i for i in incidents if i["kind"] == "operational"]
    assert len(operational) == 1 and operational[0]["failure_reason"] == "packed"
    assert operational[0]["cancel_success_rate_during"] < operational[0]["cancel_success_rate_before"]
