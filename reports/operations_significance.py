"""Significance of an operational KPI's week against the trailing weeks, as for contacts.

:func:`rate_test`: a rate KPI is a count that makes it worse (refused cancellations, late refunds,
contacts) over a denominator (cancellation outcomes, refunds paid, orders); the count is tested
against its denominator with :func:`reports.significance.weekly_test`, the test of contacts against
orders (the week and the last 3 weeks against the 4 before). A significant rise is ``worse``, a
significant fall ``better``.

:func:`duration_test`: the week's durations (a histogram of whole hours) against those of the 4
weeks before, by a one-sided Mann-Whitney U test with ties (normal approximation), each side at
``alpha / 2``; at least ``min_count`` durations on each side.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import norm

from reports.significance import weekly_test


@dataclass(frozen=True)
class RateKpiTest:
    p_value: float
    mark: str
    baseline_bad: float
    baseline_denominator: float


def rate_test(bad: np.ndarray, denominator: np.ndarray, alpha: float, min_count: int = 10) -> RateKpiTest:
    """Test the last week of ``bad`` over ``denominator`` (arrays of shape (n_weeks,), oldest first)."""
    test = weekly_test(bad, denominator, alpha=alpha, min_count=min_count)
    mark = "worse" if test.rising else "better" if test.down else ""
    return RateKpiTest(float(test.p_value), mark, float(test.baseline_contacts), float(test.baseline_orders))


def duration_test(
    now: pd.Series, baseline: pd.Series | None, alpha: float, min_count: int = 10
) -> tuple[float, str]:
    """``(p_value, mark)`` of durations ``now`` against ``baseline`` (counts indexed by whole hours).

    ``mark`` is ``worse`` when this week's durations are significantly longer, ``better`` when
    shorter, ``''`` otherwise; the p-value is that of the side the week moved to (NaN without
    a baseline).
    """
    if baseline is None or baseline.sum() == 0 or now.sum() == 0:
        return math.nan, ""
    bins = np.union1d(now.index.to_numpy(), baseline.index.to_numpy())
    a = now.reindex(bins, fill_value=0).to_numpy(float)
    b = baseline.reindex(bins, fill_value=0).to_numpy(float)
    n1, n2 = a.sum(), b.sum()
    below = np.concatenate([[0.0], np.cumsum(b)[:-1]])
    u = float((a * (below + 0.5 * b)).sum())  # pairs where this week's duration is longer, ties half
    total = n1 + n2
    ties = a + b
    variance = n1 * n2 / 12 * ((total + 1) - (ties**3 - ties).sum() / (total * (total - 1)))
    if variance <= 0:
        return 1.0, ""
    z = (u - n1 * n2 / 2) / math.sqrt(variance)
    p_up, p_down = float(norm.sf(z)), float(norm.cdf(z))
    enough = n1 >= min_count and n2 >= min_count
    if enough and p_up < alpha / 2:
        return p_up, "worse"
    if enough and p_down < alpha / 2:
        return p_down, "better"
    return (p_up if z > 0 else p_down), ""
