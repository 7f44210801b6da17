"""The events of an order a synthetic contact is about, made to agree with that contact.

:func:`planned_events` takes the order's :class:`Timeline` (placed at ``placed``, in days since
1970) and its first contact (time, order stage, topic, incident) and returns the order's events as
tuples ``(order_id, event, t, failure_reason, amount, channel)``. The shipping events follow the
contact's order stage (a ``pre_shipment`` contact comes before shipping, ``in_transit`` between
shipping and delivery, later stages after delivery); the topic adds what the customer is talking
about: ``cannot_cancel`` a refused cancellation just before the contact (reason ``packed`` for the
planted policy incident, else ``packed``, ``seller_policy`` or ``shipped`` by stage),
``refund_not_received`` a refund started more than a week before (mostly) and paid after the
contact, a cancellation reason a cancellation at the contact, a return cause a return.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

Event = tuple[str, str, float, str | None, float | None, str | None]

CANCEL_REASONS = ("changed_mind", "ordered_by_mistake", "found_cheaper", "delivery_estimate_too_long")
RETURN_CAUSES = (
    "wrong_size_fit",
    "defective",
    "not_as_described",
    "wrong_item",
    "missing_parts",
    "suspected_counterfeit",
    "damaged_in_transit",
)
RETURN_IN_PROGRESS = ("return_label_problem", "dropoff_problem", "missed_pickup")
REFUND_DONE = ("partial_refund", "refund_wrong_method", "refund_rejected")
LATE_REFUND_SHARE = 0.75  # refund_not_received contacts that come after a refund open > 7 days
PACKED_SHARE = 0.55  # cannot_cancel contacts before shipping refused because the order was packed


@dataclass
class Timeline:
    order_id: str
    market: str
    category: str
    placed: float
    amount: float


def planned_events(order: Timeline, contact: dict[str, Any], policy: Any, rng: random.Random) -> list[Event]:
    """The events of ``order``, agreeing with its first ``contact`` (see the module docstring)."""
    t_c = contact["first_contact"].timestamp() / 86400
    order.placed = min(order.placed, t_c - rng.uniform(0.05, 0.3))
    stage = contact["order_stage"] or "delivered"
    topic = contact["topic"]
    events: list[Event] = []
    oid = order.order_id

    def add(
        event: str, t: float, reason: str | None = None, amount: float | None = None, ch: str | None = None
    ) -> None:
        events.append((oid, event, t, reason, amount, ch))

    def refund(start: float, paid_after: float | None = None) -> None:
        issued = start + rng.uniform(0.05, 1.0)
        paid = paid_after if paid_after is not None else issued + rng.uniform(1.0, 4.5)
        add("refund_issued", min(issued, paid - 0.01), amount=order.amount)
        add("refund_paid", paid, amount=order.amount)

    channel = "app" if contact["contact_channel"] == "app" else rng.choice(("app", "web", "agent"))
    span = t_c - order.placed
    if topic == "cannot_cancel":
        request = t_c - rng.uniform(0.01, min(1.0, span * 0.5))
        if stage == "in_transit":
            reason = "shipped"
        elif contact["incident"] or policy.refuses(order.market, request) or rng.random() < PACKED_SHARE:
            reason = "packed"
        else:
            reason = "seller_policy"
        shipped = (
            order.placed + (request - order.placed) * 0.7
            if reason == "shipped"
            else t_c + rng.uniform(0.1, 1)
        )
        packed = order.placed + (min(request, shipped) - order.placed) * rng.uniform(0.2, 0.8)
        if reason == "seller_policy":
            packed = max(packed, request + 0.01)
        add("cancel_requested", request, ch=channel)
        add("cancel_failed", request + rng.uniform(0.0005, 0.01), reason=reason, ch=channel)
        _shipping(add, order, packed, shipped, shipped + 0.5 + rng.gammavariate(3.0, 0.8))
    elif topic in CANCEL_REASONS or topic == "seller_cancelled":
        cancelled = t_c - (rng.uniform(0.1, min(1.5, span * 0.8)) if topic == "seller_cancelled" else 0.002)
        if topic != "seller_cancelled":
            add("cancel_requested", cancelled - 0.001, ch=channel)
        add("cancel_succeeded", cancelled, ch=None if topic == "seller_cancelled" else channel)
        packed = order.placed + rng.uniform(0.2, 1.2)
        if packed < cancelled:
            add("packed", packed)
        refund(cancelled)
    elif topic == "refund_not_received":
        late = rng.random() < LATE_REFUND_SHARE
        start = t_c - (rng.uniform(7.5, 16.0) if late else rng.uniform(1.5, 6.0))
        start = max(start, order.placed + min(span * 0.6, 6.0))
        paid = t_c + rng.uniform(0.5, 6.0)
        if stage == "pre_shipment":
            add("cancel_requested", start - 0.001, ch=channel)
            add("cancel_succeeded", start, ch=channel)
        else:
            gap = start - order.placed
            delivered = order.placed + gap * 0.45
            _shipping(add, order, order.placed + gap * 0.08, order.placed + gap * 0.15, delivered)
            add("return_requested", order.placed + gap * 0.6, ch=channel)
            add("return_received", start)
        refund(start, paid)
    else:
        delivered = _stage_shipping(add, order, stage, t_c, rng)
        if topic in RETURN_CAUSES and delivered is not None and delivered < t_c:
            requested = t_c + rng.uniform(0.0, 0.5)
            received = requested + rng.uniform(2.5, 9.0)
            add("return_requested", requested, ch=channel)
            add("return_received", received)
            refund(received)
        elif topic in RETURN_IN_PROGRESS and delivered is not None and delivered < t_c:
            requested = t_c - (t_c - delivered) * rng.uniform(0.1, 0.6)
            add("return_requested", requested, ch=channel)
            received = t_c + rng.uniform(2.0, 9.0)
            add("return_received", received)
            refund(received)
        elif topic in REFUND_DONE and delivered is not None and delivered < t_c:
            gap = t_c - delivered
            add("return_requested", delivered + gap * 0.2, ch=channel)
            add("return_received", delivered + gap * 0.5)
            refund(delivered + gap * 0.55, delivered + gap * 0.9)
    return events


def _stage_shipping(add: Any, order: Timeline, stage: str, t_c: float, rng: random.Random) -> float | None:
    """Packed, shipped and delivered around the contact as its order stage says; the delivery time."""
    span = t_c - order.placed
    if stage == "pre_shipment":
        packed = order.placed + rng.uniform(0.2, 1.2)
        shipped = max(packed, t_c) + rng.uniform(0.2, 1.0)
        delivered = shipped + 0.5 + rng.gammavariate(3.0, 0.8)
    elif stage == "in_transit":
        shipped = order.placed + span * rng.uniform(0.3, 0.8)
        packed = order.placed + (shipped - order.placed) * 0.4
        delivered = t_c + rng.uniform(0.5, 4.0)
    else:
        delivered = t_c - min(span * 0.5, rng.uniform(0.1, max(0.2, span - 3.5)))
        packed = order.placed + (delivered - order.placed) * 0.15
        shipped = order.placed + (delivered - order.placed) * 0.35
    _shipping(add, order, packed, shipped, delivered)
    return delivered


def _shipping(add: Any, order: Timeline, packed: float, shipped: float, delivered: float) -> None:
    add("packed", packed)
    add("shipped", max(shipped, packed + 0.01))
    add("delivered", max(delivered, shipped + 0.02))
