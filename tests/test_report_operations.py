"""Order events in the weekly report (``voc report --events``) and in the app's dashboard.

The contacts of `tests.app_data.write_tagged` (weeks 2026-W41 to W47, per week and market 10
``refund_not_received`` and 5 ``cannot_cancel``; in W47 UK 30 ``cannot_cancel``), each on its own
order, keyed under the workspace's secret as ``voc tag`` keys them. Order events, by hand: every
``cannot_cancel`` contact's order had a cancellation two hours before the contact; it succeeded,
except for the first 21 of the 30 W47 UK contacts, refused as ``packed``. So in W47:

* cancellation success: UK 9 of 30 = 30.0%, all markets 14 of 35 = 40.0%, against 100.0% in the
  four weeks before (40 of 40), a significant fall;
* the link: 21 of the 35 ``cannot_cancel`` contacts (60%) came after a refusal as ``packed``, none
  of the 20 others did: 21 contacts saved; in UK alone 21 of 30 (70%).
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import pandas as pd
import pytest
from fastapi.testclient import TestClient

from app.server import create_app
from app.state import AppConfig
from cli.main import main
from tests.app_data import write_tagged
from voc.contracts.tagged import order_keys
from voc.workspace import Workspace

WEEK = "2026-W47"
REFUSED = 21
FINDING = "came after a cancellation refused as 'packed'."


def write_linked(root: Path) -> dict[str, Path]:
    """The tagged contacts with keyed orders, the orders and the order events (module docstring)."""
    tagged, orders = write_tagged(root / "data")
    frame = pd.read_parquet(tagged)
    order_ids = "ORD-" + frame["contact_id"]
    frame["order_key"] = order_keys(order_ids, Workspace(root).order_key_secret())
    frame.to_parquet(tagged)
    cancels = frame[frame["root_cause"] == "cannot_cancel"].sort_values("contact_id")
    last = pd.Timestamp("2026-11-16", tz="UTC")
    refused = cancels[(cancels["created_at"] >= last) & (cancels["market"] == "UK")].head(REFUSED)
    rows = []
    for c in cancels.itertuples(index=False):
        outcome = "cancel_failed" if c.contact_id in set(refused["contact_id"]) else "cancel_succeeded"
        for event, hours in (("cancel_requested", 3), (outcome, 2)):
            at = (c.created_at - pd.Timedelta(hours=hours)).strftime("%Y-%m-%dT%H:%M:%SZ")
            reason = "packed" if event == "cancel_failed" else ""
            rows.append(f"ORD-{c.contact_id},{event},{at},{c.market},{c.category},{reason},,app")
    events = root / "data" / "order_events.csv"
    header = "order_id,event,at,market,category,failure_reason,amount,channel"
    events.write_text("\n".join([header, *rows]) + "\n")
    return {"tagged": tagged, "orders": orders, "events": events}


@pytest.fixture(scope="module")
def linked(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Path]]:
    root = tmp_path_factory.mktemp("ops")
    return root, write_linked(root)


def run_report(root: Path, files: dict[str, Path], out: Path, *extra: str) -> int:
    args = ["report", str(files["tagged"]), "--orders", str(files["orders"]), "--week", WEEK]
    return main(["--workspace", str(root), *args, "--out", str(out), "--no-mlflow", *extra])


def test_report_with_events_has_the_operations_section_and_each_pain_points_link(
    linked: tuple[Path, dict[str, Path]], tmp_path: Path
) -> None:
    root, files = linked
    out = tmp_path / "report"
    assert run_report(root, files, out, "--events", str(files["events"])) == 0
    markdown = (out / "pain_points.md").read_text()
    assert "## Operations, 2026-W47" in markdown
    kpi_row = next(line for line in markdown.splitlines() if line.startswith("| cancel\\_success\\_rate |"))
    assert kpi_row.split(" | ")[1:5] == ["40.0%", "100.0%", "-60%", "35"]
    assert "worse" in kpi_row
    assert "cancel\\_failure\\_rate:packed | 60.0%" in markdown  # the failure reason, 21 of 35
    # the pain point's link and its owner team's next step
    assert f"- **Cannot cancel**: 60% of 35 'Cannot cancel' contacts {FINDING}" in markdown
    assert "Product: let customers cancel a packed order" in markdown
    assert "about 21 of these contacts would not have been made" in markdown
    assert "- **Refund not received**: Payments: Publish refund timelines" in markdown
    page = html.unescape((out / "pain_points.html").read_text())
    assert "<h2>Operations, 2026-W47</h2>" in page
    assert f"Operations: 60% of 35 'Cannot cancel' contacts {FINDING}" in page

    table = pd.read_parquet(out / "pain_points.parquet").set_index("key")
    cancel = table.loc["cannot_cancel"]
    assert cancel["link_pattern"] == "cancel_failed:packed"
    assert (cancel["link_contacts"], cancel["link_preceded"], cancel["link_saved"]) == (35, 21, 21)
    assert cancel["link_share"] == pytest.approx(0.6)
    assert pd.isna(table.loc["refund_not_received", "link_pattern"])
    kpis = pd.read_parquet(out / "operations_kpis.parquet")
    uk = kpis[(kpis["week"] == WEEK) & (kpis["market"] == "UK") & (kpis["kpi"] == "cancel_success_rate")]
    assert (uk["value"].iloc[0], uk["n"].iloc[0], uk["numerator"].iloc[0]) == (pytest.approx(0.3), 30, 21)
    assert pd.read_csv(out / "operations_quarantine.csv").empty
    for written in out.iterdir():  # order ids stay in the raw zone
        text = pd.read_parquet(written).to_csv() if written.suffix == ".parquet" else written.read_text()
        assert "ORD-" not in text, written.name


def test_report_without_events_is_unchanged(linked: tuple[Path, dict[str, Path]], tmp_path: Path) -> None:
    root, files = linked
    out = tmp_path / "plain"
    assert run_report(root, files, out) == 0
    markdown = (out / "pain_points.md").read_text()
    assert "Operations" not in markdown and "refused" not in markdown
    assert "- **Cannot cancel** (Product): Check the cancel button's eligibility rules" in markdown
    assert not any(p.name.startswith("operations") for p in out.iterdir())
    assert not [c for c in pd.read_csv(out / "pain_points.csv").columns if c.startswith("link_")]


def _client(root: Path, files: dict[str, Path], events: bool) -> TestClient:
    config = AppConfig(
        workspace=Workspace(root),
        tagged=files["tagged"],
        orders=files["orders"],
        events=files["events"] if events else None,
        who="t",
    )
    return TestClient(create_app(config), base_url="http://127.0.0.1:8765")


def _cells(page: str, kpi: str) -> list[tuple[str, str]]:
    """(class, value) of each week's cell of ``kpi`` in the operations panel."""
    row = re.search(rf'<tr data-ops-kpi="{re.escape(kpi)}">(.*?)</tr>', page, re.S)
    assert row, f"no {kpi} row in the operations panel"
    cells = re.findall(r'<td class="n ?([^"]*)"[^>]*>([^<]*)', row.group(1))
    return [(mark.strip(), value.strip()) for mark, value in cells]


