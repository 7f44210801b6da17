"""The demo's stand-in for the analysts: fill a review sheet from the synthetic ground truth.

``make demo`` has no analyst to read the theme browser, so each theme gets the majority root cause
of its members from ``ground_truth.parquet`` (what a person reading its exemplars would write), or
``noise`` when no cause holds ``min_share`` of them or most members are outside the taxonomy. This
is a documented shortcut for synthetic data only; with real data, people fill the sheet.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from openpyxl import load_workbook

_OUT_OF_SCOPE = "__out_of_scope__"


def majority_labels(
    assignments: pd.DataFrame, truth: pd.Series, min_share: float = 0.4
) -> dict[int, str | None]:
    """Theme id -> the majority true root cause of its members, or None (noise).

    Parameters
    ----------
    assignments : DataFrame with ``contact_id`` and ``theme_id`` (-1 = unassigned)
    truth : Series mapping contact_id -> root cause (null outside the taxonomy)
    """
    members = assignments[assignments["theme_id"] != -1]
    causes = members["contact_id"].astype(str).map(truth).fillna(_OUT_OF_SCOPE)
    out: dict[int, str | None] = {}
    for theme_id, group in causes.groupby(members["theme_id"]):
        counts = group.value_counts(normalize=True)
        top = str(counts.index[0])
        keep = top != _OUT_OF_SCOPE and counts.iloc[0] >= min_share
        out[int(theme_id)] = top if keep else None
    return out


def fill_theme_sheet(sheet: str | Path, labels: dict[int, str | None]) -> tuple[int, int]:
    """Write ``label``/``action`` into an exported theme sheet (.xlsx); returns (labelled, noise)."""
    book = load_workbook(sheet)
    ws = book["themes"]
    header = [c.value for c in ws[1]]
    col = {name: header.index(name) + 1 for name in ("theme_id", "label", "action")}
    labelled = noise = 0
    for row in range(2, ws.max_row + 1):
        theme_id = ws.cell(row=row, column=col["theme_id"]).value
        if theme_id is None:
            continue
        label = labels.get(int(theme_id))
        if label:
            ws.cell(row=row, column=col["label"]).value = label
            ws.cell(row=row, column=col["action"]).value = "accept"
            labelled += 1
        else:
            ws.cell(row=row, column=col["action"]).value = "noise"
            noise += 1
    book.save(sheet)
    return labelled, noise


def fill_contact_sheet(sheet: str | Path, truth: pd.Series) -> int:
    """Label an active-learning sheet from the ground truth (out-of-taxonomy rows left empty)."""
    book = load_workbook(sheet)
    ws = book["contacts"]
    header = [c.value for c in ws[1]]
    id_col, label_col = header.index("contact_id") + 1, header.index("label") + 1
    filled = 0
    for row in range(2, ws.max_row + 1):
        cause = truth.get(str(ws.cell(row=row, column=id_col).value))
        if isinstance(cause, str):
            ws.cell(row=row, column=label_col).value = cause
            filled += 1
    book.save(sheet)
    return filled
