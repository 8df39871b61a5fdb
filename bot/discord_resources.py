"""Discord side of server setup: read a guild's roles and channels, create missing ones."""

from __future__ import annotations

import logging

import discord

from bot.services.setup import (
    CATEGORY,
    CHANNEL,
    ORGANIZER_ROLE,
    ROLE,
    DesiredResource,
    ExistingResource,
)

log = logging.getLogger(__name__)


def existing_resources(guild: discord.Guild) -> list[ExistingResource]:
    """The guild's roles, categories and text channels as plain values."""
    found = [
        ExistingResource(ROLE, role.name, role.id) for role in guild.roles if not role.is_default()
    ]
    found += [ExistingResource(CATEGORY, c.name, c.id) for c in guild.categories]
    found += [ExistingResource(CHANNEL, c.name, c.id) for c in guild.text_channels]
    return found


def _overwrites(
    guild: discord.Guild, resource: DesiredResource, ids: dict[str, int]
) -> dict[discord.Role | discord.Member | discord.Object, discord.PermissionOverwrite]:
    overwrites: dict[
        discord.Role | discord.Member | discord.Object, discord.PermissionOverwrite
    ] = {}
    if resource.visible_to:
        overwrites[guild.default_role] = discord.PermissionOverwrite(view_channel=False)
        for key in resource.visible_to:
            role_id = ids.get(key)
            if role_id is not None:
                overwrites[discord.Object(id=role_id, type=discord.Role)] = (
                    discord.PermissionOverwrite(
                        view_channel=True, send_messages=not resource.read_only
                    )
                )
    elif resource.read_only:
        overwrites[guild.default_role] = discord.PermissionOverwrite(send_messages=False)
        organizer = ids.get(ORGANIZER_ROLE)
        if organizer is not None:
            overwrites[discord.Object(id=organizer, type=discord.Role)] = (
                discord.PermissionOverwrite(send_messages=True)
            )
    if overwrites and guild.me is not None:
        # The bot must keep seeing and posting in every channel it creates.
        overwrites[guild.me] = discord.PermissionOverwrite(
            view_channel=True, send_messages=True, embed_links=True, attach_files=True
        )
    return overwrites


async def create_resource(
    guild: discord.Guild, resource: DesiredResource, ids: dict[str, int], *, reason: str
) -> int:
    """Create one role, category or text channel; returns its id.

    ``ids`` maps resource keys to Discord ids created or found so far, for parents and
    permission overwrites (so create parents and roles first).
    """
    if resource.kind == ROLE:
        role = await guild.create_role(
            name=resource.name, mentionable=resource.mentionable, reason=reason
        )
        return role.id
    overwrites = _overwrites(guild, resource, ids)
    if resource.kind == CATEGORY:
        category = await guild.create_category(resource.name, overwrites=overwrites, reason=reason)
        return category.id
    parent_id = ids.get(resource.parent_key) if resource.parent_key else None
    parent = guild.get_channel(parent_id) if parent_id else None
    channel = await guild.create_text_channel(
        resource.name,
        category=parent if isinstance(parent, discord.CategoryChannel) else None,
        overwrites=overwrites,
        reason=reason,
    )
    return channel.id


async def repair_mentionable(
    guild: discord.Guild, found: list[tuple[DesiredResource, int]], *, reason: str
) -> None:
    """Make the existing roles Podium pings mentionable (cohort roles made before, or by
    hand). A role the bot may not change (its role is below it, or it lacks Manage Roles)
    is logged; its pings then notify only if the bot holds Mention Everyone."""
    for resource, role_id in found:
        role = guild.get_role(role_id) if resource.kind == ROLE else None
        if role is None or not resource.mentionable or role.mentionable:
            continue
        try:
            await role.edit(mentionable=True, reason=reason)
        except discord.HTTPException as exc:
            log.warning("role not made mentionable role=%s status=%s", role_id, exc.status)
