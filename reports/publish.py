"""Write a weekly report's files atomically and log them to an MLflow run named for the week."""

from __future__ import annotations

import math
from pathlib import Path

from reports.ranking import WeeklyReport
from reports.render import render_html, render_markdown, table_frame
from voc.files import write_table, write_text

DEFAULT_EXPERIMENT = "voc-weekly-report"


def write_report(
    report: WeeklyReport, out: str | Path, html_rows: int = 20, markdown_rows: int = 10
) -> dict[str, Path]:
    """Write ``pain_points.html``, ``.md``, ``.csv`` (spreadsheet-safe) and ``.parquet`` into ``out``.

    Returns the paths by kind (``html``, ``markdown``, ``csv``, ``parquet``).
    """
    out = Path(out)
    table = table_frame(report)
    return {
        "html": write_text(out / "pain_points.html", render_html(report, html_rows)),
        "markdown": write_text(out / "pain_points.md", render_markdown(report, markdown_rows)),
        "csv": write_table(table, out / "pain_points.csv"),
        "parquet": write_table(table, out / "pain_points.parquet"),
    }


def log_report(
    report: WeeklyReport,
    paths: dict[str, Path],
    tracking_uri: str,
    artifact_root: Path,
    experiment: str = DEFAULT_EXPERIMENT,
) -> str:
    """Log the files and the week's metrics to the run ``report-<week>``; returns the run id.

    A new experiment in a local store gets ``artifact_root/<experiment>`` as its artifact location
    so nothing lands in the working directory.
    """
    import mlflow  # heavy: imported only when a report is logged

    client = mlflow.MlflowClient(tracking_uri=tracking_uri)
    found = client.get_experiment_by_name(experiment)
    if found is None:
        location = (
            None if tracking_uri.startswith("http") else (artifact_root / experiment).resolve().as_uri()
        )
        experiment_id = client.create_experiment(experiment, artifact_location=location)
    else:
        experiment_id = found.experiment_id
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
            "escalation_rate": s.escalation_rate,
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
