"""PII redaction: every type in every channel format goes, amounts/dates/sizes/versions stay."""

from __future__ import annotations

import pickle
import re

import pandas as pd
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from nlp.pii_answers import requested_kinds
from nlp.pii_fixture_cases import RISKY_NON_PII
from nlp.pii_fixture_cases import TEMPLATES as CASE_TEMPLATES
from nlp.pii_fixtures import fixture_contacts
from nlp.pii_identity import iban_valid
from nlp.pii_patterns import luhn_valid as luhn_valid_card
from nlp.prepare import prepare_contacts
from nlp.redact import LABELS, RedactConfig, Redactor, Span
from nlp.redaction_eval import TARGET_OVER_REDACTION, TARGET_RECALL, measure_redaction, meets_targets


@pytest.fixture(scope="module")
def redactor() -> Redactor:
    return Redactor()


@pytest.mark.parametrize(
    ("text", "value", "placeholder"),
    [
        ("write to sarah.jones@gmail.com please", "sarah.jones@gmail.com", "[EMAIL]"),
        ("my email is sarah dot jones at gmail dot com ok", "sarah dot jones at gmail dot com", "[EMAIL]"),
        ("call me on 07700 900123 today", "07700 900123", "[PHONE]"),
        ("call +44 (0)20 7946 0958", "+44 (0)20 7946 0958", "[PHONE]"),
        ("US line (415) 555-0132 or", "(415) 555-0132", "[PHONE]"),
        ("ring 1-800-555-0199 now", "1-800-555-0199", "[PHONE]"),
        ("Handy 0151 23456789 bitte", "0151 23456789", "[PHONE]"),
        ("tel 01 23 45 67 89 svp", "01 23 45 67 89", "[PHONE]"),
        ("my number is oh seven seven double oh nine double oh one two three", "oh seven seven", "[PHONE]"),
        ("charged on 4111 1111 1111 1111 twice", "4111 1111 1111 1111", "[CARD]"),
        ("card 5500-0000-0000-0004 declined", "5500-0000-0000-0004", "[CARD]"),
        ("order 402-8836541-7739215 late", "402-8836541-7739215", "[ORDER_ID]"),
        ("order ORD-20261104-58213 late", "ORD-20261104-58213", "[ORDER_ID]"),
        ("order #123456789 late", "#123456789", "[ORDER_ID]"),
        ("UPS 1Z999AA10123456784 stuck", "1Z999AA10123456784", "[TRACKING_ID]"),
        ("DHL JD014600003828420339 stuck", "JD014600003828420339", "[TRACKING_ID]"),
        ("tracking number H00AB12345678901 stuck", "H00AB12345678901", "[TRACKING_ID]"),
        ("send to 14 Baker Street, London NW1 6XE now", "14 Baker Street, London NW1 6XE", "[ADDRESS]"),
        ("an Hauptstraße 12, 10115 Berlin bitte", "Hauptstraße 12, 10115 Berlin", "[ADDRESS]"),
        ("I live at 221B Baker St in", "221B Baker St", "[ADDRESS]"),
        ("au 5 rue de Rivoli, 75001 Paris merci", "5 rue de Rivoli, 75001 Paris", "[ADDRESS]"),
        (
            "to 1600 Pennsylvania Ave NW, Washington, DC 20500.",
            "1600 Pennsylvania Ave NW, Washington, DC 20500",
            "[ADDRESS]",
        ),
        ("My name is Priya Raghunathan and", "Priya Raghunathan", "[NAME]"),
        ("Hi Sarah, the box", "Sarah", "[NAME]"),
        ("This is Dieter Müller from Berlin", "Dieter Müller", "[NAME]"),
        ("Tom here, my parcel", "Tom", "[NAME]"),
        ("it was addressed to Marie Dubois but", "Marie Dubois", "[NAME]"),
        ("please ask for Aisha at reception", "Aisha", "[NAME]"),
        ("Thanks,\nJames O'Connor\n07700 900456", "James O'Connor", "[NAME]"),
        ("hi my name is john smith calling about", "john smith", "[NAME]"),
        ("hi my like name is i mean theo thomas im calling", "theo thomas", "[NAME]"),
        ("this is kwame lewis im calling about my order", "kwame lewis", "[NAME]"),
        ("The parcel was addrressed to Dominik Yilmaz. Can you", "Dominik Yilmaz", "[NAME]"),
        ("The account is under Niklas Weber. Please", "Niklas Weber", "[NAME]"),
        ("i sent it back with tracking you know h9713b7780905694 when", "h9713b7780905694", "[TRACKING_ID]"),
        ("its 230 2822480 7131340 you know", "230 2822480 7131340", "[ORDER_ID]"),
        ("text to 44 7705 059589 im using", "44 7705 059589", "[PHONE]"),
        ("go to Calle de Alcalá 16, 29015 Málaga? The", "Calle de Alcalá 16, 29015 Málaga", "[ADDRESS]"),
        ("delivered to 134 rue jean jaurès 59000 lille but", "134 rue jean jaurès 59000 lille", "[ADDRESS]"),
        ("call me on 648 88 36 31. Please", "648 88 36 31", "[PHONE]"),
    ],
)
def test_each_pii_type_becomes_its_placeholder(
    redactor: Redactor, text: str, value: str, placeholder: str
) -> None:
    out = redactor.redact(text)
    assert value not in out
    assert placeholder in out


