"""A local fake Discord: REST routes and a gateway websocket on one aiohttp server.

The REAL discord.py client talks to it when ``discord.http.Route.BASE`` is
``fake.api_base_url`` and ``DiscordWebSocket.DEFAULT_GATEWAY`` is ``fake.gateway_url``
(Podium sets both from ``DISCORD_API_BASE_URL`` / ``DISCORD_GATEWAY_URL``). It keeps one
guild's state (roles, channels, members, messages, synced commands, scheduled events) in
Discord's JSON shapes, sends the gateway events real Discord would send after each change,
and lets a test deliver real interaction payloads (``invoke``, ``click``, ``autocomplete``)
and see exactly what the bot answered.

Gateway: HELLO, IDENTIFY → READY + GUILD_CREATE, HEARTBEAT → ACK, RESUME (replays missed
dispatches, then RESUMED), REQUEST_GUILD_MEMBERS → GUILD_MEMBERS_CHUNK; ``zlib-stream``
transport compression (or ``zstd-stream`` when ``zstandard`` is importable) as the client
asks. Unknown REST routes answer 404 and are recorded, so a test can assert that nothing
unexpected was called.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import itertools
import json
import secrets
import time
import zlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import orjson
from aiohttp import WSMsgType, web

from tests.fakes import discord_limits as limits
from tests.fakes.fake_discord_posts import MessageRules, nonce_error

DISCORD_EPOCH_MS = 1420070400000
API_PREFIX = "/api/v10"

ADMINISTRATOR = 1 << 3
ALL_PERMISSIONS = (1 << 53) - 1
#: Discord's default @everyone permissions (view, send, history, reactions, slash commands…).
DEFAULT_EVERYONE = 1071698660929
#: What the bot's managed role gets: manage roles/channels/events, send, embed, attach, view.
BOT_PERMISSIONS = (
    (1 << 28) | (1 << 4) | (1 << 33) | (1 << 10) | (1 << 11) | (1 << 14) | (1 << 15) | (1 << 16)
)

EPHEMERAL = 1 << 6
BODY = web.RequestKey("body", object)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _json(body: Any, *, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    """A JSON response whose Content-Type is exactly ``application/json``, as Discord's is
    (discord.py compares the header verbatim and treats anything else as text)."""
    return web.Response(
        body=orjson.dumps(body),
        status=status,
        headers={"Content-Type": "application/json", **(headers or {})},
    )


def _in_page(message_id: int, query: Any) -> bool:
    """Whether a message falls inside a Get Channel Messages page's ``before``/``after``."""
    before, after = query.get("before"), query.get("after")
    return (before is None or message_id < int(before)) and (
        after is None or message_id > int(after)
    )


def _iso(instant: dt.datetime) -> str:
    return instant.astimezone(dt.UTC).isoformat()


@dataclass
class RecordedRequest:
    """One REST call the client made."""

    method: str
    path: str
    query: dict[str, str]
    json: Any
    status: int = 0


@dataclass
class InteractionResult:
    """What the bot sent back for one interaction."""

    interaction_id: int
    token: str
    response: dict[str, Any] | None = None
    followups: list[dict[str, Any]] = field(default_factory=list)
    edits: list[dict[str, Any]] = field(default_factory=list)
    _responded: asyncio.Event = field(default_factory=asyncio.Event, repr=False)
    _changed: asyncio.Event = field(default_factory=asyncio.Event, repr=False)

    @property
    def response_type(self) -> int | None:
        """The callback type (4 message, 5 deferred, 6 deferred update, 7 update, 8 choices…)."""
        return None if self.response is None else int(self.response["type"])

    @property
    def ephemeral(self) -> bool:
        """True when the response (or, for a deferral, the deferral) was ephemeral."""
        if self.response is None:
            return False
        data = self.response.get("data") or {}
        return bool(int(data.get("flags", 0) or 0) & EPHEMERAL)

    @property
    def final_message(self) -> dict[str, Any]:
        """The last visible message: the newest edit, else followup, else the response."""
        if self.edits:
            return self.edits[-1]
        if self.followups:
            return self.followups[-1]
        return (self.response or {}).get("data") or {}

    @property
    def content(self) -> str:
        """The plain content of the final message."""
        return str(self.final_message.get("content") or "")

    @property
    def text(self) -> str:
        """Content plus every embed's title, description, fields and footer, one per line."""
        return message_text(self.final_message)

    async def wait_for_followup(self, timeout: float = 10) -> dict[str, Any]:
        """The first followup message, waiting for it if needed."""
        async with asyncio.timeout(timeout):
            while not self.followups:
                self._changed.clear()
                await self._changed.wait()
        return self.followups[0]

    async def wait_until_answered(self, timeout: float = 10) -> None:
        """Until the callback came, and for a deferral until the followup or edit came."""
        async with asyncio.timeout(timeout):
            await self._responded.wait()
            while self.response_type == 5 and not (self.followups or self.edits):
                self._changed.clear()
                await self._changed.wait()


