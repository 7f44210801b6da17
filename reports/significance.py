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
    tests = weekly_tests(counts[None, :], orders, baseline_weeks, alpha, min_count, sustained_weeks)
    return tests.at(0, len(counts) - 1)


@dataclass(frozen=True)
class RateTests:
    """:class:`RateTest` of every series and every week at once: arrays of shape (n_series, n_weeks)."""

    contacts: np.ndarray
    baseline_contacts: np.ndarray
    baseline_orders: np.ndarray
    expected: np.ndarray
    change_pct: np.ndarray
    p_up: np.ndarray
    p_down: np.ndarray
    p_sustained: np.ndarray
    sustained_change_pct: np.ndarray
    up: np.ndarray
    sustained: np.ndarray
    down: np.ndarray
    growth: np.ndarray

    @property
    def rising(self) -> np.ndarray:
        return self.up | self.sustained

    @property
    def p_value(self) -> np.ndarray:
        """Per cell, :attr:`RateTest.p_value`."""
        return np.where(self.contacts < self.expected, self.p_down, np.minimum(self.p_up, self.p_sustained))

    def at(self, *cell: int) -> RateTest:
        """The test of one cell: ``at(series, week)``, or ``at(series, market, week)`` for
        :func:`market_tests`."""
        return RateTest(
            contacts=int(self.contacts[cell]),
            baseline_contacts=int(self.baseline_contacts[cell]),
            baseline_orders=float(self.baseline_orders[cell]),
            expected=float(self.expected[cell]),
            change_pct=float(self.change_pct[cell]),
            p_up=float(self.p_up[cell]),
            p_down=float(self.p_down[cell]),
            p_sustained=float(self.p_sustained[cell]),
            sustained_change_pct=float(self.sustained_change_pct[cell]),
            up=bool(self.up[cell]),
            sustained=bool(self.sustained[cell]),
            down=bool(self.down[cell]),
            growth=float(self.growth[cell]),
        )


def weekly_tests(
    counts: np.ndarray,
    orders: np.ndarray,
    baseline_weeks: int = 4,
    alpha: float | np.ndarray = 0.01,
    min_count: int = 10,
    sustained_weeks: int = 3,
) -> RateTests:
    """:func:`weekly_test` of every week of every series: week ``t`` against the weeks before it.

    Parameters
    ----------
    counts : array of shape (n_series, n_weeks), oldest week first.
    orders : array of shape (n_weeks,), the orders shared by every series.
    alpha : significance level, or one per week (shape (n_weeks,)) when the number of tests
        that share it changes from week to week.

    The report tests its week and the dashboard every week of a range with this one function, so
    a week never gets two different answers.
    """
    counts = np.asarray(counts, dtype=float)
    orders = np.asarray(orders, dtype=float)
    k, n_weeks = counts.shape
    alphas = np.broadcast_to(np.asarray(alpha, dtype=float), (n_weeks,))
    with_orders = np.flatnonzero(orders > 0)
    # Which weeks each week is compared with: (n_weeks, n_weeks) 0/1 matrices, so that every sum
    # below is one matrix product and every p-value one call for all weeks.
    prior, recent, before = (np.zeros((n_weeks, n_weeks)) for _ in range(3))
    for t in range(n_weeks):
        prior[with_orders[with_orders < t][-baseline_weeks:], t] = 1
        recent[with_orders[(with_orders > t - sustained_weeks) & (with_orders <= t)], t] = 1
        before[with_orders[with_orders <= t - sustained_weeks][-baseline_weeks:], t] = 1
    n, b = counts, counts @ prior
    o_now, o_base = orders, orders @ prior
    n_recent, b_before = counts @ recent, counts @ before
    o_recent, o_before = orders @ recent, orders @ before
    p_up, p_down = _p_values(n, b, o_now, o_base)
    p_sustained, _ = _p_values(n_recent, b_before, o_recent, o_before)
    expected = _expected(b, o_now, o_base)
    expected_recent = _expected(b_before, o_recent, o_before)

    n_prior = prior.sum(axis=0)
    up = (p_up < alphas / 2) & (n >= min_count)
    sustained = (p_sustained < alphas / 2) & (n >= min_count) & (before.sum(axis=0) == baseline_weeks)
    down = (p_down < alphas) & (n_prior > 0) & (b / np.maximum(n_prior, 1) >= min_count)
    ratio_up = np.where(up, (n + 1) / (np.nan_to_num(expected) + 1), 1.0)
    ratio_sustained = np.where(sustained, (n_recent + 1) / (np.nan_to_num(expected_recent) + 1), 1.0)
    growth = np.clip(np.log2(np.maximum(np.maximum(ratio_up, ratio_sustained), 1.0)), 0.0, 1.0)
    return RateTests(
        contacts=n,
        baseline_contacts=b,
        baseline_orders=np.broadcast_to(o_base, (k, n_weeks)),
        expected=expected,
        change_pct=_change(n, o_now, b, o_base),
        p_up=p_up,
        p_down=p_down,
        p_sustained=p_sustained,
        sustained_change_pct=_change(n_recent, o_recent, b_before, o_before),
        up=up,
        sustained=sustained,
        down=down,
        growth=growth,
    )


