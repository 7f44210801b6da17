"""What analysts review: a discovery run's themes, their change since the previous run, members.

Reads a discovery output folder (``DIR/themes.parquet``, ``DIR/assignments.parquet``, written by
``voc discover``) into plain DataFrames, builds the review table behind both the review sheet and
the theme browser, and picks member samples. Only redacted text (``clean_text``) ever goes into the
review table or a sample.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from voc.errors import InputError

THEMES_FILE = "themes.parquet"
ASSIGNMENTS_FILE = "assignments.parquet"
UNASSIGNED = -1


def load_themes(folder: str | Path) -> pd.DataFrame:
    """Read ``folder/themes.parquet`` into a tidy frame.

    Returns
    -------
    DataFrame, one row per theme (theme ``-1`` dropped): ``theme_id`` (int), ``parent_id`` (int or
    NA), ``size`` (int), ``keywords`` (list of str), ``exemplars`` (list of str), ``is_new``
    (bool), ``label`` (str or None), ``centroid`` (float32 ndarray of shape ``(dim,)`` or None).

    Raises
    ------
    InputError
        When the file is missing or lacks ``theme_id`` or ``size``.
    """
    path = Path(folder) / THEMES_FILE
    if not path.is_file():
        raise InputError(f"{path}: no themes file; pass the folder that `voc discover --out` wrote")
    try:
        raw = pd.read_parquet(path)
    except Exception as exc:
        raise InputError(f"{path}: cannot read: {exc}") from exc
    missing = [c for c in ("theme_id", "size") if c not in raw]
    if missing:
        raise InputError(f"{path}: missing column(s) {', '.join(missing)}")
    out = pd.DataFrame(
        {
            "theme_id": raw["theme_id"].astype("int64"),
            "parent_id": raw["parent_id"].astype("Int64") if "parent_id" in raw else pd.NA,
            "size": raw["size"].astype("int64"),
            "keywords": [_as_list(v, "; ") for v in raw.get("keywords", [None] * len(raw))],
            "exemplars": [_as_list(v, "\n") for v in raw.get("exemplars", [None] * len(raw))],
            "is_new": raw["is_new"].fillna(False).astype(bool) if "is_new" in raw else False,
            "label": [_label(v) for v in raw.get("label", [None] * len(raw))],
            "centroid": [_vector(v) for v in raw.get("centroid", [None] * len(raw))],
        }
    )
    return out[out["theme_id"] != UNASSIGNED].reset_index(drop=True)


def load_assignments(folder: str | Path) -> pd.DataFrame:
    """Read ``folder/assignments.parquet``: ``contact_id`` (str), ``theme_id`` (int, -1 =
    unassigned), ``probability`` (float; 1.0 when the file has none).

    Raises :class:`InputError` when the file is missing or lacks ``contact_id``/``theme_id``.
    """
    path = Path(folder) / ASSIGNMENTS_FILE
    if not path.is_file():
        raise InputError(f"{path}: no assignments file; pass the folder that `voc discover --out` wrote")
    raw = pd.read_parquet(path)
    missing = [c for c in ("contact_id", "theme_id") if c not in raw]
    if missing:
        raise InputError(f"{path}: missing column(s) {', '.join(missing)}")
    return pd.DataFrame(
        {
            "contact_id": raw["contact_id"].astype(str),
            "theme_id": raw["theme_id"].astype("int64"),
            "probability": raw["probability"].astype(float) if "probability" in raw else 1.0,
        }
    )


def review_table(
    themes: pd.DataFrame,
    previous: pd.DataFrame | None = None,
    suggestions: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """One row per theme, biggest first, with what an analyst needs to name it.

    Parameters
    ----------
    themes : DataFrame
        From :func:`load_themes`.
    previous : DataFrame, optional
        The previous run's :func:`load_themes`; gives ``previous_size`` and ``change``
        (``"up 12 (+15%)"``, ``"down 3 (-5%)"``, ``"same"``, or ``"new"`` for a theme that was
        not there). Without it ``change`` is ``"new"`` for themes discovery flagged new, else empty.
    suggestions : DataFrame, optional
        ``theme_id, suggested_root_cause, suggested_share, suggested_confidence`` from
        :func:`training.labelling.active_learning.theme_suggestions`.

    Returns
    -------
    DataFrame with ``theme_id, parent_id, size, previous_size, change, is_new, current_label,
    suggested_root_cause, suggested_share, suggested_confidence, keywords, exemplars``.
    """
    out = themes.sort_values(["size", "theme_id"], ascending=[False, True]).reset_index(drop=True)
    out = out.rename(columns={"label": "current_label"})
    if previous is not None:
        before = dict(zip(previous["theme_id"], previous["size"], strict=True))
        out["previous_size"] = [before.get(t) for t in out["theme_id"]]
        out["previous_size"] = out["previous_size"].astype("Int64")
        out["change"] = [_change(s, before.get(t)) for t, s in zip(out["theme_id"], out["size"], strict=True)]
    else:
        out["previous_size"] = pd.array([pd.NA] * len(out), dtype="Int64")
        out["change"] = ["new" if n else "" for n in out["is_new"]]
    for col in ("suggested_root_cause", "suggested_share", "suggested_confidence"):
        out[col] = None
    if suggestions is not None and len(suggestions):
        by_theme = suggestions.set_index("theme_id")
        for col in ("suggested_root_cause", "suggested_share", "suggested_confidence"):
            out[col] = [by_theme[col].get(t) for t in out["theme_id"]]
    columns = [
        "theme_id",
        "parent_id",
        "size",
        "previous_size",
        "change",
        "is_new",
        "current_label",
        "suggested_root_cause",
        "suggested_share",
        "suggested_confidence",
        "keywords",
        "exemplars",
    ]
    return out[columns]


def sample_members(
    assignments: pd.DataFrame, per_theme: int, seed: int = 0, themes: set[int] | None = None
) -> pd.DataFrame:
    """Up to ``per_theme`` random members of each theme (unassigned contacts left out).

    Returns the matching rows of ``assignments`` (``contact_id, theme_id, probability``).
    """
    members = assignments[assignments["theme_id"] != UNASSIGNED]
    if themes is not None:
        members = members[members["theme_id"].isin(themes)]
    if per_theme <= 0 or members.empty:
        return members.iloc[0:0]
    shuffled = members.sample(frac=1.0, random_state=seed)
    return shuffled.groupby("theme_id", sort=False).head(per_theme).reset_index(drop=True)


def _change(size: int, before: int | None) -> str:
    if before is None:
        return "new"
    # Worded, not signed: a cell starting with + or - would need formula neutralising.
    delta = int(size) - int(before)
    if delta == 0:
        return "same"
    word = "up" if delta > 0 else "down"
    if before == 0:
        return f"{word} {abs(delta)}"
    return f"{word} {abs(delta)} ({delta / before:+.0%})"


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
