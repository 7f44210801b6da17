"""The generator of ``voc data synth``: realistic marketplace contacts, orders and ground truth.

``generate(SynthConfig(...))`` returns a :class:`SynthData` (DataFrames); :mod:`voc.synth.export`
writes it. The same config gives the same data.

How a contact is made: a *case* (customer, order, market, category, root cause or off-taxonomy
topic) is drawn from the profiles in :mod:`voc.synth.profiles`; it produces one contact, or a
few when the customer has to chase; each contact gets a channel, a time and a text composed by
:mod:`voc.synth.compose` from independent phrase parts. Three incidents are planted on top: a new
app crash in the last two weeks, a growing cause in one market, and an operational one: from the
third-last week a policy in one market refuses cancellation once an order is packed, so
``cancel_failed`` (reason ``packed``) jumps in the order events (:mod:`voc.synth.order_flow`) and
``cannot_cancel`` contacts rise there.
"""

from __future__ import annotations

import bisect
import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import TypeVar

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from voc.contracts.contacts import CONTACT_COLUMNS as CONTRACT_COLUMNS
from voc.synth.calendar import CONTACT_WEEKDAY, hour_weights, orders_table, period_days
from voc.synth.compose import APP_CRASH_ID, CARRIER_INCIDENT, ContactPlan, compose
from voc.synth.foreign import MARKET_LANGUAGE, SITUATIONS, foreign_text
from voc.synth.order_flow import CancelPolicy, blocked_cancellations_per_order, order_events
from voc.synth.phrases import AGENTS
from voc.synth.pii import make_customer, make_order_id
from voc.synth.profiles import (
    APP_CRASH_PROFILE,
    CATEGORIES,
    CATEGORY_SHARE,
    CAUSES,
    MARKET_SHARE,
    MARKETS,
    TOPICS,
)
from voc.taxonomy import load_taxonomy
from voc.weeks import iso_week, parse_iso_week

__all__ = ["SynthConfig", "SynthData", "generate"]
K = TypeVar("K")

# the contract minus `label`: the ground truth lives in its own file
CONTACT_COLUMNS = [c for c in CONTRACT_COLUMNS if c != "label"]
GROWTH_MARKET = "DE"
POLICY_MARKET = "UK"
POLICY_INCIDENT = "_cancel_blocked_when_packed"  # id is "<market>_cancel_blocked_when_packed"
POLICY_WEEKS = 3
# Share of the cancellations the policy refuses that make the customer contact us.
CONTACTS_PER_BLOCKED = 0.2
ORDERS_PER_CONTACT = 1 / 0.019
# Extra incident contacts per week of the growth, in multiples of the cause's baseline there.
_GROWTH_EXTRA = (2.0, 3.0, 3.5)
_STAGE_LAG = {"pre_shipment": (0, 2), "in_transit": (2, 8), "delivered": (3, 14), "post_delivery": (10, 45)}


@dataclass(frozen=True)
class SynthConfig:
    """Settings of ``voc data synth``.

    Parameters
    ----------
    contacts : number of contacts to write (at least 50).
    weeks : ISO weeks covered (at least 4: the growing cause needs a baseline).
    end_week : last ISO week, e.g. ``2026-W47``; fixed so output never depends on today's date.
    seed : random seed; the same config gives byte-identical files.
    markets : markets to draw, a subset of UK, DE, FR, ES, US.
    off_taxonomy_share : share of contacts about topics outside the taxonomy.
    label_noise : share of labels replaced by a confusable cause.
    two_cause_share : share of taxonomy contacts that mention a second cause.
    typo_share : share of contacts typed in a hurry (slang, typos).
    crash_share : share of the last two weeks' contacts that are about the app crash.
    foreign_share : share of the cases in DE, FR and ES written in the market's language (those
        about the causes :mod:`voc.synth.foreign` has phrases for).
    identity_share : share of chats, e-mails and calls that give away a national id, date of birth,
        IP address, password, PIN, CVV or a name as a bare answer (:mod:`voc.synth.identity`).
    progress : show a progress bar.
    """

    contacts: int = 6000
    weeks: int = 12
    end_week: str = "2026-W47"
    seed: int = 7
    markets: tuple[str, ...] = MARKETS
    off_taxonomy_share: float = 0.15
    label_noise: float = 0.05
    two_cause_share: float = 0.08
    typo_share: float = 0.04
    crash_share: float = 0.05
    foreign_share: float = 0.06
    identity_share: float = 0.04
    progress: bool = False

    def __post_init__(self) -> None:
        if self.contacts < 50:
            raise ValueError(f"contacts must be >= 50, got {self.contacts}")
        if not 4 <= self.weeks <= 104:
            raise ValueError(f"weeks must be between 4 and 104, got {self.weeks}")
        parse_iso_week(self.end_week)
        unknown = sorted(set(self.markets) - set(MARKETS))
        if unknown or not self.markets:
            raise ValueError(
                f"markets must be a non-empty subset of {', '.join(MARKETS)}; unknown: {unknown}"
            )
        shares = ("off_taxonomy_share", "label_noise", "two_cause_share", "typo_share", "crash_share")
        for name in (*shares, "foreign_share", "identity_share"):
            value = getattr(self, name)
            if not 0.0 <= value < 0.5:
                raise ValueError(f"{name} must be in [0, 0.5), got {value}")


