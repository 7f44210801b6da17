"""The web app (`voc app`): one FastAPI application over the pipeline's files.

Why FastAPI with server-rendered Jinja2 pages: both are already installed with MLflow (no new
dependency), every page is plain HTML that works without JavaScript and is autoescaped by the same
engine as the weekly report, forms post to the same validation code as the CLI, and the pages are
fast to test (Starlette's TestClient for each route, headless Chromium for the whole flow). The one
small script (``static/app.js``) only submits filter forms on change.

:func:`create_app` builds the app for an :class:`~app.state.AppConfig`; :func:`serve` runs it with
uvicorn. Pages: ``/`` (start), ``/review`` and ``/themes/{id}`` (:mod:`app.review`), ``/taxonomy``
(:mod:`app.taxonomy_pages`), ``/dashboard`` and ``/pain/{key}`` (:mod:`app.dashboard_pages`).
"""

from __future__ import annotations

from fastapi import FastAPI
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.staticfiles import StaticFiles

from app import dashboard_pages, review, taxonomy_pages
from app.pages import STATIC, Pages, pages
from app.security import FormError, Guard
from app.state import AppConfig, AppState
from voc.errors import InputError


def create_app(config: AppConfig) -> FastAPI:
    """The app for ``config``; nothing is read until a page asks for it."""
    app = FastAPI(title="VOC", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.pages = Pages(AppState(config))
    app.add_middleware(Guard, token=config.token)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.include_router(review.router)
    app.include_router(taxonomy_pages.router)
    app.include_router(dashboard_pages.router)

    @app.get("/")
    def home(request: Request) -> Response:
        p = pages(request)
        cfg = p.state.config
        return p.render(
            request,
            "home.html.j2",
            title="Voice of the customer",
            themes=str(cfg.themes or ""),
            tagged=str(cfg.tagged or ""),
            orders=str(cfg.orders or ""),
            catalogue=cfg.catalogue_url,
            taxonomy=p.state.taxonomy(),
        )

    @app.get("/healthz")
    def healthz() -> Response:
        return PlainTextResponse("ok")

    @app.exception_handler(InputError)
    def input_error(request: Request, exc: InputError) -> Response:
        # What the user can fix (a missing input, an unknown theme): the CLI's one-line message.
        return pages(request).render(
            request, "error.html.j2", status_code=400, title="Cannot show this", error=str(exc)
        )

    @app.exception_handler(FormError)
    def form_error(request: Request, exc: FormError) -> Response:
        return PlainTextResponse(f"403: {exc}", status_code=403)

    return app


def serve(config: AppConfig, host: str, port: int) -> None:
    """Run the app with uvicorn until interrupted (access log off: URLs may carry search phrases)."""
    import uvicorn

    uvicorn.run(create_app(config), host=host, port=port, log_level="warning", access_log=False)
