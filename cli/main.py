"""The ``voc`` command line: a thin layer that parses options and calls the stages.

Each command group lives in ``cli/<group>.py`` and is registered below. Exit codes:
0 ok, 1 failure, 2 bad input (an :class:`~voc.errors.InputError` or a usage error).
"""

from __future__ import annotations

import gc
import logging
import os
import signal
import sys
import tempfile
import threading
import time
import traceback
from pathlib import Path
from typing import Annotated, Any

import typer

from cli.options import VocCommand, VocGroup
from voc.errors import InputError
from voc.outputs import os_error_message
from voc.workspace import ENV_VAR as WORKSPACE_VARIABLE
from voc.workspace import Workspace

app = typer.Typer(
    name="voc",
    cls=VocGroup,
    help="Voice-of-Customer mining: why customers cancel, return and ask for refunds.",
    no_args_is_help=True,
    rich_markup_mode="rich",
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
    epilog="Examples (the steps of make demo, in the folders it writes):\n\n"
    "  voc data synth --weeks 12 --contacts 6000 --out workspace/data/raw\n\n"
    "  voc data validate workspace/data/raw/contacts.parquet --out workspace/data/interim\n\n"
    "  voc discover workspace/data/interim/contacts.parquet --out workspace/themes\n\n"
    "  voc label export --themes workspace/themes --out workspace/labels/review.xlsx\n\n"
    "  voc train workspace/data/processed/labelled.parquet --register-as root-cause\n\n"
    "  voc tag workspace/data/interim/contacts.parquet --out workspace/data/processed/tagged.parquet\n\n"
    "  voc report workspace/data/processed/tagged.parquet --orders workspace/data/raw/orders.parquet\n\n"
    "Run [bold]voc COMMAND --help[/bold] for each command's options and examples; "
    "[bold]-v[/bold] shows the libraries' logs.",
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
    verbose: Annotated[
        bool,
        typer.Option("--verbose", "-v", help="Log what voc does (debug) and what its libraries say (info)."),
    ] = False,
    debug: Annotated[
        bool, typer.Option("--debug", help="Show the traceback of an unexpected failure (exit 1).")
    ] = False,
) -> None:
    _STATE["debug"] = debug
    configure_logging(verbose)
    workspace_root = Workspace.resolve(workspace)
    if workspace_root.root.exists() and not workspace_root.root.is_dir():
        raise InputError(f"{workspace_root.root}: the workspace is a file, not a folder; choose a folder")
    _STATE["workspace"] = workspace_root
    ctx.obj = workspace_root
    # Code far from the CLI (a served model's ONNX cache, Spark's workers) finds the workspace by
    # Workspace.resolve(): --workspace must mean the same as $VOC_WORKSPACE there (main() restores it).
    os.environ[WORKSPACE_VARIABLE] = str(workspace_root.root)


# Libraries that log (or draw progress bars): errors only unless --verbose.
LIBRARY_LOGGERS = (
    "mlflow",
    "alembic",
    "sqlalchemy",
    "transformers",
    "sentence_transformers",
    "huggingface_hub",
    "torch",
    "onnxruntime",
    "cloudpickle",
    "matplotlib",
    "PIL",
    "numba",
    "urllib3",
    "httpx",
    "filelock",
    "py4j",
    "pyspark",
)
# Our own packages: warnings by default (progress bars and the command's output tell the story).
VOC_LOGGERS = ("voc", "nlp", "training", "reports", "cli", "app")


def configure_logging(verbose: bool = False) -> None:
    """Quiet by default: voc's warnings, libraries' errors; library bars and Python warnings off.

    With ``verbose`` voc logs at DEBUG and its libraries at INFO (their bars and warnings back on).
    Environment variables reach libraries not imported yet (MLflow and transformers read them once,
    at import); logger levels reach those already imported. A variable the user set is kept.
    """
    logging.basicConfig(
        level=logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        datefmt="%H:%M:%S",
        stream=sys.stderr,
    )
    # Errors only: a library's warning (MLflow on cloudpickle, say) is nothing a voc user can act on.
    library_level = logging.INFO if verbose else logging.ERROR
    for name in LIBRARY_LOGGERS:
        logging.getLogger(name).setLevel(library_level)
    for name in VOC_LOGGERS:
        logging.getLogger(name).setLevel(logging.DEBUG if verbose else logging.WARNING)
    # Python warnings (FutureWarning and the like) come from libraries: logged, and shown only with -v.
    logging.captureWarnings(True)
    logging.getLogger("py.warnings").setLevel(logging.WARNING if verbose else logging.ERROR)
    quiet = {
        "MLFLOW_LOGGING_LEVEL": "INFO" if verbose else "ERROR",
        "MLFLOW_SUPPRESS_PRINTING_URL_TO_STDOUT": "false" if verbose else "true",
        "TRANSFORMERS_VERBOSITY": "info" if verbose else "error",
        # The "Loading weights" bar of transformers (and any hub bar): ours are the progress shown.
        "HF_HUB_DISABLE_PROGRESS_BARS": "0" if verbose else "1",
        "MLFLOW_ENABLE_TELEMETRY": "false",
    }
    for key, value in quiet.items():
        os.environ.setdefault(key, value)
    if "transformers" in sys.modules:
        import transformers

        if verbose:
            transformers.utils.logging.enable_progress_bar()
        else:
            transformers.utils.logging.disable_progress_bar()


