"""Review and label themes: the pages analysts work in every week.

``GET /review`` lists a discovery run's themes by group (name, keywords, exemplars, size and change,
current label, suggestion with its confidence), filtered by status and by a phrase found in the
themes or their members. ``GET /themes/{id}`` shows one theme's members (phrase search, pages),
history and forms. Every save (``POST /review/decide``, ``POST /review/accept``) builds the same
rows a filled review sheet has and goes through :func:`validate_theme_sheet`, exactly as
``voc label import`` does, then is stored as **one catalogue version** with who and when; a problem
stores nothing and is shown with the same message the import gives.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from app.pages import WHO_COOKIE, pages
from app.security import read_form
from app.themes_view import STATUSES, card_matches, group_cards, highlight, phrase_hits, theme_cards
from training.labelling.catalogue import ImportInfo, ThemeDecision
from training.labelling.sheets import ReviewSheet
from training.labelling.validation import SheetError, validate_theme_sheet
from voc.errors import InputError

router = APIRouter()
PER_PAGE = 50
SOURCE = "voc app"


@router.get("/review")
def review(request: Request) -> Response:
    p = pages(request)
    state = p.state
    status = request.query_params.get("status", "todo")
    status = status if status in STATUSES else "todo"
    phrase = request.query_params.get("q", "").strip()
    taxonomy = state.taxonomy()
    themes = state.themes()
    every = _cards(request)
    cards = list(every)
    total, done = len(cards), sum(c.done for c in cards)
    if phrase:
        hits = phrase_hits(state.members(), phrase)
        for card in cards:
            card.hits = hits.get(card.theme_id, 0)
        cards = [c for c in cards if c.hits or card_matches(c, phrase)]
    if status != "all":
        cards = [c for c in cards if c.done == (status == "done")]
    groups = group_cards(cards, themes)
    return p.render(
        request,
        "review.html.j2",
        title="Review themes",
        groups=groups,
        shown=len(cards),
        total=total,
        done=done,
        status=status,
        q=phrase,
        taxonomy=taxonomy,
        all_themes=_all_theme_names(every),
        themes_dir=str(state.themes_folder()),
        version=state.catalogue_version(),
    )


@router.get("/themes/{theme_id}")
def theme(request: Request, theme_id: int) -> Response:
    p = pages(request)
    state = p.state
    cards = _cards(request)
    card = next((c for c in cards if c.theme_id == theme_id), None)
    if card is None:
        raise InputError(f"theme {theme_id} is not in this discovery run ({state.themes_folder()})")
    phrase = request.query_params.get("q", "").strip()
    page = max(1, _int(request.query_params.get("page"), 1))
    members = state.members()
    members = members[members["theme_id"] == theme_id]
    if phrase:
        needle = " ".join(phrase.lower().split())
        members = members[members["_lower"].str.contains(needle, regex=False)]
    members = members.sort_values("probability", ascending=False)
    total = len(members)
    shown = members.iloc[(page - 1) * PER_PAGE : page * PER_PAGE]
    rows = [
        {
            "contact_id": r["contact_id"],
            "created_at": _day(r.get("created_at")),
            "channel": r.get("channel") or "",
            "market": r.get("market") or "",
            "pieces": highlight(r["clean_text"], phrase),
        }
        for r in shown.to_dict("records")
    ]
    return p.render(
        request,
        "theme.html.j2",
        title=card.name,
        card=card,
        group=[c for c in cards if c.group_id == card.group_id and c.theme_id != theme_id],
        rows=rows,
        total=total,
        page=page,
        pages=max(1, -(-total // PER_PAGE)),
        q=phrase,
        taxonomy=state.taxonomy(),
        all_themes=_all_theme_names(cards),
        history=state.catalogue().theme_history(theme_id).to_dict("records"),
        families=_families(),
    )


@router.post("/review/decide")
async def decide(request: Request) -> Response:
    """One decision (label, action, merge target, notes) for one theme or a whole group."""
    p = pages(request)
    form = await read_form(request, p.csrf)
    back = _one(form, "back") or "/review"
    ids = [_int(t, -1) for t in form.get("theme", [])]
    if not ids:
        return p.redirect(back, "Nothing saved: no theme was chosen.", "error")
    label, action, target = _one(form, "label"), _one(form, "action") or "accept", _one(form, "merge_into")
    if action == "merge_into" or (target and not label and action == "accept"):
        action = f"merge_into:{target}"  # a merge target typed in is what the analyst meant
    rows = [{"theme_id": str(t), "label": label, "action": action, "notes": _one(form, "notes")} for t in ids]
    return _save(request, rows, back)


@router.post("/review/accept")
async def accept(request: Request) -> Response:
    """Accept the suggestion of each chosen theme (one version for all of them)."""
    p = pages(request)
    form = await read_form(request, p.csrf)
    back = _one(form, "back") or "/review"
    ids = {_int(t, -1) for t in form.get("theme", [])}
    chosen = [c for c in _cards(request) if c.theme_id in ids and not c.done]
    missing = [c for c in chosen if not c.suggestion]
    if not chosen or missing:
        what = ", ".join(f"theme {c.theme_id}" for c in missing) or "no open theme was chosen"
        return p.redirect(back, f"Nothing saved: no suggestion to accept for {what}.", "error")
    rows = [
        {"theme_id": str(c.theme_id), "label": c.suggestion, "action": "accept", "notes": ""} for c in chosen
    ]
    return _save(request, rows, back)


@router.post("/who")
async def set_who(request: Request) -> Response:
    p = pages(request)
    form = await read_form(request, p.csrf)
    name = " ".join(_one(form, "who").split())[:100]
    response = p.redirect(
        _one(form, "back") or "/", f"Saves are now recorded as {name or p.state.config.who}."
    )
    response.set_cookie(WHO_COOKIE, name, httponly=True, samesite="strict")
    return response


def save_decisions(request: Request, rows: list[dict[str, str]]) -> tuple[int, list[ThemeDecision]]:
    """Validate sheet-like ``rows`` as ``voc label import`` does and store them as one version.

    Raises :class:`SheetError` with every problem (nothing stored).
    """
    p = pages(request)
    state = p.state
    frame = pd.DataFrame(rows, columns=["theme_id", "label", "action", "notes"])
    frame.insert(0, "row", range(2, len(frame) + 2))
    sheet = ReviewSheet(path=Path(SOURCE), kind="themes", rows=frame)
    taxonomy = state.taxonomy()
    catalogue = state.catalogue()
    decisions = validate_theme_sheet(sheet, state.themes(), taxonomy, catalogue.theme_decisions())
    info = ImportInfo(
        who=p.who(request), source=f"{SOURCE}: {state.themes_folder()}", taxonomy_version=taxonomy.version
    )
    return catalogue.record_theme_decisions(decisions, info), decisions


def _save(request: Request, rows: list[dict[str, str]], back: str) -> Response:
    p = pages(request)
    try:
        version, decisions = save_decisions(request, rows)
    except SheetError as exc:
        theme_of = {i + 2: r["theme_id"] for i, r in enumerate(rows)}
        problems = "; ".join(
            f"theme {theme_of.get(pr.row, '?')}, {pr.column}: {pr.message}" for pr in exc.problems
        )
        return p.redirect(back, f"Nothing was saved. {problems}", "error")
    counts = pd.Series([d.action for d in decisions]).value_counts()
    summary = ", ".join(f"{n} {a}" for a, n in counts.items())
    return p.redirect(back, f"Saved {summary} as catalogue version {version} (by {p.who(request)}).")


def _cards(request: Request) -> list[Any]:
    state = pages(request).state
    return theme_cards(
        state.themes(),
        state.catalogue().theme_decisions(),
        state.suggestions(),
        state.proposals().table(status="pending"),
        state.taxonomy(),
    )


def _all_theme_names(cards: list[Any]) -> list[tuple[int, str]]:
    return sorted((c.theme_id, c.name) for c in cards)


def _families() -> list[str]:
    from voc.taxonomy import FAMILIES

    return list(FAMILIES)


def _one(form: dict[str, list[str]], key: str) -> str:
    return (form.get(key) or [""])[0].strip()


def _int(value: Any, default: int) -> int:
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return default


def _day(value: Any) -> str:
    if value is None or pd.isna(value):
        return ""
    return pd.Timestamp(value).strftime("%Y-%m-%d")
