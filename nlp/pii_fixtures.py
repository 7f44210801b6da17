"""Hand-written contacts with planted PII in every channel format, for tests and the benchmark.

``fixture_contacts(rounds=2)`` returns ``(contacts, pii_truth)``: ``contacts`` has ``contact_id``,
``channel``, ``text``; ``pii_truth`` has ``contact_id``, ``pii_type``, ``value`` (the exact substring
planted, the same layout as the synthetic generator's ``pii.parquet``). Every template also carries
things that must survive redaction: amounts, dates, sizes, versions, quantities and product names.
All PII here is invented (reserved phone ranges, test card numbers). The cases of issue 12 (answers
to the agent, new kinds, disguised formats) live in ``nlp.pii_fixture_cases`` and are included.
"""

from __future__ import annotations

import re

import pandas as pd

from nlp.pii_fixture_cases import CALL_VALUES as CASE_CALL_VALUES
from nlp.pii_fixture_cases import RISKY_NON_PII, SLOT_TYPES
from nlp.pii_fixture_cases import TEMPLATES as CASE_TEMPLATES
from nlp.pii_fixture_cases import VALUES as CASE_VALUES

VALUES: dict[str, list[str]] = {
    "email": [
        "sarah.jones@gmail.com",
        "j.smith+orders@outlook.co.uk",
        "dieter_mueller@web.de",
        "marie.dubois@orange.fr",
        "kevin99@yahoo.com",
    ],
    "phone": [
        "07700 900123",
        "+44 20 7946 0958",
        "+44 (0)7911 123456",
        "(415) 555-0132",
        "415-555-0198",
        "+1 212 555 0147",
        "030 12345678",
        "+49 151 23456789",
        "0151 2345 6789",
        "01 23 45 67 89",
        "+33 6 12 34 56 78",
        "06.12.34.56.78",
        "020 7946 0321",
        "1-800-555-0199",
    ],
    "card": [
        "4111 1111 1111 1111",
        "5500-0000-0000-0004",
        "4012888888881881",
        "3782 822463 10005",
        "6011 0009 9013 9424",
    ],
    "order_id": [
        "402-8836541-7739215",
        "ORD-20261104-58213",
        "#123456789",
        "ORD-20261020-00417",
        "171-5523190-3345812",
        "55501234",
    ],
    "tracking_id": [
        "1Z999AA10123456784",
        "JD014600003828420339",
        "RR123456789GB",
        "H00AB12345678901",
        "TBA123456789000",
    ],
    "address": [
        "14 Baker Street, London NW1 6XE",
        "Hauptstraße 12, 10115 Berlin",
        "221B Baker St",
        "5 rue de Rivoli, 75001 Paris",
        "1600 Pennsylvania Ave NW, Washington, DC 20500",
        "Flat 3, 27 Albert Road, Manchester M14 5RT",
        "Berliner Straße 45, 80331 München",
        "12 avenue Victor Hugo, 69002 Lyon",
        "742 Evergreen Terrace, Springfield",
    ],
    "name": [
        "Sarah Jones",
        "Priya Raghunathan",
        "Dieter Müller",
        "Marie Dubois",
        "Tom Baker",
        "James O'Connor",
        "Aisha Khan",
        "Lukas Schmidt",
    ],
    "first": ["Sarah", "Priya", "Dieter", "Marie", "Tom", "James", "Aisha", "Lukas"],
    "agent": ["Maria", "Kevin", "Lucia", "Hannah", "Tom"],
}
# Call transcripts are lower case with numbers read out.
CALL_VALUES: dict[str, list[str]] = {
    "name": ["sarah jones", "tom baker", "priya patel", "james wilson", "emma schmidt"],
    "first": ["sarah", "tom", "priya", "james", "emma"],
    "phone": [
        "oh seven seven double oh nine double oh one two three",
        "07700 900123",
        "zero one five one two three four five six seven eight nine",
        "415 555 0132",
    ],
    "email": ["sarah dot jones at gmail dot com", "tom baker at outlook dot com", "j smith at web dot de"],
    "order_id": ["402-8836541-7739215", "four zero two eight eight three six five four one", "55501234"],
    "tracking_id": ["1z999aa10123456784", "jd014600003828420339"],
    "card": ["four one one one one one one one one one one one one one one one"],
    "address": ["14 baker street", "twenty seven albert road", "5 high street"],
}

