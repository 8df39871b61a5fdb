"""Dashboard access follows organizer status.

The web process has no gateway, so the bot ends a member's dashboard access (live
sessions and unused login links, through ``WebAuthService.end_access``) as soon as Discord
tells it they stopped being an organizer: their roles changed, they left, a role's
permissions changed or a role was deleted, the server changed owner, or `/admin setup`
recorded the organizer role anew. The web then finds no session at the next request.
While the bot was down nothing told it, so every ``on_ready`` checks every access holder
again (``reconcile``).

Members are not chunked at start (``chunk_guilds_at_startup=False``) and discord.py
dispatches ``on_member_update`` only for cached members, so the bot keeps every access
holder in its member cache: ``reconcile`` fetches them with ``query_members(cache=True)``
and `/admin dashboard` caches the member it issues a link to.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING

import discord
from discord.ext import commands

from cogs._ui import member_is_organizer

if TYPE_CHECKING:
    from bot.app import PodiumBot

log = logging.getLogger(__name__)

#: Discord answers a member request for at most 100 user ids.
QUERY_BATCH = 100


async def fetch_members(guild: discord.Guild, user_ids: Sequence[int]) -> dict[int, discord.Member]:
    """The guild's current members among ``user_ids``, fetched over the gateway and kept in
    the member cache (so their later updates reach ``on_member_update``). An id missing
    from the result is not a member. Raises ``asyncio.TimeoutError`` when Discord does not
    answer."""
    found: dict[int, discord.Member] = {}
    for start in range(0, len(user_ids), QUERY_BATCH):
        batch = list(user_ids[start : start + QUERY_BATCH])
        members = await guild.query_members(user_ids=batch, limit=len(batch), cache=True)
        found.update((member.id, member) for member in members)
    return found


async def remember_member(bot: PodiumBot, member: discord.Member) -> None:
    """Keep ``member`` in the member cache (they were just given a login link)."""
    if member.guild.get_member(member.id) is not None:
        return
    try:
        await fetch_members(member.guild, [member.id])
    except (TimeoutError, discord.ClientException) as exc:
        # The next start's reconcile checks them anyway.
        log.warning("could not cache dashboard user user=%s error=%r", member.id, exc)


async def end_unless_organizer(bot: PodiumBot, member: discord.Member) -> None:
    """End ``member``'s dashboard access if they are no longer an organizer. Most members
    hold none, so that is asked first (one read per role change)."""
    if not await bot.services.web_auth.holds_access(member.id):
        return
    if await member_is_organizer(bot, member):
        return
    ended = await bot.services.web_auth.end_access(member.id, reason="not_organizer")
    if ended.sessions or ended.links:
        log.info(
            "dashboard access ended user=%s reason=not_organizer sessions=%d links=%d",
            member.id,
            ended.sessions,
            ended.links,
        )


async def reconcile(bot: PodiumBot, guild: discord.Guild) -> None:
    """Check every dashboard access holder against the server as it is now; end the
    access of those who left or are no longer organizers. Changes nothing when Discord
    does not answer (better a late revocation than a wrong one)."""
    holders = await bot.services.web_auth.access_holders()
    if not holders:
        return
    try:
        members = await fetch_members(guild, holders)
    except (TimeoutError, discord.ClientException) as exc:
        log.warning("dashboard access not reconciled holders=%d error=%r", len(holders), exc)
        return
    for user_id in holders:
        member = members.get(user_id)
        if member is not None:
            await end_unless_organizer(bot, member)
            continue
        ended = await bot.services.web_auth.end_access(user_id, reason="left")
        if ended.sessions or ended.links:
            log.info("dashboard access ended user=%s reason=left", user_id)


class OrganizerAccess(commands.Cog):
    """Ends dashboard access when its owner stops being an organizer."""

    def __init__(self, bot: PodiumBot) -> None:
        self.bot = bot

    def _ours(self, guild: discord.Guild) -> bool:
        return guild.id == self.bot.guild_id

    async def _reconcile(self, guild: discord.Guild) -> None:
        if self._ours(guild):
            await reconcile(self.bot, guild)

    @commands.Cog.listener()
    async def on_ready(self) -> None:
        """Catch up with what changed while the bot was down (every connect)."""
        guild = self.bot.get_guild(self.bot.guild_id)
        if guild is not None:
            await reconcile(self.bot, guild)

    @commands.Cog.listener()
    async def on_member_update(self, before: discord.Member, after: discord.Member) -> None:
        """A member's roles changed: still an organizer?"""
        if not self._ours(after.guild):
            return
        if {r.id for r in before.roles} == {r.id for r in after.roles}:
            return
        await end_unless_organizer(self.bot, after)

    @commands.Cog.listener()
    async def on_raw_member_remove(self, payload: discord.RawMemberRemoveEvent) -> None:
        """Someone who leaves the server is no organizer."""
        if payload.guild_id != self.bot.guild_id:
            return
        ended = await self.bot.services.web_auth.end_access(payload.user.id, reason="left")
        if ended.sessions or ended.links:
            log.info("dashboard access ended user=%s reason=left", payload.user.id)

    @commands.Cog.listener()
    async def on_guild_role_update(self, before: discord.Role, after: discord.Role) -> None:
        """A role lost (or gained) permissions, perhaps Manage Server."""
        if before.permissions != after.permissions:
            await self._reconcile(after.guild)

    @commands.Cog.listener()
    async def on_guild_role_delete(self, role: discord.Role) -> None:
        """The organizer role (or a Manage Server role) may be gone."""
        await self._reconcile(role.guild)

    @commands.Cog.listener()
    async def on_guild_update(self, before: discord.Guild, after: discord.Guild) -> None:
        """A new owner: the old one may have no organizer rights left."""
        if before.owner_id != after.owner_id:
            await self._reconcile(after)
