"""Rank the week's pain points: root causes, proposed causes and emerging unlabelled themes.

:func:`build_report` turns tagged contacts (one row per contact with its predicted ``root_cause``),
optional theme assignments, the analysts' verdicts on themes and an orders table into a
:class:`WeeklyReport`: a ranked table, the week's headline numbers, breakdowns by market, category,
channel, order stage and family (:mod:`reports.breakdowns`), customer quotes
(:mod:`reports.verbatims`), 8-week trends and the tidy table of every trend week x pain point x
segment. A bad ``week``, or a week without contacts or orders, raises :class:`~voc.errors.InputError`.
The numbers come from :mod:`reports.weekly` on :mod:`reports.facts`, as the dashboard's do.

Pain points
-----------
* every **root cause** with contacts this week or in the baseline;
* every theme an analyst **proposed** as a new cause outside the taxonomy, under that name;
* every **emerging theme**: a discovered theme that no analyst has labelled or marked ``noise``,
  with at least ``min_count`` contacts this week that the taxonomy does not explain, either because
  at least ``review_share`` (50%) of its contacts this week are ``needs_review`` (the classifier was
  unsure), or because it is flagged ``is_new`` by discovery or grew significantly (the test below)
  while no single root cause holds ``explained_share`` (60%) of its contacts. A theme the classifier
  confidently maps to one cause is reported through that cause, not twice. A theme's
  ``needs_review`` contacts count for the theme only (not for the cause the unsure classifier
  guessed); its confident contacts count for both. A theme labelled with a root cause counts for
  that cause (its unsure contacts too); a theme marked ``noise`` is no pain point.

Numbers (the week is an ISO week, Monday to Sunday, UTC)
--------------------------------------------------------
* ``cpo``: contacts per 1,000 orders of the week (all markets and categories).
* ``baseline_cpo``: the same over the 4 weeks before (contacts and orders summed; a week with no
  contacts at all counts as missing data and is left out);
  ``change_pct`` = ``cpo / baseline_cpo - 1`` (a fraction); ``expected`` = baseline rate x this
  week's orders.
* significance (:mod:`reports.significance`): conditional binomial tests of two Poisson rates,
  orders-adjusted, so the baseline's own noise counts. Two one-sided tests: this week against the
  trailing 4 weeks, and the last 3 weeks pooled against the 4 weeks before them (a rise that built
  up over two or three weeks is partly absorbed by the trailing baseline). A rise is significant
  when either p < 0.005 (0.01 split over the two) and ``n >= min_count`` (10) this week; a fall when
  the lower tail p < 0.01 and the baseline averaged ``min_count`` a week. Each market is also
  tested (at 0.01 / number of markets); a significant rise in one market flags the pain point as
  growing, and ``growing_markets`` names the markets when the rise is not everywhere.
* ``csat``/``nps`` with their answers ``csat_n``/``nps_n`` (NaN under ``min_responses``),
  ``escalation_rate``, ``review_share``, ``repeat_contact_rate``: see :mod:`reports.weekly`.

Score (0-100; higher = more urgent)
-----------------------------------
``score = 100 * (0.40 volume + 0.35 growth + 0.15 experience + 0.10 escalation)`` where

* ``volume`` = contacts / the largest pain point's contacts (same as CPO relative to the top CPO);
* ``growth`` = ``min(1, log2((n + 1) / (expected + 1)))`` of the significant test (overall or in a
  market) with the largest ratio, else 0 (+50% scores 0.58, a doubling or brand new scores 1;
  noise scores nothing);
* ``experience`` = mean of the available drags: CSAT ``(overall - csat) / 1 point`` and NPS
  ``(overall - nps) / 50 points``, each clipped to [0, 1] and needing 5 responses;
* ``escalation`` = ``min(1, escalation rate / 50%)``.

So a significant new theme a quarter the size of the largest stable cause outranks it: a new
friction deserves at least as much attention as the biggest old one.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from reports.breakdowns import Summary, breakdowns, summarize
from reports.config import ReportConfig, pain_point_url
from reports.facts import ContactFacts, Filters
from reports.languages import review_reasons, unread_markets
from reports.operations_report import OperationsView, link_columns
from reports.secondary import second_reasons
from reports.significance import RateTest
from reports.verbatims import verbatims
from reports.weekly import WEIGHTS, WeeklyStats, segment_table, weekly_stats
from voc.errors import InputError
from voc.taxonomy import Taxonomy
from voc.weeks import iso_week, last_complete_week, parse_iso_week

__all__ = ["WEIGHTS", "ReportConfig", "WeeklyReport", "build_report", "report_from_facts", "with_operations"]


def build_report(
    tagged: pd.DataFrame,
    orders: pd.DataFrame,
    taxonomy: Taxonomy,
    week: str | None = None,
    themes: pd.DataFrame | None = None,
    assignments: pd.DataFrame | None = None,
    config: ReportConfig | None = None,
    verdicts: pd.DataFrame | None = None,
) -> WeeklyReport:
    """Rank the pain points of ``week`` (``"2026-W47"``; default the last complete week).

    Parameters
    ----------
    tagged : DataFrame of shape (n_contacts, ...) with ``contact_id``, ``root_cause``,
        ``created_at`` (UTC) and ``clean_text``; optional ``family``, ``confidence``,
        ``needs_review``, ``channel``, ``market``, ``category``, ``order_stage``, ``csat``, ``nps``,
        ``escalated``, ``order_key``.
    orders : DataFrame with ``date``, ``market``, ``category``, ``orders``.
    taxonomy : names, families, owners and next steps of the root causes.
    themes, assignments : the theme table and contact -> theme assignments (optional).
    verdicts : the analysts' latest decision per theme (optional): ``theme_id``, ``action``
        (``accept``, ``merge_into``, ``split``, ``noise``), ``label`` and optionally ``proposed``
        (the name of a new cause outside the taxonomy); see :mod:`reports.facts`.

    Raises
    ------
    InputError
        When ``week`` is not an ISO week, or the week has no contacts or no orders.
    """
    config = config or ReportConfig()
    facts = ContactFacts(tagged, orders, taxonomy, themes, assignments, verdicts, config)
    return report_from_facts(facts, week)


def report_from_facts(facts: ContactFacts, week: str | None = None) -> WeeklyReport:
    """:func:`build_report` on already indexed facts (the dashboard's, for instance)."""
    config = facts.config
    monday = _parse_week(week) if week else last_complete_week(facts.contacts["created_at"])
    t = facts.week_index(monday)
    if t is None or not facts.has_data[t]:
        raise InputError(f"tagged contacts: no contacts in week {iso_week(monday)}")
    membership = facts.membership(facts.pain_points(t, t))
    stats = weekly_stats(facts, membership, Filters())
    if stats.orders[t] <= 0:
        raise InputError(f"orders: no orders in week {iso_week(monday)}; the CPO needs them")
    first = t - config.trend_weeks + 1
    trend = [iso_week(w) for w in facts.weeks[first : t + 1]]
    table = _rank(stats, t, first, trend)
    summary = summarize(stats, t, table)
    tidy = segment_table(facts, membership, first, t, table["key"]) if len(table) else pd.DataFrame()
    tidy.insert(0, "report_week", summary.week)
    week_contacts = facts.contacts[facts.contacts["week"].to_numpy() == t]
    return WeeklyReport(
        summary,
        table,
        breakdowns(facts, t),
        trend,
        config,
        tidy,
        review_reasons=review_reasons(week_contacts),
        unread=unread_markets(week_contacts),
        second_reasons=second_reasons(facts, t),
    )


@dataclass(frozen=True)
class WeeklyReport:
    """Everything the renderers need.

    ``table`` is the ranked pain points (one row each), ``weekly`` the tidy table (one row per
    trend week x pain point x segment, :func:`reports.weekly.segment_table`), ``operations`` the
    KPIs and links of the order events when the report was given them (:func:`with_operations`),
    ``second_reasons`` the causes contacts named besides the one they count for
    (:mod:`reports.secondary`).
    """

    summary: Summary
    table: pd.DataFrame
    breakdowns: dict[str, pd.DataFrame]
    trend_weeks: list[str]
    config: ReportConfig = field(default_factory=ReportConfig)
    weekly: pd.DataFrame = field(default_factory=pd.DataFrame)
    operations: OperationsView | None = None
    # why the week's contacts need review, and the markets whose contacts were not understood
    # (another language, nothing to read): :mod:`reports.languages`
    review_reasons: pd.DataFrame = field(default_factory=pd.DataFrame)
    unread: pd.DataFrame = field(default_factory=pd.DataFrame)
    second_reasons: pd.DataFrame = field(default_factory=pd.DataFrame)


def with_operations(report: WeeklyReport, view: OperationsView) -> WeeklyReport:
    """``report`` with an operations section and, on each pain point, its operational link and
    the owner team's next step (:func:`reports.operations_report.link_columns`).

    ``view`` from :func:`reports.operations_report.operations_view` with the report's trend weeks
    as ``weeks`` and its week as ``link_weeks``.
    """
    table = link_columns(report.table, view.links) if len(report.table) else report.table
    return replace(report, table=table, operations=view)


def _parse_week(week: str) -> pd.Timestamp:
    """Monday of the ``--week`` option's ISO week; a bad week is the user's input error."""
    try:
        return pd.Timestamp(parse_iso_week(week))
    except ValueError as exc:
        raise InputError(f"--week {exc}") from exc


def _rank(stats: WeeklyStats, t: int, first: int, trend: list[str]) -> pd.DataFrame:
    """The week's pain points, most urgent first, with trends, rise texts, links and quotes."""
    facts, config = stats.facts, stats.facts.config
    table = stats.summary(t, t)
    if table.empty:
        return table
    rows = pd.Index(facts.keys["key"]).get_indexer(table["key"])
    orders = stats.orders[first : t + 1]
    counts = stats.sums["contacts"][rows, first : t + 1]
    with np.errstate(divide="ignore", invalid="ignore"):
        cpo = np.where(orders > 0, 1000 * counts / np.where(orders > 0, orders, 1), 0.0)
    table["trend_contacts"] = [[int(c) for c in row] for row in counts]
    table["trend_cpo"] = [[float(c) for c in row] for row in cpo]
    tests = [stats.tests.at(int(r), t) for r in rows]
    table["rise"] = [
        _rise_text(test, config.sustained_weeks) if up else ""
        for test, up in zip(tests, table["direction"] == "up", strict=True)
    ]
    table["growing_markets"] = [
        _growing_markets(stats, int(r), t, test) for r, test in zip(rows, tests, strict=True)
    ]
    table["url"] = [pain_point_url(config.app_url, key, trend[0], trend[-1]) for key in table["key"]]
    table["verbatims"] = _verbatims(stats, t, table["key"])
    table = table.sort_values(["score", "contacts"], ascending=False, kind="stable").reset_index(drop=True)
    table.insert(0, "rank", np.arange(1, len(table) + 1))
    return table


def _growing_markets(stats: WeeklyStats, row: int, t: int, test: RateTest) -> str:
    """``DE +200%, FR new``: the markets where the pain point rose significantly, when the rise
    is concentrated there (not when it is everywhere)."""
    markets = stats.markets
    if markets is None:
        return ""
    names, weeks = stats.facts.values("market"), stats.facts.config.sustained_weeks
    rising = np.flatnonzero(markets.rising[row, :, t])
    rises = [f"{names[m]} {_rise_text(markets.at(row, int(m), t), weeks)}" for m in rising]
    active = int((stats.facts.orders.sum(axis=1)[:, t] > 0).sum())
    return ", ".join(rises) if not test.rising or len(rises) <= max(1, active // 2) else ""


def _rise_text(test: RateTest, weeks: int) -> str:
    """``new``, ``+120%`` (this week) or ``+60% over 3 weeks`` (a sustained rise)."""
    if test.baseline_contacts == 0:
        return "new"
    if test.up or not test.sustained:
        return f"{test.change_pct:+.0f}%"
    return f"{test.sustained_change_pct:+.0f}% over {weeks} weeks"


def _verbatims(stats: WeeklyStats, t: int, keys: pd.Series) -> list[list[str]]:
    """Customer quotes of each pain point in week ``t`` (:func:`reports.verbatims.verbatims`)."""
    facts, config, m = stats.facts, stats.facts.config, stats.membership
    in_week = np.flatnonzero(facts.contacts["week"].to_numpy()[m.contact] == t)
    contacts = facts.contacts.iloc[m.contact[in_week]][["clean_text", "needs_review", "created_at"]]
    rows = contacts.assign(weight=m.weight[in_week], key=facts.keys["key"].to_numpy()[m.key[in_week]])
    groups = dict(list(rows.groupby("key", sort=False)))
    empty = rows.iloc[0:0]
    return [verbatims(groups.get(key, empty), config.n_verbatims, config.verbatim_chars) for key in keys]
