"""Read and check the report's inputs: tagged contacts, themes and orders.

Every problem raises :class:`~voc.errors.InputError` naming the file, column and (where it applies)
the first bad row, so the CLI exits with code 2 and a message the user can act on.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from voc.contracts.orders import validate_orders
from voc.errors import InputError

TAGGED_REQUIRED = ("contact_id", "root_cause", "created_at", "clean_text")
THEMES_REQUIRED = ("theme_id", "label")
ASSIGNMENTS_REQUIRED = ("contact_id", "theme_id")


def load_tagged(path: str | Path) -> pd.DataFrame:
    """Tagged contacts (Parquet or CSV), ``created_at`` parsed to UTC.

    Raises InputError for a missing file or column, an unparseable date or a repeated contact id.
    """
    df = _read_table(Path(path))
    _require(df, TAGGED_REQUIRED, path)
    created = pd.to_datetime(df["created_at"], utc=True, errors="coerce", format="mixed")
    bad = created.isna()
    if bad.any():
        row = int(bad.to_numpy().argmax()) + 1
        raise InputError(
            f"{path}: column 'created_at' row {row}: cannot read {df['created_at'].iloc[row - 1]!r} as a date"
        )
    duplicated = df["contact_id"].duplicated()
    if duplicated.any():
        row = int(duplicated.to_numpy().argmax()) + 1
        raise InputError(
            f"{path}: column 'contact_id' row {row}: id {df['contact_id'].iloc[row - 1]!r} repeats"
        )
    df = df.assign(created_at=created)
    df["contact_id"] = df["contact_id"].astype(str)
    df["root_cause"] = df["root_cause"].fillna("").astype(str).str.strip().replace("", "unknown")
    return df


def load_themes(folder: str | Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(themes, assignments)`` from ``folder/themes.parquet`` and ``folder/assignments.parquet``."""
    folder = Path(folder)
    themes = _read_table(folder / "themes.parquet")
    assignments = _read_table(folder / "assignments.parquet")
    _require(themes, THEMES_REQUIRED, folder / "themes.parquet")
    _require(assignments, ASSIGNMENTS_REQUIRED, folder / "assignments.parquet")
    for frame, name in ((themes, "themes.parquet"), (assignments, "assignments.parquet")):
        ids = pd.to_numeric(frame["theme_id"], errors="coerce")
        if ids.isna().any():
            row = int(ids.isna().to_numpy().argmax()) + 1
            raise InputError(f"{folder / name}: column 'theme_id' row {row}: not an integer")
        frame["theme_id"] = ids.astype(int)
    assignments["contact_id"] = assignments["contact_id"].astype(str)
    if "is_new" not in themes:
        themes["is_new"] = False
    return themes, assignments


def load_orders(path: str | Path) -> pd.DataFrame:
    """Accepted rows of the orders contract; InputError when none are usable."""
    result = validate_orders(path)
    if result.accepted.empty:
        raise InputError(f"{path}: no usable orders rows ({result.counts.summary()})")
    return result.accepted


def _read_table(path: Path) -> pd.DataFrame:
    if not path.is_file():
        raise InputError(f"{path}: file not found")
    suffix = path.suffix.lower()
    try:
        if suffix in (".parquet", ".pq"):
            return pd.read_parquet(path)
        if suffix == ".csv":
            return pd.read_csv(path, dtype={"contact_id": str})
    except (OSError, ValueError) as exc:
        raise InputError(f"{path}: cannot read: {exc}") from exc
    raise InputError(f"{path}: unsupported format {suffix!r}; use .parquet or .csv")


def _require(df: pd.DataFrame, columns: tuple[str, ...], path: str | Path) -> None:
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise InputError(
            f"{path}: missing column(s) {', '.join(missing)}; found {', '.join(map(str, df.columns))}"
        )
