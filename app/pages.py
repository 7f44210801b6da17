"""What every page shares: the template environment, the state, flash messages and the user's name.

Templates are autoescaped Jinja2 (customer text is data, never markup); pages link only to the
app's own ``/static`` files, which ship with the package.
"""

from __future__ import annotations

import secrets
from collections import OrderedDict
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse

from app.state import AppState

TEMPLATES = Path(__file__).parent / "templates"
STATIC = Path(__file__).parent / "static"
WHO_COOKIE = "voc_app_who"
_FLASH_KEEP = 200


def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html", "j2"], default=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["pct"] = _pct
    env.filters["num"] = _num
    env.filters["signed_pct"] = _signed_pct
    env.globals["query"] = _query
    return env


class Pages:
    """The app's shared parts, kept on ``app.state.pages``."""

    def __init__(self, state: AppState) -> None:
        self.state = state
        self.env = environment()
        self.csrf = secrets.token_urlsafe(32)
        self._flash: OrderedDict[str, tuple[str, str]] = OrderedDict()

    def render(self, request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
        flash = self._flash.pop(request.query_params.get("flash", ""), None)
        kept = [(k, v) for k, v in request.query_params.multi_items() if k != "flash"]
        back = request.url.path + ("?" + urlencode(kept) if kept else "")
        html = self.env.get_template(template).render(
            request=request,
            csrf=self.csrf,
            who=self.who(request),
            flash=flash,
            path=request.url.path,
            back=back,
            **context,
        )
        return HTMLResponse(html, status_code=status_code)

    def redirect(self, to: str, message: str, kind: str = "ok") -> RedirectResponse:
        """See-other to ``to`` (an app path) showing ``message`` once."""
        key = secrets.token_urlsafe(8)
        self._flash[key] = (kind, message)
        while len(self._flash) > _FLASH_KEEP:
            self._flash.popitem(last=False)
        if not to.startswith("/") or to.startswith("//"):
            to = "/"  # only ever back into the app
        joiner = "&" if "?" in to else "?"
        return RedirectResponse(f"{to}{joiner}flash={key}", status_code=303)

    def who(self, request: Request) -> str:
        return (request.cookies.get(WHO_COOKIE) or "").strip()[:100] or self.state.config.who


def pages(request: Request) -> Pages:
    return request.app.state.pages


def _pct(value: Any, digits: int = 0) -> str:
    if value is None or value != value:
        return "–"
    return f"{float(value):.{digits}%}"


def _signed_pct(value: Any) -> str:
    if value is None or value != value:
        return "–"
    return f"{float(value):+.0%}"


def _num(value: Any, digits: int = 0) -> str:
    if value is None or value != value:
        return "–"
    return f"{float(value):,.{digits}f}"


def _query(params: dict[str, Any], **changes: Any) -> str:
    """``?a=1&b=2`` from ``params`` with ``changes`` applied (None drops a key)."""
    merged = {**params, **changes}
    kept = {k: v for k, v in merged.items() if v not in (None, "")}
    return "?" + urlencode(kept) if kept else ""