@pytest.mark.parametrize(
    "text",
    [
        "I paid £49.99 and 120 EUR for 2 pairs in EU 42 on 04/11/2026.",
        "App version 8.4 crashes since 2026-11-04, it took 2 days and 3 items were missing.",
        "The card ending 4242 was charged $799 for the Samsung Galaxy S24.",
        "Size 10.5 Nike Air Max 90, delivered in 14 days, 1 item on the way.",
        "I bought the best Samsung phone and a 2 hour drive later it broke.",
        "Hello, Wrong size, it's way too small. Thanks, Tracking shows it was returned.",
    ],
)
def test_non_pii_survives(redactor: Redactor, text: str) -> None:
    assert redactor.redact(text) == text


def test_find_returns_sorted_disjoint_spans(redactor: Redactor) -> None:
    text = "Mail sarah.jones@gmail.com or call 07700 900123."
    spans = redactor.find(text)
    assert spans == [Span(5, 26, "EMAIL"), Span(35, 47, "PHONE")]
    assert text[spans[1].start : spans[1].end] == "07700 900123"


def test_redact_many_keeps_order_and_handles_non_strings(redactor: Redactor) -> None:
    out = redactor.redact_many(["call 07700 900123", "", "fine"])
    assert out == ["call [PHONE]", "", "fine"]


def test_labels_can_be_restricted() -> None:
    r = Redactor(RedactConfig(labels=("EMAIL",)))
    assert r.redact("a@b.com 07700 900123") == "[EMAIL] 07700 900123"
    with pytest.raises(ValueError, match="unknown PII labels"):
        RedactConfig(labels=("SSN",))
    only_answers = Redactor(RedactConfig(labels=("EMAIL",)))
    conversation = "Agent: Your full name please?\nCustomer: Dorothea Winterbottom"
    assert only_answers.redact_answers([conversation]) == [conversation]


def test_luhn_and_iban_checks() -> None:
    assert luhn_valid_card("4111111111111111")
    assert not luhn_valid_card("4111111111111112")
    assert iban_valid("GB29 NWBK 6016 1331 9268 19")
    assert iban_valid("fr1420041010050500013m02606")
    assert not iban_valid("GB29 NWBK 6016 1331 9268 18")  # one digit off
    assert not iban_valid("GB29 NWBK 6016 1331 9268")  # too short for GB


def test_fixtures_meet_the_targets(redactor: Redactor) -> None:
    contacts, truth = fixture_contacts(rounds=2)
    texts = contacts.set_index("contact_id")["text"]
    channels = contacts.set_index("contact_id")["channel"]
    assert set(truth["pii_type"]) == {label.lower() for label in LABELS}
    assert set(contacts["channel"]) == {"chat", "email", "call", "review", "app"}
    for prepare in (False, True):
        m = measure_redaction(texts, truth, redactor=redactor, channels=channels, prepare=prepare)
        assert min(m["recall_by_type"].values()) >= TARGET_RECALL, m["recall_by_type"]
        assert m["over_redaction"] < TARGET_OVER_REDACTION, m
        assert meets_targets(m)


