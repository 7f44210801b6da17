"""Is a pain point really growing? Orders-adjusted tests of this week against trailing baselines.

:func:`weekly_test` runs two one-sided tests on a weekly series of contact counts:

* **week**: this week against the trailing ``baseline_weeks`` (4) weeks;
* **sustained**: the last ``sustained_weeks`` (3) weeks together against the ``baseline_weeks``
  weeks before them. A rise that builds over two or three weeks is partly absorbed by the trailing
  baseline of the week test; this one still sees it.

Both are the conditional binomial test of two Poisson rates: given ``n`` contacts on ``O`` orders
and ``b`` contacts on ``O_base`` baseline orders, under "no change" ``n ~ Binomial(n + b,
O / (O + O_base))``. Unlike a Poisson test against the baseline mean it accounts for the noise of
the baseline, and orders normalise for volume. A rise is significant when either test has
``p < alpha / 2`` (Bonferroni over the two) and this week has at least ``min_count`` contacts; a
fall when the week test's lower tail is below ``alpha`` and the baseline averaged ``min_count``.
Weeks without orders (no data) are skipped.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.stats import binom


@dataclass(frozen=True)
class RateTest:
    """Result for the last week of a series.

    ``expected`` is the baseline rate times this week's orders; ``change_pct`` the change of the
    rate against the trailing baseline (NaN without baseline contacts), ``sustained_change_pct``
    that of the last weeks pooled against the weeks before them; ``growth`` the score's
    growth component: ``min(1, log2((n + 1) / (expected + 1)))`` of the significant test with the
    larger ratio (a doubling or more scores 1), 0 without a significant rise.
    """

    contacts: int
    baseline_contacts: int
    baseline_orders: float
    expected: float
    change_pct: float
    p_up: float
    p_down: float
    p_sustained: float
    sustained_change_pct: float
    up: bool
    sustained: bool
    down: bool
    growth: float

    @property
    def rising(self) -> bool:
        return self.up or self.sustained

    @property
    def baseline_cpo(self) -> float:
        return 1000 * self.baseline_contacts / self.baseline_orders if self.baseline_orders > 0 else math.nan

    @property
    def p_value(self) -> float:
        """The p-value of the direction the week moved in (the smaller rise p-value when up)."""
        return self.p_down if self.contacts < self.expected else min(self.p_up, self.p_sustained)


def weekly_test(
    counts: np.ndarray,
    orders: np.ndarray,
    baseline_weeks: int = 4,
    alpha: float = 0.01,
    min_count: int = 10,
    sustained_weeks: int = 3,
) -> RateTest:
    """Test the last week of ``counts`` against the trailing baselines.

    Parameters
    ----------
    counts, orders : arrays of shape (n_weeks,), oldest first; the last entry is the week tested.
    baseline_weeks : weeks in each baseline.
    alpha : significance level (split over the two rise tests).
    min_count : fewest contacts this week for a rise; fewest a week in the baseline for a fall.
    sustained_weeks : recent weeks pooled by the sustained test.
    """
    counts = np.asarray(counts, dtype=float)
    orders = np.asarray(orders, dtype=float)
    weeks = [i for i in range(len(counts)) if orders[i] > 0]
    last = len(counts) - 1
    prior = [i for i in weeks if i < last][-baseline_weeks:]
    n, b = int(counts[last]), int(counts[prior].sum())
    o_now, o_base = float(orders[last]), float(orders[prior].sum())
    p_up, p_down = _p_values(n, b, o_now, o_base)
    expected = b * o_now / o_base if o_base > 0 else math.nan

    recent = [i for i in weeks if i > last - sustained_weeks]
    before = [i for i in weeks if i <= last - sustained_weeks][-baseline_weeks:]
    n_recent, b_before = counts[recent].sum(), counts[before].sum()
    o_recent, o_before = orders[recent].sum(), orders[before].sum()
    p_sustained, _ = _p_values(n_recent, b_before, o_recent, o_before)
    expected_recent = b_before * o_recent / o_before if o_before > 0 else math.nan

    up = p_up < alpha / 2 and n >= min_count
    sustained = p_sustained < alpha / 2 and n >= min_count and len(before) == baseline_weeks
    down = p_down < alpha and len(prior) > 0 and b / len(prior) >= min_count
    ratios = [(n + 1) / (_zero(expected) + 1)] if up else []
    if sustained:
        ratios.append((n_recent + 1) / (_zero(expected_recent) + 1))
    growth = max([0.0, *(min(1.0, math.log2(r)) for r in ratios)])
    change = _change(n, o_now, b, o_base)
    sustained_change = _change(n_recent, o_recent, b_before, o_before)
    return RateTest(
        n,
        b,
        o_base,
        expected,
        change,
        p_up,
        p_down,
        p_sustained,
        sustained_change,
        up,
        sustained,
        down,
        growth,
    )


def _change(n: float, o_now: float, b: float, o_base: float) -> float:
    """Change of the rate in percent; NaN without a baseline."""
    return 100 * ((n / o_now) / (b / o_base) - 1) if b > 0 and o_base > 0 and o_now > 0 else math.nan


def _zero(value: float) -> float:
    return 0.0 if math.isnan(value) else value


def _p_values(n: float, b: float, o_now: float, o_base: float) -> tuple[float, float]:
    """Upper and lower tail p-values of ``n`` contacts on ``o_now`` orders vs ``b`` on ``o_base``."""
    if o_base <= 0 or o_now <= 0 or n + b == 0:
        return 1.0, 1.0
    share = o_now / (o_now + o_base)
    total = int(n + b)
    return float(binom.sf(int(n) - 1, total, share)), float(binom.cdf(int(n), total, share))
