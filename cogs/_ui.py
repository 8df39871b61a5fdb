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


def manages_server(member: discord.Member) -> bool:
    """True with the Manage Server or Administrator permission (the server owner has both)."""
    permissions = member.guild_permissions
    return permissions.manage_guild or permissions.administrator


async def member_is_organizer(bot: PodiumBot, member: discord.Member) -> bool:
    """True with the organizer role `/admin setup` recorded (by id, never by name) or the
    Manage Server permission; before setup, only Manage Server (``GuildSetupService``)."""
    return await bot.services.setup.is_organizer(
        role_ids={role.id for role in member.roles}, manages_server=manages_server(member)
    )


async def ensure_organizer(interaction: discord.Interaction[Any]) -> bool:
    """App-command check: raise ``NotOrganizer`` unless the invoker is an organizer."""
    member = interaction.user
    if interaction.guild is None or not isinstance(member, discord.Member):
        raise DomainCheckFailure(GuildOnly())
    if not await member_is_organizer(interaction.client, member):
        raise DomainCheckFailure(NotOrganizer())
    return True


organizer_only = app_commands.check(ensure_organizer)
