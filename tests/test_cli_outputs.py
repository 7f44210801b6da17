"""Every command that writes claims its outputs first, through the real CLI (issue 12, items 1, 2, 9).

A careless or hostile user: an output folder that holds the input under a name the command writes,
a second run on an output another run holds, an output folder that is a file, an analyst's filled
label sheet at ``--out``, and ``voc label export --previous labels.db`` as the README allows.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest
from label_data import centroid_of, make_contacts, make_themes_dir
from openpyxl import load_workbook
from test_report import make_inputs

from cli.main import main
from training.labelling.catalogue import Catalogue, ImportInfo, ThemeDecision
from training.labelling.sheets import read_sheet


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> SimpleNamespace:
    root = tmp_path_factory.mktemp("outputs")
    contacts = make_contacts()
    contacts_path = root / "contacts.parquet"
    contacts.drop(columns=["root_cause", "theme_id"]).to_parquet(contacts_path, index=False)
    return SimpleNamespace(
        root=root,
        ws=root / "ws",
        contacts_path=contacts_path,
        run=make_themes_dir(root / "run", contacts, sizes={0: 20, 1: 10}),
    )


@pytest.fixture(scope="module")
def report_inputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return make_inputs(tmp_path_factory.mktemp("report_inputs"))


def voc(world: SimpleNamespace, *args: str | Path) -> int:
    return main(["--workspace", str(world.ws), *map(str, args)])


def report_args(inputs: dict[str, Path], out: Path) -> list[str]:
    return ["report", str(inputs["tagged"]), "--orders", str(inputs["orders"]),
            "--themes", str(inputs["themes"]), "--out", str(out), "--no-mlflow"]  # fmt: skip


def fill(path: Path, label: dict[int, str], notes: dict[int, str]) -> None:
    """Fill a themes xlsx as an analyst would."""
    book = load_workbook(path)
    ws = book["themes"]
    header = [c.value for c in ws[1]]
    col = {name: header.index(name) + 1 for name in ("theme_id", "label", "action", "notes")}
    for row in range(2, ws.max_row + 1):
        theme_id = ws.cell(row=row, column=col["theme_id"]).value
        if theme_id in label:
            ws.cell(row=row, column=col["label"]).value = label[theme_id]
            ws.cell(row=row, column=col["action"]).value = "accept"
        if theme_id in notes:
            ws.cell(row=row, column=col["notes"]).value = notes[theme_id]
    book.save(path)


def one_error_line(err: str) -> str:
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert lines[0].startswith("error: ") and "Traceback" not in err, err
    return lines[0]


# --- voc label export: an analyst's filled sheet ----------------------------------------------


def test_export_refuses_to_overwrite_a_filled_sheet_unless_forced(
    world: SimpleNamespace, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sheet = tmp_path / "review.xlsx"
    assert voc(world, "label", "export", "--themes", world.run, "--out", sheet) == 0
    # An exported sheet nobody has filled in yet may be written again.
    assert voc(world, "label", "export", "--themes", world.run, "--out", sheet) == 0
    fill(sheet, label={0: "refund_not_received", 1: "shipping_delay"}, notes={2: "ask the ops team"})
    filled = sheet.read_bytes()
    capsys.readouterr()

    assert voc(world, "label", "export", "--themes", world.run, "--out", sheet) == 2
    line = one_error_line(capsys.readouterr().err)
    assert str(sheet) in line and "3 analyst decision" in line and "--force" in line
    assert sheet.read_bytes() == filled, "the analyst's sheet was changed"

    assert voc(world, "label", "export", "--themes", world.run, "--out", sheet, "--force") == 0
    rows = read_sheet(sheet).rows
    assert (rows[["label", "action", "notes"]] == "").all().all()


def test_export_refuses_a_csv_sheet_it_cannot_check(
    world: SimpleNamespace, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The analyst deleted the action column: the decisions cannot be counted, so nothing is replaced.
    sheet = tmp_path / "review.csv"
    sheet.write_text("theme_id,label,notes\n0,refund_not_received,mine\n", encoding="utf-8")
    before = sheet.read_bytes()
    assert voc(world, "label", "export", "--themes", world.run, "--out", sheet) == 2
    line = one_error_line(capsys.readouterr().err)
    assert str(sheet) in line and "--force" in line
    assert sheet.read_bytes() == before


# --- voc label export --previous: a run folder or the label catalogue ---------------------------


def make_catalogue(path: Path) -> Path:
    cat = Catalogue(path)
    cat.record_theme_decisions(
        [
            ThemeDecision(0, "accept", "refund_not_received", centroid=centroid_of(0), size=16),
            ThemeDecision(1, "accept", "shipping_delay", centroid=centroid_of(1), size=10),
        ],
        ImportInfo(who="alice", source="review.xlsx", taxonomy_version="1"),
    )
    cat.close()
    return path


def test_export_previous_takes_the_label_catalogue(
    world: SimpleNamespace, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    catalogue = make_catalogue(tmp_path / "labels.db")
    for previous in (str(catalogue), f"sqlite:///{catalogue}"):
        sheet = tmp_path / "review.xlsx"
        args = ("label", "export", "--themes", world.run, "--out", sheet, "--previous", previous, "--force")
        assert voc(world, *args) == 0, capsys.readouterr().err
        assert "label catalogue" in capsys.readouterr().err
        rows = read_sheet(sheet).rows.set_index("theme_id")
        # against the size each theme had when it was labelled; theme 2 was never labelled
        assert rows["change"].to_dict() == {"0": "up 4 (+25%)", "1": "same", "2": "new", "3": "new"}
        assert "change since" in sheet.with_suffix(".html").read_text(encoding="utf-8")


def test_export_previous_that_is_neither_a_run_nor_a_catalogue_is_exit_2(
    world: SimpleNamespace, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    junk = tmp_path / "notes.txt"
    junk.write_text("not a database\n" * 100)
    args = ("label", "export", "--themes", world.run, "--out", tmp_path / "r.xlsx", "--previous", junk)
    assert voc(world, *args) == 2
    assert "not a readable label catalogue" in one_error_line(capsys.readouterr().err)
    assert not (tmp_path / "r.xlsx").exists()


def test_label_dataset_never_replaces_its_contacts(
    world: SimpleNamespace, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    contacts = tmp_path / "contacts.parquet"
    contacts.write_bytes(world.contacts_path.read_bytes())
    catalogue = make_catalogue(tmp_path / "labels.db")
    args = ("label", "dataset", "--themes", world.run, "--contacts", contacts, "--catalogue", catalogue)
    assert voc(world, *args, "--out", contacts) == 2
    assert "input file" in one_error_line(capsys.readouterr().err)
    assert contacts.read_bytes() == world.contacts_path.read_bytes()
    assert voc(world, *args, "--out", tmp_path / "labelled.parquet") == 0


# --- voc discover and voc report: outputs against inputs, folders, other runs ------------------


def test_discover_refuses_an_out_folder_holding_its_input_under_a_name_it_writes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    source = out / "quarantine.csv"  # the contacts, saved where discovery writes its quarantine
    pd.DataFrame({"contact_id": ["a", "b"], "text": ["hello", "x" * 30]}).to_csv(source, index=False)
    before = source.read_bytes()
    assert main(["--workspace", str(tmp_path / "ws"), "discover", str(source), "--out", str(out)]) == 2
    line = one_error_line(capsys.readouterr().err)
    assert "overwrite the input" in line and str(source) in line
    assert source.read_bytes() == before
    assert sorted(p.name for p in out.iterdir()) == ["quarantine.csv"], "work was done before the check"


def test_discover_out_that_is_a_file_is_one_line_before_any_work(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "contacts.csv"
    pd.DataFrame({"contact_id": ["a"], "text": ["hello"]}).to_csv(source, index=False)
    out = tmp_path / "themes"
    out.write_text("a file, not a folder")
    assert main(["--workspace", str(tmp_path / "ws"), "discover", str(source), "--out", str(out)]) == 2
    assert "is a file, not a folder" in one_error_line(capsys.readouterr().err)


def test_report_refuses_an_out_folder_holding_its_input(
    report_inputs: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    tagged = out / "pain_points.parquet"
    tagged.write_bytes(report_inputs["tagged"].read_bytes())
    args = report_args({**report_inputs, "tagged": tagged}, out)
    assert main(["--workspace", str(tmp_path / "ws"), *args]) == 2
    line = one_error_line(capsys.readouterr().err)
    assert "overwrite the input" in line
    assert tagged.read_bytes() == report_inputs["tagged"].read_bytes()
    assert sorted(p.name for p in out.iterdir()) == ["pain_points.parquet"]


def test_report_out_that_is_a_file_is_one_line(
    report_inputs: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "report"
    out.write_text("a file, not a folder")
    assert main(["--workspace", str(tmp_path / "ws"), *report_args(report_inputs, out)]) == 2
    assert "is a file, not a folder" in one_error_line(capsys.readouterr().err)


@pytest.fixture
def held(tmp_path: Path) -> Iterator[tuple[Path, int]]:
    """A report folder held by another process (as a first `voc report` would hold it)."""
    out = tmp_path / "report"
    code = f"""
        import sys
        from voc.outputs import Output, claim_outputs
        with claim_outputs([Output.dir({str(out)!r})], command="voc report first.parquet"):
            print("locked", flush=True)
            sys.stdin.readline()
        """
    holder = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(code)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        yield out, holder.pid
    finally:
        assert holder.stdin is not None
        holder.stdin.write("\n")
        holder.stdin.flush()
        holder.wait(timeout=30)


def test_a_second_report_on_a_held_output_is_refused_naming_the_holder(
    report_inputs: dict[str, Path], held: tuple[Path, int], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out, pid = held
    assert main(["--workspace", str(tmp_path / "ws"), *report_args(report_inputs, out)]) == 2
    line = one_error_line(capsys.readouterr().err)
    assert "another run" in line and f"pid {pid}" in line and "voc report first.parquet" in line
    assert not out.exists() or not any(out.iterdir())


# --- --dayfirst/--monthfirst where a command reads contacts' dates ------------------------------


@pytest.mark.parametrize("command", ["discover", "train"])
def test_date_order_option_is_offered(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([command, "--help"]) == 0
    assert "--dayfirst" in capsys.readouterr().out
