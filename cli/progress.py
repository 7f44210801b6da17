"""One progress display per long step, on stderr: a spinner with the elapsed time, then one line.

``with step("clustering 6,000 contacts"):`` shows ``⠋ clustering 6,000 contacts 0:00:12`` while the
block runs (on a terminal) and prints ``clustering 6,000 contacts: 45 s`` when it ends, so a log
of the run (``make demo > log``) still says where the time went. ``counted(description, total)`` is
the same with a bar: the block gets an ``advance(note)`` to call after each unit of work.
Steps that draw their own bar (embedding, tagging) are not wrapped: one display at a time.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)

console = Console(stderr=True)


@contextlib.contextmanager
def step(description: str) -> Iterator[None]:
    """A spinner with the elapsed time while the block runs; ``description: N s`` when it ends."""
    started = time.perf_counter()
    columns = [SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn()]
    with Progress(*columns, console=console, transient=True, disable=not console.is_terminal) as progress:
        progress.add_task(description, total=None)
        yield
    console.print(f"{description}: {_duration(time.perf_counter() - started)}", style="dim", highlight=False)


@contextlib.contextmanager
def counted(description: str, total: int | None = None) -> Iterator[Callable[..., None]]:
    """A bar of ``total`` units; the block calls ``advance(note, total=None)`` after each unit.

    ``note`` (e.g. the candidate just fitted) is shown beside the description; a ``total`` given
    to ``advance`` replaces the one known at the start (the worker may know it better).
    """
    started = time.perf_counter()
    columns = [
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(bar_width=20),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    ]
    # Not a terminal (a log file): only the closing line, no blank line for the live display.
    with Progress(*columns, console=console, transient=True, disable=not console.is_terminal) as progress:
        task = progress.add_task(description, total=total)

        def advance(note: str = "", total: int | None = None) -> None:
            shown = f"{description} (last: {note})" if note else description
            progress.update(task, advance=1, description=shown, total=total)

        yield advance
    console.print(f"{description}: {_duration(time.perf_counter() - started)}", style="dim", highlight=False)


def _duration(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.1f} s" if seconds < 10 else f"{seconds:.0f} s"
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes} min {rest:02d} s"
