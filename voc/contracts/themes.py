"""A discovery run's tables: ``themes.parquet`` and ``assignments.parquet``, one reader and writer each.

``voc discover --out DIR`` writes both into DIR; the review sheet, the theme browser, the weekly
report and the next discovery run (``--previous``) read them back through :func:`read_themes` and
:func:`read_assignments`, so every reader sees the same types:

* themes, one row per theme (:data:`THEME_COLUMNS`): ``theme_id`` (int), ``name`` (str, a short
  readable phrase; a file written before names existed gets one made of its keywords, or
  ``"Theme N"``), ``parent_id`` (Int64, NA when unknown) and ``parent_name`` (str, the group's
  name; ``"Group N"`` when the file has none), ``size`` (int; NA only when the file has no sizes),
  ``keywords`` and ``exemplars`` (lists of str; exemplars are redacted text), ``is_new`` (bool),
  ``label`` (str, None while no analyst named the theme) and ``centroid`` (float32 array of shape
  ``(dim,)``, None when absent);
  The table's Parquet metadata (``attrs["voc"]``) names the discovery run (``discovery_run_id``)
  and the encoder the centroids were computed with (``encoder``: a registered model's name and
  version, or ``base``; ``encoder_fingerprint``: :func:`nlp.model_files.model_fingerprint`, read
  with :func:`themes_encoder`; absent from files written before it was recorded);
* assignments, one row per contact (:data:`ASSIGNMENT_COLUMNS`): ``contact_id`` (str), ``theme_id``
  (int, :data:`UNASSIGNED` = -1) and ``probability`` (float);
* suggestions (``suggestions.parquet``, :data:`SUGGESTION_COLUMNS`), zero or more rows per theme:
  ``theme_id`` (int), ``suggested_root_cause`` (str), ``suggested_confidence`` (float, 0-1),
  ``suggestion_source`` (``taxonomy`` | ``model`` | ``catalogue``, :data:`SUGGESTION_SOURCES`) and
  ``confident`` (bool: the confidence passed its source's threshold). ``voc discover`` writes the
  taxonomy and catalogue ones, ``voc label export --model`` adds the model's; the review sheet
  and the app read them with :func:`read_suggestions` and show :func:`best_suggestions`.

Every problem raises :class:`~voc.errors.InputError` naming the file, column and first bad row.
"""

from __future__ import annotations