def test_every_issue_12_case_comes_in_every_channel() -> None:
    by_channel: dict[str, set[str]] = {}
    for channel, template in CASE_TEMPLATES:
        by_channel.setdefault(channel, set()).update(re.findall(r"{(\w+)}", template))
    assert set(by_channel) == {"chat", "email", "call", "review", "app"}
    for kind in ("rare", "hyphen", "nick", "iban", "po_box", "dob", "password", "pin", "cvv"):
        assert sum(kind in slots or f"{kind}_first" in slots for slots in by_channel.values()) >= 4, kind
    assert {channel for channel, _ in RISKY_NON_PII} == set(by_channel)


def test_measurement_counts_misses_and_over_redaction() -> None:
    import pandas as pd

    texts = pd.Series({"a": "call 07700 900123 about 3 items", "b": "nothing here at all"})
    truth = pd.DataFrame(
        {"contact_id": ["a", "b"], "pii_type": ["phone", "name"], "value": ["07700 900123", "here"]}
    )
    m = measure_redaction(texts, truth)
    assert m["recall_by_type"] == {"name": 0.0, "phone": 1.0}
    assert m["over_redaction"] == 0.0
    assert m["non_pii_tokens"] == 4 + 3


def test_a_half_redacted_value_counts_as_a_miss() -> None:
    texts = pd.Series({"a": "I'm Jean-Pierre Dubois, order 3 items", "b": "to 14 Kingsway, Leeds today"})
    truth = pd.DataFrame(
        {
            "contact_id": ["a", "b"],
            "pii_type": ["name", "address"],
            "value": ["Jean-Pierre Dubois", "14 Kingsway, Leeds"],
        }
    )

    class Half(Redactor):
        def redact_many(self, texts):  # type: ignore[no-untyped-def]
            return ["I'm Jean-[NAME], order 3 items", "to [ADDRESS] Kingsway, [ADDRESS] today"]

    m = measure_redaction(texts, truth, redactor=Half())
    assert m["recall_by_type"] == {"address": 0.0, "name": 0.0}


def test_an_id_after_two_context_words_is_redacted() -> None:
    # "parcel" starts a context match that swallows "tracking"; the id after it must still go
    text = "customer: so yeah somethings wrong with my parcel tracking h0769h9980736799 just says in transit"
    redacted = Redactor().redact(text)
    assert "h0769h9980736799" not in redacted and "[TRACKING_ID]" in redacted
    assert "return order [ORDER_ID]" in Redactor().redact("my return order ORD-20261104-58213 is late")


def test_a_spoken_address_with_a_lower_case_postcode_is_redacted() -> None:
    redacted = Redactor().redact("need it sent to 179 elm grove manchester m14 5rt instead")
    assert redacted == "need it sent to [ADDRESS] instead"
    assert Redactor().redact("i ordered 2 dark green jumpers") == "i ordered 2 dark green jumpers"


def test_a_saved_pipeline_config_rebuilds_the_same_redactor(redactor: Redactor) -> None:
    import spacy

    factories = [redactor.nlp.get_pipe_meta(name).factory for name in redactor.nlp.pipe_names]
    assert factories == ["voc_pii_patterns_v1", "voc_pii_names_v1", "voc_pii_resolve_v1"]
    rebuilt = spacy.util.load_model_from_config(redactor.nlp.config, auto_fill=True)
    text = "Hi Sarah, call me on 07700 900123 about order 402-8836541-7739215"
    doc = rebuilt(text)
    spans = [(s.start_char, s.end_char, s.label_) for s in doc.spans["pii"]]
    assert spans == [tuple(s) for s in redactor.find(text)] and len(spans) == 3


# ---------------------------------------------------------------------------------------------------
# issue 12: the misses that reached reports, MLflow artifacts and the model's pickle


