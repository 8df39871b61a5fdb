"""Adapter that builds twilio-python's async REST client for Podium.

Only this adapter layer imports ``twilio``; the services layer talks to ports.

Two things twilio-python 9.x does not do on its own, and this module adds:

* **A real per-request timeout.** ``AsyncTwilioHttpClient`` stores its ``timeout``
  argument but never applies it: it forwards the per-call ``timeout`` (``None`` unless
  the caller passes one) to ``aiohttp``, and ``ClientSession.request(timeout=None)``
  means *no total timeout at all*. :class:`PodiumTwilioHttpClient` wraps every request
  in :func:`asyncio.timeout`, so a silent Twilio (or fake) raises :class:`TimeoutError`.
* **Redirecting to a local fake.** With ``api_base_url`` (setting ``TWILIO_API_BASE_URL``)
  every ``https://*.twilio.com`` URL the library builds, including the absolute
  ``next_page_uri`` links it follows while paging, is rewritten onto that base, so the
  unmodified library talks to ``tests/fakes/twilio/``.
"""

from __future__ import annotations

import asyncio
import base64
import logging
from typing import Any
from urllib.parse import urlsplit

from aiohttp import ClientSession
from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.http.response import Response
from twilio.rest import Client

__all__ = [
    "PodiumTwilioHttpClient",
    "build_twilio_client",
    "close_twilio_client",
    "rewrite_twilio_url",
]

_logger = logging.getLogger(__name__)

_TWILIO_DOMAIN = "twilio.com"


def rewrite_twilio_url(url: str, api_base_url: str | None) -> str:
    """Return ``url`` moved onto ``api_base_url`` when it points at a Twilio host.

    A URL is rewritten when its scheme is ``https`` and its host is ``twilio.com`` or any
    ``*.twilio.com`` subdomain (``api.twilio.com``, ``api.dublin.ie1.twilio.com``, ...).
    Path and query string are kept verbatim; a path prefix on ``api_base_url`` is kept in
    front of them. Any other URL, or ``api_base_url=None``, is returned unchanged.
    """
    if not api_base_url:
        return url
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if parts.scheme != "https" or not (
        host == _TWILIO_DOMAIN or host.endswith("." + _TWILIO_DOMAIN)
    ):
        return url
    rewritten = api_base_url.rstrip("/") + (parts.path or "/")
    if parts.query:
        rewritten += "?" + parts.query
    return rewritten


def _basic_auth_header(user: str, password: str) -> str:
    credentials = f"{user}:{password}".encode()
    return "Basic " + base64.b64encode(credentials).decode("ascii")


class PodiumTwilioHttpClient(AsyncTwilioHttpClient):
    """``AsyncTwilioHttpClient`` with an enforced timeout and an optional base-URL rewrite.

    The aiohttp session is created lazily on the first request, so the client can be
    built outside a running event loop (twilio-python's own constructor needs one).
    Request logging goes to this module's logger at DEBUG, method and path only: the
    library's default logs full URLs at INFO, and list filters put phone numbers there.
    """

    session: ClientSession | None

    def __init__(self, *, timeout: float = 15.0, api_base_url: str | None = None) -> None:
        """Create the client.

        :param timeout: seconds allowed for one whole request (connect, send, read the
            body); must be positive. A per-call ``timeout`` passed by the library wins.
        :param api_base_url: e.g. ``http://127.0.0.1:8765``; when set, Twilio URLs are
            rewritten onto it (see :func:`rewrite_twilio_url`).
        """
        if timeout <= 0:
            raise ValueError(f"timeout must be positive, got {timeout!r}")
        # pool_connections=False: the parent would build a ClientSession here, which
        # needs a running loop. We build the pooled session ourselves on first use.
        super().__init__(pool_connections=False, timeout=timeout, logger=_logger)
        self.api_base_url = api_base_url
        self._closed = False

    def _ensure_session(self) -> ClientSession:
        session: ClientSession | None = self.session
        if session is None or session.closed:
            if self._closed:
                raise RuntimeError("the Twilio HTTP client was closed")
            session = ClientSession(trace_configs=self.trace_configs)
            self.session = session
        return session

    async def request(
        self,
        method: str,
        url: str,
        params: dict[str, object] | None = None,
        data: dict[str, object] | None = None,
        headers: dict[str, str] | None = None,
        auth: tuple[str, str] | None = None,
        timeout: float | None = None,  # noqa: ASYNC109 - the parent class's signature
        allow_redirects: bool = False,
    ) -> Response:
        """Send one request through the pooled session and return twilio's ``Response``.

        :raises TimeoutError: when the whole exchange takes longer than ``timeout``
            (or the client's default) seconds.
        """
        limit = timeout if timeout is not None else self.timeout
        self._ensure_session()
        if auth is not None:
            # Sent as a header ourselves: the parent's aiohttp.BasicAuth path emits
            # DeprecationWarnings on aiohttp >= 3.14.
            headers = {**(headers or {}), "Authorization": _basic_auth_header(*auth)}
        async with asyncio.timeout(limit):
            response: Response = await super().request(
                method,
                rewrite_twilio_url(url, self.api_base_url),
                params=params,
                data=data,
                headers=headers,
                auth=None,
                timeout=None,
                allow_redirects=allow_redirects,
            )
        return response

    def log_request(self, kwargs: dict[str, Any]) -> None:
        """Log method and path only (no query string: it can carry phone numbers)."""
        if _logger.isEnabledFor(logging.DEBUG):
            _logger.debug(
                "twilio request method=%s path=%s", kwargs["method"], urlsplit(kwargs["url"]).path
            )

    def log_response(self, status_code: int, response: Any) -> None:
        """Log the status code only."""
        _logger.debug("twilio response status=%s", status_code)

    async def close(self) -> None:
        """Close the pooled aiohttp session; later requests raise ``RuntimeError``."""
        self._closed = True
        session: ClientSession | None = self.session
        if session is not None and not session.closed:
            await session.close()


def build_twilio_client(
    account_sid: str,
    auth_token: str,
    *,
    api_base_url: str | None = None,
    timeout: float = 15.0,
) -> Client:
    """Build a ``twilio.rest.Client`` whose ``*_async`` methods work and time out.

    ``client.messages.create_async(...)``,
    ``client.api.v2010.account.messages.list_async(...)`` and the other async calls go
    through :class:`PodiumTwilioHttpClient`. Safe to call without a running event loop.
    Close it with :func:`close_twilio_client`.

    :param account_sid: ``AC...`` account SID (HTTP Basic user).
    :param auth_token: the account's auth token (HTTP Basic password).
    :param api_base_url: redirect every ``https://*.twilio.com`` request to this base,
        e.g. a local fake; ``None`` talks to Twilio.
    :param timeout: seconds allowed per request (default 15).
    """
    http_client = PodiumTwilioHttpClient(timeout=timeout, api_base_url=api_base_url)
    return Client(account_sid, auth_token, http_client=http_client)


async def close_twilio_client(client: Client) -> None:
    """Close the aiohttp session behind ``client`` (idempotent)."""
    http_client = client.http_client
    close = getattr(http_client, "close", None)
    if close is not None:
        await close()