import copy
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
MEMBERS_FILE = "members.parquet"
SUGGESTIONS_FILE = "suggestions.parquet"
UNASSIGNED = -1
# Key of attrs["voc"] naming the encoder whose space a themes table's centroids are in.
ENCODER_FINGERPRINT = "encoder_fingerprint"
THEME_COLUMNS = (
    "theme_id",
    "name",
    "parent_id",
    "parent_name",
    "size",
    "keywords",
    "exemplars",
    "is_new",
    "label",
    "centroid",
)
ASSIGNMENT_COLUMNS = ("contact_id", "theme_id", "probability")
# What the app shows of a theme's members: redacted text and the segments to filter on; never raw text.
MEMBER_COLUMNS = ("contact_id", "created_at", "channel", "market", "category", "order_stage", "clean_text")
SUGGESTION_COLUMNS = (
    "theme_id",
    "suggested_root_cause",
    "suggested_confidence",
    "suggestion_source",
    "confident",
)
# Best first when a theme has several confident suggestions: a theme an analyst already labelled
# (catalogue) says more than a model trained on such labels, which says more than a description.
SUGGESTION_SOURCES = ("catalogue", "model", "taxonomy")


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
    theme_ids = _integers(raw, "theme_id", path)
    keywords = [_as_list(v, "; ") for v in raw.get("keywords", [None] * n)]
    parent_ids = raw["parent_id"].astype("Int64") if "parent_id" in raw else missing
    out = pd.DataFrame(
        {
            "theme_id": theme_ids,
            "name": pd.Series(
                [
                    _label(v) or fallback_name(k, t)
                    for v, k, t in zip(raw.get("name", [None] * n), keywords, theme_ids, strict=True)
                ],
                index=raw.index,
                dtype=object,
            ),
            "parent_id": parent_ids,
            "parent_name": pd.Series(
                [
                    _label(v) or (f"Group {p}" if p is not pd.NA else None)
                    for v, p in zip(raw.get("parent_name", [None] * n), parent_ids, strict=True)
                ],
                index=raw.index,
                dtype=object,
            ),
            "size": _integers(raw, "size", path) if "size" in raw else missing,
            "keywords": keywords,
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
    out = out[out["theme_id"] != UNASSIGNED].reset_index(drop=True)
    out.attrs = copy.deepcopy(raw.attrs)  # the run and encoder the themes came from
    return out


def themes_encoder(themes: pd.DataFrame) -> str | None:
    """Fingerprint of the encoder a themes table's centroids were computed with (``attrs["voc"]
    ["encoder_fingerprint"]``, as :func:`read_themes` keeps it); ``None`` when not recorded."""
    value = (themes.attrs.get("voc") or {}).get(ENCODER_FINGERPRINT)
    return str(value) if value else None


def fallback_name(keywords: list[str], theme_id: int) -> str:
    """The name of a theme from a file written before names existed: its first three keywords
    ("Refund, bank, statement"), or ``"Theme N"`` when it has none."""
    words = [k for k in keywords if k][:3]
    if not words:
        return f"Theme {theme_id}"
    text = ", ".join(words)
    return text[:1].upper() + text[1:]


def read_suggestions(folder: str | Path) -> pd.DataFrame:
    """``folder/suggestions.parquet`` (:data:`SUGGESTION_COLUMNS`), every source's rows, best first.

    Rows are ordered by theme, then confident before not, then by source (:data:`SUGGESTION_SOURCES`
    order), then by confidence, so the first row of each theme is its best suggestion
    (:func:`best_suggestions`). No file: an empty frame with those columns (a run made before
    suggestions existed, or one whose themes nothing could be suggested for).

    Raises :class:`InputError` when the file exists but is unreadable, lacks a column, or holds a
    source or a confidence outside its range.
    """
    path = Path(folder) / SUGGESTIONS_FILE
    if not path.is_file():
        return _suggestion_frame(pd.DataFrame(columns=list(SUGGESTION_COLUMNS)))
    raw = _read(path, "suggestions", SUGGESTION_COLUMNS)
    raw = raw.assign(theme_id=_integers(raw, "theme_id", path))
    bad_source = ~raw["suggestion_source"].isin(SUGGESTION_SOURCES)
    confidence = pd.to_numeric(raw["suggested_confidence"], errors="coerce")
    bad_confidence = ~confidence.between(0.0, 1.0)
    for bad, column, expected in (
        (bad_source, "suggestion_source", " | ".join(SUGGESTION_SOURCES)),
        (bad_confidence, "suggested_confidence", "a number from 0 to 1"),
    ):
        if bad.any():
            row = int(bad.to_numpy().argmax()) + 1
            raise InputError(f"{path}: column {column!r} row {row}: expected {expected}")
    return _suggestion_frame(raw)


def best_suggestions(suggestions: pd.DataFrame) -> pd.DataFrame:
    """One row per theme: its best suggestion (see :func:`read_suggestions` for the order)."""
    return _suggestion_frame(suggestions).drop_duplicates("theme_id", keep="first").reset_index(drop=True)


def write_suggestions(suggestions: pd.DataFrame, folder: str | Path) -> Path:
    """Write ``suggestions`` (:data:`SUGGESTION_COLUMNS`) atomically to ``folder/suggestions.parquet``."""
    path = Path(folder) / SUGGESTIONS_FILE
    require_columns(suggestions, SUGGESTION_COLUMNS, path)
    return write_table(_suggestion_frame(suggestions), path)


def _suggestion_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` in the suggestion types, best suggestion of each theme first."""
    out = pd.DataFrame(
        {
            "theme_id": frame["theme_id"].astype("int64"),
            "suggested_root_cause": frame["suggested_root_cause"].astype(str),
            "suggested_confidence": pd.to_numeric(frame["suggested_confidence"]).astype("float64"),
            "suggestion_source": frame["suggestion_source"].astype(str),
            "confident": frame["confident"].fillna(False).astype(bool),
        }
    )
    rank = out["suggestion_source"].map({s: i for i, s in enumerate(SUGGESTION_SOURCES)})
    order = pd.DataFrame(
        {"t": out["theme_id"], "c": ~out["confident"], "r": rank, "s": -out["suggested_confidence"]}
    )
    return out.loc[order.sort_values(["t", "c", "r", "s"], kind="stable").index].reset_index(drop=True)


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


def write_members(contacts: pd.DataFrame, folder: str | Path) -> Path:
    """Write the redacted members table (:data:`MEMBER_COLUMNS`; absent segments as nulls) to
    ``folder/members.parquet``. ``contacts`` must hold ``clean_text``, never the raw ``text``."""
    path = Path(folder) / MEMBERS_FILE
    require_columns(contacts, ("contact_id", "clean_text"), path)
    members = pd.DataFrame({c: contacts.get(c) for c in MEMBER_COLUMNS})
    members["contact_id"] = members["contact_id"].astype(str)
    return write_table(members, path)


def read_members(folder: str | Path) -> pd.DataFrame:
    """``folder/members.parquet`` (:data:`MEMBER_COLUMNS`); an empty table for a run made before
    discovery wrote it."""
    path = Path(folder) / MEMBERS_FILE
    if not path.is_file():
        return pd.DataFrame({c: pd.Series(dtype=object) for c in MEMBER_COLUMNS})
    raw = _read(path, "members", ("contact_id", "clean_text"))
    raw["contact_id"] = raw["contact_id"].astype(str)
    raw["clean_text"] = raw["clean_text"].fillna("").astype(str)
    return raw


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
