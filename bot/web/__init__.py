"""The web server (aiohttp) on the bot's event loop (SPEC §5): ``/healthz``, ``/metrics``,
the public leaderboards and galleries, and the organizer dashboard."""

from __future__ import annotations

from bot.web.app import WebServer, WebSite, build_web_app
from bot.web.health import GatewayStatus, HealthSources, collect_health

__all__ = [
    "GatewayStatus",
    "HealthSources",
    "WebServer",
    "WebSite",
    "build_web_app",
    "collect_health",
]