@pytest.mark.parametrize(
    ("text", "value", "placeholder"),
    [
        # names given as an answer to the agent's request, in chat and call formats
        (
            "Agent: Can I have your full name please?\nCustomer: Dorothea Winterbottom",
            "Winterbottom",
            "[NAME]",
        ),
        ("Agent: Who am I speaking with?\nCustomer: Sure, it's Thaddeus Okonkwo.", "Okonkwo", "[NAME]"),
        ("Agent: May I take your name, please?\nCustomer: Mrs D. Winterbottom", "Winterbottom", "[NAME]"),
        ("Agent: What name is the order under?\nCustomer: Pettigrew, P-E-T-T-I-G-R-E-W", "P-E-T-T", "[NAME]"),
        ("Bot: Your surname?\nCustomer: one sec\nCustomer: Fairweather", "Fairweather", "[NAME]"),
        ("agent: who am i speaking with\ncustomer: yeah its dorothea winterbottom", "winterbottom", "[NAME]"),
        ("agent: can i take your name\ncustomer: um cosima w i n t e r", "w i n t e r", "[NAME]"),
        ("Agent: And your email?\nCustomer: dotty w at example dot org", "dotty w at", "[EMAIL]"),
        ("Agent: Best number to reach you?\nCustomer: 07700 900 123 after 6pm", "900 123", "[PHONE]"),
        ("Agent: What's the username?\nCustomer: dotty_w84", "dotty_w84", "[USERNAME]"),
        ("agent: and the username\ncustomer: margie f nineteen sixty one", "margie f", "[USERNAME]"),
        (
            "Agent: Delivery address please?\nCustomer: Rose Cottage, Mill Lane, Ambleside",
            "Rose Cottage",
            "[ADDRESS]",
        ),
        ("agent: and your postcode please\ncustomer: yeah its ls6 2ab", "ls6 2ab", "[ADDRESS]"),
        ("Agent: What's the order number?\nCustomer: A7734-KL", "A7734-KL", "[ORDER_ID]"),
        (
            "agent: whats the order number\ncustomer: a seven seven three four",
            "seven seven three",
            "[ORDER_ID]",
        ),
        ("Agent: Your date of birth?\nCustomer: 3 March 1979", "3 March 1979", "[DATE_OF_BIRTH]"),
        # "call me Bob", "account holder: ...", lower-case names, review titles, hyphenated names
        ("you can call me Bob, everyone does", "Bob", "[NAME]"),
        ("Please just call me Dotty.", "Dotty", "[NAME]"),
        ("you can call me bob its easier", "bob", "[NAME]"),
        ("Account holder: Dorothea Winterbottom", "Winterbottom", "[NAME]"),
        ("the account holder is Cosima Pettigrew, my mum", "Pettigrew", "[NAME]"),
        ("Account holder name: Mr T Okonkwo", "Okonkwo", "[NAME]"),
        ("Cardholder: Cosima Pettigrew", "Pettigrew", "[NAME]"),
        ("hi my name is jean pierre lefevre and im calling", "lefevre", "[NAME]"),
        ("Agent: Hello!\nCustomer: hi my name is dorothea winterbottom and", "winterbottom", "[NAME]"),
        ("Customer: Hi. i was told to speak to margery fairweather", "fairweather", "[NAME]"),
        ("customer: the account holder is thaddeus okonkwo", "okonkwo", "[NAME]"),
        ("Rating: 5/5\nThank you Marguerite!\nGreat refund.", "Marguerite", "[NAME]"),
        ("Rating: 1/5\nReview by Henrietta Ashworth-Smythe\nBroken.", "Ashworth-Smythe", "[NAME]"),
        ("Rating: 5/5\nShout out to Ingeborg in returns\nQuick.", "Ingeborg", "[NAME]"),
        ("Rating: 2/5\nDriver called Thaddeus threw my parcel\nBad.", "Thaddeus", "[NAME]"),
        ("Rating: 5/5\nMargaret from customer service was amazing", "Margaret", "[NAME]"),
        ("Kind regards,\nHenrietta Ashworth-Smythe", "Smythe", "[NAME]"),
        ("Jean-Pierre here, the box was empty", "Jean-Pierre", "[NAME]"),
        ("the account is under Pierre. Jean-Pierre Dubois wrote too", "Jean-", "[NAME]"),
        # formats that slipped through
        ("card no 4111.1111.1111.1111 exp 12/27", "4111.1111", "[CARD]"),
        ("IBAN GB29 NWBK 6016 1331 9268 19 please", "NWBK 6016", "[IBAN]"),
        ("IBAN DE89 3704 0044 0532 0130 00 bitte", "0532 0130", "[IBAN]"),
        ("IBAN ES91 2100 0418 4502 0005 1332 gracias", "0005 1332", "[IBAN]"),
        ("IBAN FR14 2004 1010 0505 0001 3M02 606 merci", "3M02 606", "[IBAN]"),
        ("my iban is gb29nwbk60161331926819", "gb29nwbk", "[IBAN]"),
        ("mail jane.doe [at] example [dot] com today", "jane.doe", "[EMAIL]"),
        ("or dorothea(dot)w(at)example(dot)org", "dorothea", "[EMAIL]"),
        ("the postcode is ls6 2ab thanks", "ls6 2ab", "[ADDRESS]"),
        ("my post code is ls62ab", "ls62ab", "[ADDRESS]"),
        ("send it to P.O. Box 1234 please", "Box 1234", "[ADDRESS]"),
        ("send it to po box 310 please", "box 310", "[ADDRESS]"),
        # new kinds, after their cue
        ("my SSN is 536-22-8726 ok", "536-22-8726", "[NATIONAL_ID]"),
        ("SSN: 536 22 8726", "536 22 8726", "[NATIONAL_ID]"),
        ("my social is five three six two two eight seven two six", "eight seven two six", "[NATIONAL_ID]"),
        ("NI number QQ 12 34 56 C ok", "QQ 12 34 56 C", "[NATIONAL_ID]"),
        ("national insurance number is q q one two three four five six c", "q q one", "[NATIONAL_ID]"),
        ("date of birth 12/03/1985", "12/03/1985", "[DATE_OF_BIRTH]"),
        ("DOB: 21st July 1990", "21st July 1990", "[DATE_OF_BIRTH]"),
        ("my d.o.b. is 21/07/90", "21/07/90", "[DATE_OF_BIRTH]"),
        ("i was born on the twelfth of march nineteen eighty five", "twelfth of march", "[DATE_OF_BIRTH]"),
        ("logging in from 192.168.1.24 every time", "192.168.1.24", "[IP_ADDRESS]"),
        ("from 2001:db8:85a3::8a2e:370:7334 today", "8a2e:370", "[IP_ADDRESS]"),
        ("my password is hunter2 ok", "hunter2", "[PASSWORD]"),
        ("pwd: Tr0ub4dor&3", "Tr0ub4dor&3", "[PASSWORD]"),
        ("password correcthorsebattery still locked", "correcthorsebattery", "[PASSWORD]"),
        ("my password is sunshine one two three", "sunshine one two three", "[PASSWORD]"),
        ("PIN: 0594", "0594", "[PIN]"),
        ("my pin number is four eight two one", "four eight two one", "[PIN]"),
        ("the cvv is 737", "737", "[CVV]"),
        ("the 3 digit code on the back is 918", "918", "[CVV]"),
        ("security code four oh two one", "four oh two one", "[CVV]"),
        ("sent it back, the numbers on the back are 4 1 7", "4 1 7", "[CVV]"),
        ("the last three digits on the back: 552", "552", "[CVV]"),
        ("my CSC is 883", "883", "[CVV]"),
        ("username: cosima.p", "cosima.p", "[USERNAME]"),
        ("my login is dotty_w84 if you need it", "dotty_w84", "[USERNAME]"),
        # partial leaks the old whole-value measure hid
        ("delivered to 14 Kingsway, Birmingham B15 2TT but", "Kingsway", "[ADDRESS]"),
        ("hi my name is tyrone king im calling", "king", "[NAME]"),
        ("well hi yeah its jack o brien here im calling", "brien", "[NAME]"),
        ("it went to twenty seven albert road manchester", "manchester", "[ADDRESS]"),
        # found by the synthetic contacts' identity details (voc.synth.identity)
        ("the form asked for my SSN, it's 104 02 3826, why would you need that?", "3826", "[NATIONAL_ID]"),
        (
            "agent: for security can i take your date of birth please\ncustomer: basically may 25th 1956",
            "25th 1956",
            "[DATE_OF_BIRTH]",
        ),
    ],
)
def test_issue_12_cases_become_their_placeholder(
    redactor: Redactor, text: str, value: str, placeholder: str
) -> None:
    out = redactor.redact(text)
    assert value not in out
    assert placeholder in out


