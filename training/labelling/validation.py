"""Validation of filled review sheets: every problem found at once, with its row, or decisions.

:func:`validate_theme_sheet` and :func:`validate_contact_sheet` check a whole sheet read by
:func:`training.labelling.sheets.read_sheet` and either return what to store in the label catalogue or
raise one :class:`SheetError` listing every problem (row numbers as the spreadsheet shows them,
header = row 1), so that a sheet is never half-applied.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from training.labelling.catalogue import ContactLabel, ThemeDecision
from training.labelling.sheets import ReviewSheet, as_int, as_vector, join_values
from voc.errors import InputError
from voc.taxonomy import Taxonomy

ACTIONS = ("accept", "merge_into:<theme_id>", "split", "noise")
_MERGE = re.compile(r"^merge[_ ]?into\s*:?\s*(-?\d+)$", re.IGNORECASE)


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a sheet: its row (header = 1), column and what to do."""

    row: int
    column: str
    message: str

    def __str__(self) -> str:
        return f"row {self.row}, {self.column}: {self.message}"


class SheetError(InputError):
    """A sheet that cannot be imported; ``problems`` lists every problem found."""

    def __init__(self, source: str | Path, problems: list[Problem]) -> None:
        self.problems = sorted(problems, key=lambda p: (p.row, p.column))
        lines = "\n".join(f"  {p}" for p in self.problems)
        n = len(self.problems)
        super().__init__(
            f"{source}: {n} problem{'s' if n != 1 else ''}; nothing was imported. "
            f"Fix the sheet and import it again:\n{lines}"
        )


def validate_theme_sheet(
    sheet: ReviewSheet,
    themes: pd.DataFrame,
    taxonomy: Taxonomy,
    current: pd.DataFrame | None = None,
) -> list[ThemeDecision]:
    """Check a themes sheet against the themes and the taxonomy; return its decisions.

    Parameters
    ----------
    sheet : ReviewSheet
        From :func:`read_sheet`, kind ``themes``.
    themes : DataFrame
        The discovery run's themes (``theme_id``, ``centroid``, ``size``, ``keywords``).
    taxonomy : Taxonomy
        Labels must be its ids.
    current : DataFrame, optional
        :meth:`Catalogue.theme_decisions`: a merge may target a theme labelled in an earlier import.

    Returns
    -------
    list of ThemeDecision
        One per row that has a label or an action; merged themes carry their target's label.

    Raises
    ------
    SheetError
        Listing every problem (unknown label or theme, bad action, a theme decided twice, accept
        without a label, merge into a missing, merged, split or noise theme).
    """
    rows = sheet.rows
    known = {int(t): r for t, r in zip(themes["theme_id"], themes.to_dict("records"), strict=True)}
    problems: list[Problem] = []
    parsed: dict[int, tuple[int, str, str | None, int | None, str]] = {}
    first_row: dict[int, int] = {}
    for rec in rows.to_dict("records"):
        row, label, action_text = int(rec["row"]), rec.get("label", ""), rec.get("action", "")
        theme_id = as_int(rec.get("theme_id", ""))
        if theme_id is None:
            problems.append(Problem(row, "theme_id", f"{rec.get('theme_id', '')!r} is not a theme id"))
            continue
        if theme_id in first_row:
            problems.append(
                Problem(
                    row,
                    "theme_id",
                    f"theme {theme_id} is already on row {first_row[theme_id]}; decide each theme once",
                )
            )
            continue
        first_row[theme_id] = row
        if not label and not action_text:
            continue  # not reviewed
        if theme_id not in known:
            problems.append(Problem(row, "theme_id", f"theme {theme_id} is not in this run's themes"))
        action, target = _parse_action(action_text, bool(label))
        if action is None:
            problems.append(Problem(row, "action", f"{action_text!r} is not one of {' | '.join(ACTIONS)}"))
            continue
        if label and label not in taxonomy:
            problems.append(Problem(row, "label", _unknown_label(label, taxonomy)))
        if action == "accept" and not label:
            problems.append(Problem(row, "label", "accept needs a label from the taxonomy"))
        if action in ("split", "noise") and label:
            problems.append(Problem(row, "label", f"{action} takes no label; clear the label or use accept"))
        parsed[theme_id] = (row, action, label or None, target, rec.get("notes", ""))

    labels: dict[int, str | None] = {}
    for theme_id, (row, action, label, target, _notes) in parsed.items():
        if action == "merge_into":
            label = _merge_label(theme_id, row, label, target, parsed, known, current, taxonomy, problems)
        labels[theme_id] = label if action in ("accept", "merge_into") else None
    if problems:
        raise SheetError(sheet.path, problems)
    return [
        ThemeDecision(
            theme_id=theme_id,
            action=action,
            label=labels[theme_id],
            merged_into=target,
            centroid=as_vector(known[theme_id].get("centroid")),
            size=as_int(known[theme_id].get("size")),
            keywords=join_values(known[theme_id].get("keywords"), "; "),
            notes=notes,
        )
        for theme_id, (_row, action, _label, target, notes) in parsed.items()
    ]