def _register() -> None:
    from cli import app as app_command
    from cli import data, discover, label, models, ops, tag, train
    from cli import report as report_command

    app.add_typer(data.app, name="data")
    app.command("discover", cls=VocCommand, epilog=discover.EPILOG)(discover.discover)
    app.add_typer(label.app, name="label")
    app.command(cls=VocCommand, epilog=train.EPILOG)(train.train)
    app.add_typer(models.app, name="models")
    app.add_typer(ops.app, name="ops")
    app.command(cls=VocCommand, epilog=tag.EPILOG)(tag.tag)
    app.command(name="report", cls=VocCommand, epilog=report_command.EPILOG)(report_command.report)
    app.command(name="app", cls=VocCommand, epilog=app_command.EPILOG)(app_command.app)


_STATE: dict[str, Any] = {"debug": False, "workspace": None}
INTERRUPTED = 130  # the shell's code for a command stopped by Ctrl-C


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``voc`` console script; returns the exit code."""
    # Offline by design: the embedding model is loaded from its installed package, never a hub.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    _register()
    before = os.environ.get(WORKSPACE_VARIABLE)
    previous_handler = _stop_on_sigterm()
    try:
        return _run(argv)
    finally:
        if previous_handler is not None:
            signal.signal(signal.SIGTERM, previous_handler)
        if before is None:
            os.environ.pop(WORKSPACE_VARIABLE, None)
        else:
            os.environ[WORKSPACE_VARIABLE] = before


def console() -> None:
    """The ``voc`` console script: :func:`main`, then exit with its code.

    Python's last garbage collections at exit walk every object of the loaded libraries (torch,
    spaCy, MLflow, ONNX Runtime): 1-3 s after each command. ``gc.freeze()`` leaves those objects to
    the operating system; exit handlers, thread joins and module teardown still run as usual.
    """
    code = main()
    gc.freeze()
    sys.exit(code)


def _run(argv: list[str] | None) -> int:
    try:
        # Typer hands back an exit code instead of exiting: Ctrl-C (or SIGTERM) comes back as 130.
        code = app(args=argv, prog_name="voc", standalone_mode=False)
        if code == INTERRUPTED:
            typer.echo("interrupted", err=True)
        if isinstance(code, int) and not isinstance(code, bool):
            return code
    except InputError as exc:
        typer.echo(f"error: {exc}", err=True)
        return 2
    except OSError as exc:
        # paths, permissions, a full disk, a file-size limit: the user can fix these
        typer.echo(f"error: {os_error_message(exc)}", err=True)
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
    except Exception as exc:  # a bug: one line here, the traceback in a log file or with --debug
        return _unexpected(exc)
    return 0


def _stop_on_sigterm() -> Any:
    """SIGTERM (a scheduler, `kill`, a container stop) stops a command as Ctrl-C does.

    Python's default for SIGTERM ends the process without unwinding: the MLflow run of a killed
    `voc train` stayed RUNNING forever and output claims stayed held. As an exception, every
    ``with`` block closes: the run ends as KILLED, claims are released, partial files removed.
    """
    if threading.current_thread() is not threading.main_thread():
        return None  # handlers can only be set from the main thread (main() called from a worker)

    def stop(signum: int, frame: object) -> None:
        raise KeyboardInterrupt(f"signal {signum}")

    return signal.signal(signal.SIGTERM, stop)


def _unexpected(exc: Exception) -> int:
    trace = traceback.format_exc()
    if _STATE["debug"]:
        typer.echo(trace, err=True)
        typer.echo(f"internal error ({type(exc).__name__}); this is a bug in voc", err=True)
        return 1
    where = _write_crash_log(trace)
    typer.echo(
        f"internal error ({type(exc).__name__}: {str(exc)[:200]}); this is a bug in voc, not in your "
        f"input. Traceback: {where} (or rerun with --debug)",
        err=True,
    )
    return 1


def _write_crash_log(trace: str) -> str:
    workspace = _STATE["workspace"]
    stamp = time.strftime("%Y%m%d-%H%M%S")
    folders = [workspace.root / "logs"] if workspace is not None else []
    folders.append(Path(tempfile.gettempdir()))
    for folder in folders:
        try:
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / f"voc-crash-{stamp}-{os.getpid()}.log"
            path.write_text(trace, encoding="utf-8")
            return str(path)
        except OSError:
            continue
    return "not written"


if __name__ == "__main__":
    sys.exit(main())
