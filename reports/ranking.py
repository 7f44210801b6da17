"""Rank the week's pain points: root causes and emerging unlabelled themes.

:func:`build_report` turns tagged contacts (one row per contact with its predicted ``root_cause``),
optional theme assignments and an orders table into a :class:`WeeklyReport`: a ranked table, the
week's headline numbers, breakdowns by market, category, channel, order stage and family
(:mod:`reports.breakdowns`), customer quotes (:mod:`reports.verbatims`) and 8-week trends. A bad
``week``, or a week without contacts or orders, raises :class:`~voc.errors.InputError`.

Pain points
-----------
* every **root cause** with contacts this week or in the baseline;
* every **emerging theme**: a discovered theme that no analyst has named yet (``label`` null) with at
  least ``min_count`` contacts this week that the taxonomy does not explain, either because at least
  ``review_share`` (50%) of its contacts this week are ``needs_review`` (the classifier was unsure),
  or because it is flagged ``is_new`` by discovery or grew significantly (the test below) while no
  single root cause holds ``explained_share`` (60%) of its contacts. A theme the classifier
  confidently maps to one cause is reported through that cause, not twice. An emerging theme's
  ``needs_review`` contacts count for the theme only (not for the cause the unsure classifier
  guessed); its confident contacts count for both.

Numbers (the week is an ISO week, Monday to Sunday, UTC)
--------------------------------------------------------
* ``cpo``: contacts per 1,000 orders of the week (all markets and categories).
* ``baseline_cpo``: the same over the 4 weeks before (contacts and orders summed; a week with no
  contacts at all counts as missing data and is left out);
  ``change_pct`` = ``cpo / baseline_cpo - 1``; ``expected`` = baseline rate x this week's orders.
* significance (:mod:`reports.significance`): conditional binomial tests of two Poisson rates,
  orders-adjusted, so the baseline's own noise counts. Two one-sided tests: this week against the
  trailing 4 weeks, and the last 3 weeks pooled against the 4 weeks before them (a rise that built
  up over two or three weeks is partly absorbed by the trailing baseline). A rise is significant
  when either p < 0.005 (0.01 split over the two) and ``n >= min_count`` (10) this week; a fall when
  the lower tail p < 0.01 and the baseline averaged ``min_count`` a week. Each market is also
  tested (at 0.01 / number of markets); a significant rise in one market flags the pain point as
  growing, and ``growing_markets`` names the markets when the rise is not everywhere.

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

import math
import re
from dataclasses import dataclass, field
from typing import Any, cast

import numpy as np
import pandas as pd

from reports.breakdowns import Summary, breakdowns, net_promoter_score, summarize
from reports.significance import RateTest, weekly_test
from reports.verbatims import verbatims
from voc.errors import InputError
from voc.taxonomy import Taxonomy
from voc.weeks import iso_week, last_complete_week, parse_iso_week
from voc.weeks import week_start as week_start_of

WEIGHTS = {"volume": 0.40, "growth": 0.35, "experience": 0.15, "escalation": 0.10}
UNASSIGNED_OWNER = "Unassigned (triage)"


def build_report(
    tagged: pd.DataFrame,
    orders: pd.DataFrame,
    taxonomy: Taxonomy,
    week: str | None = None,
    themes: pd.DataFrame | None = None,
    assignments: pd.DataFrame | None = None,
    config: ReportConfig | None = None,
) -> WeeklyReport:
    """Rank the pain points of ``week`` (``"2026-W47"``; default the last complete week).

    Parameters
    ----------
    tagged : DataFrame of shape (n_contacts, ...) with ``contact_id``, ``root_cause``,
        ``created_at`` (UTC) and ``clean_text``; optional ``family``, ``confidence``,
        ``needs_review``, ``channel``, ``market``, ``order_stage``, ``csat``, ``nps``, ``escalated``.
    orders : DataFrame with ``date``, ``market``, ``category``, ``orders``.
    taxonomy : names, families and owners of the root causes.
    themes, assignments : the theme table and contact -> theme assignments (optional).

    Raises
    ------
    InputError
        When ``week`` is not an ISO week, or the week has no contacts or no orders.
    """
    config = config or ReportConfig()
    contacts = _with_weeks(tagged)
    contacts["family"] = contacts["family"].fillna(contacts["root_cause"].map(taxonomy.family_of))
    orders = orders.assign(week_start=week_start_of(pd.to_datetime(orders["date"])))
    week_start = _parse_week(week) if week else last_complete_week(contacts["created_at"])
    # History: the trend plus enough weeks before it for every week's own baseline.
    history = max(config.trend_weeks, config.baseline_weeks + config.sustained_weeks)
    weeks = [week_start - pd.Timedelta(weeks=k) for k in range(history - 1, -1, -1)]
    market_orders = orders.pivot_table("orders", "market", "week_start", aggfunc="sum", fill_value=0)
    market_orders = market_orders.reindex(columns=weeks, fill_value=0)
    # A week without a single contact is missing data (before the export began), not zero contacts:
    # dropping its orders keeps it out of the baseline rate instead of making everything look new.
    no_data = [w for w in weeks if w not in set(contacts["week_start"].unique())]
    market_orders[no_data] = 0
    week_orders = market_orders.sum(axis=0)
    this = contacts[contacts["week_start"] == week_start]
    if this.empty:
        raise InputError(f"tagged contacts: no contacts in week {iso_week(week_start)}")
    if week_orders.iloc[-1] <= 0:
        raise InputError(f"orders: no orders in week {iso_week(week_start)}; the CPO needs them")

    stats = _ItemStats(contacts, market_orders, weeks, taxonomy, themes, config)
    table = _rank(contacts, themes, assignments, stats, config)
    summary = summarize(contacts, this, week_orders, week_start, table)
    by = breakdowns(contacts, this, orders, week_start, week_orders, config.baseline_weeks)
    trend = [iso_week(w) for w in weeks[-config.trend_weeks :]]
    return WeeklyReport(summary, table, by, trend, config)


@dataclass(frozen=True)
class ReportConfig:
    """Settings of the weekly report.

    Parameters
    ----------
    baseline_weeks : weeks before the report week that form the baseline (4).
    trend_weeks : weeks in the trend sparklines and chart, report week included (8).
    alpha : significance level of the growth/fall tests (0.01).
    min_count : fewest contacts this week for a significant growth flag or an emerging theme (10).
    review_share : share of ``needs_review`` contacts that makes an unlabelled theme emerging (0.5).
    explained_share : a new or growing theme with this share of its contacts in one root cause is
        explained by that cause and not reported as a theme (0.6).
    n_verbatims : customer quotes per pain point (3).
    verbatim_chars : quotes are cut to this many characters (180).
    min_responses : fewest CSAT/NPS answers before a drag counts (5).
    sustained_weeks : recent weeks pooled by the sustained-rise test (3).
    """

    baseline_weeks: int = 4
    trend_weeks: int = 8
    alpha: float = 0.01
    min_count: int = 10
    review_share: float = 0.5
    explained_share: float = 0.6
    n_verbatims: int = 3
    verbatim_chars: int = 180
    min_responses: int = 5
    sustained_weeks: int = 3

    def __post_init__(self) -> None:
        if not 1 <= self.baseline_weeks <= 26:
            raise ValueError(f"baseline_weeks must be 1..26, got {self.baseline_weeks}")
        if self.trend_weeks < self.baseline_weeks + 1:
            raise ValueError("trend_weeks must cover the baseline and the report week")
        if not 0 < self.alpha < 0.5:
            raise ValueError(f"alpha must be in (0, 0.5), got {self.alpha}")
        if self.min_count < 1 or self.n_verbatims < 0 or self.min_responses < 1:
            raise ValueError("min_count and min_responses must be >= 1 and n_verbatims >= 0")
        if not 0 < self.review_share <= 1 or not 0 < self.explained_share <= 1:
            raise ValueError("review_share and explained_share must be in (0, 1]")
        if not 2 <= self.sustained_weeks <= self.trend_weeks - self.baseline_weeks:
            raise ValueError("sustained_weeks must be >= 2 and leave room for a baseline in the trend")
        if self.verbatim_chars < 20:
            raise ValueError("verbatim_chars must be at least 20")


@dataclass(frozen=True)
class WeeklyReport:
    """Everything the renderers need; ``table`` is the ranked pain points (one row each)."""

    summary: Summary
    table: pd.DataFrame
    breakdowns: dict[str, pd.DataFrame]
    trend_weeks: list[str]
    config: ReportConfig = field(default_factory=ReportConfig)


def _parse_week(week: str) -> pd.Timestamp:
    """Monday of the ``--week`` option's ISO week; a bad week is the user's input error."""
    try:
        return pd.Timestamp(parse_iso_week(week))
    except ValueError as exc:
        raise InputError(f"--week {exc}") from exc


def _with_weeks(tagged: pd.DataFrame) -> pd.DataFrame:
    df = tagged.copy()
    df["created_at"] = pd.to_datetime(df["created_at"], utc=True)
    df["week_start"] = week_start_of(df["created_at"].dt.tz_convert(None))
    defaults: dict[str, Any] = {
        "family": None,
        "confidence": 1.0,
        "needs_review": False,
        "channel": None,
        "market": None,
        "order_stage": None,
        "csat": np.nan,
        "nps": np.nan,
        "escalated": False,
    }
    for col, value in defaults.items():
        if col not in df:
            df[col] = value
    df["csat"] = pd.to_numeric(df["csat"], errors="coerce").astype("float64")
    df["nps"] = pd.to_numeric(df["nps"], errors="coerce").astype("float64")
    df["escalated"] = df["escalated"].astype("boolean").fillna(False).astype(bool)
    df["needs_review"] = df["needs_review"].astype("boolean").fillna(False).astype(bool)
    df["confidence"] = pd.to_numeric(df["confidence"], errors="coerce").fillna(0.0)
    df["clean_text"] = df["clean_text"].fillna("").astype(str)
    df["contact_id"] = df["contact_id"].astype(str)
    return df


def _memberships(
    contacts: pd.DataFrame, themes: pd.DataFrame | None, assignments: pd.DataFrame | None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Long tables ``(contact_id, key, kind, weight)`` of root causes and of unlabelled themes."""
    causes = pd.DataFrame(
        {
            "contact_id": contacts["contact_id"],
            "key": contacts["root_cause"].astype(str),
            "kind": "root_cause",
            "weight": contacts["confidence"],
        }
    )
    empty = causes.iloc[0:0]
    if themes is None or assignments is None or themes.empty:
        return causes, empty
    unlabelled = themes.loc[themes["label"].isna() & (themes["theme_id"] >= 0), "theme_id"]
    assigned = assignments[assignments["theme_id"].isin(unlabelled)]
    probability = (
        assigned["probability"] if "probability" in assigned else pd.Series(1.0, index=assigned.index)
    )
    theme_rows = pd.DataFrame(
        {
            "contact_id": assigned["contact_id"].astype(str),
            "key": "theme:" + assigned["theme_id"].astype(int).astype(str),
            "kind": "theme",
            "weight": pd.to_numeric(probability, errors="coerce"),
        }
    )
    return causes, theme_rows


