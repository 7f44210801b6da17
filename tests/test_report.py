"""The weekly pain-point report: ranking, significance, CPO, escaping, outputs and MLflow."""

from __future__ import annotations

import datetime as dt
import os
import stat
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cli.main import main
from reports.ranking import build_report
from reports.render import render_html, render_markdown
from voc.contracts.orders import read_orders
from voc.contracts.tagged import read_tagged
from voc.contracts.themes import read_assignments, read_themes
from voc.errors import InputError
from voc.taxonomy import load_taxonomy

WEEK = "2026-W47"
MONDAY = dt.date(2026, 11, 16)
N_WEEKS = 10
# Stable weekly volumes of the planted causes; damaged_in_transit jumps in the last week.
BASE = {
    "wrong_size_fit": 120,
    "shipping_delay": 100,
    "refund_not_received": 80,
    "changed_mind": 70,
    "defective": 50,
    "lost_parcel": 40,
    "charged_twice": 30,
    "payment_failed": 15,
    "damaged_in_transit": 20,
}
GROWER, GROWER_NOW = "damaged_in_transit", 90
NEW_THEME_ID, NEW_THEME_NOW = 99, 35
SCRIPT = "<script>alert(1)</script> the box arrived crushed"
FORMULA = '=HYPERLINK("http://evil.example","click") the jeans are too small'
PHRASES = {
    "wrong_size_fit": "the size runs small, I need to return it",
    "shipping_delay": "my parcel is late, it still has not shipped",
    "refund_not_received": "I returned it two weeks ago and still no refund",
    "changed_mind": "I changed my mind and want to cancel",
    "defective": "it stopped working after a day",
    "lost_parcel": "tracking says delivered but nothing arrived",
    "charged_twice": "I was charged twice for one order",
    "payment_failed": "my card payment failed",
    "damaged_in_transit": "the item arrived damaged in a crushed box",
}
NEW_THEME_TEXT = "the app crashes when I apply the voucher code at checkout"
OPENERS = ("", "Hi, ", "Honestly ", "Third time asking: ", "Hello team, ")
CLOSERS = ("", " Please help.", " Very disappointed.", " What are my options?", " Fix this please.")


def _say(rng: np.random.Generator, phrase: str) -> str:
    return f"{rng.choice(OPENERS)}{phrase}.{rng.choice(CLOSERS)}"


