"""Hand-written contacts for the redaction misses of issue 12, in every channel format.

Each case comes in several phrasings and in the chat, e-mail, call, review and app formats (README,
"Channel text formats"): names given as an answer to the agent, "call me Bob", "account holder: ...",
lower-case names, names in a review title, hyphenated names, cards written with dots, IBANs with
spaces, "jane.doe [at] example [dot] com", lower-case postcodes, "P.O. Box 1234", and the kinds with
their own placeholders (national ids, dates of birth, IP addresses, passwords, PINs, CVV codes,
usernames). Every template also carries ordinary text that looks risky and must survive: prices,
order dates, quantities, product names, version numbers, sizes, "Bob-standard", "the pin on the
buckle". ``nlp.pii_fixtures`` fills the ``{slots}`` from ``VALUES`` / ``CALL_VALUES`` here.
All values are invented (reserved SSN ranges aside, documentation IBANs and IP ranges).
"""

from __future__ import annotations

# Slot -> pii_type of the truth table. "<slot>_first" is the first word of that slot's person.
SLOT_TYPES: dict[str, str] = {
    "rare": "name",
    "hyphen": "name",
    "nick": "name",
    "obf_email": "email",
    "card_dots": "card",
    "iban": "iban",
    "answer_order": "order_id",
    "postcode": "address",
    "po_box": "address",
    "answer_address": "address",
    "username": "username",
    "ssn": "national_id",
    "ni": "national_id",
    "dob": "date_of_birth",
    "ip": "ip_address",
    "password": "password",
    "pin": "pin",
    "cvv": "cvv",
}

VALUES: dict[str, list[str]] = {
    # names no first-name list knows: only the context tells
    "rare": [
        "Dorothea Winterbottom",
        "Thaddeus Okonkwo",
        "Marguerite Fairweather",
        "Ingeborg Vanderstraeten",
        "Oluwaseun Adebayo",
        "Cosima Pettigrew",
    ],
    "hyphen": [
        "Henrietta Ashworth-Smythe",
        "Jean-Pierre Lefèvre",
        "Philippa Fothergill-Jones",
        "Anne-Sophie Marchetti",
        "Jean-Luc Moreau-Duval",
    ],
    "nick": ["Bob", "Dotty", "Alfie", "Bea", "Gus"],
    "obf_email": [
        "jane.doe [at] example [dot] com",
        "dorothea.w (at) mailbox (dot) org",
        "t.okonkwo[at]fastmail[dot]co[dot]uk",
        "jp.lefevre {at} orange {dot} fr",
        "mfairweather [at] gmail.com",
    ],
    "card_dots": ["4111.1111.1111.1111", "5500.0000.0000.0004", "4012.8888.8888.1881", "6011.0009.9013.9424"],
    "iban": [
        "GB29 NWBK 6016 1331 9268 19",
        "DE89 3704 0044 0532 0130 00",
        "ES91 2100 0418 4502 0005 1332",
        "FR14 2004 1010 0505 0001 3M02 606",
        "GB82 WEST 1234 5698 7654 32",
        "FR76 3000 6000 0112 3456 7890 189",
        "DE44 5001 0517 5407 3249 31",
        "ES79 2100 0813 6101 2345 6789",
    ],
    "answer_order": ["4481 2290", "A7734-KL", "77-4410", "B-2209-17"],
    "postcode": ["ls6 2ab", "m14 5rt", "bs7 8hp", "cf24 4hq", "nw1 6xe", "g12 8qq"],
    "po_box": ["P.O. Box 1234, Leeds", "PO Box 77, Bradford", "P.O. Box 5021, York", "po box 310"],
    "answer_address": [
        "Flat 2, The Old Mill, Upper Slaughter GL54 2JB",
        "The Old Rectory, Church Lane, Little Snoring NR21 0JG",
        "27 Albert Road, Manchester M14 5RT",
        "Rose Cottage, Mill Lane, Ambleside",
    ],
    "username": ["dotty_w84", "t.okonkwo77", "MargieF_1961", "jpl-lefevre", "the_real_thaddeus"],
    "ssn": ["219-09-9999", "536-22-8726", "409-52-2002", "078-05-1120", "104 02 3826"],
    "ni": ["QQ 12 34 56 C", "JG103759A", "AB 65 43 21 D", "ZX 98 76 54 B"],
    "dob": ["12/03/1985", "3 March 1979", "1990-07-21", "21st July 1990", "July 4, 1968"],
    "ip": ["192.168.1.24", "81.2.69.160", "10.0.0.138", "2001:db8:85a3::8a2e:370:7334", "86.134.12.7"],
    "password": ["hunter2", "Tr0ub4dor&3", "Sunshine!2024", "correcthorsebattery", "P@ssw0rd99"],
    "pin": ["4821", "0594", "7310", "882931"],
    "cvv": ["737", "4021", "918", "062"],
}
CALL_VALUES: dict[str, list[str]] = {
    "rare": [
        "dorothea winterbottom",
        "thaddeus okonkwo",
        "marguerite fairweather",
        "ingeborg vanderstraeten",
        "cosima pettigrew",
    ],
    "hyphen": ["henrietta ashworth smythe", "jean pierre lefevre", "philippa fothergill jones"],
    "nick": ["bob", "liz", "sam", "charlie"],
    "obf_email": ["dotty w at example dot com", "t okonkwo at fastmail dot co dot uk"],
    "card_dots": ["four one one one one one one one one one one one one one one one"],
    "iban": ["gb29 nwbk 6016 1331 9268 19", "de89 3704 0044 0532 0130 00"],
    "answer_order": ["four four eight one two two nine oh", "a seven seven three four"],
    "postcode": ["ls6 2ab", "m14 5rt", "bs7 8hp", "cf24 4hq"],
    "po_box": ["po box 1234", "p o box 77"],
    "answer_address": [
        "flat two the old mill upper slaughter",
        "the old rectory church lane little snoring",
        "twenty seven albert road manchester",
    ],
    "username": ["dotty underscore w eighty four", "margie f nineteen sixty one"],
    "ssn": ["five three six two two eight seven two six", "two one nine oh nine nine nine nine nine"],
    "ni": ["q q one two three four five six c", "j g one oh three seven five nine a"],
    "dob": [
        "the twelfth of march nineteen eighty five",
        "third of june nineteen seventy nine",
        "twenty first of july nineteen ninety",
    ],
    "ip": ["192.168.1.24", "81.2.69.160"],
    "password": ["sunshine one two three", "bluebird seven seven", "hunter2"],
    "pin": ["four eight two one", "oh five nine four", "seven three one oh"],
    "cvv": ["seven three seven", "nine one eight"],
}

