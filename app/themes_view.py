"""The review pages' data: themes by group with their status, suggestion and search hits.

Pure functions over the app's inputs (a discovery run's themes and members, the catalogue's latest
decisions, suggestions, pending proposals); :mod:`app.review` renders them. Every text here is
redacted already (exemplars and ``clean_text``); the templates escape it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from voc.taxonomy import Taxonomy

STATUSES = ("todo", "done", "all")


@dataclass
class ThemeCard:
    """One theme as the review page shows it."""

    theme_id: int
    name: str
    group_id: int
    size: int
    change: str
    keywords: list[str]
    exemplars: list[str]
    is_new: bool
    status: str  # "to review" | "labelled" | "merged" | "split" | "noise" | "proposed"
    current: str  # what the status says in words: "Cannot cancel (cannot_cancel)", ...
    current_label: str | None
    decided_by: str = ""
    suggestion: str | None = None
    suggestion_name: str = ""
    suggestion_confidence: float | None = None
    suggestion_source: str = ""
    confident: bool = False
    hits: int = 0

    @property
    def done(self) -> bool:
        return self.status != "to review"


@dataclass
class Group:
    """Related themes (one parent): what a whole-group action applies to."""

    group_id: int
    name: str
    themes: list[ThemeCard] = field(default_factory=list)

    @property
    def size(self) -> int:
        return sum(t.size for t in self.themes)

    @property
    def todo(self) -> int:
        return sum(not t.done for t in self.themes)

    @property
    def shared_suggestion(self) -> str | None:
        """The suggestion every undecided theme of the group agrees on, confidently; else None."""
        open_ = [t for t in self.themes if not t.done]
        if not open_ or not all(t.confident and t.suggestion for t in open_):
            return None
        found = {t.suggestion for t in open_}
        return found.pop() if len(found) == 1 else None


def theme_cards(
    themes: pd.DataFrame,
    decisions: pd.DataFrame,
    suggestions: pd.DataFrame,
    proposals: pd.DataFrame,
    taxonomy: Taxonomy,
) -> list[ThemeCard]:
    """One card per theme (unassigned left out), biggest first."""
    decided = {int(r["theme_id"]): r for r in decisions.to_dict("records")}
    best = _best_suggestions(suggestions)
    proposed = {
        int(t): n for t, n in zip(proposals["theme_id"], proposals["name"], strict=True) if not pd.isna(t)
    }
    cards = []
    for rec in themes.sort_values(["size", "theme_id"], ascending=[False, True]).to_dict("records"):
        theme_id = int(rec["theme_id"])
        if theme_id < 0:
            continue
        size = int(rec["size"]) if not _missing(rec.get("size")) else 0
        decision = decided.get(theme_id)
        status, current, label = _status(decision, rec.get("label"), proposed.get(theme_id), taxonomy)
        suggestion = best.get(theme_id, {})
        cause = str(suggestion.get("suggested_root_cause") or "")
        before = decision.get("size") if decision is not None else None
        cards.append(
            ThemeCard(
                theme_id=theme_id,
                name=_name(rec),
                group_id=_group_id(rec, theme_id),
                size=size,
                change=_change(size, before, bool(rec.get("is_new"))),
                keywords=list(rec.get("keywords") or [])[:8],
                exemplars=list(rec.get("exemplars") or [])[:3],
                is_new=bool(rec.get("is_new")),
                status=status,
                current=current,
                current_label=label,
                decided_by=_decided_by(decision),
                suggestion=cause if cause in taxonomy else None,
                suggestion_name=taxonomy[cause].name if cause in taxonomy else "",
                suggestion_confidence=_float(suggestion.get("suggested_confidence")),
                suggestion_source=str(suggestion.get("suggestion_source") or ""),
                confident=bool(suggestion.get("confident")) and cause in taxonomy,
            )
        )
    return cards


def group_cards(cards: list[ThemeCard], themes: pd.DataFrame) -> list[Group]:
    """Cards gathered by group, groups with the most to review first, biggest themes first."""
    names = {}
    if "parent_name" in themes:
        names = {
            _group_id(r, int(r["theme_id"])): str(r["parent_name"])
            for r in themes.to_dict("records")
            if not _missing(r.get("parent_name"))
        }
    groups: dict[int, Group] = {}
    for card in cards:
        group = groups.setdefault(card.group_id, Group(card.group_id, names.get(card.group_id, "")))
        group.themes.append(card)
    for group in groups.values():
        if not group.name:
            group.name = group.themes[0].name
    return sorted(groups.values(), key=lambda g: (-g.todo, -g.size, g.group_id))


def phrase_hits(members: pd.DataFrame, phrase: str) -> dict[int, int]:
    """Members per theme whose redacted text holds ``phrase`` (case-insensitive, the whole phrase)."""
    needle = _normalise(phrase)
    if not needle or members.empty:
        return {}
    hit = members["_lower"].str.contains(needle, regex=False)
    counts = members.loc[hit & (members["theme_id"] >= 0), "theme_id"].value_counts()
    return {int(str(k)): int(v) for k, v in counts.items()}


def card_matches(card: ThemeCard, phrase: str) -> bool:
    """Whether the phrase is in the card's own text (name, keywords, exemplars)."""
    needle = _normalise(phrase)
    text = " | ".join([card.name, *card.keywords, *card.exemplars]).lower()
    return bool(needle) and needle in text


