"""``voc models ...``: list registered root-cause models and promote a version to champion."""

from __future__ import annotations

import math
from typing import Annotated

import typer

from cli.options import VocCommand, VocGroup
from voc.workspace import Workspace

app = typer.Typer(
    cls=VocGroup,
    help="List registered models and move the champion alias.",
    no_args_is_help=True,
    epilog="Examples:\n\n  voc models list --name root-cause\n\n  voc models promote root-cause 3",
)


def _connect(ctx: typer.Context) -> None:
    from voc.tracking import configure_uri

    workspace = ctx.obj if isinstance(ctx.obj, Workspace) else Workspace.resolve()
    configure_uri(workspace)


@app.command(
    "list", cls=VocCommand, epilog="Examples:\n\n  voc models list\n\n  voc models list --name root-cause"
)
def list_(
    ctx: typer.Context,
    name: Annotated[str | None, typer.Option(help="Only this registered model.")] = None,
) -> None:
    """Registered model versions with their aliases and test metrics."""
    import mlflow
    from rich.console import Console
    from rich.table import Table

    from training.registry import list_models
    from voc.errors import InputError

    _connect(ctx)
    try:
        rows = list_models(name)
    except mlflow.exceptions.MlflowException as exc:
        raise InputError(f"--name {name}: {exc.message}") from exc
    if rows.empty:
        typer.echo("no registered models")
        return
    table = Table(title="registered models")
    for col in ("name", "version", "aliases", "accuracy", "macro_f1", "coverage", "ece"):
        table.add_column(col, overflow="fold")
    for row in rows.to_dict("records"):
        table.add_row(
            str(row["name"]),
            str(row["version"]),
            str(row["aliases"]),
            *(_num(row[c]) for c in ("accuracy", "macro_f1", "coverage", "ece")),
        )
    Console().print(table)


@app.command(cls=VocCommand, epilog="Examples:\n\n  voc models promote root-cause 3")
def promote(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Registered model name.")],
    version: Annotated[str, typer.Argument(help="Version to make champion.")],
) -> None:
    """Move alias champion of NAME to VERSION (overrides the automatic gate)."""
    import mlflow

    from training.registry import promote as promote_version
    from voc.errors import InputError

    _connect(ctx)
    try:
        promote_version(name, version)
    except mlflow.exceptions.MlflowException as exc:
        raise InputError(f"{name} v{version}: {exc.message}") from exc
    typer.echo(f"{name}: champion -> v{version}")


def _num(value: object) -> str:
    if not isinstance(value, int | float) or math.isnan(value):
        return ""
    return f"{value:.4f}"