@pytest.mark.parametrize(
    "text",
    [
        "I'm Bob-standard on the broadband plan, is that the cheapest tier?",
        "I paid 19.99 for order 3 items on 12/03/2026 and the app is on 8.4.1.",
        "Size 10.5, UK 9, EU 42, 32W 30L, XL; the PS5 2TB bundle was £479.99.",
        "The router firmware is 1.0.4.22 and version 10.2.1.5 of the app crashes.",
        "The pin on the buckle broke. The password field is greyed out. The username box is empty.",
        "my password is incorrect apparently and the password reset email never arrived",
        "please call me back tomorrow morning, or call me on Monday",
        "Call me ASAP about the refund",
        "customer: its rose gold and i love it",
        "Customer: Hi! its the rose gold one, this is absolutely ridiculous",
        "my security code is 3 digits but it won't accept it",
        "my date of birth is wrong on my account. I was born in 1985.",
        "I have 2 cards ending 1234 and 5678",
        "Great service from Royal Mail. Account holder details were easy to update.",
        "IP67 waterproof, USB-C, 4K HDR, model 55X89J, Dyson V15 Detect.",
        "Agent: Can I have your name please?\nCustomer: Why do you need that?",
        "Agent: Can I have your name please?\nCustomer: Absolutely, no problem",
        "Agent: I've updated the name on your account.\nCustomer: Brilliant, thanks",
        "Agent: Please confirm the delivery address.\nCustomer: Same as last time please",
        "agent: can i take your full name please\ncustomer: hang on let me check",
    ],
)
def test_risky_ordinary_text_survives(redactor: Redactor, text: str) -> None:
    assert redactor.redact(text) == text


