"""ISO weeks (voc.weeks): parsing at year boundaries, Mondays, the last complete week."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from voc.weeks import iso_week, last_complete_week, parse_iso_week, week_start, weeks_ending


def test_week_53_exists_only_in_long_years() -> None:
    assert parse_iso_week("2020-W53") == dt.date(2020, 12, 28)
    assert parse_iso_week("2026-W53") == dt.date(2026, 12, 28)  # 2026 starts on a Thursday
    with pytest.raises(ValueError, match=r"^'2025-W53' does not exist: 2025 has weeks 1 to 52$"):
        parse_iso_week("2025-W53")
    with pytest.raises(ValueError, match="does not exist"):
        parse_iso_week("2026-W00")


def test_week_1_can_start_in_the_year_before() -> None:
    assert parse_iso_week("2025-W01") == dt.date(2024, 12, 30)
    assert iso_week(dt.date(2024, 12, 30)) == "2025-W01"
    assert iso_week(dt.date(2021, 1, 3)) == "2020-W53"


@pytest.mark.parametrize("text", ["47", "W47", "2026-11-16", "2026-W147", "26-W47", ""])
def test_anything_else_is_not_an_iso_week(text: str) -> None:
    with pytest.raises(ValueError, match="is not an ISO week such as 2026-W47"):
        parse_iso_week(text)


def test_spellings_and_round_trip() -> None:
    assert parse_iso_week(" 2026w47 ") == parse_iso_week("2026-W47") == parse_iso_week("2026-W47".lower())
    monday = dt.date(2019, 12, 30)
    for k in range(60 * 7):
        day = monday + dt.timedelta(days=k)
        assert parse_iso_week(iso_week(day)) == day - dt.timedelta(days=day.weekday())


def test_week_start_of_a_sunday_is_the_monday_before() -> None:
    ts = pd.Series(pd.to_datetime(["2026-11-22 23:59", "2026-11-23 00:00"]))
    assert week_start(ts).tolist() == [pd.Timestamp("2026-11-16"), pd.Timestamp("2026-11-23")]
    aware = pd.Series(pd.to_datetime(["2026-11-22 23:59"], utc=True))
    assert week_start(aware).iloc[0] == pd.Timestamp("2026-11-16", tz="UTC")
    assert iso_week(pd.Timestamp("2026-11-22")) == "2026-W47"


def test_weeks_ending_and_the_last_complete_week() -> None:
    assert weeks_ending("2026-W01", 2) == [dt.date(2025, 12, 22), dt.date(2025, 12, 29)]
    sunday = pd.Series(pd.to_datetime(["2026-11-22 23:00"], utc=True))
    tuesday = pd.Series(pd.to_datetime(["2026-11-24 08:00"], utc=True))
    assert last_complete_week(sunday) == pd.Timestamp("2026-11-16")
    assert last_complete_week(tuesday) == pd.Timestamp("2026-11-16")