def _rank(
    contacts: pd.DataFrame,
    themes: pd.DataFrame | None,
    assignments: pd.DataFrame | None,
    stats: _ItemStats,
    config: ReportConfig,
) -> pd.DataFrame:
    attrs = contacts.drop(columns=["root_cause"]).drop_duplicates("contact_id")
    causes, theme_members = _memberships(contacts, themes, assignments)
    theme_long = theme_members.merge(attrs, on="contact_id", how="inner")
    week_themes = theme_long[theme_long["week_start"] == stats.weeks[-1]]
    cause_of = contacts.set_index("contact_id")["root_cause"]
    top_cause = (
        week_themes.assign(cause=week_themes["contact_id"].map(cause_of))
        .groupby("key")["cause"]
        .agg(lambda c: c.value_counts(normalize=True).max() if len(c) else 0.0)
    )
    theme_rows = [r for r in stats.rows(theme_long) if _is_emerging(r, top_cause.get(r["key"], 0.0), config)]
    # Unsure contacts of an emerging theme belong to the theme, not to the cause the classifier
    # guessed: counting them twice would also make that cause look like it is growing.
    emerging = {str(r["key"]) for r in theme_rows}
    moved = theme_long.loc[theme_long["key"].isin(emerging) & theme_long["needs_review"], "contact_id"]
    cause_long = causes[~causes["contact_id"].isin(moved)].merge(attrs, on="contact_id", how="inner")
    rows = stats.rows(cause_long) + theme_rows

    table = pd.DataFrame(rows)
    if table.empty:
        return table
    table["share"] = table["contacts"] / max(stats.week_contacts, 1)
    top = max(table["contacts"].max(), 1)
    experience = table[["drag_csat", "drag_nps"]].mean(axis=1, skipna=True).fillna(0.0)
    components = {
        "volume": table["contacts"] / top,
        "growth": table["growth_component"],
        "experience": experience,
        "escalation": (table["escalation_rate"].fillna(0.0) / 0.5).clip(0, 1),
    }
    table["score"] = 100 * sum(WEIGHTS[k] * v for k, v in components.items())
    table["status"] = np.select(
        [table["is_new"], table["direction"] == "up", table["direction"] == "down"],
        ["new", "growing", "falling"],
        default="steady",
    )
    table = table.sort_values(["score", "contacts"], ascending=False, kind="stable").reset_index(drop=True)
    table.insert(0, "rank", np.arange(1, len(table) + 1))
    return table.drop(columns=["drag_csat", "drag_nps", "growth_component"])