TEMPLATES: list[tuple[str, str]] = [
    # ---- names given as an answer to the agent (chat)
    (
        "chat",
        "[14:02] Agent ({agent}): Thanks for waiting. Can I have your full name please?\n"
        "[14:02] Customer: {rare}\n"
        "[14:03] Agent ({agent}): Thank you {rare_first}. And your postcode?\n"
        "[14:03] Customer: {postcode}\n"
        "[14:04] Customer: I ordered 3 items on 12/03/2026 for £19.99 each and only 2 came",
    ),
    (
        "chat",
        "Bot: Before I connect you, who am I speaking with?\n"
        "Customer: Sure, it's {rare}.\n"
        "Bot: Thanks! What's your order number?\n"
        "Customer: one sec\n"
        "Customer: {answer_order}\n"
        "Agent: I can see the Dyson V15 Detect was dispatched on 3 March.\n"
        "Customer: it still hasn't arrived, tracking says 2-3 days",
    ),
    (
        "chat",
        "Agent: Could you confirm the name on the account and the delivery address please?\n"
        "Customer: {hyphen}, {answer_address}\n"
        "Agent: Perfect, thanks {hyphen_first}.\n"
        "Customer: the Air Max 90 in size 10.5 came in a 9 instead",
    ),
    (
        "chat",
        "Agent: What's the username on your account?\n"
        "Customer: {username}\n"
        "Agent: And the email address?\n"
        "Customer: {email}\n"
        "Customer: the app (version 8.4.1) keeps logging me out after the update",
    ),
    (
        "chat",
        "Agent: Can I take a phone number in case we get cut off?\n"
        "Customer: yes it's {phone}\n"
        "Agent: Thanks. And your surname?\n"
        "Customer: {rare}\n"
        "Customer: I'm Bob-standard on the broadband plan, not the premium one",
    ),
    (
        "chat",
        "Customer: hi, just call me {nick}, everyone does. my refund of 49.99 never arrived\n"
        "Agent: Sorry {nick}, let me check. Can you give me your date of birth to verify?\n"
        "Customer: {dob}\n"
        "Customer: please call me back tomorrow if it's easier",
    ),
    (
        "chat",
        "Customer: the account holder is {rare}, she's my mum and asked me to sort it\n"
        "Customer: her card was charged on {card_dots} twice for the Samsung Galaxy S24\n"
        "Agent: I'm sorry about that. I'll refund the second payment of £799.00.",
    ),
    (
        "chat",
        "Customer: refund to IBAN {iban} please, not the card. The order of 2 lamps was 89.99\n"
        "Agent: Noted, refunds take 3-5 working days.\n"
        "Customer: my login is {username} if you need it",
    ),
    (
        "chat",
        "Customer: I can't log in. My password is {password} and it says incorrect\n"
        "Agent: Please never share your password with us. I've sent a reset link.\n"
        "Customer: the password reset email never arrived, and the login page crashes on iOS 17.4.1",
    ),
    (
        "chat",
        "Customer: your site asked for the CVV {cvv} and then my PIN {pin} which seems dodgy\n"
        "Agent: We never ask for a PIN. Please contact your bank.\n"
        "Customer: the pin on the buckle also snapped on day 1, size UK 9",
    ),
    (
        "chat",
        "Customer: for the insurance claim they want my SSN, it's {ssn}, and my DOB {dob}\n"
        "Agent: You don't need to give us those. The claim only needs order 3 items, 1 missing.",
    ),
    (
        "chat",
        "Customer: my IP address is {ip}, your site blocked it after 2 tries\n"
        "Agent: I've unblocked it, try again in 10 minutes.\n"
        "Customer: still blocked on version 10.2.1.5 of the app",
    ),
    (
        "chat",
        "Customer: Please send the invoice to {po_box} {postcode}\n"
        "Customer: or by email to {obf_email}\n"
        "Agent: Done. The 32W 30L jeans are back in stock on 18 March.",
    ),
    (
        "chat",
        "[09:40] Bot: Hi! What can I help you with?\n"
        "[09:40] Customer: hi my name is {rare_lower} and the rose gold watch i ordered is scratched\n"
        "[09:41] Agent ({agent}): Sorry to hear that! I'll send a replacement.",
    ),
    # ---- e-mail
    (
        "email",
        "Subject: Refund to my bank account\n\n"
        "Hi,\n\n"
        "Please refund the £129.00 for order 3 items to my IBAN {iban}.\n"
        "Account holder: {rare}\n"
        "I was also charged on my card {card_dots}.\n\n"
        "Kind regards,\n{hyphen}\n",
    ),
    (
        "email",
        "Subject: Can't log in\n\n"
        "Hello,\n\n"
        "Since the update to version 8.4.1 I can't log in. Username: {username}, password: {password}.\n"
        "My date of birth is {dob} if you need to verify me. You can call me {nick}.\n\n"
        "Thanks,\n{nick}",
    ),
    (
        "email",
        "Subject: Wrong address on the parcel\n\n"
        "Dear team,\n\n"
        "The parcel should go to {po_box} {postcode}, not my old flat. "
        "Reply to {obf_email} please. The Le Creuset pan was 89.99 and I ordered it on 2 March.\n\n"
        "Many thanks\n{rare}",
    ),
    (
        "email",
        "Subject: Fraud on my card\n\n"
        "Hi,\n\n"
        "Someone used my card ending 4242 from IP {ip}. My NI number is {ni} and my SSN {ssn} "
        "if your fraud team needs them. The PIN {pin} was never written down.\n"
        "The security code {cvv} must have been stolen.\n\n"
        "Best regards,\n{hyphen}",
    ),
    (
        "email",
        "Subject: Order never arrived\n\n"
        "Hi,\n\nFull name: {rare}\nOrder: 2 x Nike Air Max 90, size UK 9, £179.98\n"
        "(it's the rose gold one, if you ask my husband {hyphen_lower})\n"
        "I was told by a driver called {rare_first} that it was left in a safe place. It wasn't.\n\n"
        "Cheers,\n{rare_first}",
    ),
    # ---- call transcripts (lower case, no punctuation)
    (
        "call",
        "agent: thank you for calling can i take your full name please\n"
        "customer: yeah its {rare}\n"
        "agent: thank you {rare_first} and the postcode\n"
        "customer: {postcode}\n"
        "customer: i ordered three items on the twelfth and only two came",
    ),
    (
        "call",
        "agent: good morning who am i speaking with\n"
        "customer: um {rare} {rare_last_spelled}\n"
        "agent: thanks and whats the best number to reach you on\n"
        "customer: {phone}\n"
        "customer: the heater was forty nine ninety nine and it stopped working after a week",
    ),
    (
        "call",
        "agent: can i have your date of birth please\n"
        "customer: its {dob}\n"
        "agent: and the username on the account\n"
        "customer: {username}\n"
        "customer: the app keeps crashing since version eight point four",
    ),
    (
        "call",
        "customer: hi my name is {hyphen} and the account holder is {rare}\n"
        "customer: you can call me {nick} its easier\n"
        "agent: okay {nick} what can i do for you\n"
        "customer: please call me back tomorrow about the sofa delivery",
    ),
    (
        "call",
        "customer: i gave them my pin {pin} and the cvv {cvv} on the phone and now theres money gone\n"
        "agent: we would never ask for that i will flag it\n"
        "customer: and my password is {password} should i change it\n"
        "customer: the pin on the charger is bent as well",
    ),
    (
        "call",
        "customer: they wanted my national insurance number its {ni} for the finance application\n"
        "customer: and my social is {ssn} from when i lived in the states\n"
        "agent: you dont need to give those to us\n"
        "customer: i was born on {dob} if that matters",
    ),
    (
        "call",
        "agent: can i have the address for the refund cheque\n"
        "customer: {answer_address}\n"
        "agent: and the email\n"
        "customer: {obf_email}\n"
        "customer: or send it to {po_box} thats fine too",
    ),
    (
        "call",
        "customer: the refund should go to my iban {iban} not the card\n"
        "agent: and whats the order number\n"
        "customer: {answer_order}\n"
        "customer: it was two lamps at eighty nine ninety nine",
    ),
    (
        "call",
        "customer: my card number is {card_dots} and it was charged twice\n"
        "agent: i can see that i will refund one of them\n"
        "customer: my ip is {ip} if you need to check the login",
    ),
    # ---- reviews: names in the title and the body
    (
        "review",
        "Rating: 5/5\nThank you {rare_first}!\n"
        "{rare_first} in returns sorted my refund of £59.99 in 2 days. Ask for {rare} if you call.",
    ),
    (
        "review",
        "Rating: 1/5\nReview by {hyphen}\n"
        "Ordered the Samsung Galaxy S24 on 04/03/2026, arrived with a cracked screen. "
        "Send replies to {obf_email}.",
    ),
    (
        "review",
        "Rating: 5/5\nShout out to {rare_first} in customer services\n"
        "My parcel went to {po_box} by mistake and {rare_first} fixed it. Size M, fits well.",
    ),
    (
        "review",
        "Rating: 2/5\nDriver called {rare_first} threw my parcel over the fence\n"
        "The TV (model 55X89J) survived but the box didn't. Call me {nick} if you want details.",
    ),
    (
        "review",
        "Rating: 1/5\nThey asked for my PIN\n"
        "Their chat bot asked for my PIN {pin} and the CVV {cvv}. Account holder: {hyphen}. "
        "Version 8.4.1 of the app, 7 day returns my foot.",
    ),
    (
        "review",
        "Rating: 3/5\nOk but slow\n"
        "Refund went to IBAN {iban} after 14 days. My date of birth ({dob}) was shown on the invoice!",
    ),
    # ---- app: cancellation reason and comment
    (
        "app",
        "Reason: Other. Comment: account holder is {hyphen}, refund to {card_dots} not 19.99 store credit",
    ),
    (
        "app",
        "Reason: Account problem. Comment: username {username} password {password} still locked, "
        "IP {ip}, app v8.4.1",
    ),
    (
        "app",
        "Reason: Delivery issue. Comment: send it to {po_box} or postcode {postcode} instead, "
        "call me {nick}, 2 items",
    ),
    (
        "app",
        "Reason: Fraud. Comment: SSN {ssn} and DOB {dob} were on a fake form from your site, PIN {pin}",
    ),
    (
        "app",
        "Reason: Refund. Comment: IBAN {iban}, account holder: {rare}, mail {obf_email}, CVV {cvv}",
    ),
    (
        "app",
        "Reason: Other. Comment: my NI number is {ni}, I'm Bob-standard plan, ordered 3 items on 12/03/2026",
    ),
]

