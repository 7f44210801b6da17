"""The app's dashboard side through HTTP: filters, drill-down, search, on hand-checkable data.

Counts of `tests.app_data.write_tagged`: 7 weeks x 2 markets x (10 refund_not_received + 5
cannot_cancel), except the last week in UK with 30 cannot_cancel: 235 contacts, 130 in UK; orders
100 a day per market.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.server import create_app
from app.state import AppConfig
from tests.app_data import write_run, write_tagged
from voc.workspace import Workspace

RANGE = {"first_week": "2026-W41", "last_week": "2026-W47"}


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> TestClient:
    root = tmp_path_factory.mktemp("dash")
    tagged, orders = write_tagged(root / "data")
    config = AppConfig(
        workspace=Workspace(root), themes=write_run(root / "themes"), tagged=tagged, orders=orders, who="t"
    )
    return TestClient(create_app(config), base_url="http://127.0.0.1:8765")


def kpi(page: str, name: str) -> str:
    match = re.search(rf'data-kpi="{name}">([^<]*)<', page)
    assert match, f"no {name} tile"
    return match.group(1)


def keys(page: str) -> list[str]:
    return re.findall(r'<tr data-key="([^"]+)"', page)


def test_filters_change_the_numbers(client: TestClient) -> None:
    everything = client.get("/dashboard", params=RANGE).text
    assert kpi(everything, "contacts") == "235"
    assert kpi(everything, "orders") == "9,800"  # 49 days x 2 markets x 100
    uk = client.get("/dashboard", params={**RANGE, "market": "UK"}).text
    assert kpi(uk, "contacts") == "130" and kpi(uk, "orders") == "4,900"
    assert keys(uk)[0] == "cannot_cancel"  # its jump in the last UK week makes it the most urgent
    assert set(keys(uk)) == {"cannot_cancel", "refund_not_received"}
    one_week = client.get("/dashboard", params={"first_week": "2026-W47", "last_week": "2026-W47"}).text
    assert kpi(one_week, "contacts") == "55"  # 10 + 30 in UK, 10 + 5 in DE
    family = client.get("/dashboard", params={**RANGE, "family": "refund"}).text
    assert keys(family) == ["refund_not_received"]


def test_pain_point_links_carry_the_filters(client: TestClient) -> None:
    page = client.get("/dashboard", params={**RANGE, "market": "UK"}).text
    assert 'href="/pain/cannot_cancel?first_week=2026-W41&amp;last_week=2026-W47&amp;market=UK"' in page


def test_drill_down_to_segments_and_contacts(client: TestClient) -> None:
    page = client.get("/pain/cannot_cancel", params={**RANGE, "market": "UK"}).text
    assert kpi(page, "contacts") == "60"  # 6 x 5 + 30
    assert 'data-dim="market"' in page and 'data-dim="channel"' in page
    # 50 contacts a page, newest first; the second page holds the other 10.
    assert page.count("<li data-contact=") == 50
    second = client.get("/pain/cannot_cancel", params={**RANGE, "market": "UK", "page": 2}).text
    assert second.count("<li data-contact=") == 10
    assert "page 2 of 2" in second


def test_contact_search_and_escaping(client: TestClient) -> None:
    page = client.get("/pain/cannot_cancel", params={**RANGE, "q": "window.__xss"}).text
    assert "<script>window" not in page
    assert "&lt;script&gt;<mark>window.__xss</mark> = 1&lt;/script&gt;" in page
    assert page.count("<li data-contact=") == 1


def test_unknown_pain_point_is_named(client: TestClient) -> None:
    page = client.get("/pain/no_such_cause", params=RANGE)
    assert page.status_code == 400 and "no_such_cause" in page.text


def test_pages_answer_without_a_themes_folder(tmp_path: Path) -> None:
    tagged, orders = write_tagged(tmp_path / "data")
    config = AppConfig(workspace=Workspace(tmp_path), tagged=tagged, orders=orders)
    client = TestClient(create_app(config), base_url="http://127.0.0.1")
    assert kpi(client.get("/dashboard", params=RANGE).text, "contacts") == "235"
    assert client.get("/review").status_code == 400  # named: start the app with --themes DIR
