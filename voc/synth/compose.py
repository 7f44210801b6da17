"""Compose one contact's text from phrase parts, slots and a channel renderer."""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from voc.synth import phrases as P
from voc.synth.channels import Story, render
from voc.synth.identity import identity_exchanges
from voc.synth.phrases_after_delivery import AFTER_DELIVERY
from voc.synth.phrases_before_delivery import BEFORE_DELIVERY
from voc.synth.pii import Customer, PiiBag, has_token, luhn_card, make_tracking_id
from voc.synth.profiles import CAUSES
from voc.synth.topics import APP_CRASH, CARRIER_SWITCH_DETAIL, NEW_CARRIER, OFF_TAXONOMY

APP_CRASH_ID = "app_release_8_4_crash"
CARRIER_INCIDENT = "_carrier_switch_damage"  # id is "<market>_carrier_switch_damage"
PHRASES: dict[str, P.Phrases] = {**BEFORE_DELIVERY, **AFTER_DELIVERY, **OFF_TAXONOMY, APP_CRASH_ID: APP_CRASH}

_SIZE_VERBS = [
    "comes up tiny",
    "is way too tight",
    "swamps me",
    "is two sizes too big",
    "is cut really narrow",
]
_PII_DETAILS = {
    "phone": [
        "You can reach me on {phone}.",
        "My number is {phone} if you need to call.",
        "Call me on {phone}.",
    ],
    "email": ["My email is {email}.", "Please reply to {email}.", "My account email is {email}."],
    "address": ["My address is {address}.", "It was going to {address}."],
    "name": ["The parcel was addressed to {name}.", "The account is under {name}."],
}
_PRICE = {
    "fashion": (12, 140),
    "electronics": (15, 480),
    "home": (10, 320),
    "beauty": (6, 90),
    "sports": (9, 260),
    "toys": (8, 150),
}


@dataclass
class ContactPlan:
    """Everything decided about a contact before its text is written."""

    topic: str
    secondary: str | None
    family: str
    channel: str
    market: str
    category: str
    created_at: datetime
    order_id: str | None
    repeat_no: int
    rating: int
    incident: str | None
    roughen: bool
    reveals_identity: bool = False  # a national id, date of birth, password, ... (voc.synth.identity)


class Slots(dict[str, str]):
    """Lazily filled template slots; case-level values are shared by a case's follow-ups."""

    def __init__(
        self, case: dict[str, str], plan: ContactPlan, customer: Customer, bag: PiiBag, rng: random.Random
    ) -> None:
        super().__init__()
        self.case, self.plan, self.customer, self.bag, self.rng = case, plan, customer, bag, rng

    def __missing__(self, key: str) -> str:
        pii = self._pii(key)
        if pii is not None:
            self[key] = pii
            return pii
        if key not in self.case:
            self.case[key] = self._make(key)
        return self.case[key]

    def _pii(self, key: str) -> str | None:
        c, bag = self.customer, self.bag
        if key == "order":
            return bag.token("order_id", self.plan.order_id) if self.plan.order_id else "my last order"
        if key == "tracking":
            if "tracking_raw" not in self.case:
                self.case["tracking_raw"] = make_tracking_id(self.rng, self["carrier"])
            return bag.token("tracking_id", self.case["tracking_raw"])
        if key == "card":
            if "card_raw" not in self.case:
                self.case["card_raw"] = luhn_card(self.rng)
            return bag.token("card", self.case["card_raw"])
        values = {"address": c.address, "name": c.name, "first": c.first, "email": c.email, "phone": c.phone}
        if key in values:
            return bag.token("name" if key == "first" else key, values[key])
        return None

    def _make(self, key: str) -> str:
        rng, plan = self.rng, self.plan
        cat = plan.category
        if key == "product":
            return rng.choice(P.PRODUCTS[cat])
        if key == "a_product":
            product = self["product"]
            return ("an " if product[0] in "aeiou" else "a ") + product
        if key == "wrong_product":
            other = rng.choice([p for p in P.PRODUCTS[cat] if p != self["product"]])
            return ("an " if other[0] in "aeiou" else "a ") + other
        if key in ("colour", "colour2"):
            taken = self.case.get("colour") if key == "colour2" else None
            return rng.choice([c for c in P.COLOURS if c != taken])
        if key == "size":
            return rng.choice(P.SIZES.get(cat, ["M", "L", "S"]))
        if key == "size_issue":
            return rng.choice(P.SIZE_ISSUES)
        if key == "size_issue2":
            return rng.choice(_SIZE_VERBS)
        if key == "carrier":
            if is_carrier_incident(plan.incident):
                return NEW_CARRIER
            return rng.choice(P.CARRIERS.get(plan.market, P.CARRIERS["UK"]))
        if key in ("amount", "amount2"):
            low, high = _PRICE[cat]
            value = rng.uniform(low, high) if key == "amount" else rng.uniform(2, max(3.0, high / 6))
            if rng.random() < 0.4:
                value = round(value) - 0.01
            return _money(value, plan.market, rng)
        if key == "seller":
            return rng.choice(P.SELLER_HEADS) + rng.choice(P.SELLER_TAILS)
        if key == "weekday":
            return rng.choice(P.WEEKDAYS)
        if key == "date":
            return _date(plan.created_at - timedelta(days=rng.randint(2, 25)), plan.market, rng)
        if key in ("promised", "promised2"):
            start = plan.created_at + timedelta(days=rng.randint(8, 20) if key == "promised" else 24)
            return _date(start, plan.market, rng)
        if key == "dropoff":
            return rng.choice(P.DROPOFFS).format(carrier=self["carrier"])
        if key in ("part", "defect", "damage", "mismatch"):
            pool = {"part": P.PARTS, "defect": P.DEFECTS, "damage": P.DAMAGE, "mismatch": P.MISMATCH}[key]
            return rng.choice(pool[cat]).format_map(self)
        simple: dict[str, Any] = {
            "days": lambda: str(rng.randint(2, 12)),
            "weeks": lambda: str(rng.randint(2, 5)),
            "months": lambda: str(rng.randint(4, 20)),
            "n": lambda: str(rng.randint(2, 5)),
            "n2": lambda: "1",
            "km": lambda: str(rng.randint(8, 45)),
            "shop": lambda: rng.choice(P.SHOPS),
            "brand": lambda: rng.choice(P.BRANDS),
            "relative": lambda: rng.choice(P.RELATIVES),
            "version": lambda: rng.choice(["8.4", "8.4.0", "8.4.1"]),
            "nth": lambda: rng.choice(P.ORDINALS),
            "last4": lambda: f"{rng.randint(0, 9999):04d}",
            "code": lambda: (
                rng.choice(["SAVE", "WELCOME", "AUTUMN", "VIP", "FRIEND"]) + str(rng.choice([10, 15, 20]))
            ),
        }
        if key in simple:
            return str(simple[key]())
        raise KeyError(f"unknown phrase slot {{{key}}}")


