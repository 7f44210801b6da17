"""A discovery run's tables: ``themes.parquet`` and ``assignments.parquet``, one reader and writer each.

``voc discover --out DIR`` writes both into DIR; the review sheet, the theme browser, the weekly
report and the next discovery run (``--previous``) read them back through :func:`read_themes` and
:func:`read_assignments`, so every reader sees the same types:

* themes, one row per theme (:data:`THEME_COLUMNS`): ``theme_id`` (int), ``parent_id`` (Int64, NA
  when unknown), ``size`` (int; NA only when the file has no sizes), ``keywords`` and ``exemplars``
  (lists of str; exemplars are redacted text), ``is_new`` (bool), ``label`` (str, None while no
  analyst named the theme) and ``centroid`` (float32 array of shape ``(dim,)``, None when absent);
* assignments, one row per contact (:data:`ASSIGNMENT_COLUMNS`): ``contact_id`` (str), ``theme_id``
  (int, :data:`UNASSIGNED` = -1) and ``probability`` (float).

Every problem raises :class:`~voc.errors.InputError` naming the file, column and first bad row.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from voc.contracts.reading import require_columns
from voc.errors import InputError
from voc.files import write_table

THEMES_FILE = "themes.parquet"
ASSIGNMENTS_FILE = "assignments.parquet"
UNASSIGNED = -1
THEME_COLUMNS = ("theme_id", "parent_id", "size", "keywords", "exemplars", "is_new", "label", "centroid")
ASSIGNMENT_COLUMNS = ("contact_id", "theme_id", "probability")


def read_themes(source: str | Path, required: Iterable[str] = ()) -> pd.DataFrame:
    """The themes of a discovery run, theme ``-1`` left out, in the types the module docstring gives.

    Parameters
    ----------
    source : str or Path
        A discovery output folder (its ``themes.parquet`` is read) or a themes ``.parquet`` file.
    required : iterable of str
        Columns the caller cannot do without besides ``theme_id`` (e.g. ``("centroid",)`` to match
        themes, ``("size",)`` to review them); any other missing column gets its empty value.

    Returns
    -------
    DataFrame with exactly :data:`THEME_COLUMNS`.

    Raises
    ------
    InputError
        When the file is missing or unreadable, lacks a required column, or a ``theme_id`` or
        ``size`` is not an integer.
    """
    path = Path(source)
    if path.suffix.lower() not in (".parquet", ".pq"):
        path = path / THEMES_FILE
    raw = _read(path, "themes", ("theme_id", *required))
    n = len(raw)
    missing = pd.Series(pd.NA, index=raw.index, dtype="Int64")
    out = pd.DataFrame(
        {
            "theme_id": _integers(raw, "theme_id", path),
            "parent_id": raw["parent_id"].astype("Int64") if "parent_id" in raw else missing,
            "size": _integers(raw, "size", path) if "size" in raw else missing,
            "keywords": [_as_list(v, "; ") for v in raw.get("keywords", [None] * n)],
            "exemplars": [_as_list(v, "\n") for v in raw.get("exemplars", [None] * n)],
            "is_new": raw["is_new"].fillna(False).astype(bool) if "is_new" in raw else False,
            "label": pd.Series(
                [_label(v) for v in raw.get("label", [None] * n)], index=raw.index, dtype=object
            ),
            "centroid": pd.Series(
                [_vector(v) for v in raw.get("centroid", [None] * n)], index=raw.index, dtype=object
            ),
        },
        index=raw.index,
    )
    return out[out["theme_id"] != UNASSIGNED].reset_index(drop=True)


def read_assignments(folder: str | Path) -> pd.DataFrame:
    """``folder/assignments.parquet``: ``contact_id`` (str), ``theme_id`` (int, -1 = unassigned),
    ``probability`` (float; 1.0 when the file has none).

    The frame's ``attrs`` are the file's (``attrs["voc"]["discovery_run_id"]``: the MLflow run
    that wrote it). Raises :class:`InputError` when the file is missing or unreadable, lacks
    ``contact_id`` or ``theme_id``, or a ``theme_id`` is not an integer.
    """
    path = Path(folder) / ASSIGNMENTS_FILE
    raw = _read(path, "assignments", ("contact_id", "theme_id"))
    out = pd.DataFrame(
        {
            "contact_id": raw["contact_id"].astype(str),
            "theme_id": _integers(raw, "theme_id", path),
            "probability": raw["probability"].astype(float) if "probability" in raw else 1.0,
        }
    )
    out.attrs.update(raw.attrs)
    return out


def write_themes(themes: pd.DataFrame, folder: str | Path) -> Path:
    """Write ``themes`` (every one of :data:`THEME_COLUMNS`) atomically to ``folder/themes.parquet``."""
    path = Path(folder) / THEMES_FILE
    require_columns(themes, THEME_COLUMNS, path)
    return write_table(themes, path)


def write_assignments(assignments: pd.DataFrame, folder: str | Path) -> Path:
    """Write ``assignments`` (:data:`ASSIGNMENT_COLUMNS`) atomically to ``folder/assignments.parquet``."""
    path = Path(folder) / ASSIGNMENTS_FILE
    require_columns(assignments, ASSIGNMENT_COLUMNS, path)
    return write_table(assignments, path)


def _read(path: Path, what: str, required: Iterable[str]) -> pd.DataFrame:
    if not path.is_file():
        raise InputError(f"{path}: no {what} file; pass a folder that `voc discover --out` wrote")
    try:
        raw = pd.read_parquet(path)
    except (OSError, ValueError) as exc:  # pyarrow's errors subclass these
        raise InputError(f"{path}: cannot read: {exc}") from exc
    require_columns(raw, required, path)
    return raw


def _integers(raw: pd.DataFrame, column: str, path: Path) -> pd.Series:
    values = pd.to_numeric(raw[column], errors="coerce")
    if values.isna().any():
        row = int(values.isna().to_numpy().argmax()) + 1
        raise InputError(f"{path}: column {column!r} row {row}: not an integer")
    return values.astype("int64")


def _as_list(value: Any, sep: str) -> list[str]:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return []
    if isinstance(value, str):
        return [v.strip() for v in value.split(sep) if v.strip()]
    return [str(v) for v in value if v is not None]


def _label(value: Any) -> str | None:
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return None
    text = str(value).strip()
    return text or None


def _vector(value: Any) -> np.ndarray | None:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    vec = np.asarray(value, dtype=np.float32).ravel()
    return vec if vec.size else None
