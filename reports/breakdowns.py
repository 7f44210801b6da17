"""The week at a glance: headline numbers and breakdowns by market, category, channel, stage, family.

In: the report's contacts (one row per contact with ``week_start``, ``market``, ``channel``,
``order_stage``, ``family``, ``csat``, ``nps``, ``escalated``), the orders table with ``week_start``
and the week's Monday. Out: a :class:`Summary` and one small DataFrame per breakdown. CPO is
contacts per 1,000 orders; a value without orders is NaN, never a division by zero.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from voc.weeks import iso_week


def summarize(
    contacts: pd.DataFrame,
    this: pd.DataFrame,
    week_orders: pd.Series,
    week_start: pd.Timestamp,
    table: pd.DataFrame,
) -> Summary:
    """Headline numbers of the week ``this`` (its contacts) against the week before.

    ``week_orders`` are the orders per week (report week last); ``table`` the ranked pain points,
    which give the number of significant movers and new themes.
    """
    previous = contacts[contacts["week_start"] == week_start - pd.Timedelta(weeks=1)]
    o_now, o_prev = int(week_orders.iloc[-1]), int(week_orders.iloc[-2]) if len(week_orders) > 1 else 0
    cpo = 1000 * len(this) / o_now
    prev_cpo = 1000 * len(previous) / o_prev if o_prev > 0 else float("nan")
    models = this[["model_name", "model_version"]].dropna().astype(str) if "model_name" in this else None
    model = ""
    if models is not None and not models.empty:
        model = "; ".join(sorted({f"{a} v{b}" for a, b in models.itertuples(index=False)}))
    empty = table.empty
    return Summary(
        week=iso_week(week_start),
        week_start=week_start.date(),
        week_end=(week_start + pd.Timedelta(days=6)).date(),
        contacts=len(this),
        orders=o_now,
        cpo=cpo,
        previous_contacts=len(previous),
        previous_cpo=prev_cpo,
        cpo_change_pct=100 * (cpo / prev_cpo - 1) if prev_cpo and prev_cpo > 0 else float("nan"),
        csat=float(this["csat"].mean()),
        nps=net_promoter_score(this["nps"], 1),
        escalation_rate=float(this["escalated"].mean()),
        significant_movers=0 if empty else int(table["significant"].sum()),
        new_themes=0 if empty else int((table["kind"] == "theme").sum()),
        model=model,
    )


def breakdowns(
    contacts: pd.DataFrame,
    this: pd.DataFrame,
    orders: pd.DataFrame,
    week_start: pd.Timestamp,
    week_orders: pd.Series,
    baseline_weeks: int,
) -> dict[str, pd.DataFrame]:
    """Contacts and CPO by market and by category, share by channel and order stage, CPO by family.

    The family breakdown compares the week with its ``baseline_weeks`` weeks before (contacts and
    orders summed). Returns the frames by name: ``market``, ``category``, ``channel``,
    ``order_stage``, ``family``, each indexed by its value.
    """
    week = orders[orders["week_start"] == week_start]

    def per_orders(col: str) -> pd.DataFrame:
        """Contacts and orders of the week per value of ``col``, and their CPO (NaN without orders)."""
        source = this[col] if col in this else pd.Series("unknown", index=this.index)
        counts = this.groupby(source.fillna("unknown"))["contact_id"].count().rename("contacts")
        frame = pd.concat([counts, week.groupby(col)["orders"].sum().rename("orders")], axis=1).fillna(0)
        frame["cpo"] = np.where(
            frame["orders"] > 0, 1000 * frame["contacts"] / frame["orders"].clip(lower=1), np.nan
        )
        return frame.astype({"contacts": int, "orders": int}).sort_values("contacts", ascending=False)

    market, category = per_orders("market"), per_orders("category")

    def shares(col: str) -> pd.DataFrame:
        counts = this[col].fillna("unknown").value_counts().rename("contacts").to_frame()
        counts["share"] = counts["contacts"] / max(len(this), 1)
        return counts

    base_weeks = [week_start - pd.Timedelta(weeks=k) for k in range(1, baseline_weeks + 1)]
    base = contacts[contacts["week_start"].isin(base_weeks)]
    o_now, o_base = float(week_orders.iloc[-1]), float(week_orders.loc[base_weeks].sum())
    family = pd.concat(
        [this["family"].value_counts().rename("contacts"), base["family"].value_counts().rename("baseline")],
        axis=1,
    ).fillna(0)
    family["cpo"] = 1000 * family["contacts"] / o_now
    family["baseline_cpo"] = 1000 * family["baseline"] / o_base if o_base > 0 else np.nan
    family = family.astype({"contacts": int, "baseline": int}).sort_values("cpo", ascending=False)
    for frame, name in ((market, "market"), (category, "category"), (family, "family")):
        frame.index.name = name
    channel, stage = shares("channel"), shares("order_stage")
    channel.index.name, stage.index.name = "channel", "order_stage"
    return {
        "market": market,
        "category": category,
        "channel": channel,
        "order_stage": stage,
        "family": family,
    }


@dataclass(frozen=True)
class Summary:
    """The week's headline numbers."""

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
    nps: float
    escalation_rate: float
    significant_movers: int
    new_themes: int
    model: str


def net_promoter_score(scores: pd.Series, min_responses: int) -> float:
    """% promoters (9-10) minus % detractors (0-6) of the answers; NaN under ``min_responses``."""
    answered = scores.dropna()
    if len(answered) < min_responses:
        return float("nan")
    return float(100 * ((answered >= 9).mean() - (answered <= 6).mean()))
