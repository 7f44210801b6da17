"""The ``voc`` command line: a thin layer that parses options and calls the stages.

Each command group lives in ``cli/<group>.py`` and is registered below. Exit codes:
0 ok, 1 failure, 2 bad input (an :class:`~voc.errors.InputError` or a usage error).
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from voc.errors import InputError
from voc.workspace import Workspace

app = typer.Typer(
    name="voc",
    help="Voice-of-Customer mining: why customers cancel, return and ask for refunds.",
    no_args_is_help=True,
    rich_markup_mode="rich",
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
    epilog="Examples:\n\n  voc data synth --weeks 12 --contacts 20000 --out workspace/data/raw\n\n"
    "  voc data validate contacts.csv --out workspace/data/interim\n\n"
    "Run [bold]voc COMMAND --help[/bold] for each command's options and examples.",
)


@app.callback()
def _root(
    ctx: typer.Context,
    workspace: Annotated[
        Path | None,
        typer.Option(
            "--workspace", envvar="VOC_WORKSPACE", help="Folder for generated data, caches and MLflow."
        ),
    ] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Debug logging.")] = False,
) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        datefmt="%H:%M:%S",
        stream=sys.stderr,
    )
    for noisy in (
        "httpx",
        "urllib3",
        "filelock",
        "numba",
        "alembic",
        "huggingface_hub",
        "sentence_transformers",
    ):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    ctx.obj = Workspace.resolve(workspace)


def _register() -> None:
    from cli import data, discover, label, models, tag, train
    from cli import report as report_command

    app.add_typer(data.app, name="data")
    app.command("discover", epilog=discover.EPILOG)(discover.discover)
    app.add_typer(label.app, name="label")
    app.command(epilog=train.EPILOG)(train.train)
    app.add_typer(models.app, name="models")
    app.command(epilog=tag.EPILOG)(tag.tag)
    app.command(name="report", epilog=report_command.EPILOG)(report_command.report)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``voc`` console script; returns the exit code."""
    # Offline by design: the embedding model is loaded from its installed package, never a hub.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    _register()
    try:
        app(args=argv, prog_name="voc", standalone_mode=False)
    except InputError as exc:
        typer.echo(f"error: {exc}", err=True)
        return 2
    except typer.Exit as exc:
        return int(exc.exit_code or 0)
    except typer.Abort:
        typer.echo("aborted", err=True)
        return 1
    except typer.exceptions.TyperException as exc:
        # usage errors (unknown option, missing argument) carry exit code 2 and know how to show themselves
        show = getattr(exc, "show", None)
        if callable(show):
            show()
        else:
            typer.echo(f"error: {exc}", err=True)
        return int(getattr(exc, "exit_code", 1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
