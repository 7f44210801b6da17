"""``voc tag``: tag contacts with the registered root-cause model."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from voc.workspace import Workspace

EPILOG = (
    "Examples:\n\n"
    "  voc tag workspace/data/interim/contacts.parquet --model models:/root-cause@champion "
    "--out workspace/data/processed/tagged.parquet\n\n"
    "  voc tag export.csv --text-column body --id-column ticket_id --model models:/root-cause/3 "
    "--out tagged.csv"
)


def tag(
    ctx: typer.Context,
    input: Annotated[Path, typer.Argument(help="Contacts: .csv, .parquet or .jsonl.")],
    out: Annotated[Path, typer.Option("--out", help="Tagged contacts (.parquet, .csv or .jsonl).")],
    model: Annotated[str, typer.Option("--model", help="MLflow model URI.")] = "models:/root-cause@champion",
    text_column: Annotated[str, typer.Option(help="Column holding the contact text.")] = "text",
    id_column: Annotated[str, typer.Option(help="Column holding the contact id.")] = "contact_id",
) -> None:
    """Validate contacts and tag each with root_cause, family, confidence and needs_review.

    Quarantined rows are written next to OUT (OUT-stem.quarantine.parquet and .csv). The output also
    keeps created_at, channel, market, category, order_stage, csat, nps, escalated and the redacted
    clean_text, so a weekly report can be built from it; the raw text is not written.
    """
    import mlflow

    from training.registry import configure_uri
    from training.tagging import tag_file
    from voc.contracts import ContractConfig
    from voc.errors import InputError

    workspace: Workspace = ctx.obj if isinstance(ctx.obj, Workspace) else Workspace.resolve()
    configure_uri(workspace)
    try:
        summary = tag_file(input, model, out, ContractConfig(text_column=text_column, id_column=id_column))
    except mlflow.exceptions.MlflowException as exc:
        raise InputError(f"--model {model}: {exc.message}") from exc
    typer.echo(f"{input}: {summary.summary()}")
    typer.echo(f"tagged -> {summary.out}; quarantine -> {summary.quarantine.with_suffix('.csv')}")
