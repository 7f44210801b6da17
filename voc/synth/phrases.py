"""Phrase parts the generator composes contacts from.

A contact's customer text is built from independent parts: an opener, the situation (the words
that carry the root cause), supporting details, the desired outcome and an emotion, with slots
(``{product}``, ``{carrier}``, ``{amount}``, ``{days}``, ``{seller}``, ``{size}``, ``{colour}``,
PII slots such as ``{order}``) filled per contact. The per-cause parts live in
:mod:`voc.synth.phrases_before_delivery` (cancellation, payment, delivery),
:mod:`voc.synth.phrases_after_delivery` (returns, refunds, sellers, warranty) and
:mod:`voc.synth.topics` (off-taxonomy topics and incidents); this module holds what they share.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Phrases:
    """The parts of one root cause or topic.

    Attributes
    ----------
    situation : sentences that state the problem (the cause's own words).
    detail : supporting sentences (what was tried, when, how much).
    ask : what the customer wants.
    title : short headlines for review titles and e-mail subjects.
    short : short phrases for in-app reasons and bot intents.
    app_reason : in-app picklist reasons (empty: the cause is not picked in the app).
    """

    situation: tuple[str, ...]
    detail: tuple[str, ...]
    ask: tuple[str, ...]
    title: tuple[str, ...]
    short: tuple[str, ...]
    app_reason: tuple[str, ...] = ()


def phrases(
    situation: list[str],
    detail: list[str],
    ask: list[str],
    title: list[str],
    short: list[str],
    app_reason: list[str] | None = None,
) -> Phrases:
    return Phrases(
        tuple(situation), tuple(detail), tuple(ask), tuple(title), tuple(short), tuple(app_reason or ())
    )


OPENERS = [
    "Hi,",
    "Hello,",
    "Hi there,",
    "Hey,",
    "Good morning,",
    "Good afternoon,",
    "Hello there.",
    "Hi team,",
    "",
    "",
    "",
    "Hi, hope you're well.",
    "Quick question.",
    "Hello, I need some help please.",
    "Hiya,",
]
NAME_OPENERS = [
    "Hi, my name is {name}.",
    "Hello, this is {name}.",
    "Hi, {first} here.",
    "Hello, my name is {name} and",
    "Hi, it's {name}.",
]
CONTEXT = [
    "I ordered {a_product} on {weekday}.",
    "I bought {a_product} from {seller} last week.",
    "My order {order} was for {a_product}.",
    "I placed an order for {a_product} on {date}.",
    "Last {weekday} I ordered {a_product} ({colour}).",
    "So I bought {a_product} for {amount}.",
    "I ordered {a_product} a few days ago.",
    "I ordered {a_product} in {colour} for {amount}.",
    "I have an order with {seller} for {a_product}.",
    "It's about the {product} I got from {seller}.",
    "I ordered {a_product} as a gift for my {relative}.",
    "I got {a_product} from {seller} on {date}.",
    "",
    "",
    "",
]
EMOTIONS = [
    "This is really frustrating.",
    "Not impressed to be honest.",
    "Really disappointed.",
    "I'm quite annoyed about this.",
    "Please sort this out.",
    "This is the first time this has happened.",
    "I've been a customer for years and never had this.",
    "Honestly this is ridiculous.",
    "I'd appreciate a quick reply.",
    "Thanks in advance.",
    "Hope you can help.",
    "Very poor service.",
    "Not happy at all.",
    "I'm getting fed up with this.",
    "Thanks.",
    "",
    "",
    "",
    "",
    "",
]
REPEAT = [
    "This is the {nth} time I'm contacting you about this.",
    "I already spoke to someone about this on {weekday}.",
    "I was promised a call back that never came.",
    "Still no update since my last message.",
    "I chatted with your colleague {days} days ago and nothing has happened.",
    "I have already sent two emails about this.",
    "Last time I was told it would be sorted within 48 hours.",
]
RELATIVES = ["son", "daughter", "mum", "dad", "partner", "wife", "husband", "sister", "brother", "friend"]
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
COLOURS = [
    "black",
    "navy",
    "white",
    "grey",
    "olive green",
    "beige",
    "burgundy",
    "light blue",
    "red",
    "pink",
    "charcoal",
    "cream",
    "mustard",
    "forest green",
    "lilac",
    "silver",
    "rose gold",
    "khaki",
]
BRANDS = ["Kestrel", "Aurelio", "Norda", "Vantor", "Lumio", "Brightwell", "Solenne", "Tarn & Co", "Mirabel"]
SELLER_HEADS = ["Tech", "Urban", "Home", "Style", "Gadget", "Bella", "Sport", "Kids", "Nova", "Prime", "Blue"]
SELLER_TAILS = ["Deals24", "Threads", "Nest Store", "Outlet", "Hub", "World", "Direct", "Corner", "Emporium"]
SHOPS = [
    "another site",
    "a different seller",
    "the shop in town",
    "BargainHub",
    "the brand's own website",
    "a competitor",
    "ShopRight",
    "MegaMart online",
    "a seller on here",
]
CARRIERS = {
    "UK": ["Royal Mail", "DPD", "Evri", "Yodel", "DHL", "UPS"],
    "US": ["UPS", "USPS", "FedEx", "OnTrac"],
    "DE": ["DHL", "Hermes", "DPD", "GLS", "UPS"],
    "FR": ["Colissimo", "Chronopost", "Mondial Relay", "DPD", "UPS"],
    "ES": ["Correos", "SEUR", "MRW", "GLS", "UPS"],
}
DROPOFFS = [
    "the {carrier} shop",
    "the post office",
    "the parcel locker",
    "the drop-off point at the supermarket",
    "the newsagent",
    "the petrol station drop-off",
    "the pickup point",
    "the {carrier} counter",
]
CURRENCY = {"UK": "£{v}", "US": "${v}", "DE": "{v} €", "FR": "{v} €", "ES": "{v}€"}

# Per-category vocabulary: products, parts, defects, transport damage and listing mismatches.
PRODUCTS = {
    "fashion": [
        "denim jacket",
        "pair of trainers",
        "summer dress",
        "wool coat",
        "pair of jeans",
        "hoodie",
        "pair of ankle boots",
        "linen shirt",
        "puffer jacket",
        "knit jumper",
        "pair of chinos",
        "swimsuit",
        "leather belt",
        "rain jacket",
        "pair of sandals",
        "blazer",
        "maxi skirt",
        "pair of loafers",
    ],
    "electronics": [
        "pair of wireless earbuds",
        "bluetooth speaker",
        "phone charger",
        "smartwatch",
        "tablet",
        "laptop stand",
        "USB-C hub",
        "gaming headset",
        "e-reader",
        "power bank",
        "mechanical keyboard",
        "wireless mouse",
        "action camera",
        "smart plug",
        "robot vacuum",
        "portable monitor",
        "soundbar",
    ],
    "home": [
        "coffee machine",
        "duvet set",
        "table lamp",
        "air fryer",
        "set of pans",
        "bookshelf",
        "office chair",
        "kettle",
        "rug",
        "blender",
        "mirror",
        "set of towels",
        "desk",
        "bedside table",
        "toaster",
        "curtain set",
        "vacuum cleaner",
        "dinner set",
    ],
    "beauty": [
        "perfume",
        "hair dryer",
        "skincare set",
        "foundation",
        "electric toothbrush",
        "hair straightener",
        "face serum",
        "makeup palette",
        "beard trimmer",
        "moisturiser",
        "nail kit",
        "shampoo bundle",
    ],
    "sports": [
        "yoga mat",
        "set of dumbbells",
        "running jacket",
        "bike helmet",
        "tennis racket",
        "football",
        "exercise bike",
        "pair of running shoes",
        "camping tent",
        "hiking backpack",
        "resistance bands",
        "cycling shorts",
        "rowing machine",
        "climbing harness",
    ],
    "toys": [
        "LEGO set",
        "board game",
        "remote control car",
        "doll house",
        "puzzle",
        "plush bear",
        "scooter",
        "wooden train set",
        "science kit",
        "drone",
        "play kitchen",
        "art set",
        "kids tablet",
    ],
}
PARTS = {
    "fashion": ["the belt", "one of the shoes", "the spare buttons", "the hood", "the detachable strap"],
    "electronics": [
        "the charger",
        "the charging cable",
        "the remote",
        "the ear tips",
        "the manual",
        "the power adapter",
        "the wall mount",
    ],
    "home": [
        "the screws",
        "the legs",
        "the lid",
        "two of the shelves",
        "the fitting kit",
        "the plug",
        "the glass jug",
    ],
    "beauty": ["the diffuser attachment", "the brush heads", "the travel case", "the cap", "the charger"],
    "sports": ["the pump", "the bolts", "the carry bag", "the tent poles", "one of the weights"],
    "toys": ["a bag of pieces", "the batteries", "the controller", "the instructions", "the wheels"],
}
DEFECTS = {
    "fashion": [
        "the zip broke the first time I used it",
        "the seam split after one wear",
        "the sole came off after a week",
        "a button fell off straight away",
        "the stitching is coming apart",
    ],
    "electronics": [
        "it won't turn on",
        "it stopped charging after three days",
        "the left earbud has no sound",
        "the screen flickers",
        "it keeps restarting",
        "the battery dies within an hour",
        "bluetooth won't pair",
        "it makes a loud buzzing noise",
    ],
    "home": [
        "it leaks water everywhere",
        "it trips the fuse",
        "the heating element doesn't work",
        "the motor stopped after two uses",
        "the switch is broken",
        "it won't heat up",
    ],
    "beauty": [
        "it overheats and smells of burning",
        "the pump doesn't work",
        "it won't hold a charge",
        "it stopped working after a week",
    ],
    "sports": [
        "the display doesn't light up",
        "the strap snapped",
        "the resistance doesn't adjust",
        "the inflation valve leaks",
    ],
    "toys": [
        "it doesn't move at all",
        "the remote won't connect",
        "the sound stopped working",
        "the battery compartment is broken",
    ],
}
DAMAGE = {
    "fashion": [
        "the box was soaked through and the {product} is stained",
        "the bag was torn open",
        "the shoebox was crushed flat",
    ],
    "electronics": [
        "the screen is cracked",
        "the box was crushed and it rattles",
        "the casing is dented",
        "the corner is smashed",
    ],
    "home": [
        "the glass is shattered",
        "it arrived in pieces",
        "there's a big dent in the side",
        "the box was crushed and the {product} is cracked",
        "the legs are snapped",
    ],
    "beauty": [
        "the bottle was smashed and leaked everywhere",
        "the lid was broken and it spilled",
        "the palette is shattered",
    ],
    "sports": ["the frame is bent", "the box was ripped open and parts were damaged", "it's badly scratched"],
    "toys": ["the box was crushed", "pieces were broken in the bag", "the wheel was snapped off"],
}
MISMATCH = {
    "fashion": [
        "the colour is nothing like the photos",
        "it's polyester, not the cotton the listing says",
        "the fabric is really thin and cheap",
        "it's a different cut from the picture",
    ],
    "electronics": [
        "it doesn't have the noise cancelling the listing promised",
        "it's the older model, not the one advertised",
        "the battery life is nowhere near the 30 hours listed",
        "it only supports 2.4GHz, the page said 5GHz",
    ],
    "home": [
        "it's much smaller than the dimensions in the listing",
        "the wood is plastic veneer, not oak",
        "the colour is grey, the photos show beige",
        "it is 800W, not the 1500W stated",
    ],
    "beauty": [
        "the shade is completely different from the swatch",
        "it's a travel size, not the full size listed",
        "the scent is nothing like the description",
    ],
    "sports": [
        "the weights are 5kg, not the 10kg advertised",
        "the material isn't waterproof as described",
        "it's a kids size, not adult",
    ],
    "toys": [
        "it has far fewer pieces than the listing says",
        "it's much smaller than in the photos",
        "it's not the version with lights shown on the page",
    ],
}
SIZES = {
    "fashion": [
        "M",
        "L",
        "S",
        "XL",
        "size 10",
        "size 12",
        "UK 8",
        "EU 42",
        "EU 39",
        "W32 L30",
        "size 9",
        "XS",
    ],
}
SIZE_ISSUES = [
    "it's way too small",
    "it's far too big",
    "it comes up at least one size small",
    "it's tight across the shoulders",
    "the sleeves are too long",
    "it's too tight around the waist",
    "it's huge on me",
    "the length is all wrong",
    "it's a size smaller than usual",
    "my toes hit the end of the shoes",
]
ORDINALS = ["second", "third", "fourth"]
SLANG = {
    "you": "u",
    "please": "pls",
    "thanks": "thx",
    "because": "cuz",
    "really": "rly",
    "before": "b4",
    "tomorrow": "tmrw",
    "message": "msg",
    "are": "r",
    "to be honest": "tbh",
    "probably": "prob",
    "people": "ppl",
    "going to": "gonna",
    "want to": "wanna",
}
AGENTS = [
    "Priya",
    "Tom",
    "Sara",
    "Marco",
    "Aisha",
    "Jonas",
    "Chloe",
    "Daniel",
    "Lucia",
    "Ben",
    "Nadia",
    "Kevin",
    "Élise",
    "Mateo",
    "Hannah",
    "Omar",
]
# Vague sentences a customer of any cause of the family might write; they give the family
# away but not the cause, which is what makes real contacts hard to label.
FAMILY_VAGUE = {
    "cancellation": [
        "I want to cancel my order.",
        "Please cancel order {order}.",
        "I need to cancel the {product}.",
        "Can you cancel this for me?",
        "I'd like to cancel please, it hasn't shipped.",
        "How do I cancel an order?",
        "Cancel my order asap please.",
    ],
    "delivery": [
        "There's a problem with my delivery.",
        "Something's wrong with my parcel.",
        "I have an issue with the delivery of my {product}.",
        "My delivery hasn't gone right at all.",
        "Problem with the courier again.",
    ],
    "return": [
        "I want to return the {product}.",
        "I'd like to send this back.",
        "I need to return my order.",
        "There's a problem with the {product} I received.",
        "How do I return this?",
        "I'm not happy with the {product}.",
        "I want to start a return.",
    ],
    "refund": [
        "I have a question about my refund.",
        "There's a problem with my refund.",
        "Something is wrong with the money for order {order}.",
        "Can you check my refund please?",
        "I need help with a payment issue.",
    ],
    "other": [
        "I need help with my order.",
        "I have a problem with the seller.",
        "Something isn't right with my order.",
    ],
}
VAGUE_ASK = [
    "Can you help?",
    "Please sort this out.",
    "What can you do?",
    "Please get back to me.",
    "I'd like this resolved.",
    "What are my options?",
    "I want my money back.",
    "Please advise.",
]
VAGUE_TITLE = ["Problem with my order", "Help please", "Order {order}", "Issue with order", "Complaint"]
VAGUE_REVIEW_TITLE = ["Disappointed", "Not happy", "Poor experience", "Could be better", "Meh", "Not great"]
