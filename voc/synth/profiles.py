"""How each root cause behaves: frequency, categories, order stage, channels, CSAT, escalation.

The numbers are judgement calls of how a general marketplace looks (sizes hurt fashion,
defects hurt electronics, refunds and lost parcels make the angriest customers); they are kept
here as data so the generator itself holds no magic numbers.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

MARKETS = ("UK", "DE", "FR", "ES", "US")
MARKET_SHARE = {"UK": 0.30, "DE": 0.25, "FR": 0.17, "ES": 0.10, "US": 0.18}
CATEGORIES = ("fashion", "electronics", "home", "beauty", "sports", "toys")
CATEGORY_SHARE = {
    "fashion": 0.32,
    "electronics": 0.20,
    "home": 0.18,
    "beauty": 0.12,
    "sports": 0.09,
    "toys": 0.09,
}


@dataclass(frozen=True)
class Profile:
    """Behaviour of one root cause or off-taxonomy topic."""

    weight: float
    channels: dict[str, float]
    stages: Mapping[Any, float]  # order stage, or None for contacts without an order -> weight
    csat: float
    escalate: float = 0.05
    categories: dict[str, float] = field(default_factory=dict)
    confusable: tuple[str, ...] = ()
    secondary: tuple[str, ...] = ()
    has_order: bool = True

    def category_weight(self, category: str) -> float:
        return self.categories.get(category, 1.0)


_CANCEL_APP = {"chat": 3.0, "email": 1.3, "app": 9.0, "call": 0.7, "review": 0.05}
_CANCEL = {"chat": 4.0, "email": 2.0, "call": 1.0, "app": 0.0, "review": 0.2}
_DELIVERY = {"chat": 4.0, "email": 2.0, "call": 1.0, "app": 0.0, "review": 0.5}
_PRODUCT = {"chat": 3.0, "email": 2.0, "call": 0.5, "app": 1.2, "review": 1.3}
_RETURNS = {"chat": 4.0, "email": 2.5, "call": 1.0, "app": 0.0, "review": 0.2}
_REFUND = {"chat": 4.0, "email": 3.0, "call": 1.3, "app": 0.0, "review": 0.2}
_PRE = {"pre_shipment": 1.0}
_RETURN_STAGE = {"delivered": 0.6, "post_delivery": 0.4}
_PROCESS_STAGE = {"post_delivery": 0.8, "delivered": 0.2}

CAUSES: dict[str, Profile] = {
    "changed_mind": Profile(
        6, _CANCEL_APP, _PRE, 3.9, 0.02, confusable=("ordered_by_mistake", "found_cheaper")
    ),
    "ordered_by_mistake": Profile(
        3,
        _CANCEL_APP,
        _PRE,
        3.9,
        0.03,
        confusable=("changed_mind",),
        secondary=("cannot_cancel", "charged_twice"),
    ),
    "found_cheaper": Profile(
        3,
        _CANCEL_APP,
        _PRE,
        3.5,
        0.02,
        confusable=("changed_mind",),
        secondary=("delivery_estimate_too_long",),
    ),
    "delivery_estimate_too_long": Profile(
        3,
        _CANCEL_APP,
        _PRE,
        3.3,
        0.04,
        confusable=("shipping_delay",),
        secondary=("found_cheaper", "cannot_cancel"),
    ),
    "seller_cancelled": Profile(
        3, _CANCEL, _PRE, 2.8, 0.06, confusable=("refund_not_received",), secondary=("refund_not_received",)
    ),
    "cannot_cancel": Profile(
        3,
        _CANCEL,
        {"pre_shipment": 0.85, "in_transit": 0.15},
        2.0,
        0.14,
        confusable=("changed_mind",),
        secondary=("changed_mind", "address_change"),
    ),
    "address_change": Profile(
        2,
        _CANCEL_APP,
        {"pre_shipment": 0.8, "in_transit": 0.2},
        3.3,
        0.05,
        confusable=("cannot_cancel",),
        secondary=("cannot_cancel",),
    ),
    "payment_failed": Profile(
        2, _CANCEL, _PRE, 2.6, 0.08, confusable=("charged_twice",), secondary=("charged_twice",)
    ),
    "charged_twice": Profile(
        2,
        _CANCEL,
        {"pre_shipment": 0.6, "in_transit": 0.2, "delivered": 0.2},
        2.3,
        0.15,
        confusable=("payment_failed",),
        secondary=("refund_not_received",),
    ),
    "shipping_delay": Profile(
        9,
        _DELIVERY,
        {"in_transit": 1.0},
        2.8,
        0.07,
        confusable=("lost_parcel", "delivery_estimate_too_long"),
        secondary=("seller_unresponsive", "lost_parcel"),
    ),
    "lost_parcel": Profile(
        5,
        _DELIVERY,
        {"delivered": 0.7, "in_transit": 0.3},
        1.9,
        0.2,
        confusable=("shipping_delay",),
        secondary=("refund_not_received",),
    ),
    "damaged_in_transit": Profile(
        5,
        _PRODUCT,
        {"delivered": 1.0},
        2.7,
        0.08,
        confusable=("defective",),
        categories={"home": 2.5, "electronics": 2.0, "beauty": 1.5, "fashion": 0.3},
        secondary=("refund_not_received", "return_label_problem"),
    ),
    "wrong_size_fit": Profile(
        9,
        _PRODUCT,
        _RETURN_STAGE,
        3.7,
        0.02,
        confusable=("not_as_described",),
        categories={
            "fashion": 12.0,
            "sports": 2.0,
            "electronics": 0.0,
            "home": 0.0,
            "beauty": 0.0,
            "toys": 0.05,
        },
        secondary=("return_label_problem", "dropoff_problem"),
    ),
    "defective": Profile(
        7,
        _PRODUCT,
        _RETURN_STAGE,
        2.6,
        0.07,
        confusable=("damaged_in_transit", "warranty_claim"),
        categories={"electronics": 4.0, "home": 2.0, "beauty": 1.2, "sports": 0.8, "fashion": 0.4},
        secondary=("seller_unresponsive", "refund_rejected"),
    ),
    "not_as_described": Profile(
        5,
        _PRODUCT,
        _RETURN_STAGE,
        2.9,
        0.05,
        confusable=("wrong_item", "wrong_size_fit"),
        categories={"fashion": 1.5, "home": 1.4, "electronics": 1.2},
        secondary=("partial_refund",),
    ),
    "wrong_item": Profile(
        3,
        _PRODUCT,
        _RETURN_STAGE,
        2.8,
        0.06,
        confusable=("not_as_described", "missing_parts"),
        secondary=("missed_pickup",),
    ),
    "missing_parts": Profile(
        3,
        _PRODUCT,
        _RETURN_STAGE,
        2.8,
        0.05,
        confusable=("wrong_item",),
        categories={
            "home": 2.5,
            "toys": 2.0,
            "electronics": 1.5,
            "sports": 1.5,
            "fashion": 0.4,
            "beauty": 0.5,
        },
        secondary=("seller_unresponsive",),
    ),
    "suspected_counterfeit": Profile(
        1,
        _PRODUCT,
        _RETURN_STAGE,
        1.8,
        0.3,
        confusable=("not_as_described",),
        categories={
            "fashion": 2.0,
            "beauty": 2.5,
            "electronics": 1.5,
            "home": 0.3,
            "sports": 0.6,
            "toys": 0.4,
        },
    ),
    "return_label_problem": Profile(
        3,
        _RETURNS,
        _PROCESS_STAGE,
        2.9,
        0.04,
        confusable=("dropoff_problem",),
        secondary=("dropoff_problem",),
    ),
    "dropoff_problem": Profile(
        2, _RETURNS, _PROCESS_STAGE, 2.9, 0.04, confusable=("return_label_problem", "missed_pickup")
    ),
    "missed_pickup": Profile(
        2,
        _RETURNS,
        _PROCESS_STAGE,
        2.5,
        0.08,
        confusable=("dropoff_problem",),
        secondary=("return_window_expired",),
    ),
    "return_window_expired": Profile(2, _RETURNS, _PROCESS_STAGE, 2.4, 0.1, confusable=("refund_rejected",)),
    "refund_not_received": Profile(
        8,
        _REFUND,
        {"post_delivery": 0.85, "pre_shipment": 0.15},
        1.8,
        0.18,
        confusable=("partial_refund", "refund_wrong_method"),
        secondary=("seller_unresponsive",),
    ),
    "partial_refund": Profile(
        3, _REFUND, {"post_delivery": 1.0}, 2.4, 0.1, confusable=("refund_not_received",)
    ),
    "refund_wrong_method": Profile(
        2, _REFUND, {"post_delivery": 1.0}, 2.7, 0.06, confusable=("refund_not_received",)
    ),
    "refund_rejected": Profile(
        2,
        _REFUND,
        {"post_delivery": 1.0},
        1.9,
        0.25,
        confusable=("return_window_expired",),
        secondary=("seller_unresponsive",),
    ),
    "seller_unresponsive": Profile(
        2,
        {"chat": 3.0, "email": 3.0, "call": 1.0, "app": 0.0, "review": 1.0},
        {"delivered": 0.4, "post_delivery": 0.4, "in_transit": 0.2},
        1.9,
        0.18,
        confusable=("warranty_claim",),
    ),
    "warranty_claim": Profile(
        2,
        {"chat": 3.0, "email": 3.0, "call": 1.5, "app": 0.0, "review": 0.5},
        {"post_delivery": 1.0},
        2.8,
        0.08,
        confusable=("defective",),
        categories={
            "electronics": 4.0,
            "home": 3.0,
            "beauty": 1.0,
            "sports": 1.0,
            "fashion": 0.2,
            "toys": 0.4,
        },
        secondary=("seller_unresponsive",),
    ),
}

_NONE: dict[str | None, float] = {None: 1.0}
TOPICS: dict[str, Profile] = {
    "account_login": Profile(4, {"chat": 4, "email": 2, "call": 2}, _NONE, 3.2, 0.05, has_order=False),
    "promo_code": Profile(3, {"chat": 4, "email": 2, "call": 1}, {"pre_shipment": 0.6, None: 0.4}, 3.4, 0.02),
    "loyalty_points": Profile(
        2,
        {"chat": 3, "email": 2, "call": 0.5},
        {"delivered": 0.4, "post_delivery": 0.4, None: 0.2},
        3.4,
        0.02,
    ),
    "gift_card": Profile(2, {"chat": 3, "email": 2, "call": 1}, _NONE, 3.2, 0.04, has_order=False),
    "invoice_request": Profile(
        2, {"email": 4, "chat": 2}, {"delivered": 0.5, "post_delivery": 0.5}, 4.0, 0.01
    ),
    "product_question": Profile(3, {"chat": 3, "email": 2, "review": 0.4}, _NONE, 4.1, 0.0, has_order=False),
    "app_feedback": Profile(
        2, {"review": 3, "app": 1, "chat": 1, "email": 1}, _NONE, 2.9, 0.01, has_order=False
    ),
}
APP_CRASH_PROFILE = Profile(
    0, {"chat": 4, "email": 2, "call": 2, "review": 2.5}, {"pre_shipment": 0.55, "delivered": 0.45}, 1.9, 0.12
)
