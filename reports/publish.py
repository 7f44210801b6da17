"""Write a weekly report's files atomically and log them to an MLflow run named for the week."""

from __future__ import annotations

import math
from pathlib import Path

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
)


def write_report(
    report: WeeklyReport, out: str | Path, html_rows: int = 20, markdown_rows: int = 10
) -> dict[str, Path]:
    """Write the report's files (:data:`REPORT_FILES`) into ``out``.

    ``pain_points.html``, ``.md``, ``.csv`` (spreadsheet-safe) and ``.parquet``: the ranked pain
    points of the week; ``pain_points_weekly.csv`` and ``.parquet``: the tidy table (one row per
    trend week x pain point x segment). Returns the paths by kind (``html``, ``markdown``, ``csv``,
    ``parquet``, ``weekly_csv``, ``weekly_parquet``).
    """
    out = Path(out)
    table, weekly = table_frame(report), weekly_frame(report)
    return {
        "html": write_text(out / "pain_points.html", render_html(report, html_rows)),
        "markdown": write_text(out / "pain_points.md", render_markdown(report, markdown_rows)),
        "csv": write_table(table, out / "pain_points.csv"),
        "parquet": write_table(table, out / "pain_points.parquet"),
        "weekly_csv": write_table(weekly, out / "pain_points_weekly.csv"),
        "weekly_parquet": write_table(weekly, out / "pain_points_weekly.parquet"),
    }


def log_report(
    report: WeeklyReport,
    paths: dict[str, Path],
    workspace: Workspace,
    experiment: str = DEFAULT_EXPERIMENT,
) -> str:
    """Log the files and the week's metrics to the run ``report-<week>`` of the workspace's store.

    The experiment is got or created by :func:`voc.tracking.experiment_id` (a new one in a local
    store keeps its artifacts under the workspace). Returns the run id.
    """
    import mlflow  # heavy: imported only when a report is logged

    experiment_id = tracking.experiment_id(experiment, workspace)
    client = mlflow.MlflowClient()
    s = report.summary
    run = client.create_run(
        experiment_id, run_name=f"report-{s.week}", tags={"voc.stage": "report", "week": s.week}
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
        for key, value in metrics.items():
            if value is not None and not (isinstance(value, float) and math.isnan(value)):
                client.log_metric(run_id, key, float(value))
        for path in paths.values():
            client.log_artifact(run_id, str(path))
    except Exception:
        client.set_terminated(run_id, status="FAILED")
        raise
    client.set_terminated(run_id, status="FINISHED")
    return run_id