def message_text(message: dict[str, Any]) -> str:
    """Content and embed text of a message payload, joined with newlines."""
    parts = [str(message.get("content") or "")]
    for embed in message.get("embeds") or []:
        parts += [str(embed.get("title") or ""), str(embed.get("description") or "")]
        for embed_field in embed.get("fields") or []:
            parts += [str(embed_field.get("name") or ""), str(embed_field.get("value") or "")]
        parts.append(str((embed.get("footer") or {}).get("text") or ""))
    return "\n".join(part for part in parts if part)


@dataclass
class _Session:
    session_id: str
    sequence: int = 0
    buffer: list[dict[str, Any]] = field(default_factory=list)
    connection: _Connection | None = None


class _Connection:
    """One websocket with its transport compression."""

    def __init__(self, ws: web.WebSocketResponse, compress: str | None) -> None:
        self.ws = ws
        self.compress = compress
        self._zlib = zlib.compressobj() if compress == "zlib-stream" else None
        self._zstd: Any = None
        if compress == "zstd-stream":
            import zstandard

            self._zstd = zstandard.ZstdCompressor().compressobj()

    async def send(self, payload: dict[str, Any]) -> None:
        raw = orjson.dumps(payload)
        if self._zlib is not None:
            await self.ws.send_bytes(self._zlib.compress(raw) + self._zlib.flush(zlib.Z_SYNC_FLUSH))
        elif self._zstd is not None:
            import zstandard

            data = self._zstd.compress(raw) + self._zstd.flush(zstandard.COMPRESSOBJ_FLUSH_BLOCK)
            await self.ws.send_bytes(data)
        else:
            await self.ws.send_str(raw.decode())


