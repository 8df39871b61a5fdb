"""REST: the bot's identity, the application, the gateway URL and application commands."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from tests.fakes.discord.routes.base import RouteBase, json_response


class CommandRoutes(RouteBase):
    """users/@me, applications/@me, gateway, and guild and global commands."""

    async def _get_me(self, _r: web.Request, _p: dict[str, str], _b: Any) -> web.Response:
        return json_response(self.bot_user)

    async def _get_application(self, _r: web.Request, _p: dict[str, str], _b: Any) -> web.Response:
        return json_response(
            {
                "id": str(self.application_id),
                "name": "Podium",
                "icon": None,
                "description": "",
                "rpc_origins": [],
                "bot_public": False,
                "bot_require_code_grant": False,
                "owner": self._user_payload(self.owner_id, "Owner"),
                "team": None,
                "verify_key": "0" * 64,
                "flags": 0,
                "interactions_endpoint_url": None,
                "approximate_guild_count": 1,
                "redirect_uris": [],
                "tags": [],
            }
        )

    async def _get_gateway(self, _r: web.Request, _p: dict[str, str], _b: Any) -> web.Response:
        return json_response(
            {
                "url": self.gateway_url,
                "shards": 1,
                "session_start_limit": {
                    "total": 1000,
                    "remaining": 1000,
                    "reset_after": 0,
                    "max_concurrency": 1,
                },
            }
        )

    def _assign_command_ids(
        self, previous: list[dict[str, Any]], body: list[dict[str, Any]], guild_id: int | None
    ) -> list[dict[str, Any]]:
        known = {c["name"]: c["id"] for c in previous}
        result = []
        for command in body:
            stored = {
                "type": 1,
                "options": [],
                "default_member_permissions": None,
                "dm_permission": True,
                "nsfw": False,
                **command,
                "id": known.get(command["name"]) or str(self.snowflake()),
                "application_id": str(self.application_id),
                "version": str(self.snowflake()),
            }
            if guild_id is not None:
                stored["guild_id"] = str(guild_id)
            result.append(stored)
        return result

    async def _put_guild_commands(
        self, _r: web.Request, p: dict[str, str], body: Any
    ) -> web.Response:
        self.commands = self._assign_command_ids(self.commands, body or [], int(p["guild"]))
        self._commands_synced.set()
        return json_response(self.commands)

    async def _get_guild_commands(
        self, _r: web.Request, _p: dict[str, str], _b: Any
    ) -> web.Response:
        return json_response(self.commands)

    async def _put_global_commands(
        self, _r: web.Request, _p: dict[str, str], body: Any
    ) -> web.Response:
        self.global_commands = self._assign_command_ids(self.global_commands, body or [], None)
        return json_response(self.global_commands)

    async def _get_global_commands(
        self, _r: web.Request, _p: dict[str, str], _b: Any
    ) -> web.Response:
        return json_response(self.global_commands)