def compose(
    plan: ContactPlan,
    case: dict[str, str],
    customer: Customer,
    agent: str,
    rng: random.Random,
    side: random.Random | None = None,
) -> tuple[str, list[tuple[str, str]]]:
    """Text of the contact described by ``plan`` and the PII pairs planted in it.

    ``side`` draws what only some contacts have (the identity details of ``plan.reveals_identity``),
    so adding them leaves every other draw, and so every other contact, as it was.
    """
    bag = PiiBag()
    slots = Slots(case, plan, customer, bag, rng)
    ph = PHRASES[plan.topic]
    fill = lambda template: template.format_map(slots)  # noqa: E731
    channel = plan.channel

    situation = [fill(rng.choice(ph.situation))]
    details = [fill(d) for d in rng.sample(ph.detail, k=min(len(ph.detail), rng.choice([0, 1, 1, 2])))]
    ask, title, short = ph.ask, ph.title, ph.short
    vague = P.FAMILY_VAGUE.get(plan.family)
    if vague and plan.incident is None and plan.topic in CAUSES:
        draw = rng.random()
        if draw < 0.12:  # the family shows, the cause at most in one detail
            situation = [fill(rng.choice(vague))]
            details = details[:1] if rng.random() < 0.35 else []
            titles = P.VAGUE_REVIEW_TITLE if channel == "review" else P.VAGUE_TITLE
            ask, title, short = (*P.VAGUE_ASK, *ph.ask[:1]), tuple(titles), (situation[0],)
        elif draw < 0.35:
            situation = [" ".join([fill(rng.choice(vague)), situation[0]])]
        if rng.random() < 0.12 and CAUSES[plan.topic].confusable:
            near = PHRASES[rng.choice(CAUSES[plan.topic].confusable)]
            details.insert(rng.randint(0, len(details)), fill(rng.choice(near.detail)))
    if plan.secondary:
        situation.append(fill(rng.choice(PHRASES[plan.secondary].situation)))
    if is_carrier_incident(plan.incident) and rng.random() < 0.75:
        details.insert(0, fill(rng.choice(CARRIER_SWITCH_DETAIL)))
    if channel in ("chat", "email") and rng.random() < 0.1:
        kind = rng.choice(list(_PII_DETAILS))
        details.append(fill(rng.choice(_PII_DETAILS[kind])))
    opener = ""
    if channel == "chat":
        opener = fill(rng.choice(P.NAME_OPENERS)) if rng.random() < 0.12 else rng.choice(P.OPENERS)
    elif channel == "email" and rng.random() < 0.08:
        opener = fill(rng.choice(P.NAME_OPENERS[:2])).removeprefix("Hi, ").removeprefix("Hello, ")
        opener = opener[:1].upper() + opener[1:]
    extras = (
        [fill(rng.choice(P.CONTEXT))] if channel in ("chat", "email", "review") and rng.random() < 0.5 else []
    )
    if plan.topic not in CAUSES and plan.incident is None:
        extras = []  # account, gift card, promo questions: no order story
    if plan.order_id is None or channel == "review":
        extras = [e for e in extras if "my last order" not in e and not has_token(e)]
    story = Story(
        opener=opener.removesuffix(" and") + ("." if opener.endswith(" and") else ""),
        situation=situation,
        details=details,
        ask=fill(rng.choice(ask)),
        emotion=rng.choice(P.EMOTIONS)
        if plan.rating <= 3 or (channel != "review" and rng.random() < 0.3)
        else "",
        title=fill(rng.choice(title)),
        short=fill(rng.choice(short)),
        app_reason=rng.choice(ph.app_reason) if ph.app_reason else "",
        family=plan.family,
        customer=customer,
        bag=bag,
        created_at=plan.created_at,
        agent=agent,
        rating=plan.rating,
        order_ref=bag.token("order_id", plan.order_id) if plan.order_id else None,
        repeat=fill(rng.choice(P.REPEAT)) if plan.repeat_no else "",
        extras=extras,
    )
    if plan.reveals_identity:
        story.identity = identity_exchanges(channel, plan.market, customer, bag, side or rng)
    if story.opener.endswith(","):
        if story.repeat:
            story.repeat = _continue(story.repeat)
        else:
            story.situation[0] = _continue(story.situation[0])
    if plan.roughen:
        story.situation = [roughen(s, rng) for s in story.situation]
        story.details = [roughen(s, rng) for s in story.details]
        story.ask = roughen(story.ask, rng)
        story.short = roughen(story.short, rng)
    return render(channel, story, rng, side)


