"""Side outputs are safe: no raw PII and no live spreadsheet formula in anything `tag` or `discover` write.

Rows carry planted PII (an e-mail, a phone, a card number) and formula payloads (`=`, `+`, `-`, `@`,
a tab at the start of a cell). Some are accepted, some quarantined (a duplicate id, a bad date, an
unknown channel, malformed CSV rows, one of them a text broken over two lines). Every file written
is read back: its bytes must hold no planted PII, and every cell of every CSV, read with the csv
module and with pandas, must not start a formula. (Parquet keeps values exactly, by design; it is
checked for PII only.)
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest
from label_data import register_keyword_model

from cli.main import main
from voc.workspace import Workspace

EMAIL = "dorothy.gale@example.com"
PHONE = "+44 20 7946 0321"
CARD = "4111 1111 1111 1111"
# How each planted value could appear in a file, spaced or not.
PII_FORMS = (EMAIL, "dorothy.gale", PHONE, "7946 0321", "79460321", CARD, "4111111111111111")
PII = f"mail me at {EMAIL}, call {PHONE}, card {CARD}"
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
HEADER = ["contact_id", "text", "channel", "created_at"]
DATE = "2026-03-02T10:00:00Z"
QUARANTINED = 8  # rows contacts_csv adds that the contract turns away


def contacts_csv(path: Path, accepted: list[list[str]]) -> Path:
    """``accepted`` rows, then QUARANTINED rows that carry PII and formula payloads (3 malformed)."""
    quarantined = [
        [accepted[0][0], f"Customer: duplicate of the first, {PII}", "chat", DATE],  # duplicate_id
        ["Q-date", f"Customer: refund late, {PII}", "email", "=NOW()"],  # bad_date
        ["Q-channel", f"Customer: parcel late, {PII}", "=cmd|' /C calc'!A0", DATE],  # unknown_channel
        ["@Q-empty", "", "+chat", DATE],  # empty_text, formula payloads in id and channel
        ["-Q-long", "\t" + "x" * 25_000 + PII, "chat", DATE],  # text_too_long
    ]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(HEADER)
    writer.writerows([*accepted, *quarantined])
    # Malformed rows: one with a field too many; then a text broken over two lines without quotes,
    # whose second half puts PII in the contact_id column.
    buffer.write(f'Q-malformed,"Customer: {PII}",chat,{DATE},=1+1\n')
    buffer.write(f"Q-broken,Customer: charged twice\nplease mail me at {EMAIL} or call {PHONE},card {CARD}\n")
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path


def written_files(*folders: Path) -> list[Path]:
    return sorted(p for folder in folders for p in folder.rglob("*") if p.is_file())


def raw_pii_in(path: Path) -> list[str]:
    data = path.read_bytes()
    return [form for form in PII_FORMS if form.encode() in data]


def live_formulas_in(path: Path) -> list[str]:
    """Cells of the CSV at ``path`` that a spreadsheet would run, as read by csv and by pandas."""
    with open(path, encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows, f"{path} is empty"
    width = len(rows[0])
    split = [i for i, row in enumerate(rows) if len(row) != width]
    assert not split, f"{path}: rows {split} do not have the header's {width} fields"
    found = [
        f"csv row {i}: {cell!r}"
        for i, row in enumerate(rows)
        for cell in row
        if cell.startswith(FORMULA_START)
    ]
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    for column in frame.columns:
        if str(column).startswith(FORMULA_START):
            found.append(f"pandas header: {column!r}")
        found += [f"pandas {column}: {cell!r}" for cell in frame[column] if cell.startswith(FORMULA_START)]
    return found


# -- voc tag ------------------------------------------------------------------------------------

TAG_ACCEPTED = [
    ["T1", f"Customer: my refund never arrived, {PII}", "chat", DATE],
    ["=T2", '=HYPERLINK("http://evil.example","x") my parcel is late', "chat", DATE],
    ["+T3", "+1 wrong size, too small", "email", DATE],
    ["-T4", "-1 star, the refund never came", "app", DATE],
    ["@T5", "@support my parcel is late", "review", DATE],
    ["T6", "\tthe size is wrong", "chat", DATE],
]


@pytest.fixture(scope="module", params=["parquet", "csv"])
def tagged(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> SimpleNamespace:
    """`voc tag` run once per output format on the planted file, with a keyword-rule champion."""
    root = tmp_path_factory.mktemp(f"tag-{request.param}")
    ws = Workspace.resolve(root / "ws")
    uri = register_keyword_model(ws.tracking_uri, root / "mlartifacts", name="rc")
    source = contacts_csv(root / "contacts.csv", TAG_ACCEPTED)
    out_dir = root / "out"
    out = out_dir / f"tagged.{request.param}"
    code = main(["--workspace", str(root / "ws"), "tag", str(source), "--model", uri, "--out", str(out)])
    assert code == 0
    return SimpleNamespace(
        out=out, out_dir=out_dir, quarantine=out.with_name(f"tagged.quarantine.{request.param}")
    )


def test_tag_quarantines_the_planted_rows(tagged: SimpleNamespace) -> None:
    read = pd.read_parquet if tagged.out.suffix == ".parquet" else pd.read_csv
    assert len(read(tagged.out)) == len(TAG_ACCEPTED)
    quarantine = read(tagged.quarantine)
    assert len(quarantine) == QUARANTINED
    reasons = ";".join(quarantine["reason"].astype(str))
    for reason in (
        "duplicate_id",
        "bad_date",
        "unknown_channel",
        "empty_text",
        "text_too_long",
        "malformed_row",
    ):
        assert reason in reasons


def test_tagged_output_has_no_raw_pii(tagged: SimpleNamespace) -> None:
    assert raw_pii_in(tagged.out) == []


def test_tag_quarantine_has_no_raw_pii(tagged: SimpleNamespace) -> None:
    assert raw_pii_in(tagged.quarantine) == []


def test_tag_writes_no_live_formula_in_any_csv(tagged: SimpleNamespace) -> None:
    written = written_files(tagged.out_dir)
    assert tagged.out in written and tagged.quarantine in written
    for path in written:
        if path.suffix == ".csv":
            assert live_formulas_in(path) == [], path


# -- voc discover -------------------------------------------------------------------------------

TOPICS = (
    "my refund never arrived and I want my money back",
    "the parcel is late and the tracking has not moved",
    "the shoes are the wrong size, far too small",
)
PAYLOADS = ("=SUM(1+1) ", "+1 ", "-1 ", "@support ", "\t", "")


def discover_accepted() -> list[list[str]]:
    rows = []
    for t, topic in enumerate(TOPICS):
        for i in range(12):
            payload = PAYLOADS[i % len(PAYLOADS)]
            rows.append([f"{'=-+@'[i % 4]}D{t}{i:02d}", f"{payload}{topic}, {PII}", "chat", DATE])
    return rows


@pytest.fixture(scope="module")
def discovered(tmp_path_factory: pytest.TempPathFactory) -> SimpleNamespace:
    """`voc discover` (real MiniLM and UMAP) on the planted file."""
    root = tmp_path_factory.mktemp("discover")
    source = contacts_csv(root / "contacts.csv", discover_accepted())
    out = root / "themes"
    argv = ["--workspace", str(root / "ws"), "discover", str(source), "--out", str(out)]
    assert main([*argv, "--min-theme-size", "5", "--seed", "0"]) == 0
    return SimpleNamespace(out=out)


@pytest.mark.slow
def test_discover_quarantines_the_planted_rows(discovered: SimpleNamespace) -> None:
    quarantine = pd.read_parquet(discovered.out / "quarantine.parquet")
    assert len(quarantine) == QUARANTINED


@pytest.mark.slow
def test_discover_themes_have_exemplars_without_pii_or_live_formula(discovered: SimpleNamespace) -> None:
    themes = pd.read_csv(discovered.out / "themes.csv", dtype=str, keep_default_na=False)
    assert len(themes) >= 1 and themes["exemplars"].str.len().gt(0).all()
    for name in ("themes.csv", "themes.parquet", "assignments.parquet"):
        assert raw_pii_in(discovered.out / name) == [], name
    assert live_formulas_in(discovered.out / "themes.csv") == []


@pytest.mark.slow
def test_discover_quarantine_has_no_raw_pii(discovered: SimpleNamespace) -> None:
    for name in ("quarantine.parquet", "quarantine.csv"):
        assert raw_pii_in(discovered.out / name) == [], name


@pytest.mark.slow
def test_discover_writes_no_live_formula_in_any_csv(discovered: SimpleNamespace) -> None:
    written = written_files(discovered.out)
    assert discovered.out / "quarantine.csv" in written
    for path in written:
        if path.suffix == ".csv":
            assert live_formulas_in(path) == [], path


def test_the_checks_see_planted_pii_and_formulas(tmp_path: Path) -> None:
    # The guards above are only as good as these readers: an unsafe file must be caught.
    unsafe = tmp_path / "unsafe.csv"
    unsafe.write_text(f'id,text\n=1+1,"{EMAIL}"\n"\tx",\'=ok\n', encoding="utf-8")
    assert EMAIL in raw_pii_in(unsafe)
    assert len(live_formulas_in(unsafe)) == 4  # =1+1 and the tab, each seen by csv and by pandas
