"""Phrase parts of the causes after delivery: returns, refunds, sellers and warranty."""

from __future__ import annotations

from voc.synth.phrases import Phrases, phrases

POST: dict[str, Phrases] = {
    "wrong_size_fit": phrases(
        situation=[
            "The {product} doesn't fit, {size_issue}.",
            "I ordered a {size} as usual and {size_issue}.",
            "Wrong size, {size_issue}, the size guide is way off.",
            "It doesn't fit at all, {size_issue}.",
            "I followed the size chart and {size_issue}.",
            "The fit is terrible, {size_issue}.",
            "Normally I'm a {size} but this one {size_issue2}.",
            "Sizing is completely off on this {product}, {size_issue}.",
        ],
        detail=[
            "I measured myself before ordering.", "The reviews said true to size.",
            "My other {brand} stuff in {size} fits perfectly.", "It's unworn with the tags on.",
            "I tried it on once at home.",
        ],
        ask=[
            "Can I exchange it for a bigger size?", "I'd like to swap it for a smaller one.",
            "How do I return it?", "Please send the next size up.", "I just want a refund.",
        ],
        title=["Runs small", "Size guide is wrong", "Didn't fit", "Way too big", "Order a size up"],
        short=["doesnt fit", "too small", "too big", "wrong size"],
        app_reason=["Size too small", "Size too big"],
    ),
    "defective": phrases(
        situation=[
            "The {product} is faulty, {defect}.",
            "It doesn't work, {defect}.",
            "After {days} days {defect}.",
            "Brand new and {defect}.",
            "It's defective out of the box, {defect}.",
            "The {product} stopped working, {defect}.",
            "I think I got a dud, {defect}.",
            "Right from the first use {defect}.",
        ],
        detail=[
            "I've tried resetting it and charging it overnight.", "I followed the manual step by step.",
            "I tried a different socket and cable.", "I've only used it twice.",
            "There's a video of the fault if you need it.",
        ],
        ask=[
            "I want a replacement that works.", "Please arrange a return and refund.",
            "Can you send a new one?", "How do I return a faulty item?",
        ],
        title=["Stopped working after a week", "Faulty", "Doesn't work", "Broke after two uses", "Dud"],
        short=["faulty", "doesnt work", "stopped working", "defective"],
        app_reason=["Item is faulty"],
    ),
    "not_as_described": phrases(
        situation=[
            "The {product} is not as described, {mismatch}.",
            "It looks nothing like the listing, {mismatch}.",
            "Misleading listing: {mismatch}.",
            "The photos are misleading, {mismatch}.",
            "This isn't what was advertised, {mismatch}.",
            "Very different from the description, {mismatch}.",
            "I'm returning it because {mismatch}.",
        ],
        detail=[
            "I've compared it with the photos on the page.", "The listing clearly says otherwise.",
            "The specs on the box don't match the website either.", "I would never have bought it otherwise.",
            "It cost {amount}, I expected what was in the pictures.",
        ],
        ask=[
            "I want to return it for a full refund.", "The listing should be corrected.",
            "Please refund me including postage.", "Can I send it back free of charge?",
        ],
        title=["Not as described", "Nothing like the photos", "Misleading listing", "Not what I ordered"],
        short=["not as described", "different from the photos", "misleading description"],
        app_reason=["Not as described"],
    ),
    "wrong_item": phrases(
        situation=[
            "I received the wrong item, I ordered {a_product} and got {wrong_product}.",
            "You sent me {wrong_product} instead of the {product}.",
            "Wrong item in the box, it's {wrong_product}.",
            "The parcel had someone else's order in it.",
            "I got the {colour2} one, I ordered {colour}.",
            "It's a completely different product, {wrong_product}.",
            "The label on the parcel is for a different person, not my order.",
            "Got the wrong model, not the one I paid for.",
        ],
        detail=[
            "The packing slip shows my order but the item is different.", "The box is labelled correctly.",
            "This is the second time this seller has sent the wrong thing.", "I need it by {weekday}.",
        ],
        ask=[
            "Please send the right one.", "Can you arrange collection of the wrong item?",
            "I want what I actually ordered.", "Do I need to send this back first?",
        ],
        title=["Wrong item sent", "Received the wrong product", "Not what I ordered", "Wrong colour sent"],
        short=["wrong item", "received wrong product", "wrong colour sent"],
    ),
    "missing_parts": phrases(
        situation=[
            "{part} is missing from the box.",
            "The {product} arrived without {part}.",
            "Only part of my order came, {part} is missing.",
            "I can't use it because {part} isn't in the package.",
            "My order had {n} items and only {n2} arrived.",
            "The box was sealed but {part} wasn't inside.",
            "Half of the order is missing.",
        ],
        detail=[
            "I checked all the packaging twice.", "The parcel weight on tracking looks too light.",
            "The manual lists {part} but it's not there.", "No note saying it would come separately.",
        ],
        ask=[
            "Please send the missing part.", "Can you send {part} separately?",
            "I want the rest of my order.", "Or refund the missing items please.",
        ],
        title=["Parts missing", "Incomplete order", "Missing pieces", "Half the order missing"],
        short=["missing parts", "item missing from order", "incomplete"],
    ),
    "suspected_counterfeit": phrases(
        situation=[
            "I'm pretty sure this {product} is fake.",
            "This is not a genuine {brand} product, it's a counterfeit.",
            "The logo is printed wrong and the serial number doesn't check out, it's a fake.",
            "The {brand} website says the serial number is invalid.",
            "It's a knock-off, the quality is nothing like the real thing.",
            "The packaging has spelling mistakes, this isn't authentic.",
            "I compared it with my original one and this is clearly a replica.",
        ],
        detail=[
            "The stitching and the label are off.", "{brand} customer service confirmed it's not theirs.",
            "It smells of cheap plastic.", "There's no hologram sticker.",
        ],
        ask=[
            "I want a full refund and the seller should be removed.", "Please investigate this seller.",
            "How are you allowing fakes to be sold?", "I want my money back.",
        ],
        title=["FAKE", "Counterfeit - avoid", "Not genuine", "Knock-off product"],
        short=["fake", "counterfeit", "not genuine"],
    ),
    "return_label_problem": phrases(
        situation=[
            "The return label won't generate, it just gives an error.",
            "The QR code for my return doesn't scan at the shop.",
            "My return label has expired before I could use it.",
            "The returns page says label unavailable for this order.",
            "The label you emailed is blank when I open it.",
            "The return label is for {carrier} but there's no {carrier} near me.",
            "I never got the return label email.",
            "The barcode on the return label is invalid according to {carrier}.",
        ],
        detail=[
            "I've tried on my phone and laptop.", "The shop staff tried three times.",
            "I requested it {days} days ago.", "I don't have a printer either.",
        ],
        ask=[
            "Can you send me a working label?", "Please email the label again.",
            "Can I get a QR code instead?", "How else can I return it?",
        ],
        title=["Return label not working", "QR code invalid", "Can't get a return label"],
        short=["return label not working", "qr code wont scan", "no return label"],
    ),
    "dropoff_problem": phrases(
        situation=[
            "{dropoff} refused to take my return parcel.",
            "I went to {dropoff} and it was closed down.",
            "The nearest drop-off point is {km} km away.",
            "The parcel locker was full so I couldn't drop off the return.",
            "{dropoff} said they don't accept {carrier} returns anymore.",
            "They told me at {dropoff} that the parcel is too big for them.",
            "Every drop-off point on the list is closed or doesn't exist.",
        ],
        detail=[
            "I've been to two different places already.", "I don't drive so it's really difficult.",
            "I lost an hour going there.", "The map on your site is out of date.",
        ],
        ask=[
            "Can someone collect it from my home?", "Where else can I drop it?",
            "Can I use a different carrier?", "Please extend my return deadline.",
        ],
        title=["Drop-off point refused parcel", "Nowhere to drop off return", "Locker full"],
        short=["drop off refused", "drop off point closed", "locker full"],
    ),
    "missed_pickup": phrases(
        situation=[
            "The courier never came to collect my return.",
            "I waited in all day on {weekday} for the return pickup and nobody came.",
            "The collection was booked for {date} but no one turned up.",
            "{carrier} marked the pickup as failed but I was home.",
            "This is the second time the return collection has been missed.",
            "The return pickup keeps getting rescheduled and nobody shows.",
        ],
        detail=[
            "I took a day off work for it.", "No card, no call, nothing.",
            "The parcel is sitting in my hallway.", "Tracking says collection attempted, which is a lie.",
        ],
        ask=[
            "Please rebook the collection.", "Can you make sure someone actually comes?",
            "I don't want my return window to run out because of this.", "Please refund me anyway.",
        ],
        title=["Return pickup missed", "Courier didn't collect", "Collection no-show"],
        short=["pickup missed", "courier didnt collect return"],
    ),
    "return_window_expired": phrases(
        situation=[
            "It won't let me return the {product}, it says the return window closed.",
            "My return was refused because I'm {days} days past the 30 days.",
            "The return period ended yesterday, I was away.",
            "I'm told I'm too late to return it, just by a couple of days.",
            "The returns page says not eligible, return window expired.",
            "I missed the return deadline because I was in hospital.",
        ],
        detail=[
            "The item is unused with tags.", "The parcel arrived late so I had less time.",
            "Other shops give 60 days.", "It was a Christmas present so I couldn't return it earlier.",
        ],
        ask=[
            "Can you make an exception?", "Please allow the return anyway.",
            "Can I at least get store credit?", "Surely a couple of days can't matter.",
        ],
        title=["Return refused - too late", "Return window expired", "Only a few days late"],
        short=["return window expired", "too late to return"],
    ),
    "refund_not_received": phrases(
        situation=[
            "I still haven't received my refund.",
            "You got my return on {date} and I'm still waiting for the money.",
            "It's been {days} days since you confirmed the refund and nothing has arrived.",
            "The order was cancelled {weeks} weeks ago, where's my refund?",
            "The refund of {amount} hasn't appeared in my account.",
            "Your email says refunded but my bank has nothing.",
            "The return was delivered back to you ages ago and still no refund.",
            "Tracking shows the return arrived at the warehouse but no refund yet.",
        ],
        detail=[
            "My bank says they've received nothing.", "I sent it back with tracking {tracking}.",
            "I was told 3-5 working days.", "It's {amount} which is a lot of money for me.",
            "I've checked my statement every day.",
        ],
        ask=[
            "When will I get my money?", "Please send me proof of the refund.",
            "I want my refund today.", "Can you chase the finance team?",
        ],
        title=["Still waiting for refund", "No refund received", "Where is my money?"],
        short=["refund not received", "still waiting for refund"],
    ),
    "partial_refund": phrases(
        situation=[
            "I only got {amount2} back but I paid {amount}.",
            "My refund was short, you kept the shipping.",
            "You charged a restocking fee nobody told me about.",
            "The refund is less than I paid and there's no explanation.",
            "I got a partial refund, {amount2} was deducted for no reason.",
            "You refunded the item but not the delivery charge.",
            "Part of my refund is missing.",
        ],
        detail=[
            "The item was returned unused.", "The return was because of your error.",
            "Nowhere on the site does it mention a fee.", "The email just says adjustment.",
        ],
        ask=[
            "Please refund the rest.", "I want the full amount back.",
            "Can you explain the deduction?", "Please refund the shipping too.",
        ],
        title=["Only partly refunded", "Short refund", "Restocking fee not mentioned"],
        short=["partial refund", "refund too low"],
    ),
    "refund_wrong_method": phrases(
        situation=[
            "My refund went to store credit, I wanted it on my card.",
            "You refunded to a card I cancelled months ago.",
            "The refund was issued as a voucher, I never asked for that.",
            "The money went back to my old card ending {last4}, which is closed.",
            "I paid by PayPal but you refunded a gift card.",
            "The refund went to the wrong account.",
        ],
        detail=[
            "I don't want to shop here again.", "My bank can't do anything for a closed card.",
            "I chose refund to original payment method.", "The voucher expires in 6 months.",
        ],
        ask=[
            "Please move it to my bank card.", "I want it as a real refund, not credit.",
            "Can you reissue it to {card}?", "Please convert the credit to money.",
        ],
        title=["Refund as store credit", "Refunded to old card", "Wrong refund method"],
        short=["refund went to store credit", "refund to wrong card"],
    ),
    "refund_rejected": phrases(
        situation=[
            "My refund was rejected after you received the return.",
            "The warehouse says the item was used and refused my refund.",
            "Return rejected, inspection says damaged, it wasn't when I sent it.",
            "You refused the refund saying I returned the wrong item.",
            "I got an email that my return failed inspection.",
            "The refund was denied because the box was opened.",
        ],
        detail=[
            "I have photos from before I sent it.", "It was in perfect condition.",
            "They didn't even say what the damage was.", "Now they want me to pay to get it sent back.",
        ],
        ask=[
            "I want this reviewed by someone.", "Please show me the inspection photos.",
            "Reverse the decision and refund me.", "Can I appeal?",
        ],
        title=["Refund refused after return", "Return failed inspection", "Unfair refund rejection"],
        short=["refund rejected", "return rejected"],
    ),
    "seller_unresponsive": phrases(
        situation=[
            "The seller isn't answering my messages.",
            "I've messaged {seller} {n} times and heard nothing back.",
            "{seller} is ignoring me about my return.",
            "It's been {days} days and the seller hasn't replied.",
            "The seller doesn't respond to anything.",
            "I contacted the seller about the warranty and got no response.",
            "The seller read my message and never replied.",
        ],
        detail=[
            "Their page says they reply within 24 hours.", "I need their approval for the return.",
            "I sent photos as well.", "Their phone number doesn't work.",
        ],
        ask=[
            "Can you get in touch with them?", "Please step in.",
            "Can you deal with this instead of the seller?", "What do I do if they never answer?",
        ],
        title=["Seller never responds", "No reply from seller", "Seller ignoring messages"],
        short=["seller not responding", "no reply from seller"],
    ),
    "warranty_claim": phrases(
        situation=[
            "My {product} broke after {months} months and it should still be under warranty.",
            "I'd like to make a warranty claim, {defect}.",
            "It's out of the return window but {defect}, and it has a two year guarantee.",
            "The {product} has stopped working after {months} months, I need a repair.",
            "How do I claim on the warranty? {defect}.",
            "It failed after {months} months of normal use.",
        ],
        detail=[
            "I still have the receipt.", "The guarantee card says two years.",
            "I bought it on {date} last year.", "I looked after it properly.",
        ],
        ask=[
            "Can it be repaired or replaced?", "Where do I send it for repair?",
            "Please replace it under warranty.", "Who handles the warranty, you or the manufacturer?",
        ],
        title=["Broke after a few months", "Warranty claim", "Didn't last"],
        short=["warranty claim", "broke after months"],
    ),
}