def make_inputs(folder: Path, seed: int = 3) -> dict[str, Path]:
    """Write ~10 weeks of tagged contacts, themes and daily orders; return the paths."""
    rng = np.random.default_rng(seed)
    taxonomy = load_taxonomy()
    first = MONDAY - dt.timedelta(weeks=N_WEEKS - 1)
    rows: list[dict[str, object]] = []
    assignments: list[dict[str, object]] = []

    def add(cause: str, day: dt.date, text: str, **extra: object) -> None:
        cid = f"c{len(rows):05d}"
        hour = int(rng.integers(0, 24))
        rows.append(
            {
                "contact_id": cid,
                "root_cause": cause,
                "family": taxonomy.family_of(cause),
                "confidence": float(extra.pop("confidence", rng.uniform(0.6, 0.95))),
                "needs_review": bool(extra.pop("needs_review", False)),
                "model_name": "voc-root-cause",
                "model_version": "3",
                "created_at": pd.Timestamp(day, tz="UTC") + pd.Timedelta(hours=hour),
                "channel": rng.choice(["chat", "email", "call", "review", "app"]),
                "market": rng.choice(["DE", "FR", "UK"]),
                "category": "fashion",
                "order_stage": rng.choice(["pre_shipment", "in_transit", "delivered", "post_delivery"]),
                "csat": int(extra.pop("csat", rng.integers(2, 6))),
                "nps": int(rng.integers(0, 11)),
                "escalated": bool(rng.random() < 0.1),
                "clean_text": text,
                "text": f"{text} -- Jane Roe, jane.roe@example.com, +44 7700 900123",  # raw: never shown
            }
        )
        theme = extra.pop("theme", list(BASE).index(cause))
        assignments.append({"contact_id": cid, "theme_id": theme, "probability": 0.9})

    for w in range(N_WEEKS):
        monday = first + dt.timedelta(weeks=w)
        last = w == N_WEEKS - 1
        for cause, rate in BASE.items():
            n = GROWER_NOW if (last and cause == GROWER) else int(rng.poisson(rate))
            for i in range(n):
                day = monday + dt.timedelta(days=int(rng.integers(0, 7)))
                add(cause, day, _say(rng, f"{PHRASES[cause]} (order {w}-{i})"))
        if last:
            for _ in range(NEW_THEME_NOW):
                day = monday + dt.timedelta(days=int(rng.integers(0, 7)))
                add(
                    "payment_failed", day, _say(rng, NEW_THEME_TEXT),
                    confidence=0.35, needs_review=True, theme=NEW_THEME_ID, csat=1,
                )  # fmt: skip
            add(GROWER, monday, SCRIPT, confidence=0.99)
            add("wrong_size_fit", monday, FORMULA, confidence=0.99)
    tagged = pd.DataFrame(rows)
    themes = pd.DataFrame(
        {
            "theme_id": [*range(len(BASE)), NEW_THEME_ID],
            "parent_id": [None] * (len(BASE) + 1),
            "size": 100,
            "keywords": [[c.replace("_", " ")] for c in BASE] + [["app crash", "voucher", "checkout"]],
            "exemplars": [[] for _ in range(len(BASE) + 1)],
            "is_new": [False] * len(BASE) + [True],
            "label": [*BASE, None],
        }
    )
    days = pd.date_range(first, periods=7 * N_WEEKS, freq="D")
    orders = pd.DataFrame(
        [
            {"date": d.date().isoformat(), "market": m, "category": "fashion", "orders": 5000}
            for d in days
            for m in ("DE", "FR", "UK")
        ]
    )
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "themes").mkdir(exist_ok=True)
    paths = {
        "tagged": folder / "tagged.parquet",
        "orders": folder / "orders.csv",
        "themes": folder / "themes",
    }
    tagged.to_parquet(paths["tagged"], index=False)
    orders.to_csv(paths["orders"], index=False)
    themes.to_parquet(folder / "themes" / "themes.parquet", index=False)
    pd.DataFrame(assignments).to_parquet(folder / "themes" / "assignments.parquet", index=False)
    return paths


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return make_inputs(tmp_path_factory.mktemp("report_inputs"))


@pytest.fixture(scope="module")
def report(inputs: dict[str, Path]):
    themes = read_themes(inputs["themes"], required=("label",))
    assignments = read_assignments(inputs["themes"])
    return build_report(
        read_tagged(inputs["tagged"]),
        read_orders(inputs["orders"]),
        load_taxonomy(),
        WEEK,
        themes,
        assignments,
    )


def test_grower_and_new_theme_rank_in_top_three_and_are_flagged(report) -> None:
    top = report.table.head(3).set_index("key")
    assert GROWER in top.index, report.table[["rank", "name", "score"]].head(5)
    assert f"theme:{NEW_THEME_ID}" in top.index, report.table[["rank", "name", "score"]].head(5)
    assert top.loc[GROWER, "status"] == "growing" and top.loc[GROWER, "significant"]
    new = top.loc[f"theme:{NEW_THEME_ID}"]
    assert new["status"] == "new" and new["owner"].startswith("Unassigned")
    assert "voucher" in new["name"]
    assert report.summary.new_themes == 1
    # The unsure contacts moved to the theme, so the cause the classifier guessed does not grow.
    payment = report.table.set_index("key").loc["payment_failed"]
    assert payment["status"] == "steady" and payment["contacts"] < 30


