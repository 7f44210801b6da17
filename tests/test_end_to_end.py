"""The whole flow, as `make demo` runs it, on a small synthetic marketplace.

synth -> validate -> discover -> label export -> (analysts: filled from the ground truth) -> import
-> dataset -> train -> register -> tag -> report. Checks what a CX lead would: the planted incidents
are at the top of the week's report and flagged, no planted PII string reaches any file the pipeline
writes after redaction, and a `<script>` in a customer's words is shown as text.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest
from browser import chromium, needs_chromium

from cli.main import main

pytestmark = pytest.mark.slow

WEEK = "2026-W47"
SCRIPT = "<script>document.title='PWNED'</script>"


def voc(ws: Path, *args: object) -> None:
    code = main(["--workspace", str(ws), *map(str, args)])
    assert code == 0, f"voc {' '.join(map(str, args))} exited {code}"


@pytest.fixture(scope="module")
def flow(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("e2e")
    ws = root / "ws"
    raw, interim, processed = ws / "data" / "raw", ws / "data" / "interim", ws / "data" / "processed"
    themes, sheet = ws / "themes", ws / "labels" / "review.xlsx"
    report = ws / "reports" / WEEK
    voc(ws, "data", "synth", "--weeks", 12, "--contacts", 5000, "--seed", 7, "--out", raw)
    # A customer who pastes markup into the chat: it must come out as text everywhere.
    contacts = pd.read_parquet(raw / "contacts.parquet")
    last = contacts["created_at"].idxmax()
    contacts.loc[last, "text"] = f"Customer: my refund never arrived {SCRIPT} please help"
    contacts.to_parquet(raw / "contacts.parquet", index=False)

    voc(ws, "data", "validate", raw / "contacts.parquet", "--out", interim)
    voc(ws, "discover", interim / "contacts.parquet", "--out", themes, "--seed", 7)
    voc(ws, "label", "export", "--themes", themes, "--contacts", interim / "contacts.parquet", "--out", sheet)
    voc(ws, "data", "demo-label", sheet, "--themes", themes, "--ground-truth", raw / "ground_truth.parquet")
    voc(ws, "label", "import", sheet, "--themes", themes, "--who", "e2e")
    dataset = processed / "labelled.parquet"
    voc(
        ws,
        "label",
        "dataset",
        "--themes",
        themes,
        "--contacts",
        interim / "contacts.parquet",
        "--out",
        dataset,
        "--min-per-label",
        5,
    )
    voc(
        ws,
        "train",
        dataset,
        "--label-column",
        "label",
        "--taxonomy",
        "data/taxonomy.yaml",
        "--register-as",
        "rc",
    )
    voc(
        ws,
        "tag",
        interim / "contacts.parquet",
        "--model",
        "models:/rc@champion",
        "--out",
        processed / "tagged.parquet",
    )
    voc(
        ws,
        "report",
        processed / "tagged.parquet",
        "--themes",
        themes,
        "--orders",
        raw / "orders.parquet",
        "--week",
        WEEK,
        "--out",
        report,
    )
    return {"ws": ws, "raw": raw, "report": report, "themes": themes, "sheet": sheet}


def test_planted_incidents_top_the_weekly_report(flow: dict[str, Path]) -> None:
    table = pd.read_parquet(flow["report"] / "pain_points.parquet").sort_values("rank")
    incidents = json.loads((flow["raw"] / "incidents.json").read_text())
    truth = pd.read_parquet(flow["raw"] / "ground_truth.parquet")
    top3 = table.head(3).set_index("key")
    flagged = {"new", "growing"}

    growing = next(i for i in incidents if i["kind"] == "growing_cause")
    assert growing["root_cause"] in top3.index, f"{growing['root_cause']} not in the top 3:\n{top3}"
    assert top3.loc[growing["root_cause"], "status"] in flagged

    # The new friction is outside the taxonomy: it surfaces as an emerging theme (the theme holding
    # most of its contacts) or, failing that, through the cause the model files it under, flagged.
    new = next(i for i in incidents if i["kind"] == "new_friction")
    members = truth.loc[truth["incident"] == new["id"], "contact_id"]
    assignments = pd.read_parquet(flow["themes"] / "assignments.parquet").set_index("contact_id")
    tagged = pd.read_parquet(flow["ws"] / "data" / "processed" / "tagged.parquet").set_index("contact_id")
    candidates = {
        f"theme:{assignments.loc[members, 'theme_id'].mode().iloc[0]}",
        str(tagged.loc[members, "root_cause"].mode().iloc[0]),
    }
    hits = [key for key in candidates if key in top3.index and top3.loc[key, "status"] in flagged]
    assert hits, f"new incident ({candidates}) not flagged in the top 3:\n{top3[['name', 'status']]}"


def _written_after_redaction(ws: Path) -> list[Path]:
    """Every file the pipeline writes from redacted text: all but the raw/validated inputs and the
    training set, which keep the customer's original words inside the workspace by design."""
    skip = {ws / "data" / "raw", ws / "data" / "interim", ws / "data" / "processed" / "labelled.parquet"}
    return [p for p in ws.rglob("*") if p.is_file() and not any(p == s or s in p.parents for s in skip)]


def test_no_planted_pii_in_any_output(flow: dict[str, Path]) -> None:
    pii = pd.read_parquet(flow["raw"] / "pii.parquet")
    kinds = {"national_id", "date_of_birth", "ip_address", "password", "pin", "cvv"}
    assert kinds <= set(pii["pii_type"]), "the generator plants every PII kind redaction knows"
    # short values (a first name like "Li") would match unrelated bytes; the generator plants full
    # names, emails, phones, ids, cards and addresses, which are all longer
    values = {v for v in pii["value"] if len(v) >= 6}
    files = _written_after_redaction(flow["ws"])
    assert any(p.suffix == ".html" for p in files) and any("mlartifacts" in p.parts for p in files)
    leaks = []
    for path in files:
        data = path.read_bytes()
        leaks += [(path.name, v) for v in values if v.encode() in data]
    assert not leaks, f"planted PII found in outputs: {leaks[:10]}"
    # the short ones (CVVs, PINs, short names) as whole words in their own contact's tagged text
    clean = pd.read_parquet(flow["ws"] / "data" / "processed" / "tagged.parquet").set_index("contact_id")
    short = pii[pii["value"].str.len() < 6]
    leaks = [
        (cid, kind, value)
        for cid, kind, value in short.itertuples(index=False)
        if re.search(r"(?<![^\W_])" + re.escape(value) + r"(?![^\W_])", str(clean.loc[cid, "clean_text"]))
    ]
    assert not leaks, f"short planted PII left in clean_text: {leaks[:10]}"


def test_script_in_a_contact_is_shown_as_text(flow: dict[str, Path]) -> None:
    html = (flow["report"] / "pain_points.html").read_text()
    assert SCRIPT not in html
    browser = flow["sheet"].with_suffix(".html").read_text()
    assert SCRIPT not in browser


@needs_chromium
def test_report_renders_in_a_real_browser(flow: dict[str, Path], tmp_path: Path) -> None:
    page = flow["report"] / "pain_points.html"
    dom = chromium(tmp_path / "profile", "--dump-dom", page.as_uri())
    assert "PWNED" not in dom.split("<title>")[1].split("</title>")[0]
    assert "<svg" in dom and "<table" in dom and WEEK in dom
    shot = tmp_path / "report.png"
    chromium(tmp_path / "profile", f"--screenshot={shot}", "--window-size=1400,2000", page.as_uri())
    assert shot.is_file() and shot.stat().st_size > 30_000
