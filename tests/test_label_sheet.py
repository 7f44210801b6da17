"""`voc label export|import|suggest|dataset`: what an analyst and the training step see."""

from __future__ import annotations

import shutil
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from label_data import (
    FORMULA_PAYLOAD,
    SCRIPT_PAYLOAD,
    KeywordRules,
    centroid_of,
    make_contacts,
    make_themes_dir,
    register_keyword_model,
)
from openpyxl import load_workbook

from cli.main import main
from training.labelling.active_learning import (
    MODEL_THRESHOLD,
    SuggestConfig,
    pick_uncertain,
    theme_suggestions,
)
from training.labelling.catalogue import Catalogue
from training.labelling.sheets import CONTACT_SHEET_COLUMNS, THEME_SHEET_COLUMNS, read_sheet
from training.pyfunc import predict_contacts
from voc.contracts.contacts import validate_contacts
from voc.contracts.themes import SUGGESTION_COLUMNS, read_suggestions, write_suggestions

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> SimpleNamespace:
    root = tmp_path_factory.mktemp("label")
    contacts = make_contacts()
    contacts_path = root / "contacts.parquet"
    contacts.drop(columns=["root_cause", "theme_id"]).to_parquet(contacts_path, index=False)
    return SimpleNamespace(
        root=root,
        ws=root / "ws",
        contacts=contacts,
        contacts_path=contacts_path,
        # last week: theme 3 did not exist, themes 0 and 1 had other sizes
        run0=make_themes_dir(root / "run0", contacts, sizes={0: 10, 1: 12}, only={0, 1, 2}),
        run1=make_themes_dir(root / "run1", contacts, new={3}),
    )


@pytest.fixture(scope="module")
def model_uri(world: SimpleNamespace) -> str:
    pytest.importorskip("mlflow")
    world.ws.mkdir(parents=True, exist_ok=True)
    return register_keyword_model(f"sqlite:///{world.ws / 'mlflow.db'}", world.ws / "mlartifacts")


def voc(world: SimpleNamespace, *args: str | Path) -> int:
    return main(["--workspace", str(world.ws), *map(str, args)])


def export(world: SimpleNamespace, out: Path, *extra: str | Path) -> Path:
    assert voc(world, "label", "export", "--themes", world.run1, "--out", out, *extra) == 0
    return out


def fill(path: Path, decisions: dict[int, tuple[str, str]], extra_rows: list[list[object]] = ()) -> Path:  # type: ignore[assignment]
    """Fill label/action of a themes xlsx as an analyst would; ``extra_rows`` appended at the end."""
    book = load_workbook(path)
    ws = book["themes"]
    header = [c.value for c in ws[1]]
    col = {name: header.index(name) + 1 for name in ("theme_id", "label", "action", "notes")}
    for row in range(2, ws.max_row + 1):
        theme_id = ws.cell(row=row, column=col["theme_id"]).value
        if theme_id in decisions:
            label, action = decisions[theme_id]
            ws.cell(row=row, column=col["label"]).value = label or None
            ws.cell(row=row, column=col["action"]).value = action or None
    for values in extra_rows:
        ws.append([None] * len(header))
        r = ws.max_row
        for name, value in zip(("theme_id", "label", "action", "notes"), values, strict=False):
            ws.cell(row=r, column=col[name]).value = value
    book.save(path)
    return path


def row_of(path: Path, theme_id: int) -> int:
    ws = load_workbook(path)["themes"]
    return next(r for r in range(2, ws.max_row + 1) if ws.cell(row=r, column=1).value == theme_id)


# ---------------------------------------------------------------------------------------------


