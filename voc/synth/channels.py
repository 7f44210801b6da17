"""Channel renderers: turn a contact's story into a chat, e-mail, call, review or app text.

The formats are the ones documented in README.md ("Channel text formats"), which
``nlp/prepare.py`` parses. Every renderer takes a :class:`Story` whose customer sentences already
hold PII placeholders (see :class:`voc.synth.pii.PiiBag`) and returns the final text with the PII
pairs it contains.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from voc.synth.identity import Exchange
from voc.synth.pii import Customer, PiiBag


@dataclass
class Story:
    """What the customer says in one contact; PII appears as placeholders from ``bag``."""

    opener: str
    situation: list[str]
    details: list[str]
    ask: str
    emotion: str
    title: str
    short: str
    app_reason: str
    family: str
    customer: Customer
    bag: PiiBag
    created_at: datetime
    agent: str
    rating: int
    order_ref: str | None = None
    repeat: str = ""
    extras: list[str] = field(default_factory=list)
    identity: list[Exchange] = field(default_factory=list)


def render(
    channel: str, story: Story, rng: random.Random, side: random.Random | None = None
) -> tuple[str, list[tuple[str, str]]]:
    """Text of ``story`` in ``channel`` and the ``(pii_type, value)`` pairs that appear in it.

    ``side`` draws for the identity exchanges only (timestamps, fillers), so a contact without
    them is drawn exactly as before they existed.
    """
    renderer = {"chat": _chat, "email": _email, "call": _call, "review": _review, "app": _app}[channel]
    text = renderer(story, rng, side or rng)
    return story.bag.render(text, spoken=channel == "call")


# --------------------------------------------------------------------------------------------
# Agent lines
# --------------------------------------------------------------------------------------------

_GREET = [
    "Thanks for contacting us, my name is {agent}, how can I help?",
    "Hi, you're through to {agent}. How can I help you today?",
    "Hello and thanks for waiting, I'm {agent}. What can I do for you?",
    "Hi there, {agent} here. How can I help?",
]
_EMPATHY = [
    "I'm sorry to hear that.",
    "Oh no, I'm really sorry about that.",
    "I understand how frustrating that is.",
    "Thanks for explaining, let me take a look.",
    "I'm sorry for the trouble.",
    "Let me check that for you.",
]
_ASK_ORDER = [
    "Could you please confirm the order number?",
    "Can I have your order number please?",
    "Could you give me the order number so I can look into it?",
]
_ACTION = {
    "cancellation": [
        "I can see the order hasn't been dispatched yet, so I've cancelled it for you.",
        "I've raised a cancellation request with the seller, you'll get an email once it's confirmed.",
        "Let me check with the warehouse whether it can still be stopped.",
        "I've cancelled it from our side, the refund will go back to the original payment method.",
    ],
    "delivery": [
        "I've opened an investigation with the carrier, it can take up to 48 hours.",
        "I can see the last scan was at the depot, I'll chase them now.",
        "I've logged a claim with the courier and we'll update you by email.",
    ],
    "return": [
        "I've set up a return for you and emailed a new label.",
        "Could you send a couple of photos? I'll pass them to the seller straight away.",
        "I've arranged a replacement, you don't need to wait for the return to arrive.",
    ],
    "refund": [
        "I've escalated this to our payments team.",
        "I can see the refund was processed on our side, it can take 3-5 working days to show.",
        "I've raised a ticket with finance, they'll come back to you within 48 hours.",
    ],
    "other": [
        "I've passed this on to the right team, they'll get back to you within 24 hours.",
        "I've contacted the seller on your behalf and flagged it as urgent.",
        "Let me look into it and I'll email you an update.",
    ],
    "topic": [
        "I've passed this on to the right team, they'll get back to you within 24 hours.",
        "Let me look into it and I'll email you an update.",
        "I've sorted that on your account, it should show within the hour.",
        "I've sent you an email with the details.",
    ],
    "incident": [
        "Thanks for letting us know, we're aware of an issue with the latest app version.",
        "Sorry about that, our app team is working on a fix. I've done it for you from our side.",
    ],
}
_CLOSE = [
    "Is there anything else I can help you with today?",
    "Is there anything else I can do for you?",
    "Can I help with anything else?",
]
_BYE = ["No, that's all, thanks.", "No thanks.", "That's it.", "No that's everything.", "ok thanks", "no"]
_BOT_OPEN = [
    "Hi! I'm the virtual assistant. What can I help you with today?",
    "Hello! Tell me in a few words what you need help with.",
]
_BOT_HANDOFF = [
    "Thanks. Let me connect you with an agent.",
    "I'll transfer you to one of our team.",
    "Sorry, I didn't quite get that. Connecting you to a human agent.",
]


def _action(story: Story, rng: random.Random) -> str:
    return rng.choice(_ACTION.get(story.family, _ACTION["other"]))


def _join(parts: list[str]) -> str:
    return re.sub(r"\s+", " ", " ".join(p for p in parts if p)).strip()


# --------------------------------------------------------------------------------------------
# Chat
# --------------------------------------------------------------------------------------------


def _chat(story: Story, rng: random.Random, side: random.Random) -> str:
    clock = story.created_at
    stamped = rng.random() < 0.85
    lines: list[str] = []

    def say(role: str, text: str, draw: random.Random = rng) -> None:
        nonlocal clock
        if not text:
            return
        lines.append(f"[{clock:%H:%M}] {role}: {text}" if stamped else f"{role}: {text}")
        clock += timedelta(seconds=draw.randint(20, 150))

    agent = f"Agent ({story.agent})" if rng.random() < 0.8 else "Agent"
    if rng.random() < 0.45:
        say("Bot", rng.choice(_BOT_OPEN))
        say("Customer", story.short)
        say("Bot", rng.choice(_BOT_HANDOFF))
        say("System", f"{story.agent} joined the chat")
    say(agent, rng.choice(_GREET).format(agent=story.agent))
    say("Customer", _join([story.opener, story.repeat, story.situation[0], *story.extras[:1]]))
    if story.order_ref and rng.random() < 0.17:
        say(agent, f"{rng.choice(_EMPATHY)} {rng.choice(_ASK_ORDER)}")
        say(
            "Customer",
            rng.choice(["Sure, it's {o}", "{o}", "It's {o}.", "yes {o}"]).format(o=story.order_ref),
        )
    elif story.details:
        say(
            agent,
            rng.choice(_EMPATHY) + " " + rng.choice(["Could you tell me a bit more?", "When was this?"]),
        )
    say("Customer", _join(story.details))
    for extra in story.situation[1:]:
        say("Customer", "Also " + extra[:1].lower() + extra[1:])
    for exchange in story.identity:
        say(agent, exchange.ask, side)
        say("Customer", exchange.answer, side)
        say(agent, exchange.reply, side)
    say(agent, _action(story, rng) if story.details else f"{rng.choice(_EMPATHY)} {_action(story, rng)}")
    say("Customer", _join([story.ask, story.emotion]))
    say(agent, rng.choice(_CLOSE))
    say("Customer", rng.choice(_BYE))
    if rng.random() < 0.5:
        say("System", rng.choice(["Chat ended by agent", "The customer left the chat", "Chat closed"]))
    return "\n".join(lines)


# --------------------------------------------------------------------------------------------
# E-mail
# --------------------------------------------------------------------------------------------

_GREETINGS = [
    "Hi team,",
    "Hello,",
    "Dear Customer Service,",
    "To whom it may concern,",
    "Hi,",
    "Hi there,",
    "Good morning,",
    "Dear Sir or Madam,",
]
_SIGNOFFS = [
    "Thanks,",
    "Kind regards,",
    "Best,",
    "Cheers,",
    "Many thanks,",
    "Regards,",
    "Thank you,",
    "Best wishes,",
]


def _email(story: Story, rng: random.Random, side: random.Random) -> str:
    lines: list[str] = []
    if rng.random() < 0.7:
        prefix = "Re: " if story.repeat and rng.random() < 0.7 else ""
        lines.append(f"Subject: {prefix}{story.title}")
    lines += [rng.choice(_GREETINGS), ""]
    body = [story.repeat, story.opener if story.opener.lower().startswith(("my name", "this is")) else ""]
    body += [*story.extras, story.situation[0], *story.details]
    body += [exchange.answer for exchange in story.identity]
    lines.append(_join(body))
    for extra in story.situation[1:]:
        lines += ["", "On top of that, " + extra[:1].lower() + extra[1:]]
    lines += ["", _join([story.ask, story.emotion]), "", rng.choice(_SIGNOFFS)]
    c, bag = story.customer, story.bag
    if rng.random() < 0.3:
        lines.append(bag.token("name", c.name) if rng.random() < 0.6 else bag.token("name", c.first))
        if rng.random() < 0.3:
            lines.append(bag.token("phone", c.phone))
    if rng.random() < 0.15:
        lines += ["", "Sent from my iPhone"]
    if (story.repeat and rng.random() < 0.6) or rng.random() < 0.06:
        earlier = story.created_at - timedelta(days=rng.randint(1, 9), minutes=rng.randint(0, 600))
        lines += [
            "",
            f"On {earlier:%a}, {earlier.day} {earlier:%b %Y} at {earlier:%H:%M}, "
            f"Customer Service <support@marketplace.example> wrote:",
            f"> Hi {bag.token('name', c.first)},",
            ">",
            f"> {rng.choice(_ACTION.get(story.family, _ACTION['other']))}",
            "> We'll be in touch as soon as we hear back.",
            ">",
            f"> Kind regards, {story.agent}",
        ]
    return "\n".join(lines)


# --------------------------------------------------------------------------------------------
# Call (ASR-like)
# --------------------------------------------------------------------------------------------

_FILLERS = ["um", "uh", "like", "so", "yeah", "erm", "um"]
_LEADS = ["you know", "i mean", "well", "so yeah", "basically"]
_MONEY = [
    (re.compile(r"£(\d+)\.(\d\d)"), r"\1 pounds \2"),
    (re.compile(r"\$(\d+)\.(\d\d)"), r"\1 dollars \2"),
    (re.compile(r"(\d+)[.,](\d\d) ?€"), r"\1 euros \2"),
    (re.compile(r"£(\d+)"), r"\1 pounds"),
    (re.compile(r"\$(\d+)"), r"\1 dollars"),
    (re.compile(r"(\d+) ?€"), r"\1 euros"),
    (re.compile(r"(\d+)%"), r"\1 percent"),
]
_PUNCT = re.compile(r"[^\w\s\x01\x02]")


def _asr(text: str, rng: random.Random, fillers: bool = True) -> str:
    for pattern, spoken in _MONEY:
        text = pattern.sub(spoken, text)
    text = text.replace("&", " and ").replace("-", " ")
    words = _PUNCT.sub("", text.lower()).split()
    if fillers and words:
        for _ in range(rng.randint(0, 2)):
            words.insert(rng.randint(0, len(words)), rng.choice(_FILLERS))
        if rng.random() < 0.15:
            words.insert(0, rng.choice(_LEADS))
    return " ".join(words)


def _call(story: Story, rng: random.Random, side: random.Random) -> str:
    turns: list[tuple[str, str]] = []
    turns.append(
        ("agent", f"thank you for calling customer services my name is {story.agent} how can i help")
    )
    intro = rng.choice(["hi yeah", "hello", "hiya", "yeah hi", "oh hi"]) + " "
    if rng.random() < 0.22:
        intro += (
            rng.choice(["my name is {n}", "it's {n} here", "this is {n}"]).format(
                n=story.bag.token("name", story.customer.name)
            )
            + " "
        )
    intro += "i'm calling about my order" if story.order_ref else "i've got a question"
    turns.append(("customer", intro))
    if story.order_ref and rng.random() < 0.3:
        turns.append(("agent", "okay can i take the order number please"))
        turns.append(("customer", f"yeah it's {story.order_ref}"))
        turns.append(("agent", "thank you bear with me"))
    else:
        turns.append(("agent", "okay what seems to be the problem"))
    turns.append(("customer", _join([story.repeat, *story.situation[:1]])))
    if story.details:
        turns.append(("agent", rng.choice(["okay", "right", "i see", "mm hm", "okay i understand"])))
        turns.append(("customer", _join(story.details)))
    for extra in story.situation[1:]:
        turns.append(("customer", "and also " + extra))
    at = sum(1 for _, text in turns if text)
    turns.append(("agent", _action(story, rng)))
    turns.append(("customer", _join([story.ask, story.emotion])))
    turns.append(("agent", rng.choice(_CLOSE)))
    turns.append(("customer", rng.choice(["no that's it thanks bye", "no thank you", "no that's all bye"])))
    lines = [f"{role}: {_asr(text, rng, role == 'customer')}" for role, text in turns if text]
    exchanged = [
        turn
        for e in story.identity
        for turn in (("agent", e.ask), ("customer", e.answer), ("agent", e.reply))
        if turn[1]
    ]
    lines[at:at] = [f"{role}: {_asr(text, side, role == 'customer')}" for role, text in exchanged]
    return "\n".join(lines)


# --------------------------------------------------------------------------------------------
# Review and app
# --------------------------------------------------------------------------------------------

_REVIEW_END = {
    1: ["Avoid.", "Would not recommend.", "Never again.", "Waste of money."],
    2: ["Disappointed.", "Wouldn't buy again.", "Not great."],
    3: ["It's ok I suppose.", "Mixed feelings.", "Could be better."],
    4: ["Otherwise fine.", "Good apart from that.", "Would buy again."],
    5: ["Great service in the end.", "Sorted quickly, happy.", "Customer service were brilliant."],
}


def _review(story: Story, rng: random.Random, side: random.Random) -> str:
    body = _join(
        [
            *story.extras[:1],
            *story.situation,
            *story.details[:1],
            story.emotion,
            rng.choice(_REVIEW_END[story.rating]),
        ]
    )
    return f"Rating: {story.rating}/5\n{story.title}\n{body}"


def _app(story: Story, rng: random.Random, side: random.Random) -> str:
    comment = story.short if rng.random() < 0.5 else story.situation[0]
    if story.app_reason and rng.random() < 0.75:
        if rng.random() < 0.15:
            return f"Reason: {story.app_reason}."
        return f"Reason: {story.app_reason}. Comment: {comment}"
    if rng.random() < 0.3:
        return f"Reason: Other. Comment: {comment}"
    return comment