def test_themes_the_classifier_explains_are_not_listed_twice(inputs: dict[str, Path]) -> None:
    # A first discovery run: no theme is labelled and every theme is new. Themes whose contacts the
    # classifier confidently puts in one cause are reported through that cause; only the voucher
    # crash (unsure contacts) is a theme of its own.
    themes = read_themes(inputs["themes"], required=("label",)).assign(label=None, is_new=True)
    assignments = read_assignments(inputs["themes"])
    tagged = read_tagged(inputs["tagged"])
    result = build_report(tagged, read_orders(inputs["orders"]), load_taxonomy(), WEEK, themes, assignments)
    assert list(result.table.loc[result.table["kind"] == "theme", "key"]) == [f"theme:{NEW_THEME_ID}"]


def test_noise_level_changes_are_not_significant(report) -> None:
    stable = report.table[report.table["key"].isin(set(BASE) - {GROWER})]
    assert len(stable) == len(BASE) - 1
    assert not stable["significant"].any(), stable[["name", "contacts", "baseline_contacts", "p_value"]]
    assert (stable["status"] == "steady").all()


def test_cpo_on_a_hand_checkable_case() -> None:
    # 4 baseline weeks of 10 contacts on 2,000 orders (CPO 5), then 30 contacts on 4,000 orders (CPO 7.5);
    # before them 3 weeks of orders with no contacts at all (the export had not started): missing data.
    monday = pd.Timestamp("2026-11-16")
    tagged, orders = [], []
    for w, (n, o) in enumerate([(0, 9000)] * 3 + [(10, 2000)] * 4 + [(30, 4000)]):
        start = monday - pd.Timedelta(weeks=7 - w)
        tagged += [
            {"contact_id": f"{w}-{i}", "root_cause": "defective", "created_at": start + pd.Timedelta(hours=i),
             "clean_text": f"broken {i}", "market": "DE", "category": "x"}
            for i in range(n)
        ]  # fmt: skip
        orders += [{"date": start + pd.Timedelta(days=d), "market": "DE", "category": "x", "orders": o // 7}
                   for d in range(7)]  # fmt: skip
        orders[-1]["orders"] += o % 7
    df = pd.DataFrame(tagged)
    df["created_at"] = pd.to_datetime(df["created_at"], utc=True)
    result = build_report(df, pd.DataFrame(orders), load_taxonomy(), "2026-W47")
    row = result.table.iloc[0]
    assert result.summary.orders == 4000 and result.summary.contacts == 30
    assert row["cpo"] == pytest.approx(7.5)
    assert result.summary.cpo == pytest.approx(7.5)
    assert row["baseline_cpo"] == pytest.approx(5.0)
    assert row["change_pct"] == pytest.approx(0.5)  # a fraction: +50%
    assert row["expected"] == pytest.approx(20.0)
    assert result.summary.previous_cpo == pytest.approx(5.0)
    assert result.breakdowns["market"].loc["DE", "cpo"] == pytest.approx(7.5)
    assert result.breakdowns["category"].loc["x", ["contacts", "orders", "cpo"]].tolist() == [30, 4000, 7.5]
    assert row["trend_cpo"] == pytest.approx([0, 0, 0, 5, 5, 5, 5, 7.5])
    assert row["family"] == "return" and not row["significant"]  # 30 vs 20 expected: p ~ 0.04


def test_a_rise_built_over_three_weeks_is_still_significant() -> None:
    from reports.significance import weekly_test

    orders = np.full(8, 10_000.0)
    ramp = weekly_test(np.array([20, 20, 20, 20, 20, 32, 40, 40]), orders)
    # Against the trailing 4 weeks (20, 20, 32, 40) the last week alone is not significant ...
    assert not ramp.up and ramp.p_up > 0.005
    # ... but the last 3 weeks pooled against the 4 before them are.
    assert ramp.sustained and ramp.growth > 0.5
    noise = weekly_test(np.array([100, 93, 108, 97, 104, 99, 95, 112]), orders)
    assert not noise.rising and not noise.down and noise.growth == 0.0
    doubled_orders = weekly_test(np.array([20, 20, 20, 20, 20, 20, 20, 40]), np.r_[orders[:7], 20_000.0])
    assert not doubled_orders.rising and doubled_orders.change_pct == pytest.approx(0.0)


def test_a_rise_in_one_market_flags_the_cause_and_names_the_market() -> None:
    # Lost parcels: 60 a week in FR and UK, 10 in DE; in the last week DE jumps to 30. Overall that
    # is 150 against 130 (noise-level), but in DE it is three times the usual.
    monday = pd.Timestamp("2026-11-16", tz="UTC")
    rows, orders = [], []
    for w in range(8):
        start = monday - pd.Timedelta(weeks=7 - w)
        for market, n in (("FR", 60), ("UK", 60), ("DE", 30 if w == 7 else 10)):
            rows += [
                {"contact_id": f"{w}{market}{i}", "root_cause": "lost_parcel", "market": market,
                 "created_at": start + pd.Timedelta(hours=i), "clean_text": "where is my parcel"}
                for i in range(n)
            ]  # fmt: skip
            orders.append(
                {"date": start.tz_convert(None), "market": market, "category": "x", "orders": 10_000}
            )
    result = build_report(pd.DataFrame(rows), pd.DataFrame(orders), load_taxonomy(), WEEK)
    row = result.table.set_index("key").loc["lost_parcel"]
    assert row["p_value"] > 0.01, "not significant overall"
    assert row["status"] == "growing" and row["growing_markets"] == "DE +200%"
    assert "rising in DE +200%" in render_html(result)


def test_a_bad_week_is_an_input_error_naming_the_option(inputs: dict[str, Path]) -> None:
    tagged, orders, taxonomy = read_tagged(inputs["tagged"]), read_orders(inputs["orders"]), load_taxonomy()
    with pytest.raises(InputError, match=r"^--week '47' is not an ISO week such as 2026-W47$"):
        build_report(tagged, orders, taxonomy, "47")
    with pytest.raises(InputError, match=r"^--week '2025-W53' does not exist: 2025 has weeks 1 to 52$"):
        build_report(tagged, orders, taxonomy, "2025-W53")
    assert build_report(tagged, orders, taxonomy, "2026w47").summary.week == WEEK


def test_script_is_escaped_in_html_and_markdown(report) -> None:
    html = render_html(report)
    assert "<script>" not in html
    # Self-contained: nothing to fetch (no stylesheet, script, image, font or CSS url()).
    assert not any(tag in html for tag in ("<link", "<script", "<img", "src=", "url(", "@import"))
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    markdown = render_markdown(report)
    assert "<script>" not in markdown and "&lt;script&gt;" in markdown
    # Each table row keeps its column count whatever the customer typed.
    table_lines = [line for line in markdown.splitlines() if line.startswith("| ") and line[2:3].isdigit()]
    assert table_lines and all(line.replace("\\|", "").count("|") == 15 for line in table_lines)


def test_markdown_escapes_pipes_and_shows_sparklines(report) -> None:
    from reports.render import _markdown_escape

    assert _markdown_escape("a | b <i>") == "a \\| b &lt;i&gt;"
    markdown = render_markdown(report)
    assert any(ch in markdown for ch in "▁▂▃▅▇")
    assert "New, emerging and proposed themes" in markdown and "voucher" in markdown
    assert "| Category | Contacts | Orders | CPO |" in markdown


@pytest.mark.slow  # the first MLflow run creates the SQLite store (~15 s)
def test_cli_writes_files_neutralises_formulas_and_logs_mlflow(
    inputs: dict[str, Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    import mlflow

    monkeypatch.setenv("VOC_WORKSPACE", str(tmp_path / "ws"))
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    out = tmp_path / "out"
    argv = ["report", str(inputs["tagged"]), "--themes", str(inputs["themes"]),
            "--orders", str(inputs["orders"]), "--out", str(out)]  # fmt: skip
    assert main(argv) == 0  # no --week: the last complete week of the data is W47
    printed = capsys.readouterr().out
    assert WEEK in printed and str(out / "pain_points.html") in printed
    for name in ("pain_points.html", "pain_points.md", "pain_points.csv", "pain_points.parquet"):
        assert (out / name).stat().st_size > 500, name
        content = (out / name).read_bytes()
        assert b"jane.roe" not in content and b"7700 900123" not in content, f"raw text leaked into {name}"
    csv_text = (out / "pain_points.csv").read_text(encoding="utf-8")
    assert "'=HYPERLINK(" in csv_text
    cells = pd.read_csv(out / "pain_points.csv").filter(like="verbatim").stack()
    assert not cells.astype(str).str.startswith(("=", "+", "-", "@")).any()
    parquet = pd.read_parquet(out / "pain_points.parquet")
    assert parquet["verbatim_1"].str.startswith("=HYPERLINK(").any()  # Parquet keeps the exact text
    assert list(parquet["rank"][:3]) == [1, 2, 3]

    client = mlflow.MlflowClient(tracking_uri=f"sqlite:///{tmp_path / 'ws' / 'mlflow.db'}")
    experiment = client.get_experiment_by_name("voc-weekly-report")
    assert experiment is not None and str(tmp_path / "ws" / "mlartifacts") in experiment.artifact_location
    (run,) = client.search_runs([experiment.experiment_id], f"tags.mlflow.runName = 'report-{WEEK}'")
    assert run.data.metrics["new_themes"] == 1 and run.data.metrics["significant_movers"] >= 1
    assert run.data.metrics["total_contacts"] > 500
    logged = {a.path for a in client.list_artifacts(run.info.run_id)}
    files = {"pain_points.html", "pain_points.md", "pain_points.csv", "pain_points.parquet"}
    files |= {"pain_points_weekly.csv", "pain_points_weekly.parquet"}
    assert logged == files | {"pain_points_table.json"}
    # Each pain point can be charted across weeks: its weekly contacts, step = the ISO week YYYYWW.
    history = client.get_metric_history(run.info.run_id, f"pain_point.{GROWER}.contacts")
    by_week = {m.step: m.value for m in history}
    this_week = parquet.loc[parquet["key"] == GROWER, "contacts"].item()
    assert by_week[202647] == this_week >= GROWER_NOW and by_week[202646] < GROWER_NOW / 2
    assert sorted(by_week)[-1] == 202647 and len(by_week) == 8
    assert f"pain_point.{GROWER}.score" in run.data.metrics
    assert WEEK in run.data.tags["mlflow.note.content"]
    assert experiment.tags.get("mlflow.note.content")


def test_report_files_are_readable_by_the_group_under_umask_022(report, tmp_path: Path) -> None:
    from reports.publish import write_report

    previous = os.umask(0o022)
    try:
        paths = write_report(report, tmp_path / "shared")
    finally:
        os.umask(previous)
    for path in paths.values():
        mode = stat.S_IMODE(path.stat().st_mode)
        assert mode == 0o644, f"{path.name}: {oct(mode)}"  # a teammate on a shared drive can open it


def test_bad_inputs_exit_2_naming_the_file(
    inputs: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = tmp_path / "tagged.csv"
    pd.DataFrame({"contact_id": ["a"], "created_at": ["2026-11-17"], "clean_text": ["x"]}).to_csv(broken)
    argv = ["report", str(broken), "--orders", str(inputs["orders"]),
            "--out", str(tmp_path / "o"), "--no-mlflow"]  # fmt: skip
    assert main(argv) == 2
    argv = ["report", str(inputs["tagged"]), "--orders", str(inputs["orders"]),
            "--out", str(tmp_path / "o"), "--week", "2025-W01", "--no-mlflow"]  # fmt: skip
    assert main(argv) == 2
    assert main([*argv[:-2], "2025-W53", "--no-mlflow"]) == 2
    assert "--week '2025-W53' does not exist" in capsys.readouterr().err
