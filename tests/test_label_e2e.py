"""End to end: synth -> discover -> export -> analysts label -> import -> dataset -> train -> F1.

Through the real CLI: ``voc data synth``, ``voc discover``, ``voc label`` and ``voc train``.
The "analyst" fills the review sheet from the synthetic ground truth: each theme gets the majority
root cause of its members (noise when no cause holds 40% of them, or most members are outside the
taxonomy), as a person reading the exemplars would; then one active-learning round labels the
contacts the model is least sure of. The model must reach macro-F1 >= 0.85 on a later week (on
its contacts inside the taxonomy), and next week's discovery must carry the labels over.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from cli.main import main
from training.labelling.catalogue import Catalogue
from voc.synth.demo_labels import fill_contact_sheet, fill_theme_sheet, majority_labels

# The whole labelling loop on 12,000 contacts: 13 minutes alone on 2 cores, more beside other tests.
pytestmark = [
    pytest.mark.slow,
    pytest.mark.timeout(2400),
    pytest.mark.filterwarnings("ignore::UserWarning"),
]

WEEKS = 6
CONTACTS = 12_000
SUGGEST = 300
MIN_MACRO_F1 = 0.85
MODEL = "voc-label-e2e"


def voc(ws: Path, *args: object) -> None:
    code = main(["--workspace", str(ws), *map(str, args)])
    assert code == 0, f"voc {' '.join(map(str, args))} exited {code}"


def test_labels_from_a_sheet_train_a_model_that_generalises(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    raw = tmp_path / "raw"
    voc(ws, "data", "synth", "--weeks", WEEKS, "--contacts", CONTACTS, "--seed", 11, "--out", raw)
    contacts = pd.read_parquet(_one(raw, "contacts"))
    # root_cause is empty for contacts outside the taxonomy (account questions and the like)
    truth = pd.read_parquet(raw / "ground_truth.parquet").set_index("contact_id")["root_cause"]
    week = pd.to_datetime(contacts["created_at"], utc=True).dt.tz_convert(None).dt.to_period("W-SUN")
    weeks = sorted(week.unique())
    paths = {}
    for name, frame in (
        ("earlier", contacts[week < weeks[-2]]),
        ("middle", contacts[week == weeks[-2]]),
        ("last", contacts[week == weeks[-1]]),
    ):
        paths[name] = tmp_path / f"{name}.parquet"
        frame.to_parquet(paths[name], index=False)

    # Weeks 1..n-2: discover, export the review sheet, label it from the ground truth, import.
    themes = tmp_path / "themes1"
    voc(ws, "discover", paths["earlier"], "--out", themes)
    sheet = tmp_path / "review.xlsx"
    voc(ws, "label", "export", "--themes", themes, "--contacts", paths["earlier"], "--out", sheet)
    assert sheet.with_suffix(".html").is_file()
    majority = majority_labels(pd.read_parquet(themes / "assignments.parquet"), truth)
    fill_theme_sheet(sheet, majority)
    catalogue = ws / "labels.db"
    voc(ws, "label", "import", sheet, "--who", "e2e")
    labelled = Catalogue(catalogue).labelled_themes()
    assert len(labelled) == sum(label is not None for label in majority.values()) > 0

    # Training set -> voc train; one active-learning round (the analyst labels the contacts the
    # model is least sure of) -> training set with corrections -> voc train again.
    dataset = ws / "data" / "processed" / "labelled.parquet"
    make_dataset = ["label", "dataset", "--themes", themes, "--contacts", paths["earlier"]]
    voc(ws, *make_dataset, "--out", dataset, "--min-per-label", 5)
    voc(ws, "train", dataset, "--label-column", "label", "--register-as", MODEL)
    first = _macro_f1(ws, paths["last"], truth)
    uncertain = tmp_path / "uncertain.xlsx"
    voc(
        ws,
        "label",
        "suggest",
        paths["earlier"],
        "--model",
        f"models:/{MODEL}@challenger",
        "--themes",
        themes,
        "--n",
        SUGGEST,
        "--out",
        uncertain,
    )
    fill_contact_sheet(uncertain, truth)
    voc(ws, "label", "import", uncertain, "--who", "e2e")
    assert len(Catalogue(catalogue).contact_labels()) > 0.5 * SUGGEST
    voc(ws, *make_dataset, "--out", dataset, "--min-per-label", 5)
    voc(ws, "train", dataset, "--label-column", "label", "--register-as", MODEL)
    second = _macro_f1(ws, paths["last"], truth)
    print(
        f"macro-F1 on the last synthetic week: {first:.3f} from theme labels, {second:.3f} after "
        f"one active-learning round of {SUGGEST}"
    )
    assert max(first, second) >= MIN_MACRO_F1

    # Next week: discovery given the catalogue keeps the labelled themes' labels.
    themes2 = tmp_path / "themes2"
    voc(ws, "discover", paths["middle"], "--out", themes2, "--previous", catalogue)
    carried = pd.read_parquet(themes2 / "themes.parquet")
    carried = carried[carried["label"].notna()]
    # a single week is smaller than the weeks labelled, so not every theme comes back
    assert len(carried) >= 0.3 * len(labelled), f"{len(carried)} of {len(labelled)} labelled themes came back"
    again = majority_labels(pd.read_parquet(themes2 / "assignments.parquet"), truth)
    agree = (carried["label"] == carried["theme_id"].map(again)).mean()
    assert agree >= 0.8, f"only {agree:.0%} of the carried labels match next week's members"


def _macro_f1(ws: Path, contacts: Path, truth: pd.Series) -> float:
    """Macro-F1 of the latest model (alias challenger) on in-taxonomy contacts of ``contacts``."""
    import mlflow
    from sklearn.metrics import f1_score

    from voc.workspace import Workspace

    mlflow.set_tracking_uri(Workspace.resolve(ws).tracking_uri)
    model = mlflow.pyfunc.load_model(f"models:/{MODEL}@challenger")
    frame = pd.read_parquet(contacts)
    frame = frame[frame["contact_id"].map(truth).notna().to_numpy()].reset_index(drop=True)
    inputs = frame[["text", *(["channel"] if "channel" in frame else [])]]
    decided = model.predict(inputs)
    # Contacts the model refuses to read (another language, no content word) go to review with
    # confidence 0 by design: its guess for them is no claim, so they are not scored.
    readable = ~decided["review_reason"].isin(["language", "uninformative"]).to_numpy()
    predicted = decided["root_cause"].astype(str).to_numpy()[readable]
    gold = frame["contact_id"].map(truth).astype(str).to_numpy()[readable]
    print(
        f"{readable.sum():,} of {len(readable):,} contacts readable; review reasons: "
        f"{decided['review_reason'].value_counts().to_dict()}"
    )
    return float(f1_score(gold, predicted, average="macro"))


def _one(folder: Path, stem: str) -> Path:
    found = sorted(
        p for p in folder.iterdir() if p.stem.startswith(stem) and p.suffix in (".parquet", ".csv")
    )
    assert found, f"no {stem}.* in {folder}"
    return found[0]