def is_carrier_incident(incident: str | None) -> bool:
    return incident is not None and incident.endswith(CARRIER_INCIDENT)


def roughen(text: str, rng: random.Random) -> str:
    """Slang and a typo or two, as people type in a hurry; PII placeholders are left intact."""
    for formal, slang in P.SLANG.items():
        if rng.random() < 0.6:
            text = re.sub(rf"\b{formal}\b", slang, text, flags=re.IGNORECASE)
    words = text.split(" ")
    candidates = [i for i, w in enumerate(words) if len(w) >= 4 and w.isalpha() and not has_token(w)]
    for i in rng.sample(candidates, k=min(len(candidates), rng.choice([0, 1, 1, 2]))):
        w, j = words[i], rng.randint(1, len(words[i]) - 2)
        kind = rng.random()
        if kind < 0.4:
            words[i] = w[:j] + w[j + 1] + w[j] + w[j + 2 :]
        elif kind < 0.7:
            words[i] = w[:j] + w[j + 1 :]
        else:
            words[i] = w[:j] + w[j] + w[j:]
    text = " ".join(words)
    if rng.random() < 0.4:
        text = text.lower().rstrip(".")
    return text


_PROPER = {
    w
    for names in (P.BRANDS, P.SHOPS, *P.CARRIERS.values())
    for n in names
    for w in n.split()
    if w[0].isupper()
}
_PROPER |= {"PayPal", "NordPaket", "App", "Order", "ORD", "I", "I'm", "I've", "I'd", "I'll"}


def _continue(sentence: str) -> str:
    """``It says...`` -> ``it says...`` after an opener like ``Hey,``; names keep their capital."""
    first = sentence.split(" ", 1)[0].rstrip(",.")
    if not first or has_token(first) or first in _PROPER or first.startswith(tuple(P.SELLER_HEADS)):
        return sentence
    return sentence[:1].lower() + sentence[1:]


def _money(value: float, market: str, rng: random.Random) -> str:
    shown = f"{value:.2f}"
    if market in ("DE", "FR", "ES"):
        shown = shown.replace(".", ",")
    if shown.endswith((".00", ",00")) and rng.random() < 0.7:
        shown = shown[:-3]
    return P.CURRENCY.get(market, "£{v}").format(v=shown)


def _date(day: datetime, market: str, rng: random.Random) -> str:
    month = f"{day:%B}"
    if market == "US":
        return rng.choice([f"{month} {day.day}", f"{day.month}/{day.day}", f"{month[:3]} {day.day}"])
    return rng.choice([f"{day.day} {month}", f"{day.day}/{day.month}", f"{day.day} {month[:3]}"])