def highlight(text: str, phrase: str | None) -> list[tuple[str, bool]]:
    """``text`` cut into (piece, is_match) around each occurrence of ``phrase`` (for <mark>)."""
    needle = _normalise(phrase or "")
    if not needle:
        return [(text, False)]
    pieces: list[tuple[str, bool]] = []
    pattern = re.compile(re.escape(needle).replace(r"\ ", r"\s+"), re.IGNORECASE)
    at = 0
    for m in pattern.finditer(text):
        if m.start() > at:
            pieces.append((text[at : m.start()], False))
        pieces.append((m.group(0), True))
        at = m.end()
    if at < len(text):
        pieces.append((text[at:], False))
    return pieces


def _normalise(phrase: str) -> str:
    return " ".join(phrase.lower().split())


def _best_suggestions(suggestions: pd.DataFrame) -> dict[int, Mapping[Any, Any]]:
    if suggestions.empty:
        return {}
    ranked = suggestions.assign(
        _confident=suggestions["confident"].fillna(False).astype(bool),
        _confidence=pd.to_numeric(suggestions["suggested_confidence"], errors="coerce").fillna(0.0),
    ).sort_values(["_confident", "_confidence"], ascending=False)
    return {int(r["theme_id"]): r for r in ranked.drop_duplicates("theme_id").to_dict("records")}


def _status(
    decision: Mapping[Any, Any] | None, run_label: Any, proposed: str | None, taxonomy: Taxonomy
) -> tuple[str, str, str | None]:
    """(status, words, label) of a theme from its latest catalogue decision."""
    if proposed:
        return "proposed", f"New root cause proposed: {proposed}", None
    if decision is None:
        if not _missing(run_label) and str(run_label) in taxonomy:
            # Kept from an earlier week by discovery's matching; the analyst has not changed it.
            label = str(run_label)
            return "labelled", f"{taxonomy[label].name} (carried over)", label
        return "to review", "Not reviewed", None
    action, label = decision.get("action"), str(decision.get("label") or "")
    named = taxonomy[label].name if label in taxonomy else label
    if action == "accept":
        return "labelled", named, label or None
    if action == "merge_into":
        return "merged", f"Merged into theme {decision.get('merged_into')} ({named})", label or None
    if action == "split":
        return "split", "Marked to split: next discovery run", None
    if action == "noise":
        return "noise", "Noise (not a pain point)", None
    return "to review", "Not reviewed", None


def _decided_by(decision: Mapping[Any, Any] | None) -> str:
    if decision is None or not decision.get("who"):
        return ""
    at = decision.get("created_at")
    when = pd.Timestamp(at).strftime("%Y-%m-%d %H:%M") if at is not None and not pd.isna(at) else ""
    return f"{decision['who']}, {when} (v{decision.get('version')})"


def _change(size: int, before: Any, is_new: bool) -> str:
    if _missing(before):
        return "new" if is_new else ""
    before = int(before)
    delta = size - before
    if delta == 0:
        return "same as when labelled"
    return f"{'up' if delta > 0 else 'down'} {abs(delta)} since labelled"


def _name(rec: Mapping[Any, Any]) -> str:
    name = rec.get("name")
    if not _missing(name) and str(name).strip():
        return str(name)
    keywords = list(rec.get("keywords") or [])[:3]
    return ", ".join(keywords).capitalize() if keywords else f"Theme {rec['theme_id']}"


def _group_id(rec: Mapping[Any, Any], theme_id: int) -> int:
    parent = rec.get("parent_id")
    return theme_id if _missing(parent) else int(str(parent))


def _float(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else number


def _missing(value: Any) -> bool:
    if value is None or value is pd.NA:
        return True
    return isinstance(value, float) and math.isnan(value)
