"""ISO weeks, the unit of every weekly report: ``2026-W47`` <-> its Monday.

Every stage names weeks the same way; this is the one parser and formatter. In: a week name
(``2026-W47``; ``2026W47`` and a lower-case ``w`` are accepted too) or dates and timestamps. Out:
Mondays (``date``, or midnight ``Timestamp`` for pandas columns) and week names. A name that is not
an ISO week, or a week its year does not have (``2025-W53``), raises ``ValueError``; callers turn
it into their own input error naming the option or field.
"""

from __future__ import annotations

import re
from datetime import MAXYEAR, MINYEAR, date, datetime, timedelta

import pandas as pd

_WEEK = re.compile(r"^(\d{4})-?W(\d{1,2})$", re.IGNORECASE)


def parse_iso_week(week: str) -> date:
    """Monday of ISO week ``YYYY-Www``; raises ``ValueError`` naming the week otherwise."""
    match = _WEEK.match(week.strip())
    if not match:
        raise ValueError(f"{week!r} is not an ISO week such as 2026-W47")
    year, number = int(match.group(1)), int(match.group(2))
    try:
        return date.fromisocalendar(year, number, 1)
    except ValueError as exc:
        reason = str(exc)
        if MINYEAR <= year <= MAXYEAR:  # 28 December is always in the last ISO week of its year
            reason = f"{year} has weeks 1 to {date(year, 12, 28).isocalendar()[1]}"
        raise ValueError(f"{week!r} does not exist: {reason}") from exc


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


def last_complete_week(created_at: pd.Series) -> pd.Timestamp:
    """Monday of the last ISO week whose Sunday is on or before the latest (UTC-aware) timestamp's date."""
    latest = created_at.max().tz_convert(None).normalize()
    monday = latest - pd.Timedelta(days=latest.day_of_week)
    return monday if latest.day_of_week == 6 else monday - pd.Timedelta(weeks=1)