def test_answers_are_redacted_although_preparation_drops_the_question() -> None:
    contacts = pd.DataFrame(
        {
            "text": [
                "Agent (Maria): Can I have your full name please?\nCustomer: Zephyrine Quillfeather\n"
                "Customer: my order of 3 items never came",
                "agent: who am i speaking with\ncustomer: yeah its zephyrine quillfeather\n"
                "customer: the order never came",
            ],
            "channel": ["chat", "call"],
        }
    )
    clean = list(prepare_contacts(contacts)["clean_text"])
    assert clean == ["[NAME] my order of 3 items never came", "yeah its [NAME] the order never came"]


def test_a_name_given_as_an_answer_leaves_an_email_holding_it_whole() -> None:
    # the answer "Jules Garcia" is replaced before the patterns run: "jules" inside the address must
    # stay for the e-mail pattern, else "[NAME].g@hotmail.fr" leaks the rest of the address
    text = (
        "Customer: My account email is jules.g@hotmail.fr.\nAgent: Can I take your full name please?\n"
        "Customer: Jules Garcia\nAgent: Thanks Jules."
    )
    clean = prepare_contacts(pd.DataFrame({"text": [text], "channel": ["chat"]}))["clean_text"].iloc[0]
    assert clean == "My account email is [EMAIL]. [NAME]"


def test_a_short_value_inside_a_longer_number_is_not_a_miss() -> None:
    # CVV "026" is gone; the "026" inside "2026" is another number, not the planted value
    texts = pd.Series({"a": "the CVV 026 failed on 12 May 2026"})
    truth = pd.DataFrame({"contact_id": ["a"], "pii_type": ["cvv"], "value": ["026"]})
    assert measure_redaction(texts, truth)["recall_by_type"] == {"cvv": 1.0}


def test_requested_kinds_follow_the_agents_question() -> None:
    assert requested_kinds("Could you confirm the name on the account and the delivery address please?") == [
        "NAME",
        "ADDRESS",
    ]
    assert requested_kinds("and your email address") == ["EMAIL"]
    assert requested_kinds("okay can i take the order number please") == ["ORDER_ID"]
    assert requested_kinds("What's the username on your account?") == ["USERNAME"]
    # the agent introducing themselves or telling, not asking
    assert requested_kinds("Hello, my name is Tom, how can I help?") == []
    assert requested_kinds("I've updated your email address.") == []


def test_no_name_is_half_redacted(redactor: Redactor) -> None:
    contacts, _ = fixture_contacts(rounds=2)
    for text in redactor.redact_many(contacts["text"]):
        assert not re.search(r"\w-\[NAME\]|\[NAME\]-\w", text), text


def test_redacting_twice_changes_nothing(redactor: Redactor) -> None:
    contacts, _ = fixture_contacts(rounds=1)
    once = redactor.redact_many(contacts["text"])
    assert redactor.redact_many(once) == once


