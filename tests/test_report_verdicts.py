"""The weekly report after issue 13: analysts' verdicts, NPS with its answers, links into the app,
the tidy weekly table, and the same numbers as the dashboard for the same week."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from test_report import GROWER, NEW_THEME_ID, NEW_THEME_NOW, WEEK, make_inputs

from cli.main import main
from reports.dashboard import Dashboard, Filters
from reports.publish import write_report
from reports.ranking import build_report
from reports.render import render_html, render_markdown
from voc.contracts.orders import read_orders
from voc.contracts.tagged import read_tagged
from voc.contracts.themes import read_assignments, read_themes
from voc.taxonomy import load_taxonomy

THEME = f"theme:{NEW_THEME_ID}"


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return make_inputs(tmp_path_factory.mktemp("verdict_inputs"))


@pytest.fixture(scope="module")
def frames(inputs: dict[str, Path]) -> dict[str, pd.DataFrame]:
    return {
        "tagged": read_tagged(inputs["tagged"]),
        "orders": read_orders(inputs["orders"]),
        "themes": read_themes(inputs["themes"], required=("label",)),
        "assignments": read_assignments(inputs["themes"]),
    }


@pytest.fixture(scope="module")
def plain(frames: dict[str, pd.DataFrame]):
    """The report without verdicts."""
    return _report(frames)


def _report(frames: dict[str, pd.DataFrame], verdicts: pd.DataFrame | None = None):
    f = frames
    return build_report(
        f["tagged"], f["orders"], load_taxonomy(), WEEK, f["themes"], f["assignments"], verdicts=verdicts
    )


def _verdict(action: str, label: str | None = None, proposed: str | None = None) -> pd.DataFrame:
    return pd.DataFrame(
        {"theme_id": [NEW_THEME_ID], "action": [action], "label": [label], "proposed": [proposed]}
    )


def test_a_theme_marked_noise_is_no_pain_point(frames: dict[str, pd.DataFrame], plain) -> None:
    before = plain.table.set_index("key")
    assert THEME in before.index and before.loc[THEME, "status"] == "new"
    report = _report(frames, _verdict("noise"))
    after = report.table.set_index("key")
    assert (
        THEME not in after.index
        and "voucher" not in render_markdown(report)
        and not (after["kind"] == "theme").any()
    )
    # Its contacts are back with the cause the model guessed for them.
    payment = after.loc["payment_failed", "contacts"]
    assert payment == before.loc["payment_failed", "contacts"] + NEW_THEME_NOW


def test_a_labelled_theme_counts_for_its_root_cause(frames: dict[str, pd.DataFrame], plain) -> None:
    before = plain.table.set_index("key")
    after = _report(frames, _verdict("accept", "charged_twice")).table.set_index("key")
    assert THEME not in after.index
    # The theme's unsure contacts count for the analyst's label, not for the model's unsure guess.
    assert after.loc["charged_twice", "contacts"] == NEW_THEME_NOW + before.loc["charged_twice", "contacts"]
    assert after.loc["payment_failed", "contacts"] == before.loc["payment_failed", "contacts"]


def test_a_proposed_cause_shows_under_its_name(frames: dict[str, pd.DataFrame]) -> None:
    report = _report(frames, _verdict("split", proposed="Voucher crash at checkout"))
    row = report.table.set_index("key").loc[THEME]
    assert row["name"] == "Voucher crash at checkout" and row["proposed"] and row["kind"] == "theme"
    assert row["contacts"] == NEW_THEME_NOW
    assert report.summary.new_themes == 0  # proposed, so not "new, not yet labelled"
    html = render_html(report)
    assert "Voucher crash at checkout" in html and "PROPOSED" in html and "New theme:" not in html


def test_nps_review_repeat_next_step_and_app_links(frames: dict[str, pd.DataFrame]) -> None:
    # Two of the new theme's customers answered the NPS question this week.
    tagged = frames["tagged"].copy()
    unsure = tagged.index[tagged["needs_review"]]
    tagged.loc[unsure[2:], "nps"] = None
    report = _report({**frames, "tagged": tagged})
    table = report.table.set_index("key")
    grower = table.loc[GROWER]
    assert grower["nps_n"] >= 5 and not pd.isna(grower["nps"])
    assert grower["next_step"].startswith("Review packaging")
    assert grower["url"] == (
        f"http://127.0.0.1:8765/pain/{GROWER}?first_week=2026-W40&last_week={WEEK}"
    )  # the report's 8 trend weeks
    assert table.loc[THEME, "url"].startswith(f"http://127.0.0.1:8765/pain/theme%3A{NEW_THEME_ID}?")
    assert table.loc[THEME, "review_share"] == 1.0
    html, markdown = render_html(report), render_markdown(report)
    assert f'href="http://127.0.0.1:8765/pain/{GROWER}?first_week=2026-W40&amp;last_week={WEEK}"' in html
    assert "Needs review" in html and "Repeat contacts" in html and "NPS" in html
    assert "Next step: Review packaging" in html and "### Next steps" in markdown
    # Few answers show as n<5, never as an empty cell or a number made of 2 answers.
    assert table.loc[THEME, "nps_n"] == 2 and pd.isna(table.loc[THEME, "nps"])
    assert "n&lt;5" in html and "n&lt;5 (n=2)" in markdown


def test_the_tidy_tables_read_back_as_plain_numbers(plain, tmp_path: Path) -> None:
    report = plain
    paths = write_report(report, tmp_path)
    weekly = pd.read_csv(paths["weekly_csv"])
    parquet = pd.read_parquet(paths["weekly_parquet"])
    assert len(weekly) == len(parquet) > 0
    numbers = ["contacts", "orders", "cpo", "baseline_cpo", "change_pct", "p_value", "csat", "csat_n",
               "nps", "nps_n", "escalation_rate", "repeat_contact_rate", "review_share"]  # fmt: skip
    for column in numbers:
        assert pd.api.types.is_numeric_dtype(weekly[column]), column
    assert set(weekly["segment_type"]) == {"all", "market", "channel", "category", "order_stage"}
    assert set(weekly["mark"].fillna("")) <= {"", "up", "down"}
    # One row per week x pain point x segment; the markets add up to all contacts.
    assert not weekly.duplicated(["week", "key", "segment_type", "segment"]).any()
    everyone = weekly[weekly["segment_type"] == "all"].set_index(["week", "key"])["contacts"]
    by_market = weekly[weekly["segment_type"] == "market"].groupby(["week", "key"])["contacts"].sum()
    assert by_market.reindex(everyone.index, fill_value=0).equals(everyone)
    assert len(everyone) == 8 * len(report.table)  # 8 trend weeks per pain point
    row = weekly[(weekly["key"] == GROWER) & (weekly["week"] == WEEK) & (weekly["segment_type"] == "all")]
    ranked = report.table.set_index("key").loc[GROWER]
    assert row["contacts"].item() == ranked["contacts"] and row["mark"].item() == "up"
    assert row["change_pct"].item() == pytest.approx(ranked["change_pct"], abs=1e-6)
    # The ranked table too: numbers as numbers (fractions, no "'+79%" text), no packed cells.
    table = pd.read_csv(paths["csv"])
    numbers += ["score", "share", "expected"]
    for column in numbers:
        assert pd.api.types.is_numeric_dtype(table[column]), column
    assert table["change_pct"].abs().max() < 100  # a fraction: 0.79 is +79%
    assert not {"rise", "growing_markets", "trend_weeks", "trend_contacts", "trend_cpo"} & set(table.columns)


def test_report_and_dashboard_agree_on_the_same_week(frames: dict[str, pd.DataFrame], plain) -> None:
    report = plain
    f = frames
    dashboard = Dashboard.from_frames(
        f["tagged"], f["orders"], load_taxonomy(), f["themes"], f["assignments"]
    )
    week = dashboard.pain_points(Filters(first_week=WEEK, last_week=WEEK)).set_index("key")
    ranked = report.table.set_index("key")
    assert list(week.index) == list(ranked.index)  # same pain points, same order
    columns = [
        "contacts",
        "cpo",
        "change_pct",
        "status",
        "significant",
        "csat",
        "nps",
        "review_share",
        "score",
    ]
    pd.testing.assert_frame_equal(week[columns], ranked[columns], check_dtype=False)
    # The same test marks the same week in a longer range.
    marks = dashboard.pain_points(Filters(last_week=WEEK)).set_index("key")["weekly_marks"]
    assert marks[GROWER][-1] == "up" and all(marks[k][-1] == "" for k in ranked.index[~ranked["significant"]])


def test_cli_applies_the_catalogue_and_the_app_url(inputs: dict[str, Path], tmp_path: Path) -> None:
    from training.labelling.catalogue import Catalogue, ImportInfo, ThemeDecision

    catalogue = Catalogue(tmp_path / "labels.db")
    catalogue.record_theme_decisions(
        [ThemeDecision(theme_id=NEW_THEME_ID, action="noise")], ImportInfo(who="t")
    )
    catalogue.close()
    out = tmp_path / "report"
    argv = ["report", str(inputs["tagged"]), "--themes", str(inputs["themes"]),
            "--orders", str(inputs["orders"]), "--out", str(out), "--week", WEEK, "--no-mlflow",
            "--catalogue", str(tmp_path / "labels.db"), "--app-url", "http://voc.example:9000/"]  # fmt: skip
    assert main(argv) == 0
    table = pd.read_parquet(out / "pain_points.parquet")
    assert THEME not in set(table["key"])
    assert table["url"].str.startswith("http://voc.example:9000/pain/").all()
    assert (out / "pain_points_weekly.csv").is_file() and (out / "pain_points_weekly.parquet").is_file()
    bad = [*argv[:-1], "javascript:alert(1)"]
    bad[bad.index("--out") + 1] = str(tmp_path / "other")
    assert main(bad) == 2
