"""What the web pages need from the rest of the process, kept on the aiohttp app."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from aiohttp import web

from bot.i18n import Catalogs
from bot.web.health import GatewayStatus

if TYPE_CHECKING:
    from bot.services.registry import Services


@dataclass(slots=True)
class WebSite:
    """Services and settings for the pages. ``public_base_url`` is ``PUBLIC_BASE_URL``
    (None: forms are checked against the address the request arrived on)."""

    services: Services
    catalogs: Catalogs
    public_base_url: str | None = None
    gateway: GatewayStatus | None = None

    def origin(self, request: web.Request) -> str:
        """The origin forms must come from: ``PUBLIC_BASE_URL``'s, else the request's."""
        if self.public_base_url:
            parts = urlsplit(self.public_base_url)
            return f"{parts.scheme}://{parts.netloc}"
        return f"{request.scheme}://{request.host}"

    @property
    def secure_cookies(self) -> bool:
        """Cookies get ``Secure`` when the public address is https."""
        return bool(self.public_base_url and self.public_base_url.startswith("https://"))


SITE_KEY: web.AppKey[WebSite] = web.AppKey("podium_site", WebSite)


def link_base_url(public_base_url: str | None, host: str, port: int) -> str:
    """Where login links point: ``PUBLIC_BASE_URL``, else this server's own address
    (``0.0.0.0``/``::`` shown as ``127.0.0.1``)."""
    if public_base_url:
        return public_base_url.rstrip("/")
    shown = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host  # noqa: S104 - display only
    return f"http://{shown}:{port}"
