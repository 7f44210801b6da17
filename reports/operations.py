"""Operational KPIs per week and segment, tested like contacts, from order events (and contacts).

Entry points:

* :func:`operational_kpis` (events, orders, weeks, by, contacts=...) -> tidy KPI table;
* :func:`weekly_kpis_from_file` (path, ...) -> :class:`OperationsResult`: the same KPIs (and the
  links, with contacts) from an events file of any size, validated and folded chunk by chunk
  (:class:`reports.operations_state.OperationsState`), so memory stays bounded;
* :func:`reports.operations_links.operational_links`: which operational events precede each root
  cause's contacts.

The KPI table is tidy: one row per ``week`` x segment (the ``by`` columns; ``all`` where a KPI is
not split by that column, and one overall row with ``all`` everywhere) x ``kpi``, with ``value``,
``n`` (its denominator, or the durations measured), ``numerator``, ``baseline`` (the trailing
4-week value), ``change_pct``, ``p_value`` and ``mark`` (``worse``, ``better`` or ``''``).
:data:`KPIS` lists them. Rates are tested as contacts are (:func:`reports.significance.weekly_test`,
the count that makes a KPI worse against its denominator; a worse week is a significant rise of
that count), durations by a Mann-Whitney test of the week's durations against the 4 weeks before.
Segment rows are tested at ``alpha`` split over the KPI's segments that week (Bonferroni), the
overall row at ``alpha``. Order ids never reach the table.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from reports.operations_measures import (
    DURATION_KPIS,
    RATE_KPIS,
    KpiSpec,
    measures,
)
from reports.operations_significance import duration_test, rate_test
from reports.operations_state import SEGMENT_COLUMNS, OperationsState
from voc.contracts.events import DEFAULT_CHUNK, EventValidator, iter_events
from voc.contracts.reading import Counts, concat_chunks, empty_quarantine
from voc.errors import InputError
from voc.weeks import parse_iso_week

KPIS = tuple([k.name for k in RATE_KPIS] + ["cancel_failure_rate:<reason>"] + [k.name for k in DURATION_KPIS])
KPI_COLUMNS = ("week", "kpi", "value", "n", "numerator", "baseline", "change_pct", "p_value", "mark")
ALL = "all"


@dataclass
class OperationsResult:
    """What :func:`weekly_kpis_from_file` gives: KPIs, links, the event counts and quarantine.

    ``state`` is the finished fold, for links over other weeks or segments
    (:func:`reports.operations_links.links_from_state`) without reading the file again.
    """

    kpis: pd.DataFrame
    links: pd.DataFrame
    counts: Counts
    quarantine: pd.DataFrame
    peak_open_clocks: int
    state: OperationsState | None = None


def operational_kpis(
    events: pd.DataFrame,
    orders: pd.DataFrame | None,
    weeks: list[str] | None = None,
    by: Sequence[str] = ("market",),
    *,
    contacts: pd.DataFrame | None = None,
    order_key_secret: bytes | None = None,
    late_days: float = 7.0,
    alpha: float = 0.01,
) -> pd.DataFrame:
    """Tidy KPI table of ``events`` (accepted rows of the events contract) for ``weeks``.

    ``weeks`` defaults to the weeks of ``orders``, or every week of events without orders.

    Parameters
    ----------
    orders : the orders table (``date, market, category, orders``), for contacts per 1,000 orders.
    by : segment columns, any of ``market``, ``category``, ``channel`` (the event's channel).
    contacts : contacts (raw with ``order_id`` or tagged with ``order_key``) for the per-contact
        KPIs; see :class:`reports.operations_state.OperationsState`.
    late_days : a refund older than this is late.
    """
    state = OperationsState(contacts, order_key_secret)
    state.add(events)
    return kpi_table(state.finish(), orders, weeks, by, late_days=late_days, alpha=alpha)


def weekly_kpis_from_file(
    path: str | Path,
    orders: pd.DataFrame | None = None,
    contacts: pd.DataFrame | None = None,
    *,
    weeks: list[str] | None = None,
    by: Sequence[str] = ("market",),
    order_key_secret: bytes | None = None,
    dayfirst: bool | None = None,
    chunk_size: int = DEFAULT_CHUNK,
    late_days: float = 7.0,
    alpha: float = 0.01,
    progress: Callable[[int], None] | None = None,
) -> OperationsResult:
    """Validate and fold an events file chunk by chunk; KPIs (and links, with ``contacts``).

    Bad rows are quarantined as by ``voc data validate --events`` and counted; ``progress`` is
    called with the rows read after each chunk. Raises :class:`InputError` for an unusable file.
    """
    from reports.operations_links import links_from_state  # its own module: links are optional

    validator = EventValidator()
    state = OperationsState(contacts, order_key_secret)
    quarantined = []
    for accepted, bad in iter_events(path, dayfirst, chunk_size, validator):
        state.add(accepted)
        if len(bad):
            quarantined.append(bad)
        if progress:
            progress(len(accepted) + len(bad))
    state.finish()
    kpis = kpi_table(state, orders, weeks, by, late_days=late_days, alpha=alpha)
    links = links_from_state(state, late_days=late_days) if state.contacts is not None else pd.DataFrame()
    return OperationsResult(
        kpis, links, validator.counts, concat_chunks(quarantined, empty_quarantine()), state.peak_open, state
    )


def kpi_table(
    state: OperationsState,
    orders: pd.DataFrame | None,
    weeks: list[str] | None,
    by: Sequence[str],
    *,
    late_days: float = 7.0,
    alpha: float = 0.01,
) -> pd.DataFrame:
    """The tidy KPI table of a finished :class:`OperationsState` (see the module docstring)."""
    by = list(by)
    unknown = [c for c in by if c not in SEGMENT_COLUMNS]
    if unknown:
        raise InputError(f"cannot split KPIs by {', '.join(unknown)}; use {', '.join(SEGMENT_COLUMNS)}")
    for week in weeks or []:
        try:
            parse_iso_week(week)
        except ValueError as exc:
            raise InputError(f"--week: {exc}") from exc
    table = measures(state, orders, late_days)
    all_weeks = _week_range(table["rates"]["week"], table["durations"]["week"])
    if not all_weeks:
        return pd.DataFrame(columns=[*KPI_COLUMNS[:1], *by, *KPI_COLUMNS[1:]])
    # by default the weeks the orders cover (an events extract often starts weeks earlier, and its
    # first weeks lack the history of their returns and refunds), else every week of events
    order_weeks = table["rates"].loc[table["rates"]["measure"] == "orders", "week"]
    wanted = weeks or [w for w in all_weeks if w in set(order_weeks)] or all_weeks
    rows: list[dict[str, object]] = []
    for spec in RATE_KPIS + _reason_kpis(table["rates"]):
        rows += _rate_rows(table["rates"], spec, by, all_weeks, wanted, alpha)
    for spec in DURATION_KPIS:
        rows += _duration_rows(table["durations"], spec, by, all_weeks, wanted, alpha)
    out = pd.DataFrame(rows, columns=[*KPI_COLUMNS[:1], *by, *KPI_COLUMNS[1:]])
    # a KPI split by none of ``by`` gives its overall row twice
    out = out.drop_duplicates(["week", *by, "kpi"])
    return out.sort_values(["week", "kpi", *by], kind="stable").reset_index(drop=True)


def _reason_kpis(rates: pd.DataFrame) -> list[KpiSpec]:
    reasons = sorted(m.split(":", 1)[1] for m in rates["measure"].unique() if m.startswith("cancel_failed:"))
    return [
        KpiSpec(
            f"cancel_failure_rate:{r}",
            f"cancel_failed:{r}",
            "cancel_outcomes",
            ("market", "category", "channel"),
        )
        for r in reasons
    ]


def _segments(frame: pd.DataFrame, spec: KpiSpec, by: list[str]) -> pd.DataFrame:
    """``frame`` with each ``by`` column the KPI is not split by set to ``all``."""
    out = frame.copy()
    for col in by:
        if col not in spec.dims:
            out[col] = ALL
        else:
            out[col] = out[col].fillna("(none)").astype(object)
    return out


def _rate_rows(
    rates: pd.DataFrame, spec: KpiSpec, by: list[str], all_weeks: list[str], wanted: list[str], alpha: float
) -> list[dict[str, object]]:
    part = rates[rates["measure"].isin([spec.bad, spec.denominator])]
    if part.empty:
        return []
    rows: list[dict[str, object]] = []
    for level in (by, []):
        seg = _segments(part, spec, by) if level else part.assign(**dict.fromkeys(by, ALL))
        wide = seg.pivot_table(
            index=[*by, "week"] if by else ["week"], columns="measure", values="n", aggfunc="sum"
        )
        wide = wide.reindex(columns=[spec.bad, spec.denominator], fill_value=0).fillna(0)
        groups: list[Any] = list(wide.groupby(level=by)) if by else [((), wide)]
        n_segments = len(groups) if level else 1
        for key, frame in groups:
            key = key if isinstance(key, tuple) else (key,)
            series = frame.droplevel(by) if by else frame
            series = series.reindex(all_weeks, fill_value=0)
            bad, denom = series[spec.bad].to_numpy(float), series[spec.denominator].to_numpy(float)
            for week in wanted:
                if week not in series.index:
                    continue
                i = all_weeks.index(week)
                if denom[i] <= 0:
                    continue
                test = rate_test(bad[: i + 1], denom[: i + 1], alpha / max(n_segments, 1))
                rows.append(
                    {
                        "week": week,
                        **dict(zip(by, key, strict=True)),
                        "kpi": spec.name,
                        "value": spec.value(bad[i], denom[i]),
                        "n": int(denom[i]),
                        "numerator": int(bad[i]),
                        "baseline": spec.value(test.baseline_bad, test.baseline_denominator)
                        if test.baseline_denominator > 0
                        else np.nan,
                        "change_pct": np.nan,
                        "p_value": test.p_value,
                        "mark": test.mark,
                    }
                )
                base = rows[-1]["baseline"]
                if isinstance(base, float) and base == base and base != 0:
                    rows[-1]["change_pct"] = 100 * (float(rows[-1]["value"]) / base - 1)  # type: ignore[arg-type]
        if not by:
            break
    return rows


def _duration_rows(
    durations: pd.DataFrame,
    spec: KpiSpec,
    by: list[str],
    all_weeks: list[str],
    wanted: list[str],
    alpha: float,
) -> list[dict[str, object]]:
    part = durations[durations["clock"] == spec.bad]
    if part.empty:
        return []
    rows: list[dict[str, object]] = []
    for level in (by, []):
        seg = _segments(part, spec, by) if level else part.assign(**dict.fromkeys(by, ALL))
        hist = seg.groupby([*by, "week", "hours"]).agg(n=("n", "sum"))["n"]
        groups: list[Any] = list(hist.groupby(level=by)) if by else [((), hist)]
        n_segments = len(groups) if level else 1
        for key, series in groups:
            key = key if isinstance(key, tuple) else (key,)
            per_week = series.droplevel(by) if by else series
            weekly = {
                w: per_week.xs(w, level="week") for w in per_week.index.get_level_values("week").unique()
            }
            for week in wanted:
                if week not in weekly:
                    continue
                i = all_weeks.index(week)
                baseline_weeks = [w for w in all_weeks[:i] if w in weekly][-4:]
                base = (
                    pd.concat([weekly[w] for w in baseline_weeks]).groupby(level=0).sum()
                    if baseline_weeks
                    else None
                )
                test = duration_test(weekly[week], base, alpha / max(n_segments, 1))
                rows.append(
                    {
                        "week": week,
                        **dict(zip(by, key, strict=True)),
                        "kpi": spec.name,
                        "value": _quantile_days(weekly[week], spec.quantile),
                        "n": int(weekly[week].sum()),
                        "numerator": np.nan,
                        "baseline": _quantile_days(base, spec.quantile) if base is not None else np.nan,
                        "change_pct": np.nan,
                        "p_value": test[0],
                        "mark": test[1],
                    }
                )
                b = rows[-1]["baseline"]
                if isinstance(b, float) and b == b and b > 0:
                    rows[-1]["change_pct"] = 100 * (float(rows[-1]["value"]) / b - 1)  # type: ignore[arg-type]
        if not by:
            break
    return rows


def _quantile_days(hist: pd.Series, q: float) -> float:
    """The ``q`` quantile (lower) of a histogram of whole hours, in days."""
    hist = hist.sort_index()
    cumulative = hist.to_numpy().cumsum()
    i = int(np.searchsorted(cumulative, q * cumulative[-1]))
    return float(hist.index[min(i, len(hist) - 1)]) / 24


def _week_range(*columns: pd.Series) -> list[str]:
    """Every ISO week from the first to the last named in ``columns``, gaps included."""
    names = sorted({str(w) for col in columns for w in col.dropna().unique()})
    if not names:
        return []
    first, last = parse_iso_week(names[0]), parse_iso_week(names[-1])
    mondays = pd.date_range(pd.Timestamp(first), pd.Timestamp(last), freq="7D")
    return [f"{m.isocalendar()[0]}-W{m.isocalendar()[1]:02d}" for m in mondays]
