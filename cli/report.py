"""``voc report``: rank the week's pain points and write HTML, Markdown, CSV and Parquet."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from cli.label import CatalogueOpt
from cli.options import DayFirst
from reports.config import DEFAULT_APP_URL
from voc.errors import InputError
from voc.outputs import Output, claim_outputs
from voc.workspace import Workspace

if TYPE_CHECKING:
    import pandas as pd

    from reports.ranking import WeeklyReport
    from voc.taxonomy import Taxonomy

EPILOG = (
    "Examples:\n\n"
    "  voc report workspace/data/processed/tagged.parquet --orders workspace/data/raw/orders.parquet\n\n"
    "  voc report tagged.parquet --orders orders.parquet --themes workspace/themes --week 2026-W47\n\n"
    "  voc report tagged.csv --orders orders.csv --out reports/latest --no-mlflow\n\n"
    "  voc report tagged.parquet --orders o.parquet --app-url http://voc.example:8765\n\n"
    "  voc report tagged.parquet --orders o.parquet --events workspace/data/raw/order_events.parquet\n\n"
    "Without --week: the last complete week; without --out: WORKSPACE/reports/WEEK. With --themes,\n"
    "the analysts' verdicts in the label catalogue apply (noise themes are no pain points).\n\n"
    "Writes OUT/pain_points.html (self-contained), .md, .csv, .parquet and the tidy table\n"
    "pain_points_weekly.csv/.parquet, and logs them to the MLflow run report-<week>. With --events:\n"
    "an operations section (KPIs by market, tested), each pain point's operational link and next\n"
    "step, and OUT/operations_kpis.csv/.parquet, operations_links.csv/.parquet and\n"
    "operations_quarantine.csv (bad event rows: row, reason, detail)."
)


def report(
    ctx: typer.Context,
    tagged: Annotated[Path, typer.Argument(help="Tagged contacts from voc tag (.parquet or .csv).")],
    orders: Annotated[Path, typer.Option("--orders", help="Orders file: date, market, category, orders.")],
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Folder for the report files; default WORKSPACE/reports/WEEK."),
    ] = None,
    themes: Annotated[
        Path | None, typer.Option("--themes", help="Folder with themes.parquet and assignments.parquet.")
    ] = None,
    week: Annotated[
        str | None, typer.Option("--week", help="ISO week, e.g. 2026-W47; default: last complete week.")
    ] = None,
    taxonomy: Annotated[
        Path | None, typer.Option("--taxonomy", help="Taxonomy YAML (default: bundled).")
    ] = None,
    experiment: Annotated[
        str, typer.Option("--experiment", help="MLflow experiment name.")
    ] = "voc-weekly-report",
    html_rows: Annotated[int, typer.Option(min=1, help="Pain points in the HTML table.")] = 20,
    no_mlflow: Annotated[bool, typer.Option("--no-mlflow", help="Do not log the run to MLflow.")] = False,
    app_url: Annotated[
        str, typer.Option("--app-url", help="Where `voc app` runs; each pain point links to its page.")
    ] = DEFAULT_APP_URL,
    events: Annotated[
        Path | None,
        typer.Option(
            "--events",
            help="Order events (.csv, .parquet, .jsonl): operations section and each pain point's link.",
        ),
    ] = None,
    catalogue: CatalogueOpt = None,
    dayfirst: DayFirst = None,
) -> None:
    """Rank the week's pain points (root causes, proposed causes and emerging themes) and write the
    weekly report: HTML, Markdown, the ranked table and a tidy weekly table for BI tools."""
    from cli.progress import step
    from reports.config import ReportConfig
    from reports.publish import log_report, write_report
    from reports.ranking import build_report
    from voc.contracts.orders import read_orders
    from voc.contracts.tagged import read_tagged
    from voc.contracts.themes import read_assignments, read_themes
    from voc.taxonomy import load_taxonomy
    from voc.weeks import iso_week, parse_iso_week

    workspace: Workspace = ctx.obj if isinstance(ctx.obj, Workspace) else Workspace.resolve()
    try:
        tax = load_taxonomy(taxonomy or workspace.taxonomy_file)
        config = ReportConfig(app_url=app_url)
    except ValueError as exc:
        raise InputError(f"--app-url: {exc}" if "app URL" in str(exc) else str(exc)) from exc
    inputs = [p for p in (tagged, orders, themes, taxonomy, events) if p is not None]
    target = out
    if target is None and week is not None:
        with contextlib.suppress(ValueError):  # a bad --week is reported by build_report
            target = workspace.reports / iso_week(parse_iso_week(week))
    with contextlib.ExitStack() as claimed:
        if target is not None:
            claimed.enter_context(claim_outputs([_folder(target)], inputs, command=f"voc report {tagged}"))
        with step("reading inputs"):
            contacts = read_tagged(tagged)
            order_rows = read_orders(orders, dayfirst)
            theme_table = read_themes(themes, required=("label",)) if themes is not None else None
            assignments = read_assignments(themes) if themes is not None else None
            verdicts = _verdicts(catalogue, workspace) if themes is not None else None
        with step("ranking pain points"):
            result = build_report(contacts, order_rows, tax, week, theme_table, assignments, config, verdicts)
        if events is not None:
            with step("order events"):
                result = _with_events(result, events, contacts, order_rows, tax, workspace, dayfirst)
        if target is None:
            # The default folder is named after the week, known only now (the last complete one).
            target = workspace.reports / result.summary.week
            claimed.enter_context(claim_outputs([_folder(target)], inputs, command=f"voc report {tagged}"))
        with step("writing the report"):
            paths = write_report(result, target, html_rows=html_rows)
        s = result.summary
        typer.echo(
            f"{s.week}: {s.contacts:,} contacts, {s.orders:,} orders, CPO {s.cpo:.2f}; "
            f"{s.significant_movers} significant movers, {s.new_themes} new themes"
        )
        for kind, path in paths.items():
            typer.echo(f"{kind:>8}: {path.resolve()}")
        if not no_mlflow:
            # Still holding the folder: the run logs the very files this command wrote.
            with step("logging to MLflow"):
                run_id = log_report(result, paths, workspace, experiment)
            typer.echo(f"  mlflow: run report-{s.week} ({run_id}) in {workspace.tracking_uri}")


def _with_events(
    result: WeeklyReport,
    events: Path,
    contacts: pd.DataFrame,
    orders: pd.DataFrame,
    taxonomy: Taxonomy,
    workspace: Workspace,
    dayfirst: bool | None,
) -> WeeklyReport:
    """``result`` with the KPIs of its trend weeks and its week's links to the order events."""
    from reports.operations_report import linkable, operations_view
    from reports.ranking import with_operations

    joins_on = linkable(contacts)
    # keys made by `voc tag` under this workspace's secret; order ids are keyed here on the fly
    secret = workspace.order_key_secret() if joins_on == "order_key" else None
    view = operations_view(
        events,
        orders,
        contacts,
        taxonomy,
        weeks=result.trend_weeks,
        link_weeks=[result.summary.week],
        order_key_secret=secret,
        dayfirst=dayfirst,
    )
    typer.echo(f"{events}: {view.counts.summary()}")
    if joins_on is None:
        typer.echo("  the tagged contacts carry no order_key: pain points are not linked to order events")
    elif view.state is not None and view.state.contact_events.empty:
        # keys made under another workspace's secret match nothing: say so rather than link nothing
        typer.echo(
            "  no tagged contact's order is in the events: were the contacts tagged in this workspace "
            "(voc --workspace)?"
        )
    return with_operations(result, view)


def _folder(target: Path) -> Output:
    from reports.publish import REPORT_FILES

    return Output.dir(target, *REPORT_FILES)


def _verdicts(url: str | None, workspace: Workspace) -> pd.DataFrame | None:
    """The analysts' latest decision per theme (theme_id, action, label[, proposed]), or None
    when there is no catalogue (the default one is not created by reading it)."""
    from training.labelling.catalogue import CATALOGUE_FILE, Catalogue

    if url is None and not (workspace.root / CATALOGUE_FILE).is_file():
        return None
    cat = Catalogue(url) if url else Catalogue.in_workspace(workspace.root)
    try:
        decisions = cat.theme_decisions()
    finally:
        cat.close()
    columns = [c for c in ("theme_id", "action", "label", "proposed") if c in decisions]
    return decisions[columns]
