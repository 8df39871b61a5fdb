"""REST: the guild's scheduled events."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from tests.fakes.discord.routes.base import RouteBase, json_response


class EventRoutes(RouteBase):
    """guilds/{guild}/scheduled-events…"""

    async def _list_events(self, _r: web.Request, p: dict[str, str], _b: Any) -> web.Response:
        return self._check_guild(p) or json_response(list(self.scheduled_events.values()))

    async def _create_event(self, _r: web.Request, p: dict[str, str], body: Any) -> web.Response:
        if (bad := self._check_guild(p)) is not None:
            return bad
        event = {
            "id": str(self.snowflake()),
            "guild_id": str(self.guild_id),
            "channel_id": body.get("channel_id"),
            "creator_id": str(self.bot_user_id),
            "creator": self.bot_user,
            "name": body["name"],
            "description": body.get("description"),
            "scheduled_start_time": body["scheduled_start_time"],
            "scheduled_end_time": body.get("scheduled_end_time"),
            "privacy_level": body.get("privacy_level", 2),
            "status": 1,
            "entity_type": body["entity_type"],
            "entity_id": None,
            "entity_metadata": body.get("entity_metadata"),
            "user_count": 0,
            "image": None,
            "recurrence_rule": None,
        }
        self.scheduled_events[int(event["id"])] = event
        self.dispatch("GUILD_SCHEDULED_EVENT_CREATE", event)
        return json_response(event)

    async def _get_event(self, _r: web.Request, p: dict[str, str], _b: Any) -> web.Response:
        event = self.scheduled_events.get(int(p["event"]))
        return json_response(event) if event else self._not_found("event")

    async def _edit_event(self, _r: web.Request, p: dict[str, str], body: Any) -> web.Response:
        event = self.scheduled_events.get(int(p["event"]))
        if event is None:
            return self._not_found("event")
        event.update({k: v for k, v in body.items() if k in event})
        self.dispatch("GUILD_SCHEDULED_EVENT_UPDATE", event)
        return json_response(event)

    async def _delete_event(self, _r: web.Request, p: dict[str, str], _b: Any) -> web.Response:
        event = self.scheduled_events.pop(int(p["event"]), None)
        if event is None:
            return self._not_found("event")
        self.dispatch("GUILD_SCHEDULED_EVENT_DELETE", event)
        return web.Response(status=204)
