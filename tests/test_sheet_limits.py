"""`voc label import` refuses a damaged or hostile sheet whole, with one clear line (exit 2)."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook

from cli.main import main


def _xlsx(path: Path, header: list[str], rows: list[list[object]]) -> Path:
    book = Workbook()
    ws = book.active
    assert ws is not None
    ws.title = "themes"
    ws.append(header)
    for row in rows:
        ws.append(row)
    book.save(path)
    return path


def _import(sheet: Path, tmp_path: Path) -> int:
    return main(["--workspace", str(tmp_path / "ws"), "label", "import", str(sheet), "--who", "ana"])


def test_sheet_without_its_action_column_is_refused_whole(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sheet = _xlsx(
        tmp_path / "review.xlsx",
        ["theme_id", "size", "label", "notes"],
        [[0, 40, "refund_not_received", ""], [1, 30, "wrong_size_fit", ""]],
    )
    assert _import(sheet, tmp_path) == 2
    err = capsys.readouterr().err
    assert "no column action" in err and "nothing was imported" in err
    assert not (tmp_path / "ws" / "labels.db").exists()


def test_a_huge_note_is_refused_not_cut(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sheet = tmp_path / "review.csv"
    sheet.write_text("theme_id,label,action,notes\n0,refund_not_received,accept," + "x" * 40_000 + "\n")
    assert _import(sheet, tmp_path) == 2
    err = capsys.readouterr().err
    assert "row 2, column notes" in err and "40,000 characters" in err


def test_zip_bomb_named_xlsx_is_refused_before_unpacking(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bomb = tmp_path / "review.xlsx"
    block = b"\0" * (1 << 20)
    with (
        zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as archive,
        archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as member,
    ):
        for _ in range(300):  # 300 MiB unpacked, ~300 KiB on disk
            member.write(block)
    assert bomb.stat().st_size < 5 * 2**20
    assert _import(bomb, tmp_path) == 2
    assert "unpacks to 300 MiB" in capsys.readouterr().err


def test_not_a_workbook_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fake = tmp_path / "review.xlsx"
    fake.write_text("theme_id,label\n")
    assert _import(fake, tmp_path) == 2
    assert "not an .xlsx workbook" in capsys.readouterr().err
