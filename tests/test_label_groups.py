"""A whole group labelled in one action through the xlsx round trip, and the drop-downs' values import."""

from __future__ import annotations

import shutil
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest
from label_data import make_contacts, make_themes_dir
from openpyxl import load_workbook

from cli.main import main
from training.labelling.catalogue import Catalogue
from training.labelling.sheets import THEME_SHEET_COLUMNS, read_sheet
from training.labelling.validation import _parse_action
from voc.contracts.themes import SUGGESTION_COLUMNS, write_suggestions


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> SimpleNamespace:
    root = tmp_path_factory.mktemp("groups")
    contacts = make_contacts()
    # Themes 0 and 1 form group 100, themes 2 and 3 group 101 (see label_data).
    run = make_themes_dir(root / "run", contacts)
    write_suggestions(
        pd.DataFrame(
            [
                (0, "refund_not_received", 0.97, "taxonomy", True),
                (1, "shipping_delay", 0.91, "taxonomy", True),
                (2, "wrong_size_fit", 0.88, "taxonomy", True),
                (3, "found_cheaper", 0.31, "taxonomy", False),
            ],
            columns=list(SUGGESTION_COLUMNS),
        ),
        run,
    )
    return SimpleNamespace(root=root, ws=root / "ws", run=run)


def voc(world: SimpleNamespace, *args: str | Path) -> int:
    return main(["--workspace", str(world.ws), *map(str, args)])


def exported(world: SimpleNamespace, tmp_path: Path) -> Path:
    out = tmp_path / "review.xlsx"
    assert voc(world, "label", "export", "--themes", world.run, "--out", out) == 0
    return out


def set_cells(path: Path, values: dict[tuple[int, str], str | None]) -> dict[int, int]:
    """Write ``(theme_id, column) -> value`` into the themes sheet; returns theme id -> row."""
    book = load_workbook(path)
    ws = book["themes"]
    rows = {ws.cell(row=r, column=1).value: r for r in range(2, ws.max_row + 1)}
    for (theme_id, column), value in values.items():
        ws.cell(row=rows[theme_id], column=THEME_SHEET_COLUMNS.index(column) + 1).value = value
    book.save(path)
    return rows


def decisions(db: Path) -> dict[int, tuple[str, str | None]]:
    frame = Catalogue(db).theme_decisions()
    return {
        int(t): (a, lab) for t, a, lab in zip(frame["theme_id"], frame["action"], frame["label"], strict=True)
    }


def test_sheet_is_sorted_by_group_and_offers_group_cells_on_each_groups_first_row(
    world: SimpleNamespace, tmp_path: Path
) -> None:
    sheet = read_sheet(exported(world, tmp_path)).rows
    assert sheet["theme_id"].tolist() == ["0", "1", "2", "3"]
    assert sheet["group"].tolist() == ["Group 100", "Group 100", "Group 101", "Group 101"]
    assert sheet["suggestion_source"].tolist() == ["taxonomy"] * 4
    assert sheet["confident"].tolist() == ["yes", "yes", "yes", "no"]
    ws = load_workbook(tmp_path / "review.xlsx")["themes"]
    column = THEME_SHEET_COLUMNS.index("group_label") + 1
    fills = [ws.cell(row=r, column=column).fill.fgColor.rgb for r in range(2, 6)]
    assert fills[0] == fills[2] != fills[1] == fills[3]  # the groups' first rows are the ones to fill


def test_a_group_label_labels_every_theme_of_the_group_without_its_own_decision(
    world: SimpleNamespace, tmp_path: Path
) -> None:
    sheet = exported(world, tmp_path)
    set_cells(
        sheet,
        {
            (0, "group_label"): "refund_not_received",  # group 100: themes 0 and 1
            (1, "label"): "shipping_delay",  # ...but theme 1 has its own label
            (2, "group_action"): "noise",  # group 101: themes 2 and 3
        },
    )
    db = tmp_path / "labels.db"
    assert voc(world, "label", "import", sheet, "--catalogue", db) == 0
    assert decisions(db) == {
        0: ("accept", "refund_not_received"),
        1: ("accept", "shipping_delay"),
        2: ("noise", None),
        3: ("noise", None),
    }
    assert len(Catalogue(db).history()) == 1  # one version for the whole sheet


