"""Operations beside the pain points: what the weekly report and the app show from order events.

In: an order-events file (the events contract), the orders, the tagged contacts and the taxonomy.
Out:

* :func:`operations_view` -> :class:`OperationsView`: the weekly KPIs by market
  (:func:`reports.operations.weekly_kpis_from_file`) and the links of the root causes to the
  events of their contacts' orders (:func:`reports.operations_links.links_from_state`) for the
  weeks asked; the events file is read once;
* :func:`week_links`: the links of other weeks or one market from the same view, without reading
  the file again (the app's ranges and market filter);
* :func:`best_links`: the strongest significant link of each root cause;
* :func:`link_columns`: the ranked pain points with their link and a next step for the owner team;
* :func:`kpi_grid`: the KPIs of one market over a range of weeks, formatted, for the app's panel.

Contacts and events meet on the order's pseudonym (``order_key``, made with the workspace's
secret) or, for raw contacts, ``order_id``; without either the view has KPIs and no links
(``linked`` is False). No order id is in any table returned.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd

from reports.operations import ALL, KPIS, weekly_kpis_from_file
from reports.operations_links import LINK_COLUMNS, links_from_state
from reports.operations_render import format_value
from reports.operations_state import OperationsState
from voc.contracts.reading import Counts
from voc.taxonomy import Taxonomy

# the columns a linked pain point gains (the ranked table's CSV and Parquet keep them)
LINK_TABLE_COLUMNS = (
    "link_pattern",
    "link_contacts",
    "link_preceded",
    "link_share",
    "link_other_share",
    "link_p_value",
    "link_saved",
    "link_finding",
    "recommended_step",
)


@dataclass(frozen=True)
class OperationsView:
    """The KPIs and links of one events file.

    ``kpis``: the tidy KPI table by market (:mod:`reports.operations`); ``links``: the links of
    the contacts of ``link_weeks`` (all weeks when empty), :data:`LINK_COLUMNS`; ``linked``:
    whether the contacts could be joined to the events at all; ``counts``: the event rows read,
    accepted and quarantined; ``quarantine``: where and why (``source_row, reason, detail``; the
    raw values, order ids among them, stay out).
    """

    kpis: pd.DataFrame
    links: pd.DataFrame
    linked: bool
    counts: Counts
    quarantine: pd.DataFrame = field(default_factory=pd.DataFrame)
    link_weeks: tuple[str, ...] = ()
    late_days: float = 7.0
    alpha: float = 0.01
    state: OperationsState | None = None


def linkable(tagged: pd.DataFrame) -> str | None:
    """The column that joins ``tagged`` to order events (``order_key`` or ``order_id``), or None."""
    for column in ("order_key", "order_id"):
        if column in tagged and tagged[column].notna().any():
            return column
    return None


def operations_view(
    events: str | Path,
    orders: pd.DataFrame | None,
    tagged: pd.DataFrame | None,
    taxonomy: Taxonomy,
    *,
    weeks: Sequence[str] | None = None,
    link_weeks: Sequence[str] = (),
    order_key_secret: bytes | None = None,
    dayfirst: bool | None = None,
    late_days: float = 7.0,
    alpha: float = 0.01,
    progress: Callable[[int], None] | None = None,
) -> OperationsView:
    """KPIs by market of ``weeks`` (default the orders' weeks) and links of ``link_weeks``.

    ``order_key_secret`` is the workspace's, needed when ``tagged`` carries ``order_key``. Raises
    :class:`~voc.errors.InputError` for an unusable events file (bad rows are quarantined and
    counted, as by ``voc ops kpis``).
    """
    contacts = tagged if tagged is not None and linkable(tagged) else None
    result = weekly_kpis_from_file(
        events,
        orders,
        contacts,
        weeks=list(weeks) if weeks else None,
        by=("market",),
        order_key_secret=order_key_secret,
        dayfirst=dayfirst,
        late_days=late_days,
        alpha=alpha,
        progress=progress,
    )
    view = OperationsView(
        kpis=result.kpis,
        links=pd.DataFrame(columns=list(LINK_COLUMNS)),
        linked=contacts is not None,
        counts=result.counts,
        quarantine=result.quarantine[["source_row", "reason", "detail"]],
        late_days=late_days,
        alpha=alpha,
        state=result.state if contacts is not None else None,
    )
    return week_links(view, taxonomy, link_weeks)


def week_links(
    view: OperationsView, taxonomy: Taxonomy, weeks: Sequence[str] = (), market: str | None = None
) -> OperationsView:
    """``view`` with the links of the contacts of ``weeks`` (all when empty), in ``market`` only
    when given (the shares are then those among that market's contacts)."""
    if view.state is None:
        return view
    by = ["market"] if market else []
    links = links_from_state(
        view.state,
        weeks=list(weeks) or None,
        by=by,
        late_days=view.late_days,
        alpha=view.alpha,
        taxonomy=taxonomy,
    )
    if market:
        links = links[links["market"] == market].drop(columns="market").reset_index(drop=True)
    return replace(view, links=links, link_weeks=tuple(weeks))


def best_links(links: pd.DataFrame) -> pd.DataFrame:
    """One row per root cause: its significant link that would have saved the most contacts.

    ``links`` as :func:`reports.operations_links.links_from_state` sorts them (significant, then
    contacts saved, then share); a cause without a significant link has no row.
    """
    if links.empty:
        return links
    return links[links["significant"].astype(bool)].drop_duplicates("root_cause").reset_index(drop=True)


def link_columns(table: pd.DataFrame, links: pd.DataFrame) -> pd.DataFrame:
    """The ranked pain points (``key``, ``owner``, ``next_step``) with :data:`LINK_TABLE_COLUMNS`.

    A root cause with a significant link gets its pattern, counts, share, contacts saved, the
    finding ("70% of 40 'Cannot cancel' contacts came after a cancellation refused as 'packed'.")
    and as ``recommended_step`` the owner team's step for that pattern, with the taxonomy's next
    step; any other pain point gets ``"<owner>: <next step>"``.
    """
    best: dict[str, Any] = {
        str(r["root_cause"]): r for r in (best_links(links).to_dict("records") if len(links) else [])
    }
    out = table.copy()
    columns: dict[str, list[Any]] = {c: [] for c in LINK_TABLE_COLUMNS}
    for row in table.itertuples(index=False):
        link = best.get(str(row.key))
        values: dict[str, Any] = dict.fromkeys(LINK_TABLE_COLUMNS)
        if link is not None:
            values |= {
                "link_pattern": link["pattern"],
                "link_contacts": int(link["contacts"]),
                "link_preceded": int(link["preceded"]),
                "link_share": float(link["share"]),
                "link_other_share": float(link["other_share"]),
                "link_p_value": float(link["p_value"]),
                "link_saved": int(link["saved"]),
                "link_finding": str(link["finding"]),
                "recommended_step": str(link["next_step"]),
            }
        else:
            step = str(row.next_step or "")
            values["recommended_step"] = f"{row.owner}: {step}" if step else ""
        for column, value in values.items():
            columns[column].append(value)
    for column, cells in columns.items():
        out[column] = pd.Series(cells, index=out.index, dtype=object)
    for column in ("link_contacts", "link_preceded", "link_saved"):
        out[column] = out[column].astype("Int64")
    for column in ("link_share", "link_other_share", "link_p_value"):
        out[column] = out[column].astype(float)
    return out


def kpi_grid(kpis: pd.DataFrame, weeks: Sequence[str], market: str | None = None) -> list[dict[str, Any]]:
    """The KPIs of ``market`` (all markets when None) over ``weeks``, one dict per KPI.

    Each: ``kpi``, ``cells`` (one per week: ``value`` formatted, ``mark`` ``worse``/``better``/
    ``''``, ``title`` with the baseline and p-value) and ``last_mark``. KPIs in the order of
    :data:`reports.operations.KPIS` (failure reasons where the placeholder is), a KPI without a
    value in the weeks left out.
    """
    if kpis.empty or "market" not in kpis:
        return []
    rows = kpis[(kpis["market"] == (market or ALL)) & kpis["week"].isin(list(weeks))]
    if rows.empty:
        return []
    order = {name: i for i, name in enumerate(KPIS)}
    reasons = order["cancel_failure_rate:<reason>"]
    names = sorted(rows["kpi"].unique(), key=lambda k: (order.get(k, reasons), str(k)))
    cells_of: dict[tuple[str, str], Any] = {}
    for found in rows.itertuples(index=False):
        cells_of[(str(found.kpi), str(found.week))] = found
    grid = []
    for name in names:
        cells = []
        for week in weeks:
            r = cells_of.get((name, week))
            if r is None:
                cells.append({"value": "–", "mark": "", "title": ""})
                continue
            p = "–" if r.p_value != r.p_value else f"{r.p_value:.2g}"
            cells.append(
                {
                    "value": format_value(str(name), float(r.value)),
                    "mark": str(r.mark),
                    "title": f"baseline {format_value(str(name), _float(r.baseline))}, p={p}",
                }
            )
        grid.append({"kpi": str(name), "cells": cells, "last_mark": cells[-1]["mark"] if cells else ""})
    return grid


def _float(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan
