"""Preparation: customer words only, boilerplate gone, PII redacted, rows kept in order."""

from __future__ import annotations

import pandas as pd
import pytest

from nlp.prepare import PrepareConfig, infer_channel, prepare_contacts, prepare_text

CHAT = (
    "[10:01] Bot: Hi! How can I help?\n"
    "[10:02] Customer: My jacket arrived torn\nand the zip is broken.\n"
    "[10:03] Agent (Sarah): Sorry to hear that, we value your feedback.\n"
    "Customer: I want a refund of £49.99\n"
    "System: Chat ended"
)
EMAIL = (
    "Subject: Re: Refund not received\n\nHi team,\n\n"
    "I returned the boots (EU 42) on 3 Nov and still no refund.\n\n"
    "Thanks,\nJohn Smith\n+44 7700 900123\n\nSent from my iPhone\n\n"
    "On Tue, 3 Nov 2026 at 10:14, Shop Support <support@shop.example> wrote:\n"
    "> Your return label is attached.\n> Kind regards"
)
CALL = (
    "agent: thank you for calling how can i help\n"
    "customer: um yeah i'd like to cancel my order uh it's been two weeks\n"
    "agent: sure let me check\n"
    "customer: erm it still says in transit"
)


def test_chat_keeps_only_customer_turns() -> None:
    out = prepare_text(CHAT, "chat")
    assert out == "My jacket arrived torn and the zip is broken. I want a refund of £49.99"
    assert "Sorry" not in out and "help" not in out and "ended" not in out


def test_chat_without_roles_is_kept_whole() -> None:
    text = "The parcel never arrived,\n I want my   money back."
    assert prepare_text(text, "chat") == "The parcel never arrived, I want my money back."


def test_email_drops_greeting_signature_footer_and_quote() -> None:
    out = prepare_text(EMAIL, "email")
    assert out == "Refund not received. I returned the boots (EU 42) on 3 Nov and still no refund."


def test_email_inline_greeting_and_early_thanks_keep_the_body() -> None:
    text = (
        "Hello Sarah, the size guide is wrong.\nThanks for sorting\nthe app crashes on version 8.4 when I pay"
    )
    out = prepare_text(text, "email")
    assert out.startswith("the size guide is wrong.")
    assert out.endswith("version 8.4 when I pay")


def test_call_keeps_customer_lines_without_fillers() -> None:
    out = prepare_text(CALL, "call")
    assert out == "yeah i'd like to cancel my order it's been two weeks it still says in transit"


def test_review_drops_rating_keeps_title_and_body() -> None:
    out = prepare_text("Rating: 2/5\nFell apart after a week\nThe sole came off after 2 days.", "review")
    assert out == "Fell apart after a week. The sole came off after 2 days."


def test_app_keeps_reason_and_comment() -> None:
    out = prepare_text("Reason: Found a better price. Comment: same TV is 120 EUR cheaper", "app")
    assert out == "Found a better price. same TV is 120 EUR cheaper"


@pytest.mark.parametrize(
    ("text", "channel"),
    [
        (CHAT, "chat"),
        (CALL, "call"),
        (EMAIL, "email"),
        ("Rating: 4/5\nGood\nFine shoes", "review"),
        ("Reason: Too expensive. Comment: meh", "app"),
        ("just some words", None),
    ],
)
def test_channel_inferred_from_shape(text: str, channel: str | None) -> None:
    assert infer_channel(text) == channel
    assert prepare_text(text, None) == prepare_text(text, channel)


def test_prepare_contacts_keeps_index_order_and_redacts() -> None:
    contacts = pd.DataFrame(
        {
            "contact_id": ["c3", "c1", "c2"],
            "channel": ["email", "chat", None],
            "text": [
                EMAIL,
                "Customer: call me on 07700 900123, I'm Priya Patel\nAgent (Tom): ok",
                "Rating: 1/5\nBad\nBroken",
            ],
            "market": ["UK", "DE", "FR"],
        },
        index=[10, 5, 7],
    )
    out = prepare_contacts(contacts)
    assert list(out.index) == [10, 5, 7]
    assert list(out["contact_id"]) == ["c3", "c1", "c2"]
    assert list(out.columns) == [*contacts.columns, "clean_text"]
    assert out.loc[5, "clean_text"] == "call me on [PHONE], I'm [NAME]"
    assert out.loc[7, "clean_text"] == "Bad. Broken"
    assert "John" not in out.loc[10, "clean_text"]
    assert "clean_text" not in contacts.columns


def test_prepare_contacts_without_channel_or_redaction() -> None:
    contacts = pd.DataFrame({"text": ["Customer: mail a@b.com\nAgent: ok", None]})
    assert list(prepare_contacts(contacts)["clean_text"]) == ["mail [EMAIL]", ""]
    assert list(prepare_contacts(contacts, PrepareConfig(redact=False))["clean_text"]) == ["mail a@b.com", ""]


def test_a_batch_split_over_two_processes_is_prepared_exactly_as_in_one() -> None:
    contacts = pd.DataFrame(
        {
            "text": [CHAT, EMAIL, CALL, "Rating: 2/5\nBroken\nMy name is Sarah Jones, call 07700 900123"] * 3,
            "channel": ["chat", "email", "call", "review"] * 3,
        },
        index=range(100, 112),
    )
    one = prepare_contacts(contacts, PrepareConfig(workers=1))
    two = prepare_contacts(contacts, PrepareConfig(workers=2))
    assert two["clean_text"].tolist() == one["clean_text"].tolist()
    assert list(two.index) == list(contacts.index)
    assert "[NAME]" in two["clean_text"].iloc[3] and "07700" not in two["clean_text"].iloc[3]
