"""``voc ops ...``: operational KPIs from order events, and their link to the contacts they cause."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer

from cli.options import DayFirst, VocCommand, VocGroup
from voc.errors import InputError
from voc.outputs import Output, claim_outputs
from voc.workspace import Workspace

OPS_FILES = (
    "kpis.parquet",
    "kpis.csv",
    "links.parquet",
    "links.csv",
    "operations.md",
    "operations.html",
    "quarantine.csv",
)
EPILOG = (
    "Examples:\n\n"
    "  voc ops kpis raw/order_events.parquet --orders raw/orders.parquet --out ops/\n\n"
    "  voc ops kpis events.csv --orders o.csv --tagged t.parquet --by market,channel --out ops/\n\n"
    "  voc ops kpis events.csv --orders o.csv --tagged t.parquet --contacts raw.parquet --out ops/\n\n"
    "(--contacts: the raw contacts give the order ids when the tagged file has no order_key.)\n\n"
    "Writes OUT/kpis.parquet|csv (week x segment x KPI, tested), OUT/links.parquet|csv (with\n"
    "--tagged), OUT/operations.md|html and OUT/quarantine.csv (bad event rows: row, reason, detail)."
)
app = typer.Typer(
    cls=VocGroup,
    help="Operational KPIs from order events, linked to the contacts.",
    no_args_is_help=True,
    epilog="Examples:\n\n  voc ops kpis workspace/data/raw/order_events.parquet --out ops/",
)


@app.command(cls=VocCommand, epilog=EPILOG)
def kpis(
    ctx: typer.Context,
    events: Annotated[Path, typer.Argument(help="Order events: .csv, .parquet or .jsonl (streamed).")],
    out: Annotated[Path, typer.Option("--out", help="Folder for the KPI and link tables.")],
    orders: Annotated[
        Path | None, typer.Option("--orders", help="Orders file (date, market, category, orders).")
    ] = None,
    tagged: Annotated[
        Path | None, typer.Option("--tagged", help="Tagged contacts: per-contact KPIs and links.")
    ] = None,
    contacts: Annotated[
        Path | None,
        typer.Option("--contacts", help="Raw contacts with order_id, when --tagged has no order_key."),
    ] = None,
    by: Annotated[str, typer.Option(help="Segments: any of market,category,channel.")] = "market",
    week: Annotated[
        list[str] | None, typer.Option("--week", help="ISO week(s) to report; default the orders' weeks.")
    ] = None,
    late_days: Annotated[float, typer.Option(min=0.0, help="A refund older than this is late.")] = 7.0,
    chunk_size: Annotated[int, typer.Option(min=1, help="Event rows per chunk.")] = 200_000,
    dayfirst: DayFirst = None,
) -> None:
    """Weekly operational KPIs per segment, tested like contacts, and their links to root causes.

    KPIs: cancellation success rate and failure reasons, self-service share, return rate, return
    receipt time, refund cycle time p50/p90, late refunds, contacts per 1,000 orders, per failed
    cancellation and per late refund, repeat contacts per order. No order id is written.
    """
    import pandas as pd

    from reports.operations import weekly_kpis_from_file
    from reports.operations_render import operations_section
    from voc.contracts.contacts import read_contacts
    from voc.contracts.orders import read_orders
    from voc.contracts.tagged import read_tagged
    from voc.files import write_table, write_text

    segments = tuple(s.strip() for s in by.split(",") if s.strip())
    if contacts is not None and tagged is None:
        raise typer.BadParameter("--contacts gives order ids to --tagged contacts; pass --tagged too")
    workspace: Workspace = ctx.obj if isinstance(ctx.obj, Workspace) else Workspace.resolve()
    inputs = [p for p in (events, orders, tagged, contacts) if p is not None]
    with claim_outputs([Output.dir(out, *OPS_FILES)], inputs, command=f"voc ops kpis {events}"):
        order_rows = read_orders(orders) if orders is not None else None
        contact_rows, secret = None, None
        if tagged is not None:
            contact_rows = read_tagged(tagged)
            if "order_key" in contact_rows and contact_rows["order_key"].notna().any():
                secret = workspace.order_key_secret()
            elif contacts is not None:
                ids = read_contacts(contacts)[["contact_id", "order_id"]]
                contact_rows = contact_rows.drop(columns=["order_id"], errors="ignore").merge(
                    ids, on="contact_id", how="left"
                )
            elif "order_id" not in contact_rows:
                raise InputError(
                    f"{tagged}: no order_key or order_id column; pass the raw contacts with --contacts "
                    "to link contacts to order events"
                )
        started = time.perf_counter()
        from rich.progress import Progress

        with Progress(transient=True) as bar:
            task = bar.add_task("order events", total=None)
            result = weekly_kpis_from_file(
                events,
                order_rows,
                contact_rows,
                weeks=week or None,
                by=segments,
                order_key_secret=secret,
                dayfirst=dayfirst,
                chunk_size=chunk_size,
                late_days=late_days,
                progress=lambda n: bar.advance(task, n),
            )
        seconds = time.perf_counter() - started
        kpi_table = result.kpis
        write_table(kpi_table, out / "kpis.parquet")
        write_table(kpi_table, out / "kpis.csv")
        if tagged is not None:
            write_table(result.links, out / "links.parquet")
            write_table(result.links, out / "links.csv")
        # the contract's quarantine keeps raw values (order ids): here only where and why
        write_table(result.quarantine[["source_row", "reason", "detail"]], out / "quarantine.csv")
        last = str(kpi_table["week"].max()) if len(kpi_table) else None
        if last is not None:
            links = result.links if tagged is not None else None
            write_text(out / "operations.md", operations_section(kpi_table, links, last, "md"))
            write_text(out / "operations.html", operations_section(kpi_table, links, last, "html"))
    assert result.counts.reconciles, result.counts
    typer.echo(f"{events}: {result.counts.summary()} in {seconds:.1f}s")
    if last is None:
        typer.echo("no weeks with events: nothing to measure")
        return
    worse = kpi_table[(kpi_table["week"] == last) & (kpi_table["mark"] == "worse")]
    typer.echo(f"{last}: {len(worse)} KPIs significantly worse")
    for row in worse.sort_values("p_value").head(5).itertuples(index=False):
        segment = " ".join(str(getattr(row, c)) for c in segments)
        typer.echo(
            f"  {segment} {row.kpi}: {row.value:.3g} (baseline {row.baseline:.3g}, p={row.p_value:.2g})"
        )
    if tagged is not None and len(result.links):
        for row in pd.DataFrame(result.links).query("significant").head(3).itertuples(index=False):
            typer.echo(f"  link: {row.finding}")
    typer.echo(f"-> {out}")
