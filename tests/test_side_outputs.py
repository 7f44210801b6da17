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
import re
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest
from label_data import register_keyword_model

from cli.main import main
from voc.synth.export import write
from voc.synth.generate import SynthConfig, generate
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


# -- voc data validate + voc tag on synthetic contacts that carry every PII kind ---------------

IDENTITY_KINDS = {"national_id", "date_of_birth", "ip_address", "password", "pin", "cvv"}


@pytest.fixture(scope="module")
def synth_tagged(tmp_path_factory: pytest.TempPathFactory) -> SimpleNamespace:
    """Synthetic contacts (many revealing identity details), validated, then tagged with the
    contacts that hold PII sent twice (duplicates: quarantined, with their redacted text)."""
    root = tmp_path_factory.mktemp("synth-tag")
    raw, checked, ws = root / "data" / "raw", root / "data" / "interim", root / "ws"
    write(generate(SynthConfig(contacts=60, seed=3, identity_share=0.45)), raw)
    out = root / "out" / "tagged.parquet"
    with pytest.MonkeyPatch.context() as env:
        # mlflow.set_tracking_uri exports the URI: an earlier test's store must not be this one's
        env.delenv("MLFLOW_TRACKING_URI", raising=False)
        uri = register_keyword_model(f"sqlite:///{ws / 'mlflow.db'}", ws / "mlartifacts", name="rc")
        validate = ["data", "validate", str(raw / "contacts.parquet"), "--out", str(checked)]
        assert main(["--workspace", str(ws), *validate]) == 0
        pii = pd.read_parquet(raw / "pii.parquet")
        contacts = pd.read_parquet(checked / "contacts.parquet")
        resent = contacts[contacts["contact_id"].isin(pii["contact_id"])]
        source = checked / "with_resent.parquet"
        pd.concat([contacts, resent], ignore_index=True).to_parquet(source, index=False)
        assert main(["--workspace", str(ws), "tag", str(source), "--model", uri, "--out", str(out)]) == 0
    return SimpleNamespace(
        root=root, pii=pii, out=out, quarantine=out.with_name("tagged.quarantine.parquet"), resent=len(resent)
    )


@pytest.mark.slow  # the keyword champion's registration and a tag run: ~1 min here
def test_synth_plants_every_pii_kind(synth_tagged: SimpleNamespace) -> None:
    assert set(synth_tagged.pii["pii_type"]) >= IDENTITY_KINDS
    assert len(pd.read_parquet(synth_tagged.quarantine)) == synth_tagged.resent > 0


@pytest.mark.slow
def test_no_planted_value_in_any_file_after_validate_and_tag(synth_tagged: SimpleNamespace) -> None:
    # everything but the raw zone (the synthetic raw data and validate's output, raw by design)
    raw_zone = synth_tagged.root / "data"
    files = [p for p in synth_tagged.root.rglob("*") if p.is_file() and raw_zone not in p.parents]
    assert synth_tagged.out in files and synth_tagged.quarantine in files
    assert any("mlartifacts" in p.parts for p in files), files
    assert any(p.name == "mlflow.db" for p in files), files
    long_values = {v for v in synth_tagged.pii["value"] if len(v) >= 6}  # shorter ones match by chance
    leaks = [(p.name, v) for p in files for v in long_values if v.encode() in p.read_bytes()]
    assert not leaks, leaks[:10]


@pytest.mark.slow
def test_no_short_planted_value_in_its_own_redacted_text(synth_tagged: SimpleNamespace) -> None:
    # CVVs, PINs, short names: looked for as whole words in the text of the contact that held them
    texts = pd.concat(
        [
            pd.read_parquet(synth_tagged.out).set_index("contact_id")["clean_text"],
            pd.read_parquet(synth_tagged.quarantine).set_index("contact_id")["text"],
        ]
    )
    leaks = []
    for cid, kind, value in synth_tagged.pii.itertuples(index=False):
        word = re.compile(r"(?<![^\W_])" + re.escape(value) + r"(?![^\W_])")
        leaks += [(cid, kind, value) for text in texts.loc[[cid]] if word.search(str(text))]
    assert not leaks, leaks[:10]
