"""The report page in a real browser: headless Chromium shows the table and the charts."""

from __future__ import annotations

import re
import struct
from pathlib import Path

import pytest
from browser import chromium, needs_chromium
from test_report import GROWER, make_inputs

from cli.main import main

pytestmark = needs_chromium


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("report_browser")
    inputs = make_inputs(folder / "in")
    argv = ["report", str(inputs["tagged"]), "--themes", str(inputs["themes"]),
            "--orders", str(inputs["orders"]), "--out", str(folder / "out"), "--week", "2026-W47",
            "--no-mlflow"]  # fmt: skip
    assert main(argv) == 0
    return folder / "out" / "pain_points.html"


def test_the_page_shows_the_table_and_the_charts(page: Path, tmp_path: Path) -> None:
    dom = chromium(tmp_path / "profile", "--dump-dom", page.as_uri())
    text = re.sub(r"<[^>]+>", " ", dom)
    assert "Ranked pain points" in text and "Weekly pain points" in text
    assert "Damaged in transit" in text and "voucher" in text
    assert len(re.findall(r"<tr>", dom)) >= 10
    charts = re.findall(r'<svg class="chart"', dom)
    assert len(charts) == 3, "trend, movers and CPO by family"
    assert len(re.findall(r'<svg class="spark"', dom)) >= 10
    # The customer's <script> arrived as text: no script element ran or exists in the page.
    assert "<script" not in dom.lower()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in dom
    assert GROWER and "GROWING" in text and "NEW" in text


def test_screenshot_is_a_real_page(page: Path, tmp_path: Path) -> None:
    shot = tmp_path / "report.png"
    chromium(tmp_path / "profile", f"--screenshot={shot}", "--window-size=1400,2000", page.as_uri())
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    assert (width, height) == (1400, 2000)
    assert len(data) > 50_000, "a blank page compresses to a few kilobytes"
