"""Discord side of teams: reply texts, the info embed, the private team channel and the
disband confirmation button (a DynamicItem, so it works after a restart)."""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Any

import discord

from bot.calendar import discord_timestamp
from bot.i18n import N_
from bot.interactions import CONTINUED, PersistentButton, pack_lines, send_ephemeral
from bot.services.setup import TEAMS_CATEGORY
from bot.services.teams import MembershipChange, Team, TeamDetails
from cogs._ui import member_is_organizer, say

if TYPE_CHECKING:
    from bot.app import PodiumBot

log = logging.getLogger(__name__)

CREATED = N_(
    "Team **{team}** is registered in the {track} track and you are its captain.\n"
    "Invite code: `{code}` — teammates join with /team join and this code."
)
CHANNEL_READY = N_("Your team channel: {channel}")
JOINED = N_("Welcome to **{team}**! You are member {count} of at most {max}.")
LEFT = N_("You left **{team}**.")
LEFT_NEW_CAPTAIN = N_("You left **{team}**. {captain} is the captain now.")
LEFT_DISBANDED = N_("You left **{team}**. You were its last member, so the team is disbanded.")
KICKED = N_("{member} is no longer in **{team}**.")
TRANSFERRED = N_("{member} is now the captain of **{team}**.")
RENAMED = N_("Your team is now called **{team}** (it was {old}).")
INVITE = N_("Invite code of **{team}**: `{code}`")
INVITE_ROTATED = N_("New invite code of **{team}**: `{code}` — the old code no longer works.")
DISBAND_ASK = N_(
    "Disband **{team}**? Its {count} members leave the team and its channel is deleted. "
    "This cannot be undone."
)
DISBAND_BUTTON = N_("Disband the team")
DISBANDED = N_("**{team}** is disbanded.")
MOVED = N_("{member} is now in **{team}**.")
LOCKED = N_("Team registration is locked: nobody can create or join a team until you unlock it.")
ALREADY_LOCKED = N_("Team registration was locked already.")
UNLOCKED = N_("Team registration is open again (the deadline in the configuration still applies).")
NOT_LOCKED = N_("Team registration was not locked.")
INFO_TRACK = N_("Track")
INFO_CAPTAIN = N_("Captain")
INFO_MEMBERS = N_("Members ({count}/{max})")
INFO_COMPLETE = N_("Complete team")
INFO_INCOMPLETE = N_("Needs {missing} more member(s) to be complete")
INFO_CREATED = N_("Registered")
INFO_CODE = N_("Invite code")
INFO_CHANNEL = N_("Channel")
FIELD_VALUE_LIMIT = 1024  # characters in one embed field (Discord refuses more)

VIEW = discord.Permissions(view_channel=True, send_messages=True, read_message_history=True)


def esc(text: str) -> str:
    """User text made inert for markdown."""
    return discord.utils.escape_markdown(text)


def info_embed(
    bot: PodiumBot, interaction: discord.Interaction[Any], details: TeamDetails
) -> discord.Embed:
    """The /team info embed; the invite code only for the team's own members."""
    team, locale = details.team, str(interaction.locale)
    embed = discord.Embed(title=esc(team.name), colour=discord.Colour.blurple())
    track = bot.competition.track(team.track).name.get(locale)
    embed.add_field(name=say(bot, interaction, INFO_TRACK), value=track)
    embed.add_field(name=say(bot, interaction, INFO_CAPTAIN), value=f"<@{team.captain_id}>")
    embed.add_field(
        name=say(bot, interaction, INFO_CREATED), value=discord_timestamp(team.created_at, "F")
    )
    lines = [f"<@{m.user_id}> · {discord_timestamp(m.joined_at, 'R')}" for m in details.members]
    missing = details.min_size - len(details.members)
    state = (
        say(bot, interaction, INFO_COMPLETE)
        if details.complete
        else say(bot, interaction, INFO_INCOMPLETE, missing=missing)
    )
    heading = say(bot, interaction, INFO_MEMBERS, count=len(details.members), max=details.max_size)
    # Every member, up to the largest team the rules allow (50 lines of about 45
    # characters): split across fields of 1,024 characters, never mid-line.
    for number, value in enumerate(pack_lines([*lines, f"*{state}*"], FIELD_VALUE_LIMIT)):
        name = heading if number == 0 else say(bot, interaction, CONTINUED, section=heading)
        embed.add_field(name=name, value=value, inline=False)
    if any(m.user_id == interaction.user.id for m in details.members):
        embed.add_field(name=say(bot, interaction, INFO_CODE), value=f"`{team.invite_code}`")
        if team.channel_id:
            embed.add_field(name=say(bot, interaction, INFO_CHANNEL), value=f"<#{team.channel_id}>")
    return embed


