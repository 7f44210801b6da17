"""Review sheets: themes (or uncertain contacts) out to analysts as xlsx/csv, their decisions back in.

Two kinds of sheet, told apart by their columns:

* **themes** (``voc label export``): one row per theme, by group (``parent_id``, ``group`` = the
  group's name) then size, with its name, size, the change since the previous run, keywords,
  exemplars, its best suggestion (root cause, source, confidence, ``confident``), and empty
  ``label``, ``action`` (``accept`` | ``merge_into:<theme_id>`` | ``split`` | ``noise``) and
  ``notes``. The first row of each group also has empty ``group_label`` and ``group_action``
  (``accept`` | ``accept_suggestions`` | ``noise``) that decide the whole group at once
  (:mod:`training.labelling.validation` applies them). The xlsx's ``action`` drop-down lists whole
  values only (``merge_into:12 <name>`` for each theme of the sheet, from a hidden ``lists``
  sheet), so whatever it offers imports.
* **contacts** (``voc label suggest``): one row per contact the model is unsure about, with its
  redacted ``clean_text`` and an empty ``label``.

Every text cell is written through :func:`voc.files.spreadsheet_safe` (a leading ``= + - @``, tab or
carriage return gets an apostrophe) and read back without it by :func:`read_sheet`; the checks of a
filled sheet live in :mod:`training.labelling.validation`.
"""

from __future__ import annotations

import csv
import re
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.worksheet.datavalidation import DataValidation

from voc.errors import InputError
from voc.files import atomic_path, spreadsheet_safe, write_table
from voc.taxonomy import Taxonomy

N_EXEMPLARS = 5
EXEMPLAR_COLUMNS = [f"exemplar_{i}" for i in range(1, N_EXEMPLARS + 1)]
GROUP_COLUMNS = ["group_label", "group_action"]
ANALYST_COLUMNS = [*GROUP_COLUMNS, "label", "action", "notes"]
GROUP_ACTIONS = ("accept", "accept_suggestions", "noise")
THEME_SHEET_COLUMNS = [
    "theme_id",
    "name",
    "group",
    "parent_id",
    "size",
    "previous_size",
    "change",
    "current_label",
    "suggested_root_cause",
    "suggestion_source",
    "suggested_confidence",
    "confident",
    *ANALYST_COLUMNS,
    "keywords",
    *EXEMPLAR_COLUMNS,
]
CONTACT_SHEET_COLUMNS = [
    "contact_id",
    "theme_id",
    "clean_text",
    "suggested_root_cause",
    "confidence",
    "label",
    "notes",
]
_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# Columns without which a sheet's decisions cannot be read whole.
REQUIRED_COLUMNS = {"themes": ("theme_id", "label", "action"), "contacts": ("contact_id", "label")}
# Excel's own limit for a cell; longer text was silently cut by spreadsheet programs.
MAX_CELL_CHARS = 32_767
# A review sheet of thousands of themes is a few MiB; far more is not a sheet (or a zip bomb).
MAX_UNPACKED_BYTES = 200 * 2**20
_WIDTHS = {
    "theme_id": 9,
    "name": 36,
    "group": 30,
    "parent_id": 9,
    "size": 8,
    "previous_size": 9,
    "change": 13,
    "current_label": 22,
    "suggested_root_cause": 24,
    "suggestion_source": 11,
    "suggested_confidence": 11,
    "confident": 10,
    "group_label": 26,
    "group_action": 18,
    "label": 26,
    "action": 16,
    "notes": 30,
    "keywords": 36,
    "contact_id": 16,
    "clean_text": 80,
    "confidence": 11,
    **dict.fromkeys(EXEMPLAR_COLUMNS, 48),
}
_WRAPPED = {"name", "group", "keywords", "notes", "clean_text", *EXEMPLAR_COLUMNS}


@dataclass(frozen=True)
class ReviewSheet:
    """A sheet read back: its kind, the rows (``row`` = spreadsheet row number) and metadata."""

    path: Path
    kind: str
    rows: pd.DataFrame
    meta: Mapping[str, str] = field(default_factory=dict)


