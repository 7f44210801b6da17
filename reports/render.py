"""Render a :class:`~reports.ranking.WeeklyReport` as HTML, Markdown and a flat table.

* :func:`render_html`: one self-contained page (inline CSS and SVG, no JavaScript, no web fonts),
  through jinja2 with autoescape, so customer text can never become markup.
* :func:`render_markdown`: the top pain points, movers and new themes for a wiki or an email; every
  value is Markdown-escaped by the environment's ``finalize`` hook (``|``, ``<``, ``>``, ``*``...).
* :func:`table_frame`: the ranked table flattened for CSV (made spreadsheet-safe when written by
  :func:`voc.files.write_table`) and Parquet: plain numbers, rates and changes as fractions, one
  column per quote; the weekly trends are in the tidy table (:func:`weekly_frame`).
* :func:`weekly_frame`: the tidy table, one row per trend week x pain point x segment.

Each pain point links to its page in ``voc app`` (:func:`reports.config.pain_point_url`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from importlib import resources
from typing import Any

import jinja2
import pandas as pd
from markupsafe import Markup

from reports import charts
from reports.operations_render import operations_section
from reports.operations_report import LINK_TABLE_COLUMNS
from reports.ranking import WEIGHTS, WeeklyReport

TOP_TREND = 5
TABLE_COLUMNS = (
    "rank", "name", "kind", "key", "proposed", "family", "owner", "next_step", "status", "is_new",
    "score", "contacts", "share", "orders", "cpo", "baseline_contacts", "baseline_cpo", "expected",
    "change_pct", "sustained_change_pct", "significant", "direction", "p_value", "csat", "csat_n",
    "csat_vs_overall", "csat_drag", "nps", "nps_n", "nps_vs_overall", "nps_drag", "escalation_rate",
    "repeat_contact_rate", "review_share", "url", *LINK_TABLE_COLUMNS,
)  # fmt: skip
WEEKLY_COLUMNS = (
    "report_week", "week", "week_start", "segment_type", "segment", "key", "name", "kind", "family",
    "owner", "contacts", "orders", "cpo", "baseline_cpo", "expected", "change_pct", "p_value", "mark",
    "csat", "csat_n", "nps", "nps_n", "escalation_rate", "repeat_contact_rate", "review_share",
)  # fmt: skip
TOP_MOVERS = 8


def render_html(report: WeeklyReport, max_rows: int = 20) -> str:
    """The report as one HTML page; the first ``max_rows`` pain points are in the table."""
    env = _environment(autoescape=True)
    return env.get_template("report.html.j2").render(**_context(report, max_rows, html=True))


def render_markdown(report: WeeklyReport, max_rows: int = 10) -> str:
    """The top ``max_rows`` pain points, movers, CPO by family/market/category and new themes."""
    env = _environment(autoescape=False, finalize=_markdown_escape)
    return env.get_template("report.md.j2").render(**_context(report, max_rows, html=False))


def table_frame(report: WeeklyReport) -> pd.DataFrame:
    """The ranked table: one row per pain point, plain numbers, one column per verbatim."""
    t = report.table
    if t.empty:
        return t
    out = t[[c for c in TABLE_COLUMNS if c in t.columns]].copy()
    floats = [c for c in out.columns if out[c].dtype == float and c not in ("p_value", "link_p_value")]
    out[floats] = out[floats].round(6)
    out.insert(0, "week", report.summary.week)
    for i in range(report.config.n_verbatims):
        out[f"verbatim_{i + 1}"] = [v[i] if len(v) > i else "" for v in t["verbatims"]]
    return out


def weekly_frame(report: WeeklyReport) -> pd.DataFrame:
    """The tidy table: one row per trend week x pain point x segment, plain numbers (README)."""
    w = report.weekly
    if w.empty:
        return pd.DataFrame(columns=list(WEEKLY_COLUMNS))
    out = w[list(WEEKLY_COLUMNS)].copy()
    floats = [c for c in out.columns if out[c].dtype == float and c != "p_value"]
    out[floats] = out[floats].round(6)
    return out


def score_description() -> str:
    """One paragraph that explains the score (shown in the page footer and the Markdown)."""
    w = {k: f"{v:.2f}" for k, v in WEIGHTS.items()}
    return (
        f"Score (0-100) = 100 x ({w['volume']} volume + {w['growth']} growth + {w['experience']} experience "
        f"+ {w['escalation']} escalation). Volume: contacts relative to the largest pain point. Growth: "
        "min(1, log2((contacts+1)/(expected+1))) of the significant rise (a doubling or new = 1), 0 when "
        "no rise is significant. Experience: CSAT below the week's average (1 point = max) and NPS below "
        "average (50 points = max). Escalation: escalation rate (50% = max). CPO = contacts per 1,000 "
        "orders. Change is against the trailing 4-week baseline rate. Significance: conditional binomial "
        "tests of two Poisson rates (orders-adjusted) of this week vs the 4 weeks before and of the last "
        "3 weeks vs the 4 weeks before them (p < 0.005 each), with at least 10 contacts; each market is "
        "also tested (p < 0.01 / markets). Emerging themes: unlabelled themes with at least 10 contacts "
        "that mostly need review, or are new or growing while no root cause holds 60% of them; themes "
        "the analysts marked noise are left out, themes they labelled count for their root cause, themes "
        "they proposed as a new cause show under the proposed name. CSAT and NPS need 5 answers."
    )


# --------------------------------------------------------------------------------------------
# Context
# --------------------------------------------------------------------------------------------


def _environment(autoescape: bool, finalize: Any = None) -> jinja2.Environment:
    source = resources.files("reports") / "templates"
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(source)),
        autoescape=autoescape,
        finalize=finalize,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    return env


def _context(report: WeeklyReport, max_rows: int, html: bool) -> dict[str, Any]:
    s, t = report.summary, report.table
    n_min = report.config.min_responses
    rows = [] if t.empty else [_row(r, html, n_min) for r in t.head(max_rows).to_dict("records")]
    themes = t.iloc[0:0] if t.empty else t[t["kind"] == "theme"]
    context: dict[str, Any] = {
        "s": s,
        "summary": {
            "contacts": f"{s.contacts:,}",
            "orders": f"{s.orders:,}",
            "cpo": f"{s.cpo:.2f}",
            "previous_cpo": _num(s.previous_cpo),
            "change": _pct(s.cpo_change_pct),
            "change_class": _direction_class(s.cpo_change_pct),
            "csat": _num(s.csat),
            "csat_n": f"n={s.csat_n:,}",
            "nps": _score(s.nps, s.nps_n, n_min, 0),
            "nps_n": f"n={s.nps_n:,}",
            "escalation": _pct(100 * s.escalation_rate, signed=False),
            "review": _pct(100 * s.review_share, signed=False),
            "repeat": _pct(100 * s.repeat_contact_rate, signed=False),
        },
        "rows": rows,
        "total_rows": len(t),
        "movers": _movers(report),
        # New first, then the other emerging themes, then the analysts' proposed causes.
        "new_themes": [
            _row(r, html, n_min)
            for part in (
                themes[(themes["status"] == "new") & ~themes["proposed"]],
                themes[(themes["status"] != "new") & ~themes["proposed"]],
                themes[themes["proposed"]],
            )
            for r in part.to_dict("records")
        ],
        "breakdowns": _breakdowns(report),
        "score_text": score_description(),
        "weeks": report.trend_weeks,
        "min_responses": n_min,
        "operations": _operations(report, html),
        "reasons": [
            {
                "name": r["name"],
                "contacts": f"{r['contacts']:,}",
                "share": _pct(100 * r["share"], signed=False),
            }
            for r in report.review_reasons.to_dict("records")
        ],
        "unread": [
            {
                "market": r["market"],
                "contacts": f"{r['contacts']:,}",
                "other_language": f"{r['other_language']:,}",
                "uninformative": f"{r['uninformative']:,}",
                "share": _pct(100 * r["unread_share"], signed=False),
                "languages": r["languages"],
            }
            for r in report.unread.to_dict("records")
        ],
        "second_reasons": report.second_reasons.to_dict("records"),
    }
    if html:
        context["charts"] = _charts(report)
    return context


def _operations(report: WeeklyReport, html: bool) -> Markup | None:
    """The operations section (:func:`reports.operations_render.operations_section`), rendered
    and escaped by its own template, or None when the report has no order events."""
    view = report.operations
    if view is None:
        return None
    fmt: Any = "html" if html else "md"
    section = operations_section(view.kpis, view.links, report.summary.week, fmt, report.trend_weeks)
    return Markup(section)


def _row(r: Mapping[Any, Any], html: bool, min_responses: int) -> dict[str, Any]:
    flag = {"new": "NEW", "growing": "GROWING", "falling": "FALLING"}.get(r["status"], "")
    if r["kind"] == "theme" and r["proposed"]:
        flag = "PROPOSED" if not flag or flag == "NEW" else f"PROPOSED {flag}"
    elif r["kind"] == "theme" and not flag:
        flag = "EMERGING"
    change = "new" if r["baseline_contacts"] == 0 else _pct(100 * r["change_pct"])
    return {
        "rank": r["rank"],
        "name": r["name"],
        "url": r["url"],
        "family": r["family"],
        "owner": r["owner"],
        "next_step": r["next_step"],
        # with order events: the operational link and the owner team's step (else both empty)
        "link": r.get("link_finding") or "",
        "action": r.get("recommended_step") or "",
        "contacts": f"{r['contacts']:,}",
        "share": _pct(100 * r["share"], signed=False),
        "cpo": f"{r['cpo']:.2f}",
        "baseline_cpo": _num(r["baseline_cpo"]),
        "change": change,
        "change_class": "up" if r["direction"] == "up" else ("down" if r["direction"] == "down" else ""),
        "significant": bool(r["significant"]),
        "p_value": "" if r["p_value"] is None or math.isnan(r["p_value"]) else f"{r['p_value']:.2g}",
        "csat": _score(r["csat"], r["csat_n"], min_responses, 2),
        "csat_n": f"n={r['csat_n']:,}",
        "csat_vs": _num(r["csat_vs_overall"], signed=True),
        "csat_class": "bad" if r["csat_vs_overall"] <= -0.3 else "",
        "nps": _score(r["nps"], r["nps_n"], min_responses, 0),
        "nps_n": f"n={r['nps_n']:,}",
        "nps_vs": _num(r["nps_vs_overall"], 0, signed=True),
        "nps_class": "bad" if r["nps_vs_overall"] <= -15 else "",
        "escalation": _pct(100 * r["escalation_rate"], signed=False),
        "repeat": _pct(100 * r["repeat_contact_rate"], signed=False),
        "review": _pct(100 * r["review_share"], signed=False),
        "score": f"{r['score']:.0f}",
        "verbatims": list(r["verbatims"]),
        "flag": flag,
        "markets": r.get("growing_markets") or "",
        "sustained": r["rise"] if r["rise"].endswith("weeks") else "",
        "spark": charts.svg_sparkline(r["trend_cpo"], label=f"8-week CPO of {r['name']}")
        if html
        else charts.unicode_sparkline(r["trend_cpo"]),
    }


def _movers(report: WeeklyReport) -> list[dict[str, Any]]:
    t = report.table
    if t.empty:
        return []
    delta = t["cpo"] - t["baseline_cpo"].fillna(0)
    ranked = t.assign(delta=delta).sort_values(
        ["significant", "delta"], key=lambda s: s.abs(), ascending=False
    )
    movers = ranked[ranked["delta"].abs() > 0].head(TOP_MOVERS).sort_values("delta", ascending=False)
    return [
        {
            "name": r["name"],
            "delta": float(r["delta"]),
            "delta_text": f"{r['delta']:+.2f}",
            "change": "new" if r["baseline_contacts"] == 0 else _pct(100 * r["change_pct"]),
            "significant": bool(r["significant"]),
            "contacts": f"{r['contacts']:,}",
            "baseline_contacts": f"{r['baseline_contacts'] / report.config.baseline_weeks:.1f}",
        }
        for r in movers.to_dict("records")
    ]


def _breakdowns(report: WeeklyReport) -> dict[str, list[dict[str, str]]]:
    b = report.breakdowns

    def per_orders(name: str) -> list[dict[str, str]]:
        return [
            {
                "name": str(k),
                "contacts": f"{int(r.contacts):,}",
                "orders": f"{int(r.orders):,}",
                "cpo": _num(r.cpo),
            }
            for k, r in b[name].iterrows()
        ]

    return {
        "market": per_orders("market"),
        "category": per_orders("category"),
        "channel": [
            {"name": str(k), "contacts": f"{int(r.contacts):,}", "share": _pct(100 * r.share, signed=False)}
            for k, r in b["channel"].iterrows()
        ],
        "order_stage": [
            {
                "name": str(k).replace("_", " "),
                "contacts": f"{int(r.contacts):,}",
                "share": _pct(100 * r.share, signed=False),
            }
            for k, r in b["order_stage"].iterrows()
        ],
        "family": [
            {
                "name": str(k),
                "contacts": f"{int(r.contacts):,}",
                "cpo": _num(r.cpo),
                "baseline_cpo": _num(r.baseline_cpo),
                "change": _pct(100 * (r.cpo / r.baseline_cpo - 1)) if r.baseline_cpo > 0 else "new",
            }
            for k, r in b["family"].iterrows()
        ],
    }


def _charts(report: WeeklyReport) -> dict[str, Any]:
    t = report.table
    top = [] if t.empty else t.head(TOP_TREND).to_dict("records")
    family = report.breakdowns["family"]
    movers = _movers(report)
    return {
        "trend": charts.line_chart(
            report.trend_weeks,
            [(f"{r['rank']}. {r['name']}", list(r["trend_cpo"])) for r in top],
            title=f"Contacts per 1,000 orders of the top {len(top)} pain points, last 8 weeks",
            unit="CPO",
        ),
        "family": charts.bar_chart(
            [(str(k), float(r.cpo), float(r.baseline_cpo)) for k, r in family.iterrows()],
            title="CPO by family: this week (bar) and 4-week baseline (tick)",
            unit="contacts per 1,000 orders",
        ),
        "movers": charts.movers_chart(
            [(m["name"], m["delta"], m["significant"]) for m in movers],
            title="Week-over-week movers: change in CPO against the 4-week baseline",
            unit="change in contacts per 1,000 orders (* significant)",
        ),
    }


def _num(value: float, digits: int = 2, signed: bool = False) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    value = round(value, digits) + 0.0  # no "-0.00"
    return f"{value:+.{digits}f}" if signed else f"{value:.{digits}f}"


def _score(value: float, n: int, min_responses: int, digits: int) -> str:
    """A CSAT or NPS with too few answers to mean anything shows as ``n<5``, not as a number."""
    if n < min_responses:
        return f"n<{min_responses}"
    return _num(value, digits)


def _pct(value: float, signed: bool = True) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{value:+.0f}%" if signed else f"{value:.0f}%"


def _direction_class(value: float) -> str:
    if value is None or math.isnan(value):
        return ""
    return "up" if value > 0 else "down"


_MD_SPECIAL = re.compile(r"([\\`*_\[\]#|])")


def _markdown_escape(value: Any) -> Any:
    """Escape a value printed into Markdown: no tables broken, no HTML, no emphasis."""
    if value is None:
        return ""
    if isinstance(value, Markup) or not isinstance(value, str):
        return value  # Markup: a section its own template already escaped
    text = " ".join(value.split())
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MD_SPECIAL.sub(r"\\\1", text)
