"""REST: channel messages (create with nonces and held answers, list, edit, delete) and DMs."""

from __future__ import annotations

import datetime as dt
from typing import Any

from aiohttp import web

from tests.fakes.discord import limits
from tests.fakes.discord.posts import nonce_error
from tests.fakes.discord.routes.base import RouteBase, json_response
from tests.fakes.discord.state import iso


def _in_page(message_id: int, query: Any) -> bool:
    """Whether a message falls inside a Get Channel Messages page's ``before``/``after``."""
    before, after = query.get("before"), query.get("after")
    return (before is None or message_id < int(before)) and (
        after is None or message_id > int(after)
    )


class MessageRoutes(RouteBase):
    """channels/{channel}/messages… and users/@me/channels (DMs)."""

    async def _create_message(
        self, request: web.Request, p: dict[str, str], body: Any
    ) -> web.Response:
        channel_id = int(p["channel"])
        if channel_id not in self.channels and channel_id not in self.dm_channels:
            return self._not_found("channel")
        if (refused := self._refuse(request, limits.message_problems(body))) is not None:
            return refused
        files = body.pop("_files", []) if isinstance(body, dict) else []
        if (invalid := nonce_error(body)) is not None:
            return json_response(invalid, status=400)
        if (earlier := self._nonce_replay(channel_id, body)) is not None:
            return json_response(earlier)
        message = self._message_payload(channel_id, body, author=self.bot_user)
        message["mention_roles"] = self.posting.mention_roles(
            self.roles, self.member_permissions(self.bot_user_id), body
        )
        message["attachments"] = [
            {
                "id": str(self.snowflake()),
                "filename": f["filename"],
                "size": f["size"],
                "url": f"https://cdn.fake/{f['filename']}",
                "proxy_url": f"https://cdn.fake/{f['filename']}",
            }
            for f in files
        ]
        message["_files"] = files
        self.messages[int(message["id"])] = message
        self.posting.remember(channel_id, self.bot_user_id, body, int(message["id"]))
        public = {k: v for k, v in message.items() if not k.startswith("_")}
        if body.get("nonce") is not None:
            public["nonce"] = body["nonce"]  # echoed, never stored: fetched messages lack it
        self.dispatch("MESSAGE_CREATE", public)
        await self.posting.wait_if_held(channel_id, public)
        return json_response(public)

    def _nonce_replay(self, channel_id: int, body: dict[str, Any]) -> dict[str, Any] | None:
        """The earlier message an enforced nonce returns (with that nonce), else None."""
        message_id = self.posting.earlier(channel_id, self.bot_user_id, body)
        message = self.messages.get(message_id) if message_id is not None else None
        if message is None:
            return None
        public = {k: v for k, v in message.items() if not k.startswith("_")}
        return {**public, "nonce": body["nonce"]}

    async def _list_messages(
        self, request: web.Request, p: dict[str, str], _b: Any
    ) -> web.Response:
        limit = int(request.query.get("limit", "50"))
        found = [
            {k: v for k, v in m.items() if not k.startswith("_")}
            for m in self.messages_in(int(p["channel"]))
            if _in_page(int(m["id"]), request.query)
        ]
        if "after" in request.query:  # the oldest page after it, newest first (as Discord)
            return json_response(list(reversed(found[:limit])))
        return json_response(list(reversed(found))[:limit])

    async def _get_message(self, _r: web.Request, p: dict[str, str], _b: Any) -> web.Response:
        message = self.messages.get(int(p["message"]))
        if message is None:
            return self._not_found("message")
        return json_response({k: v for k, v in message.items() if not k.startswith("_")})

    async def _edit_message(
        self, request: web.Request, p: dict[str, str], body: Any
    ) -> web.Response:
        message = self.messages.get(int(p["message"]))
        if message is None:
            return self._not_found("message")
        if (refused := self._refuse(request, limits.message_problems(body))) is not None:
            return refused
        for key in ("content", "embeds", "components", "flags", "allowed_mentions"):
            if key in body:
                message[key] = body[key]
        message["edited_timestamp"] = iso(dt.datetime.now(dt.UTC))
        message.setdefault("_edits", 0)
        message["_edits"] += 1
        public = {k: v for k, v in message.items() if not k.startswith("_")}
        self.dispatch("MESSAGE_UPDATE", public)
        return json_response(public)

    async def _delete_message(self, _r: web.Request, p: dict[str, str], _b: Any) -> web.Response:
        message = self.messages.pop(int(p["message"]), None)
        if message is None:
            return self._not_found("message")
        self.dispatch(
            "MESSAGE_DELETE",
            {
                "id": message["id"],
                "channel_id": message["channel_id"],
                **({"guild_id": message["guild_id"]} if "guild_id" in message else {}),
            },
        )
        return web.Response(status=204)

    async def _create_dm(self, _r: web.Request, _p: dict[str, str], body: Any) -> web.Response:
        recipient = int(body["recipient_id"])
        member = self.members.get(recipient)
        user = member["user"] if member else self._user_payload(recipient, f"user{recipient}")
        existing = next(
            (c for c in self.dm_channels.values() if c["recipients"][0]["id"] == str(recipient)),
            None,
        )
        if existing is None:
            existing = {
                "id": str(self.snowflake()),
                "type": 1,
                "recipients": [user],
                "last_message_id": None,
            }
            self.dm_channels[int(existing["id"])] = existing
        return json_response(existing)
