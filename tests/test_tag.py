"""``voc tag``: validated contacts in, root cause + report columns out, quarantine beside the output.

Also the other paths through the registered pyfunc (``voc label export|suggest``): each contact is
prepared and redacted exactly once on every one of them.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from label_data import make_contacts, make_themes_dir
from test_classifier import PLANTED_EMAIL, labelled_contacts

from cli.main import main
from reports.languages import language_mix, unread_by_market
from training.config import TrainConfig
from training.dataset import build_training_set
from training.evaluate import evaluate
from training.labelling.sheets import read_sheet
from training.registry import configure, log_and_register
from training.tagging.memory import PASSTHROUGH_COLUMNS, TAG_COLUMNS, tag
from training.train import train_classifier
from voc.taxonomy import load_taxonomy
from voc.workspace import Workspace


def register_tfidf_model(name: str = "rc") -> str:
    """Train the real pyfunc (TF-IDF features: seconds) and register it as ``name``, champion v1.

    Uses the workspace of ``$VOC_WORKSPACE``; returns ``models:/NAME@champion``.
    """
    training = build_training_set(labelled_contacts(per_class=20), taxonomy=load_taxonomy())
    result = train_classifier(training, TrainConfig(features="tfidf", C=(1.0,)))
    configure(Workspace.resolve())
    log_and_register(result, evaluate(result.model, result.test, training.families), training, name)
    return f"models:/{name}@champion"


@pytest.fixture
def registered(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A TF-IDF root-cause model registered as ``rc`` (champion v1) in a tmp workspace."""
    monkeypatch.setenv("VOC_WORKSPACE", str(tmp_path / "ws"))
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    return register_tfidf_model()


