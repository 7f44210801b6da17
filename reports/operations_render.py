"""The operations section of the weekly report: Markdown and an HTML fragment, from the KPI and link tables.

``operations_section(kpis, links, week, fmt)`` renders ``templates/operations.md.j2`` or
``operations.html.j2`` (autoescaped): the week's KPIs over all segments against their baseline,
the significant movers by segment, and the links of root causes to operational events with the
owner team's next step. A self-contained block: the weekly report or the app includes it as is.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from importlib import resources
from typing import Any, Literal

import jinja2
import pandas as pd

from reports import charts
from reports.operations import ALL

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]|#])")
TOP_LINKS = 5


def operations_section(
    kpis: pd.DataFrame,
    links: pd.DataFrame | None,
    week: str,
    fmt: Literal["md", "html"] = "md",
    trend_weeks: Sequence[str] = (),
) -> str:
    """The section for ``week``; ``kpis`` from :func:`reports.operations.operational_kpis`.

    With ``trend_weeks`` (oldest first, ending with ``week``), each overall KPI also shows its
    sparkline over those weeks (the weekly report's 8 weeks).
    """
    by = [c for c in kpis.columns if c in ("market", "category", "channel")]
    this_week = kpis[kpis["week"] == week]
    overall = this_week
    for col in by:
        overall = overall[overall[col] == ALL]
    movers = (
        this_week[(this_week["mark"] != "") & ~(this_week[by] == ALL).all(axis=1)] if by else this_week[:0]
    )
    movers = movers.sort_values("p_value").head(12)
    top = links[links["significant"]].head(TOP_LINKS) if links is not None and len(links) else None
    html = fmt == "html"
    trends = _trends(kpis, by, list(trend_weeks), html) if trend_weeks else {}
    context = {
        "week": week,
        "overall": [
            _row(r, by) | {"trend": trends.get(str(r.kpi), "")} for r in overall.itertuples(index=False)
        ],
        "movers": [_row(r, by) for r in movers.itertuples(index=False)],
        "links": [] if top is None else top.to_dict("records"),
        "trend_weeks": len(trend_weeks),
    }
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(resources.files("reports") / "templates")),
        autoescape=html,
        finalize=None if html else _markdown_escape,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    return env.get_template(f"operations.{fmt}.j2").render(**context)


def format_value(kpi: str, value: float) -> str:
    """A KPI value as people read it: shares in %, days with one decimal, rates with two."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if kpi.endswith(("_rate", "_share")) or kpi.startswith("cancel_failure_rate:"):
        return f"{value:.1%}"
    if "_days_" in kpi:
        return f"{value:.1f} d"
    return f"{value:.2f}"


def _trends(kpis: pd.DataFrame, by: list[str], weeks: list[str], html: bool) -> dict[str, Any]:
    """Each overall KPI's sparkline over ``weeks`` (a week without a value drawn at 0)."""
    overall = kpis
    for col in by:
        overall = overall[overall[col] == ALL]
    overall = overall[overall["week"].isin(weeks)]
    if overall.empty:
        return {}
    wide = overall.pivot_table(index="kpi", columns="week", values="value", aggfunc="first")
    out: dict[str, Any] = {}
    for kpi, series in wide.reindex(columns=weeks).iterrows():
        values = [0.0 if v != v else float(v) for v in series]
        label = f"{kpi}, last {len(weeks)} weeks"
        out[str(kpi)] = (
            charts.svg_sparkline(values, label=label) if html else charts.unicode_sparkline(values)
        )
    return out


def _row(row: Any, by: list[str]) -> dict[str, Any]:
    segment = " / ".join(str(getattr(row, c)) for c in by if getattr(row, c) != ALL) or "all"
    change = row.change_pct
    return {
        "segment": segment,
        "kpi": row.kpi,
        "value": format_value(row.kpi, row.value),
        "baseline": format_value(row.kpi, row.baseline),
        "change": "–" if change is None or change != change else f"{change:+.0f}%",
        "n": f"{int(row.n):,}",
        "p_value": "–" if row.p_value != row.p_value else f"{row.p_value:.2g}",
        "mark": row.mark,
    }


def _markdown_escape(value: Any) -> Any:
    if value is None:
        return ""
    if not isinstance(value, str):
        return value
    text = " ".join(value.split()).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MD_SPECIAL.sub(r"\\\1", text)