@dataclass
class SynthData:
    """What :func:`generate` makes; every table is a pandas DataFrame."""

    contacts: pd.DataFrame
    ground_truth: pd.DataFrame
    pii: pd.DataFrame
    orders: pd.DataFrame
    events: pd.DataFrame = field(default_factory=pd.DataFrame)
    incidents: list[dict[str, object]] = field(default_factory=list)
    config: SynthConfig = field(default_factory=SynthConfig)


def generate(config: SynthConfig | None = None) -> SynthData:
    """Generate contacts, ground truth, planted PII, orders and incidents for ``config``.

    Returns
    -------
    SynthData with ``contacts`` of shape (config.contacts, 11) in the contact contract,
    ``ground_truth`` of shape (config.contacts, 8), ``pii`` (one row per planted value),
    ``orders`` of shape (n_days * n_markets * n_categories, 4), the order ``events`` of every order
    (the order-events contract) and the incident list.
    """
    config = config or SynthConfig()
    return _Generator(config).run()


# --------------------------------------------------------------------------------------------
# The generator
# --------------------------------------------------------------------------------------------


class _Generator:
    def __init__(self, config: SynthConfig) -> None:
        self.config = config
        self.rng = random.Random(config.seed)
        # Its own stream: the English contacts are the same whatever foreign_share is.
        self.language_rng = random.Random(f"{config.seed}-language")
        # Its own stream: the identity details added to a few contacts change no other contact.
        self.side_rng = random.Random(f"{config.seed}:identity")
        self.np_rng = np.random.default_rng(config.seed)
        self.taxonomy = load_taxonomy()
        self.days = period_days(config.end_week, config.weeks)
        self.markets = [m for m in MARKETS if m in config.markets]
        self.growth_market = GROWTH_MARKET if GROWTH_MARKET in self.markets else self.markets[0]
        self.growth_id = self.growth_market.lower() + CARRIER_INCIDENT
        last = parse_iso_week(config.end_week)
        self.crash_start = last - timedelta(days=6)  # Tuesday of the week before the last: release day
        self.growth_start = last - timedelta(weeks=len(_GROWTH_EXTRA) - 1)
        trend = np.linspace(0.94, 1.06, len(self.days))
        day_weights = trend * CONTACT_WEEKDAY[[d.weekday() for d in self.days]]
        self.day_weights = list(np.cumsum(day_weights / day_weights.sum()))
        self.cause_ids = [c for c in CAUSES if c in self.taxonomy]
        self.topic_ids = list(TOPICS)
        self.growth_rate = self._baseline_rate("damaged_in_transit")
        others = [m for m in self.markets if m != self.growth_market] or self.markets
        self.policy = CancelPolicy(
            POLICY_MARKET if POLICY_MARKET in self.markets else others[0],
            last - timedelta(weeks=POLICY_WEEKS - 1),
        )
        self.policy_id = self.policy.market.lower() + POLICY_INCIDENT
        self.policy_p = self._policy_p()

    def run(self) -> SynthData:
        config = self.config
        rows: list[dict[str, object]] = []
        with tqdm(
            total=config.contacts, desc="synth contacts", unit="contact", disable=not config.progress
        ) as bar:
            while len(rows) < config.contacts:
                made = self._case()[: config.contacts - len(rows)]
                rows += made
                bar.update(len(made))
        frame = pd.DataFrame(rows).sort_values(["created_at", "seq"], kind="stable").reset_index(drop=True)
        frame["contact_id"] = [f"C{i:07d}" for i in range(1, len(frame) + 1)]
        frame["created_at"] = pd.to_datetime(frame["created_at"], utc=True)
        contacts = frame[CONTACT_COLUMNS].copy()
        for col in ("csat", "nps"):
            contacts[col] = contacts[col].astype("Int64")
        contacts["escalated"] = contacts["escalated"].astype(bool)
        truth = frame[
            [
                "contact_id",
                "root_cause",
                "secondary_root_cause",
                "label",
                "topic",
                "incident",
                "in_taxonomy",
                "language",
            ]
        ].copy()
        truth["in_taxonomy"] = truth["in_taxonomy"].astype(bool)
        pii = pd.DataFrame(
            [
                (cid, kind, value)
                for cid, pairs in zip(frame["contact_id"], frame["pii"], strict=True)
                for kind, value in pairs
            ],
            columns=["contact_id", "pii_type", "value"],
        )
        total_orders = config.contacts * ORDERS_PER_CONTACT
        market_share = {m: MARKET_SHARE[m] for m in self.markets}
        norm = sum(market_share.values())
        orders = orders_table(
            self.days,
            {m: s / norm for m, s in market_share.items()},
            CATEGORY_SHARE,
            total_orders / len(self.days),
            self.np_rng,
        )
        events = order_events(
            orders, _contact_orders(frame), self.policy, config.seed, (self.days[0], self.days[-1])
        )
        return SynthData(contacts, truth, pii, orders, events, self._incidents(frame, events), config)

    # -- cases -----------------------------------------------------------------------------

    def _case(self) -> list[dict[str, object]]:
        rng, config = self.rng, self.config
        day = self.days[min(_bisect(self.day_weights, rng.random()), len(self.days) - 1)]
        market = _pick(rng, {m: MARKET_SHARE[m] for m in self.markets})
        category = _pick(rng, CATEGORY_SHARE)
        incident = None
        if day >= self.crash_start and rng.random() < config.crash_share * 1.2:
            topic, profile, incident = APP_CRASH_ID, APP_CRASH_PROFILE, APP_CRASH_ID
        elif market == self.policy.market and day >= self.policy.start and rng.random() < self.policy_p:
            topic, profile, incident = "cannot_cancel", CAUSES["cannot_cancel"], self.policy_id
        elif market == self.growth_market and day >= self.growth_start and rng.random() < self._growth_p(day):
            topic, profile, incident = "damaged_in_transit", CAUSES["damaged_in_transit"], self.growth_id
            category = _pick(rng, {c: CATEGORY_SHARE[c] * profile.category_weight(c) for c in CATEGORIES})
        elif rng.random() < config.off_taxonomy_share:
            topic = _pick(rng, {t: p.weight for t, p in TOPICS.items()})
            profile = TOPICS[topic]
        else:
            topic = _pick(
                rng, {c: CAUSES[c].weight * CAUSES[c].category_weight(category) for c in self.cause_ids}
            )
            profile = CAUSES[topic]
        in_taxonomy = topic in self.taxonomy
        stage = _pick(rng, profile.stages)
        if incident == self.policy_id:
            stage = "pre_shipment"
        order_id, ordered = None, None
        if profile.has_order and (stage is not None or rng.random() < 0.5):
            low, high = _STAGE_LAG.get(stage or "delivered", (3, 14))
            ordered = day - timedelta(days=rng.randint(low, high))
            order_id = make_order_id(rng, f"{ordered:%Y%m%d}")
        customer = make_customer(rng, market)
        case_slots: dict[str, str] = {}
        n_contacts = 1
        while n_contacts < 3 and rng.random() < 0.07 + profile.escalate * 0.8:
            n_contacts += 1
        first_channel = _pick(rng, profile.channels)
        secondary = None
        # Only ~62% of taxonomy contacts can carry a second cause (not app, cause has partners).
        can_pair = in_taxonomy and first_channel != "app" and bool(CAUSES[topic].secondary)
        if can_pair and rng.random() < config.two_cause_share / 0.62:
            secondary = rng.choice(CAUSES[topic].secondary)
        label = topic if in_taxonomy else None
        if in_taxonomy and rng.random() < config.label_noise:
            label = rng.choice([secondary] if secondary else list(CAUSES[topic].confusable) or [topic])
        family = self.taxonomy.family_of(topic, "incident" if incident == APP_CRASH_ID else "topic")
        family = "return" if family == "delivery" and topic == "damaged_in_transit" else family
        language = "en"
        if (
            market in MARKET_LANGUAGE
            and topic in SITUATIONS
            and secondary is None
            and self.language_rng.random() < config.foreign_share
        ):
            language = MARKET_LANGUAGE[market]
        rows = []
        when = day
        for k in range(n_contacts):
            if k:
                when = when + timedelta(days=rng.randint(1, 6))
                if when > self.days[-1]:
                    break
            channel = first_channel if k == 0 else _pick(rng, {"chat": 3, "email": 3, "call": 1})
            created = self._time(when, channel, market)
            escalated = rng.random() < min(0.9, profile.escalate + 0.18 * k)
            rating = self._csat(profile.csat - 0.5 * k - 0.6 * escalated)
            if channel == "review" and profile.csat < 3.5:
                rating = max(1, rating - 1)  # people who review a problem rate harshly
            plan = ContactPlan(
                topic=topic,
                secondary=secondary,
                family=family,
                channel=channel,
                market=market,
                category=category,
                created_at=created,
                order_id=order_id,
                repeat_no=k,
                rating=rating,
                incident=incident,
                roughen=rng.random() < config.typo_share,
                reveals_identity=channel in ("chat", "email", "call")
                and self.side_rng.random() < config.identity_share,
            )
            text, pii = compose(plan, case_slots, customer, rng.choice(AGENTS), rng, self.side_rng)
            if language != "en":
                # Drawn from the language stream, so the English contacts keep their draws.
                text = foreign_text(topic, language, channel, rating, self.language_rng) or text
                pii = []
            csat: int | None = rating
            if channel == "app" or (channel != "review" and rng.random() > 0.66):
                csat = None
            nps = None
            if rng.random() < 0.3:
                base = (csat if csat is not None else rating) * 2.3 - 1.8
                nps = int(min(10, max(0, round(base + rng.gauss(0, 1.4)))))
            rows.append(
                {
                    "seq": self._seq(),
                    "text": text,
                    "created_at": created,
                    "channel": channel,
                    "order_id": order_id,
                    "ordered_on": ordered,
                    "market": market,
                    "category": category,
                    "order_stage": stage,
                    "csat": csat,
                    "nps": nps,
                    "escalated": escalated and channel not in ("app", "review"),
                    "root_cause": topic if in_taxonomy else None,
                    "secondary_root_cause": secondary,
                    "label": label,
                    "topic": topic,
                    "incident": incident,
                    "in_taxonomy": in_taxonomy,
                    "language": language,
                    "pii": pii,
                }
            )
        return rows

    def _seq(self) -> int:
        self._counter = getattr(self, "_counter", 0) + 1
        return self._counter

    def _time(self, day: date, channel: str, market: str) -> datetime:
        hours = hour_weights(channel, market)
        hour = int(self.np_rng.choice(24, p=hours))
        second = self.rng.randint(0, 3599)
        return datetime(day.year, day.month, day.day, hour, second // 60, second % 60, tzinfo=UTC)

    def _csat(self, mean: float) -> int:
        return int(min(5, max(1, round(self.rng.gauss(mean, 1.0)))))

    def _baseline_rate(self, cause: str) -> float:
        """Share of a day's contacts in a market that are ``cause`` without incidents."""
        total = 0.0
        for category, c_share in CATEGORY_SHARE.items():
            weights = {c: CAUSES[c].weight * CAUSES[c].category_weight(category) for c in self.cause_ids}
            total += c_share * weights[cause] / sum(weights.values())
        return total * (1 - self.config.off_taxonomy_share)

    def _growth_p(self, day: date) -> float:
        week = (day - self.growth_start).days // 7
        extra = _GROWTH_EXTRA[min(week, len(_GROWTH_EXTRA) - 1)] * self.growth_rate
        return extra / (1 + extra)

    def _policy_p(self) -> float:
        """Chance that a case in the policy market is an incident contact, once the policy holds.

        Extra refusals per order x the share that make a contact x orders per case: the market's
        share cancels out, so ``cannot_cancel`` rises with the ``cancel_failed`` it follows.
        """
        contacts_per_case = 1.1
        return (
            CONTACTS_PER_BLOCKED * blocked_cancellations_per_order() * ORDERS_PER_CONTACT * contacts_per_case
        )

    # -- ground truth of the incidents -------------------------------------------------------

    def _incidents(self, frame: pd.DataFrame, events: pd.DataFrame) -> list[dict[str, object]]:
        weeks = frame["created_at"].dt.tz_convert(None).map(iso_week)
        end = self.config.end_week
        crash = frame["incident"] == APP_CRASH_ID
        crash_weeks = sorted(weeks[crash].unique())
        last_two = weeks.isin([iso_week(self.crash_start), end])
        growth = frame["incident"] == self.growth_id
        in_market = (frame["market"] == self.growth_market) & (frame["root_cause"] == "damaged_in_transit")
        first_growth = iso_week(self.growth_start)
        before = in_market & (weeks < first_growth)
        n_before_weeks = max(1, weeks[weeks < first_growth].nunique())
        weekly = {str(w): int(n) for w, n in in_market.groupby(weeks).sum().items() if str(w) >= first_growth}
        return [
            {
                "id": APP_CRASH_ID,
                "kind": "new_friction",
                "description": "After app release 8.4 the app crashes or shows a white screen when customers "
                "tap Cancel order or Return item.",
                "topic": APP_CRASH_ID,
                "root_cause": None,
                "market": None,
                "first_week": crash_weeks[0] if crash_weeks else iso_week(self.crash_start),
                "last_week": end,
                "expected_contacts": int(crash.sum()),
                "share_of_contacts_in_weeks": round(float(crash.sum() / max(1, last_two.sum())), 4),
            },
            {
                "id": self.growth_id,
                "kind": "growing_cause",
                "description": f"damaged_in_transit grows in {self.growth_market} after parcels moved to the "
                "carrier NordPaket.",
                "topic": "damaged_in_transit",
                "root_cause": "damaged_in_transit",
                "market": self.growth_market,
                "first_week": first_growth,
                "last_week": end,
                "expected_contacts": int(growth.sum()),
                "baseline_weekly_contacts": round(float(before.sum() / n_before_weeks), 1),
                "weekly_contacts": weekly,
            },
            self._policy_incident(frame, weeks, events),
        ]

    def _policy_incident(
        self, frame: pd.DataFrame, weeks: pd.Series, events: pd.DataFrame
    ) -> dict[str, object]:
        market, first = self.policy.market, iso_week(self.policy.start)
        outcomes = events[
            events["event"].isin(["cancel_succeeded", "cancel_failed"]) & (events["market"] == market)
        ]
        during = outcomes["at"] >= pd.Timestamp(self.policy.start, tz="UTC")
        success = outcomes["event"] == "cancel_succeeded"
        cannot = (frame["market"] == market) & (frame["root_cause"] == "cannot_cancel")
        weekly = {str(w): int(n) for w, n in cannot.groupby(weeks).sum().items()}
        return {
            "id": self.policy_id,
            "kind": "operational",
            "description": f"From {first} a policy change in {market} refuses cancellation once an order is "
            "packed: cancel_failed with failure_reason 'packed' jumps and cannot_cancel contacts rise.",
            "topic": "cannot_cancel",
            "root_cause": "cannot_cancel",
            "market": market,
            "first_week": first,
            "last_week": self.config.end_week,
            "expected_contacts": int((frame["incident"] == self.policy_id).sum()),
            "kpi": "cancel_success_rate",
            "event": "cancel_failed",
            "failure_reason": "packed",
            "cancel_success_rate_before": round(float(success[~during].mean()), 4)
            if (~during).any()
            else None,
            "cancel_success_rate_during": round(float(success[during].mean()), 4) if during.any() else None,
            "weekly_cannot_cancel_contacts": weekly,
        }


def _contact_orders(frame: pd.DataFrame) -> pd.DataFrame:
    """One row per order some contact is about, from its first contact, indexed by ``order_id``."""
    with_order = frame[frame["order_id"].notna()].sort_values(["created_at", "seq"], kind="stable")
    first = with_order.drop_duplicates("order_id")
    out = first[["order_id", "ordered_on", "market", "category", "order_stage", "topic", "incident"]].copy()
    out["first_contact"] = first["created_at"]
    out["contact_channel"] = first["channel"]
    return out.set_index("order_id")


def _pick(rng: random.Random, weights: Mapping[K, float]) -> K:
    keys = [k for k, w in weights.items() if w > 0]
    return rng.choices(keys, weights=[weights[k] for k in keys])[0]


def _bisect(cumulative: list[float], x: float) -> int:
    return bisect.bisect_right(cumulative, x)