def test_a_models_vocabulary_holds_no_planted_pii() -> None:
    """The TF-IDF vocabulary and the pickled model are built from redacted text only."""
    from training.config import TrainConfig
    from training.dataset import build_training_set
    from training.train import train_classifier

    contacts, truth = fixture_contacts(rounds=1)
    contacts["label"] = [
        "refund_not_received" if i % 2 else "damaged_in_transit" for i in range(len(contacts))
    ]
    result = train_classifier(build_training_set(contacts), TrainConfig(features="tfidf", C=(1.0,)))

    word_vectorizer = dict(result.model.vectorizer_.transformer_list)["word"]
    analyse = word_vectorizer.build_analyzer()
    # tokens that occur only inside planted values: the ones a leak would bring into the model
    outside = set()
    for cid, text in zip(contacts["contact_id"], contacts["text"], strict=True):
        for value in truth.loc[truth["contact_id"] == cid, "value"]:
            text = text.replace(value, " ")
        outside.update(analyse(text))
    pii_tokens = {tok for value in truth["value"] for tok in analyse(value) if len(tok) >= 3} - outside
    assert len(pii_tokens) > 100  # names, ids, secrets of every kind
    vocabulary_words = {w for term in word_vectorizer.vocabulary_ for w in term.split()}
    assert not pii_tokens & vocabulary_words
    pickled = pickle.dumps(result.model)
    # char n-grams are at most 5 long, so a longer planted token can only be there if it leaked
    for token in (t for t in pii_tokens if len(t) >= 6):
        assert token.encode() not in pickled.lower(), token


_SPOKEN_WORDS = st.sampled_from(
    [
        "one",
        "two",
        "oh",
        "nine",
        "zero",
        "07",
        "4",
        "1234",
        "ONE",
        "Six",
        "double",
        "triple",
        "ohio",
        "someone",
        "x9",
        "_one",
        "ſix",
        "٣",
        "é",
    ]
)
_SEPARATORS = st.sampled_from([" ", " ", " ", "\t", "  ", ", ", "-", "\n", ""])


@st.composite
def _spoken_texts(draw: st.DrawFn) -> str:
    return "".join(w + draw(_SEPARATORS) for w in draw(st.lists(_SPOKEN_WORDS, max_size=8)))


@given(_spoken_texts())
@example("one two oh nine zero 4")  # exactly six: the fewest the pattern takes
@example("ONE Six\toh  nine zero 07")  # any case, tabs and runs of spaces between them
@settings(max_examples=300, deadline=None)
def test_the_spoken_number_shortcut_never_skips_a_text_the_pattern_matches(text: str) -> None:
    from nlp import pii_patterns

    if pii_patterns._SPOKEN_DIGITS.search(text):
        assert pii_patterns._may_hold_spoken_number(text)


_ID_PIECES = st.sampled_from(
    [
        "order", "ORD", "REF-", "AB-", "#", "1Z", "JD", "TBA", "GB", "tracking", "parcel", "number",
        "card", "IBAN", "SSN", "+", "00", "(", ")", ".", "-", "/", "ab", "WEST", "LS", "Customer:",
        "٣", "é", "rue", "RUE", "Calle", "c/", "strasse", "Ring", "Am", "Paſeo", "lille", "Mayor",
    ]
)  # fmt: skip
_PIECES = st.one_of(_ID_PIECES, st.from_regex(r"[0-9]{1,20}", fullmatch=True))


@st.composite
def _id_texts(draw: st.DrawFn) -> str:
    return "".join(w + draw(_SEPARATORS) for w in draw(st.lists(_PIECES, max_size=10)))


# each with exactly the fewest digits its pattern takes
_FEWEST_DIGITS = [
    "order ORD1234",
    "see AB-12345",
    "#12345",
    "123-4567890-1234567",
    "1ZZZZZZZZZZZZZZZZZ",
    "JD0123456789",
    "AB123456789GB",
    "TBA123456789012",
    "92123456789012345678",
    "ref ab12345678cd",
    "tracking ab1234",
    "order 12345",
    "call +12 345 678",
    "id 12345678",
    "4222222222222",
    "123-45-6789",
    "AB 12 34 56 C",
    "GB82 WEST 1234 5698 7654 32",
    "ip 1.1.1.1",
    "LS6 2AB",
    # addresses: each pattern is skipped where none of its street words is, and needs a house number
    "5 rue de Rivoli",
    "5 RUE de Rivoli",
    "1 rue jean jaures 59000 lille",
    "Calle Mayor 1",
    "c/ Mayor 5",
    "AVDA. Diagonal 5",
    "Paſeo del Prado 5",  # IGNORECASE folds "ſ" onto "s": non-ASCII text is always searched
    "Am Markt 1, 01067 Dresden",
    "bahnhofstrasse 1",
    "Hauptstrasse 1",
    "Berliner Ring 1",
]


