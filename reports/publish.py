"""Write a weekly report's files atomically and log them to an MLflow run named for the week."""

from __future__ import annotations

import math
import numbers
import time
from pathlib import Path
from typing import Any

from reports.ranking import WeeklyReport
from reports.render import render_html, render_markdown, table_frame, weekly_frame
from voc import tracking
from voc.files import write_table, write_text
from voc.workspace import Workspace

DEFAULT_EXPERIMENT = "voc-weekly-report"
REPORT_FILES = (
    "pain_points.html",
    "pain_points.md",
    "pain_points.csv",
    "pain_points.parquet",
    "pain_points_weekly.csv",
    "pain_points_weekly.parquet",
    # with order events (voc report --events) only
    "operations_kpis.csv",
    "operations_kpis.parquet",
    "operations_links.csv",
    "operations_links.parquet",
    "operations_quarantine.csv",
)
EXPERIMENT_DESCRIPTION = (
    "Weekly pain-point reports (voc report): one run per week, report-<week>, with the week's "
    "totals, each pain point's weekly contacts and CPO (metrics pain_point.<key>.*, step = ISO week "
    "YYYYWW), the ranked table and the report files."
)
# MLflow takes at most 1,000 metrics per batch.
BATCH = 1000


def write_report(
    report: WeeklyReport, out: str | Path, html_rows: int = 20, markdown_rows: int = 10
) -> dict[str, Path]:
    """Write the report's files (:data:`REPORT_FILES`) into ``out``.

    ``pain_points.html``, ``.md``, ``.csv`` (spreadsheet-safe) and ``.parquet``: the ranked pain
    points of the week; ``pain_points_weekly.csv`` and ``.parquet``: the tidy table (one row per
    trend week x pain point x segment). With order events (``report.operations``) also
    ``operations_kpis.csv|parquet`` (the tidy KPI table by market, :mod:`reports.operations`) and
    ``operations_links.csv|parquet`` (the week's links of root causes to operational events,
    :mod:`reports.operations_links`) and ``operations_quarantine.csv`` (bad event rows: row, reason,
    detail). Returns the paths by kind (``html``, ``markdown``, ``csv``,
    ``parquet``, ``weekly_csv``, ``weekly_parquet``, then ``ops_kpis_csv``... with events).
    """
    out = Path(out)
    table, weekly = table_frame(report), weekly_frame(report)
    paths = {
        "html": write_text(out / "pain_points.html", render_html(report, html_rows)),
        "markdown": write_text(out / "pain_points.md", render_markdown(report, markdown_rows)),
        "csv": write_table(table, out / "pain_points.csv"),
        "parquet": write_table(table, out / "pain_points.parquet"),
        "weekly_csv": write_table(weekly, out / "pain_points_weekly.csv"),
        "weekly_parquet": write_table(weekly, out / "pain_points_weekly.parquet"),
    }
    if report.operations is not None:
        for name, frame in (("kpis", report.operations.kpis), ("links", report.operations.links)):
            paths[f"ops_{name}_csv"] = write_table(frame, out / f"operations_{name}.csv")
            paths[f"ops_{name}_parquet"] = write_table(frame, out / f"operations_{name}.parquet")
        paths["ops_quarantine"] = write_table(report.operations.quarantine, out / "operations_quarantine.csv")
    return paths


