"""The dashboard's numbers on a tiny hand-checkable workspace, its filters and its phrase search.

Five weeks (2026-W43 to W47), two markets and two categories with fixed orders: DE 1,000 a week
(fashion 600, home 400), FR 1,000 (fashion 500, home 500), 2,000 in all. Each baseline week has
two lost parcels (DE/fashion/chat, FR/home/email) and one wrong size (FR/fashion/chat). In W47:
six lost parcels (four DE/fashion/chat, two FR/home/email) and two wrong sizes (FR/fashion/chat,
DE/home/email). Every number asserted below is worked out by hand in the comments.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

from reports.config import ReportConfig
from reports.dashboard import CONTACT_COLUMNS, Dashboard, Filters
from voc.errors import InputError
from voc.taxonomy import load_taxonomy

W47 = pd.Timestamp("2026-11-16", tz="UTC")
WEEKS = ["2026-W43", "2026-W44", "2026-W45", "2026-W46", "2026-W47"]
LAST = Filters(first_week="2026-W47", last_week="2026-W47")


def _contact(
    cid: str, cause: str, when: pd.Timestamp, market: str, category: str, channel: str, **extra: object
):
    row = {"contact_id": cid, "root_cause": cause, "created_at": when, "market": market, "category": category,
           "channel": channel, "clean_text": f"{cause} {cid}", "confidence": 0.9, "needs_review": False,
           "csat": None, "nps": None, "escalated": False, "order_key": None}  # fmt: skip
    row.update(extra)
    return row


def tiny_workspace() -> tuple[pd.DataFrame, pd.DataFrame]:
    rows = []
    for w in range(4):
        monday = W47 - pd.Timedelta(weeks=4 - w)
        rows += [
            _contact(f"b{w}a", "lost_parcel", monday, "DE", "fashion", "chat", order_key=f"base{w}a"),
            _contact(f"b{w}b", "lost_parcel", monday + pd.Timedelta(hours=1), "FR", "home", "email"),
            _contact(f"b{w}c", "wrong_size_fit", monday + pd.Timedelta(hours=2), "FR", "fashion", "chat"),
        ]
    at = [W47 + pd.Timedelta(hours=h) for h in range(10)]
    rows += [
        _contact("L1", "lost_parcel", at[0], "DE", "fashion", "chat", csat=1, nps=0, escalated=True,
                 order_key="k1", clean_text="Tracking says delivered but my parcel never arrived"),
        _contact("L2", "lost_parcel", at[1], "DE", "fashion", "chat", csat=1, nps=10, escalated=True,
                 order_key="k1", clean_text="Where is it? PARCEL   never arrived, second time I ask"),
        _contact("L3", "lost_parcel", at[2], "DE", "fashion", "chat", csat=2, nps=3, escalated=True,
                 order_key="k2", clean_text="never arrived, the parcel, says the courier"),
        _contact("L4", "lost_parcel", at[3], "DE", "fashion", "chat", csat=2, needs_review=True,
                 confidence=0.3, clean_text="no idea where my order is"),
        _contact("L5", "lost_parcel", at[4], "FR", "home", "email", order_key="k3",
                 clean_text="the lost parcel never arrivedd"),
        _contact("L6", "lost_parcel", at[5], "FR", "home", "email", order_key="k4",
                 clean_text="colis perdu <script>alert(1)</script>"),
        _contact("S1", "wrong_size_fit", at[6], "FR", "fashion", "chat", csat=5, nps=9, order_key="k2"),
        # On the Sunday: W47 is complete, the default last week.
        _contact("S2", "wrong_size_fit", W47 + pd.Timedelta(days=6, hours=12), "DE", "home", "email", csat=4,
                 nps=10),
    ]  # fmt: skip
    orders = pd.DataFrame(
        [
            {
                "date": (W47 - pd.Timedelta(weeks=4 - w)).tz_convert(None),
                "market": m,
                "category": c,
                "orders": n,
            }
            for w in range(5)
            for m, c, n in (
                ("DE", "fashion", 600),
                ("DE", "home", 400),
                ("FR", "fashion", 500),
                ("FR", "home", 500),
            )
        ]
    )
    return pd.DataFrame(rows), orders


@pytest.fixture(scope="module")
def dashboard() -> Dashboard:
    tagged, orders = tiny_workspace()
    return Dashboard.from_frames(tagged, orders, load_taxonomy(), config=ReportConfig(min_responses=2))


def test_options_list_the_weeks_with_data_and_each_filter_value(dashboard: Dashboard) -> None:
    options = dashboard.options()
    assert options["weeks"] == WEEKS
    assert options["market"] == ["DE", "FR"] and options["category"] == ["fashion", "home"]
    assert options["channel"] == ["chat", "email"] and options["order_stage"] == ["unknown"]
    assert set(options["family"]) >= {"delivery", "return"}


def test_overview_of_one_week_by_hand(dashboard: Dashboard) -> None:
    o = dashboard.overview(LAST)
    # 8 contacts on 2,000 orders; CSAT 1,1,2,2,5,4 -> 15/6; NPS answers 0,10,3,9,10: 3 promoters,
    # 2 detractors of 5 -> +20; 3 of 8 escalated, 1 of 8 needs review; order keys k1 k1 k2 k3 k4 k2:
    # the second k1 and the second k2 follow an earlier contact about the same order -> 2 of 6.
    assert o == {
        "contacts": 8, "orders": 2000, "cpo": 4.0, "csat": 2.5, "csat_n": 6, "nps": 20.0, "nps_n": 5,
        "escalation_rate": 3 / 8, "repeat_contact_rate": 2 / 6, "review_share": 1 / 8, "weeks": 1,
        "pain_points": 2,
    }  # fmt: skip


def test_pain_points_of_one_week_by_hand(dashboard: Dashboard) -> None:
    table = dashboard.pain_points(LAST).set_index("key")
    assert list(table.index) == ["lost_parcel", "wrong_size_fit"]  # most urgent first
    lost, size = table.loc["lost_parcel"], table.loc["wrong_size_fit"]
    assert (lost["contacts"], lost["cpo"], lost["orders"]) == (6, 3.0, 2000)
    assert lost["change_pct"] == pytest.approx(2.0)  # CPO 3 against 8 per 8,000 orders (1.0): +200%
    assert lost["status"] == "steady" and not lost["significant"]  # 6 contacts: under min_count (10)
    assert (lost["family"], lost["owner"]) == ("delivery", "Logistics")
    assert lost["next_step"].startswith("Open carrier investigations")
    assert lost["csat"] == pytest.approx(1.5) and lost["csat_n"] == 4
    assert lost["csat_drag"] == pytest.approx(4.5 - 2.5)  # the others' CSAT (5, 4) minus all (2.5)
    assert lost["nps"] == pytest.approx(-100 / 3) and lost["nps_n"] == 3  # 0, 10, 3: 1 promoter, 2 detractors
    assert lost["nps_drag"] == pytest.approx(100 - 20)  # the others: 9, 10 -> +100; all: +20
    assert lost["escalation_rate"] == pytest.approx(0.5) and lost["review_share"] == pytest.approx(1 / 6)
    assert lost["repeat_contact_rate"] == pytest.approx(1 / 5)  # keys k1 k1 k2 k3 k4: one repeat
    assert (size["contacts"], size["cpo"], size["change_pct"]) == (2, 1.0, pytest.approx(1.0))
    assert size["csat"] == pytest.approx(4.5) and size["csat_drag"] == pytest.approx(1.5 - 2.5)
    assert size["repeat_contact_rate"] == 1.0  # S1 (k2) follows L3 (k2), another cause; S2 has no key
    assert lost["weeks"] == ["2026-W47"] and lost["weekly_contacts"] == [6] and lost["weekly_marks"] == [""]


def test_a_range_sums_its_weeks_and_lists_each(dashboard: Dashboard) -> None:
    lost = dashboard.pain_points(Filters()).set_index("key").loc["lost_parcel"]
    assert lost["weeks"] == WEEKS
    assert lost["weekly_contacts"] == [2, 2, 2, 2, 6]
    assert lost["weekly_cpo"] == pytest.approx([1, 1, 1, 1, 3])
    assert lost["contacts"] == 14 and lost["cpo"] == pytest.approx(1.4)  # 14 per 10,000 orders
    assert lost["change_pct"] == pytest.approx(2.0)  # the range's last week against its baseline
    weekly = dashboard.weekly(Filters())
    assert len(weekly) == 2 * 5 and list(weekly["week"].unique()) == WEEKS
    row = weekly[(weekly["key"] == "lost_parcel") & (weekly["week"] == "2026-W47")].iloc[0]
    assert (row["contacts"], row["orders"], row["cpo"], row["mark"]) == (6, 2000, 3.0, "")
    assert row["baseline_cpo"] == pytest.approx(1.0) and row["csat"] == pytest.approx(1.5)


def test_filters_change_the_numbers(dashboard: Dashboard) -> None:
    de = Filters(first_week="2026-W47", last_week="2026-W47", market="DE")
    o = dashboard.overview(de)
    assert (o["contacts"], o["orders"], o["cpo"]) == (5, 1000, 5.0)  # L1-L4 and S2 on DE's orders
    lost = dashboard.pain_points(de).set_index("key").loc["lost_parcel"]
    assert (lost["contacts"], lost["cpo"]) == (4, 4.0)
    assert lost["change_pct"] == pytest.approx(3.0)  # DE: 4 per 1,000 against 4 per 4,000
    # Channel: those contacts per all orders (orders cannot be split by channel).
    chat = dashboard.overview(Filters(first_week="2026-W47", last_week="2026-W47", channel="chat"))
    assert (chat["contacts"], chat["orders"], chat["cpo"]) == (5, 2000, 2.5)
    home = dashboard.overview(Filters(first_week="2026-W47", last_week="2026-W47", category="home"))
    assert (home["contacts"], home["orders"]) == (3, 900)  # L5, L6, S2 on 400 + 500 home orders
    # Family selects pain points: only the delivery cause is left.
    delivery = Filters(first_week="2026-W47", last_week="2026-W47", family="delivery")
    assert list(dashboard.pain_points(delivery)["key"]) == ["lost_parcel"]
    assert dashboard.overview(delivery)["contacts"] == 6
    nobody = dashboard.overview(Filters(market="NL"))
    assert nobody["contacts"] == 0 and nobody["cpo"] is None and nobody["csat"] is None


def test_breakdown_by_segment_by_hand(dashboard: Dashboard) -> None:
    by = dashboard.breakdown("lost_parcel", LAST)
    market = by["market"].set_index("segment")
    assert list(market.index) == ["DE", "FR"]
    assert market.loc["DE", ["contacts", "share", "orders", "cpo"]].tolist() == pytest.approx(
        [4, 4 / 6, 1000, 4.0]
    )
    assert market.loc["DE", "change_pct"] == pytest.approx(3.0)  # 4/1,000 against 4/4,000
    assert market.loc["FR", ["contacts", "cpo", "change_pct"]].tolist() == pytest.approx([2, 2.0, 1.0])
    category = by["category"].set_index("segment")
    assert category.loc["fashion", "cpo"] == pytest.approx(4 / 1100 * 1000)
    assert category.loc["home", "cpo"] == pytest.approx(2 / 900 * 1000)
    channel = by["channel"].set_index("segment")
    assert channel.loc["chat", "contacts"] == 4 and math.isnan(channel.loc["chat", "cpo"])
    assert channel.loc["chat", "change_pct"] == pytest.approx(3.0)  # 4 per 2,000 against 4 per 8,000
    assert by["order_stage"]["segment"].tolist() == ["unknown"]
    # A market filter leaves one market; the other breakdowns follow it.
    fr = dashboard.breakdown("lost_parcel", Filters(first_week="2026-W47", last_week="2026-W47", market="FR"))
    assert fr["market"]["segment"].tolist() == ["FR"] and fr["channel"]["segment"].tolist() == ["email"]
    with pytest.raises(KeyError, match="unknown pain point"):
        dashboard.breakdown("no_such_cause", LAST)


def test_contacts_newest_first_with_whole_phrase_search(dashboard: Dashboard) -> None:
    page, total = dashboard.contacts("lost_parcel", LAST)
    assert total == 6 and list(page["contact_id"]) == ["L6", "L5", "L4", "L3", "L2", "L1"]
    assert list(page.columns) == list(CONTACT_COLUMNS)
    assert page.set_index("contact_id").loc["L2", "repeat_contact"] == True  # noqa: E712 (pandas NA-aware)
    # The whole phrase, any case and spacing, from the start of a word: not the words in another order
    # ("never arrived, the parcel"), not inside a word ("arrivedd" is fine: a phrase may end mid-word).
    found, n = dashboard.contacts("lost_parcel", LAST, query="parcel never arrived")
    assert n == 3 and set(found["contact_id"]) == {"L1", "L2", "L5"}
    assert dashboard.contacts("lost_parcel", LAST, query="arcel never")[1] == 0
    second, n = dashboard.contacts("lost_parcel", LAST, query="parcel never arrived", offset=2, limit=2)
    assert n == 3 and list(second["contact_id"]) == ["L1"]
    # Over the whole range the baseline weeks' contacts come too; a market filter keeps DE only.
    assert dashboard.contacts("lost_parcel", Filters())[1] == 14
    de, n = dashboard.contacts("lost_parcel", Filters(market="DE"))
    assert n == 8 and set(de["market"]) == {"DE"}
    # Redacted text is returned as it is: escaping is the page's job.
    assert "<script>" in page.set_index("contact_id").loc["L6", "clean_text"]


def test_bad_weeks_are_input_errors_naming_the_filter(dashboard: Dashboard) -> None:
    with pytest.raises(InputError, match=r"^first_week '2026-36' is not an ISO week"):
        dashboard.overview(Filters(first_week="2026-36"))
    with pytest.raises(InputError, match="after last_week"):
        dashboard.overview(Filters(first_week="2026-W47", last_week="2026-W44"))
    # Weeks outside the data are clipped to it.
    assert dashboard.overview(Filters(first_week="2025-W01", last_week="2027-W01"))["weeks"] == 5
