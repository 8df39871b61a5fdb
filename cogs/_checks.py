"""Checks shared by the cogs: organizer-only commands, checked in the bot itself."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands

from bot.errors import GuildOnly, NotOrganizer
from bot.interactions import DomainCheckFailure

if TYPE_CHECKING:
    from bot.app import PodiumBot

#: Put in a command's ``extras`` so /help can hide it from participants.
ORGANIZER_ONLY = {"organizer": True}


async def member_is_organizer(bot: PodiumBot, member: discord.Member) -> bool:
    """True with the organizer role (recorded id or configured name) or Manage Server."""
    if member.guild_permissions.manage_guild or member.guild_permissions.administrator:
        return True
    organizer_id = (await bot.services.setup.resource_ids()).get("role:organizer")
    wanted = bot.competition.roles.organizer.casefold()
    return any(role.id == organizer_id or role.name.casefold() == wanted for role in member.roles)


async def ensure_organizer(interaction: discord.Interaction[Any]) -> bool:
    """App-command check: raise ``NotOrganizer`` unless the invoker is an organizer."""
    member = interaction.user
    if interaction.guild is None or not isinstance(member, discord.Member):
        raise DomainCheckFailure(GuildOnly())
    if not await member_is_organizer(interaction.client, member):
        raise DomainCheckFailure(NotOrganizer())
    return True


organizer_only = app_commands.check(ensure_organizer)