# ---------------------------------------------------------------------------------------------
# Building and writing
# ---------------------------------------------------------------------------------------------


def theme_sheet_frame(review: pd.DataFrame) -> pd.DataFrame:
    """The themes sheet (:data:`THEME_SHEET_COLUMNS`) from a review table.

    Parameters
    ----------
    review : DataFrame
        One row per theme, from :func:`training.labelling.review.review_table`: ``theme_id``,
        ``size``, ``keywords`` (list of str), ``exemplars`` (list of str), ``parent_name`` (shown as
        ``group``) and any of the other sheet columns; analyst columns come out empty.
    """
    out = pd.DataFrame(index=review.index)
    for col in THEME_SHEET_COLUMNS:
        if col == "group":
            out[col] = review.get("parent_name")
        elif col == "confident":
            flags = review.get("confident", pd.Series([None] * len(review), index=review.index))
            out[col] = [None if f is None or f is pd.NA or f != f else ("yes" if f else "no") for f in flags]
        elif col == "keywords":
            out[col] = [join_values(k, "; ") for k in review.get("keywords", [None] * len(review))]
        elif col in EXEMPLAR_COLUMNS:
            i = int(col.rsplit("_", 1)[1]) - 1
            exemplars = review.get("exemplars", pd.Series([None] * len(review), index=review.index))
            out[col] = [_nth(e, i) for e in exemplars]
        elif col in review:
            out[col] = review[col]
        else:
            out[col] = None
    return out.reset_index(drop=True)


def write_sheet(
    sheet: pd.DataFrame,
    path: str | Path,
    *,
    kind: str,
    taxonomy: Taxonomy,
    meta: Mapping[str, Any] | None = None,
) -> Path:
    """Write a review sheet atomically as ``.xlsx`` (drop-downs, frozen header) or ``.csv``.

    Parameters
    ----------
    sheet : DataFrame
        Rows in the column order of :data:`THEME_SHEET_COLUMNS` or :data:`CONTACT_SHEET_COLUMNS`.
    kind : {"themes", "contacts"}
    taxonomy : Taxonomy
        Its ids feed the ``label`` drop-down; the xlsx gets a ``taxonomy`` sheet for reference.
    meta : mapping, optional
        Written to a hidden ``about`` sheet of the xlsx (themes folder, model, when...).
    """
    if kind not in ("themes", "contacts"):
        raise ValueError(f"kind must be 'themes' or 'contacts', not {kind!r}")
    target = Path(path)
    suffix = target.suffix.lower()
    if suffix == ".csv":
        return write_table(sheet, target)
    if suffix != ".xlsx":
        raise InputError(f"{target}: a review sheet must be .xlsx or .csv, not {suffix or 'no suffix'!r}")
    book = _workbook(sheet, kind, taxonomy, dict(meta or {}))
    with atomic_path(target) as tmp:
        book.save(tmp)
    return target


