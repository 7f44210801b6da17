"""The app as an analyst and a program manager use it: `voc app` driven in headless Chromium.

One walk through the real command (a subprocess serving a tiny workspace) with selenium and
Debian's chromium-driver: label a whole group and see the new catalogue version; relabel with an
unknown label and see the message `voc label import` gives for the same mistake; filter the
dashboard to one market and see the numbers change; drill from a pain point to its contacts; and a
customer's pasted script shows as text and never runs.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from tests.app_data import write_run, write_tagged
from tests.browser import CHROMIUM, FLAGS

CHROMEDRIVER = shutil.which("chromedriver")
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        CHROMIUM is None or CHROMEDRIVER is None,
        reason="chromium or chromium-driver is missing (Debian: apt-get install chromium chromium-driver)",
    ),
]
ROOT = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _voc(*args: str, workspace: Path, **kwargs: object) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "VOC_WORKSPACE": str(workspace), "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "cli.main", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        **kwargs,
    )  # type: ignore[call-overload]


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """``voc app`` on a free port over a tiny workspace: (base URL, workspace)."""
    ws = tmp_path_factory.mktemp("app-ws")
    run = write_run(ws / "themes")
    tagged, orders = write_tagged(ws / "data")
    port = _free_port()
    env = {**os.environ, "VOC_WORKSPACE": str(ws), "PYTHONPATH": str(ROOT)}
    cmd = [sys.executable, "-m", "cli.main", "app", "--themes", str(run), "--tagged", str(tagged)]
    cmd += ["--orders", str(orders), "--port", str(port), "--who", "browser-test"]
    server = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(240):
            try:
                urllib.request.urlopen(base + "/healthz", timeout=2)
                break
            except OSError:
                if server.poll() is not None:
                    raise AssertionError(
                        f"voc app exited: {server.stdout.read() if server.stdout else ''}"
                    ) from None
                time.sleep(0.5)
        else:
            raise AssertionError("voc app did not answer within 2 minutes")
        yield base, ws
    finally:
        server.terminate()
        server.wait(timeout=30)


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in FLAGS:
        options.add_argument("--headless=new" if flag == "--headless" else flag)
    options.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}")
    options.add_argument("--window-size=1400,1000")
    driver = webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)), options=options)
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()


def _wait(driver: object, css: str, timeout: float = 30) -> object:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, timeout).until(ec.presence_of_element_located((By.CSS_SELECTOR, css)))


def _import_message(run: Path, ws: Path, tmp: Path) -> str:
    """What `voc label import` says of label 'warranty_claimm' on theme 4."""
    sheet = tmp / "sheet.csv"
    pd.DataFrame({"theme_id": [4], "label": ["warranty_claimm"], "action": ["accept"], "notes": [""]}).to_csv(
        sheet, index=False
    )
    result = _voc(
        "label", "import", str(sheet), "--themes", str(run), "--catalogue", str(tmp / "x.db"), workspace=ws
    )
    assert result.returncode == 2, result.stderr
    line = next(x for x in result.stderr.splitlines() if "label:" in x)
    return line.split("label:", 1)[1].strip()


def test_label_filter_drill_down_in_the_browser(
    served: tuple[str, Path], browser: object, tmp_path: Path
) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    base, ws = served
    driver = browser

    # 1. Review: accept the suggestion for the whole "Cannot cancel an order" group.
    driver.get(base + "/review")
    _wait(driver, "#group-0 button.group-accept").click()
    message = _wait(driver, "#flash").text
    assert "Saved 3 accept as catalogue version 1 (by browser-test)" in message
    assert "3 of 5 themes decided" in driver.find_element(By.ID, "progress").text

    # 2. Relabel with an unknown label: the same words as `voc label import`, nothing stored.
    driver.get(base + "/themes/4")
    form = driver.find_element(By.CSS_SELECTOR, "form.decide")
    field = form.find_element(By.NAME, "label")
    field.clear()
    field.send_keys("warranty_claimm")
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    message = _wait(driver, "#flash").text
    assert "Nothing was saved" in message
    assert _import_message(ws / "themes", ws, tmp_path) in message
    driver.get(base + "/review?status=all")
    assert "catalogue version 1 " in driver.find_element(By.ID, "progress").text

    # 3. Dashboard: filtering to one market changes the numbers (UK holds 130 of 235 contacts).
    driver.get(base + "/dashboard?first_week=2026-W41&last_week=2026-W47")
    total = driver.find_element(By.CSS_SELECTOR, "[data-kpi=contacts]").text
    Select(driver.find_element(By.NAME, "market")).select_by_visible_text("UK")  # submits on change
    _wait(driver, "select[name=market] option[selected]")
    uk = driver.find_element(By.CSS_SELECTOR, "[data-kpi=contacts]").text
    assert total == "235" and uk == "130", (total, uk)
    first = driver.find_element(By.CSS_SELECTOR, "#pain-points tbody tr")
    assert first.get_attribute("data-key") == "cannot_cancel"  # the UK jump ranks it first

    # 4. Drill down to its contacts: the breakdown and the redacted contacts of UK only.
    first.find_element(By.CSS_SELECTOR, "a.pain-link").click()
    _wait(driver, "#contacts li")
    assert driver.find_element(By.CSS_SELECTOR, "[data-kpi=contacts]").text == "60"  # 6 x 5 + 30
    assert "UK" in driver.find_element(By.CSS_SELECTOR, "table.breakdown[data-dim=market]").text
    items = driver.find_elements(By.CSS_SELECTOR, "#contacts li")
    assert items and all(" UK " in f" {li.text} " for li in items)

    # 5. The pasted script is shown as text and did not run.
    search = driver.find_element(By.CSS_SELECTOR, "#contact-search input[name=q]")
    search.send_keys("window.__xss")
    search.submit()
    _wait(driver, "#contacts li mark")
    assert "<script>window.__xss = 1</script>" in driver.find_element(By.ID, "contacts").text
    assert driver.execute_script("return window.__xss === undefined")
    driver.get(base + "/themes/0")
    assert "<script>window.__xss = 1</script>" in driver.find_element(By.ID, "members").text
    assert driver.execute_script("return window.__xss === undefined")