def _spans_without_the_digit_count(text: str) -> list[tuple[int, int, str]]:
    from unittest import mock

    from nlp import pii_identity, pii_patterns

    with (
        mock.patch.object(pii_patterns, "digit_count", return_value=1 << 30),
        mock.patch.object(pii_identity, "digit_count", return_value=1 << 30),
    ):
        return sorted(pii_patterns.find_pattern_spans(text))


@pytest.mark.parametrize("text", _FEWEST_DIGITS)
def test_a_pattern_still_matches_with_the_fewest_digits_it_takes(text: str) -> None:
    from nlp.pii_patterns import find_pattern_spans

    spans = sorted(find_pattern_spans(text))
    assert spans
    assert spans == _spans_without_the_digit_count(text)


@given(_id_texts())
@settings(max_examples=300, deadline=None)
def test_the_digit_count_shortcut_finds_what_every_pattern_finds(text: str) -> None:
    """Patterns that need N digits are skipped on texts with fewer: the spans are the same."""
    from nlp.pii_patterns import find_pattern_spans

    assert sorted(find_pattern_spans(text)) == _spans_without_the_digit_count(text)


def test_a_number_read_out_in_a_call_is_still_found_after_the_shortcut(redactor: Redactor) -> None:
    text = "customer: yeah its oh seven seven double nine one two three four five six"
    assert "seven" not in redactor.redact(text)
    # five digit words are no number: nothing to look for, nothing redacted
    assert (
        redactor.redact("one two three four five things went wrong")
        == "one two three four five things went wrong"
    )


_NAME_PIECES = st.sampled_from(
    [
        "Sarah",
        "sarah",
        "SARAH",
        "Sarahs",
        "Jones",
        "jones",
        "Jean",
        "Jean-Luc",
        "x_Sarah",
        "Sarah2",
        "Bo",
        "the",
    ]
)


@given(
    st.lists(_NAME_PIECES, min_size=1, max_size=8),
    st.lists(_SEPARATORS, min_size=8, max_size=8),
    st.booleans(),
)
@settings(max_examples=200, deadline=None)
def test_further_occurrences_of_a_name_are_found_without_a_pattern_per_contact(
    words: list[str], separators: list[str], lower_mode: bool
) -> None:
    """The shortcut for ASCII text finds what the pattern of the name's words finds."""
    from nlp.pii_names import _repeats

    text = "".join(w + s for w, s in zip(words, separators, strict=False))
    found = [(0, len(words[0]))]  # the first word was found as a name
    names = {w for w in re.findall(r"[^\W\d_]{3,}", words[0]) if w.lower() != "the"}
    expected: list[tuple[int, int]] = []
    if names:
        alternatives = "|".join(re.escape(w) for w in sorted(names, key=len, reverse=True))
        pattern = re.compile(r"(?<!\w)(?:" + alternatives + r")(?!\w)", re.IGNORECASE if lower_mode else 0)
        expected = [(m.start(), m.end()) for m in pattern.finditer(text)]
    assert _repeats(text, found, lower_mode) == expected


@pytest.mark.timeout(20)
@pytest.mark.parametrize(
    "text",
    [
        "SSN-+  90 SSN JD\t05 0 84322945546211 77580194423409437",
        "my social is ab 4321098765432109876543210987 and 12345678901234567890123 x",
    ],
)
def test_long_digit_runs_after_a_cue_do_not_stall_the_redactor(redactor: Redactor, text: str) -> None:
    """A digit run could be split between repetitions of the number pattern in 2^n ways, each tried
    when what follows fails ("SSN JD 05 ...": a spoken NI number needs a letter at its end): the
    redaction of such a contact never finished."""
    redacted = redactor.redact(text)
    assert not re.search(r"\d{8}", redacted)