def _merge_label(
    theme_id: int,
    row: int,
    label: str | None,
    target: int | None,
    parsed: Mapping[int, tuple[int, str, str | None, int | None, str]],
    known: Mapping[int, Any],
    current: pd.DataFrame | None,
    taxonomy: Taxonomy,
    problems: list[Problem],
) -> str | None:
    """The label a merged theme takes (its target's), recording any problem with the target."""
    assert target is not None
    where = f"merge_into:{target}"
    if target == theme_id:
        problems.append(Problem(row, "action", f"{where}: a theme cannot merge into itself"))
        return None
    earlier = None
    if current is not None and len(current):
        hit = current[current["theme_id"] == target]
        earlier = hit.iloc[0] if len(hit) else None
    if target in parsed:
        t_row, t_action, t_label, t_target, _ = parsed[target]
        if t_action == "merge_into":
            problems.append(
                Problem(
                    row,
                    "action",
                    f"{where}: theme {target} is itself merged into {t_target} (row {t_row}); "
                    f"merge into {t_target} directly",
                )
            )
            return None
        if t_action in ("split", "noise"):
            problems.append(
                Problem(row, "action", f"{where}: theme {target} is marked {t_action} (row {t_row})")
            )
            return None
        target_label = t_label
    elif target in known or earlier is not None:
        if earlier is not None and earlier["action"] == "merge_into":
            problems.append(
                Problem(
                    row,
                    "action",
                    f"{where}: theme {target} is itself merged into {int(earlier['merged_into'])} "
                    f"(catalogue version {int(earlier['version'])}); merge into that theme directly",
                )
            )
            return None
        target_label = None if earlier is None or pd.isna(earlier["label"]) else str(earlier["label"])
        if target_label is None:
            problems.append(
                Problem(
                    row,
                    "action",
                    f"{where}: theme {target} has no label yet; label it (accept) in this sheet",
                )
            )
            return None
    else:
        problems.append(Problem(row, "action", f"{where}: theme {target} does not exist"))
        return None
    if label and target_label and label != target_label and label in taxonomy:
        problems.append(
            Problem(
                row,
                "label",
                f"{label!r} differs from the label of theme {target} ({target_label!r}) it merges into; "
                "clear one of them",
            )
        )
    return target_label


def validate_contact_sheet(
    sheet: ReviewSheet,
    taxonomy: Taxonomy,
    known_contacts: set[str] | None = None,
) -> list[ContactLabel]:
    """Check a contacts sheet; return one :class:`ContactLabel` per labelled row.

    Raises :class:`SheetError` listing every problem (missing or unknown contact id, a contact
    labelled twice, a label outside the taxonomy).
    """
    problems: list[Problem] = []
    seen: dict[str, int] = {}
    labels: list[ContactLabel] = []
    for rec in sheet.rows.to_dict("records"):
        row, contact_id, label = int(rec["row"]), rec.get("contact_id", ""), rec.get("label", "")
        if not label:
            continue
        if not contact_id:
            problems.append(Problem(row, "contact_id", "a labelled row needs its contact_id"))
            continue
        if contact_id in seen:
            problems.append(
                Problem(
                    row,
                    "contact_id",
                    f"contact {contact_id!r} is already labelled on row {seen[contact_id]}; label it once",
                )
            )
            continue
        seen[contact_id] = row
        if known_contacts is not None and contact_id not in known_contacts:
            problems.append(Problem(row, "contact_id", f"contact {contact_id!r} is not in the contacts file"))
        if label not in taxonomy:
            problems.append(Problem(row, "label", _unknown_label(label, taxonomy)))
            continue
        labels.append(
            ContactLabel(
                contact_id=contact_id,
                label=label,
                theme_id=as_int(rec.get("theme_id", "")),
                notes=rec.get("notes", ""),
            )
        )
    if problems:
        raise SheetError(sheet.path, problems)
    return labels


def _parse_action(text: str, has_label: bool) -> tuple[str | None, int | None]:
    """``(action, merge target)``; ``(None, None)`` when the text is not an action."""
    value = text.strip().lower()
    if not value:
        return ("accept" if has_label else None), None
    if value in ("accept", "split", "noise"):
        return value, None
    match = _MERGE.match(value)
    if match:
        return "merge_into", int(match.group(1))
    return None, None


def _unknown_label(label: str, taxonomy: Taxonomy) -> str:
    close = difflib.get_close_matches(label.lower(), taxonomy.ids, n=1, cutoff=0.6)
    hint = f" (did you mean {close[0]!r}?)" if close else " (see the taxonomy sheet)"
    return f"{label!r} is not a root cause of taxonomy {taxonomy.name} v{taxonomy.version}{hint}"
