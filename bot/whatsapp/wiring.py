"""Builds the WhatsApp runtime of ``podium run``: Twilio client, relay worker, webhooks."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from aiohttp import web

from bot.config import Settings
from bot.i18n import Catalogs
from bot.whatsapp.relay import Relay
from bot.whatsapp.twilio_client import build_twilio_client, close_twilio_client
from bot.whatsapp.webhooks import add_twilio_routes
from storage.queries import whatsapp as wa_queries

if TYPE_CHECKING:
    from bot.bootstrap import Services

log = logging.getLogger(__name__)


def keyword_sources(services: Services) -> dict[str, Any]:
    """The data POINTS / TOP / NEXT answer from; a source that does not exist is left out,
    and the reply then says it is not available (rather than inventing an answer)."""
    season = services.competition.competition.season
    sources: dict[str, Any] = {}

    async def team_of(user_id: int) -> tuple[int, str, str] | None:
        async with services.db.read() as conn:
            return await wa_queries.team_of(conn, season, user_id)

    sources["team_of"] = team_of
    points = getattr(services, "points", None)
    if points is not None and hasattr(points, "season_points"):
        sources["points"] = points.season_points
    if points is not None and hasattr(points, "week_board"):

        async def top(track: str) -> Sequence[tuple[str, int]]:
            board = await points.week_board(track=track, limit=5)
            return [(row.name, row.points) for row in board.rows]

        sources["top"] = top
    # NEXT answers with whichever comes first: a broadcast or a Q&A session of the member.
    finders = [
        service.next_for_member
        for service in (getattr(services, "broadcasts", None), getattr(services, "qa", None))
        if service is not None
    ]
    if finders:

        async def next_item(user_id: int, now: dt.datetime) -> tuple[dt.datetime, str] | None:
            found = [item for finder in finders if (item := await finder(user_id, now))]
            return min(found, key=lambda item: item[0]) if found else None

        sources["next_item"] = next_item
    return sources


class WhatsAppRuntime:
    """The Twilio client, the relay worker and the webhook routes, started together."""

    def __init__(
        self,
        settings: Settings,
        services: Services,
        catalogs: Catalogs,
        *,
        twilio_timeout: float = 15.0,
    ) -> None:
        """Build the client, the relay and the hookup into ``services.whatsapp`` (linking
        on, codes queued for the relay); ``twilio_timeout`` bounds each Twilio request
        (seconds)."""
        if (
            settings.TWILIO_ACCOUNT_SID is None
            or settings.TWILIO_AUTH_TOKEN is None
            or settings.PUBLIC_BASE_URL is None
        ):
            raise ValueError(
                "WhatsApp needs TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, PUBLIC_BASE_URL"
            )
        self._services = services
        self._catalogs = catalogs
        self._auth_token = settings.TWILIO_AUTH_TOKEN.get_secret_value()
        self._public_base_url = settings.PUBLIC_BASE_URL
        self.client = build_twilio_client(
            settings.TWILIO_ACCOUNT_SID,
            self._auth_token,
            api_base_url=settings.TWILIO_API_BASE_URL,
            timeout=twilio_timeout,
        )
        self.relay = Relay(
            db=services.db,
            clock=services.clock,
            competition=services.competition,
            client=self.client,
            public_base_url=settings.PUBLIC_BASE_URL,
            apply_status=services.whatsapp.apply_status,
            whatsapp_from=settings.TWILIO_WHATSAPP_FROM,
            messaging_service_sid=settings.TWILIO_MESSAGING_SERVICE_SID,
        )
        bot_number = (
            settings.TWILIO_WHATSAPP_FROM.removeprefix("whatsapp:")
            if settings.TWILIO_WHATSAPP_FROM
            else None
        )
        services.whatsapp.configure(bot_number=bot_number)

    def add_routes(self, app: web.Application) -> None:
        """Install ``/twilio/status`` and ``/twilio/inbound``."""
        add_twilio_routes(
            app,
            whatsapp=self._services.whatsapp,
            catalogs=self._catalogs,
            auth_token=self._auth_token,
            public_base_url=self._public_base_url,
            data_sources=lambda: keyword_sources(self._services),
        )

    async def start(self) -> None:
        """Reconcile what a crash left behind, then start draining the outbox."""
        await self.relay.start()
        log.info("whatsapp relay started")

    async def stop(self) -> None:
        """Stop the relay and close the Twilio client."""
        await self.relay.stop()
        await close_twilio_client(self.client)
