"""``voc data ...``: validate contact and order files, make synthetic data, summarise a file."""

from __future__ import annotations

import enum
import time
from pathlib import Path
from typing import Annotated

import typer

from cli.options import DayFirst, VocCommand, VocGroup
from voc.errors import InputError

# pandas and the contracts are imported inside the commands: `voc --help` stays fast.
app = typer.Typer(
    cls=VocGroup,
    help="Validate, generate and summarise contact data.",
    no_args_is_help=True,
    epilog="Examples:\n\n  voc data synth --weeks 12 --contacts 6000 --out workspace/data/raw\n\n"
    "  voc data validate workspace/data/raw/contacts.parquet --out workspace/data/interim\n\n"
    "  voc data summary workspace/data/interim/contacts.parquet",
)


class TableFormat(enum.StrEnum):
    parquet = "parquet"
    csv = "csv"
    jsonl = "jsonl"


@app.command(
    cls=VocCommand,
    epilog="Examples:\n\n"
    "  voc data validate workspace/data/raw/contacts.parquet --out workspace/data/interim\n\n"
    "  voc data validate export.jsonl --text-column body --id-column ticket_id --out checked/\n\n"
    "  voc data validate workspace/data/raw/orders.parquet --orders --out workspace/data/interim\n\n"
    "  voc data validate order_events.parquet --events --out checked/",
)
def validate(
    input: Annotated[
        Path, typer.Argument(help="Contacts (or orders, or order events) file: .csv, .parquet or .jsonl.")
    ],
    out: Annotated[Path, typer.Option("--out", help="Folder for the accepted rows and the quarantine.")],
    text_column: Annotated[str, typer.Option(help="Column holding the contact text.")] = "text",
    id_column: Annotated[str, typer.Option(help="Column holding the contact id.")] = "contact_id",
    max_text_length: Annotated[int, typer.Option(help="Longer texts are quarantined.")] = 20_000,
    output_format: Annotated[
        TableFormat, typer.Option("--format", help="Format of the accepted rows.")
    ] = TableFormat.parquet,
    orders: Annotated[bool, typer.Option("--orders", help="Validate an orders file instead.")] = False,
    events: Annotated[bool, typer.Option("--events", help="Validate an order-events file instead.")] = False,
    dayfirst: DayFirst = None,
) -> None:
    """Check a file against the contract; write accepted rows and quarantined rows with reasons.

    Writes OUT/contacts.<format> (or OUT/orders.<format>, OUT/order_events.<format>) and
    OUT/quarantine.parquet plus a spreadsheet-safe OUT/quarantine.csv, and prints
    read = accepted + quarantined. Order events hold order ids: keep OUT in the raw zone.
    """
    from voc.contracts.contacts import validate_contacts
    from voc.contracts.events import validate_events
    from voc.contracts.orders import validate_orders
    from voc.contracts.reading import ContractConfig
    from voc.files import write_tables
    from voc.outputs import Output, claim_outputs

    if orders and events:
        raise typer.BadParameter("--orders and --events: choose one")
    name = "orders" if orders else "order_events" if events else "contacts"
    suffix = TableFormat(output_format).value
    written = (f"{name}.{suffix}", "quarantine.parquet", "quarantine.csv")
    with claim_outputs([Output.dir(out, *written)], [input], command=f"voc data validate {input}"):
        if orders:
            result = validate_orders(input, dayfirst)
        elif events:
            result = validate_events(input, dayfirst)
        else:
            config = ContractConfig(
                text_column=text_column,
                id_column=id_column,
                max_text_length=max_text_length,
                dayfirst=dayfirst,
            )
            result = validate_contacts(input, config)
        # all three or none: accepted rows never appear without their quarantine
        accepted_path, _, _ = write_tables(
            [
                (result.accepted, out / written[0]),
                (result.quarantine, out / written[1]),
                (result.quarantine, out / written[2]),
            ]
        )
    assert result.counts.reconciles, result.counts
    typer.echo(f"{input}: {result.counts.summary()}")
    typer.echo(f"accepted -> {accepted_path}; quarantine -> {out / 'quarantine.csv'}")


@app.command(
    cls=VocCommand,
    epilog="Examples:\n\n  voc data summary workspace/data/interim/contacts.parquet\n\n"
    "  voc data summary export.csv --text-column body --id-column ticket_id",
)
def summary(
    input: Annotated[Path, typer.Argument(help="A contacts file: .csv, .parquet or .jsonl.")],
    text_column: Annotated[str, typer.Option(help="Column holding the contact text.")] = "text",
    id_column: Annotated[str, typer.Option(help="Column holding the contact id.")] = "contact_id",
    dayfirst: DayFirst = None,
) -> None:
    """Print what a contacts file holds: rows, weeks, channels, markets, CSAT."""
    from rich.console import Console
    from rich.table import Table

    from voc.contracts.contacts import validate_contacts
    from voc.contracts.reading import ContractConfig

    config = ContractConfig(text_column=text_column, id_column=id_column, dayfirst=dayfirst)
    result = validate_contacts(input, config)
    df = result.accepted
    typer.echo(f"{input}: {result.counts.summary()}")
    if df.empty:
        return
    table = Table(title=f"{len(df):,} contacts")
    table.add_column("field")
    table.add_column("values")
    if df["created_at"].notna().any():
        weeks = df["created_at"].dt.tz_convert(None).dt.to_period("W-SUN")
        table.add_row(
            "dates",
            f"{df['created_at'].min():%Y-%m-%d} .. {df['created_at'].max():%Y-%m-%d} "
            f"({weeks.nunique()} weeks)",
        )
    for col in ("channel", "market", "category", "order_stage"):
        counts = df[col].value_counts(dropna=True)
        if len(counts):
            table.add_row(col, ", ".join(f"{k} {v:,}" for k, v in counts.items()))
    if df["csat"].notna().any():
        table.add_row("csat", f"mean {df['csat'].mean():.2f} over {df['csat'].notna().sum():,} rated")
    if df["escalated"].notna().any():
        table.add_row("escalated", f"{df['escalated'].mean():.1%}")
    table.add_row("text length", f"median {int(df['text'].str.len().median())} chars")
    Console().print(table)


