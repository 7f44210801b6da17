"""Weeks, days and the daily orders table of a synthetic period.

Weeks are ISO weeks (Monday to Sunday) named like ``2026-W47`` (:mod:`voc.weeks`); the period
ends with a fixed week rather than today, so a seed always gives the same data.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd

from voc.weeks import weeks_ending

# Contacts peak on Monday and Tuesday (weekend problems surface) and dip at the weekend.
CONTACT_WEEKDAY = np.array([1.28, 1.16, 1.02, 0.97, 0.92, 0.76, 0.82])
# People shop most on Sunday evening and Monday, least on Friday and Saturday.
ORDER_WEEKDAY = np.array([1.10, 1.02, 0.98, 0.97, 0.90, 0.92, 1.12])
# Local hour of day of a contact, by channel kind (agents answer in business hours).
_HOURS_STAFFED = np.array(
    [0, 0, 0, 0, 0, 0, 0.2, 1, 3, 5, 6, 6, 5, 5, 5, 4.5, 4.5, 4, 4, 4.5, 4.5, 3, 1.5, 0.3]
)
_HOURS_SELF = np.array(
    [0.5, 0.2, 0.1, 0.05, 0.05, 0.1, 0.4, 1.5, 2.5, 3, 3, 3, 3.5, 3.5, 3, 3, 3, 3.5, 4, 5, 6, 6.5, 5, 2]
)
UTC_OFFSET = {"UK": 0, "DE": 1, "FR": 1, "ES": 1, "US": -5}


def period_days(end_week: str, weeks: int) -> list[date]:
    """Every day of the ``weeks`` ISO weeks that end with ``end_week``, oldest first."""
    return [monday + timedelta(days=d) for monday in weeks_ending(end_week, weeks) for d in range(7)]


def hour_weights(channel: str, market: str) -> np.ndarray:
    """Probability of each UTC hour for a contact of ``channel`` in ``market``."""
    local = _HOURS_STAFFED if channel in ("chat", "call") else _HOURS_SELF
    utc = np.roll(local, -UTC_OFFSET.get(market, 0))
    return utc / utc.sum()


def orders_table(
    days: list[date],
    market_share: dict[str, float],
    category_share: dict[str, float],
    daily_orders: float,
    rng: np.random.Generator,
) -> pd.DataFrame:
    """Orders by day x market x category: weekday seasonality, a mild upward trend, noise.

    Parameters
    ----------
    days : the days of the period.
    market_share, category_share : shares of orders (each sums to about 1).
    daily_orders : average orders per day over all markets and categories.

    Returns
    -------
    DataFrame of shape (n_days * n_markets * n_categories, 4): ``date`` (datetime64), ``market``,
    ``category``, ``orders`` (int64).
    """
    n = len(days)
    trend = 1.0 + 0.12 * np.linspace(-0.5, 0.5, n)  # +12 % over the period, towards peak season
    weekday = ORDER_WEEKDAY[[d.weekday() for d in days]]
    rows = []
    for market, m_share in market_share.items():
        for category, c_share in category_share.items():
            mean = daily_orders * m_share * c_share * trend * weekday
            noisy = mean * rng.lognormal(0.0, 0.06, size=n)
            counts = rng.poisson(noisy)
            rows.append(
                pd.DataFrame(
                    {"date": pd.to_datetime(days), "market": market, "category": category, "orders": counts}
                )
            )
    table = pd.concat(rows, ignore_index=True).sort_values(["date", "market", "category"], kind="stable")
    table["orders"] = table["orders"].astype("int64")
    return table.reset_index(drop=True)
