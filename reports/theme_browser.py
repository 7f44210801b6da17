"""The theme browser: one self-contained static HTML page for reading themes before naming them.

Themes by group (the group's name on each card; re-sortable by size, growth or id) with their
names, keywords, exemplars, best root-cause suggestion (source, confidence), a random sample of
members (redacted ``clean_text``) and a search box (inline vanilla JavaScript, no server, no
external assets). Every text is escaped
by jinja2's autoescape, and a Content-Security-Policy lets only the page's own script run (by its
SHA-256 hash), so a ``<script>`` in a customer's words is shown as text and never executed.
Open ``page.html#q=refund`` to start with a search.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from jinja2 import Environment, PackageLoader, select_autoescape

from voc.files import write_text

TEMPLATE = "theme_browser.html.j2"


@dataclass(frozen=True)
class BrowserConfig:
    """Settings of the theme browser.

    max_members : int
        Members shown per theme (a random sample).
    title : str
        Page title.
    """

    max_members: int = 20
    title: str = "Themes to review"

    def __post_init__(self) -> None:
        if self.max_members < 0:
            raise ValueError(f"max_members must be >= 0, got {self.max_members}")
        if not self.title.strip():
            raise ValueError("title must not be empty")


def render_theme_browser(
    review: pd.DataFrame,
    members: Mapping[int, Sequence[str]] | None = None,
    config: BrowserConfig | None = None,
    *,
    previous: str | None = None,
    model: str | None = None,
    generated_at: datetime | None = None,
) -> str:
    """Render the page.

    Parameters
    ----------
    review : DataFrame
        One row per theme from :func:`training.labelling.review.review_table` (``theme_id``, ``size``,
        ``change``, ``keywords`` and ``exemplars`` as lists, optional suggestion columns).
    members : mapping of theme id to list of str, optional
        Redacted member texts to show per theme (at most ``config.max_members`` are shown).
    previous, model : str, optional
        Shown in the page header (what the change is relative to, where suggestions come from).

    Returns
    -------
    str
        The HTML document.
    """
    config = config or BrowserConfig()
    members = members or {}
    themes = [_theme(rec, members, config.max_members) for rec in review.to_dict("records")]
    stamp = (generated_at or datetime.now(UTC)).strftime("%Y-%m-%d %H:%M UTC")
    return (
        _environment()
        .get_template(TEMPLATE)
        .render(
            title=config.title,
            themes=themes,
            n_themes=len(themes),
            n_contacts=int(sum(t["size"] for t in themes)),
            previous=previous,
            model=model,
            generated_at=stamp,
        )
    )


def write_theme_browser(path: str | Path, review: pd.DataFrame, **kwargs: Any) -> Path:
    """Render with :func:`render_theme_browser` and write the page atomically to ``path``."""
    return write_text(path, render_theme_browser(review, **kwargs))


def csp_hash(script: str) -> str:
    """The CSP source (``sha256-...``) that allows exactly this inline ``script``."""
    digest = hashlib.sha256(str(script).encode("utf-8")).digest()
    return "sha256-" + base64.b64encode(digest).decode("ascii")


def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("reports", "templates"),
        autoescape=select_autoescape(enabled_extensions=("html", "j2"), default=True),
        keep_trailing_newline=True,
    )
    env.filters["csp_hash"] = csp_hash
    return env


def _theme(rec: Mapping[Any, Any], members: Mapping[int, Sequence[str]], limit: int) -> dict[str, Any]:
    theme_id = int(rec["theme_id"])
    size = int(rec["size"])
    previous = _value(rec.get("previous_size"))
    change = _value(rec.get("change")) or ""
    return {
        "theme_id": theme_id,
        "name": _value(rec.get("name")) or f"Theme {theme_id}",
        "parent_name": _value(rec.get("parent_name")),
        "size": size,
        "change": change,
        "delta": size if change == "new" else (size - int(previous) if previous is not None else 0),
        "is_new": bool(_value(rec.get("is_new"))) or change == "new",
        "parent_id": _int(rec.get("parent_id")),
        "current_label": _value(rec.get("current_label")),
        "suggested_root_cause": _value(rec.get("suggested_root_cause")),
        "suggested_share": _float(rec.get("suggested_share")),
        "suggested_confidence": _float(rec.get("suggested_confidence")),
        "suggestion_source": _value(rec.get("suggestion_source")),
        "confident": bool(_value(rec.get("confident"))),
        "keywords": [str(k) for k in _list(rec.get("keywords"))],
        "exemplars": [str(e) for e in _list(rec.get("exemplars"))],
        "members": [str(m) for m in list(members.get(theme_id, []))[:limit]],
    }


def _value(value: Any) -> Any:
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return None
    return value.item() if isinstance(value, np.generic) else value


def _int(value: Any) -> int | None:
    value = _value(value)
    return None if value is None else int(value)


def _float(value: Any) -> float | None:
    value = _value(value)
    return None if value is None else float(value)


def _list(value: Any) -> list[Any]:
    value = _value(value) if not isinstance(value, (list, tuple, np.ndarray)) else value
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    return list(value)