class _ItemStats:
    """Per pain point numbers of the week from a long ``(contact, key)`` table."""

    def __init__(
        self,
        contacts: pd.DataFrame,
        market_orders: pd.DataFrame,
        weeks: list[pd.Timestamp],
        taxonomy: Taxonomy,
        themes: pd.DataFrame | None,
        config: ReportConfig,
    ) -> None:
        self.weeks, self.taxonomy, self.config = weeks, taxonomy, config
        self.test_args = (config.baseline_weeks, config.alpha, config.min_count, config.sustained_weeks)
        self.market_orders = market_orders
        self.orders = market_orders.sum(axis=0).to_numpy(dtype=float)
        self.n_markets = int((market_orders.iloc[:, -1] > 0).sum())
        overall = contacts[contacts["week_start"] == weeks[-1]]
        self.week_contacts = len(overall)
        self.overall_csat = float(overall["csat"].mean())
        self.overall_nps = net_promoter_score(overall["nps"], config.min_responses)
        self.theme_info = themes.set_index("theme_id") if themes is not None else None

    def rows(self, long: pd.DataFrame) -> list[dict[str, object]]:
        config, weeks, orders = self.config, self.weeks, self.orders
        if long.empty:
            return []
        counts = long.groupby(["key", "week_start"]).size().unstack(fill_value=0)
        counts = counts.reindex(columns=weeks, fill_value=0)
        by_market = long.groupby(["key", "market", "week_start"]).size().unstack(fill_value=0)
        by_market = by_market.reindex(columns=weeks, fill_value=0)
        this = long[long["week_start"] == weeks[-1]]
        kinds = long.drop_duplicates("key").set_index("key")["kind"]
        market_keys = set(by_market.index.get_level_values("key"))
        trend = slice(len(weeks) - config.trend_weeks, len(weeks))
        rows = []
        for label, series in counts.iterrows():
            key = str(label)
            vec = series.to_numpy(dtype=float)
            test = weekly_test(vec, orders, *self.test_args)
            if test.contacts == 0 and test.baseline_contacts == 0:
                continue
            in_markets = cast(pd.DataFrame, by_market.xs(key, level="key")) if key in market_keys else None
            markets = self._market_rises(in_markets)
            up = test.rising or bool(markets)
            group = this[this["key"] == key]
            csat = (
                float(group["csat"].mean()) if group["csat"].notna().sum() >= config.min_responses else np.nan
            )
            nps = net_promoter_score(group["nps"], config.min_responses)
            row: dict[str, object] = {
                "key": key,
                "kind": kinds[key],
                "contacts": test.contacts,
                "baseline_contacts": test.baseline_contacts,
                "cpo": 1000 * test.contacts / orders[-1],
                "baseline_cpo": test.baseline_cpo,
                "expected": test.expected,
                "change_pct": test.change_pct,
                "rise": _rise_text(test, config.sustained_weeks) if up else "",
                "p_value": test.p_value,
                "significant": up or test.down,
                "direction": "up" if up else ("down" if test.down else ""),
                # Named only where the rise is concentrated, not when it is everywhere.
                "growing_markets": ", ".join(f"{m} {c}" for m, c, _ in markets)
                if not test.rising or len(markets) <= max(1, self.n_markets // 2)
                else "",
                "growth_component": max([test.growth, *(g for _, _, g in markets)]),
                "trend_cpo": [
                    1000 * c / o if o > 0 else 0.0 for c, o in zip(vec[trend], orders[trend], strict=True)
                ],
                "trend_contacts": [int(c) for c in vec[trend]],
                "csat": csat,
                "csat_vs_overall": csat - self.overall_csat,
                "nps": nps,
                "escalation_rate": float(group["escalated"].mean()) if len(group) else np.nan,
                "review_share": float(group["needs_review"].mean()) if len(group) else np.nan,
                "verbatims": verbatims(group, config.n_verbatims, config.verbatim_chars),
                "drag_csat": _clip((self.overall_csat - csat) / 1.0),
                "drag_nps": _clip((self.overall_nps - nps) / 50.0),
            }
            row.update(_describe(key, str(kinds[key]), group, self.taxonomy, self.theme_info))
            if test.baseline_contacts == 0 and test.rising:  # a cause never seen before is new too
                row["is_new"] = True
            rows.append(row)
        return rows

    def _market_rises(self, counts: pd.DataFrame | None) -> list[tuple[str, str, float]]:
        """``(market, change, growth)`` of the markets where the pain point rose significantly.

        Each market is tested at ``alpha / number of markets`` (Bonferroni), so looking in every
        market does not multiply the false alarms.
        """
        config = self.config
        active = self.market_orders.index[self.market_orders.iloc[:, -1] > 0]
        if counts is None or len(active) < 2:
            return []
        rises = []
        for market in counts.index.intersection(active):
            vec = counts.loc[market].to_numpy(dtype=float)
            if vec[-1] < config.min_count:
                continue
            o = self.market_orders.loc[market].to_numpy(dtype=float)
            test = weekly_test(vec, o, config.baseline_weeks, config.alpha / len(active), *self.test_args[2:])
            if test.rising:
                change = _rise_text(test, config.sustained_weeks)
                rises.append((str(market), change, test.growth))
        return rises


def _rise_text(test: RateTest, weeks: int) -> str:
    """``new``, ``+120%`` (this week) or ``+60% over 3 weeks`` (a sustained rise)."""
    if test.baseline_contacts == 0:
        return "new"
    if test.up or not test.sustained:
        return f"{test.change_pct:+.0f}%"
    return f"{test.sustained_change_pct:+.0f}% over {weeks} weeks"


def _describe(
    key: str, kind: str, group: pd.DataFrame, taxonomy: Taxonomy, theme_info: pd.DataFrame | None
) -> dict[str, object]:
    if kind == "root_cause":
        if key in taxonomy:
            cause = taxonomy[key]
            return {"name": cause.name, "family": cause.family, "owner": cause.owner, "is_new": False}
        return {
            "name": key.replace("_", " ").capitalize(),
            "family": None,
            "owner": UNASSIGNED_OWNER,
            "is_new": False,
        }
    theme_id = int(key.split(":", 1)[1])
    info = theme_info.loc[theme_id] if theme_info is not None and theme_id in theme_info.index else None
    keywords = _keywords(info["keywords"] if info is not None and "keywords" in info else None)
    family = group["family"].mode().iloc[0] if len(group) and group["family"].notna().any() else "other"
    is_new = (
        bool(info["is_new"]) if info is not None and "is_new" in info and pd.notna(info["is_new"]) else False
    )
    name = "New theme: " + (
        str(info["name"])
        if info is not None and "name" in info and pd.notna(info["name"])
        else ", ".join(keywords[:4]) or f"#{theme_id}"
    )
    return {"name": name, "family": str(family), "owner": UNASSIGNED_OWNER, "is_new": is_new}


def _is_emerging(row: dict[str, object], top_cause_share: float, config: ReportConfig) -> bool:
    if int(row["contacts"]) < config.min_count:  # type: ignore[call-overload]
        return False
    review = float(row["review_share"])  # type: ignore[arg-type]
    if not math.isnan(review) and review >= config.review_share:
        return True
    return bool(row["is_new"] or row["direction"] == "up") and top_cause_share < config.explained_share


def _keywords(value: object) -> list[str]:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return []
    if isinstance(value, str):
        return [w.strip() for w in re.split(r"[,;|]", value) if w.strip()]
    return [str(w) for w in list(value)]  # type: ignore[call-overload]


def _clip(value: float) -> float:
    return float("nan") if math.isnan(value) else min(1.0, max(0.0, value))