def test_export_xlsx_is_ready_for_analysts_and_safe(
    world: SimpleNamespace, capsys: pytest.CaptureFixture[str]
) -> None:
    out = export(
        world, world.root / "review.xlsx", "--contacts", world.contacts_path, "--previous", world.run0
    )
    assert "no --model: suggestions from the taxonomy and the catalogue only" in capsys.readouterr().err
    book = load_workbook(out)
    ws = book["themes"]
    assert [c.value for c in ws[1]] == THEME_SHEET_COLUMNS
    sheet = pd.DataFrame(list(ws.iter_rows(min_row=2, values_only=True)), columns=THEME_SHEET_COLUMNS)
    assert sheet["size"].tolist() == [12, 10, 8, 6]  # biggest group first, biggest theme first in it
    assert sheet["parent_id"].tolist() == [100, 100, 101, 101]
    # Files written before names existed: names from keywords, groups named by their id.
    assert sheet["name"].tolist()[0] == "Refund, never, arrived"
    assert sheet["group"].tolist() == ["Group 100", "Group 100", "Group 101", "Group 101"]
    change = dict(zip(sheet["theme_id"], sheet["change"], strict=True))
    assert change == {0: "up 2 (+20%)", 1: "down 2 (-17%)", 2: "same", 3: "new"}
    assert sheet[["suggested_root_cause", "label", "action", "notes"]].isna().all().all()
    assert sheet.loc[sheet["theme_id"] == 0, "keywords"].item() == "refund; never; arrived; money"

    # Formula payloads are text, neutralised; no cell of any sheet is a formula.
    exemplars = sheet.loc[sheet["theme_id"] == 0, ["exemplar_1", "exemplar_3", "exemplar_4"]].iloc[0]
    assert exemplars.tolist() == [SCRIPT_PAYLOAD, "'" + FORMULA_PAYLOAD, "'-1 star, @support never answered"]
    theme1 = sheet.loc[sheet["theme_id"] == 1, ["exemplar_4", "exemplar_5"]].iloc[0].tolist()
    assert theme1 == ["[31mangry customer", "'\tindented with a tab"]
    for sheet_ws in book.worksheets:
        for row in sheet_ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet_ws.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    assert not cell.value.startswith(FORMULA_START), cell.value

    # Drop-downs, frozen header, widths, wrapping, taxonomy for reference, hidden metadata.
    validations = {str(dv.sqref).split(":")[0]: dv.formula1 for dv in ws.data_validations.dataValidation}
    assert validations["O2"] == validations["M2"] == "=taxonomy!$A$2:$A$29"  # label, group_label
    assert validations["N2"] == '"accept,accept_suggestions,noise"'  # group_action
    assert validations["P2"] == "=lists!$A$1:$A$7"  # action: accept, split, noise, merge_into:<id> x 4
    assert [c.value for c in book["lists"]["A"]][3:] == [
        "merge_into:0 Refund, never, arrived",
        "merge_into:1 Parcel, late, shipping",
        "merge_into:2 Wrong, size, too",
        "merge_into:3 Cancel, order, changed",
    ]
    assert ws.freeze_panes == "B2"
    assert ws.column_dimensions["R"].width >= 36 and ws["R2"].alignment.wrap_text
    taxonomy = list(book["taxonomy"].iter_rows(values_only=True))
    assert taxonomy[0] == ("id", "name", "family", "owner", "description") and len(taxonomy) == 29
    assert book["about"].sheet_state == book["lists"].sheet_state == "hidden"

    # Only redacted text: no email address or phone number of any contact in the sheet or page.
    page = out.with_suffix(".html").read_text(encoding="utf-8")
    cells = " ".join(str(c) for w in book.worksheets for r in w.iter_rows(values_only=True) for c in r)
    for text in (page, cells):
        assert "example.com" not in text and "7946" not in text
    assert "[EMAIL]" in page  # member samples are there, redacted


@pytest.mark.slow
def test_export_suggests_the_champions_root_cause_per_theme(
    world: SimpleNamespace, model_uri: str, tmp_path: Path
) -> None:
    run = shutil.copytree(world.run1, tmp_path / "run")
    write_suggestions(  # what `voc discover` wrote: a confident taxonomy suggestion for theme 3
        pd.DataFrame([(3, "changed_mind", 0.95, "taxonomy", True)], columns=list(SUGGESTION_COLUMNS)),
        run,
    )
    out = tmp_path / "suggested.xlsx"
    args = ["--themes", run, "--out", out, "--contacts", world.contacts_path, "--model", model_uri]
    assert voc(world, "label", "export", *args) == 0
    sheet = read_sheet(out).rows.set_index("theme_id")
    assert sheet["suggested_root_cause"].to_dict() == {
        "0": "refund_not_received",
        "1": "shipping_delay",
        "2": "wrong_size_fit",
        "3": "changed_mind",
    }
    # The rule model is about 0.9/0.8/0.7/0.3 sure of its themes: confident where that passes the
    # threshold; theme 3's confident taxonomy suggestion beats the model's unconfident one.
    confidence = sheet["suggested_confidence"].astype(float)
    assert confidence[["0", "1", "2"]].between(0.6, 0.9).all() and confidence["3"] == 0.95
    expected = {t: "yes" if confidence[t] >= MODEL_THRESHOLD else "no" for t in ("0", "1", "2")}
    assert sheet["confident"].to_dict() == {**expected, "3": "yes"}
    assert sheet["suggestion_source"].to_dict() == {"0": "model", "1": "model", "2": "model", "3": "taxonomy"}
    # The model's suggestions are kept beside the run's own, for the app.
    stored = read_suggestions(run)
    assert sorted(stored["suggestion_source"]) == ["model"] * 4 + ["taxonomy"]
    assert "suggestions from models:/root-cause@champion" in out.with_suffix(".html").read_text()


