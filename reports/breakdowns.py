"""The week at a glance: headline numbers and breakdowns by market, category, channel, stage, family.

In: the week's :class:`~reports.weekly.WeeklyStats` (all contacts) or the
:class:`~reports.facts.ContactFacts` and the week's index. Out: a :class:`Summary` and one small
DataFrame per breakdown. CPO is contacts per 1,000 orders; a value without orders is NaN, never a
division by zero.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from reports.facts import ContactFacts
from reports.weekly import WeeklyStats
from voc.weeks import iso_week


def summarize(stats: WeeklyStats, t: int, table: pd.DataFrame) -> Summary:
    """Headline numbers of week ``t`` against the week before.

    ``table`` is the ranked pain points, which give the number of significant movers and new themes.
    CSAT and NPS come with their number of answers; NPS is NaN under ``min_responses`` answers.
    """
    facts, o = stats.facts, stats.overall
    min_responses = facts.config.min_responses
    week_start = facts.weeks[t]
    o_now, o_prev = float(stats.orders[t]), float(stats.orders[t - 1]) if t > 0 else 0.0
    contacts, previous = int(o["contacts"][t]), int(o["contacts"][t - 1]) if t > 0 else 0
    cpo = 1000 * contacts / o_now
    prev_cpo = 1000 * previous / o_prev if o_prev > 0 else float("nan")
    this = facts.contacts[facts.contacts["week"] == t]
    model = ""
    if "model_name" in this:
        models = this[["model_name", "model_version"]].dropna().astype(str)
        model = "; ".join(sorted({f"{a} v{b}" for a, b in models.itertuples(index=False)}))
    nps_n = int(o["nps_n"][t])
    empty = table.empty
    return Summary(
        week=iso_week(week_start),
        week_start=week_start.date(),
        week_end=(week_start + pd.Timedelta(days=6)).date(),
        contacts=contacts,
        orders=int(o_now),
        cpo=cpo,
        previous_contacts=previous,
        previous_cpo=prev_cpo,
        cpo_change_pct=100 * (cpo / prev_cpo - 1) if prev_cpo and prev_cpo > 0 else float("nan"),
        csat=_ratio(o["csat_sum"][t], o["csat_n"][t]),
        csat_n=int(o["csat_n"][t]),
        nps=100 * (o["promoters"][t] - o["detractors"][t]) / nps_n
        if nps_n >= min_responses
        else float("nan"),
        nps_n=nps_n,
        escalation_rate=_ratio(o["escalated"][t], contacts),
        review_share=_ratio(o["review"][t], contacts),
        repeat_contact_rate=_ratio(o["repeat"][t], o["repeat_n"][t]),
        significant_movers=0 if empty else int(table["significant"].sum()),
        new_themes=0 if empty else int(((table["kind"] == "theme") & ~table["proposed"]).sum()),
        model=model,
    )


def breakdowns(facts: ContactFacts, t: int) -> dict[str, pd.DataFrame]:
    """Contacts and CPO by market and by category, share by channel and order stage, CPO by family.

    The family breakdown compares week ``t`` with its ``baseline_weeks`` weeks before (contacts and
    orders summed). Returns the frames by name: ``market``, ``category``, ``channel``,
    ``order_stage``, ``family``, each indexed by its value.
    """
    contacts = facts.contacts
    this = contacts[contacts["week"] == t]

    def per_orders(dim: str, axis: int) -> pd.DataFrame:
        """Contacts and orders of the week per value of ``dim``, and their CPO (NaN without orders)."""
        frame = pd.DataFrame(
            {
                "contacts": this[dim].astype(str).value_counts(),
                "orders": pd.Series(facts.orders[:, :, t].sum(axis=axis), index=facts.values(dim)),
            }
        ).fillna(0)
        frame = frame[(frame["contacts"] > 0) | (frame["orders"] > 0)]
        frame["cpo"] = np.where(
            frame["orders"] > 0, 1000 * frame["contacts"] / frame["orders"].clip(lower=1), np.nan
        )
        frame = frame.astype({"contacts": int, "orders": int}).sort_values("contacts", ascending=False)
        frame.index.name = dim
        return frame

    def shares(dim: str) -> pd.DataFrame:
        counts = this[dim].astype(str).value_counts().rename("contacts").to_frame()
        counts["share"] = counts["contacts"] / max(len(this), 1)
        counts.index.name = dim
        return counts

    orders = facts.orders.sum(axis=(0, 1))
    base = [w for w in range(t - facts.config.baseline_weeks, t) if w >= 0]
    o_now, o_base = float(orders[t]), float(orders[base].sum())
    family = pd.concat(
        [
            this["family"].value_counts().rename("contacts"),
            contacts.loc[contacts["week"].isin(base), "family"].value_counts().rename("baseline"),
        ],
        axis=1,
    ).fillna(0)
    family["cpo"] = 1000 * family["contacts"] / o_now
    family["baseline_cpo"] = 1000 * family["baseline"] / o_base if o_base > 0 else np.nan
    family = family.astype({"contacts": int, "baseline": int}).sort_values("cpo", ascending=False)
    family.index.name = "family"
    return {
        "market": per_orders("market", 1),
        "category": per_orders("category", 0),
        "channel": shares("channel"),
        "order_stage": shares("order_stage"),
        "family": family,
    }


@dataclass(frozen=True)
class Summary:
    """The week's headline numbers (rates as fractions; ``cpo_change_pct`` in percent)."""

    week: str
    week_start: dt.date
    week_end: dt.date
    contacts: int
    orders: int
    cpo: float
    previous_contacts: int
    previous_cpo: float
    cpo_change_pct: float
    csat: float
    csat_n: int
    nps: float
    nps_n: int
    escalation_rate: float
    review_share: float
    repeat_contact_rate: float
    significant_movers: int
    new_themes: int
    model: str


def _ratio(num: float, den: float) -> float:
    return float(num) / float(den) if den > 0 else float("nan")