@pytest.fixture
def prepared_texts(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every text that goes through ``nlp.prepare.prepare_contacts`` from now on, in order."""
    import nlp.prepare

    seen: list[str] = []
    real = nlp.prepare.prepare_contacts

    def counting(frame: pd.DataFrame, *args: object, **kwargs: object) -> pd.DataFrame:
        seen.extend(frame["text"].astype(str))
        return real(frame, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(nlp.prepare, "prepare_contacts", counting)
    return seen


@pytest.mark.slow
def test_voc_tag_writes_causes_report_columns_and_quarantine(
    registered: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    contacts = labelled_contacts(per_class=3).drop(columns=["label"])
    contacts["created_at"] = "2026-11-02T10:00:00Z"
    contacts["market"] = "DE"
    contacts["csat"] = 2
    contacts.loc[1, "text"] = ""  # quarantined: empty_text
    source = tmp_path / "new.csv"
    contacts.to_csv(source, index=False)
    out = tmp_path / "tagged" / "contacts.parquet"

    assert main(["tag", str(source), "--model", registered, "--out", str(out)]) == 0

    printed = capsys.readouterr().out
    assert "read 12 = tagged 11 + quarantined 1" in printed
    tagged = pd.read_parquet(out)
    assert list(tagged.columns[: len(TAG_COLUMNS)]) == list(TAG_COLUMNS)
    assert set(PASSTHROUGH_COLUMNS) <= set(tagged.columns)
    assert "text" not in tagged.columns
    assert len(tagged) == 11
    assert set(tagged["model_version"]) == {"1"} and set(tagged["model_name"]) == {"rc"}
    assert tagged["family"].isin(["cancellation", "delivery", "return", "refund"]).all()
    assert not tagged["clean_text"].str.contains(PLANTED_EMAIL, regex=False).any()
    quarantine = pd.read_parquet(out.with_name("contacts.quarantine.parquet"))
    assert quarantine["reason"].tolist() == ["empty_text"]


@pytest.mark.slow
def test_each_contact_is_prepared_once(registered: str, prepared_texts: list[str], tmp_path: Path) -> None:
    # The pyfunc returns the clean_text it made (return_clean_text), so redaction, the slowest CPU
    # step after the encoder, is not run a second time for the output column.
    from nlp.prepare import prepare_contacts

    contacts = labelled_contacts(per_class=3).drop(columns=["label"])
    source = tmp_path / "new.csv"
    contacts.to_csv(source, index=False)
    out = tmp_path / "tagged.parquet"

    assert main(["tag", str(source), "--model", registered, "--out", str(out)]) == 0
    assert len(prepared_texts) == contacts[["text", "channel"]].drop_duplicates().shape[0]
    tagged = pd.read_parquet(out).set_index("contact_id")
    expected = prepare_contacts(contacts).set_index("contact_id")["clean_text"]
    assert tagged["clean_text"].to_dict() == expected.to_dict()


@pytest.mark.slow
def test_label_export_and_suggest_prepare_each_contact_once(
    registered: str, prepared_texts: list[str], tmp_path: Path
) -> None:
    # The raw text goes to the pyfunc, which prepares it and hands back its clean_text; preparing
    # first and handing the model clean text would redact every contact twice.
    contacts = make_contacts()
    source = tmp_path / "contacts.parquet"
    contacts.drop(columns=["root_cause", "theme_id"]).to_parquet(source, index=False)
    themes = make_themes_dir(tmp_path / "run", contacts)
    members = contacts[contacts["theme_id"] >= 0]
    review = tmp_path / "review.xlsx"

    args = ["--themes", str(themes), "--contacts", str(source), "--model", registered, "--out", str(review)]
    assert main(["label", "export", *args]) == 0
    assert sorted(prepared_texts) == sorted(members["text"])
    assert read_sheet(review).rows["suggested_root_cause"].ne("").all()

    prepared_texts.clear()
    sheet = tmp_path / "uncertain.xlsx"
    args = [str(source), "--model", registered, "--themes", str(themes), "--n", "8"]
    assert (
        main(["label", "suggest", *args, "--catalogue", str(tmp_path / "labels.db"), "--out", str(sheet)])
        == 0
    )
    assert sorted(prepared_texts) == sorted(contacts["text"])
    picked = read_sheet(sheet).rows
    assert len(picked) == 8 and picked["clean_text"].str.contains(r"\[EMAIL\]").any()
    assert not picked["clean_text"].str.contains("example.com").any()


@pytest.mark.slow
def test_unclear_contacts_are_flagged_for_review(registered: str) -> None:
    contacts = pd.DataFrame(
        {
            "contact_id": ["a", "b", "c"],
            "text": [
                "another seller has it for half the price so please cancel",
                "qwerty zxcv",
                "ok",
            ],
        }
    )
    tagged = tag(contacts, registered, progress=False)

    assert tagged.loc[0, "root_cause"] == "found_cheaper"
    assert not tagged.loc[0, "needs_review"]
    assert tagged.loc[1:, "needs_review"].all()
    assert tagged["root_cause"].notna().all()


@pytest.mark.slow
def test_voc_tag_says_why_each_contact_needs_review(registered: str, tmp_path: Path) -> None:
    texts = {
        "clear": "another seller has it for half the price so please cancel",
        "german": "Ich habe die Ware vor drei Wochen zurückgeschickt und noch immer kein Geld erhalten.",
        "french": "Le colis est arrivé complètement écrasé et le contenu est cassé.",
        "remark": "Very good, thanks!",
        "ok": "Ok",
        "gibberish": "qwerty zxcv",
    }
    source = tmp_path / "new.csv"
    markets = ["FR", "DE", "FR", "UK", "UK", "UK"]
    pd.DataFrame({"contact_id": list(texts), "text": list(texts.values()), "market": markets}).to_csv(
        source, index=False
    )
    out = tmp_path / "tagged.parquet"

    assert main(["tag", str(source), "--model", registered, "--out", str(out)]) == 0

    tagged = pd.read_parquet(out).set_index("contact_id")
    assert tagged["review_reason"].to_dict() == {
        "clear": "",
        "german": "language",
        "french": "language",
        "remark": "uninformative",
        "ok": "uninformative",
        "gibberish": "low_confidence",
    }
    assert tagged["language"].to_dict() == {
        "clear": "en",
        "german": "de",
        "french": "fr",
        "remark": "",
        "ok": "",
        "gibberish": "en",
    }
    assert (tagged["needs_review"] == (tagged["review_reason"] != "")).all()
    # Nothing the model could not read gets a confident root cause.
    unread = tagged["review_reason"].isin(["language", "uninformative"])
    assert (tagged.loc[unread, "confidence"] == 0.0).all()
    # What the report can show per market: the language mix and the share never understood.
    mix = language_mix(tagged.reset_index())
    assert mix.loc[mix["market"] == "FR", ["language", "contacts"]].values.tolist() == [["en", 1], ["fr", 1]]
    shares = unread_by_market(tagged.reset_index()).set_index("market")["unread_share"].to_dict()
    assert shares == {"DE": 1.0, "FR": 0.5, "UK": pytest.approx(2 / 3)}


def test_bad_model_uri_is_an_input_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VOC_WORKSPACE", str(tmp_path / "ws"))
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    source = tmp_path / "new.csv"
    labelled_contacts(per_class=1).to_csv(source, index=False)
    code = main(["tag", str(source), "--model", "models:/nope@champion", "--out", str(tmp_path / "o.csv")])
    assert code == 2


def test_tagging_reads_the_vectors_training_left_in_the_workspace(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Tagging the week that was just labelled and trained on (or tagging it again with a new
    # champion) must not encode those contacts a second time.
    import pickle
    from types import SimpleNamespace

    from test_embed import CountingModel

    from nlp.embed import EmbedConfig, Embedder
    from nlp.prepare import prepare_contacts
    from training.classifier import RootCauseClassifier
    from training.pyfunc import RootCauseModel

    monkeypatch.setenv("VOC_WORKSPACE", str(tmp_path / "ws"))
    workspace = Workspace.resolve()
    contacts = labelled_contacts(per_class=8)
    clean = prepare_contacts(contacts)["clean_text"].tolist()
    config = EmbedConfig(cache_dir=workspace.embedding_cache, backend="onnx-int8", show_progress=False)
    classifier = RootCauseClassifier(features="embedding", embedder=Embedder(config, model=CountingModel()))
    classifier.fit(clean, contacts["label"])
    served = pickle.loads(pickle.dumps(RootCauseModel(classifier, {})))  # as MLflow stores it
    served.load_context(SimpleNamespace(model_config={"embed_backend": "onnx-int8"}, artifacts={}))
    before = sorted(workspace.embedding_cache.rglob("*.npy"))

    out = served.predict(None, contacts[["text", "channel"]])

    embedder = served.classifier.embedder
    assert embedder._model is None  # every vector came from the cache: the encoder never loaded
    assert out["root_cause"].tolist() == list(classifier.predict(clean))  # the same vectors
    assert sorted(workspace.embedding_cache.rglob("*.npy")) == before


def test_repeated_contacts_are_predicted_once_and_each_row_gets_its_own_answer() -> None:
    from training.pyfunc import predict_contacts

    class Echo:
        """Says which text and channel it saw; records every row it was asked about."""

        metadata = None

        def __init__(self) -> None:
            self.seen: list[tuple[object, object]] = []

        def predict(self, frame: pd.DataFrame) -> pd.DataFrame:
            rows = list(zip(frame["text"], frame["channel"], strict=True))
            self.seen += rows
            return pd.DataFrame(
                {
                    "root_cause": [f"{_or_dash(t)}|{_or_dash(c)}" for t, c in rows],
                    "family": "other",
                    "confidence": 1.0,
                    "needs_review": False,
                }
            )

    contacts = pd.DataFrame(
        {
            "text": ["late", "late", "late", "late", None, None, "broken", "late"],
            "channel": ["chat", "chat", None, "email", None, None, "chat", None],
        }
    )
    echo = Echo()
    got = predict_contacts(echo, contacts)
    assert len(echo.seen) == 5  # late/chat, late/-, late/email, -/-, broken/chat
    assert got["root_cause"].tolist() == [
        "late|chat",
        "late|chat",
        "late|-",
        "late|email",
        "-|-",
        "-|-",
        "broken|chat",
        "late|-",
    ]


def _or_dash(value: object) -> str:
    return value if isinstance(value, str) else "-"
