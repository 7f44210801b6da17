"""``voc app``: serve the workspace to analysts and program managers in the browser."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from voc.errors import InputError
from voc.workspace import Workspace

EPILOG = (
    "Examples:\n\n"
    "  voc app\n\n"
    "  voc app --themes workspace/themes --tagged workspace/data/processed/tagged.parquet\n\n"
    "  voc app --port 8800 --who alice\n\n"
    "  voc app --events workspace/data/raw/order_events.parquet\n\n"
    "  VOC_APP_TOKEN=$(openssl rand -hex 16) voc app --host 0.0.0.0\n\n"
    "Defaults are what `make demo` writes in the workspace. Only 127.0.0.1 is served unless a token "
    "is set; the printed address carries it."
)


def app(
    ctx: typer.Context,
    themes: Annotated[
        Path | None,
        typer.Option(help="Discovery folder (`voc discover --out`). Default: <workspace>/themes."),
    ] = None,
    tagged: Annotated[
        Path | None,
        typer.Option(
            help="Tagged contacts (`voc tag --out`). Default: <workspace>/data/processed/tagged.parquet."
        ),
    ] = None,
    orders: Annotated[
        Path | None,
        typer.Option(help="Orders per day, market, category. Default: <workspace>/data/raw/orders.parquet."),
    ] = None,
    events: Annotated[
        Path | None,
        typer.Option(
            help="Order events (operations panel, links). Default: <workspace>/data/raw/order_events.parquet."
        ),
    ] = None,
    catalogue: Annotated[
        str | None,
        typer.Option(
            envvar="VOC_LABEL_CATALOGUE", help="Label catalogue URL or file. Default: <workspace>/labels.db."
        ),
    ] = None,
    taxonomy: Annotated[
        Path | None,
        typer.Option(help="Taxonomy YAML. Default: the workspace's (bundled + accepted proposals)."),
    ] = None,
    host: Annotated[
        str, typer.Option(help="Address to serve on; other than 127.0.0.1 needs --token.")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 8765,
    token: Annotated[
        str | None,
        typer.Option(
            envvar="VOC_APP_TOKEN",
            help="Require this token (set to serve beyond this machine).",
            show_default=False,
        ),
    ] = None,
    who: Annotated[str | None, typer.Option(help="Author of saves (default: the OS user).")] = None,
) -> None:
    """Review and label themes, and explore pain points across weeks, in the browser.

    Pages: Review themes (by group, with names and suggestions; label, merge, split, mark noise or
    propose a new root cause, for a theme or a whole group; each save is one catalogue version),
    Dashboard (any weeks and segment; drill down to a pain point's segments and contacts; with
    order events, KPIs per week and each pain point's operational link) and Taxonomy (root causes
    and proposals). Shows redacted text only.
    """
    from app.security import check_bind
    from app.server import serve
    from app.state import AppConfig
    from training.labelling.catalogue import current_user

    ws: Workspace = ctx.obj or Workspace.resolve()
    check_bind(host, token)
    config = AppConfig(
        workspace=ws,
        themes=_existing(themes, ws.root / "themes", "--themes"),
        tagged=_existing(tagged, ws.processed / "tagged.parquet", "--tagged"),
        orders=_existing(orders, ws.raw / "orders.parquet", "--orders"),
        events=_existing(events, ws.raw / "order_events.parquet", "--events"),
        catalogue=catalogue,
        taxonomy=taxonomy,
        who=who or current_user(),
        token=token,
    )
    if config.themes is None and config.tagged is None:
        raise InputError(
            f"nothing to show in {ws.root}: pass --themes DIR (`voc discover --out`) and/or --tagged FILE "
            "(`voc tag --out`)"
        )
    shown_host = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    address = f"http://{shown_host}:{port}/" + (f"?token={token}" if token else "")
    typer.echo(f"voc app: serving {ws.root} on {address}  (Ctrl+C to stop)", err=True)
    serve(config, host=host, port=port)


def _existing(given: Path | None, default: Path, option: str) -> Path | None:
    """``given`` (which must exist), else ``default`` when it exists, else None."""
    if given is not None:
        if not given.exists():
            raise InputError(f"{option} {given}: no such file or folder")
        return given
    return default if default.exists() else None
