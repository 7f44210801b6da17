"""The order events on the dashboard pages: the operations panel and a pain point's operational link.

In: the app's state (its :meth:`~app.state.AppState.operations` view of the events file, computed
once per change of the files), the dashboard and the page's filters. Out: plain dicts for the
templates, or None when the app has no events file:

A bad events file does not take the pages down: the panel (and the link) show its one-line error.

* :func:`operations_panel` for ``/dashboard``: every KPI of the chosen market (all markets without
  a market filter) in each week of the chosen range, formatted, with the KPI's significance mark
  (``worse``/``better`` against its 4-week baseline, :mod:`reports.operations`);
* :func:`pain_point_link` for ``/pain/{key}``: the root cause's strongest significant link to an
  operational event over the range (and market), with the contacts a fix would have saved and
  the next step for its owner team (:mod:`reports.operations_links`).

The KPIs are split by market only; the channel, category and order-stage filters narrow the
contacts, not the KPIs. No order id is in any value: contacts and events meet on the order's
pseudonym.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from app.state import AppState
from voc.errors import InputError

if TYPE_CHECKING:  # pandas-heavy: imported when a dashboard page is asked for, as the dashboard's
    from reports.dashboard import Dashboard, Filters


def operations_panel(state: AppState, board: Dashboard, f: Filters) -> dict[str, Any] | None:
    """``weeks``, ``market``, ``grid`` (:func:`reports.operations_report.kpi_grid`), ``events``
    (the count line) and ``linked``; None without events."""
    from reports.operations_report import kpi_grid

    try:
        view = state.operations()
    except InputError as exc:  # a bad events file: the panel says so, the dashboard still answers
        return {"error": str(exc)}
    if view is None:
        return None
    weeks = board.range_weeks(f)
    return {
        "weeks": weeks,
        "market": f.market or "all markets",
        "grid": kpi_grid(view.kpis, weeks, f.market),
        "events": view.counts.summary(),
        "linked": view.linked,
    }


def pain_point_link(state: AppState, board: Dashboard, f: Filters, key: str) -> dict[str, Any] | None:
    """The operational link of pain point ``key`` over ``f``'s weeks and market: ``finding``,
    ``next_step`` (the owner team's, with the taxonomy's), ``pattern``, ``share``, ``saved``,
    ``contacts``, ``preceded``; ``finding`` None when no event precedes its contacts
    significantly more than the others'. None without events."""
    from reports.operations_report import best_links

    try:
        view = state.operations()
    except InputError as exc:
        return {"error": str(exc), "finding": None}
    if view is None:
        return None
    weeks = board.range_weeks(f)
    span = weeks[0] if len(weeks) == 1 else f"{weeks[0]} to {weeks[-1]}"
    out: dict[str, Any] = {"finding": None, "linked": view.linked, "span": span}
    links = best_links(state.operations_links(tuple(weeks), f.market))
    match = links[links["root_cause"] == key] if len(links) else links
    if len(match):
        link = match.iloc[0]
        out |= {
            "finding": str(link["finding"]),
            "next_step": str(link["next_step"]),
            "pattern": str(link["pattern"]),
            "share": float(link["share"]),
            "saved": int(link["saved"]),
            "contacts": int(link["contacts"]),
            "preceded": int(link["preceded"]),
        }
    return out
