"""Parameter constraints of the project's scikit-learn estimators: declared as data, checked in one place.

An estimator declares ``_parameter_constraints = {"min_theme_size": integer(2), ...}`` (the
scikit-learn convention) and its ``fit`` calls :func:`validate_params` first, which raises a
``ValueError`` naming the estimator, the parameter, what it must be and what it got. scikit-learn's
own machinery for this (``sklearn.utils._param_validation``) is private, hence this small stand-in.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from numbers import Integral, Real
from typing import Any


@dataclass(frozen=True)
class Constraint:
    """``test(value)`` is true for a valid value; ``expected`` says what that is, in words."""

    test: Callable[[Any], bool]
    expected: str


def integer(low: int | None = None, *, none: bool = False) -> Constraint:
    """An int (not a bool) of at least ``low``; ``none``: or None."""
    expected = "an int" if low is None else f"an int >= {low}"
    return _or_none(
        Constraint(lambda v: _is_int(v) and (low is None or v >= low), expected),
        none,
    )


def number(
    low: float, high: float | None = None, *, low_open: bool = False, high_open: bool = False
) -> Constraint:
    """A real number of at least ``low`` and at most ``high`` (``*_open``: strictly)."""

    def test(v: Any) -> bool:
        if not _is_real(v) or v < low or (low_open and v == low):
            return False
        return high is None or v < high or (v == high and not high_open)

    if high is None:
        expected = f"a number {'>' if low_open else '>='} {low:g}"
    else:
        expected = f"a number in {'(' if low_open else '['}{low:g}, {high:g}{')' if high_open else ']'}"
    return Constraint(test, expected)


def one_of(*options: Any) -> Constraint:
    """One of ``options``."""
    words = [repr(o) for o in options]
    expected = words[0] if len(words) == 1 else f"{', '.join(words[:-1])} or {words[-1]}"
    return Constraint(lambda v: any(v == o for o in options), expected)


def has_methods(*names: str, none: bool = True) -> Constraint:
    """An object with the methods ``names`` (an estimator); ``none``: or None."""
    expected = f"an object with {', '.join(names)}"
    return _or_none(Constraint(lambda v: all(callable(getattr(v, n, None)) for n in names), expected), none)


def validate_params(estimator: Any) -> None:
    """Check every parameter of ``estimator`` against its ``_parameter_constraints``.

    Raises
    ------
    ValueError
        For the first parameter that breaks its constraint, e.g. ``ThemeModel: min_theme_size
        must be an int >= 2, got 1``.
    """
    constraints: dict[str, Constraint] = type(estimator)._parameter_constraints
    for name, constraint in constraints.items():
        value = getattr(estimator, name)
        if not constraint.test(value):
            raise ValueError(
                f"{type(estimator).__name__}: {name} must be {constraint.expected}, got {value!r}"
            )


def _or_none(constraint: Constraint, none: bool) -> Constraint:
    if not none:
        return constraint
    return Constraint(lambda v: v is None or constraint.test(v), f"None or {constraint.expected}")


def _is_int(value: Any) -> bool:
    return isinstance(value, Integral) and not isinstance(value, bool)


def _is_real(value: Any) -> bool:
    return isinstance(value, Real) and not isinstance(value, bool)