def log_report(
    report: WeeklyReport,
    paths: dict[str, Path],
    workspace: Workspace,
    experiment: str = DEFAULT_EXPERIMENT,
) -> str:
    """Log the files and the week's metrics to the run ``report-<week>`` of the workspace's store.

    Besides the week's totals, every pain point's weekly ``contacts`` and ``cpo`` over the trend
    weeks are logged as ``pain_point.<key>.contacts`` / ``.cpo`` with step = the ISO week as
    ``YYYYWW`` (202647), so MLflow charts each pain point across weeks (and across report runs);
    its ``score`` and ``change_pct`` are logged at the report week's step. The ranked table is also
    a table artifact (``pain_points_table.json``). The experiment is got or created by
    :func:`voc.tracking.experiment_id` (a new one in a local store keeps its artifacts under the
    workspace). Returns the run id.
    """
    import mlflow  # heavy: imported only when a report is logged
    from mlflow.entities import Metric

    experiment_id = tracking.experiment_id(experiment, workspace, EXPERIMENT_DESCRIPTION)
    client = mlflow.MlflowClient()
    s = report.summary
    run = client.create_run(
        experiment_id,
        run_name=f"report-{s.week}",
        tags={"voc.stage": "report", "week": s.week, "voc.model": s.model or "unknown"},
    )
    run_id = run.info.run_id
    try:
        params = {
            "week": s.week,
            "model": s.model or "unknown",
            "baseline_weeks": report.config.baseline_weeks,
            "alpha": report.config.alpha,
            "min_count": report.config.min_count,
        }
        for key, value in params.items():
            client.log_param(run_id, key, value)
        metrics = {
            "total_contacts": s.contacts,
            "orders": s.orders,
            "cpo": s.cpo,
            "cpo_change_pct": s.cpo_change_pct,
            "significant_movers": s.significant_movers,
            "new_themes": s.new_themes,
            "pain_points": len(report.table),
            "csat": s.csat,
            "nps": s.nps,
            "escalation_rate": s.escalation_rate,
            "review_share": s.review_share,
            "repeat_contact_rate": s.repeat_contact_rate,
        }
        now = int(time.time() * 1000)
        step = week_step(s.week)
        found = [Metric(k, float(v), now, step) for k, v in metrics.items() if _finite(v)]
        found += pain_point_metrics(report, now)
        for start in range(0, len(found), BATCH):
            client.log_batch(run_id, metrics=found[start : start + BATCH])
        for path in paths.values():
            client.log_artifact(run_id, str(path))
        if not report.table.empty:
            client.log_table(run_id, data=_chartable(report), artifact_file="pain_points_table.json")
        client.set_tag(run_id, tracking.NOTE, _description(report))
    except Exception:
        client.set_terminated(run_id, status="FAILED")
        raise
    client.set_terminated(run_id, status="FINISHED")
    return run_id


def week_step(week: str) -> int:
    """An ISO week as an MLflow step that sorts and reads as the week: ``2026-W47`` -> 202647."""
    year, number = week.split("-W")
    return int(year) * 100 + int(number)


def pain_point_metrics(report: WeeklyReport, timestamp: int) -> list[Any]:
    """``pain_point.<key>.contacts|cpo`` per trend week, ``.score|change_pct`` at the report week."""
    from mlflow.entities import Metric

    steps = [week_step(w) for w in report.trend_weeks]
    this_week = week_step(report.summary.week)
    out = []
    for row in report.table.to_dict("records"):
        name = f"pain_point.{_metric_safe(str(row['key']))}"
        for series in ("contacts", "cpo"):
            for step, value in zip(steps, row.get(f"trend_{series}") or [], strict=False):
                if _finite(value):
                    out.append(Metric(f"{name}.{series}", float(value), timestamp, step))
        for key in ("score", "change_pct"):
            if _finite(row.get(key)):
                out.append(Metric(f"{name}.{key}", float(row[key]), timestamp, this_week))
    return out


def _chartable(report: WeeklyReport) -> Any:
    """The ranked table's numbers (no verbatims) for MLflow's table view."""
    columns = ["rank", "key", "name", "kind", "contacts", "cpo", "change_pct", "score", "significant"]
    table = report.table[[c for c in columns if c in report.table.columns]].copy()
    table.insert(0, "week", report.summary.week)
    return table


def _description(report: WeeklyReport) -> str:
    s = report.summary
    top = ", ".join(str(name) for name in report.table["name"].head(3)) if len(report.table) else "none"
    return (
        f"Weekly pain points of {s.week}: {s.contacts:,} contacts, {s.orders:,} orders, CPO "
        f"{s.cpo:.2f}; {s.significant_movers} significant movers, {s.new_themes} new themes. Top 3: "
        f"{top}. Tagged by {s.model or 'an unknown model'}. Per pain point weekly contacts and CPO: "
        "metrics pain_point.<key>.contacts and .cpo (step = ISO week YYYYWW)."
    )


def _finite(value: Any) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool) and math.isfinite(value)


def _metric_safe(name: str) -> str:
    # MLflow metric names allow alphanumerics, _ - . space : /
    return "".join(ch if ch.isalnum() or ch in "_-.:/ " else "_" for ch in name)