def test_export_csv_is_neutralised_and_reads_back(
    world: SimpleNamespace, capsys: pytest.CaptureFixture[str]
) -> None:
    out = export(world, world.root / "review.csv")
    assert "no --contacts" in capsys.readouterr().err
    raw = out.read_text(encoding="utf-8")
    assert "'" + FORMULA_PAYLOAD.replace('"', '""') in raw
    assert not any(line.startswith(FORMULA_START) for line in raw.splitlines())
    sheet = read_sheet(out)
    assert sheet.kind == "themes"
    row = sheet.rows[sheet.rows["theme_id"] == "0"].iloc[0]
    assert row["exemplar_3"] == FORMULA_PAYLOAD  # the apostrophe is undone on reading
    assert row["exemplar_4"] == "-1 star, @support never answered"
    assert (out.with_suffix(".html")).is_file()


def test_import_stores_labels_as_one_version(world: SimpleNamespace, tmp_path: Path) -> None:
    sheet = export(world, tmp_path / "review.xlsx")
    fill(
        sheet,
        {
            0: ("refund_not_received", ""),
            1: ("shipping_delay", "accept"),
            2: ("", "merge_into:0"),
            3: ("", "noise"),
        },
    )
    book = load_workbook(sheet)
    book["themes"].cell(row=row_of(sheet, 1), column=THEME_SHEET_COLUMNS.index("notes") + 1).value = "'=1+1"
    book.save(sheet)
    db = tmp_path / "labels.db"
    assert voc(world, "label", "import", sheet, "--who", "alice", "--catalogue", db) == 0

    cat = Catalogue(db)
    history = cat.history()
    assert history[["version", "who", "kind", "n_decisions"]].to_dict("records") == [
        {"version": 1, "who": "alice", "kind": "themes", "n_decisions": 4}
    ]
    assert history["created_at"].notna().all()
    labelled = cat.labelled_themes()
    assert labelled.columns.tolist() == ["theme_id", "centroid", "label", "version", "encoder", "exemplars"]
    assert dict(zip(labelled["theme_id"], labelled["label"], strict=True)) == {
        0: "refund_not_received",
        1: "shipping_delay",
        2: "refund_not_received",  # merged into theme 0: takes its label
    }
    for theme_id, centroid in zip(labelled["theme_id"], labelled["centroid"], strict=True):
        np.testing.assert_array_equal(centroid, centroid_of(theme_id))
    # The run's redacted exemplars travel with each centroid: another encoder can recompute it.
    assert all(len(e) == 5 for e in labelled["exemplars"])
    decisions = cat.theme_decisions().set_index("theme_id")
    assert decisions.loc[3, "action"] == "noise" and decisions.loc[2, "merged_into"] == 0
    assert decisions.loc[1, "notes"] == "=1+1"  # neutralised cell read back as typed