# -- the private team channel ------------------------------------------------------------


def channel_name(team_name: str) -> str:
    """A text-channel name for the team (Discord lowercases and hyphenates it anyway)."""
    slug = re.sub(r"[^\w-]+", "-", team_name.casefold()).strip("-")
    return ("team-" + slug)[:90] or "team"


async def create_team_channel(bot: PodiumBot, guild: discord.Guild, team: Team) -> int | None:
    """Create the team's private channel (members see it through member overwrites, no
    role per team) and record it; None when the config says no or Discord refused."""
    if not bot.competition.teams.private_channels:
        return None
    category_id = (await bot.services.setup.resource_ids()).get(TEAMS_CATEGORY)
    category = guild.get_channel(category_id) if category_id else None
    overwrites: dict[Any, discord.PermissionOverwrite] = {
        guild.default_role: discord.PermissionOverwrite(view_channel=False),
        discord.Object(id=team.captain_id): discord.PermissionOverwrite.from_pair(
            VIEW, discord.Permissions.none()
        ),
    }
    if guild.me is not None:
        overwrites[guild.me] = discord.PermissionOverwrite(
            view_channel=True, send_messages=True, manage_channels=True
        )
    try:
        channel = await guild.create_text_channel(
            channel_name(team.name),
            category=category if isinstance(category, discord.CategoryChannel) else None,
            overwrites=overwrites,
            reason=f"Podium team {team.id}",
        )
    except discord.HTTPException as exc:
        log.warning("team channel not created team=%s status=%s", team.id, exc.status)
        return None
    await bot.services.teams.set_channel(team_id=team.id, channel_id=channel.id)
    return channel.id


async def sync_channel_member(
    bot: PodiumBot, channel_id: int | None, user_id: int, *, present: bool
) -> None:
    """Give (``present``) or take a member's view of the team channel; logs failures."""
    if not channel_id:
        return
    try:
        if present:
            await bot.http.edit_channel_permissions(
                channel_id, user_id, str(VIEW.value), "0", 1, reason="Podium team member"
            )
        else:
            await bot.http.delete_channel_permissions(
                channel_id, user_id, reason="Podium team member left"
            )
    except discord.HTTPException as exc:
        log.warning(
            "team channel overwrite failed channel=%s user=%s status=%s",
            channel_id,
            user_id,
            exc.status,
        )


async def delete_team_channel(bot: PodiumBot, channel_id: int | None) -> None:
    """Delete a disbanded team's channel (already gone is fine)."""
    if not channel_id:
        return
    try:
        await bot.http.delete_channel(channel_id, reason="Podium team disbanded")
    except discord.HTTPException as exc:
        log.warning("team channel not deleted channel=%s status=%s", channel_id, exc.status)


async def after_leaving(bot: PodiumBot, change: MembershipChange) -> None:
    """Channel side of someone leaving: their overwrite goes, or the whole channel."""
    if change.disbanded:
        await delete_team_channel(bot, change.team.channel_id)
    else:
        await sync_channel_member(bot, change.team.channel_id, change.user_id, present=False)


# -- disband confirmation ---------------------------------------------------------------


class DisbandButton(PersistentButton, template=r"podium:team-disband:(?P<team>\d+)"):
    """Confirms /team disband; the captain (or an organizer) presses it."""

    def __init__(self, team_id: int, label: str = "Disband") -> None:
        super().__init__(
            custom_id=f"podium:team-disband:{team_id}",
            label=label,
            style=discord.ButtonStyle.danger,
        )
        self.team_id = team_id

    @classmethod
    def from_match(cls, match: re.Match[str]) -> DisbandButton:
        """The button of the team in the custom id."""
        return cls(int(match["team"]))

    async def pressed(self, bot: PodiumBot, interaction: discord.Interaction[Any]) -> None:
        """Disband the team and delete its channel."""
        organizer = isinstance(interaction.user, discord.Member) and await member_is_organizer(
            bot, interaction.user
        )
        result = await bot.services.teams.disband(
            actor_id=interaction.user.id, team_id=self.team_id, as_organizer=organizer
        )
        await delete_team_channel(bot, result.team.channel_id)
        await send_ephemeral(
            interaction, say(bot, interaction, DISBANDED, team=esc(result.team.name))
        )
