"""Per pain point and week numbers of one selection, and the two tables made of them.

In: :class:`~reports.facts.ContactFacts`, the memberships in play and :class:`~reports.facts.Filters`.
Out: :class:`WeeklyStats`, arrays of shape (n_keys, n_weeks) of contacts, sums and the tests of
every week (:func:`reports.significance.weekly_tests`), and from them

* :meth:`WeeklyStats.summary`: one row per pain point over a range of weeks (the report's table
  for a one-week range, the dashboard's pain points for any range);
* :meth:`WeeklyStats.weekly`: one row per week and pain point (the tidy table and the dashboard's
  weekly view).

Both the report and the dashboard build their numbers here, so the same week and selection give
the same numbers and the same marks in both.

Numbers
-------
* ``cpo``: contacts per 1,000 orders of the selection's markets and categories; a channel or
  order-stage filter keeps those orders (orders cannot be split that way).
* ``change_pct``: a **fraction** (0.79 = +79%): the week's rate against its trailing
  ``baseline_weeks`` weeks (the last week of a range), NaN without a baseline.
* marks: ``up`` when the week's rise is significant (the week or the sustained test, overall or, with
  no segment filter, in one market at ``alpha / markets``), ``down`` for a significant fall. A
  view filtered to a segment tests at ``alpha`` divided by the number of values of each filtered
  dimension (markets with orders that week, channels, categories, order stages), the same
  Bonferroni split as the report's per-market tests, so browsing every segment does not multiply
  false alarms.
* ``csat``, ``nps``: mean CSAT and NPS (% promoters 9-10 minus % detractors 0-6) with their number
  of answers ``csat_n``, ``nps_n``; NaN under ``min_responses`` answers.
* ``csat_drag``, ``nps_drag``: how much the pain point pulls the selection's score down: the score
  of the selection's other contacts minus the whole selection's (points; positive = a drag).
* ``escalation_rate``, ``review_share`` (``needs_review``), ``repeat_contact_rate`` (contacts about an
  order that had another contact in the ``repeat_days`` before, among contacts with an order key):
  fractions.
* ``score`` (0-100): ``100 x (0.40 volume + 0.35 growth + 0.15 experience + 0.10 escalation)``, see
  :mod:`reports.ranking`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from reports.facts import SEGMENTS, ContactFacts, Filters, Membership
from reports.significance import RateTests, market_tests, weekly_tests
from voc.weeks import iso_week

WEIGHTS = {"volume": 0.40, "growth": 0.35, "experience": 0.15, "escalation": 0.10}
KEY_COLUMNS = ("key", "name", "kind", "family", "owner", "next_step", "proposed")


@dataclass(frozen=True)
class WeeklyStats:
    """Numbers of one selection; every array has shape (n_keys, n_weeks) unless noted."""

    facts: ContactFacts
    membership: Membership
    filters: Filters
    orders: np.ndarray  # (n_weeks,)
    sums: dict[str, np.ndarray]
    overall: dict[str, np.ndarray]  # (n_weeks,) over the selection's distinct contacts
    tests: RateTests
    markets: RateTests | None  # (n_keys, n_markets, n_weeks); None under a segment filter
    up: np.ndarray
    down: np.ndarray
    growth: np.ndarray
    is_new: np.ndarray
    in_play: np.ndarray  # (n_keys,) pain points of this selection

    def summary(self, first: int, last: int) -> pd.DataFrame:
        """One row per pain point over weeks ``first..last`` (indices), in key order.

        Pain points without contacts in the range or in the baseline of its last week are left out.
        The tests, ``status`` and ``change_pct`` are those of the last week.
        """
        facts, t = self.facts, self.tests
        weeks = slice(first, last + 1)
        s = {name: values[:, weeks].sum(axis=1) for name, values in self.sums.items()}
        rows = np.flatnonzero(self.in_play & ((s["contacts"] > 0) | (t.baseline_contacts[:, last] > 0)))
        if not len(rows):
            return pd.DataFrame(columns=[*KEY_COLUMNS, "contacts", "cpo", "score"])
        s = {name: values[rows] for name, values in s.items()}
        o = {name: values[weeks].sum() for name, values in self.overall.items()}
        orders = float(self.orders[weeks].sum())
        n = s["contacts"]
        up, down, is_new = self.up[rows, last], self.down[rows, last], self.is_new[rows, last]
        columns = {col: facts.keys[col].to_numpy()[rows] for col in KEY_COLUMNS}
        columns |= {
            "contacts": n.astype(int),
            "orders": np.full(len(rows), int(orders)),
            "cpo": 1000 * n / orders if orders > 0 else np.full(len(rows), np.nan),
            "share": n / max(o["contacts"], 1),
            **self._tests(rows, np.full(len(rows), last)),
            "sustained_change_pct": t.sustained_change_pct[rows, last] / 100,
            "significant": up | down,
            "direction": np.where(up, "up", np.where(down, "down", "")),
            "is_new": is_new,
            "status": np.select([is_new, up, down], ["new", "growing", "falling"], "steady"),
            "growth": self.growth[rows, last],
            **_experience(s, o, facts.config.min_responses),
        }
        out = pd.DataFrame(columns)
        out["score"] = _score(out)
        return out.drop(columns=["_csat_gap", "_nps_gap"])

    def weekly(self, first: int, last: int, keys: pd.Series | None = None) -> pd.DataFrame:
        """One row per week of ``first..last`` and pain point (``keys``: default those of
        :meth:`summary`), oldest week first, then in key order."""
        facts = self.facts
        if keys is None:
            keys = self.summary(first, last)["key"]
        rows = pd.Index(facts.keys["key"]).get_indexer(keys)
        rows = rows[rows >= 0]
        k, w = (a.ravel() for a in np.meshgrid(rows, np.arange(first, last + 1), indexing="xy"))
        names = np.array([iso_week(m) for m in facts.weeks], dtype=object)
        n, orders = self.sums["contacts"][k, w], self.orders[w]
        cell = {name: values[k, w] for name, values in self.sums.items()}
        total = {name: values[w] for name, values in self.overall.items()}
        experience = _experience(cell, total, facts.config.min_responses)
        columns = {"week": names[w], "week_start": facts.weeks.date[w]}
        columns |= {col: facts.keys[col].to_numpy()[k] for col in KEY_COLUMNS}
        columns |= {
            "contacts": n.astype(int),
            "orders": orders.astype(int),
            "cpo": _ratio(1000 * n, orders),
            **self._tests(k, w),
            "mark": np.where(self.up[k, w], "up", np.where(self.down[k, w], "down", "")),
        }
        keep = ("csat", "csat_n", "nps", "nps_n", "escalation_rate", "repeat_contact_rate", "review_share")
        columns |= {name: experience[name] for name in keep}
        return pd.DataFrame(columns)

    def _tests(self, k: np.ndarray, w: np.ndarray) -> dict[str, np.ndarray]:
        """Baseline, expectation, change (a fraction) and p-value of pain points ``k`` in weeks ``w``."""
        t = self.tests
        return {
            "baseline_contacts": t.baseline_contacts[k, w].astype(int),
            "baseline_cpo": _ratio(1000 * t.baseline_contacts[k, w], t.baseline_orders[k, w]),
            "expected": t.expected[k, w],
            "change_pct": t.change_pct[k, w] / 100,
            "p_value": t.p_value[k, w],
        }


def segment_table(
    facts: ContactFacts, membership: Membership, first: int, last: int, keys: pd.Series
) -> pd.DataFrame:
    """:meth:`WeeklyStats.weekly` of ``keys`` for all contacts and for each segment value.

    One row per week x pain point x segment: ``segment_type`` (``all``, ``market``, ``channel``,
    ``category``, ``order_stage``) and ``segment`` (``all`` or the value), then the columns of
    :meth:`WeeklyStats.weekly`. A pain point with no contact in a segment over the weeks is left
    out of that segment. The numbers are those of the dashboard filtered to the segment.
    """
    frames = []
    for dim in ("all", *SEGMENTS):
        for value in ["all"] if dim == "all" else facts.values(dim):
            filters = Filters() if dim == "all" else Filters(**{dim: value})
            frame = weekly_stats(facts, membership, filters).weekly(first, last, keys)
            active = frame.groupby("key")["contacts"].transform("sum") > 0
            frame = frame[active | (dim == "all")]
            frame.insert(2, "segment_type", dim)
            frame.insert(3, "segment", value)
            frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def weekly_stats(facts: ContactFacts, membership: Membership, filters: Filters) -> WeeklyStats:
    """The numbers of every pain point of ``membership`` in every week, under ``filters``."""
    config = facts.config
    contacts, keys = facts.contact_mask(filters), facts.key_mask(filters)
    sums = facts.key_sums(membership, contacts, keys)
    orders = facts.order_series(filters)
    args = (config.min_count, config.sustained_weeks)
    tests = weekly_tests(sums["contacts"], orders, config.baseline_weeks, _alpha(facts, filters), *args)
    up, growth = tests.rising, tests.growth
    markets = None
    if not filters.segments:
        counts = facts.market_counts(membership, keys)
        markets = market_tests(counts, facts.orders.sum(axis=1), config.baseline_weeks, config.alpha, *args)
        up = up | markets.rising.any(axis=1)
        if markets.growth.shape[1]:
            growth = np.maximum(growth, markets.growth.max(axis=1))
    is_new = facts.keys["is_new"].to_numpy()[:, None] | ((tests.baseline_contacts == 0) & tests.rising)
    in_play = membership.pain_points if keys is None else membership.pain_points & keys
    return WeeklyStats(
        facts=facts,
        membership=membership,
        filters=filters,
        orders=orders,
        sums=sums,
        overall=facts.overall_sums(membership, contacts, keys),
        tests=tests,
        markets=markets,
        up=up,
        down=tests.down & ~up,
        growth=growth,
        is_new=is_new,
        in_play=in_play,
    )


def _alpha(facts: ContactFacts, filters: Filters) -> np.ndarray:
    """Significance level per week: ``alpha`` split over the values of each filtered dimension."""
    alpha = np.full(len(facts.weeks), facts.config.alpha)
    for dim in filters.segments:
        if dim == "market":
            active = (facts.orders.sum(axis=1) > 0).sum(axis=0)
            alpha = alpha / np.maximum(active, 1)
        else:
            alpha = alpha / max(len(facts.values(dim)), 1)
    return alpha


def _experience(
    s: dict[str, np.ndarray], overall: dict[str, np.ndarray | float], min_responses: int
) -> dict[str, np.ndarray]:
    """CSAT, NPS (with answers and drags), escalation, review and repeat rates of each row."""
    n = s["contacts"]
    o_csat_n, o_nps_n = np.asarray(overall["csat_n"], float), np.asarray(overall["nps_n"], float)
    o_csat = _ratio(np.asarray(overall["csat_sum"], float), o_csat_n)
    o_nps = np.where(
        o_nps_n >= min_responses, _nps(overall["promoters"], overall["detractors"], o_nps_n), np.nan
    )
    csat = np.where(s["csat_n"] >= min_responses, _ratio(s["csat_sum"], s["csat_n"]), np.nan)
    nps = np.where(s["nps_n"] >= min_responses, _nps(s["promoters"], s["detractors"], s["nps_n"]), np.nan)
    rest_csat = _ratio(overall["csat_sum"] - s["csat_sum"], o_csat_n - s["csat_n"])
    rest_nps = _nps(
        overall["promoters"] - s["promoters"], overall["detractors"] - s["detractors"], o_nps_n - s["nps_n"]
    )
    return {
        "csat": csat,
        "csat_n": s["csat_n"].astype(int),
        "csat_vs_overall": csat - o_csat,
        "csat_drag": np.where(np.isnan(csat), np.nan, rest_csat - o_csat),
        "nps": nps,
        "nps_n": s["nps_n"].astype(int),
        "nps_vs_overall": nps - o_nps,
        "nps_drag": np.where(np.isnan(nps), np.nan, rest_nps - o_nps),
        "escalation_rate": _ratio(s["escalated"], n),
        "repeat_contact_rate": _ratio(s["repeat"], s["repeat_n"]),
        "review_share": _ratio(s["review"], n),
        # The score's experience parts: below the average, clipped to [0, 1] (1 point, 50 points).
        "_csat_gap": np.clip((o_csat - csat) / 1.0, 0, 1),
        "_nps_gap": np.clip((o_nps - nps) / 50.0, 0, 1),
    }


def _score(rows: pd.DataFrame) -> pd.Series:
    """``100 x (0.40 volume + 0.35 growth + 0.15 experience + 0.10 escalation)`` of each row."""
    top = max(int(rows["contacts"].max()), 1) if len(rows) else 1
    experience = rows[["_csat_gap", "_nps_gap"]].mean(axis=1, skipna=True).fillna(0.0)
    parts = {
        "volume": rows["contacts"] / top,
        "growth": rows["growth"],
        "experience": experience,
        "escalation": (rows["escalation_rate"].fillna(0.0) / 0.5).clip(0, 1),
    }
    total = pd.Series(0.0, index=rows.index)
    for name, part in parts.items():
        total += WEIGHTS[name] * part
    return 100 * total


def _ratio(num: np.ndarray | float, den: np.ndarray | float) -> np.ndarray:
    num, den = np.asarray(num, dtype=float), np.asarray(den, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1), np.nan)


def _nps(promoters: np.ndarray | float, detractors: np.ndarray | float, n: np.ndarray | float) -> np.ndarray:
    return 100 * (_ratio(promoters, n) - _ratio(detractors, n))
