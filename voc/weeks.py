"""ISO weeks, the unit of every weekly report: ``2026-W47`` <-> its Monday.

Every stage names weeks the same way; this is the one parser and formatter.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

import pandas as pd

_WEEK = re.compile(r"^(\d{4})-W(\d{1,2})$")


def parse_iso_week(week: str) -> date:
    """Monday of ISO week ``YYYY-Www``; raises ``ValueError`` naming the week otherwise."""
    match = _WEEK.match(week.strip())
    if not match:
        raise ValueError(f"week {week!r} is not an ISO week like 2026-W47")
    try:
        return date.fromisocalendar(int(match.group(1)), int(match.group(2)), 1)
    except ValueError as exc:
        raise ValueError(f"week {week!r} does not exist: {exc}") from exc


def iso_week(day: date | datetime | pd.Timestamp) -> str:
    """ISO week name of ``day``, e.g. ``2026-W47``."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def week_start(ts: pd.Series) -> pd.Series:
    """Monday (midnight) of each timestamp's ISO week; ``ts`` naive or UTC-aware."""
    day = ts.dt.normalize()
    return day - pd.to_timedelta(day.dt.day_of_week, unit="D")


def weeks_ending(end_week: str, weeks: int) -> list[date]:
    """Mondays of the ``weeks`` ISO weeks that end with ``end_week``, oldest first."""
    last = parse_iso_week(end_week)
    return [last - timedelta(weeks=k) for k in range(weeks - 1, -1, -1)]