def test_accept_suggestions_takes_each_confident_suggestion_of_the_group(
    world: SimpleNamespace, tmp_path: Path
) -> None:
    sheet = exported(world, tmp_path)
    set_cells(sheet, {(0, "group_action"): "accept_suggestions", (2, "group_action"): "accept_suggestions"})
    db = tmp_path / "labels.db"
    assert voc(world, "label", "import", sheet, "--catalogue", db) == 0
    # Theme 3's suggestion is not confident: it stays for the analyst to decide.
    assert decisions(db) == {
        0: ("accept", "refund_not_received"),
        1: ("accept", "shipping_delay"),
        2: ("accept", "wrong_size_fit"),
    }


def test_an_unknown_group_label_gets_the_message_an_unknown_label_gets(
    world: SimpleNamespace, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sheet = exported(world, tmp_path)
    rows = set_cells(
        sheet,
        {
            (0, "group_label"): "refund_not_recieved",
            (2, "label"): "refund_not_recieved",
            (3, "group_action"): "accept",  # group 101 again, and accept without a group label
            (1, "group_action"): "shred",
        },
    )
    db = tmp_path / "labels.db"
    assert voc(world, "label", "import", sheet, "--catalogue", db) == 2
    err = capsys.readouterr().err
    message = "'refund_not_recieved' is not a root cause of taxonomy"
    assert f"row {rows[0]}, group_label: {message}" in err
    assert f"row {rows[2]}, label: {message}" in err
    assert err.count("(did you mean 'refund_not_received'?)") == 2
    assert f"row {rows[1]}, group_label: group 100 is already decided on row {rows[0]}" in err
    assert f"row {rows[3]}, group_label: accept needs a group_label from the taxonomy" in err
    assert Catalogue(db).history().empty


def test_every_action_the_drop_down_offers_imports(world: SimpleNamespace, tmp_path: Path) -> None:
    sheet = exported(world, tmp_path)
    offered = [c.value for c in load_workbook(sheet)["lists"]["A"]]
    assert offered[:3] == ["accept", "split", "noise"]
    assert all(_parse_action(v, has_label=True)[0] is not None for v in offered)
    merge_into_0 = next(v for v in offered if v.startswith("merge_into:0 "))
    set_cells(sheet, {(0, "label"): "refund_not_received", (1, "action"): merge_into_0})
    db = tmp_path / "labels.db"
    assert voc(world, "label", "import", sheet, "--catalogue", db) == 0
    assert decisions(db)[1] == ("merge_into", "refund_not_received")
    assert Catalogue(db).theme_decisions().set_index("theme_id").loc[1, "merged_into"] == 0


def test_a_bare_merge_into_says_it_needs_a_theme_id(
    world: SimpleNamespace, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sheet = exported(world, tmp_path)
    rows = set_cells(sheet, {(1, "action"): "merge_into:"})
    assert voc(world, "label", "import", sheet, "--catalogue", tmp_path / "labels.db") == 2
    assert (
        f"row {rows[1]}, action: 'merge_into:' needs the id of the theme to merge into"
        in capsys.readouterr().err
    )


def test_csv_sheets_take_group_decisions_too(world: SimpleNamespace, tmp_path: Path) -> None:
    run = shutil.copytree(world.run, tmp_path / "run")
    sheet = tmp_path / "review.csv"
    sheet.write_text(
        "theme_id,group_label,group_action,label,action\r\n0,changed_mind,,,\r\n1,,,,\r\n2,,,,\r\n",
        encoding="utf-8",
    )
    db = tmp_path / "labels.db"
    assert voc(world, "label", "import", sheet, "--themes", run, "--catalogue", db) == 0
    assert decisions(db) == {0: ("accept", "changed_mind"), 1: ("accept", "changed_mind")}
