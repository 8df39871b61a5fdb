"""REST: interaction callbacks and the interaction webhook (followups, edits)."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from tests.fakes.discord import limits
from tests.fakes.discord.models import EPHEMERAL
from tests.fakes.discord.routes.base import RouteBase, json_response


class InteractionRoutes(RouteBase):
    """interactions/{id}/{token}/callback and webhooks/{app}/{token}/…"""

    async def _interaction_callback(
        self, request: web.Request, p: dict[str, str], body: Any
    ) -> web.Response:
        result = self._interactions.get(p["token"])
        if result is None or str(result.interaction_id) != p["id"]:
            return json_response(limits.UNKNOWN_INTERACTION, status=404)
        if result.response is not None:
            return json_response(
                {"message": "Interaction has already been acknowledged.", "code": 40060}, status=400
            )
        refused = self._late_callback(p["token"]) or self._refuse(
            request, limits.callback_problems(body)
        )
        if refused is not None:
            return refused
        result.response = body
        response_type = int(body["type"])
        data = body.get("data") or {}
        callback: dict[str, Any] = {
            "interaction": {
                "id": str(result.interaction_id),
                "type": 2,
                "response_message_loading": response_type == 5,
                "response_message_ephemeral": bool(int(data.get("flags", 0) or 0) & EPHEMERAL),
            }
        }
        if response_type == 9:
            self.opened_modals[str(data.get("custom_id"))] = data
        if response_type in (4, 5, 7):
            message = self._message_payload(
                int(self.default_channel["id"]),
                data if response_type != 5 else {},
                author=self.bot_user,
            )
            self.messages[int(message["id"])] = message
            callback["interaction"]["response_message_id"] = message["id"]
            callback["resource"] = {"type": response_type, "message": message}
            result.response["_message_id"] = message["id"]
        result._responded.set()
        result._changed.set()
        return json_response(callback)

    async def _followup(self, request: web.Request, p: dict[str, str], body: Any) -> web.Response:
        result = self._interactions.get(p["token"])
        if result is None:
            return self._not_found("webhook")
        refused = self._expired_token(p["token"]) or self._refuse(
            request, limits.message_problems(body)
        )
        if refused is not None:
            return refused
        message = self._message_payload(int(self.default_channel["id"]), body, author=self.bot_user)
        message["flags"] = int(body.get("flags") or 0)
        result.followups.append({**body, "id": message["id"], "flags": message["flags"]})
        result._changed.set()
        if request.query.get("wait") in ("true", "1", "True"):
            return json_response(message)
        return web.Response(status=204)

    async def _get_webhook_message(
        self, _r: web.Request, p: dict[str, str], _b: Any
    ) -> web.Response:
        result = self._interactions.get(p["token"])
        if result is None:
            return self._not_found("webhook")
        if (expired := self._expired_token(p["token"])) is not None:
            return expired
        message = self._message_payload(
            int(self.default_channel["id"]), result.final_message, author=self.bot_user
        )
        return json_response(message)

    async def _edit_webhook_message(
        self, request: web.Request, p: dict[str, str], body: Any
    ) -> web.Response:
        result = self._interactions.get(p["token"])
        if result is None:
            return self._not_found("webhook")
        refused = self._expired_token(p["token"]) or self._refuse(
            request, limits.message_problems(body)
        )
        if refused is not None:
            return refused
        merged = {**result.final_message, **body}
        result.edits.append(merged)
        result._changed.set()
        return json_response(
            self._message_payload(int(self.default_channel["id"]), merged, author=self.bot_user)
        )

    async def _delete_webhook_message(
        self, _r: web.Request, p: dict[str, str], _b: Any
    ) -> web.Response:
        if p["token"] not in self._interactions:
            return self._not_found("webhook")
        return self._expired_token(p["token"]) or web.Response(status=204)
