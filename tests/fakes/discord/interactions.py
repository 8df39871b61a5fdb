"""Interactions a test delivers: slash commands, autocomplete and component clicks."""

from __future__ import annotations

import asyncio
import secrets
from typing import Any

from tests.fakes.discord.gateway import Gateway
from tests.fakes.discord.models import WAIT_LIMIT, InteractionResult
from tests.fakes.discord.state import ALL_PERMISSIONS


class Interactions(Gateway):
    """Builds real INTERACTION_CREATE payloads, sends them, and waits for the answers."""

    def _interaction_base(
        self,
        interaction_type: int,
        *,
        user_id: int,
        locale: str,
        guild_locale: str,
        channel_id: int | None,
        in_dm: bool = False,
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
        if in_dm:
            # As Discord sends a press in a DM with the bot: no guild, the user, the DM.
            for key in ("guild_id", "guild", "member", "guild_locale"):
                payload.pop(key)
            payload["user"] = member["user"]
            payload["channel"] = self._dm_channel(user_id)
            payload["channel_id"] = payload["channel"]["id"]
            payload["authorizing_integration_owners"] = {"1": str(user_id)}
            payload["context"] = 1
        return payload, result

    def _dm_channel(self, user_id: int) -> dict[str, Any]:
        """The bot's DM channel with ``user_id`` (made on first use, as the DM route does)."""
        for channel in self.dm_channels.values():
            if channel["recipients"][0]["id"] == str(user_id):
                return channel
        user = self.members[user_id]["user"]
        channel = {"id": str(self.snowflake()), "type": 1, "recipients": [user]}
        channel["last_message_id"] = None
        self.dm_channels[int(channel["id"])] = channel
        return channel

    def dms_to(self, user_id: int) -> list[dict[str, Any]]:
        """The messages the bot sent to ``user_id`` in DMs, oldest first."""
        ids = {
            cid for cid, c in self.dm_channels.items() if c["recipients"][0]["id"] == str(user_id)
        }
        return [m for m in self.messages.values() if int(m["channel_id"]) in ids]

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
        timeout: float = WAIT_LIMIT,
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
        timeout: float = WAIT_LIMIT,
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
        in_dm: bool = False,
        timeout: float = WAIT_LIMIT,
    ) -> InteractionResult:
        """Press a button (or pick select ``values``) on a message the bot posted;
        ``in_dm``: the message is in the member's DMs with the bot."""
        message = self.messages.get(message_id) if message_id is not None else None
        channel_id = (
            int(message["channel_id"])
            if message and int(message["channel_id"]) in self.channels
            else None
        )
        payload, result = self._interaction_base(
            3,
            user_id=user_id,
            locale=locale,
            guild_locale="en-US",
            channel_id=channel_id,
            in_dm=in_dm,
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

    async def submit_modal(
        self,
        modal: str | InteractionResult,
        values: dict[str, str],
        *,
        user_id: int,
        locale: str = "en-US",
        timeout: float = WAIT_LIMIT,
    ) -> InteractionResult:
        """Submit a modal with ``values`` by text input custom id, as Discord sends a
        MODAL_SUBMIT: in the modal's own layout (an action row or a Label, type 18, around
        each input), inputs left out sent empty; a value for an input the modal does not have
        is an error. ``modal`` is the interaction the bot answered with the modal (callback
        type 9) or the modal's custom id (the last modal the bot opened with that id; one
        never opened gets one action row per value)."""
        if isinstance(modal, str):
            opened = self.opened_modals.get(modal)
        else:
            if modal.response_type != 9 or modal.response is None:
                raise AssertionError(
                    f"the bot answered with type {modal.response_type}, not a modal"
                )
            opened = modal.response["data"]
        payload, result = self._interaction_base(
            5, user_id=user_id, locale=locale, guild_locale="en-US", channel_id=None
        )
        if opened is None:
            payload["data"] = {
                "custom_id": modal,
                "components": [
                    {"type": 1, "components": [{"type": 4, "custom_id": key, "value": value}]}
                    for key, value in values.items()
                ],
            }
            return await self._deliver(payload, result, timeout, wait_final=True)
        rows: list[dict[str, Any]] = []
        known: set[str] = set()
        for row in opened.get("components") or []:
            if row.get("type") == 18:
                field = row["component"]
                known.add(str(field["custom_id"]))
                rows.append(
                    {
                        "type": 18,
                        "component": {
                            "type": field.get("type", 4),
                            "custom_id": field["custom_id"],
                            "value": values.get(field["custom_id"], ""),
                        },
                    }
                )
                continue
            inputs: list[dict[str, Any]] = row.get("components") or [row]
            known.update(str(i["custom_id"]) for i in inputs)
            rows.append(
                {
                    "type": 1,
                    "components": [
                        {
                            "type": 4,
                            "custom_id": i["custom_id"],
                            "value": values.get(i["custom_id"], ""),
                        }
                        for i in inputs
                    ],
                }
            )
        unknown = set(values) - known
        if unknown:
            raise KeyError(f"the modal has no text input {sorted(unknown)}")
        payload["data"] = {"custom_id": opened["custom_id"], "components": rows}
        return await self._deliver(payload, result, timeout, wait_final=True)