def test_import_rejects_the_whole_sheet_listing_every_problem(
    world: SimpleNamespace, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sheet = export(world, tmp_path / "review.xlsx")
    fill(
        sheet,
        {
            0: ("refund_not_recieved", ""),  # typo
            1: ("", "accept"),  # accept without a label
            2: ("", "merge_into:99"),  # no theme 99
            3: ("", "merge_into:2"),  # theme 2 is itself merged
        },
        extra_rows=[
            [42, "changed_mind", "accept"],  # unknown theme
            [0, "refund_not_received", "accept"],  # theme 0 twice
            ["", "changed_mind", "accept"],  # no theme id
        ],
    )
    book = load_workbook(sheet)
    ws = book["themes"]
    ws.append([None] * len(THEME_SHEET_COLUMNS))
    ws.cell(row=ws.max_row, column=1).value = 7
    ws.cell(row=ws.max_row, column=THEME_SHEET_COLUMNS.index("action") + 1).value = "merge 3"
    book.save(sheet)
    db = tmp_path / "labels.db"
    assert voc(world, "label", "import", sheet, "--catalogue", db) == 2
    err = capsys.readouterr().err
    r = {t: row_of(sheet, t) for t in range(4)}
    expected = [
        f"row {r[0]}, label: 'refund_not_recieved' is not a root cause",
        "did you mean 'refund_not_received'?",
        f"row {r[1]}, label: accept needs a label",
        f"row {r[2]}, action: merge_into:99: theme 99 does not exist",
        f"row {r[3]}, action: merge_into:2: theme 2 is itself merged into 99 (row {r[2]})",
        "row 6, theme_id: theme 42 is not in this run's themes",
        f"row 7, theme_id: theme 0 is already on row {r[0]}",
        "row 8, theme_id: '' is not a theme id",
        "row 9, action: 'merge 3' is not one of accept | merge_into:<theme_id> | split | noise",
        "9 problems; nothing was imported",
    ]
    for text in expected:
        assert text in err, f"{text!r} not in:\n{err}"
    assert Catalogue(db).history().empty


def test_merges_use_labels_from_earlier_imports(
    world: SimpleNamespace, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "labels.db"
    first = fill(
        export(world, tmp_path / "w1.xlsx"), {0: ("refund_not_received", "accept"), 1: ("", "merge_into:0")}
    )
    assert voc(world, "label", "import", first, "--catalogue", db) == 0
    second = fill(export(world, tmp_path / "w2.xlsx"), {2: ("", "merge_into:1"), 3: ("", "merge_into:0")})
    assert voc(world, "label", "import", second, "--catalogue", db) == 2
    assert "theme 1 is itself merged into 0 (catalogue version 1)" in capsys.readouterr().err
    fill(second, {2: ("", "split")})
    assert voc(world, "label", "import", second, "--catalogue", db) == 0
    labelled = Catalogue(db).labelled_themes()
    assert dict(zip(labelled["theme_id"], labelled["version"], strict=True)) == {0: 1, 1: 1, 3: 2}
    assert set(labelled["label"]) == {"refund_not_received"}


def test_csv_import_needs_the_themes_folder_and_takes_excel_semicolons(
    world: SimpleNamespace, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sheet = tmp_path / "review.csv"
    sheet.write_text(
        "\ufefftheme_id;size;label;action;notes\r\n0;12;refund_not_received;;'=cmd|' /C calc'!A0\r\n"
        "1;10;;noise;\r\n2;8;;;\r\n",
        encoding="utf-8",
    )
    db = tmp_path / "labels.db"
    assert voc(world, "label", "import", sheet, "--catalogue", db) == 2
    assert "pass --themes DIR" in capsys.readouterr().err
    assert voc(world, "label", "import", sheet, "--themes", world.run1, "--catalogue", db, "--dry-run") == 0
    assert Catalogue(db).history().empty
    assert voc(world, "label", "import", sheet, "--themes", world.run1, "--catalogue", db) == 0
    decisions = Catalogue(db).theme_decisions()
    assert decisions[["theme_id", "action", "label"]].to_dict("records") == [
        {"theme_id": 0, "action": "accept", "label": "refund_not_received"},
        {"theme_id": 1, "action": "noise", "label": None},
    ]
    assert decisions["notes"].iloc[0] == "=cmd|' /C calc'!A0"


@pytest.mark.slow
def test_suggest_picks_uncertain_contacts_and_import_adds_corrections(
    world: SimpleNamespace, model_uri: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "labels.db"
    out = tmp_path / "uncertain.xlsx"
    args = [
        "--model",
        model_uri,
        world.contacts_path,
        "--themes",
        world.run1,
        "--catalogue",
        db,
    ]
    assert voc(world, "label", "suggest", *args, "--n", "6", "--out", out) == 0
    ws = load_workbook(out)["contacts"]
    assert [c.value for c in ws[1]] == CONTACT_SHEET_COLUMNS
    rows = pd.DataFrame(list(ws.iter_rows(min_row=2, values_only=True)), columns=CONTACT_SHEET_COLUMNS)
    assert len(rows) == 6
    assert rows["theme_id"].iloc[:5].nunique() == 5  # first round: one per theme (and the unassigned)
    first = rows.iloc[:5].sort_values("confidence")
    assert first["theme_id"].tolist() == rows["theme_id"].iloc[:5].tolist()  # least sure theme first
    assert rows["clean_text"].str.contains(r"\[EMAIL\]").any()
    assert not rows["clean_text"].str.contains("example.com").any()

    # An analyst labels three; one label is wrong: nothing is stored until all are valid.
    book = load_workbook(out)
    ws = book["contacts"]
    for r, label in zip((2, 3, 4), ("refund_not_received", "shipping_delay", "no_such_cause"), strict=True):
        ws.cell(row=r, column=CONTACT_SHEET_COLUMNS.index("label") + 1).value = label
    book.save(out)
    assert voc(world, "label", "import", out, "--catalogue", db) == 2
    assert "row 4, label: 'no_such_cause' is not a root cause" in capsys.readouterr().err
    ws.cell(row=4, column=CONTACT_SHEET_COLUMNS.index("label") + 1).value = "changed_mind"
    book.save(out)
    assert voc(world, "label", "import", out, "--catalogue", db, "--who", "bob") == 0
    labels = Catalogue(db).contact_labels()
    assert sorted(labels["contact_id"]) == sorted(rows["contact_id"].iloc[:3])
    # A second suggestion skips contacts already labelled.
    again = tmp_path / "again.csv"
    assert voc(world, "label", "suggest", *args, "--n", "40", "--out", again) == 0
    picked = read_sheet(again).rows
    assert not set(picked["contact_id"]) & set(labels["contact_id"])
    assert len(picked) == len(world.contacts) - 3


def test_dataset_spreads_theme_labels_and_corrections_override(
    world: SimpleNamespace, tmp_path: Path
) -> None:
    db = tmp_path / "labels.db"
    sheet = fill(
        export(world, tmp_path / "review.xlsx"),
        {0: ("refund_not_received", ""), 1: ("shipping_delay", ""), 3: ("", "noise")},
    )
    assert voc(world, "label", "import", sheet, "--catalogue", db) == 0
    corrections = tmp_path / "corrections.csv"
    corrections.write_text(
        "contact_id,theme_id,clean_text,label\nC0001,0,x,partial_refund\nC2000,2,x,wrong_size_fit\n"
    )
    assert voc(world, "label", "import", corrections, "--catalogue", db) == 0
    out = tmp_path / "train.parquet"
    args = ["--themes", world.run1, "--contacts", world.contacts_path, "--catalogue", db, "--out", out]
    assert voc(world, "label", "dataset", *args) == 0

    data = pd.read_parquet(out).set_index("contact_id")
    assert data.columns.tolist()[:6] == ["text", "label", "weight", "source", "theme_id", "catalogue_version"]
    truth = world.contacts.set_index("contact_id")
    expected_ids = set(truth.index[truth["theme_id"].isin([0, 1])]) | {"C2000"}
    assert set(data.index) == expected_ids  # theme 2 unlabelled, theme 3 noise, C9999 unassigned
    assert data.loc["C0001", ["label", "weight", "source"]].tolist() == ["partial_refund", 1.0, "correction"]
    assert data.loc["C2000", "label"] == "wrong_size_fit"
    themed = data[data["source"] == "theme"]
    assert (themed["label"] == truth.loc[themed.index, "root_cause"]).all()
    probability = pd.read_parquet(world.run1 / "assignments.parquet").set_index("contact_id")["probability"]
    np.testing.assert_allclose(themed["weight"], probability.loc[themed.index])
    assert data.loc["C0002", "text"] == truth.loc["C0002", "text"]  # original text, for voc train to prepare

    # Labels with too few rows for training can be left out.
    thin = tmp_path / "thin.parquet"
    assert voc(world, "label", "dataset", *args[:-1], thin, "--min-per-label", "3") == 0
    assert set(pd.read_parquet(thin)["label"]) == {"refund_not_received", "shipping_delay"}

    # The contacts contract (what `voc train` reads) accepts it whole and keeps the extra columns.
    result = validate_contacts(out)
    assert result.counts.quarantined == 0 and len(result.accepted) == len(data)
    assert {"label", "weight", "source"} <= set(result.accepted.columns)


@pytest.mark.slow
def test_export_without_a_registered_model_leaves_suggestions_empty(
    world: SimpleNamespace, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("mlflow")
    out = tmp_path / "review.xlsx"
    shutil.copytree(world.run1, tmp_path / "run")
    args = ["--contacts", world.contacts_path, "--model", "models:/nobody@champion"]
    assert voc(world, "label", "export", "--themes", tmp_path / "run", "--out", out, *args) == 0
    assert "suggestion columns left empty" in capsys.readouterr().err
    sheet = read_sheet(out).rows
    assert (sheet["suggested_root_cause"] == "").all() and len(sheet) == 4


# -- active learning, without MLflow ------------------------------------------------------------


def test_pick_uncertain_spreads_the_least_sure_contacts_over_themes() -> None:
    predictions = pd.DataFrame(
        {
            "contact_id": [f"c{i}" for i in range(9)],
            "theme_id": [0, 0, 0, 0, 1, 1, 2, -1, -1],
            "root_cause": ["x"] * 9,
            "confidence": [0.10, 0.20, 0.30, 0.95, 0.50, 0.05, 0.99, 0.40, 0.15],
        }
    )
    picked = pick_uncertain(predictions, SuggestConfig(n=6))
    # round 1: every group's least sure, least sure group first; round 2 likewise
    assert picked["contact_id"].tolist() == ["c5", "c0", "c8", "c6", "c4", "c1"]
    assert picked["rank"].tolist() == [1, 2, 3, 4, 5, 6]
    capped = pick_uncertain(predictions, SuggestConfig(n=9, per_theme=1, include_unassigned=False))
    assert capped["contact_id"].tolist() == ["c5", "c0", "c6"]
    assert "c5" not in set(pick_uncertain(predictions, SuggestConfig(n=3), exclude={"c5"})["contact_id"])
    with pytest.raises(ValueError, match="n must be at least 1"):
        SuggestConfig(n=0)


def test_theme_suggestion_is_the_majority_with_share_and_mean_confidence() -> None:
    texts = ["my refund", "refund please", "late parcel", "where is my refund", "hello"]
    predicted = predict_contacts(KeywordRules(), pd.DataFrame({"text": texts}), batch_size=2)
    assert predicted["root_cause"].tolist()[:3] == [
        "refund_not_received",
        "refund_not_received",
        "shipping_delay",
    ]
    suggestions = theme_suggestions(predicted.assign(theme_id=[5, 5, 5, 5, -1]), threshold=0.6)
    agreeing = predicted["confidence"].iloc[[0, 1, 3]].sum() / 4  # the late parcel counts 0
    assert suggestions.to_dict("records") == [
        {
            "theme_id": 5,
            "suggested_root_cause": "refund_not_received",
            "suggested_confidence": round(float(agreeing), 3),
            "suggestion_source": "model",
            "confident": True,
            "suggested_share": 0.75,
        }
    ]
    assert not theme_suggestions(predicted.assign(theme_id=[5, 5, 5, 5, -1]), threshold=0.7)[
        "confident"
    ].any()


def test_contact_sheet_import_rejects_unknown_ids_and_double_labels(
    world: SimpleNamespace, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sheet = tmp_path / "contacts.csv"
    sheet.write_text(
        "contact_id,theme_id,clean_text,suggested_root_cause,confidence,label,notes\n"
        "C0001,0,text,refund_not_received,0.2,partial_refund,\n"
        "NOPE,0,text,refund_not_received,0.2,partial_refund,\n"
        "C0001,0,text,refund_not_received,0.2,changed_mind,\n"
        ",0,text,refund_not_received,0.2,changed_mind,\n"
        "C0002,0,text,refund_not_received,0.2,,unsure\n"
    )
    db = tmp_path / "labels.db"
    assert voc(world, "label", "import", sheet, "--contacts", world.contacts_path, "--catalogue", db) == 2
    err = capsys.readouterr().err
    assert "row 3, contact_id: contact 'NOPE' is not in the contacts file" in err
    assert "row 4, contact_id: contact 'C0001' is already labelled on row 2" in err
    assert "row 5, contact_id: a labelled row needs its contact_id" in err
    assert Catalogue(db).history().empty
