"""``voc tag``: tag contacts with the registered root-cause model (streaming, resumable, or Spark)."""

from __future__ import annotations

import enum
from pathlib import Path
from typing import Annotated

import typer

from cli.options import Backend, DayFirst
from voc.workspace import Workspace

EPILOG = (
    "Examples:\n\n"
    "  voc tag workspace/data/interim/contacts.parquet --out workspace/data/processed/tagged.parquet\n\n"
    "  voc tag export.csv --text-column body --model models:/root-cause/3 --out tagged.csv\n\n"
    "  voc tag big.parquet --out tagged.parquet --resume --workers 2\n\n"
    "  voc tag big.parquet --out tagged.parquet --engine spark --master spark://host:7077\n\n"
    "--model defaults to models:/root-cause@champion; --resume continues a killed run."
)


class Engine(enum.StrEnum):
    local = "local"
    spark = "spark"


def tag(
    ctx: typer.Context,
    input: Annotated[Path, typer.Argument(help="Contacts: .csv, .parquet or .jsonl.")],
    out: Annotated[Path, typer.Option("--out", help="Tagged contacts (.parquet or .csv).")],
    model: Annotated[str, typer.Option("--model", help="MLflow model URI.")] = "models:/root-cause@champion",
    text_column: Annotated[str, typer.Option(help="Column holding the contact text.")] = "text",
    id_column: Annotated[
        str, typer.Option(help="Column holding the contact id; a file without contact_id gets row-<n>.")
    ] = "contact_id",
    resume: Annotated[
        bool, typer.Option("--resume", help="Continue a killed run: finished chunks are kept.")
    ] = False,
    chunk_size: Annotated[
        int, typer.Option("--chunk-size", min=1, help="Contacts per chunk; memory grows with it.")
    ] = 10_000,
    engine: Annotated[
        Engine, typer.Option("--engine", help="local (streaming, resumable) or spark (spark_udf).")
    ] = Engine.local,
    master: Annotated[
        str | None, typer.Option("--master", help="Spark master: local[4], spark://host:7077, yarn.")
    ] = None,
    backend: Annotated[
        Backend | None,
        typer.Option(
            "--backend",
            help="Embedding backend; default: the one the model was evaluated with (voc train --backend).",
            show_default=False,
        ),
    ] = None,
    workers: Annotated[
        int,
        typer.Option(
            "--workers",
            min=0,
            help="Local engine: processes tagging in parallel, each holding the model (~1.3 GB); "
            "0: one per core (as many as the free memory holds) for 4,000 contacts or more "
            "on over 2 cores, else 1.",
        ),
    ] = 0,
    dayfirst: DayFirst = None,
) -> None:
    """Validate contacts and tag each with root_cause, family, confidence and needs_review.

    Streams the input in chunks (bounded memory, progress with contacts/s); each finished chunk is
    kept in a staging folder beside OUT, so after a crash `--resume` finishes the run with no row lost
    or duplicated. Quarantined rows go to OUT-stem.quarantine.<ext>. The output also keeps created_at,
    channel, market, category, order_stage, csat, nps, escalated and the redacted clean_text for the
    weekly report, and order_key, a pseudonym of order_id keyed by the workspace's secret (for
    repeat contacts); the raw text and order id are never written. Every row carries the model's
    name and version.
    """
    from training.tagging.output import default_quarantine_path
    from training.tagging.run import tag_with_engine
    from voc.contracts.reading import ContractConfig
    from voc.outputs import claim_outputs
    from voc.tracking import configure_uri

    workspace: Workspace = ctx.obj if isinstance(ctx.obj, Workspace) else Workspace.resolve()
    contract = ContractConfig(text_column=text_column, id_column=id_column, row_ids=True, dayfirst=dayfirst)
    model_config = {"embed_backend": Backend(backend).value} if backend is not None else None
    outputs = [out, default_quarantine_path(out)]
    with claim_outputs(outputs, [input], command=f"voc tag {input}"):
        configure_uri(workspace)
        typer.echo(f"loading {model}", err=True)
        summary = tag_with_engine(
            input,
            model,
            out,
            engine=engine.value,
            resume=resume,
            chunk_size=chunk_size,
            master=master,
            config=contract,
            model_config=model_config,
            order_key_secret=workspace.order_key_secret(),
            workers=workers,
        )
    typer.echo(f"{input}: {summary.summary()}")
    typer.echo(f"tagged -> {summary.out}; quarantine -> {summary.quarantine_out}")
