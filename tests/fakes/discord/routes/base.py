"""What every REST route of the fake shares: JSON answers, 404s and Discord's limits."""

from __future__ import annotations

from typing import Any

import orjson
from aiohttp import web

from tests.fakes.discord import limits
from tests.fakes.discord.gateway import Gateway
from tests.fakes.discord.state import API_PREFIX


def json_response(
    body: Any, *, status: int = 200, headers: dict[str, str] | None = None
) -> web.Response:
    """A JSON response whose Content-Type is exactly ``application/json``, as Discord's is
    (discord.py compares the header verbatim and treats anything else as text)."""
    return web.Response(
        body=orjson.dumps(body),
        status=status,
        headers={"Content-Type": "application/json", **(headers or {})},
    )


class RouteBase(Gateway):
    """Helpers for the route handlers: refusals by Discord's rules, unknown resources."""

    # -- Discord's limits (numbers and shapes in limits.py) -------------------------------
    def advance(self, seconds: float) -> None:
        """Move the interaction clock forward (the default ``ManualClock`` only)."""
        clock = self.clock
        if not isinstance(clock, limits.ManualClock):
            raise TypeError("advance() needs the fake's own ManualClock; move your clock")
        clock.advance(seconds)

    def _refuse(self, request: web.Request, problems: list[limits.Problem]) -> web.Response | None:
        """400 / 50035 with the field paths when ``problems``; recorded in limit_errors."""
        if not problems:
            return None
        body = limits.invalid_form_body(problems)
        self.limit_errors.append(
            {"method": request.method, "path": request.path[len(API_PREFIX) :], **body}
        )
        return json_response(body, status=400)

    def _late_callback(self, token: str) -> web.Response | None:
        """10062 when the first answer comes more than 3 s after the interaction."""
        if self.clock() - self._interaction_times.get(token, self.clock()) > limits.ACK_DEADLINE:
            return json_response(limits.UNKNOWN_INTERACTION, status=404)
        return None

    def _expired_token(self, token: str) -> web.Response | None:
        """50027 for a followup, edit or fetch more than 15 minutes after the interaction."""
        age = self.clock() - self._interaction_times.get(token, self.clock())
        if age > limits.TOKEN_LIFETIME:
            return json_response(limits.INVALID_WEBHOOK_TOKEN, status=401)
        return None

    @staticmethod
    def _not_found(what: str) -> web.Response:
        codes = {
            "channel": 10003,
            "role": 10011,
            "member": 10007,
            "message": 10008,
            "webhook": 10015,
        }
        return json_response({"message": f"Unknown {what}", "code": codes.get(what, 0)}, status=404)

    def _check_guild(self, p: dict[str, str]) -> web.Response | None:
        return None if int(p["guild"]) == self.guild_id else self._not_found("guild")
