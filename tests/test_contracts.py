"""The data contracts: every contact and order row ends up accepted or quarantined with the right
reason; the tagged, themes and assignments tables read back in one shape for every stage."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cli.main import main
from voc.contracts.contacts import CHANNELS, QUARANTINE_REASONS, ContactValidator, validate_contacts
from voc.contracts.orders import read_orders, validate_orders
from voc.contracts.reading import ContractConfig
from voc.contracts.tagged import read_tagged
from voc.contracts.themes import (
    SUGGESTION_COLUMNS,
    THEME_COLUMNS,
    best_suggestions,
    read_assignments,
    read_suggestions,
    read_themes,
    write_assignments,
    write_suggestions,
    write_themes,
)
from voc.errors import InputError

HEADER = "contact_id,text,created_at,channel,order_stage,csat,nps,escalated"
# One row per quarantine reason, plus two good rows. The expected reason is the last field.
BAD_ROWS = [
    ("1,my parcel never arrived,2026-11-02T10:00:00Z,chat,in_transit,2,3,no", None),
    ("2,refund still missing,2026-11-03,email,post_delivery,,,", None),
    ("3,   ,2026-11-03,chat,,,,", "empty_text"),
    (",no id here,2026-11-03,chat,,,,", "missing_id"),
    ("1,same id again,2026-11-03,chat,,,,", "duplicate_id"),
    ("4,when did this happen,31/31/2026,chat,,,,", "bad_date"),
    ("13,from the far future,9999-12-31,chat,,,,", "date_out_of_range"),
    ("5,sent by fax,2026-11-03,fax,,,,", "unknown_channel"),
    ("6,stage,2026-11-03,chat,on_the_moon,,,", "unknown_order_stage"),
    ("7,very happy,2026-11-03,chat,,6,,", "csat_out_of_range"),
    ("8,score,2026-11-03,chat,,,11,", "nps_out_of_range"),
    ("9,escalated?,2026-11-03,chat,,,,perhaps", "bad_escalated"),
    ("10,too few fields,2026-11-03", "malformed_row"),
    ("11," + "x" * 300 + ",2026-11-03,chat,,,,", "text_too_long"),
]


def write_csv(path: Path, lines: list[str], extra: bytes = b"") -> Path:
    path.write_bytes(("\n".join([HEADER, *lines]) + "\n").encode() + extra)
    return path


@pytest.fixture
def bad_csv(tmp_path: Path) -> Path:
    lines = [row for row, _ in BAD_ROWS]
    undecodable = b"12,caf\xe9 latte was cold,2026-11-03,review,,,,\n"
    return write_csv(tmp_path / "contacts.csv", lines, extra=undecodable)


def test_every_bad_row_lands_in_quarantine_with_its_reason(bad_csv: Path) -> None:
    result = validate_contacts(bad_csv, ContractConfig(max_text_length=200))
    expected = {i + 1: reason for i, (_, reason) in enumerate(BAD_ROWS) if reason}
    expected[len(BAD_ROWS) + 1] = "undecodable_bytes"
    got = dict(zip(result.quarantine["source_row"], result.quarantine["reason"], strict=True))
    assert got == expected
    assert set(got.values()) == set(QUARANTINE_REASONS)  # the fixture plants every reason
    assert sorted(result.accepted["contact_id"]) == ["1", "2"]
    assert result.counts.read == len(BAD_ROWS) + 1
    assert result.counts.read == result.counts.accepted + result.counts.quarantined
    # nothing is lost: the quarantined row keeps its original values
    row = result.quarantine.set_index("source_row").loc[len(BAD_ROWS) + 1]
    assert row["text"] == "caf\\xe9 latte was cold"


def test_accepted_rows_are_typed(bad_csv: Path) -> None:
    accepted = validate_contacts(bad_csv, ContractConfig(max_text_length=200)).accepted.set_index(
        "contact_id"
    )
    assert accepted.loc["1", "csat"] == 2 and str(accepted["csat"].dtype) == "Int64"
    assert not accepted.loc["1", "escalated"]
    assert accepted.loc["1", "created_at"] == pd.Timestamp("2026-11-02T10:00:00Z")
    assert pd.isna(accepted.loc["2", "csat"])


def test_a_row_with_several_problems_lists_them_all(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "c.csv", ["1,  ,yesterday-ish,pigeon,,9,99,"])
    reason = validate_contacts(path).quarantine["reason"].iloc[0]
    assert set(reason.split(";")) == {
        "empty_text",
        "bad_date",
        "unknown_channel",
        "csat_out_of_range",
        "nps_out_of_range",
    }


def test_duplicate_ids_are_caught_across_chunks(tmp_path: Path) -> None:
    lines = [f"{i % 5},text {i},,,,,," for i in range(12)]
    path = write_csv(tmp_path / "c.csv", lines)
    result = validate_contacts(path, ContractConfig(chunk_size=3))
    assert len(result.accepted) == 5
    assert set(result.quarantine["reason"]) == {"duplicate_id"}
    assert result.counts.reconciles


def test_same_rows_in_all_three_formats_give_the_same_result(tmp_path: Path) -> None:
    rows = [
        {"contact_id": "a", "text": "where is my refund", "channel": "email", "csat": 2},
        {"contact_id": "b", "text": "", "channel": "chat", "csat": None},
        {"contact_id": "c", "text": "cancel please", "channel": "telex", "csat": 4},
        {"contact_id": "d", "text": "size too small", "channel": "review", "csat": 9},
    ]
    frame = pd.DataFrame(rows)
    frame.to_csv(tmp_path / "c.csv", index=False)
    frame.to_parquet(tmp_path / "c.parquet", index=False)
    (tmp_path / "c.jsonl").write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    results = [validate_contacts(tmp_path / f"c.{ext}") for ext in ("csv", "parquet", "jsonl")]
    for result in results:
        assert list(result.accepted["contact_id"]) == ["a"]
        assert list(result.quarantine["reason"]) == ["empty_text", "unknown_channel", "csat_out_of_range"]
        assert result.accepted["csat"].iloc[0] == 2


def test_jsonl_bad_lines_are_quarantined(tmp_path: Path) -> None:
    path = tmp_path / "c.jsonl"
    path.write_bytes(
        b'{"contact_id": "1", "text": "ok"}\n'
        b"not json at all\n"
        b"[1, 2]\n"
        b"\n"
        b'{"contact_id": "2", "text": "bad \xff byte"}\n'
    )
    result = validate_contacts(path)
    assert list(result.accepted["contact_id"]) == ["1"]
    assert list(result.quarantine["reason"]) == ["malformed_row", "malformed_row", "undecodable_bytes"]
    assert list(result.quarantine["source_row"]) == [2, 3, 5]


def test_column_remapping(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    pd.DataFrame({"ticket": ["t1", "t2"], "body": ["late parcel", "wrong size"]}).to_csv(path, index=False)
    config = ContractConfig(text_column="body", id_column="ticket")
    accepted = validate_contacts(path, config).accepted
    assert list(accepted["contact_id"]) == ["t1", "t2"]
    assert list(accepted["text"]) == ["late parcel", "wrong size"]
    with pytest.raises(InputError, match=r"missing required column 'contact_id'.*--id-column"):
        validate_contacts(path)


@pytest.mark.parametrize("ext", ["csv", "parquet", "jsonl"])
def test_a_file_without_ids_gets_row_numbers_when_allowed(tmp_path: Path, ext: str) -> None:
    # Public intent datasets (text, category) have no ids: discover/train/tag number the rows.
    rows = [{"text": "card not arrived", "category": "card_arrival"}, {"text": "", "category": "x"}]
    rows.append({"text": "top up failed", "category": "top_up_failed"})
    path = tmp_path / f"intents.{ext}"
    frame = pd.DataFrame(rows)
    if ext == "jsonl":
        path.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    else:
        frame.to_csv(path, index=False) if ext == "csv" else frame.to_parquet(path, index=False)

    result = validate_contacts(path, ContractConfig(row_ids=True, chunk_size=2))
    assert list(result.accepted["contact_id"]) == ["row-1", "row-3"]
    assert list(result.quarantine["reason"]) == ["empty_text"]
    with pytest.raises(InputError, match="missing required column 'contact_id'"):
        validate_contacts(path)  # the plain contract still wants ids
    with pytest.raises(InputError, match="missing required column 'ticket'"):
        validate_contacts(path, ContractConfig(row_ids=True, id_column="ticket"))


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("c.xlsx", b"whatever", "unknown file type"),
        ("c.csv", b"", "empty file"),
        ("c.parquet", b"this is not parquet", "cannot read file"),
        ("c.csv", b"contact_id,body\n1,hi\n", "missing required column 'text'"),
    ],
)
def test_unusable_files_raise_one_clear_error(
    tmp_path: Path, name: str, content: bytes, message: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(InputError, match=message) as info:
        validate_contacts(path)
    assert str(path) in str(info.value)


def test_cli_validate_writes_outputs_and_reconciles(
    bad_csv: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    code = main(["data", "validate", str(bad_csv), "--out", str(out), "--max-text-length", "200"])
    assert code == 0
    printed = capsys.readouterr().out
    assert "read 15 = accepted 2 + quarantined 13" in printed
    assert len(pd.read_parquet(out / "contacts.parquet")) == 2
    assert len(pd.read_parquet(out / "quarantine.parquet")) == 13
    assert len(pd.read_csv(out / "quarantine.csv")) == 13


def test_cli_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "c.csv"
    path.write_text("id,body\n1,hello\n")
    assert main(["data", "validate", str(path), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "missing required column" in err and str(path) in err
    assert main(["data", "validate", str(tmp_path / "nope.csv"), "--out", str(tmp_path / "o")]) == 2
    assert main(["data", "validate", "--bogus-option"]) == 2
    assert (
        main(
            [
                "data",
                "validate",
                str(path),
                "--out",
                str(tmp_path),
                "--text-column",
                "body",
                "--id-column",
                "id",
            ]
        )
        == 0
    )


def test_quarantine_csv_is_safe_for_spreadsheets(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "c.csv", ['1,"=HYPERLINK(""http://x"")",,fax,,,,'])
    out = tmp_path / "out"
    assert main(["data", "validate", str(path), "--out", str(out)]) == 0
    cell = pd.read_csv(out / "quarantine.csv")["text"].iloc[0]
    assert cell.startswith("'=")
    # the Parquet copy keeps the exact value
    assert pd.read_parquet(out / "quarantine.parquet")["text"].iloc[0].startswith("=HYPERLINK")


def test_orders_contract(tmp_path: Path) -> None:
    path = tmp_path / "orders.csv"
    path.write_text(
        "date,market,category,orders\n"
        "2026-11-02,UK,fashion,1200\n"
        "2026-11-02,UK,electronics,-5\n"
        "not a date,DE,home,10\n"
        "2026-11-03,,home,10\n"
    )
    result = validate_orders(path)
    assert result.accepted["orders"].tolist() == [1200]
    assert list(result.quarantine["reason"]) == ["bad_orders", "bad_date", "missing_field"]
    assert result.counts.reconciles
    # the report's reader refuses the file whole: a dropped row would inflate CPO silently
    with pytest.raises(InputError, match=r"row 2: bad_orders .*voc data validate --orders"):
        read_orders(path)
    path.write_text("date,market,category,orders\n")
    with pytest.raises(InputError, match="no usable orders rows"):
        read_orders(path)


def test_tagged_reader_names_the_bad_row(tmp_path: Path) -> None:
    path = tmp_path / "tagged.csv"
    header = "contact_id,root_cause,created_at,clean_text\n"
    path.write_text(header + "007,,2026-11-02,late parcel\n8,defective,2026-11-03,broken\n")
    tagged = read_tagged(path)
    assert tagged["contact_id"].tolist() == ["007", "8"]  # ids stay text
    assert tagged["root_cause"].tolist() == ["unknown", "defective"]
    assert str(tagged["created_at"].dt.tz) == "UTC"
    path.write_text(header + "1,defective,2026-11-02,a\n2,defective,yesterday,b\n")
    with pytest.raises(InputError, match="'created_at' row 2"):
        read_tagged(path)
    path.write_text(header + "1,defective,2026-11-02,a\n1,defective,2026-11-02,b\n")
    with pytest.raises(InputError, match="'contact_id' row 2"):
        read_tagged(path)


def test_the_generator_samples_only_contract_channels() -> None:
    # Each profile's channel weights are its sampling order; the contract says which channels exist.
    from voc.synth.profiles import APP_CRASH_PROFILE, CAUSES, TOPICS

    for profile in [*CAUSES.values(), *TOPICS.values(), APP_CRASH_PROFILE]:
        assert set(profile.channels) <= set(CHANNELS)


# --------------------------------------------------------------------------------------------
# A discovery run's themes and assignments: one reader and writer for every stage
# --------------------------------------------------------------------------------------------


def discovery_run(folder: Path) -> Path:
    themes = pd.DataFrame(
        {
            "theme_id": [3, 0, -1],
            "name": ["Parcel is late", "Refund still missing", None],
            "parent_id": [7, 7, -1],
            "parent_name": ["Refund still missing"] * 2 + [None],
            "size": [12, 30, 5],
            "keywords": [["late", "parcel"], ["refund"], []],
            "exemplars": [["where is my parcel"], ["no refund yet", "still waiting"], []],
            "is_new": [True, False, False],
            "label": [None, " refund_not_received ", None],
            "centroid": [np.array([0.6, 0.8], np.float32), np.array([1.0, 0.0], np.float32), None],
        }
    )
    write_themes(themes, folder)
    write_assignments(
        pd.DataFrame({"contact_id": ["1", "2", "3"], "theme_id": [3, 0, -1], "probability": [0.9, 0.8, 0.0]}),
        folder,
    )
    return folder


def test_themes_round_trip_in_the_contract_types(tmp_path: Path) -> None:
    folder = discovery_run(tmp_path / "run")
    themes = read_themes(folder)
    assert tuple(themes.columns) == THEME_COLUMNS
    assert themes["theme_id"].tolist() == [3, 0]  # theme -1 (the unassigned) is not a theme
    assert themes["size"].dtype == "int64" and themes["parent_id"].dtype == "Int64"
    assert themes["keywords"].tolist() == [["late", "parcel"], ["refund"]]
    assert themes["label"].tolist() == [None, "refund_not_received"]
    assert themes["name"].tolist() == ["Parcel is late", "Refund still missing"]
    assert themes["parent_name"].tolist() == ["Refund still missing"] * 2
    assert themes["is_new"].tolist() == [True, False]
    assert themes["centroid"].iloc[0].dtype == np.float32
    np.testing.assert_array_equal(themes["centroid"].iloc[0], np.array([0.6, 0.8], np.float32))
    # A themes file names the same table as its folder does.
    pd.testing.assert_frame_equal(read_themes(folder / "themes.parquet"), themes)
    assignments = read_assignments(folder)
    assert assignments.to_dict("list") == {
        "contact_id": ["1", "2", "3"],
        "theme_id": [3, 0, -1],
        "probability": [0.9, 0.8, 0.0],
    }


def test_themes_written_before_names_existed_are_named_from_their_keywords(tmp_path: Path) -> None:
    pd.DataFrame(
        {"theme_id": [4, 5], "parent_id": [1, None], "keywords": [["refund", "bank", "statement", "x"], []]}
    ).to_parquet(tmp_path / "themes.parquet")
    themes = read_themes(tmp_path)
    assert themes["name"].tolist() == ["Refund, bank, statement", "Theme 5"]
    assert themes["parent_name"].tolist() == ["Group 1", None]


def test_suggestions_round_trip_best_first_and_absent_is_empty(tmp_path: Path) -> None:
    empty = read_suggestions(tmp_path)
    assert tuple(empty.columns) == SUGGESTION_COLUMNS and empty.empty
    rows = pd.DataFrame(
        [
            (7, "lost_parcel", 0.55, "taxonomy", False),
            (7, "shipping_delay", 0.71, "model", True),
            (7, "lost_parcel", 0.93, "taxonomy", True),
            (2, "refund_not_received", 0.86, "catalogue", True),
            (2, "partial_refund", 0.97, "model", True),
        ],
        columns=list(SUGGESTION_COLUMNS),
    )
    write_suggestions(rows, tmp_path)
    back = read_suggestions(tmp_path)
    assert back["theme_id"].dtype == "int64" and back["confident"].dtype == bool
    assert len(back) == 5
    # Confident first, then catalogue > model > taxonomy, then the higher confidence.
    best = best_suggestions(back).set_index("theme_id")
    assert best.loc[2, ["suggested_root_cause", "suggestion_source"]].tolist() == [
        "refund_not_received",
        "catalogue",
    ]
    assert best.loc[7, ["suggested_root_cause", "suggestion_source"]].tolist() == ["shipping_delay", "model"]
    rows.assign(suggestion_source=["taxonomy", "model", "oracle", "model", "model"]).to_parquet(
        tmp_path / "suggestions.parquet"
    )
    with pytest.raises(InputError, match="'suggestion_source' row 3: expected catalogue"):
        read_suggestions(tmp_path)


def test_themes_from_other_tools_get_empty_values_for_what_they_lack(tmp_path: Path) -> None:
    pd.DataFrame({"theme_id": ["1", "2"], "centroid": [[1.0, 0.0], []]}).to_parquet(tmp_path / "t.parquet")
    themes = read_themes(tmp_path / "t.parquet", required=("centroid",))
    assert themes["theme_id"].tolist() == [1, 2] and themes["size"].isna().all()
    assert themes["label"].isna().all() and not themes["is_new"].any()
    assert themes["keywords"].tolist() == [[], []] and themes["centroid"].iloc[1] is None
    pd.DataFrame({"contact_id": [1], "theme_id": [1]}).to_parquet(tmp_path / "assignments.parquet")
    assert read_assignments(tmp_path)[["contact_id", "probability"]].to_dict("records") == [
        {"contact_id": "1", "probability": 1.0}
    ]


@pytest.mark.parametrize(
    ("table", "message"),
    [
        (None, "no themes file"),
        (pd.DataFrame({"theme_id": [1]}), "missing column\\(s\\) size"),
        (pd.DataFrame({"theme_id": ["1", "x"], "size": [1, 2]}), "'theme_id' row 2: not an integer"),
    ],
)
def test_unusable_themes_raise_one_clear_error(
    tmp_path: Path, table: pd.DataFrame | None, message: str
) -> None:
    if table is not None:
        table.to_parquet(tmp_path / "themes.parquet")
    with pytest.raises(InputError, match=message) as info:
        read_themes(tmp_path, required=("size",))
    assert str(tmp_path / "themes.parquet") in str(info.value)


def test_writers_refuse_a_table_that_breaks_the_contract(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="missing column"):
        write_themes(pd.DataFrame({"theme_id": [1]}), tmp_path)
    with pytest.raises(InputError, match="probability"):
        write_assignments(pd.DataFrame({"contact_id": ["1"], "theme_id": [1]}), tmp_path)
    assert not list(tmp_path.iterdir())


# --------------------------------------------------------------------------------------------
# Property: arbitrary rows and bytes never crash the readers and always reconcile
# --------------------------------------------------------------------------------------------

cells = st.one_of(
    st.none(),
    st.text(max_size=30),
    st.sampled_from(
        ["chat", "EMAIL", "fax", "", " ", "3", "11", "-1", "2026-11-02", "yes", "maybe", "1e400"]
    ),
    st.integers(-5, 15),
    st.floats(allow_nan=True, allow_infinity=True),
)
row = st.fixed_dictionaries(
    {"contact_id": st.one_of(st.none(), st.text(max_size=4), st.integers(0, 5))},
    optional={
        "text": cells,
        "created_at": cells,
        "channel": cells,
        "csat": cells,
        "nps": cells,
        "escalated": cells,
        "order_stage": cells,
    },
)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(row, max_size=12), chunk=st.integers(3, 8))
def test_random_rows_reconcile_in_every_format(tmp_path: Path, rows: list[dict], chunk: int) -> None:
    frame = pd.DataFrame(
        rows, columns=["contact_id", "text", "created_at", "channel", "csat", "nps", "escalated"]
    )
    frame = frame.astype(object).where(frame.notna(), None).map(lambda v: None if v is None else str(v))
    frame.to_csv(tmp_path / "r.csv", index=False)
    frame.to_parquet(tmp_path / "r.parquet", index=False)
    with open(tmp_path / "r.jsonl", "w", encoding="utf-8", errors="surrogatepass") as fh:
        for record in rows:
            fh.write(json.dumps(record, default=str) + "\n")
    for ext in ("csv", "parquet", "jsonl"):
        try:
            result = validate_contacts(tmp_path / f"r.{ext}", ContractConfig(chunk_size=chunk))
        except InputError as exc:
            # JSONL has no header: a file where no record has a required key is unusable as a whole
            assert ext == "jsonl" and "missing required column" in str(exc)
            assert not {"contact_id", "text"} <= set(rows[0])
            continue
        assert result.counts.read == result.counts.accepted + result.counts.quarantined
        assert result.counts.accepted == len(result.accepted)
        assert result.accepted["contact_id"].is_unique
        assert result.accepted["text"].map(lambda t: bool(t.strip())).all()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=400), ext=st.sampled_from(["csv", "jsonl", "parquet"]))
def test_random_bytes_give_a_result_or_a_clear_error(tmp_path: Path, data: bytes, ext: str) -> None:
    path = tmp_path / f"junk.{ext}"
    header = b"contact_id,text\n" if ext == "csv" else b""
    path.write_bytes(header + data)
    try:
        result = validate_contacts(path)
    except InputError as exc:
        assert str(path) in str(exc)
        return
    assert result.counts.reconciles
    assert result.counts.read == len(result.accepted) + len(result.quarantine)


def test_validator_counts_accumulate() -> None:
    validator = ContactValidator()
    raw = pd.DataFrame(
        {"contact_id": ["1", "2"], "text": ["a", ""], "source_row": [1, 2], "_problem": [None, None]}
    )
    validator.validate(raw)
    validator.validate(raw.assign(source_row=[3, 4]))
    assert (validator.counts.read, validator.counts.accepted, validator.counts.quarantined) == (4, 1, 3)


# -- dates: no relative words, one day/month order per file, a plausible range ----------------------


def _dates_csv(tmp_path: Path, dates: list[str]) -> Path:
    lines = [f"{i},parcel late,{d},chat,,,," for i, d in enumerate(dates, start=1)]
    return write_csv(tmp_path / "dates.csv", lines)


def test_relative_words_are_not_dates(tmp_path: Path) -> None:
    result = validate_contacts(_dates_csv(tmp_path, ["now", "today", "yesterday", "2026-11-03"]))
    assert result.counts.accepted == 1
    assert set(result.quarantine["reason"]) == {"bad_date"}


def test_day_month_order_is_decided_once_per_file(tmp_path: Path) -> None:
    # 13/04 can only be day first, so 03/04 in the same file is 3 April, not 4 March
    result = validate_contacts(_dates_csv(tmp_path, ["03/04/2026", "13/04/2026"]))
    days = sorted(result.accepted["created_at"].dt.strftime("%Y-%m-%d"))
    assert days == ["2026-04-03", "2026-04-13"]
    # and month first when only that order reads a date
    result = validate_contacts(_dates_csv(tmp_path, ["03/04/2026", "04/13/2026"]))
    assert sorted(result.accepted["created_at"].dt.strftime("%Y-%m-%d")) == ["2026-03-04", "2026-04-13"]


def test_ambiguous_dates_without_a_decision_are_quarantined_with_the_fix(tmp_path: Path) -> None:
    result = validate_contacts(_dates_csv(tmp_path, ["03/04/2026", "05/05/2026"]))
    assert list(result.accepted["created_at"].dt.strftime("%Y-%m-%d")) == ["2026-05-05"]
    assert "--dayfirst" in result.quarantine["detail"].iloc[0]
    decided = validate_contacts(_dates_csv(tmp_path, ["03/04/2026"]), ContractConfig(dayfirst=False))
    assert list(decided.accepted["created_at"].dt.strftime("%Y-%m-%d")) == ["2026-03-04"]


def test_a_file_mixing_both_orders_is_refused_naming_rows(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"mixes day-first .*row 1.* month-first .*row 2.*--dayfirst"):
        validate_contacts(_dates_csv(tmp_path, ["13/04/2026", "04/13/2026"]))


def test_cli_dayfirst_and_out_of_range_years(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = _dates_csv(tmp_path, ["03/04/2026", "0001-01-01", "9999-12-31", "1999-12-31"])
    out = tmp_path / "checked"
    assert main(["data", "validate", str(source), "--out", str(out), "--monthfirst"]) == 0
    accepted = pd.read_parquet(out / "contacts.parquet")
    assert list(accepted["created_at"].dt.strftime("%Y-%m-%d")) == ["2026-03-04"]
    quarantine = pd.read_parquet(out / "quarantine.parquet")
    assert len(quarantine) == 3
    assert "date_out_of_range" in capsys.readouterr().out


def test_utf16_and_other_delimiters_get_a_hint_naming_the_fix(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    utf16 = tmp_path / "excel-unicode.csv"
    utf16.write_bytes("contact_id,text\n1,parcel late\n".encode("utf-16"))
    semicolons = tmp_path / "semicolons.csv"
    semicolons.write_text("contact_id;text\n1;parcel late\n")
    tabs = tmp_path / "tabs.csv"
    tabs.write_text("contact_id\ttext\n1\tparcel late\n")
    for source, hint in ((utf16, "UTF-16"), (semicolons, "semicolons"), (tabs, "tabs")):
        assert main(["data", "validate", str(source), "--out", str(tmp_path / "o")]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and str(source) in err and hint in err and "\x00" not in err
