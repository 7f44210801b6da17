"""Who may talk to the app, and what its pages may do.

* **Address**: ``voc app`` binds 127.0.0.1 by default and refuses any other address unless a token
  is set (:func:`check_bind`). Without a token, requests must name a loopback host, so a web page
  on another site cannot reach the app by DNS rebinding.
* **Token**: with a token, a request carries it once as ``?token=...`` (the URL ``voc app`` prints)
  and then as an HttpOnly, SameSite=Strict cookie; anything else gets 401.
* **Forms**: every POST carries the app's CSRF token (a hidden field in each form) and must not come
  from another site (``Sec-Fetch-Site``), so a page elsewhere cannot label themes in the analyst's
  name.
* **Pages**: a Content-Security-Policy that lets the page run only the app's own script and style
  files (no inline script, nothing fetched from elsewhere), no framing, no referrer (the token
  never leaks in a Referer header), no caching of pages that hold customer text.
"""

from __future__ import annotations

import hmac
import ipaddress
from urllib.parse import parse_qs, urlencode

from starlette.datastructures import URL
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.types import ASGIApp

from voc.errors import InputError

TOKEN_COOKIE = "voc_app_token"
LOOPBACK_NAMES = {"localhost", "127.0.0.1", "::1", "[::1]"}
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)


def check_bind(host: str, token: str | None) -> None:
    """Refuse a non-loopback ``host`` without a ``token`` (InputError, exit 2 on the CLI)."""
    if token:
        return
    name = host.strip("[]")
    try:
        loopback = name == "localhost" or ipaddress.ip_address(name).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        raise InputError(
            f"--host {host}: the app shows customer contacts and saves labels; to serve it beyond this "
            "machine set a token (--token or VOC_APP_TOKEN), or keep the default 127.0.0.1"
        )


class Guard(BaseHTTPMiddleware):
    """Host check, token check, cross-site POST check and security headers on every response."""

    def __init__(self, app: ASGIApp, token: str | None) -> None:
        super().__init__(app)
        self.token = token

    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        refused = self._refusal(request)
        if refused is not None:
            return _secured(refused)
        if self.token and request.query_params.get("token"):
            # Trade the token in the URL for a cookie at once, so it leaves the address bar.
            rest = [(k, v) for k, v in request.query_params.multi_items() if k != "token"]
            target = URL(path=request.url.path, query=urlencode(rest))
            response: Response = RedirectResponse(str(target), status_code=303)
            response.set_cookie(TOKEN_COOKIE, self.token, httponly=True, samesite="strict")
            return _secured(response)
        if request.method == "POST" and request.headers.get("sec-fetch-site", "same-origin") not in (
            "same-origin",
            "none",
        ):
            return _secured(PlainTextResponse("403: a form from another site was refused", status_code=403))
        return _secured(await call_next(request))

    def _refusal(self, request: Request) -> Response | None:
        host = (request.headers.get("host") or "").rsplit(":", 1)[0] if request.headers.get("host") else ""
        if not self.token and host not in LOOPBACK_NAMES:
            return PlainTextResponse(f"host {host!r} refused: the app answers on 127.0.0.1", status_code=421)
        if self.token:
            given = request.cookies.get(TOKEN_COOKIE) or request.query_params.get("token") or ""
            if not hmac.compare_digest(given.encode(), self.token.encode()):
                return PlainTextResponse(
                    "401: this app needs its token: open the address `voc app` printed (…/?token=...)",
                    status_code=401,
                )
        return None


class FormError(Exception):
    """A POST that is not one of the app's own forms (HTTP 403)."""


async def read_form(request: Request, csrf: str) -> dict[str, list[str]]:
    """The urlencoded form of a POST, every value of each field, after checking its CSRF token.

    Parsed here with the standard library: the app's forms are plain ``application/x-www-form-
    urlencoded``, which needs no multipart parser. Raises :class:`FormError` on a missing or wrong
    token.
    """
    body = (await request.body()).decode("utf-8", errors="replace")
    fields = parse_qs(body, keep_blank_values=True, max_num_fields=5000)
    given = (fields.get("csrf") or [""])[0]
    if not hmac.compare_digest(given.encode(), csrf.encode()):
        raise FormError("the form is out of date (was the app restarted?); reload the page and try again")
    return fields


def _secured(response: Response) -> Response:
    response.headers["Content-Security-Policy"] = CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Frame-Options"] = "DENY"
    if not response.headers.get("content-type", "").startswith(("text/css", "application/javascript")):
        response.headers["Cache-Control"] = "no-store"
    return response
