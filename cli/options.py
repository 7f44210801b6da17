"""What every command shares: its help layout, and options declared once so they read the same.

:class:`VocCommand` and :class:`VocGroup` are the command classes of every ``voc`` command (pass
``cls=VocCommand`` to ``app.command``, ``cls=VocGroup`` to ``typer.Typer``). They render the help
the way a terminal user expects from a finished tool: a flag is shown as a flag (no ``<bool>``
type), an argument as ``INPUT`` in the usage line and the arguments panel (not ``{input}``).
Choices come from enums, whose values typer lists (``<auto|embedding|tfidf|both>``).
"""

from __future__ import annotations

import enum
from typing import Annotated, Any

import typer
from typer.core import TyperArgument, TyperCommand, TyperGroup


class VocCommand(TyperCommand):
    """A command whose help shows flags as flags and arguments in capitals (``INPUT``)."""

    def get_params(self, ctx: Any) -> list[Any]:
        return _tidy(super().get_params(ctx))

    def collect_usage_pieces(self, ctx: Any) -> list[str]:
        return _usage(self, ctx)


class VocGroup(TyperGroup):
    """A command group with the same help layout as :class:`VocCommand`."""

    def get_params(self, ctx: Any) -> list[Any]:
        # Typer appends --install-completion and --show-completion after construction: tidied here.
        return _tidy(super().get_params(ctx))

    def collect_usage_pieces(self, ctx: Any) -> list[str]:
        return [*_usage(self, ctx), self.subcommand_metavar]


def _tidy(params: list[Any]) -> list[Any]:
    for param in params:
        if isinstance(param, TyperArgument):
            if param.metavar is None:
                param.metavar = (param.name or "").upper()
        elif getattr(param, "is_flag", False) and param.metavar is None:
            param.metavar = ""  # typer shows the metavar instead of the type: nothing, for a flag
    return params


def _usage(command: Any, ctx: Any) -> list[str]:
    """``[OPTIONS] INPUT [MORE]...``: required arguments bare, optional ones in brackets."""
    pieces = [command.options_metavar] if command.options_metavar else []
    for param in command.get_params(ctx):
        if isinstance(param, TyperArgument):
            name = param.metavar or (param.name or "").upper()
            name = name if param.required else f"[{name}]"
            pieces.append(name + ("..." if param.nargs != 1 else ""))
    return pieces


class Backend(enum.StrEnum):
    """Embedding backend on CPU (``nlp.embed.EmbedConfig.backend``)."""

    torch = "torch"
    onnx = "onnx"
    onnx_int8 = "onnx-int8"


DayFirst = Annotated[
    bool | None,
    typer.Option(
        "--dayfirst/--monthfirst",
        help="Read 03/04/2026 as 3 April (or 4 March); default: decided from the file's own dates.",
        show_default=False,
    ),
]