def _workbook(sheet: pd.DataFrame, kind: str, taxonomy: Taxonomy, meta: dict[str, Any]) -> Workbook:
    book = Workbook()
    ws = book.active
    assert ws is not None
    ws.title = kind
    columns = list(sheet.columns)
    ws.append([str(c) for c in columns])
    header_fill = PatternFill("solid", fgColor="DDE4EE")
    analyst_fill = PatternFill("solid", fgColor="FFF6D5")
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.fill = analyst_fill if cell.value in ANALYST_COLUMNS else header_fill
        cell.alignment = Alignment(vertical="top", wrap_text=True)
    for values in sheet.itertuples(index=False, name=None):
        ws.append([_cell(v) for v in values])
    n_rows = len(sheet) + 1
    first_of_group = _first_rows_of_groups(sheet)
    off_fill = PatternFill("solid", fgColor="EEEEEE")
    for i, col in enumerate(columns, start=1):
        letter = ws.cell(row=1, column=i).column_letter
        ws.column_dimensions[letter].width = _WIDTHS.get(str(col), 14)
        wrap = str(col) in _WRAPPED
        for row in range(2, n_rows + 1):
            ws.cell(row=row, column=i).alignment = Alignment(vertical="top", wrap_text=wrap)
        if col in ANALYST_COLUMNS:
            for row in range(2, n_rows + 1):
                # A group is decided on its first row; the other rows' group cells are greyed.
                on = col not in GROUP_COLUMNS or row in first_of_group
                ws.cell(row=row, column=i).fill = analyst_fill if on else off_fill
    for row in first_of_group - {2}:
        for i in range(1, len(columns) + 1):
            ws.cell(row=row, column=i).border = Border(top=Side(style="medium", color="7F8EA3"))
    ws.freeze_panes = "B2"
    ws.auto_filter.ref = ws.dimensions
    last = max(n_rows, 2) + 500  # leave room for rows an analyst adds
    for col in ("label", "group_label"):
        if col not in columns:
            continue
        letter = ws.cell(row=1, column=columns.index(col) + 1).column_letter
        dv = DataValidation(
            type="list",
            formula1=f"=taxonomy!$A$2:$A${len(taxonomy.root_causes) + 1}",
            allow_blank=True,
            showErrorMessage=True,
            errorTitle="Unknown label",
            error="Pick a root cause id from the list (see the taxonomy sheet).",
            promptTitle=col,
            prompt="A root cause id from the taxonomy sheet."
            + (
                " Labels every theme of this group without a label or action of its own."
                if col != "label"
                else ""
            ),
            showInputMessage=True,
        )
        dv.add(f"{letter}2:{letter}{last}")
        ws.add_data_validation(dv)
    if "action" in columns:
        # Whole values only (merge_into:<id> <name> per theme), from the hidden lists sheet.
        actions = ["accept", "split", "noise", *merge_values(sheet)]
        lists = book.create_sheet("lists")
        for value in actions:
            lists.append([_cell(value)])
        lists.sheet_state = "hidden"
        letter = ws.cell(row=1, column=columns.index("action") + 1).column_letter
        dv = DataValidation(
            type="list",
            formula1=f"=lists!$A$1:$A${len(actions)}",
            allow_blank=True,
            showErrorMessage=False,  # merge_into:<id> of a theme labelled in an earlier sheet is typed
            promptTitle="action",
            prompt="accept (needs a label) | merge_into:<theme_id> | split | noise. Empty + label = accept.",
            showInputMessage=True,
        )
        dv.add(f"{letter}2:{letter}{last}")
        ws.add_data_validation(dv)
    if "group_action" in columns:
        letter = ws.cell(row=1, column=columns.index("group_action") + 1).column_letter
        dv = DataValidation(
            type="list",
            formula1='"' + ",".join(GROUP_ACTIONS) + '"',
            allow_blank=True,
            showErrorMessage=True,
            errorTitle="Unknown group action",
            error="accept (with a group_label) | accept_suggestions | noise",
            promptTitle="group_action",
            prompt="For every theme of the group without a decision of its own: accept (the "
            "group_label) | accept_suggestions (each confident suggestion) | noise.",
            showInputMessage=True,
        )
        dv.add(f"{letter}2:{letter}{last}")
        ws.add_data_validation(dv)
    tax = book.create_sheet("taxonomy")
    tax.append(["id", "name", "family", "owner", "description"])
    for cell in tax[1]:
        cell.font = Font(bold=True)
    for rc in taxonomy.root_causes:
        tax.append([_cell(v) for v in (rc.id, rc.name, rc.family, rc.owner, rc.description)])
    for letter, width in zip("ABCDE", (28, 30, 14, 16, 90), strict=True):
        tax.column_dimensions[letter].width = width
    tax.freeze_panes = "A2"
    about = book.create_sheet("about")
    about.append(["key", "value"])
    for key, value in {"kind": kind, "taxonomy_version": taxonomy.version, **meta}.items():
        about.append([_cell(str(key)), _cell("" if value is None else str(value))])
    about.sheet_state = "hidden"
    return book


