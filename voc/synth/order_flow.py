"""The order events of ``voc data synth``: every order of the orders table, packed to refunded.

``order_events(orders, contact_orders, policy, seed, period)`` returns the order-events table
(:mod:`voc.contracts.events`): each order counted in ``orders`` (plus six weeks of warm-up orders
before the period, so returns and refunds in the first weeks have their history) is packed, shipped
and delivered, and some are cancelled or returned and refunded. Draws are vectorised (a few hundred
thousand orders take about a second). The orders that contacts are about (``contact_orders``) take a
slot of the same day, market and category and follow a path that agrees with their contact
(:mod:`voc.synth.order_paths`): a ``cannot_cancel`` contact comes after a ``cancel_failed``, a
``refund_not_received`` contact mostly after a refund open for more than a week.

The planted incident (:class:`CancelPolicy`): from ``policy.start`` in ``policy.market`` a
cancellation asked for once the order is packed is refused (``cancel_failed``, reason ``packed``)
instead of mostly accepted. Events are written from four weeks before the period to its end, so
its first weeks have a baseline.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd

from voc.contracts.events import EVENT_COLUMNS
from voc.synth.order_paths import Timeline, planned_events

WARMUP_DAYS = 56  # orders before the period, so that its returns and refunds have their history
EVENT_LEAD_DAYS = 28  # events written before the period: a baseline for its first weeks
CANCEL_SHARE = 0.05  # orders with a cancellation request
CANCEL_DELAY_DAYS = 0.5  # mean time from order to the cancellation request (exponential)
REFUSED_WHEN_PACKED = 0.12  # before the policy change
REFUSED_WHEN_PACKED_POLICY = 0.97
REFUSED_BEFORE_PACKING = 0.03
REFUSED_WHEN_SHIPPED = 0.95
SLOW_REFUND_SHARE = 0.07
RETURN_SHARE = {
    "fashion": 0.22,
    "electronics": 0.08,
    "home": 0.07,
    "beauty": 0.05,
    "sports": 0.10,
    "toys": 0.06,
}
MEAN_AMOUNT = {"fashion": 45, "electronics": 180, "home": 70, "beauty": 25, "sports": 60, "toys": 35}
REQUEST_CHANNELS = (("app", 0.55), ("web", 0.25), ("agent", 0.20))
RETURN_CHANNELS = (("app", 0.45), ("web", 0.35), ("agent", 0.20))


@dataclass(frozen=True)
class CancelPolicy:
    """The planted operational incident: cancellation refused once packed, in ``market`` from ``start``."""

    market: str
    start: date

    def refuses(self, market: str, when: float) -> bool:
        return market == self.market and when >= _days(self.start)

    def refuses_all(self, market: np.ndarray, when: np.ndarray) -> np.ndarray:
        return (market == self.market) & (when >= _days(self.start))


def order_events(
    orders: pd.DataFrame,
    contact_orders: pd.DataFrame,
    policy: CancelPolicy,
    seed: int,
    period: tuple[date, date],
) -> pd.DataFrame:
    """The events of every order, sorted by ``at`` then ``order_id``.

    Parameters
    ----------
    orders : the orders table (``date, market, category, orders``) of the period.
    contact_orders : one row per order a contact is about: ``order_id, ordered_on (date), market,
        category, order_stage, topic, incident, first_contact (UTC timestamp), contact_channel``.
    policy : the planted incident.
    period : first and last day of the period; events from ``EVENT_LEAD_DAYS`` before it to its
        end are written.
    """
    rng = np.random.default_rng([seed, 7])
    slots = _population(orders, period[0], rng)
    slots = _assign_contact_orders(slots, contact_orders)
    planned = slots["order_id"].notna()
    slots.loc[~planned, "order_id"] = _population_ids(slots.loc[~planned])
    flows = _flow(slots.loc[~planned].reset_index(drop=True), policy, rng)
    py_rng = random.Random(seed * 7919 + 3)
    rows = []
    contacts: dict[Any, dict[str, Any]] = contact_orders.to_dict("index")  # type: ignore[assignment]
    order: Any
    for order in slots.loc[planned].itertuples(index=False):
        start = float(order.date) + py_rng.uniform(0.3, 0.95)
        timeline = Timeline(
            order.order_id, order.market, order.category, start, _amount(order.category, py_rng)
        )
        rows += planned_events(timeline, contacts[order.order_id], policy, py_rng)
    planned_frame = pd.DataFrame(
        rows, columns=["order_id", "event", "t", "failure_reason", "amount", "channel"]
    )
    planned_frame["market"] = planned_frame["order_id"].map(contact_orders["market"])
    planned_frame["category"] = planned_frame["order_id"].map(contact_orders["category"])
    events = pd.concat([flows, planned_frame], ignore_index=True)
    first, last = _days(period[0]) - EVENT_LEAD_DAYS, _days(period[1]) + 1
    events = events[(events["t"] >= first) & (events["t"] < last)]
    events["at"] = pd.to_datetime(np.round(events["t"].to_numpy() * 86400), unit="s", utc=True)
    # built in a fixed order, so a stable sort on time alone is deterministic
    events = events.sort_values("at", kind="stable").reset_index(drop=True)
    events["amount"] = events["amount"].astype("float64")
    return events[list(EVENT_COLUMNS)]


def population_events(
    orders: pd.DataFrame, policy: CancelPolicy, seed: int, warmup_days: int = WARMUP_DAYS
) -> pd.DataFrame:
    """The events of the orders in ``orders`` alone (no contacts), unsorted, every one written.

    For benchmarks that need millions of events: columns as :data:`EVENT_COLUMNS`.
    """
    rng = np.random.default_rng([seed, 7])
    first = pd.Timestamp(orders["date"].min()).date()
    slots = _population(orders, first, rng, warmup_days)
    slots["order_id"] = _population_ids(slots)
    events = _flow(slots, policy, rng)
    events["at"] = pd.to_datetime(np.round(events.pop("t").to_numpy() * 86400), unit="s", utc=True)
    events["amount"] = events["amount"].astype("float64")
    return events[list(EVENT_COLUMNS)]


@lru_cache(maxsize=1)
def packed_window_share() -> float:
    """Share of cancellation requests made after packing and before shipping (a fixed simulation)."""
    rng = np.random.default_rng(0)
    n = 200_000
    packed, shipped = _packing(rng, np.zeros(n))
    request = rng.exponential(CANCEL_DELAY_DAYS, n)
    return float(((request >= packed) & (request < shipped)).mean())


def blocked_cancellations_per_order() -> float:
    """Extra refused cancellations per order under the policy (the incident's size)."""
    return CANCEL_SHARE * packed_window_share() * (REFUSED_WHEN_PACKED_POLICY - REFUSED_WHEN_PACKED)


# --------------------------------------------------------------------------------------------
# The population: one slot per order
# --------------------------------------------------------------------------------------------


def _population(
    orders: pd.DataFrame, first_day: date, rng: np.random.Generator, warmup_days: int = WARMUP_DAYS
) -> pd.DataFrame:
    """One row per order (``date, market, category``), warm-up orders before ``first_day`` included."""
    first_week = orders[orders["date"] < pd.Timestamp(first_day + timedelta(days=7))]
    means = first_week.groupby(["market", "category"], sort=True)["orders"].mean()
    warm_days = pd.date_range(pd.Timestamp(first_day - timedelta(days=warmup_days)), periods=warmup_days)
    warm = pd.DataFrame(
        [(d, *cell, mean) for d in warm_days for cell, mean in means.items()],  # type: ignore[misc]
        columns=["date", "market", "category", "mean"],
    )
    warm["orders"] = rng.poisson(warm.pop("mean").to_numpy(dtype=float)) if len(warm) else 0
    table = pd.concat([warm, orders[["date", "market", "category", "orders"]]], ignore_index=True)
    counts = table["orders"].to_numpy()
    slots = table.loc[table.index.repeat(counts), ["date", "market", "category"]].reset_index(drop=True)
    # days since 1970, the time unit of the flow
    slots["date"] = pd.to_datetime(slots["date"]).to_numpy().astype("datetime64[D]").astype("int64")
    slots["order_id"] = pd.Series([None] * len(slots), dtype=object)
    return slots


def _assign_contact_orders(slots: pd.DataFrame, contact_orders: pd.DataFrame) -> pd.DataFrame:
    """Give each contact order a free slot of its day, market and category (a new one if none)."""
    if contact_orders.empty:
        return slots
    key = ["date", "market", "category"]
    slot_rank = slots.groupby(key, sort=False).cumcount()
    wanted = contact_orders.reset_index()[["order_id", "ordered_on", "market", "category"]]
    wanted = wanted.rename(columns={"ordered_on": "date"}).sort_values("order_id", kind="stable")
    wanted["date"] = pd.to_datetime(wanted["date"]).to_numpy().astype("datetime64[D]").astype("int64")
    wanted["rank"] = wanted.groupby(key, sort=False).cumcount()
    slot_index = pd.DataFrame({**{k: slots[k] for k in key}, "rank": slot_rank, "slot": slots.index})
    matched = wanted.merge(slot_index, on=[*key, "rank"], how="left")
    found = matched["slot"].notna()
    slots.loc[matched.loc[found, "slot"].astype(int).to_numpy(), "order_id"] = matched.loc[
        found, "order_id"
    ].to_numpy()
    extra = matched.loc[~found, [*key, "order_id"]]
    return pd.concat([slots, extra], ignore_index=True) if len(extra) else slots


def _population_ids(slots: pd.DataFrame) -> np.ndarray:
    """Amazon-like ids whose first group (500+) never meets the contacts' (111-408)."""
    market_no = pd.factorize(slots["market"], sort=True)[0] + 500
    day_no = slots["date"].to_numpy() % 10_000_000
    seq = np.arange(len(slots)) % 10_000_000
    return (
        pd.Series(market_no).astype(str)
        + "-"
        + pd.Series(day_no).astype(str).str.zfill(7)
        + "-"
        + pd.Series(seq).astype(str).str.zfill(7)
    ).to_numpy()


# --------------------------------------------------------------------------------------------
# The flow of the orders no contact is about (vectorised)
# --------------------------------------------------------------------------------------------


def _flow(slots: pd.DataFrame, policy: CancelPolicy, rng: np.random.Generator) -> pd.DataFrame:
    n = len(slots)
    ids = slots["order_id"].to_numpy()
    market = slots["market"].to_numpy()
    category = slots["category"].to_numpy()
    placed = slots["date"].to_numpy(dtype=float) + rng.uniform(0.3, 0.95, n)
    packed, shipped = _packing(rng, placed)
    delivered = shipped + 0.5 + rng.gamma(3.0, 0.8, n)
    amount = np.round(rng.lognormal(0, 0.6, n) * slots["category"].map(MEAN_AMOUNT).to_numpy(), 2)
    columns = ("order_id", "event", "t", "market", "category", "failure_reason", "amount", "channel")
    parts: dict[str, list[np.ndarray]] = {c: [] for c in columns}

    def add(mask: np.ndarray, event: str, t: np.ndarray, **extra: np.ndarray) -> None:
        k = int(mask.sum())
        given = {"order_id": ids, "t": t, "market": market, "category": category, **extra}
        for col in columns:
            if col in given:
                parts[col].append(given[col][mask])
            else:
                parts[col].append(np.full(k, event if col == "event" else None, dtype=object))

    cancel = rng.random(n) < CANCEL_SHARE
    request = placed + rng.exponential(CANCEL_DELAY_DAYS, n)
    request = np.minimum(request, delivered - 0.05)
    channel = _choose(rng, REQUEST_CHANNELS, n)
    blocked = policy.refuses_all(market, request)
    when_packed = np.where(blocked, REFUSED_WHEN_PACKED_POLICY, REFUSED_WHEN_PACKED)
    stage_packed = (request >= packed) & (request < shipped)
    stage_shipped = request >= shipped
    refuse_p = np.where(
        stage_shipped, REFUSED_WHEN_SHIPPED, np.where(stage_packed, when_packed, REFUSED_BEFORE_PACKING)
    )
    refused = cancel & (rng.random(n) < refuse_p)
    succeeded = cancel & ~refused
    reason = np.where(stage_shipped, "shipped", np.where(stage_packed, "packed", "seller_policy"))
    outcome = request + np.where(channel == "agent", rng.uniform(0.01, 0.1, n), rng.uniform(0.0005, 0.01, n))
    add(cancel, "cancel_requested", request, channel=channel)
    add(succeeded, "cancel_succeeded", outcome, channel=channel)
    add(refused, "cancel_failed", outcome, channel=channel, failure_reason=reason)
    add(~succeeded | (packed < outcome), "packed", packed)
    add(~succeeded | (shipped < outcome), "shipped", shipped)
    add(~succeeded, "delivered", delivered)

    returned = ~succeeded & (rng.random(n) < slots["category"].map(RETURN_SHARE).to_numpy())
    return_request = delivered + 0.2 + rng.gamma(2.0, 3.0, n)
    received = returned & (rng.random(n) < 0.92)
    return_received = return_request + rng.uniform(2.5, 9.0, n)
    add(returned, "return_requested", return_request, channel=_choose(rng, RETURN_CHANNELS, n))
    add(received, "return_received", return_received)

    refunded = succeeded | received
    refund_start = np.where(succeeded, outcome, return_received)
    issued = refund_start + np.where(succeeded, rng.uniform(0.01, 0.5, n), rng.uniform(0.05, 1.5, n))
    slow = rng.random(n) < SLOW_REFUND_SHARE
    paid = issued + rng.uniform(1.0, 4.5, n) + np.where(slow, rng.uniform(5.0, 14.0, n), 0.0)
    add(refunded, "refund_issued", issued, amount=amount)
    add(refunded, "refund_paid", paid, amount=amount)
    return pd.DataFrame({col: np.concatenate(arrays) for col, arrays in parts.items()})


def _packing(rng: np.random.Generator, placed: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    packed = placed + rng.uniform(0.2, 1.2, len(placed))
    return packed, packed + rng.uniform(0.3, 1.2, len(placed))


def _choose(rng: np.random.Generator, options: tuple[tuple[str, float], ...], n: int) -> np.ndarray:
    names = np.array([name for name, _ in options], dtype=object)
    weights = np.array([w for _, w in options])
    return names[rng.choice(len(options), size=n, p=weights / weights.sum())]


def _amount(category: str, rng: random.Random) -> float:
    return round(rng.lognormvariate(0, 0.6) * MEAN_AMOUNT[category], 2)


def _days(day: date) -> float:
    """Days since 1970-01-01 (the time unit of the flow)."""
    return float((day - date(1970, 1, 1)).days)
