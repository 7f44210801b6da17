"""The link: which operational events came before each root cause's contacts, and what a fix saves.

:func:`operational_links` (tagged contacts, events) returns one row per root cause x event
pattern (x ``by`` segment) where the pattern came before the contact on the same order:

* ``cancel_failed:<reason>``: a cancellation refused for that reason, up to 30 days before;
* ``refund_late``: a refund requested more than ``late_days`` before the contact, not yet paid;
* ``refund_pending``: a refund requested 2 to ``late_days`` days before, not yet paid (a refund
  asked for in the contact itself is not a cause of it);
* ``return_not_received``: a return requested more than 10 days before, not yet received;
* ``delivery_late``: shipped more than 5 days before, not yet delivered.

Columns: ``root_cause, pattern, contacts`` (the cause's contacts with a known order),
``preceded`` (how many the pattern came before), ``share``, ``other_share`` (the share among
every other contact with a known order), ``p_value`` (binomial test of ``preceded`` at
``other_share``), ``significant`` (Bonferroni over the rows), ``saved`` (contacts a fix would
have saved: ``preceded`` beyond what ``other_share`` explains, ``preceded - contacts x
other_share``), ``owner``, ``finding`` (one sentence) and ``next_step`` (for the owner team).
Sorted by ``saved``. Contacts and events meet on the order's keyed pseudonym
(:mod:`reports.operations_state`); no order id is in the output.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import binom

from reports.operations_state import OperationsState
from voc.taxonomy import Taxonomy, load_taxonomy

LOOKBACK_DAYS = 30.0
RETURN_LATE_DAYS = 10.0
DELIVERY_LATE_DAYS = 5.0
PENDING_MIN_DAYS = 2.0
_CLOCK_STARTS = ("refund_requested", "cancel_succeeded", "return_received")
MIN_PRECEDED = 5
LINK_COLUMNS = (
    "root_cause",
    "pattern",
    "contacts",
    "preceded",
    "share",
    "other_share",
    "p_value",
    "significant",
    "saved",
    "owner",
    "finding",
    "next_step",
)
_STEPS = {
    "cancel_failed:packed": "let customers cancel a packed order until it is dispatched (stop it at the "
    "warehouse), or say at checkout when cancelling closes",
    "cancel_failed:shipped": "offer a parcel intercept or an instant return when a cancellation comes "
    "after dispatch",
    "refund_late": "chase refunds older than {late:g} days before customers do, and show the refund's "
    "status on the order page",
    "refund_pending": "show on the order page and in the refund e-mail when the money will arrive",
    "return_not_received": "trace with the carrier returns not received 10 days after the request",
    "delivery_late": "chase parcels shipped 5 days ago without a delivery scan and tell the customer first",
}
_PHRASES = {
    "refund_late": "a refund requested more than {late:g} days earlier and still unpaid",
    "refund_pending": "a refund requested 2 to {late:g} days earlier and still unpaid",
    "return_not_received": "a return not received 10 days after its request",
    "delivery_late": "a parcel shipped 5 days earlier and not delivered",
}


def operational_links(
    tagged: pd.DataFrame,
    events: pd.DataFrame,
    *,
    order_key_secret: bytes | None = None,
    weeks: Sequence[str] | None = None,
    by: Sequence[str] = (),
    late_days: float = 7.0,
    alpha: float = 0.01,
    taxonomy: Taxonomy | None = None,
) -> pd.DataFrame:
    """Links of the contacts of ``weeks`` (all by default) to the events of their orders.

    ``tagged`` needs ``contact_id, created_at, root_cause`` and ``order_key`` (with the secret
    that made it) or ``order_id``; ``events`` the events contract. See the module docstring.
    """
    state = OperationsState(tagged, order_key_secret)
    state.add(events)
    return links_from_state(
        state.finish(), weeks=weeks, by=by, late_days=late_days, alpha=alpha, taxonomy=taxonomy
    )


def links_from_state(
    state: OperationsState,
    *,
    weeks: Sequence[str] | None = None,
    by: Sequence[str] = (),
    late_days: float = 7.0,
    alpha: float = 0.01,
    taxonomy: Taxonomy | None = None,
) -> pd.DataFrame:
    """:func:`operational_links` of a finished state that was given contacts."""
    assert state.contacts is not None, "links need contacts"
    contacts = state.contacts[state.contacts["join_key"].notna()]
    if weeks:
        contacts = contacts[contacts["week"].isin(list(weeks))]
    by = list(by)
    columns = [*LINK_COLUMNS[:1], *by, *LINK_COLUMNS[1:]]
    patterns = contact_patterns(contacts, state.contact_events, late_days)
    if contacts.empty:
        return pd.DataFrame(columns=columns)
    taxonomy = taxonomy or load_taxonomy()
    seg = contacts[["contact_id", "root_cause", *by]].fillna({c: "(none)" for c in by})
    hits = patterns.merge(seg, on="contact_id")
    rows = []
    groups = seg.groupby(by) if by else [((), seg)]
    for key, members in groups:
        key = key if isinstance(key, tuple) else (key,)
        in_seg = hits[hits["contact_id"].isin(members["contact_id"])]
        sizes = members["root_cause"].value_counts()
        total = len(members)
        counts: Any = in_seg.groupby(["root_cause", "pattern"]).size()
        for (cause, pattern), preceded in counts.items():
            n = int(sizes[cause])
            others = total - n
            other_hits = int(((in_seg["pattern"] == pattern) & (in_seg["root_cause"] != cause)).sum())
            other_share = other_hits / others if others else 0.0
            p_value = float(binom.sf(preceded - 1, n, other_share)) if other_share < 1 else 1.0
            rows.append(
                {
                    "root_cause": cause,
                    **dict(zip(by, key, strict=True)),
                    "pattern": pattern,
                    "contacts": n,
                    "preceded": int(preceded),
                    "share": preceded / n,
                    "other_share": other_share,
                    "p_value": p_value,
                    "saved": int(max(0.0, np.floor(preceded - n * other_share))),
                }
            )
    if not rows:
        return pd.DataFrame(columns=columns)
    out = pd.DataFrame(rows)
    out["significant"] = (out["p_value"] < alpha / len(out)) & (out["preceded"] >= MIN_PRECEDED)
    texts = [_texts(r, taxonomy, late_days) for r in out.itertuples(index=False)]
    out["owner"] = [t[0] for t in texts]
    out["finding"] = [t[1] for t in texts]
    out["next_step"] = [t[2] for t in texts]
    out = out.sort_values(["significant", "saved", "share"], ascending=False, kind="stable")
    return out[columns].reset_index(drop=True)


def contact_patterns(contacts: pd.DataFrame, events: pd.DataFrame, late_days: float) -> pd.DataFrame:
    """``contact_id, pattern``: each pattern (module docstring) that came before each contact."""
    joined = contacts[["contact_id", "join_key", "created_at"]].merge(events, on="join_key")
    before = joined[
        (joined["at"] < joined["created_at"])
        & (joined["at"] >= joined["created_at"] - pd.Timedelta(days=LOOKBACK_DAYS))
    ]
    found = []
    failed = before[before["event"] == "cancel_failed"]
    found.append(
        pd.DataFrame(
            {
                "contact_id": failed["contact_id"],
                "pattern": "cancel_failed:" + failed["failure_reason"].astype(str),
            }
        )
    )
    # the last time of each event kind before each contact (NaT where the order had none)
    last: Any = before.groupby(["contact_id", "event"])["at"].max().unstack()
    if not last.empty:
        never = pd.Series(pd.NaT, index=last.index, dtype="datetime64[us, UTC]")
        kinds = (*_CLOCK_STARTS, "refund_paid", "return_requested", "return_received", "shipped", "delivered")
        for col in kinds:
            if col not in last:
                last[col] = never
        created = contacts.set_index("contact_id")["created_at"].reindex(last.index)
        start = last[list(_CLOCK_STARTS)].max(axis=1)
        open_refund = start.notna() & ~(last["refund_paid"] >= start)
        refund_age = created - start
        late = open_refund & (refund_age > pd.Timedelta(days=late_days))
        found.append(_pattern(late, "refund_late"))
        pending = open_refund & ~late & (refund_age > pd.Timedelta(days=PENDING_MIN_DAYS))
        found.append(_pattern(pending, "refund_pending"))
        waiting = ~(last["return_received"] >= last["return_requested"]) & (
            created - last["return_requested"] > pd.Timedelta(days=RETURN_LATE_DAYS)
        )
        found.append(_pattern(waiting, "return_not_received"))
        transit = ~(last["delivered"] >= last["shipped"]) & (
            created - last["shipped"] > pd.Timedelta(days=DELIVERY_LATE_DAYS)
        )
        found.append(_pattern(transit, "delivery_late"))
    return pd.concat(found, ignore_index=True).drop_duplicates()


def _pattern(mask: pd.Series, name: str) -> pd.DataFrame:
    ids = mask.index[np.asarray(mask.fillna(False), dtype=bool)]
    return pd.DataFrame({"contact_id": ids.to_numpy(), "pattern": name})


def _texts(row: Any, taxonomy: Taxonomy, late_days: float) -> tuple[str, str, str]:
    cause, pattern = row.root_cause, row.pattern
    known = cause in taxonomy
    owner = taxonomy[cause].owner if known else "Operations"
    name = taxonomy[cause].name if known else cause
    if pattern.startswith("cancel_failed:"):
        what = f"a cancellation refused as '{pattern.split(':', 1)[1]}'"
        step = _STEPS.get(pattern, f"review the '{pattern.split(':', 1)[1]}' cancellation rule")
    else:
        what = _PHRASES[pattern].format(late=late_days)
        step = _STEPS[pattern].format(late=late_days)
    share, n, saved = row.share, row.contacts, row.saved
    finding = f"{share:.0%} of {n:,} '{name}' contacts came after {what}."
    advice = f"{owner}: {step}; about {saved:,} of these contacts would not have been made."
    if known and taxonomy[cause].next_step:
        advice += f" Also: {taxonomy[cause].next_step}"
    return owner, finding, advice
