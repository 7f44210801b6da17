"""The counts behind each operational KPI, per week and segment, and the KPIs' definitions.

:func:`measures` turns a finished :class:`reports.operations_state.OperationsState` (plus the
orders table) into two tidy tables: ``rates`` (``week, market, category, channel, measure, n``)
and ``durations`` (``week, market, category, channel, clock, hours, n``). A KPI (:class:`KpiSpec`)
is a ratio of two measures or a quantile of a clock:

=================================  ===========================================================
cancel_success_rate                1 - cancel_failed / cancellation outcomes (succeeded + failed),
                                   week of the outcome
cancel_failure_rate:<reason>       cancel_failed with that failure_reason / cancellation outcomes
self_service_share                 cancellation and return requests made in the app or on the web /
                                   those with a channel
return_rate                        return_requested / delivered, same week
return_receipt_days_p50, _p90      days from the first return_requested to return_received, week of receipt
refund_cycle_days_p50, _p90        days from the refund's request (the first of refund_requested,
                                   cancel_succeeded, return_received) to refund_paid, week of payment
late_refund_share                  refunds paid more than ``late_days`` after their request / refunds paid
contacts_per_1000_orders           contacts / orders (orders table) x 1,000, week of the contact
contacts_per_failed_cancellation   contacts on the order within 14 days after a cancel_failed /
                                   cancel_failed, week of the failure
contacts_per_late_refund           contacts on the order from a late refund's request to a day after
                                   its payment / late refunds, week of payment
repeat_contacts_per_order          contacts that are not their order's first / orders contacted that week
=================================  ===========================================================

Contacts have no event channel: per-contact KPIs are split by market and category only.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from reports.operations_state import SEGMENT_COLUMNS, OperationsState, week_names
from voc.contracts.events import SELF_SERVICE

MC = ("market", "category")
MCC = ("market", "category", "channel")
CONTACT_WINDOW_DAYS = 14.0


@dataclass(frozen=True)
class KpiSpec:
    """A KPI: ``bad`` over ``denominator`` (rates) or a ``quantile`` of clock ``bad`` (durations).

    ``kind`` says how the value reads: ``complement`` (1 - bad/denominator), ``ratio`` or
    ``per1000``. ``dims`` are the segment columns the KPI can be split by.
    """

    name: str
    bad: str
    denominator: str
    dims: tuple[str, ...]
    kind: str = "ratio"
    quantile: float = 0.5

    def value(self, bad: float, denominator: float) -> float:
        if denominator <= 0:
            return float("nan")
        share = bad / denominator
        return 1 - share if self.kind == "complement" else 1000 * share if self.kind == "per1000" else share


RATE_KPIS = [
    KpiSpec("cancel_success_rate", "cancel_failed", "cancel_outcomes", MCC, "complement"),
    KpiSpec("self_service_share", "assisted_requests", "requests", MC, "complement"),
    KpiSpec("return_rate", "return_requested", "delivered", MC),
    KpiSpec("late_refund_share", "late_refunds", "refunds_paid", MC),
    KpiSpec("contacts_per_1000_orders", "contacts", "orders", MC, "per1000"),
    KpiSpec("contacts_per_failed_cancellation", "contacts_after_failed_cancel", "cancel_failed", MCC),
    KpiSpec("contacts_per_late_refund", "contacts_on_late_refunds", "late_refunds", MC),
    KpiSpec("repeat_contacts_per_order", "repeat_contacts", "contacted_orders", MC),
]
DURATION_KPIS = [
    KpiSpec("return_receipt_days_p50", "return_receipt", "", MCC, quantile=0.5),
    KpiSpec("return_receipt_days_p90", "return_receipt", "", MCC, quantile=0.9),
    KpiSpec("refund_cycle_days_p50", "refund_cycle", "", MC, quantile=0.5),
    KpiSpec("refund_cycle_days_p90", "refund_cycle", "", MC, quantile=0.9),
]


def measures(
    state: OperationsState, orders: pd.DataFrame | None, late_days: float
) -> dict[str, pd.DataFrame]:
    """``{"rates": ..., "durations": ...}`` (see the module docstring)."""
    counts = state.counts
    event = counts["event"]
    parts = [
        _measure(counts[event.isin(["cancel_succeeded", "cancel_failed"])], "cancel_outcomes"),
        _measure(counts[event == "cancel_failed"], "cancel_failed"),
        _measure(counts[event == "delivered"], "delivered"),
        _measure(counts[event == "return_requested"], "return_requested"),
    ]
    failed = counts[(event == "cancel_failed") & counts["failure_reason"].notna()]
    parts.append(failed.assign(measure="cancel_failed:" + failed["failure_reason"].astype(str)))
    requests = counts[event.isin(["cancel_requested", "return_requested"]) & counts["channel"].notna()]
    parts.append(_measure(requests, "requests"))
    parts.append(_measure(requests[~requests["channel"].isin(SELF_SERVICE)], "assisted_requests"))
    refunds = state.durations[state.durations["clock"] == "refund_cycle"]
    parts.append(_measure(refunds, "refunds_paid"))
    parts.append(_measure(refunds[refunds["hours"] > late_days * 24], "late_refunds"))
    if orders is not None and len(orders):
        dates = pd.to_datetime(orders["date"])
        parts.append(
            pd.DataFrame(
                {
                    "week": week_names(
                        dates.dt.tz_localize("UTC") if dates.dt.tz is None else dates
                    ).to_numpy(),
                    "market": orders["market"].to_numpy(),
                    "category": orders["category"].to_numpy(),
                    "channel": None,
                    "measure": "orders",
                    "n": orders["orders"].to_numpy(),
                }
            )
        )
    if state.contacts is not None:
        parts += _contact_measures(state, late_days)
    columns = ["week", *SEGMENT_COLUMNS, "measure", "n"]
    rates = pd.concat([p[columns] for p in parts if len(p)], ignore_index=True) if parts else None
    if rates is None or rates.empty:
        rates = pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
    rates = (
        rates.groupby(["week", *SEGMENT_COLUMNS, "measure"], dropna=False).agg(n=("n", "sum")).reset_index()
    )
    return {"rates": rates, "durations": state.durations}


def _measure(frame: pd.DataFrame, name: str) -> pd.DataFrame:
    return frame.assign(measure=name)


def _contact_measures(state: OperationsState, late_days: float) -> list[pd.DataFrame]:
    contacts = state.contacts
    assert contacts is not None
    out = [contacts.assign(channel=None, measure="contacts", n=1)]
    keyed = contacts[contacts["join_key"].notna()].sort_values("created_at", kind="stable")
    repeat = keyed.duplicated("join_key")
    out.append(keyed[repeat].assign(channel=None, measure="repeat_contacts", n=1))
    contacted = keyed.drop_duplicates(["week", "join_key"])
    out.append(contacted.assign(channel=None, measure="contacted_orders", n=1))

    events = state.contact_events
    failures = events[events["event"] == "cancel_failed"]
    after = failures.merge(keyed[["join_key", "created_at"]], on="join_key")
    window = pd.Timedelta(days=CONTACT_WINDOW_DAYS)
    after = after[(after["created_at"] > after["at"]) & (after["created_at"] <= after["at"] + window)]
    out.append(
        after.assign(week=week_names(after["at"]).to_numpy(), measure="contacts_after_failed_cancel", n=1)
    )

    late = late_refunds(events, late_days)
    on_late = late.merge(keyed[["join_key", "created_at"]], on="join_key")
    on_late = on_late[
        (on_late["created_at"] >= on_late["start"])
        & (on_late["created_at"] <= on_late["paid"] + pd.Timedelta(days=1))
    ]
    out.append(
        on_late.assign(
            week=week_names(on_late["paid"]).to_numpy(), channel=None, measure="contacts_on_late_refunds", n=1
        )
    )
    return out


def late_refunds(events: pd.DataFrame, late_days: float) -> pd.DataFrame:
    """Refunds of contacted orders paid more than ``late_days`` after their request.

    One row per order: ``join_key, start, paid, market, category`` (the first refund of the order).
    """
    starts = events[events["event"].isin(["refund_requested", "cancel_succeeded", "return_received"])]
    start = starts.sort_values("at").drop_duplicates("join_key")[["join_key", "at", "market", "category"]]
    paid = events[events["event"] == "refund_paid"][["join_key", "at"]].rename(columns={"at": "paid"})
    pairs = start.rename(columns={"at": "start"}).merge(paid, on="join_key")
    pairs = pairs[pairs["paid"] >= pairs["start"]].sort_values("paid").drop_duplicates("join_key")
    too_long = (pairs["paid"] - pairs["start"]) > pd.Timedelta(days=late_days)
    return pairs[np.asarray(too_long, dtype=bool)].reset_index(drop=True)
