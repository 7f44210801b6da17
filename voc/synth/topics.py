"""Phrase parts of contacts outside the taxonomy, and of the planted incidents."""

from __future__ import annotations

from voc.synth.phrases import Phrases, phrases

# Topic id -> (phrases, order stage or None, has an order).
OFF_TAXONOMY: dict[str, Phrases] = {
    "account_login": phrases(
        situation=[
            "I can't log in to my account.",
            "The password reset email never arrives.",
            "My account has been locked after too many attempts.",
            "It keeps saying my email {email} isn't registered but I've used it for years.",
            "The verification code never comes through by text to {phone}.",
            "I want to change the email on my account to {email}.",
            "Someone else seems to have logged into my account.",
            "I'd like to delete my account and all my data.",
        ],
        detail=[
            "I've tried resetting it three times.",
            "I've checked my spam folder.",
            "I get an error saying something went wrong.",
            "I'm using the latest version of the app.",
        ],
        ask=[
            "Can you unlock it?",
            "Please help me get back in.",
            "Can you send the reset link again?",
            "Please confirm when it's done.",
        ],
        title=["Can't log in", "Account locked", "Password reset not working"],
        short=["cant log in", "password reset not working", "account locked"],
    ),
    "promo_code": phrases(
        situation=[
            "My discount code isn't working at checkout.",
            "The promo code {code} says invalid but it's from your own email.",
            "I forgot to apply my voucher code to the order.",
            "The 20% off code didn't come off the total.",
            "The code says expired but the email says valid until Sunday.",
            "The free delivery promotion wasn't applied.",
        ],
        detail=[
            "It should have taken {amount2} off.",
            "I'm a new customer so it should work.",
            "The basket total is {amount}.",
            "I got the code in the newsletter.",
        ],
        ask=[
            "Can you apply it manually?",
            "Could you refund the discount?",
            "Can you send a new code?",
        ],
        title=["Promo code not working", "Discount not applied", "Voucher code invalid"],
        short=["promo code not working", "discount not applied"],
    ),
    "loyalty_points": phrases(
        situation=[
            "My loyalty points from the last order haven't been added.",
            "My points balance dropped to zero for no reason.",
            "I can't redeem my reward points at checkout.",
            "I should have {n}00 points but it shows much less.",
            "The points from my {product} purchase never showed up.",
        ],
        detail=[
            "It's been over {weeks} weeks.",
            "I'm a gold member.",
            "The app and website show different balances.",
        ],
        ask=["Can you add the missing points?", "Please fix my points balance.", "How do I use them?"],
        title=["Loyalty points missing", "Points not added", "Can't redeem points"],
        short=["points missing", "cant redeem points"],
    ),
    "gift_card": phrases(
        situation=[
            "My gift card code isn't being accepted.",
            "The gift card balance shows {amount2} less than it should.",
            "I bought an e-gift card for my {relative} and it never arrived by email.",
            "The gift card says already redeemed but I've never used it.",
            "I can't use my gift card together with my card.",
        ],
        detail=["It was a birthday present.", "The code is on the back of the card.", "I have the receipt."],
        ask=["Can you check the balance?", "Please resend the gift card.", "Can you fix it so I can use it?"],
        title=["Gift card not working", "E-gift card not received"],
        short=["gift card not working", "gift card not received"],
    ),
    "invoice_request": phrases(
        situation=[
            "I need a VAT invoice for my order.",
            "Can I get an invoice with my company name on it?",
            "The invoice has the wrong billing address, it should be {address}.",
            "I can't find the invoice for order {order} in my account.",
            "I need a receipt for my expenses claim.",
        ],
        detail=[
            "It's for my accountant.",
            "The download button gives an error.",
            "It was a business purchase.",
        ],
        ask=[
            "Could you email it to me at {email}?",
            "Please send a corrected invoice.",
            "Can you send it as a PDF?",
        ],
        title=["Invoice request", "Need a VAT invoice"],
        short=["need invoice", "invoice request"],
    ),
    "product_question": phrases(
        situation=[
            "Does the {product} come with a UK plug?",
            "Is the {product} suitable for a {n} year old?",
            "What are the exact dimensions of the {product}?",
            "Will the {colour} {product} be back in stock?",
            "Is the {product} compatible with my phone?",
            "Is the {product} machine washable?",
            "Do you sell spare parts for the {product}?",
        ],
        detail=[
            "The listing doesn't say.",
            "I'm thinking of ordering two.",
            "I couldn't find it in the Q&A.",
        ],
        ask=[
            "Thanks for any info.",
            "Can you let me know before I order?",
            "Could you check with the seller?",
        ],
        title=["Question before buying", "Quick question about the {product}"],
        short=["product question", "is it compatible"],
    ),
    "app_feedback": phrases(
        situation=[
            "The new app layout is really confusing.",
            "Search in the app gives rubbish results.",
            "The app is slow to load on my phone.",
            "I keep getting logged out of the app.",
            "There's no dark mode in the app.",
            "Notifications from the app are way too frequent.",
        ],
        detail=["I use an older Android phone.", "The website works fine.", "It started a few weeks ago."],
        ask=["Please fix it.", "Please bring back the old design.", "Any plans to improve it?"],
        title=["App has got worse", "Confusing app", "Too many notifications"],
        short=["app is slow", "app layout confusing", "too many notifications"],
    ),
}
OFF_TAXONOMY_STAGES: dict[str, tuple[str | None, ...]] = {
    "account_login": (None,),
    "promo_code": ("pre_shipment", None),
    "loyalty_points": ("delivered", "post_delivery", None),
    "gift_card": (None,),
    "invoice_request": ("delivered", "post_delivery"),
    "product_question": (None,),
    "app_feedback": (None,),
}

# The new friction of the last two weeks: an app release that crashes on cancel and return.
APP_CRASH = phrases(
    situation=[
        "Since the latest app update, every time I tap Cancel order the app crashes.",
        "After updating to version {version} the app freezes on a white screen when I press Return item.",
        "The app crashes as soon as I try to cancel my order, it's been like this since the update.",
        "When I tap Return item I just get a blank white screen and the app closes.",
        "Your new app version {version} keeps crashing when I try to start a return.",
        "The cancel button makes the app freeze completely since the update on {weekday}.",
        "App version {version} shows a white screen and then closes when I go to cancel.",
        "Every time I try to return the {product} in the app it crashes back to the home screen.",
    ],
    detail=[
        "I've reinstalled the app twice.",
        "I'm on an iPhone with the latest iOS.",
        "It's a Samsung phone, Android 15.",
        "It worked fine before the update.",
        "I restarted my phone, still crashes.",
        "I tried clearing the cache.",
    ],
    ask=[
        "How do I cancel without the app?",
        "Please fix the app or cancel it for me.",
        "Can you start the return from your side?",
        "When will there be a fix?",
    ],
    title=["App crashes after update", "Version {version} crashes on cancel", "White screen on return"],
    short=["app crashes when i tap cancel", "white screen after update", "app freezes on return item"],
)
NEW_CARRIER = "NordPaket"
CARRIER_SWITCH_DETAIL = [
    "Since you switched to {carrier} everything arrives battered.",
    "It's the new courier {carrier}, my neighbour had the same thing this week.",
    "The {carrier} driver just threw it over the gate.",
    "Second parcel in a row from {carrier} that's arrived broken.",
    "You used to send with DHL and it was fine, {carrier} is terrible.",
]
