"""Point the real client libraries at other hosts (local fakes, compatible servers).

discord.py 2.7: ``discord.http.Route.BASE`` serves REST and the interaction/webhook routes;
the plain client never asks ``/gateway/bot`` and connects to
``DiscordWebSocket.DEFAULT_GATEWAY``, so both are set. Twilio's override is applied where
the Twilio client is built (``bot.whatsapp.twilio_client``). Nothing else in the code knows.
"""

from __future__ import annotations

import logging

import discord.gateway
import discord.http
import yarl

log = logging.getLogger(__name__)


def apply_discord_overrides(api_base_url: str | None, gateway_url: str | None) -> None:
    """Set discord.py's REST base and gateway URL when overrides are configured."""
    if api_base_url:
        discord.http.Route.BASE = api_base_url.rstrip("/")
        log.info("discord REST base overridden url=%s", discord.http.Route.BASE)
    if gateway_url:
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway_url)
        log.info("discord gateway overridden url=%s", gateway_url)
