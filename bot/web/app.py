"""The aiohttp application and its server."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from pathlib import Path

from aiohttp import web

from bot.web import (
    admin,
    audit_page,
    calendar_page,
    judging,
    judging_admin,
    judging_live,
    metrics,
    progress_page,
    public,
    registration_pages,
    results_fraud,
    results_pages,
    texts,
)
from bot.web.guard import HTTP_LOG, body_errors
from bot.web.health import HealthSources, collect_health
from bot.web.site import SITE_KEY, WebSite

log = logging.getLogger(__name__)

STATIC = Path(__file__).with_name("static")
_CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)


@web.middleware
async def _page_guard(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    """Security headers on every HTML page, the localized 404 page for unknown paths, and
    the localized 400 page for a malformed request from a browser."""
    try:
        response = await handler(request)
    except web.HTTPNotFound:
        if SITE_KEY not in request.app:
            raise
        response = public.not_found(request)
    except web.HTTPBadRequest:
        if SITE_KEY not in request.app or "text/html" not in request.headers.get("Accept", ""):
            raise
        response = public.message_page(
            request, 400, texts.BAD_REQUEST_TITLE, texts.BAD_REQUEST_TEXT
        )
    if request.path.startswith("/static/") and response.status == 200:
        response.headers["Cache-Control"] = "public, max-age=604800"
    if response.content_type == "text/html":
        response.headers.setdefault("Content-Security-Policy", _CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
    return response


def build_web_app(
    sources: HealthSources,
    *,
    extra_routes: Callable[[web.Application], None] | None = None,
    site: WebSite | None = None,
) -> web.Application:
    """The aiohttp application with every route (``extra_routes`` adds feature routes, e.g.
    the Twilio webhooks when WhatsApp is configured; ``site`` adds the public pages, the
    dashboard, ``/metrics`` and ``/static``)."""
    app = web.Application(middlewares=[_page_guard, body_errors], handler_args={"logger": HTTP_LOG})
    if extra_routes is not None:
        extra_routes(app)

    async def healthz(_request: web.Request) -> web.Response:
        healthy, body = await collect_health(sources)
        return web.json_response(body, status=200 if healthy else 503)

    app.router.add_get("/healthz", healthz)
    if site is not None:
        app[SITE_KEY] = site
        public.add_routes(app)
        calendar_page.add_routes(app)
        admin.add_routes(app)
        audit_page.add_routes(app)
        registration_pages.add_routes(app)
        judging.add_routes(app)
        judging_admin.add_routes(app)
        judging_live.add_routes(app)
        results_fraud.add_routes(app)
        progress_page.add_routes(app)
        metrics.add_routes(app)
        results_pages.add_routes(app)
        app.router.add_static("/static", STATIC, append_version=True, name="static")
    return app


class WebServer:
    """Starts and stops the web app on the running loop."""

    def __init__(self, app: web.Application, host: str, port: int) -> None:
        self._runner = web.AppRunner(app, access_log=None)
        self._host = host
        self._port = port
        self.port: int | None = None

    async def start(self) -> int:
        """Listen on host:port (port 0 picks a free one); returns the port."""
        await self._runner.setup()
        site = web.TCPSite(self._runner, self._host, self._port)
        await site.start()
        server = site._server
        sockets = getattr(server, "sockets", None) or []
        self.port = sockets[0].getsockname()[1] if sockets else self._port
        log.info("web server listening host=%s port=%s", self._host, self.port)
        return self.port

    async def stop(self) -> None:
        """Close the listener and finish open requests."""
        await self._runner.cleanup()