def merge_values(sheet: pd.DataFrame) -> list[str]:
    """The ``merge_into:`` choices of a themes sheet: ``merge_into:<id> <name>`` per theme, in sheet order.

    :mod:`training.labelling.validation` reads the id and ignores the name after it.
    """
    if "theme_id" not in sheet:
        return []
    names = sheet["name"] if "name" in sheet else pd.Series([""] * len(sheet), index=sheet.index)
    return [
        f"merge_into:{int(t)} {_short(n)}".rstrip()
        for t, n in zip(sheet["theme_id"], names, strict=True)
        if as_int(t) is not None
    ]


def _short(name: Any, limit: int = 60) -> str:
    text = "" if name is None or (isinstance(name, float) and np.isnan(name)) else str(name)
    text = re.sub(r"\s+", " ", text).strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _first_rows_of_groups(sheet: pd.DataFrame) -> set[int]:
    """Spreadsheet rows (header = 1) that start a group: where ``parent_id`` changes."""
    if "parent_id" not in sheet or sheet.empty:
        return set(range(2, len(sheet) + 2))
    groups = sheet["parent_id"].astype(object).where(sheet["parent_id"].notna(), None).tolist()
    return {i + 2 for i, g in enumerate(groups) if i == 0 or g != groups[i - 1] or g is None}


def _cell(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, float) and np.isnan(value):
        return None
    if value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, (list, tuple, np.ndarray)):
        value = "; ".join(str(v) for v in value)
    if isinstance(value, str):
        # Control characters (a NUL, an ANSI colour code) cannot be stored in xlsx: drop them.
        return spreadsheet_safe(ILLEGAL_CHARACTERS_RE.sub("", value))
    return value


# ---------------------------------------------------------------------------------------------
# Reading and validating
# ---------------------------------------------------------------------------------------------


def read_sheet(path: str | Path) -> ReviewSheet:
    """Read a review sheet (.xlsx or .csv) and tell its kind by its columns.

    Cells come back as stripped strings (``""`` when empty) with the formula neutralisation undone;
    fully empty rows are dropped; ``row`` holds the spreadsheet row number (header = 1).
    Raises :class:`InputError` for an unreadable file or one that is neither kind of sheet.
    """
    source = Path(path)
    if not source.is_file():
        raise InputError(f"{source}: no such file")
    suffix = source.suffix.lower()
    meta: dict[str, str] = {}
    if suffix == ".xlsx":
        header, records, meta = _read_xlsx(source)
    elif suffix == ".csv":
        header, records = _read_csv(source)
    else:
        raise InputError(f"{source}: a review sheet must be .xlsx or .csv")
    header = [_restore(str(h or "")).strip() for h in header]
    if "contact_id" in header:
        kind, required = "contacts", REQUIRED_COLUMNS["contacts"]
    elif "theme_id" in header:
        kind, required = "themes", REQUIRED_COLUMNS["themes"]
    else:
        raise InputError(
            f"{source}: not a review sheet: expected columns theme_id, label, action (a themes sheet) "
            f"or contact_id, label (a contacts sheet); found {', '.join(h for h in header if h)}"
        )
    missing = [c for c in required if c not in header]
    if missing:
        # Importing the decisions of the remaining columns would apply part of what the analyst meant.
        raise InputError(
            f"{source}: the {kind} sheet has no column {', '.join(missing)}; nothing was imported. "
            f"Restore the column (export a fresh sheet to see the layout) and import again"
        )
    rows = []
    for number, values in records:
        cells = [_restore(_text(v)).strip() for v in values]
        if not any(cells):
            continue
        for col, cell in zip(header, cells, strict=False):
            if len(cell) > MAX_CELL_CHARS:
                raise InputError(
                    f"{source}: row {number}, column {col or '?'}: {len(cell):,} characters, more than "
                    f"the {MAX_CELL_CHARS:,} a cell may hold; shorten it and import again"
                )
        cells += [""] * (len(header) - len(cells))
        row = {h: c for h, c in zip(header, cells, strict=False) if h}
        rows.append({"row": number, **row})
    frame = pd.DataFrame(rows, columns=["row", *[h for h in header if h]])
    for col in ANALYST_COLUMNS:
        if col not in frame:
            frame[col] = ""
    return ReviewSheet(path=source, kind=kind, rows=frame, meta=meta)