class FakeDiscord:
    """One fake guild, its REST API and its gateway. See the module docstring."""

    def __init__(
        self,
        *,
        guild_id: int = 900000000000000001,
        application_id: int = 900000000000000002,
        bot_user_id: int = 900000000000000002,
        guild_name: str = "Podium Test Guild",
        token: str | None = None,
        heartbeat_interval_ms: int = 41250,
        clock: Callable[[], float] | None = None,
        rate_limits: limits.RateLimits | None = None,
    ) -> None:
        self.guild_id = guild_id
        self.application_id = application_id
        self.bot_user_id = bot_user_id
        self.guild_name = guild_name
        self.token = token
        self.heartbeat_interval_ms = heartbeat_interval_ms
        self._counter = itertools.count()
        self.owner_id = self.snowflake()
        self.roles: dict[int, dict[str, Any]] = {}
        self.channels: dict[int, dict[str, Any]] = {}
        self.members: dict[int, dict[str, Any]] = {}
        self.messages: dict[int, dict[str, Any]] = {}
        self.scheduled_events: dict[int, dict[str, Any]] = {}
        self.dm_channels: dict[int, dict[str, Any]] = {}
        self.commands: list[dict[str, Any]] = []
        self.global_commands: list[dict[str, Any]] = []
        self.requests: list[RecordedRequest] = []
        self.identify_count = 0
        self.resume_count = 0
        self.sessions: dict[str, _Session] = {}
        #: The transport compression each gateway connection asked for, in order.
        self.compressions: list[str | None] = []
        self._interactions: dict[str, InteractionResult] = {}
        self._rate_limits: list[list[Any]] = []
        self._failures: list[list[Any]] = []
        #: Seconds for the interaction deadlines (3 s to answer, 15 min for the token);
        #: by default a ``ManualClock`` that moves only with ``advance``.
        self.clock: Callable[[], float] = clock or limits.ManualClock()
        #: Per-route buckets and the optional global limit (``rate_limits.global_limit``).
        self.rate_limits = rate_limits or limits.RateLimits()
        #: Every request refused for breaking a Discord limit: method, path, the 400 body.
        #: The test harnesses fail a test that leaves any here (as Discord would refuse it).
        self.limit_errors: list[dict[str, Any]] = []
        self._interaction_times: dict[str, float] = {}
        self._commands_synced = asyncio.Event()
        self._ready = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self.port = 0
        self.roles[guild_id] = self._role_payload(guild_id, "@everyone", DEFAULT_EVERYONE, 0)
        bot_role = self.add_role("Podium", permissions=BOT_PERMISSIONS)
        bot_role["managed"] = True
        bot_role["tags"] = {"bot_id": str(bot_user_id)}
        self.bot_user = self._user_payload(bot_user_id, "Podium", bot=True)
        self.members[bot_user_id] = self._member_payload(self.bot_user, [int(bot_role["id"])])
        self.default_channel = self.add_channel("general")
        #: nonces, role mentions and held responses of created messages
        self.posting = MessageRules()

    # -- ids and payload shapes ------------------------------------------------------------
    def snowflake(self, at: dt.datetime | None = None) -> int:
        """A realistic, increasing snowflake (its timestamp is ``at`` or now)."""
        ms = int((at or dt.datetime.now(dt.UTC)).timestamp() * 1000)
        return ((ms - DISCORD_EPOCH_MS) << 22) | (next(self._counter) % (1 << 22))

    def _role_payload(
        self, role_id: int, name: str, permissions: int, position: int
    ) -> dict[str, Any]:
        return {
            "id": str(role_id),
            "name": name,
            "color": 0,
            "colors": {"primary_color": 0, "secondary_color": None, "tertiary_color": None},
            "hoist": False,
            "icon": None,
            "unicode_emoji": None,
            "position": position,
            "permissions": str(permissions),
            "managed": False,
            "mentionable": False,
            "flags": 0,
        }

    @staticmethod
    def _user_payload(user_id: int, name: str, *, bot: bool = False) -> dict[str, Any]:
        return {
            "id": str(user_id),
            "username": name.lower().replace(" ", "_")[:32],
            "global_name": name,
            "discriminator": "0",
            "avatar": None,
            "bot": bot,
            "public_flags": 0,
        }

    def _member_payload(
        self, user: dict[str, Any], roles: list[int], joined_at: dt.datetime | None = None
    ) -> dict[str, Any]:
        return {
            "user": user,
            "nick": None,
            "avatar": None,
            "roles": [str(r) for r in roles],
            "joined_at": _iso(joined_at or dt.datetime.now(dt.UTC)),
            "premium_since": None,
            "deaf": False,
            "mute": False,
            "flags": 0,
            "pending": False,
            "communication_disabled_until": None,
        }

    def _channel_payload(
        self,
        channel_id: int,
        name: str,
        *,
        type: int = 0,
        parent_id: int | None = None,
        overwrites: list[dict[str, Any]] | None = None,
        topic: str | None = None,
    ) -> dict[str, Any]:
        return {
            "id": str(channel_id),
            "type": type,
            "guild_id": str(self.guild_id),
            "name": name,
            "position": len(self.channels),
            "permission_overwrites": overwrites or [],
            "parent_id": str(parent_id) if parent_id else None,
            "nsfw": False,
            "topic": topic,
            "rate_limit_per_user": 0,
            "last_message_id": None,
            "flags": 0,
        }

    def _message_payload(
        self, channel_id: int, body: dict[str, Any], *, author: dict[str, Any]
    ) -> dict[str, Any]:
        message_id = self.snowflake()
        payload: dict[str, Any] = {
            "id": str(message_id),
            "channel_id": str(channel_id),
            "author": author,
            "content": body.get("content") or "",
            "timestamp": _iso(dt.datetime.now(dt.UTC)),
            "edited_timestamp": None,
            "tts": False,
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "attachments": body.get("attachments") or [],
            "embeds": body.get("embeds") or [],
            "components": body.get("components") or [],
            "pinned": False,
            "type": 0,
            "flags": int(body.get("flags") or 0),
            "allowed_mentions": body.get("allowed_mentions"),
        }
        # Like Discord, a DM message has no guild_id key at all (discord.py's parser fails
        # on an explicit null there and the gateway connection dies).
        if channel_id in self.channels:
            payload["guild_id"] = str(self.guild_id)
        return payload

    # -- state helpers for tests ----------------------------------------------------------
    def add_role(self, name: str, *, permissions: int = 0) -> dict[str, Any]:
        """Create a role directly in the state (no gateway event)."""
        role = self._role_payload(self.snowflake(), name, permissions, len(self.roles))
        self.roles[int(role["id"])] = role
        return role

    def add_channel(
        self, name: str, *, type: int = 0, parent_id: int | None = None
    ) -> dict[str, Any]:
        """Create a channel directly in the state (no gateway event)."""
        channel = self._channel_payload(self.snowflake(), name, type=type, parent_id=parent_id)
        self.channels[int(channel["id"])] = channel
        return channel

    def add_member(
        self,
        user_id: int,
        name: str,
        *,
        roles: list[int] | tuple[int, ...] = (),
        joined_at: dt.datetime | None = None,
        bot: bool = False,
    ) -> dict[str, Any]:
        """Add a member (dispatches GUILD_MEMBER_ADD to connected clients).

        The account's creation time is the timestamp inside ``user_id`` (a snowflake), as
        on Discord; build ids with ``snowflake(at=…)`` to control account age.
        """
        member = self._member_payload(
            self._user_payload(user_id, name, bot=bot), list(roles), joined_at
        )
        self.members[user_id] = member
        self.dispatch("GUILD_MEMBER_ADD", {**member, "guild_id": str(self.guild_id)})
        return member

    def remove_member(self, user_id: int) -> None:
        """The member leaves the server (GUILD_MEMBER_REMOVE)."""
        member = self.members.pop(user_id)
        self.dispatch(
            "GUILD_MEMBER_REMOVE", {"guild_id": str(self.guild_id), "user": member["user"]}
        )

    def set_member_roles(self, user_id: int, role_ids: list[int], *, notify: bool = True) -> None:
        """Change roles as another admin would (``notify=False``: while the bot is down)."""
        self.members[user_id]["roles"] = [str(r) for r in role_ids]
        if notify:
            self._member_updated(user_id)

    def role_named(self, name: str) -> dict[str, Any] | None:
        """The first role with this name."""
        return next((r for r in self.roles.values() if r["name"] == name), None)

    def channel_named(self, name: str) -> dict[str, Any] | None:
        """The first channel with this name."""
        return next((c for c in self.channels.values() if c["name"] == name), None)

    def messages_in(self, channel_id: int) -> list[dict[str, Any]]:
        """Messages posted in a channel, oldest first."""
        return [m for m in self.messages.values() if int(m["channel_id"]) == channel_id]

    def calls(self, method: str, path_prefix: str) -> list[RecordedRequest]:
        """Recorded REST calls with this method whose path starts with ``path_prefix``."""
        return [r for r in self.requests if r.method == method and r.path.startswith(path_prefix)]

    def member_permissions(self, user_id: int) -> int:
        """The member's guild-level permissions (owner and administrators get all)."""
        if user_id == self.owner_id:
            return ALL_PERMISSIONS
        member = self.members.get(user_id)
        value = int(self.roles[self.guild_id]["permissions"])
        for role_id in member["roles"] if member else []:
            role = self.roles.get(int(role_id))
            if role:
                value |= int(role["permissions"])
        return ALL_PERMISSIONS if value & ADMINISTRATOR else value

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

    # -- Discord's limits (numbers and shapes in discord_limits) -------------------------
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
        return _json(body, status=400)

    def _late_callback(self, token: str) -> web.Response | None:
        """10062 when the first answer comes more than 3 s after the interaction."""
        if self.clock() - self._interaction_times.get(token, self.clock()) > limits.ACK_DEADLINE:
            return _json(limits.UNKNOWN_INTERACTION, status=404)
        return None

    def _expired_token(self, token: str) -> web.Response | None:
        """50027 for a followup, edit or fetch more than 15 minutes after the interaction."""
        age = self.clock() - self._interaction_times.get(token, self.clock())
        if age > limits.TOKEN_LIFETIME:
            return _json(limits.INVALID_WEBHOOK_TOKEN, status=401)
        return None

    # -- lifecycle ------------------------------------------------------------------------
    @property
    def api_base_url(self) -> str:
        """Use as ``discord.http.Route.BASE``."""
        return f"http://127.0.0.1:{self.port}{API_PREFIX}"

    @property
    def gateway_url(self) -> str:
        """Use as ``DiscordWebSocket.DEFAULT_GATEWAY``."""
        return f"ws://127.0.0.1:{self.port}/gateway"

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        """Listen on host:port (0 picks a free port)."""
        app = web.Application(client_max_size=64 * 1024 * 1024, middlewares=[self._middleware])
        app.router.add_get("/gateway", self._gateway)
        app.router.add_get("/gateway/", self._gateway)
        app.router.add_route("*", API_PREFIX + "/{tail:.*}", self._dispatch_rest)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        server: Any = site._server
        self.port = int(server.sockets[0].getsockname()[1])

    async def stop(self) -> None:
        """Close every socket and the server."""
        self.posting.release_all()
        for session in self.sessions.values():
            if session.connection is not None:
                with contextlib.suppress(Exception):
                    await session.connection.ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    async def wait_for_commands(self, timeout: float = 15) -> list[dict[str, Any]]:
        """Until the bot synced its guild commands; returns them."""
        async with asyncio.timeout(timeout):
            await self._commands_synced.wait()
        return self.commands

    async def wait_ready(self, timeout: float = 15) -> None:
        """Until a gateway session got READY and GUILD_CREATE."""
        async with asyncio.timeout(timeout):
            await self._ready.wait()

    # -- gateway --------------------------------------------------------------------------
    def dispatch(self, event: str, data: dict[str, Any]) -> None:
        """Send a DISPATCH to every session (buffered for RESUME while disconnected)."""
        for session in self.sessions.values():
            session.sequence += 1
            payload = {"op": 0, "t": event, "s": session.sequence, "d": data}
            session.buffer.append(payload)
            del session.buffer[:-1000]
            if session.connection is not None:
                connection = session.connection
                asyncio.get_running_loop().create_task(self._safe_send(connection, payload))

    @staticmethod
    async def _safe_send(connection: _Connection, payload: dict[str, Any]) -> None:
        with contextlib.suppress(ConnectionError, RuntimeError):
            await connection.send(payload)

    async def drop_connections(self, *, resumable: bool = True) -> None:
        """Close every socket; with ``resumable`` the client may RESUME its session."""
        for session in list(self.sessions.values()):
            if session.connection is not None:
                ws = session.connection.ws
                session.connection = None
                await ws.close(code=4000 if resumable else 4009)
            if not resumable:
                self.sessions.pop(session.session_id, None)
        self._ready.clear()

    def _guild_payload(self) -> dict[str, Any]:
        return {
            "id": str(self.guild_id),
            "name": self.guild_name,
            "icon": None,
            "splash": None,
            "discovery_splash": None,
            "owner_id": str(self.owner_id),
            "afk_channel_id": None,
            "afk_timeout": 300,
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "roles": list(self.roles.values()),
            "emojis": [],
            "stickers": [],
            "features": [],
            "mfa_level": 0,
            "system_channel_id": None,
            "system_channel_flags": 0,
            "rules_channel_id": None,
            "vanity_url_code": None,
            "description": None,
            "banner": None,
            "premium_tier": 0,
            "premium_subscription_count": 0,
            "preferred_locale": "en-US",
            "public_updates_channel_id": None,
            "nsfw_level": 0,
            "premium_progress_bar_enabled": False,
            "joined_at": _iso(dt.datetime.now(dt.UTC)),
            "large": False,
            "unavailable": False,
            "member_count": len(self.members),
            "voice_states": [],
            "members": [self.members[self.bot_user_id]],
            "channels": list(self.channels.values()),
            "threads": [],
            "presences": [],
            "stage_instances": [],
            "guild_scheduled_events": list(self.scheduled_events.values()),
            "soundboard_sounds": [],
        }

    async def _gateway(self, request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse(max_msg_size=16 * 1024 * 1024)
        await ws.prepare(request)
        compress = request.query.get("compress")
        if compress == "zstd-stream":
            try:
                import zstandard  # noqa: F401
            except ImportError:
                compress = "zlib-stream"
        connection = _Connection(ws, compress)
        self.compressions.append(compress)
        session: _Session | None = None
        await connection.send({"op": 10, "d": {"heartbeat_interval": self.heartbeat_interval_ms}})
        async for message in ws:
            if message.type != WSMsgType.TEXT:
                if message.type in (WSMsgType.ERROR, WSMsgType.CLOSE):
                    break
                continue
            payload = orjson.loads(message.data)
            op = payload.get("op")
            data = payload.get("d")
            if op == 1:
                await connection.send({"op": 11})
            elif op == 2:
                if self.token is not None and data.get("token") != self.token:
                    await ws.close(code=4004, message=b"Authentication failed.")
                    break
                session = _Session(session_id=secrets.token_hex(16), connection=connection)
                self.sessions[session.session_id] = session
                self.identify_count += 1
                ready = {
                    "v": 10,
                    "user": self.bot_user,
                    "guilds": [{"id": str(self.guild_id), "unavailable": True}],
                    "session_id": session.session_id,
                    "resume_gateway_url": self.gateway_url,
                    "shard": [0, 1],
                    "application": {"id": str(self.application_id), "flags": 0},
                    "private_channels": [],
                    "relationships": [],
                }
                for event, body in (("READY", ready), ("GUILD_CREATE", self._guild_payload())):
                    session.sequence += 1
                    await connection.send({"op": 0, "t": event, "s": session.sequence, "d": body})
                self._ready.set()
            elif op == 6:
                found = self.sessions.get(data.get("session_id"))
                if found is None:
                    await connection.send({"op": 9, "d": False})
                    continue
                session = found
                session.connection = connection
                self.resume_count += 1
                for missed in [p for p in session.buffer if p["s"] > int(data.get("seq") or 0)]:
                    await connection.send(missed)
                session.sequence += 1
                await connection.send({"op": 0, "t": "RESUMED", "s": session.sequence, "d": {}})
                self._ready.set()
            elif op == 8 and session is not None:
                wanted = {int(u) for u in data.get("user_ids") or []}
                prefix = (data.get("query") or "").lower()
                members = [
                    m
                    for uid, m in self.members.items()
                    if (uid in wanted) or (not wanted and m["user"]["username"].startswith(prefix))
                ]
                session.sequence += 1
                chunk = {
                    "guild_id": str(self.guild_id),
                    "members": members,
                    "chunk_index": 0,
                    "chunk_count": 1,
                    "nonce": data.get("nonce"),
                }
                await connection.send(
                    {"op": 0, "t": "GUILD_MEMBERS_CHUNK", "s": session.sequence, "d": chunk}
                )
        if session is not None and session.connection is connection:
            session.connection = None
        return ws

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
            response: web.StreamResponse = _json(
                {"message": "401: Unauthorized", "code": 0}, status=401
            )
        else:
            failure = self._take_failure(request.method, record.path)
            limited = self._take_rate_limit(record.path)
            if failure is not None:
                response = _json({"message": failure[1], "code": failure[2]}, status=failure[0])
            elif limited is not None:
                refusal = limits.limited_response(limited)
                response = _json(refusal.body, status=429, headers=refusal.headers)
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
                    return _json(refused.body, status=429, headers=refused.headers)
                response = await handler(request, params, body)
                response.headers.update(headers)
                return response
        return _json({"message": "Unknown route (fake)", "code": 0}, status=404)

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

    @staticmethod
    def _not_found(what: str) -> web.Response:
        codes = {
            "channel": 10003,
            "role": 10011,
            "member": 10007,
            "message": 10008,
            "webhook": 10015,
        }
        return _json({"message": f"Unknown {what}", "code": codes.get(what, 0)}, status=404)

    # -- REST: identity and commands ------------------------------------------------------
    async def _get_me(self, _r: web.Request, _p: dict[str, str], _b: Any) -> web.Response:
        return _json(self.bot_user)

    async def _get_application(self, _r: web.Request, _p: dict[str, str], _b: Any) -> web.Response:
        return _json(
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
        return _json(
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
        return _json(self.commands)

    async def _get_guild_commands(
        self, _r: web.Request, _p: dict[str, str], _b: Any
    ) -> web.Response:
        return _json(self.commands)

    async def _put_global_commands(
        self, _r: web.Request, _p: dict[str, str], body: Any
    ) -> web.Response:
        self.global_commands = self._assign_command_ids(self.global_commands, body or [], None)
        return _json(self.global_commands)

    async def _get_global_commands(
        self, _r: web.Request, _p: dict[str, str], _b: Any
    ) -> web.Response:
        return _json(self.global_commands)

    # -- REST: interactions and webhooks --------------------------------------------------
    async def _interaction_callback(
        self, request: web.Request, p: dict[str, str], body: Any
    ) -> web.Response:
        result = self._interactions.get(p["token"])
        if result is None or str(result.interaction_id) != p["id"]:
            return _json(limits.UNKNOWN_INTERACTION, status=404)
        if result.response is not None:
            return _json(
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
        return _json(callback)

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
            return _json(message)
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
        return _json(message)

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
        return _json(
            self._message_payload(int(self.default_channel["id"]), merged, author=self.bot_user)
        )

    async def _delete_webhook_message(
        self, _r: web.Request, p: dict[str, str], _b: Any
    ) -> web.Response:
        if p["token"] not in self._interactions:
            return self._not_found("webhook")
        return self._expired_token(p["token"]) or web.Response(status=204)

    # -- REST: guild, roles, channels -----------------------------------------------------
    def _check_guild(self, p: dict[str, str]) -> web.Response | None:
        return None if int(p["guild"]) == self.guild_id else self._not_found("guild")

    async def _get_guild(self, _r: web.Request, p: dict[str, str], _b: Any) -> web.Response:
        return self._check_guild(p) or _json(self._guild_payload())

    async def _get_roles(self, _r: web.Request, p: dict[str, str], _b: Any) -> web.Response:
        return self._check_guild(p) or _json(list(self.roles.values()))

    async def _create_role(self, _r: web.Request, p: dict[str, str], body: Any) -> web.Response:
        if (bad := self._check_guild(p)) is not None:
            return bad
        role = self.add_role(
            body.get("name") or "new role", permissions=int(body.get("permissions") or 0)
        )
        role["mentionable"] = bool(body.get("mentionable", False))
        role["hoist"] = bool(body.get("hoist", False))
        role["color"] = int(body.get("color") or 0)
        self.dispatch("GUILD_ROLE_CREATE", {"guild_id": str(self.guild_id), "role": role})
        return _json(role)

    async def _edit_role(self, _r: web.Request, p: dict[str, str], body: Any) -> web.Response:
        role = self.roles.get(int(p["role"]))
        if role is None:
            return self._not_found("role")
        for key in ("name", "permissions", "color", "hoist", "mentionable"):
            if key in body:
                role[key] = str(body[key]) if key == "permissions" else body[key]
        self.dispatch("GUILD_ROLE_UPDATE", {"guild_id": str(self.guild_id), "role": role})
        return _json(role)

    async def _delete_role(self, _r: web.Request, p: dict[str, str], _b: Any) -> web.Response:
        if self.roles.pop(int(p["role"]), None) is None:
            return self._not_found("role")
        for member in self.members.values():
            member["roles"] = [r for r in member["roles"] if r != p["role"]]
        self.dispatch("GUILD_ROLE_DELETE", {"guild_id": str(self.guild_id), "role_id": p["role"]})
        return web.Response(status=204)

    async def _get_channels(self, _r: web.Request, p: dict[str, str], _b: Any) -> web.Response:
        return self._check_guild(p) or _json(list(self.channels.values()))

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
        return _json(channel)

    async def _get_channel(self, _r: web.Request, p: dict[str, str], _b: Any) -> web.Response:
        channel = self.channels.get(int(p["channel"])) or self.dm_channels.get(int(p["channel"]))
        return _json(channel) if channel else self._not_found("channel")

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
        return _json(channel)

    async def _delete_channel(self, _r: web.Request, p: dict[str, str], _b: Any) -> web.Response:
        channel = self.channels.pop(int(p["channel"]), None)
        if channel is None:
            return self._not_found("channel")
        self.dispatch("CHANNEL_DELETE", channel)
        return _json(channel)

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

    # -- REST: members --------------------------------------------------------------------
    def _member_updated(self, user_id: int) -> None:
        member = self.members[user_id]
        self.dispatch("GUILD_MEMBER_UPDATE", {**member, "guild_id": str(self.guild_id)})

    async def _list_members(self, request: web.Request, p: dict[str, str], _b: Any) -> web.Response:
        if (bad := self._check_guild(p)) is not None:
            return bad
        after = int(request.query.get("after", "0"))
        limit = int(request.query.get("limit", "1"))
        members = [m for uid, m in sorted(self.members.items()) if uid > after][:limit]
        return _json(members)

    async def _get_member(self, _r: web.Request, p: dict[str, str], _b: Any) -> web.Response:
        member = self.members.get(int(p["user"]))
        return _json(member) if member else self._not_found("member")

    async def _edit_member(self, _r: web.Request, p: dict[str, str], body: Any) -> web.Response:
        user_id = int(p["user"])
        member = self.members.get(user_id)
        if member is None:
            return self._not_found("member")
        if "roles" in body:
            member["roles"] = [str(r) for r in body["roles"]]
        if "nick" in body:
            member["nick"] = body["nick"]
        self._member_updated(user_id)
        return _json(member)

    async def _add_member_role(self, _r: web.Request, p: dict[str, str], _b: Any) -> web.Response:
        user_id = int(p["user"])
        member = self.members.get(user_id)
        if member is None:
            return self._not_found("member")
        if int(p["role"]) not in self.roles:
            return self._not_found("role")
        if p["role"] not in member["roles"]:
            member["roles"].append(p["role"])
            self._member_updated(user_id)
        return web.Response(status=204)

    async def _remove_member_role(
        self, _r: web.Request, p: dict[str, str], _b: Any
    ) -> web.Response:
        user_id = int(p["user"])
        member = self.members.get(user_id)
        if member is None:
            return self._not_found("member")
        if p["role"] in member["roles"]:
            member["roles"].remove(p["role"])
            self._member_updated(user_id)
        return web.Response(status=204)

    # -- REST: messages and DMs -----------------------------------------------------------
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
            return _json(invalid, status=400)
        if (earlier := self._nonce_replay(channel_id, body)) is not None:
            return _json(earlier)
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
        return _json(public)

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
            return _json(list(reversed(found[:limit])))
        return _json(list(reversed(found))[:limit])

    async def _get_message(self, _r: web.Request, p: dict[str, str], _b: Any) -> web.Response:
        message = self.messages.get(int(p["message"]))
        if message is None:
            return self._not_found("message")
        return _json({k: v for k, v in message.items() if not k.startswith("_")})

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
        message["edited_timestamp"] = _iso(dt.datetime.now(dt.UTC))
        message.setdefault("_edits", 0)
        message["_edits"] += 1
        public = {k: v for k, v in message.items() if not k.startswith("_")}
        self.dispatch("MESSAGE_UPDATE", public)
        return _json(public)

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
        return _json(existing)

    # -- REST: scheduled events -----------------------------------------------------------
    async def _list_events(self, _r: web.Request, p: dict[str, str], _b: Any) -> web.Response:
        return self._check_guild(p) or _json(list(self.scheduled_events.values()))

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
        return _json(event)

    async def _get_event(self, _r: web.Request, p: dict[str, str], _b: Any) -> web.Response:
        event = self.scheduled_events.get(int(p["event"]))
        return _json(event) if event else self._not_found("event")

    async def _edit_event(self, _r: web.Request, p: dict[str, str], body: Any) -> web.Response:
        event = self.scheduled_events.get(int(p["event"]))
        if event is None:
            return self._not_found("event")
        event.update({k: v for k, v in body.items() if k in event})
        self.dispatch("GUILD_SCHEDULED_EVENT_UPDATE", event)
        return _json(event)

    async def _delete_event(self, _r: web.Request, p: dict[str, str], _b: Any) -> web.Response:
        event = self.scheduled_events.pop(int(p["event"]), None)
        if event is None:
            return self._not_found("event")
        self.dispatch("GUILD_SCHEDULED_EVENT_DELETE", event)
        return web.Response(status=204)

    # -- interactions ---------------------------------------------------------------------
    def _interaction_base(
        self,
        interaction_type: int,
        *,
        user_id: int,
        locale: str,
        guild_locale: str,
        channel_id: int | None,
    ) -> tuple[dict[str, Any], InteractionResult]:
        member = self.members.get(user_id)
        if member is None:
            raise KeyError(f"user {user_id} is not a member of the fake guild; add_member first")
        interaction_id = self.snowflake()
        token = "itoken-" + secrets.token_urlsafe(24)
        channel = self.channels[channel_id or int(self.default_channel["id"])]
        result = InteractionResult(interaction_id=interaction_id, token=token)
        self._interactions[token] = result
        self._interaction_times[token] = self.clock()
        payload: dict[str, Any] = {
            "id": str(interaction_id),
            "application_id": str(self.application_id),
            "type": interaction_type,
            "guild_id": str(self.guild_id),
            "guild": {"id": str(self.guild_id), "locale": guild_locale, "features": []},
            "channel_id": channel["id"],
            "channel": channel,
            "member": {**member, "permissions": str(self.member_permissions(user_id))},
            "token": token,
            "version": 1,
            "app_permissions": str(self.member_permissions(self.bot_user_id)),
            "locale": locale,
            "guild_locale": guild_locale,
            "entitlements": [],
            "authorizing_integration_owners": {"0": str(self.guild_id)},
            "context": 0,
            "attachment_size_limit": 10 * 1024 * 1024,
        }
        return payload, result

    def _command_options(
        self, command: str, options: dict[str, Any] | None
    ) -> tuple[dict[str, Any], list[dict[str, Any]], list[dict[str, Any]]]:
        """The synced root command, the nested option payload, and the leaf option list."""
        names = command.split()
        root = next((c for c in self.commands if c["name"] == names[0]), None)
        if root is None:
            raise KeyError(
                f"/{names[0]} is not synced; synced: {[c['name'] for c in self.commands]}"
            )
        definition: dict[str, Any] = root
        nested: list[dict[str, Any]] = []
        holder = nested
        for name in names[1:]:
            definition = next(o for o in definition.get("options", []) if o["name"] == name)
            group: dict[str, Any] = {"type": definition["type"], "name": name, "options": []}
            holder.append(group)
            holder = group["options"]
        leaves = definition.get("options", [])
        for name, value in (options or {}).items():
            spec = next((o for o in leaves if o["name"] == name), None)
            if spec is None:
                raise KeyError(f"/{command} has no option {name!r}")
            holder.append({"type": spec["type"], "name": name, "value": value})
        return root, nested, holder

    def _resolved(
        self, options: list[dict[str, Any]], leaves_types: dict[str, int]
    ) -> dict[str, Any]:
        resolved: dict[str, Any] = {}
        for option in options:
            kind = leaves_types.get(option["name"], option["type"])
            value = option.get("value")
            if kind in (6, 9) and value is not None and int(value) in self.members:
                member = self.members[int(value)]
                resolved.setdefault("users", {})[str(value)] = member["user"]
                resolved.setdefault("members", {})[str(value)] = {
                    k: v for k, v in member.items() if k != "user"
                } | {"permissions": str(self.member_permissions(int(value)))}
            elif kind in (8, 9) and value is not None and int(value) in self.roles:
                resolved.setdefault("roles", {})[str(value)] = self.roles[int(value)]
            elif kind == 7 and value is not None and int(value) in self.channels:
                channel = self.channels[int(value)]
                resolved.setdefault("channels", {})[str(value)] = {
                    **channel,
                    "permissions": str(ALL_PERMISSIONS),
                }
        return resolved

    async def _deliver(
        self,
        payload: dict[str, Any],
        result: InteractionResult,
        timeout: float,
        *,
        wait_final: bool,
    ) -> InteractionResult:
        if not self.sessions or all(s.connection is None for s in self.sessions.values()):
            raise RuntimeError("no bot is connected to the fake gateway")
        self.dispatch("INTERACTION_CREATE", payload)
        if wait_final:
            await result.wait_until_answered(timeout)
        else:
            async with asyncio.timeout(timeout):
                await result._responded.wait()
        return result

    async def invoke(
        self,
        command: str,
        *,
        user_id: int,
        options: dict[str, Any] | None = None,
        locale: str = "en-US",
        guild_locale: str = "en-US",
        channel_id: int | None = None,
        attachments: list[dict[str, Any]] | None = None,
        timeout: float = 10,
    ) -> InteractionResult:
        """Run a slash command (``"admin setup"``) as ``user_id``; returns once it is answered.

        A deferred answer counts once its followup or edit arrived. Option values are given
        as Discord sends them (ids as strings or ints for users, roles, channels; the
        attachment option takes an attachment id from ``attachments``).
        """
        payload, result = self._interaction_base(
            2, user_id=user_id, locale=locale, guild_locale=guild_locale, channel_id=channel_id
        )
        root, nested, leaves = self._command_options(command, options)
        data: dict[str, Any] = {
            "id": root["id"],
            "name": root["name"],
            "type": 1,
            "guild_id": str(self.guild_id),
            "options": nested or leaves,
        }
        resolved = self._resolved(leaves, {})
        if attachments:
            resolved["attachments"] = {str(a["id"]): a for a in attachments}
        if resolved:
            data["resolved"] = resolved
        payload["data"] = data
        return await self._deliver(payload, result, timeout, wait_final=True)

    async def autocomplete(
        self,
        command: str,
        *,
        user_id: int,
        focused: str,
        value: str,
        options: dict[str, Any] | None = None,
        locale: str = "en-US",
        timeout: float = 10,
    ) -> list[dict[str, Any]]:
        """Ask for autocomplete choices of option ``focused`` typed as ``value``."""
        payload, result = self._interaction_base(
            4, user_id=user_id, locale=locale, guild_locale="en-US", channel_id=None
        )
        root, nested, leaves = self._command_options(command, {**(options or {}), focused: value})
        for option in leaves:
            if option["name"] == focused:
                option["focused"] = True
        payload["data"] = {
            "id": root["id"],
            "name": root["name"],
            "type": 1,
            "options": nested or leaves,
        }
        await self._deliver(payload, result, timeout, wait_final=False)
        assert result.response is not None
        return list((result.response.get("data") or {}).get("choices") or [])

    async def click(
        self,
        custom_id: str,
        *,
        user_id: int,
        message_id: int | None = None,
        component_type: int = 2,
        values: list[str] | None = None,
        locale: str = "en-US",
        timeout: float = 10,
    ) -> InteractionResult:
        """Press a button (or pick select ``values``) on a message the bot posted."""
        message = self.messages.get(message_id) if message_id is not None else None
        channel_id = (
            int(message["channel_id"])
            if message and int(message["channel_id"]) in self.channels
            else None
        )
        payload, result = self._interaction_base(
            3, user_id=user_id, locale=locale, guild_locale="en-US", channel_id=channel_id
        )
        data: dict[str, Any] = {"custom_id": custom_id, "component_type": component_type}
        if values is not None:
            data["values"] = values
        payload["data"] = data
        if message is not None:
            payload["message"] = {k: v for k, v in message.items() if not k.startswith("_")}
        else:
            payload["message"] = self._message_payload(
                int(self.default_channel["id"]), {"content": ""}, author=self.bot_user
            )
        return await self._deliver(payload, result, timeout, wait_final=True)


def wait_for(
    predicate: Callable[[], bool], timeout: float = 10, interval: float = 0.01
) -> Awaitable[None]:
    """Poll ``predicate`` until true (for gateway-driven state that arrives asynchronously)."""

    async def _wait() -> None:
        deadline = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() > deadline:
                raise TimeoutError("condition not met in time")
            await asyncio.sleep(interval)

    return _wait()
