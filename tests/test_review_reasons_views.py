"""Why contacts need review, and who was never understood, in the weekly report and the app.

Data of `tests.app_data.write_tagged` (per week and market 10 refund_not_received + 5
cannot_cancel; 30 cannot_cancel in UK in the last week, 2026-W47), where in W47 five DE contacts
were not understood: 3 written in German (``language``, language ``de``) and 2 with nothing to
read (``uninformative``); every other contact flagged ``needs_review`` is ``low_confidence``.
In W47: DE 15 contacts, 5 unread (33%); UK 40 contacts, none unread.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
from fastapi.testclient import TestClient

from app.server import create_app
from app.state import AppConfig
from cli.main import main
from tests.app_data import WEEKS, write_run, write_tagged
from voc.workspace import Workspace

WEEK = "2026-W47"


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("reasons")
    tagged_path, orders = write_tagged(root / "data")
    tagged = pd.read_parquet(tagged_path)
    tagged["language"] = "en"
    tagged["review_reason"] = tagged["needs_review"].map({True: "low_confidence", False: ""})
    last_de = tagged.index[(tagged["created_at"] >= WEEKS[-1]) & (tagged["market"] == "DE")]
    german, empty = last_de[:3], last_de[3:5]
    tagged.loc[german, ["language", "review_reason", "needs_review"]] = ["de", "language", True]
    tagged.loc[empty, ["language", "review_reason", "needs_review"]] = ["", "uninformative", True]
    tagged["secondary_root_cause"] = None
    tagged.loc[last_de[5], "secondary_root_cause"] = "cannot_cancel"  # a refund contact that also names it
    with_reasons = root / "data" / "tagged_reasons.parquet"
    tagged.to_parquet(with_reasons)
    return {"root": root, "tagged": with_reasons, "plain": tagged_path, "orders": orders}


def _report(files: dict[str, Path], tagged: Path, out: Path) -> tuple[str, str]:
    argv = ["--workspace", str(files["root"] / "ws"), "report", str(tagged), "--orders", str(files["orders"])]
    assert main([*argv, "--week", WEEK, "--out", str(out), "--no-mlflow"]) == 0
    return (out / "pain_points.html").read_text(), (out / "pain_points.md").read_text()


def test_the_report_says_why_contacts_need_review_and_which_market_was_not_understood(
    files: dict[str, Path], tmp_path: Path
) -> None:
    tagged = pd.read_parquet(files["tagged"])
    week = tagged[tagged["created_at"] >= WEEKS[-1]]
    low = int((week["review_reason"] == "low_confidence").sum())
    html, md = _report(files, files["tagged"], tmp_path / "report")
    assert f"model unsure {100 * low / 55:.0f}%" in html  # 55 contacts in W47
    assert "other language 5%" in html and "nothing to read 4%" in html  # 3 and 2 of 55
    unread = re.search(r'<section id="unread">.*?</section>', html, re.S)
    assert unread, "no 'Not understood' section"
    cells = re.findall(r"<td[^>]*>([^<]*)</td>", unread.group())
    assert cells == ["DE", "15", "3", "2", "33%", "de 3"]  # UK has none unread: not listed
    assert f"model unsure {low} (" in md and "DE 33% of 15 (de 3)" in md


def test_without_the_columns_the_report_has_no_such_section(files: dict[str, Path], tmp_path: Path) -> None:
    html, md = _report(files, files["plain"], tmp_path / "report")
    assert 'id="unread"' not in html and "Not understood" not in md and "Why contacts need review" not in md


def test_the_dashboard_shows_the_reasons_of_its_selection(files: dict[str, Path]) -> None:
    config = AppConfig(
        workspace=Workspace(files["root"]),
        themes=write_run(files["root"] / "themes"),
        tagged=files["tagged"],
        orders=files["orders"],
        who="t",
    )
    client = TestClient(create_app(config), base_url="http://127.0.0.1:8765")
    last = {"first_week": WEEK, "last_week": WEEK}
    page = client.get("/dashboard", params=last).text
    assert re.search(r'data-reason="language">other language 3 \(5\.5%\)', page)
    assert re.search(r'<tr data-unread="DE"><td>DE</td><td class="n">15</td>', page)
    uk = client.get("/dashboard", params={**last, "market": "UK"}).text
    assert 'data-reason="language"' not in uk and 'data-unread="DE"' not in uk
    contacts = client.get("/pain/refund_not_received", params={**last, "market": "DE"}).text
    assert "needs review (language)" in contacts and "needs review (uninformative)" in contacts
    assert contacts.count("also: cannot_cancel") == 1