@app.command(
    cls=VocCommand,
    epilog="Examples:\n\n  voc data synth --weeks 12 --contacts 6000 --seed 7 --out workspace/data/raw\n\n"
    "  voc data synth --contacts 2000 --markets UK,DE --end-week 2026-W10 --out /tmp/synth",
)
def synth(
    out: Annotated[
        Path,
        typer.Option("--out", help="Folder for contacts, truth, PII, orders, order events, incidents."),
    ],
    contacts: Annotated[int, typer.Option(help="Number of contacts to generate.")] = 6000,
    weeks: Annotated[int, typer.Option(help="ISO weeks covered, ending with --end-week.")] = 12,
    seed: Annotated[int, typer.Option(help="Random seed; the same seed gives identical files.")] = 7,
    end_week: Annotated[str, typer.Option(help="Last ISO week (fixed, never today's).")] = "2026-W47",
    markets: Annotated[
        str, typer.Option(help="Comma-separated markets out of UK,DE,FR,ES,US.")
    ] = "UK,DE,FR,ES,US",
) -> None:
    """Generate realistic synthetic contacts, orders and order events with ground truth.

    Writes OUT/contacts.parquet (the contact contract, no labels), OUT/ground_truth.parquet,
    OUT/pii.parquet, OUT/orders.parquet, OUT/order_events.parquet (agreeing with the contacts),
    OUT/incidents.json and OUT/README.md.
    """
    from voc.outputs import Output, claim_outputs
    from voc.synth.export import write
    from voc.synth.generate import SynthConfig, generate

    try:
        config = SynthConfig(
            contacts=contacts,
            weeks=weeks,
            seed=seed,
            end_week=end_week,
            markets=tuple(m.strip().upper() for m in markets.split(",") if m.strip()),
            progress=True,
        )
    except ValueError as exc:
        raise InputError(f"voc data synth: {exc}") from exc
    started = time.perf_counter()
    with claim_outputs([Output.dir(out)], command="voc data synth"):
        data = generate(config)
        paths = write(data, out)
    seconds = time.perf_counter() - started
    truth = data.ground_truth
    typer.echo(
        f"{len(data.contacts):,} contacts ({truth['in_taxonomy'].mean():.0%} in the taxonomy), "
        f"{len(data.orders):,} order rows, {len(data.events):,} order events, "
        f"{len(data.pii):,} planted PII values, "
        f"{len(data.incidents)} incidents in {seconds:.1f}s"
    )
    for incident in data.incidents:
        typer.echo(
            f"  incident {incident['id']} ({incident['kind']}): {incident['expected_contacts']} contacts, "
            f"{incident['first_week']}..{incident['last_week']}"
        )
    typer.echo(f"-> {paths['contacts'].parent}")


@app.command(
    name="demo-label",
    cls=VocCommand,
    epilog="Examples:\n\n"
    "  voc data demo-label review.xlsx --themes workspace/themes --ground-truth ground_truth.parquet\n\n"
    "In `make demo`: review.xlsx is workspace/labels/review.xlsx, ground_truth.parquet is in "
    "workspace/data/raw.",
)
def demo_label(
    sheet: Annotated[Path, typer.Argument(help="A theme sheet from `voc label export` (.xlsx).")],
    themes: Annotated[Path, typer.Option("--themes", help="The `voc discover` folder the sheet came from.")],
    ground_truth: Annotated[
        Path, typer.Option("--ground-truth", help="ground_truth.parquet of `voc data synth`.")
    ],
    min_share: Annotated[float, typer.Option(help="A theme whose top cause holds less is noise.")] = 0.4,
) -> None:
    """Demo only: fill a theme sheet as an analyst would, from the synthetic ground truth.

    Each theme gets the majority true root cause of its members (or `noise`). This stands in for the
    analysts' step in `make demo`; with real data, people fill the sheet in a spreadsheet.
    """
    import pandas as pd

    from voc.contracts.themes import read_assignments
    from voc.synth.demo_labels import fill_theme_sheet, majority_labels

    for path in (sheet, ground_truth):
        if not path.is_file():
            raise InputError(f"{path}: no such file")
    assignments = read_assignments(themes)
    truth = pd.read_parquet(ground_truth).set_index("contact_id")["root_cause"]
    labels = majority_labels(assignments, truth, min_share)
    labelled, noise = fill_theme_sheet(sheet, labels)
    typer.echo(f"{sheet}: {labelled} themes labelled, {noise} marked noise (from the synthetic ground truth)")
