"""Options that several commands share, declared once so they read and behave the same everywhere."""

from __future__ import annotations

from typing import Annotated

import typer

DayFirst = Annotated[
    bool | None,
    typer.Option(
        "--dayfirst/--monthfirst",
        help="Read 03/04/2026 as 3 April (or 4 March); default: decided from the file's own dates.",
        show_default=False,
    ),
]