def market_tests(
    counts: np.ndarray,
    orders: np.ndarray,
    baseline_weeks: int = 4,
    alpha: float = 0.01,
    min_count: int = 10,
    sustained_weeks: int = 3,
) -> RateTests:
    """:func:`weekly_tests` of each market's series, each at ``alpha / markets with orders`` that week.

    Parameters
    ----------
    counts : array of shape (n_series, n_markets, n_weeks).
    orders : array of shape (n_markets, n_weeks).

    Returns :class:`RateTests` whose arrays have shape (n_series, n_markets, n_weeks). Looking in
    every market does not multiply the false alarms (Bonferroni); with fewer than two markets with
    orders in a week there is nothing to split, and nothing is flagged there.
    """
    k, m, n_weeks = counts.shape
    active = (np.asarray(orders) > 0).sum(axis=0)
    alphas = np.where(active >= 2, alpha / np.maximum(active, 1), 0.0)
    per_market = [
        weekly_tests(counts[:, j, :], orders[j], baseline_weeks, alphas, min_count, sustained_weeks)
        for j in range(m)
    ]
    return RateTests(
        **{
            name: np.stack([getattr(t, name) for t in per_market], axis=1)
            if per_market
            else np.zeros((k, 0, n_weeks), dtype=bool if name in ("up", "sustained", "down") else float)
            for name in RateTest.__dataclass_fields__
        }
    )


def _expected(b: np.ndarray, o_now: np.ndarray, o_base: np.ndarray) -> np.ndarray:
    """Baseline rate times this week's orders; NaN without baseline orders."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(o_base > 0, b * o_now / np.where(o_base > 0, o_base, 1), math.nan)


def _change(n: np.ndarray, o_now: np.ndarray, b: np.ndarray, o_base: np.ndarray) -> np.ndarray:
    """Change of the rate in percent; NaN without a baseline."""
    ok = (b > 0) & (o_base > 0) & (o_now > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(ok, 100 * ((n / o_now) / (b / o_base) - 1), math.nan)


def _p_values(
    n: np.ndarray, b: np.ndarray, o_now: np.ndarray, o_base: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Upper and lower tail p-values of ``n`` contacts on ``o_now`` orders vs ``b`` on ``o_base``.

    1 where there is nothing to compare (no orders on either side, no contacts at all).
    """
    n, b = np.broadcast_arrays(n, b)
    o_now, o_base = np.broadcast_to(o_now, n.shape), np.broadcast_to(o_base, n.shape)
    ok = (o_base > 0) & (o_now > 0) & (n + b > 0)
    p_up, p_down = np.ones(n.shape), np.ones(n.shape)
    share = o_now[ok] / (o_now[ok] + o_base[ok])
    p_up[ok] = binom.sf(n[ok] - 1, n[ok] + b[ok], share)
    p_down[ok] = binom.cdf(n[ok], n[ok] + b[ok], share)
    return p_up, p_down
