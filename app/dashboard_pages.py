"""The program managers' pages: the dashboard over any range of weeks, and one pain point in depth.

``GET /dashboard`` shows the headline numbers and every pain point of the chosen weeks and segment
(market, channel, category, order stage, family): weekly contacts and CPO with the significance
marks of the weekly report, CSAT and NPS drag, escalation, repeat contacts, the share needing
review, owner and recommended next step; with order events, an operations panel (KPIs of the
market per week, :mod:`app.operations_panel`). ``GET /pain/{key}`` drills into one pain point: its
weeks, its breakdown by segment (each a link that filters the dashboard), its redacted contacts with
a phrase search and, with order events, its operational link and the owner team's next step. The
numbers come from :class:`reports.dashboard.Dashboard`, the same computation as the weekly report,
so the two never disagree.
"""

from __future__ import annotations

from dataclasses import fields
from typing import Any

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from app.operations_panel import operations_panel, pain_point_link
from app.pages import pages
from app.themes_view import highlight
from voc.errors import InputError

router = APIRouter()
PER_PAGE = 50
DIMENSIONS = ("market", "channel", "category", "order_stage")


def filters_of(request: Request) -> tuple[Any, dict[str, str]]:
    """The dashboard filters named in the query string, and those params to carry along in links."""
    from reports.dashboard import Filters

    names = [f.name for f in fields(Filters)]
    params = {n: request.query_params.get(n, "").strip() for n in names}
    params = {k: v for k, v in params.items() if v}
    return Filters(**params), params


@router.get("/dashboard")
def dashboard(request: Request) -> Response:
    p = pages(request)
    board = p.state.dashboard()
    f, params = filters_of(request)
    options = board.options()
    try:
        overview = board.overview(f)
        table = board.pain_points(f)
        reading = board.reading(f)
    except InputError as exc:
        return p.render(
            request,
            "dashboard.html.j2",
            status_code=400,
            title="Dashboard",
            error=str(exc),
            options=options,
            params=params,
            overview=None,
            rows=[],
            ops=None,
            reasons=[],
            unread=[],
        )
    rows = []
    for rec in table.to_dict("records"):
        rec["spark"] = sparkline(rec.get("weekly_cpo") or [], rec.get("weekly_marks") or [])
        rows.append(rec)
    return p.render(
        request,
        "dashboard.html.j2",
        title="Dashboard",
        options=options,
        params=params,
        overview=overview,
        rows=rows,
        error=None,
        ops=operations_panel(p.state, board, f),
        reasons=reading["reasons"].to_dict("records"),
        unread=reading["unread"].to_dict("records"),
    )


@router.get("/pain/{key:path}")
def pain_point(request: Request, key: str) -> Response:
    p = pages(request)
    board = p.state.dashboard()
    f, params = filters_of(request)
    table = board.pain_points(f)
    match = table[table["key"] == key]
    if match.empty:
        raise InputError(f"pain point {key!r}: no contacts in the chosen weeks and segment")
    row = match.iloc[0].to_dict()
    phrase = request.query_params.get("q", "").strip()
    page = max(1, _int(request.query_params.get("page"), 1))
    contacts, total = board.contacts(
        key, f, query=phrase or None, offset=(page - 1) * PER_PAGE, limit=PER_PAGE
    )
    items = []
    for rec in contacts.to_dict("records"):
        rec["pieces"] = highlight(str(rec.get("clean_text") or ""), phrase)
        items.append(rec)
    weeks = list(
        zip(
            row.get("weeks") or [],
            row.get("weekly_contacts") or [],
            row.get("weekly_cpo") or [],
            row.get("weekly_marks") or [],
            strict=False,
        )
    )
    breakdown = board.breakdown(key, f)
    return p.render(
        request,
        "pain.html.j2",
        title=str(row.get("name") or key),
        key=key,
        row=row,
        weeks=weeks,
        bars=bars(row.get("weekly_contacts") or [], row.get("weekly_marks") or []),
        breakdown={d: breakdown[d].to_dict("records") for d in DIMENSIONS if d in breakdown},
        # links are per root cause: a theme's contacts have theirs through the causes they hold
        ops_link=pain_point_link(p.state, board, f, key) if row.get("kind") == "root_cause" else None,
        options=board.options(),
        params=params,
        contacts=items,
        total=total,
        page=page,
        pages=max(1, -(-total // PER_PAGE)),
        q=phrase,
    )


def sparkline(values: list[float], marks: list[str], width: int = 120, height: int = 28) -> dict[str, Any]:
    """SVG polyline points and mark dots for a small weekly trend (no script, no inline style)."""
    clean = [float(v) if v is not None and v == v else 0.0 for v in values]
    if not clean:
        return {"points": "", "dots": [], "width": width, "height": height}
    top = max(clean) or 1.0
    step = width / max(len(clean) - 1, 1)
    xy = [(round(i * step, 1), round(height - 2 - (v / top) * (height - 4), 1)) for i, v in enumerate(clean)]
    dots = [{"x": x, "y": y, "mark": m} for (x, y), m in zip(xy, marks, strict=False) if m in ("up", "down")]
    return {"points": " ".join(f"{x},{y}" for x, y in xy), "dots": dots, "width": width, "height": height}


def bars(values: list[int], marks: list[str], width: int = 600, height: int = 120) -> list[dict[str, Any]]:
    """Bar geometry for the pain point's weekly contacts."""
    if not values:
        return []
    top = max(values) or 1
    slot = width / len(values)
    out = []
    for i, (v, m) in enumerate(zip(values, list(marks) + [""] * len(values), strict=False)):
        h = round((v / top) * (height - 16), 1)
        out.append(
            {
                "x": round(i * slot + 2, 1),
                "y": round(height - h, 1),
                "w": round(slot - 4, 1),
                "h": h,
                "mark": m,
                "n": v,
            }
        )
    return out


def _int(value: Any, default: int) -> int:
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return default