def test_dashboard_shows_the_kpis_of_the_range_and_market(linked: tuple[Path, dict[str, Path]]) -> None:
    root, files = linked
    client = _client(root, files, events=True)
    page = client.get("/dashboard", params={"first_week": "2026-W44", "last_week": WEEK}).text
    assert 'id="operations"' in page
    cells = _cells(page, "cancel_success_rate")
    assert cells == [("", "100.0%")] * 3 + [("worse", "40.0%")]  # W44..W47
    uk = client.get("/dashboard", params={"first_week": "2026-W46", "last_week": WEEK, "market": "UK"}).text
    assert [value for _, value in _cells(uk, "cancel_success_rate")] == ["100.0%", "30.0%"]
    assert "ORD-" not in page + uk


def test_pain_page_shows_the_link_and_the_owner_teams_next_step(
    linked: tuple[Path, dict[str, Path]],
) -> None:
    root, files = linked
    client = _client(root, files, events=True)
    week = {"first_week": WEEK, "last_week": WEEK}
    page = html.unescape(client.get("/pain/cannot_cancel", params={**week, "market": "UK"}).text)
    assert f"70% of 30 'Cannot cancel' contacts {FINDING}" in page
    assert "Product: let customers cancel a packed order" in page
    assert "about 21 of these contacts would not have been made" in page
    everywhere = html.unescape(client.get("/pain/cannot_cancel", params=week).text)
    assert f"60% of 35 'Cannot cancel' contacts {FINDING}" in everywhere
    refund = html.unescape(client.get("/pain/refund_not_received", params=week).text)
    assert "no operational event comes before these contacts" in refund
    assert "ORD-" not in page + everywhere + refund


def test_pages_without_events_are_as_before(linked: tuple[Path, dict[str, Path]]) -> None:
    root, files = linked
    client = _client(root, files, events=False)
    page = client.get("/dashboard", params={"first_week": "2026-W44", "last_week": WEEK})
    assert page.status_code == 200 and 'id="operations"' not in page.text
    pain = html.unescape(client.get("/pain/cannot_cancel").text)
    assert "<b>Product</b>: Check the cancel button's eligibility rules" in pain
    assert "operations-link" not in pain
