"""REST: guild channels and their permission overwrites."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from tests.fakes.discord.routes.base import RouteBase, json_response


class ChannelRoutes(RouteBase):
    """guilds/{guild}/channels, channels/{channel} and its permission overwrites."""

    async def _get_channels(self, _r: web.Request, p: dict[str, str], _b: Any) -> web.Response:
        return self._check_guild(p) or json_response(list(self.channels.values()))

    @staticmethod
    def _overwrites(raw: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
        return [
            {
                "id": str(o["id"]),
                "type": int(o.get("type", 0)),
                "allow": str(o.get("allow", "0")),
                "deny": str(o.get("deny", "0")),
            }
            for o in raw or []
        ]

    async def _create_channel(self, _r: web.Request, p: dict[str, str], body: Any) -> web.Response:
        if (bad := self._check_guild(p)) is not None:
            return bad
        parent = body.get("parent_id")
        channel = self._channel_payload(
            self.snowflake(),
            body["name"],
            type=int(body.get("type", 0)),
            parent_id=int(parent) if parent else None,
            overwrites=self._overwrites(body.get("permission_overwrites")),
            topic=body.get("topic"),
        )
        self.channels[int(channel["id"])] = channel
        self.dispatch("CHANNEL_CREATE", channel)
        return json_response(channel)

    async def _get_channel(self, _r: web.Request, p: dict[str, str], _b: Any) -> web.Response:
        channel = self.channels.get(int(p["channel"])) or self.dm_channels.get(int(p["channel"]))
        return json_response(channel) if channel else self._not_found("channel")

    async def _edit_channel(self, _r: web.Request, p: dict[str, str], body: Any) -> web.Response:
        channel = self.channels.get(int(p["channel"]))
        if channel is None:
            return self._not_found("channel")
        for key in ("name", "topic", "position", "nsfw", "rate_limit_per_user"):
            if key in body:
                channel[key] = body[key]
        if "parent_id" in body:
            channel["parent_id"] = str(body["parent_id"]) if body["parent_id"] else None
        if "permission_overwrites" in body:
            channel["permission_overwrites"] = self._overwrites(body["permission_overwrites"])
        self.dispatch("CHANNEL_UPDATE", channel)
        return json_response(channel)

    async def _delete_channel(self, _r: web.Request, p: dict[str, str], _b: Any) -> web.Response:
        channel = self.channels.pop(int(p["channel"]), None)
        if channel is None:
            return self._not_found("channel")
        self.dispatch("CHANNEL_DELETE", channel)
        return json_response(channel)

    async def _put_overwrite(self, _r: web.Request, p: dict[str, str], body: Any) -> web.Response:
        channel = self.channels.get(int(p["channel"]))
        if channel is None:
            return self._not_found("channel")
        others = [o for o in channel["permission_overwrites"] if o["id"] != p["target"]]
        channel["permission_overwrites"] = [
            *others,
            *self._overwrites([{"id": p["target"], **body}]),
        ]
        self.dispatch("CHANNEL_UPDATE", channel)
        return web.Response(status=204)

    async def _delete_overwrite(self, _r: web.Request, p: dict[str, str], _b: Any) -> web.Response:
        channel = self.channels.get(int(p["channel"]))
        if channel is None:
            return self._not_found("channel")
        channel["permission_overwrites"] = [
            o for o in channel["permission_overwrites"] if o["id"] != p["target"]
        ]
        self.dispatch("CHANNEL_UPDATE", channel)
        return web.Response(status=204)
