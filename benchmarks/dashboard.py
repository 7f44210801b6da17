"""Dashboard latency, 12 weeks x 50,000 synthetic contacts a week: ``python -m benchmarks --only dashboard``.

The contacts are made with NumPy in a few seconds (no model runs): 28 root causes with skewed
volumes, one of them doubling in one market over the last weeks, five markets, channels, six
categories, order stages, CSAT (60% answer), NPS (30%), escalations, repeat contacts (about 10%
of orders contacted again), short redacted-looking texts, 60 themes (labelled, one noise, one
proposed as a new cause, one new unlabelled friction in the last two weeks) and daily orders.

Each API call of :class:`reports.dashboard.Dashboard` is timed cold (its caches cleared first: the
whole work of one call on filters it has not seen) and again warm (cached), on 12 filter sets.
The peer is the plain pandas
way to get the pain-point table of one selection: boolean filtering of the contacts frame, a
``groupby`` of pain point x week and the scalar :func:`reports.significance.weekly_test` per pain
point and week. Target: every call within 1 s on 2 cores.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from reports.dashboard import Dashboard, Filters
from reports.significance import weekly_test
from voc.taxonomy import Taxonomy, load_taxonomy
from voc.weeks import iso_week, weeks_ending

MARKETS = ("DE", "UK", "FR", "ES", "US")
CHANNELS = ("chat", "email", "call", "review", "app")
CATEGORIES = ("fashion", "electronics", "home", "beauty", "sports", "toys")
STAGES = ("pre_shipment", "in_transit", "delivered", "post_delivery")
FILLERS = (
    "please help", "this is the second time I write", "I want my money back", "order [ORDER_ID]",
    "very disappointed", "what are my options", "can someone call me", "thanks [NAME]",
)  # fmt: skip


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--dashboard-weeks", type=int, default=12, help="weeks of synthetic contacts")
    parser.add_argument("--dashboard-per-week", type=int, default=50_000, help="contacts a week")


def run(args: argparse.Namespace) -> dict[str, Any]:
    weeks, per_week = args.dashboard_weeks, args.dashboard_per_week
    taxonomy = load_taxonomy()
    started = time.perf_counter()
    frames = synthetic_contacts(taxonomy, weeks, per_week)
    made = time.perf_counter() - started
    started = time.perf_counter()
    dashboard = Dashboard.from_frames(taxonomy=taxonomy, **frames)
    loaded = time.perf_counter() - started

    options = dashboard.options()
    all_weeks = options["weeks"]
    selections = _selections(all_weeks)
    timings: dict[str, list[float]] = {}
    warm: dict[str, list[float]] = {}
    for f in selections:
        top = dashboard.pain_points(Filters(first_week=f.first_week, last_week=f.last_week))["key"].iloc[0]
        calls: dict[str, Callable[[], object]] = {
            "overview": lambda f=f: dashboard.overview(f),
            "pain_points": lambda f=f: dashboard.pain_points(f),
            "weekly": lambda f=f: dashboard.weekly(f),
            "breakdown": lambda f=f, k=top: dashboard.breakdown(k, f),
            "contacts": lambda f=f, k=top: dashboard.contacts(k, f),
            "contacts + phrase": lambda f=f, k=top: dashboard.contacts(k, f, "money back"),
        }
        for name, call in calls.items():
            dashboard.clear_cache()
            timings.setdefault(name, []).append(_seconds(call))
            warm.setdefault(name, []).append(_seconds(call))
    peer = [_seconds(lambda f=f: _pandas_pain_points(frames, f, all_weeks)) for f in selections[:4]]

    rows = []
    for name, values in timings.items():
        rows.append(
            {
                "call": name,
                "median_s": statistics.median(values),
                "p95_s": float(np.percentile(values, 95)),
                "max_s": max(values),
                "warm_median_s": statistics.median(warm[name]),
                "within_1s": all(v <= 1.0 for v in values),
            }
        )
    ours = statistics.median(timings["pain_points"][:4])
    peer_median = statistics.median(peer)
    rows.append(
        {
            "call": "peer: pandas groupby + weekly_test",
            "median_s": peer_median,
            "p95_s": float(np.percentile(peer, 95)),
            "max_s": max(peer),
            "warm_median_s": float("nan"),
            "within_1s": all(v <= 1.0 for v in peer),
        }
    )
    n = weeks * per_week
    return {
        "title": f"Dashboard calls, {weeks} weeks x {per_week:,} contacts ({n:,})",
        "rows": rows,
        "notes": [
            f"synthetic data made in {made:.1f} s; Dashboard.from_frames (index once) {loaded:.1f} s",
            f"{len(selections)} filter sets per call (ranges, markets, channels, categories, families)",
            f"pain_points vs the pandas peer on the same selections: x{peer_median / ours:.1f} faster",
            f"peak memory of the process {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MB",
        ],
    }


def synthetic_contacts(
    taxonomy: Taxonomy, weeks: int = 12, per_week: int = 50_000, seed: int = 0
) -> dict[str, Any]:
    """Tagged contacts, orders, themes, assignments and verdicts as :meth:`Dashboard.from_frames` takes."""
    rng = np.random.default_rng(seed)
    mondays = pd.to_datetime(weeks_ending("2026-W47", weeks))
    n = weeks * per_week
    ids = np.array(taxonomy.ids)
    share = 1 / np.arange(1, len(ids) + 1) ** 0.8
    cause = rng.choice(len(ids), n, p=share / share.sum())
    week = np.repeat(np.arange(weeks), per_week)
    market = rng.choice(len(MARKETS), n, p=[0.3, 0.25, 0.2, 0.1, 0.15])
    # A planted rise: damaged in transit in DE doubles over the last three weeks.
    grower = list(ids).index("damaged_in_transit")
    late_de = (week >= weeks - 3) & (market == 0) & (rng.random(n) < 0.02)
    cause[late_de] = grower
    confidence = rng.beta(5, 2, n)
    theme = cause * 2 + rng.integers(0, 2, n)
    new_friction = (week >= weeks - 2) & (rng.random(n) < 0.01)
    gift_card = rng.random(n) < 0.004
    noise = rng.random(n) < 0.01
    theme[new_friction], theme[gift_card], theme[noise] = 56, 57, 58
    confidence[new_friction | gift_card] = rng.uniform(0.2, 0.5, int((new_friction | gift_card).sum()))
    phrases = np.array(
        [f"{rc.name.lower()}" for rc in taxonomy.root_causes] + ["the app crashes at checkout"]
    )
    about = np.where(new_friction, len(ids), cause)
    text = np.char.add(
        np.char.add(phrases[about].astype(str), ", "), np.array(FILLERS)[rng.integers(0, len(FILLERS), n)]
    )
    text = np.where(gift_card, "my gift card balance shows zero, " + text, text)
    csat = np.where(rng.random(n) < 0.6, rng.integers(1, 6, n), np.nan)
    nps = np.where(rng.random(n) < 0.3, rng.integers(0, 11, n), np.nan)
    order = rng.integers(0, int(n * 0.9), n)
    created = mondays[week] + pd.to_timedelta(rng.integers(0, 7 * 86_400, n), unit="s")
    tagged = pd.DataFrame(
        {
            "contact_id": pd.Series(np.arange(n)).map("c{:07d}".format),
            "root_cause": ids[cause],
            "family": np.array([taxonomy.family_of(c) for c in ids])[cause],
            "confidence": confidence,
            "needs_review": confidence < 0.55,
            "created_at": created.tz_localize("UTC"),
            "channel": np.array(CHANNELS)[rng.integers(0, len(CHANNELS), n)],
            "market": np.array(MARKETS)[market],
            "category": np.array(CATEGORIES)[rng.integers(0, len(CATEGORIES), n)],
            "order_stage": np.array(STAGES)[rng.integers(0, len(STAGES), n)],
            "csat": csat,
            "nps": nps,
            "escalated": rng.random(n) < 0.08,
            "order_key": pd.Series(order).map("{:016x}".format),
            "clean_text": text,
        }
    )
    days = pd.date_range(mondays[0], periods=7 * weeks, freq="D")
    grid = pd.MultiIndex.from_product([days, MARKETS, CATEGORIES], names=["date", "market", "category"])
    orders = grid.to_frame(index=False).assign(orders=rng.integers(1_500, 4_000, len(grid)))
    n_themes = 59
    themes = pd.DataFrame(
        {
            "theme_id": np.arange(n_themes),
            "label": [ids[i // 2] for i in range(56)] + [None, None, None],
            "is_new": [False] * 56 + [True, False, False],
            "keywords": [[ids[i // 2]] for i in range(56)]
            + [["app crash"], ["gift card"], ["hello calling"]],
        }
    )
    assignments = pd.DataFrame({"contact_id": tagged["contact_id"], "theme_id": theme, "probability": 0.9})
    verdicts = pd.DataFrame(
        {
            "theme_id": [57, 58],
            "action": ["split", "noise"],
            "label": [None, None],
            "proposed": ["Gift card balance", None],
        }
    )
    return {
        "tagged": tagged,
        "orders": orders,
        "themes": themes,
        "assignments": assignments,
        "verdicts": verdicts,
    }


def _selections(weeks: list[str]) -> list[Filters]:
    """Filter sets a user would click through, each new to the dashboard."""
    last, four, first = weeks[-1], weeks[-4], weeks[0]
    return [
        Filters(first_week=first, last_week=last),
        Filters(first_week=four, last_week=last),
        Filters(first_week=last, last_week=last),
        Filters(first_week=first, last_week=last, market="DE"),
        Filters(first_week=first, last_week=last, market="UK"),
        Filters(first_week=four, last_week=last, channel="chat"),
        Filters(first_week=first, last_week=last, category="electronics"),
        Filters(first_week=first, last_week=last, order_stage="delivered"),
        Filters(first_week=first, last_week=last, family="delivery"),
        Filters(first_week=four, last_week=last, market="FR", channel="email"),
        Filters(first_week=weeks[2], last_week=weeks[-2], market="ES", category="home"),
        Filters(first_week=four, last_week=last, market="US", family="refund"),
    ]


def _pandas_pain_points(frames: dict[str, Any], f: Filters, weeks: list[str]) -> pd.DataFrame:
    """The peer: the pain-point table of one selection the plain pandas way."""
    tagged, orders = frames["tagged"], frames["orders"]
    week = tagged["created_at"].dt.tz_convert(None).dt.to_period("W-SUN").dt.start_time
    mask = pd.Series(True, index=tagged.index)
    order_mask = pd.Series(True, index=orders.index)
    for dim, value in f.segments.items():
        mask &= tagged[dim] == value
        if dim in ("market", "category"):
            order_mask &= orders[dim] == value
    counts = tagged[mask].groupby([tagged.loc[mask, "root_cause"], week[mask]]).size().unstack(fill_value=0)
    order_weeks = pd.to_datetime(orders["date"]).dt.to_period("W-SUN").dt.start_time
    per_week = orders[order_mask].groupby(order_weeks[order_mask])["orders"].sum()
    counts = counts.reindex(columns=per_week.index, fill_value=0)
    span = [iso_week(w) for w in per_week.index]
    last = span.index(f.last_week or weeks[-1])
    rows = []
    for key, series in counts.iterrows():
        tests = [
            weekly_test(series.to_numpy()[: t + 1], per_week.to_numpy()[: t + 1]) for t in range(last + 1)
        ]
        rows.append({"key": key, "contacts": int(series.sum()), "up": [t.rising for t in tests]})
    return pd.DataFrame(rows)


def _seconds(call: Callable[[], object]) -> float:
    started = time.perf_counter()
    call()
    return time.perf_counter() - started
