"""The fake guild's state (roles, channels, members, messages…) and Discord's JSON shapes."""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from tests.fakes.discord import limits
from tests.fakes.discord.models import InteractionResult, RecordedRequest
from tests.fakes.discord.posts import MessageRules

if TYPE_CHECKING:
    from aiohttp import web

    from tests.fakes.discord.gateway import Session

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


def iso(instant: dt.datetime) -> str:
    """``instant`` in UTC as ISO 8601, as Discord writes timestamps."""
    return instant.astimezone(dt.UTC).isoformat()


class GuildState:
    """One guild's state in Discord's JSON shapes, and the queries tests make of it."""

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
        self.sessions: dict[str, Session] = {}
        #: The transport compression each gateway connection asked for, in order.
        self.compressions: list[str | None] = []
        self._interactions: dict[str, InteractionResult] = {}
        #: The last modal the bot opened per custom id (callback type 9), as it sent it.
        self.opened_modals: dict[str, dict[str, Any]] = {}
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

    # -- addresses ------------------------------------------------------------------------
    @property
    def api_base_url(self) -> str:
        """Use as ``discord.http.Route.BASE``."""
        return f"http://127.0.0.1:{self.port}{API_PREFIX}"

    @property
    def gateway_url(self) -> str:
        """Use as ``DiscordWebSocket.DEFAULT_GATEWAY``."""
        return f"ws://127.0.0.1:{self.port}/gateway"

    # -- ids and payload shapes -----------------------------------------------------------
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
            "joined_at": iso(joined_at or dt.datetime.now(dt.UTC)),
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
            "timestamp": iso(dt.datetime.now(dt.UTC)),
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
            "joined_at": iso(dt.datetime.now(dt.UTC)),
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
