"""Errors the CLI maps to exit codes: :class:`InputError` is bad input (exit 2)."""


class InputError(Exception):
    """Input that cannot be used as given: the message names the file, row or column and the fix."""
