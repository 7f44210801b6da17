"""Validation of filled review sheets: every problem found at once, with its row, or decisions.

:func:`validate_theme_sheet` and :func:`validate_contact_sheet` check a whole sheet read by
:func:`training.labelling.sheets.read_sheet` and either return what to store in the label catalogue or
raise one :class:`SheetError` listing every problem (row numbers as the spreadsheet shows them,
header = row 1), so that a sheet is never half-applied.

A themes sheet may decide a whole group (the themes sharing a ``parent_id`` in the discovery run)
on one row, in ``group_label`` and ``group_action``; :func:`apply_group_decisions` turns that into
the decisions of each theme of the group that has no label or action of its own, before the usual
checks:

* ``group_label`` = a root cause (``group_action`` empty or ``accept``): every such theme is
  accepted with that label;
* ``group_action`` = ``accept_suggestions``: every such theme whose suggestion is confident
  (``confident`` = yes) is accepted with its ``suggested_root_cause``; the others stay undecided;
* ``group_action`` = ``noise``: every such theme is noise.

An unknown ``group_label`` gets the same message as an unknown ``label``.
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
from training.labelling.sheets import GROUP_ACTIONS, ReviewSheet, as_int, as_vector, join_values
from voc.contracts.themes import themes_encoder
from voc.errors import InputError
from voc.taxonomy import Taxonomy

ACTIONS = ("accept", "merge_into:<theme_id>", "split", "noise")
# "merge_into:12", or the drop-down's "merge_into:12 Parcel marked delivered" (the name is ignored).
_MERGE = re.compile(r"^merge[_ ]?into\s*:?\s*(-?\d+)(?:\s.*)?$", re.IGNORECASE | re.DOTALL)
_MERGE_NO_ID = re.compile(r"^merge[_ ]?into\s*:?\s*$", re.IGNORECASE)
_YES = {"yes", "true", "1", "y"}


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
    problems: list[Problem] = []
    rows = apply_group_decisions(sheet.rows, themes, taxonomy, problems)
    known = {int(t): r for t, r in zip(themes["theme_id"], themes.to_dict("records"), strict=True)}
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
            problems.append(Problem(row, "action", _bad_action(action_text)))
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
    encoder = themes_encoder(themes)  # the space the centroids are in, stored beside them
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
            encoder=encoder,
            exemplars=tuple(str(e) for e in _listed(known[theme_id].get("exemplars"))),
        )
        for theme_id, (_row, action, _label, target, notes) in parsed.items()
    ]


def _listed(value: Any) -> list[Any]:
    """A theme's list cell (exemplars) as a list; missing -> ``[]``, a single string -> ``[it]``."""
    if value is None or (isinstance(value, float) and value != value):
        return []
    return [value] if isinstance(value, str) else list(value)


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


def apply_group_decisions(
    rows: pd.DataFrame, themes: pd.DataFrame, taxonomy: Taxonomy, problems: list[Problem]
) -> pd.DataFrame:
    """``rows`` with each group decision copied into its group's undecided themes' label/action.

    Parameters
    ----------
    rows : DataFrame
        A themes sheet's rows (:attr:`ReviewSheet.rows`): ``row``, ``theme_id``, ``label``,
        ``action`` and optionally ``group_label``, ``group_action``, ``suggested_root_cause``,
        ``confident``.
    themes : DataFrame
        The discovery run's themes: their ``parent_id`` says which themes form a group.
    taxonomy : Taxonomy
    problems : list of Problem
        Problems found are appended (unknown group label or action, a group decided twice, a
        group row whose theme is not in the run).

    Returns
    -------
    A copy of ``rows``; a theme with a label or action of its own keeps it.
    """
    out = rows.copy()
    for col in ("group_label", "group_action", "suggested_root_cause", "confident"):
        if col not in out:
            out[col] = ""
    parent = {
        int(t): (None if pd.isna(p) else int(p))
        for t, p in zip(themes["theme_id"], themes.get("parent_id", [None] * len(themes)), strict=True)
    }
    row_ids = [as_int(t) for t in out["theme_id"]]
    group_of_row = [None if t is None else parent.get(t) for t in row_ids]
    decided: dict[int, int] = {}
    for i, rec in enumerate(out.to_dict("records")):
        label, action_text = rec["group_label"], rec["group_action"].strip().lower()
        if not label and not action_text:
            continue
        row = int(rec["row"])
        theme_id = as_int(rec["theme_id"])
        group = group_of_row[i]
        if theme_id is None or theme_id not in parent:
            problems.append(
                Problem(row, "group_label", f"theme {rec['theme_id']!r} is not in this run's themes")
            )
            continue
        if group is None:
            problems.append(Problem(row, "group_label", f"theme {theme_id} belongs to no group"))
            continue
        if group in decided:
            problems.append(
                Problem(
                    row,
                    "group_label",
                    f"group {group} is already decided on row {decided[group]}; decide each group once",
                )
            )
            continue
        decided[group] = row
        action = action_text or "accept"
        column = "group_label" if label else "group_action"
        if action not in GROUP_ACTIONS:
            problems.append(
                Problem(
                    row, "group_action", f"{rec['group_action']!r} is not one of {' | '.join(GROUP_ACTIONS)}"
                )
            )
            continue
        if label and label not in taxonomy:
            problems.append(Problem(row, column, _unknown_label(label, taxonomy)))
            continue
        if action == "accept" and not label:
            problems.append(Problem(row, "group_label", "accept needs a group_label from the taxonomy"))
            continue
        if action != "accept" and label:
            problems.append(
                Problem(row, "group_label", f"{action} takes no group_label; clear it or use accept")
            )
            continue
        for j in range(len(out)):
            if group_of_row[j] != group or out.at[out.index[j], "label"] or out.at[out.index[j], "action"]:
                continue
            index = out.index[j]
            if action == "accept":
                out.at[index, "label"], out.at[index, "action"] = label, "accept"
            elif action == "noise":
                out.at[index, "action"] = "noise"
            elif str(out.at[index, "confident"]).strip().lower() in _YES:
                suggested = str(out.at[index, "suggested_root_cause"]).strip()
                if suggested:
                    out.at[index, "label"], out.at[index, "action"] = suggested, "accept"
    return out


def _bad_action(text: str) -> str:
    if _MERGE_NO_ID.match(text.strip()):
        return (
            f"{text!r} needs the id of the theme to merge into, e.g. merge_into:12 "
            "(pick one from the drop-down)"
        )
    return f"{text!r} is not one of {' | '.join(ACTIONS)}"


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