# Ordinary text that looks risky: nothing here may be redacted.
RISKY_NON_PII: list[tuple[str, str]] = [
    (
        "chat",
        "Customer: I paid 19.99 for order 3 items on 12/03/2026 and the app is on 8.4.1\n"
        "Customer: I'm Bob-standard on the broadband plan. Size 10.5, UK 9, EU 42, 32W 30L\n"
        "Customer: the pin on the buckle snapped and the password reset email never arrived",
    ),
    (
        "email",
        "Subject: Order from 3 March\n\nHi,\n\nThe PS5 2TB bundle (£479.99) and 2 x DualSense came on "
        "2026-03-04. The login page crashes on iOS 17.4.1 and version 10.2.1.5 of your app.\n"
        "Call me back tomorrow. My date of birth is wrong on the account.\n\nThanks",
    ),
    (
        "call",
        "customer: i ordered three items at nineteen ninety nine each on the third of march\n"
        "customer: the security code never arrives by text and the login page says try again\n"
        "customer: please call me back when its sorted",
    ),
    (
        "review",
        "Rating: 4/5\nGreat service from Royal Mail\n"
        "IP67 waterproof, USB-C, 4K HDR. Born in the 80s so I like the retro look. Account holder "
        "details were easy to update.",
    ),
    (
        "app",
        "Reason: Found a better price. Comment: Dyson V15 Detect 599.99 vs 549.99 elsewhere, 1 item, "
        "my CVV is on the back of the card so no",
    ),
]
