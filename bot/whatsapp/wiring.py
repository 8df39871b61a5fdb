"""Builds the WhatsApp parts of ``podium run``: the relay (Twilio client and worker) and the
Twilio webhook routes, which a web process serves without running the relay.

twilio-python (and what it imports: requests, urllib3) loads only when WhatsApp is
configured: about a tenth of a second of every other process's start."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from aiohttp import web

from bot.config import Settings
from bot.i18n import Catalogs
from bot.services.whatsapp import WhatsAppSetup

if TYPE_CHECKING:
    from bot.services.registry import Services

log = logging.getLogger(__name__)


def whatsapp_setup(settings: Settings) -> WhatsAppSetup | None:
    """WhatsApp as ``podium run`` sets it up: on when Twilio is configured (linking on,
    codes queued for the relay), with the sender's number for wa.me links; else None."""
    if not settings.whatsapp_enabled:
        return None
    bot_number = (
        settings.TWILIO_WHATSAPP_FROM.removeprefix("whatsapp:")
        if settings.TWILIO_WHATSAPP_FROM
        else None
    )
    return WhatsAppSetup(bot_number=bot_number)


def keyword_sources(services: Services) -> dict[str, Any]:
    """The data POINTS / TOP / NEXT answer from, and ``team_of`` (the member's team)."""
    points = services.points

    async def top(track: str) -> Sequence[tuple[str, int]]:
        board = await points.week_board(track=track, limit=5)
        return [(row.name, row.points) for row in board.rows]

    # NEXT answers with whichever comes first: a broadcast or a Q&A session of the member.
    finders = (services.broadcasts.next_for_member, services.qa.next_for_member)

    async def next_item(user_id: int, now: dt.datetime) -> tuple[dt.datetime, str] | None:
        found = [item for finder in finders if (item := await finder(user_id, now))]
        return min(found, key=lambda item: item[0]) if found else None

    return {
        "team_of": services.whatsapp.team_of,
        "points": points.season_points,
        "top": top,
        "next_item": next_item,
    }


def twilio_routes(
    settings: Settings, services: Services, catalogs: Catalogs
) -> Callable[[web.Application], None]:
    """What installs ``/twilio/status`` and ``/twilio/inbound`` on a web app (all-in-one
    and ``--only web``); needs ``TWILIO_AUTH_TOKEN`` and ``PUBLIC_BASE_URL``."""
    if settings.TWILIO_AUTH_TOKEN is None or settings.PUBLIC_BASE_URL is None:
        raise ValueError("the Twilio webhooks need TWILIO_AUTH_TOKEN and PUBLIC_BASE_URL")
    auth_token = settings.TWILIO_AUTH_TOKEN.get_secret_value()
    public_base_url = settings.PUBLIC_BASE_URL
    from bot.whatsapp.webhooks import add_twilio_routes  # twilio on demand

    def add_routes(app: web.Application) -> None:
        add_twilio_routes(
            app,
            whatsapp=services.whatsapp,
            outbox=services.outbox,
            catalogs=catalogs,
            auth_token=auth_token,
            public_base_url=public_base_url,
            data_sources=lambda: keyword_sources(services),
        )

    return add_routes


class WhatsAppRuntime:
    """The Twilio client and the relay worker (and, for the all-in-one process and the
    tests, the webhook routes: ``add_routes``)."""

    def __init__(
        self,
        settings: Settings,
        services: Services,
        catalogs: Catalogs,
        *,
        twilio_timeout: float = 15.0,
        relay_options: dict[str, Any] | None = None,
    ) -> None:
        """Build the client and the relay over ``services.outbox`` (``services.whatsapp``
        comes with linking on: ``build_services(whatsapp=whatsapp_setup(settings))``);
        ``twilio_timeout`` bounds each Twilio request (seconds); ``relay_options``: the
        relay's polling and lease (``Relay``'s ``poll_interval``, ``owner``,
        ``sweep_interval``)."""
        if (
            settings.TWILIO_ACCOUNT_SID is None
            or settings.TWILIO_AUTH_TOKEN is None
            or settings.PUBLIC_BASE_URL is None
        ):
            raise ValueError(
                "WhatsApp needs TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, PUBLIC_BASE_URL"
            )
        from bot.whatsapp.relay import Relay  # twilio on demand
        from bot.whatsapp.twilio_client import build_twilio_client

        self.client = build_twilio_client(
            settings.TWILIO_ACCOUNT_SID,
            settings.TWILIO_AUTH_TOKEN.get_secret_value(),
            api_base_url=settings.TWILIO_API_BASE_URL,
            timeout=twilio_timeout,
        )
        self.relay = Relay(
            outbox=services.outbox,
            clock=services.clock,
            competition=services.competition,
            client=self.client,
            public_base_url=settings.PUBLIC_BASE_URL,
            whatsapp_from=settings.TWILIO_WHATSAPP_FROM,
            messaging_service_sid=settings.TWILIO_MESSAGING_SERVICE_SID,
            **(relay_options or {}),
        )
        self._routes = twilio_routes(settings, services, catalogs)

    def add_routes(self, app: web.Application) -> None:
        """Install ``/twilio/status`` and ``/twilio/inbound``."""
        self._routes(app)

    async def start(self) -> None:
        """Reconcile what a crash left behind, then start draining the outbox."""
        await self.relay.start()
        log.info("whatsapp relay started")

    async def stop(self) -> None:
        """Stop the relay and close the Twilio client."""
        from bot.whatsapp.twilio_client import close_twilio_client

        await self.relay.stop()
        await close_twilio_client(self.client)