TEMPLATES: list[tuple[str, str]] = [
    (
        "chat",
        "[10:01] Bot: Hi! What can I help you with today?\n"
        "[10:01] Customer: hi, my name is {name} and my order {order_id} hasn't arrived\n"
        "[10:02] Agent ({agent}): Sorry to hear that. Can you confirm your email?\n"
        "[10:03] Customer: it's {email}, I paid £49.99 on 04/11/2026 for 2 pairs in EU 42\n"
        "[10:04] System: the agent has left the chat",
    ),
    (
        "chat",
        "Customer: The tracking number {tracking_id} has said in transit for 5 days\n"
        "Agent ({agent}): Let me check that for you.\n"
        "Customer: please call me on {phone}, I'm out until 18:00\n"
        "Customer: the parcel should go to {address}",
    ),
    (
        "chat",
        "[09:15] Customer: Hi {first}, I was charged twice on card {card} for the 120 EUR jacket\n"
        "[09:16] Agent ({agent}): I'm sorry, I will look into it.\n"
        "[09:17] Customer: thanks. The app (version 8.4) showed the order as failed.",
    ),
    (
        "chat",
        "Customer: {first} here, the parcel was addressed to {name} but the courier left it\n"
        "at the wrong door\n"
        "Agent: Can I have the order number?\n"
        "Customer: order number {order_id}, 3 items, size M",
    ),
    (
        "chat",
        "I want to return the Nike Air Max 90 in size UK 9. My number is {phone} and my email {email}. "
        "Ship the label to {address}.",
    ),
    (
        "email",
        "Subject: Refund not received for order {order_id}\n\n"
        "Hi team,\n\n"
        "I returned the boots (EU 42) on 3 November and the refund of £89.00 is still missing\n"
        "after 14 days.\n"
        "The return went back with {tracking_id}.\n\n"
        "Thanks,\n{name}\n{phone}\n\nSent from my iPhone",
    ),
    (
        "email",
        "Subject: Wrong address\n\n"
        "Hello,\n\n"
        "this is {name}. My parcel went to my old address instead of {address}.\n"
        "Please ask for {first} at reception next time. Order {order_id}.\n\n"
        "Kind regards\n{name}\n{email}\n\n"
        "On Tue, 3 Nov 2026 at 10:14, Shop Support wrote:\n"
        "> Your order has been dispatched.\n> Regards, the team",
    ),
    (
        "email",
        "Dear {first},\n\n"
        "The Samsung Galaxy S24 I ordered for $799 arrived with a cracked screen. I was charged on {card}.\n"
        "You can reach me on {phone} between 9am and 5pm.\n\n"
        "Best regards,\n{name}",
    ),
    (
        "email",
        "Hi,\nCan you cancel my subscription? The 2 boxes a month are too many.\nCheers {first}\n{email}",
    ),
    (
        "review",
        "Rating: 1/5\nNever again\nOrdered a sofa for £1,299 on 12 October, delivered 3 weeks late "
        "to {address}. "
        "{name} from the warehouse was rude when I called {phone}.",
    ),
    (
        "review",
        "Rating: 4/5\nGood shoes, bad delivery\n"
        "Size 10.5 fits well. The DHL parcel {tracking_id} took 9 days. Contact me at {email} if needed.",
    ),
    (
        "app",
        "Reason: Delivery too slow. Comment: order {order_id} took 12 days, call {phone}. I'm {name}.",
    ),
    (
        "app",
        "Reason: Found a better price. Comment: same TV 120 EUR cheaper elsewhere, app v8.4, email {email}",
    ),
]
CALL_TEMPLATES: list[str] = [
    "agent: thank you for calling how can i help\n"
    "customer: um hi yeah my name is {name} i'm calling about my order {order_id}\n"
    "agent: can i take a phone number\n"
    "customer: yeah it's {phone} uh the parcel was two days late",
    "agent: good morning who am i speaking with\n"
    "customer: this is {first} uh i want to cancel the order it was like forty nine pounds\n"
    "agent: and your email\n"
    "customer: {email} and it should go to {address}",
    "customer: hi um the tracking number is {tracking_id} and it hasn't moved in 4 days\n"
    "agent: let me check\n"
    "customer: and the card was {card} uh can you refund it",
]


