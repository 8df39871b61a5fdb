"""The fake's REST plumbing: recording, auth, injected failures and 429s, the route table."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

import orjson
from aiohttp import web

from tests.fakes.discord import limits
from tests.fakes.discord.models import RecordedRequest
from tests.fakes.discord.routes.base import json_response
from tests.fakes.discord.routes.channels import ChannelRoutes
from tests.fakes.discord.routes.commands import CommandRoutes
from tests.fakes.discord.routes.events import EventRoutes
from tests.fakes.discord.routes.guilds import GuildRoutes
from tests.fakes.discord.routes.interactions import InteractionRoutes
from tests.fakes.discord.routes.messages import MessageRoutes
from tests.fakes.discord.state import API_PREFIX

BODY = web.RequestKey("body", object)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class Rest(
    CommandRoutes, InteractionRoutes, GuildRoutes, ChannelRoutes, MessageRoutes, EventRoutes
):
    """Every REST call goes through ``_middleware`` and ``_dispatch_rest`` to a route."""

    def fail(
        self,
        method: str,
        path_prefix: str,
        *,
        status: int = 403,
        message: str = "Missing Permissions",
        code: int = 50013,
        times: int = 1,
    ) -> None:
        """Answer the next ``times`` matching calls with a Discord error (default 403 / 50013)."""
        self._failures.append([method.upper(), path_prefix, times, status, message, code])

    def rate_limit(self, path_prefix: str, times: int = 1, retry_after: float = 0.05) -> None:
        """Answer the next ``times`` calls under ``path_prefix`` with HTTP 429."""
        self._rate_limits.append([path_prefix, times, retry_after])

    # -- REST plumbing --------------------------------------------------------------------
    @web.middleware
    async def _middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.path.startswith("/gateway"):
            return await handler(request)
        body: Any = None
        if request.content_type == "application/json" and request.can_read_body:
            body = orjson.loads(await request.read())
        elif request.content_type.startswith("multipart/") and request.can_read_body:
            body = await self._read_multipart(request)
        record = RecordedRequest(
            request.method, request.path[len(API_PREFIX) :], dict(request.query), body
        )
        self.requests.append(record)
        request[BODY] = body
        auth = request.headers.get("Authorization", "")
        is_webhook = record.path.startswith(("/interactions/", "/webhooks/"))
        if not is_webhook and (
            not auth.startswith("Bot ") or (self.token and auth != f"Bot {self.token}")
        ):
            response: web.StreamResponse = json_response(
                {"message": "401: Unauthorized", "code": 0}, status=401
            )
        else:
            failure = self._take_failure(request.method, record.path)
            limited = self._take_rate_limit(record.path)
            if failure is not None:
                response = json_response(
                    {"message": failure[1], "code": failure[2]}, status=failure[0]
                )
            elif limited is not None:
                refusal = limits.limited_response(limited)
                response = json_response(refusal.body, status=429, headers=refusal.headers)
            else:
                response = await handler(request)
        record.status = response.status
        return response

    def _take_failure(self, method: str, path: str) -> tuple[int, str, int] | None:
        for entry in self._failures:
            if method == entry[0] and path.startswith(entry[1]) and entry[2] > 0:
                entry[2] -= 1
                return int(entry[3]), str(entry[4]), int(entry[5])
        return None

    def _take_rate_limit(self, path: str) -> float | None:
        for entry in self._rate_limits:
            if path.startswith(entry[0]) and entry[1] > 0:
                entry[1] -= 1
                return float(entry[2])
        return None

    @staticmethod
    async def _read_multipart(request: web.Request) -> dict[str, Any]:
        reader = await request.multipart()
        payload: dict[str, Any] = {}
        files: list[dict[str, Any]] = []
        while True:
            part: Any = await reader.next()
            if part is None:
                break
            if part.name == "payload_json":
                payload = json.loads(await part.text())
            else:
                data = await part.read(decode=False)
                files.append(
                    {
                        "name": part.name,
                        "filename": part.filename,
                        "size": len(data),
                        "data": bytes(data),
                    }
                )
        payload["_files"] = files
        return payload

    async def _dispatch_rest(self, request: web.Request) -> web.StreamResponse:
        path = "/" + request.match_info["tail"]
        parts = [p for p in path.split("/") if p]
        method = request.method
        body = request.get(BODY) or {}
        for pattern, route_method, handler in self._routes():
            if route_method != method or len(pattern) != len(parts):
                continue
            params: dict[str, str] = {}
            for expected, actual in zip(pattern, parts, strict=True):
                if expected.startswith("{"):
                    params[expected.strip("{}")] = actual
                elif expected != actual:
                    break
            else:
                refused, headers = self.rate_limits.take(method, pattern, params)
                if refused is not None:
                    return json_response(refused.body, status=429, headers=refused.headers)
                response = await handler(request, params, body)
                response.headers.update(headers)
                return response
        return json_response({"message": "Unknown route (fake)", "code": 0}, status=404)

    def _routes(self) -> list[tuple[list[str], str, Callable[..., Awaitable[web.StreamResponse]]]]:
        table = [
            ("users/@me", "GET", self._get_me),
            ("oauth2/applications/@me", "GET", self._get_application),
            ("applications/@me", "GET", self._get_application),
            ("gateway", "GET", self._get_gateway),
            ("gateway/bot", "GET", self._get_gateway),
            ("applications/{app}/guilds/{guild}/commands", "PUT", self._put_guild_commands),
            ("applications/{app}/guilds/{guild}/commands", "GET", self._get_guild_commands),
            ("applications/{app}/commands", "PUT", self._put_global_commands),
            ("applications/{app}/commands", "GET", self._get_global_commands),
            ("interactions/{id}/{token}/callback", "POST", self._interaction_callback),
            ("webhooks/{app}/{token}", "POST", self._followup),
            ("webhooks/{app}/{token}/messages/{message}", "GET", self._get_webhook_message),
            ("webhooks/{app}/{token}/messages/{message}", "PATCH", self._edit_webhook_message),
            ("webhooks/{app}/{token}/messages/{message}", "DELETE", self._delete_webhook_message),
            ("guilds/{guild}", "GET", self._get_guild),
            ("guilds/{guild}/roles", "GET", self._get_roles),
            ("guilds/{guild}/roles", "POST", self._create_role),
            ("guilds/{guild}/roles/{role}", "PATCH", self._edit_role),
            ("guilds/{guild}/roles/{role}", "DELETE", self._delete_role),
            ("guilds/{guild}/channels", "GET", self._get_channels),
            ("guilds/{guild}/channels", "POST", self._create_channel),
            ("channels/{channel}", "GET", self._get_channel),
            ("channels/{channel}", "PATCH", self._edit_channel),
            ("channels/{channel}", "DELETE", self._delete_channel),
            ("channels/{channel}/permissions/{target}", "PUT", self._put_overwrite),
            ("channels/{channel}/permissions/{target}", "DELETE", self._delete_overwrite),
            ("guilds/{guild}/members", "GET", self._list_members),
            ("guilds/{guild}/members/{user}", "GET", self._get_member),
            ("guilds/{guild}/members/{user}", "PATCH", self._edit_member),
            ("guilds/{guild}/members/{user}/roles/{role}", "PUT", self._add_member_role),
            ("guilds/{guild}/members/{user}/roles/{role}", "DELETE", self._remove_member_role),
            ("channels/{channel}/messages", "POST", self._create_message),
            ("channels/{channel}/messages", "GET", self._list_messages),
            ("channels/{channel}/messages/{message}", "GET", self._get_message),
            ("channels/{channel}/messages/{message}", "PATCH", self._edit_message),
            ("channels/{channel}/messages/{message}", "DELETE", self._delete_message),
            ("users/@me/channels", "POST", self._create_dm),
            ("guilds/{guild}/scheduled-events", "GET", self._list_events),
            ("guilds/{guild}/scheduled-events", "POST", self._create_event),
            ("guilds/{guild}/scheduled-events/{event}", "GET", self._get_event),
            ("guilds/{guild}/scheduled-events/{event}", "PATCH", self._edit_event),
            ("guilds/{guild}/scheduled-events/{event}", "DELETE", self._delete_event),
        ]
        return [(pattern.split("/"), method, handler) for pattern, method, handler in table]
