"""``voc data synth``: realistic, deterministic synthetic contacts with ground truth."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest

from cli.main import main
from voc.contracts.contacts import validate_contacts
from voc.contracts.orders import validate_orders
from voc.synth.export import write
from voc.synth.generate import CONTACT_COLUMNS, SynthConfig, SynthData, generate
from voc.synth.pii import PII_TYPES, luhn_ok
from voc.taxonomy import load_taxonomy
from voc.weeks import iso_week


@pytest.fixture(scope="module")
def data() -> SynthData:
    return generate(SynthConfig(contacts=3000, seed=11))


@pytest.fixture(scope="module")
def written(data: SynthData, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("synth")
    write(data, out)
    return out


def _weeks(contacts: pd.DataFrame) -> pd.Series:
    return contacts["created_at"].dt.tz_convert(None).map(iso_week)


def test_same_seed_gives_identical_files_and_another_seed_differs(tmp_path: Path) -> None:
    for name, seed in (("a", 5), ("b", 5), ("c", 6)):
        write(generate(SynthConfig(contacts=300, seed=seed)), tmp_path / name)
    same = [(tmp_path / n / "contacts.parquet").read_bytes() for n in ("a", "b")]
    assert same[0] == same[1]
    assert (tmp_path / "c" / "contacts.parquet").read_bytes() != same[0]
    assert (tmp_path / "a" / "pii.parquet").read_bytes() == (tmp_path / "b" / "pii.parquet").read_bytes()


def test_identity_details_change_no_other_contact() -> None:
    # they come from their own random stream: the demo and every seed keep their other contacts
    plain = generate(SynthConfig(contacts=300, seed=5, identity_share=0.0))
    rich = generate(SynthConfig(contacts=300, seed=5, identity_share=0.3))
    kinds = {"national_id", "date_of_birth", "ip_address", "password", "pin", "cvv"}
    revealing = set(rich.pii.loc[rich.pii["pii_type"].isin(kinds), "contact_id"])
    assert len(revealing) > 30 and not kinds & set(plain.pii["pii_type"])
    changed = rich.contacts["text"] != plain.contacts["text"]
    assert revealing <= set(rich.contacts.loc[changed, "contact_id"])
    assert changed.mean() < 0.3  # those drawn to reveal a detail (30% of chats, e-mails and calls)
    assert rich.contacts.drop(columns="text").equals(plain.contacts.drop(columns="text"))


@pytest.mark.slow
def test_at_least_90_percent_of_20000_texts_are_unique() -> None:
    contacts = generate(SynthConfig(contacts=20_000, seed=7)).contacts
    assert contacts["text"].nunique() / len(contacts) >= 0.90


def test_contacts_follow_the_contract_and_pass_validation(data: SynthData, written: Path) -> None:
    assert list(data.contacts.columns) == CONTACT_COLUMNS
    assert "label" not in data.contacts
    result = validate_contacts(written / "contacts.parquet")
    assert result.counts.read == 3000
    assert result.counts.quarantined == 0
    assert data.contacts["contact_id"].str.fullmatch(r"C\d{7}").all()
    assert data.contacts["contact_id"].is_unique
    assert set(data.contacts["channel"]) == {"chat", "email", "call", "review", "app"}
    shares = data.contacts["channel"].value_counts(normalize=True)
    assert shares.index[0] == "chat"
    assert 0.5 < data.contacts["csat"].notna().mean() < 0.7
    assert 0.2 < data.contacts["nps"].notna().mean() < 0.4


def test_ground_truth_is_a_separate_file_with_realistic_noise(data: SynthData) -> None:
    truth = data.ground_truth
    assert list(truth["contact_id"]) == list(data.contacts["contact_id"])
    taxonomy = load_taxonomy()
    inside = truth["in_taxonomy"]
    assert 0.78 < inside.mean() < 0.9
    assert truth.loc[inside, "root_cause"].isin(taxonomy.ids).all()
    assert truth.loc[~inside, "root_cause"].isna().all()
    assert truth.loc[~inside, "label"].isna().all()
    assert truth["topic"].notna().all()
    assert set(truth.loc[inside, "root_cause"]) == set(taxonomy.ids)  # every cause appears
    noise = (truth.loc[inside, "label"] != truth.loc[inside, "root_cause"]).mean()
    assert 0.02 < noise < 0.08
    assert 0.05 < truth.loc[inside, "secondary_root_cause"].notna().mean() < 0.12


def test_causes_have_plausible_categories_stages_and_csat(data: SynthData) -> None:
    df = data.contacts.merge(data.ground_truth)
    assert (df.loc[df["root_cause"] == "wrong_size_fit", "category"] == "fashion").mean() > 0.8
    defective = df.loc[df["root_cause"] == "defective", "category"].value_counts()
    assert defective.index[0] == "electronics"
    assert (df.loc[df["root_cause"] == "changed_mind", "order_stage"] == "pre_shipment").all()
    assert (df.loc[df["root_cause"] == "shipping_delay", "order_stage"] == "in_transit").all()
    csat = df.groupby("root_cause")["csat"].mean()
    assert csat["refund_not_received"] < csat["changed_mind"] - 1
    app = df.loc[df["channel"] == "app", "root_cause"].dropna().map(load_taxonomy().family_of)
    assert app.value_counts().index[0] == "cancellation"


def test_every_planted_pii_value_is_in_its_text(data: SynthData) -> None:
    pii = data.pii.merge(data.contacts[["contact_id", "text"]], on="contact_id")
    assert len(pii) == len(data.pii) > 0
    assert all(v in t for v, t in zip(pii["value"], pii["text"], strict=True))
    assert set(pii["pii_type"]) == set(PII_TYPES)
    share = data.pii["contact_id"].nunique() / len(data.contacts)
    assert 0.3 <= share <= 0.45
    cards = pii.loc[pii["pii_type"] == "card", "value"]
    assert all(luhn_ok(c) for c in cards if re.search(r"\d{4}", c))


def test_no_email_or_card_in_a_text_is_missing_from_the_ground_truth(data: SynthData) -> None:
    planted = data.pii.groupby("contact_id")["value"].apply(set).to_dict()
    email = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
    card = re.compile(r"\b\d{4}[ -]?\d{4}[ -]?\d{4}[ -]?\d{4}\b")
    for cid, text in zip(data.contacts["contact_id"], data.contacts["text"], strict=True):
        found = {m for m in email.findall(text) if m != "support@marketplace.example"}
        found |= set(card.findall(text))
        assert found <= planted.get(cid, set()), (cid, found)


def test_app_crash_appears_only_in_the_last_two_weeks(data: SynthData, written: Path) -> None:
    incidents = {i["id"]: i for i in json.loads((written / "incidents.json").read_text())}
    crash = next(i for i in incidents.values() if i["kind"] == "new_friction")
    assert (crash["first_week"], crash["last_week"]) == ("2026-W46", "2026-W47")
    df = data.contacts.merge(data.ground_truth)
    weeks = _weeks(df)
    mine = df["incident"] == crash["id"]
    assert set(weeks[mine]) == {"2026-W46", "2026-W47"}
    assert mine.sum() == crash["expected_contacts"]
    assert df.loc[mine, "root_cause"].isna().all() and (df.loc[mine, "topic"] == crash["id"]).all()
    share = mine.sum() / weeks.isin(["2026-W46", "2026-W47"]).sum()
    assert 0.03 < share < 0.08
    crash_words = df["text"].str.contains(r"crash|white screen|freez|version 8|8\.4\b", case=False)
    assert crash_words[mine].mean() > 0.9
    assert not (crash_words & ~weeks.isin(["2026-W46", "2026-W47"])).any()


def test_growing_cause_grows_in_its_market_only(data: SynthData, written: Path) -> None:
    growth = next(
        i for i in json.loads((written / "incidents.json").read_text()) if i["kind"] == "growing_cause"
    )
    df = data.contacts.merge(data.ground_truth)
    weeks = _weeks(df)
    recent = (weeks >= growth["first_week"]) & (weeks <= growth["last_week"])
    cause = df["root_cause"] == growth["root_cause"]
    in_market = df["market"] == growth["market"]
    for here, low, high in ((cause & in_market, 2.5, 6.0), (cause & ~in_market, 0.0, 1.8)):
        before = here[~recent].sum() / weeks[~recent].nunique()
        after = here[recent].sum() / weeks[recent].nunique()
        assert low * before < after < high * before
    assert (df.loc[df["incident"] == growth["id"], "market"] == growth["market"]).all()


def test_orders_cover_every_day_market_and_category(data: SynthData, written: Path) -> None:
    orders = validate_orders(written / "orders.parquet")
    assert orders.counts.quarantined == 0
    table = orders.accepted
    assert len(table) == 12 * 7 * 5 * 6
    assert table.groupby(["date", "market", "category"]).size().eq(1).all()
    assert table["date"].min() == pd.Timestamp("2026-08-31") and table["date"].max() == pd.Timestamp(
        "2026-11-22"
    )
    assert 0.01 <= len(data.contacts) / table["orders"].sum() <= 0.03
    by_weekday = table.groupby(table["date"].dt.day_of_week)["orders"].sum()
    assert by_weekday[6] > by_weekday[4] * 1.1  # Sunday shopping beats Friday
    daily = table.groupby("date")["orders"].sum()
    assert daily.iloc[-14:].mean() > daily.iloc[:14].mean()  # mild upward trend


def test_contacts_peak_early_in_the_week(data: SynthData) -> None:
    by_day = data.contacts["created_at"].dt.day_of_week.value_counts()
    # Monday and Tuesday together against the weekend: single days are too noisy at 3,000 contacts
    assert by_day[0] + by_day[1] > (by_day[5] + by_day[6]) * 1.25


def test_channel_texts_have_their_formats(data: SynthData) -> None:
    texts = data.contacts.groupby("channel")["text"]
    role = re.compile(r"^(?:\[\d\d:\d\d\] )?(Customer|Agent(?: \([^)]+\))?|Bot|System): \S")
    for chat in texts.get_group("chat"):
        lines = chat.splitlines()
        assert all(role.match(line) for line in lines), chat
        assert any(line.split(": ")[0].endswith("Customer") for line in lines)
        assert any("Agent" in line.split(": ")[0] for line in lines)
    for call in texts.get_group("call"):
        assert call == call.lower() and not re.search(r"[.,!?;:'\"]", call.replace(": ", " ", -1)), call
        assert all(line.startswith(("agent: ", "customer: ")) for line in call.splitlines())
    reviews = data.contacts[data.contacts["channel"] == "review"]
    for text, csat in zip(reviews["text"], reviews["csat"], strict=True):
        assert text.splitlines()[0] == f"Rating: {csat}/5"
        assert len(text.splitlines()) == 3
    for app in texts.get_group("app"):
        assert len(app) < 400 and "\n" not in app
    for email in texts.get_group("email"):
        first = email.splitlines()[0]
        assert first.startswith("Subject: ") or first.endswith(",")


def test_cli_writes_the_files_and_rejects_a_bad_week(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VOC_WORKSPACE", str(tmp_path / "ws"))
    out = tmp_path / "out"
    code = main(["data", "synth", "--contacts", "200", "--weeks", "6", "--seed", "3", "--out", str(out)])
    assert code == 0
    for name in (
        "contacts.parquet",
        "ground_truth.parquet",
        "pii.parquet",
        "orders.parquet",
        "order_events.parquet",
        "incidents.json",
        "README.md",
    ):
        assert (out / name).is_file(), name
    assert main(["data", "synth", "--contacts", "200", "--end-week", "2026-11-20", "--out", str(out)]) == 2
    assert main(["data", "synth", "--contacts", "200", "--markets", "UK,XX", "--out", str(out)]) == 2


def test_config_rejects_nonsense() -> None:
    with pytest.raises(ValueError, match="contacts"):
        SynthConfig(contacts=10)
    with pytest.raises(ValueError, match="weeks"):
        SynthConfig(weeks=2)
    with pytest.raises(ValueError, match="ISO week"):
        SynthConfig(end_week="W47")


def test_a_few_contacts_in_de_fr_es_are_in_the_markets_language(data: SynthData) -> None:
    df = data.contacts.merge(data.ground_truth)
    foreign = df[df["language"] != "en"]
    assert set(foreign["market"]) == {"DE", "FR", "ES"}
    assert (foreign["language"] == foreign["market"].map({"DE": "de", "FR": "fr", "ES": "es"})).all()
    share = len(foreign) / df["market"].isin(["DE", "FR", "ES"]).sum()
    assert 0.02 < share < 0.10
    assert foreign["root_cause"].notna().all()
    assert not data.pii["contact_id"].isin(foreign["contact_id"]).any()
    german = foreign.loc[foreign["language"] == "de", "text"]
    assert german.str.contains(r"\b(?:ich|Ich|mein|Paket|Bestellung|nicht|ist|Sie)\b").mean() > 0.9
    # The other contacts are exactly what the generator writes without foreign-language cases.
    plain = generate(SynthConfig(contacts=3000, seed=11, foreign_share=0.0)).contacts
    english = (df["language"] == "en").to_numpy()
    assert df.loc[english, "text"].tolist() == plain.loc[english, "text"].tolist()