def _read_xlsx(source: Path) -> tuple[list[Any], list[tuple[int, list[Any]]], dict[str, str]]:
    _check_workbook_size(source)
    try:
        # data_only=False: a formula typed into a cell comes back as its text and fails validation.
        book = load_workbook(source, data_only=False)
    except Exception as exc:
        raise InputError(f"{source}: cannot read the workbook: {exc}") from exc
    names = book.sheetnames
    name = next((n for n in ("themes", "contacts") if n in names), names[0])
    ws = book[name]
    rows = list(ws.iter_rows(values_only=True))
    meta: dict[str, str] = {}
    if "about" in names:
        for key, value in list(book["about"].iter_rows(values_only=True))[1:]:
            if key:
                meta[_restore(str(key))] = _restore(_text(value))
    if not rows:
        raise InputError(f"{source}: sheet {name!r} is empty")
    return list(rows[0]), [(i, list(r)) for i, r in enumerate(rows[1:], start=2)], meta


def _check_workbook_size(source: Path) -> None:
    """Refuse a workbook that would unpack to more than :data:`MAX_UNPACKED_BYTES` (a zip bomb)."""
    try:
        with zipfile.ZipFile(source) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError) as exc:
        raise InputError(f"{source}: not an .xlsx workbook ({exc}); save the sheet as .xlsx or .csv") from exc
    if unpacked > MAX_UNPACKED_BYTES:
        raise InputError(
            f"{source}: the workbook unpacks to {unpacked / 2**20:,.0f} MiB, more than the "
            f"{MAX_UNPACKED_BYTES / 2**20:,.0f} MiB a review sheet may hold; this is not a review sheet"
        )


def _read_csv(source: Path) -> tuple[list[str], list[tuple[int, list[str]]]]:
    size = source.stat().st_size
    if size > MAX_UNPACKED_BYTES:
        raise InputError(
            f"{source}: {size / 2**20:,.0f} MiB, more than the {MAX_UNPACKED_BYTES / 2**20:,.0f} MiB "
            "a review sheet may hold; this is not a review sheet"
        )
    raw = source.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252", errors="replace")  # what Excel on Windows saves as "CSV"
    first = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=first.count)  # Excel in some locales saves with ';'
    reader = csv.reader(text.splitlines(keepends=True), delimiter=delimiter)
    rows = list(reader)
    if not rows:
        raise InputError(f"{source}: the file is empty")
    return rows[0], [(i, r) for i, r in enumerate(rows[1:], start=2)]


# ---------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------


def _restore(value: str) -> str:
    """Undo :func:`spreadsheet_safe`: ``'=x`` comes back as ``=x``."""
    if len(value) > 1 and value[0] == "'" and value[1:].startswith(_FORMULA_PREFIXES):
        return value[1:]
    return value


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value)


def as_int(value: Any) -> int | None:
    """A cell's whole number (``12``, ``12.0``, ``"12"``), else ``None``."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, (int, np.integer)):
        return int(value)
    text = str(value).strip()
    if re.fullmatch(r"-?\d+(\.0+)?", text):
        return int(float(text))
    return None


def as_vector(value: Any) -> np.ndarray | None:
    """A centroid as a flat float32 array of shape ``(dim,)``, else ``None``."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    return np.asarray(value, dtype=np.float32).ravel()


def join_values(value: Any, sep: str) -> str:
    """A list of strings joined by ``sep`` (a string is returned as is; missing -> ``""``)."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    if isinstance(value, str):
        return value
    return sep.join(str(v) for v in value)


def _nth(values: Any, i: int) -> str | None:
    if values is None or isinstance(values, (str, float)):
        return values if i == 0 and isinstance(values, str) else None
    items = list(values)
    return str(items[i]) if i < len(items) else None