def fixture_contacts(rounds: int = 2, cases: bool = True) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Contacts with planted PII and the truth table.

    Parameters
    ----------
    rounds : int
        Each round fills every template once with the next values of each PII type.
    cases : bool
        Add the contacts of ``nlp.pii_fixture_cases`` (issue 12: answers, new kinds, disguised
        formats) and, once, its risky texts without PII.

    Returns
    -------
    contacts : DataFrame with columns contact_id, channel, text
    pii_truth : DataFrame with columns contact_id, pii_type, value
    """
    templates = TEMPLATES + [("call", t) for t in CALL_TEMPLATES]
    if cases:
        templates += CASE_TEMPLATES
    rows: list[tuple[str, str, str]] = []
    truth: list[tuple[str, str, str]] = []
    counters: dict[str, int] = {}
    n = 0
    for r in range(rounds):
        for channel, template in templates:
            n += 1
            cid = f"F{n:04d}"
            values = {**CALL_VALUES, **CASE_CALL_VALUES} if channel == "call" else {**VALUES, **CASE_VALUES}
            text, planted = _fill(template, values, counters, r)
            rows.append((cid, channel, text))
            truth.extend((cid, ptype, value) for ptype, value in planted)
    if cases:
        for channel, text in RISKY_NON_PII:
            n += 1
            rows.append((f"F{n:04d}", channel, text))
    contacts = pd.DataFrame(rows, columns=["contact_id", "channel", "text"])
    return contacts, pd.DataFrame(truth, columns=["contact_id", "pii_type", "value"])


# Slots that hold a person: filled by the contact's person, so that {rare_first} is the first name
# of {rare}, {rare_last_spelled} its surname read out letter by letter ("w i n t e r ...") and
# {rare_lower} the name typed in lower case.
_PERSONS = ("name", "rare", "hyphen")


def _fill(
    template: str, values: dict[str, list[str]], counters: dict[str, int], round_: int
) -> tuple[str, list[tuple[str, str]]]:
    chosen: dict[str, str] = {}
    planted: list[tuple[str, str]] = []
    person = counters.get("person", 0) + round_
    counters["person"] = person + 1
    for slot in dict.fromkeys(re.findall(r"{(\w+)}", template)):
        base = "name" if slot == "first" else slot.removesuffix("_first").removesuffix("_last_spelled")
        base = base.removesuffix("_lower")
        if base in _PERSONS:
            full = values[base][person % len(values[base])]
            if slot.endswith("_last_spelled"):
                chosen[slot] = " ".join(full.split()[-1].lower())
            elif slot == "first" or slot.endswith("_first"):
                chosen[slot] = full.split()[0]
            elif slot.endswith("_lower"):
                chosen[slot] = full.lower()  # typed in lower case in a cased chat
            else:
                chosen[slot] = full
            ptype = "name"
        else:
            k = counters.get(slot, 0)
            counters[slot] = k + 1
            chosen[slot] = values[slot][k % len(values[slot])]
            ptype = "name" if slot == "agent" else SLOT_TYPES.get(slot, slot)
        planted.append((ptype, chosen[slot]))
    return template.format(**chosen), planted
