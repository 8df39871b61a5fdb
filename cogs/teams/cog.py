"""`/team`: registration and team management (SPEC §3.1). Thin: parse, call, render."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.errors import GuildOnly, NotOrganizer
from bot.interactions import DomainCheckFailure, send_ephemeral
from cogs._ui import ORGANIZER_ONLY, member_is_organizer, organizer_only, say
from cogs.capacity import views as capacity_views
from cogs.cohorts.roles import apply_assignment
from cogs.teams import views as v

if TYPE_CHECKING:
    from bot.app import PodiumBot

log = logging.getLogger(__name__)


class TeamCog(commands.Cog):
    """Teams and tracks."""

    team = app_commands.Group(
        name="team", description="Register and manage your team", guild_only=True
    )

    def __init__(self, bot: PodiumBot) -> None:
        self.bot = bot

    async def cog_load(self) -> None:
        """Make disband confirmations work after a restart."""
        self.bot.add_dynamic_items(v.DisbandButton)

    def _say(self, interaction: discord.Interaction[Any], message: str, **params: Any) -> str:
        return say(self.bot, interaction, message, **params)

    async def _entry_cohort(self, interaction: discord.Interaction[Any]) -> None:
        """A member without a cohort gets the one their team's points reach."""
        assignment = await self.bot.services.cohorts.ensure_cohort(
            user_id=interaction.user.id, display_name=interaction.user.display_name
        )
        if assignment is not None and interaction.guild is not None:
            await apply_assignment(self.bot, interaction.guild, assignment)

    @team.command(name="create", description="Register a new team; you become its captain")
    @app_commands.describe(
        name="Team name, 2-32 characters", track="The track your team competes in"
    )
    async def create(
        self, interaction: discord.Interaction[PodiumBot], name: str, track: str
    ) -> None:
        """Register a team, open its private channel when configured, show the invite code."""
        if interaction.guild is None:
            raise GuildOnly()
        await interaction.response.defer(ephemeral=True, thinking=True)
        team = await self.bot.services.teams.create(
            user_id=interaction.user.id, name=name, track=track
        )
        locale = str(interaction.locale)
        text = self._say(
            interaction,
            v.CREATED,
            team=v.esc(team.name),
            track=self.bot.competition.track(team.track).name.get(locale),
            code=team.invite_code,
        )
        channel_id = await v.create_team_channel(self.bot, interaction.guild, team)
        if channel_id:
            text += "\n" + self._say(interaction, v.CHANNEL_READY, channel=f"<#{channel_id}>")
        standing = await self.bot.services.capacity.standing(team.id)
        if standing is not None and standing.status == "waitlisted":
            text += "\n" + capacity_views.standing_text(self.bot, locale, standing)
        await self._entry_cohort(interaction)
        await send_ephemeral(interaction, text)

    @create.autocomplete("track")
    async def _track_choices(
        self, interaction: discord.Interaction[Any], current: str
    ) -> list[app_commands.Choice[str]]:
        locale = str(interaction.locale)
        return [
            app_commands.Choice(name=t.name.get(locale), value=t.key)
            for t in self.bot.competition.tracks
            if current.casefold() in (t.key + t.name.get(locale).casefold())
        ][:25]

    @team.command(name="join", description="Join a team with its invite code")
    @app_commands.describe(code="The invite code your captain gave you")
    @app_commands.checks.cooldown(5, 60.0, key=lambda i: i.user.id)
    async def join(self, interaction: discord.Interaction[PodiumBot], code: str) -> None:
        """Join by invite code; the new member sees the team channel."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        change = await self.bot.services.teams.join(user_id=interaction.user.id, code=code)
        await v.sync_channel_member(
            self.bot, change.team.channel_id, interaction.user.id, present=True
        )
        await self._entry_cohort(interaction)
        await send_ephemeral(
            interaction,
            self._say(
                interaction,
                v.JOINED,
                team=v.esc(change.team.name),
                count=len(change.remaining),
                max=self.bot.competition.teams.max_size,
            ),
        )

    @team.command(name="leave", description="Leave your team")
    async def leave(self, interaction: discord.Interaction[PodiumBot]) -> None:
        """Leave; captaincy passes on, or the team is disbanded when it was the last member."""
        change = await self.bot.services.teams.leave(user_id=interaction.user.id)
        name = v.esc(change.team.name)
        if change.disbanded:
            text = self._say(interaction, v.LEFT_DISBANDED, team=name)
        elif change.new_captain_id:
            text = self._say(
                interaction, v.LEFT_NEW_CAPTAIN, team=name, captain=f"<@{change.new_captain_id}>"
            )
        else:
            text = self._say(interaction, v.LEFT, team=name)
        await v.after_leaving(self.bot, change)
        await send_ephemeral(interaction, text)

    @team.command(name="info", description="Show a team: track, captain, members")
    @app_commands.describe(team="The team to show (default: yours)")
    async def info(
        self, interaction: discord.Interaction[PodiumBot], team: str | None = None
    ) -> None:
        """Show a team (one's own by default)."""
        teams = self.bot.services.teams
        if team is None:
            details = await teams.details_of_member(interaction.user.id)
        else:
            details = await teams.details((await teams.resolve(team)).id)
        embed = v.info_embed(self.bot, interaction, details)
        standing = await self.bot.services.capacity.standing(details.team.id)
        if standing is not None:
            embed.add_field(
                name=self._say(interaction, capacity_views.STANDING_LABEL),
                value=capacity_views.standing_text(self.bot, str(interaction.locale), standing),
            )
        await send_ephemeral(interaction, embed=embed)

    @info.autocomplete("team")
    async def _team_choices(
        self, interaction: discord.Interaction[Any], current: str
    ) -> list[app_commands.Choice[str]]:
        found = await self.bot.services.teams.search(current)
        return [app_commands.Choice(name=c.name, value=str(c.team_id)) for c in found]

    @team.command(name="kick", description="Remove a member from your team (captain)")
    @app_commands.describe(member="The member to remove")
    async def kick(
        self, interaction: discord.Interaction[PodiumBot], member: discord.Member
    ) -> None:
        """The captain removes a member; they lose the team channel."""
        change = await self.bot.services.teams.kick(
            captain_id=interaction.user.id, member_id=member.id
        )
        await v.after_leaving(self.bot, change)
        await send_ephemeral(
            interaction,
            self._say(interaction, v.KICKED, member=member.mention, team=v.esc(change.team.name)),
        )

    @team.command(name="transfer", description="Make another member the captain (captain)")
    @app_commands.describe(member="The new captain")
    async def transfer(
        self, interaction: discord.Interaction[PodiumBot], member: discord.Member
    ) -> None:
        """Hand captaincy to a member of the team."""
        team = await self.bot.services.teams.transfer(
            captain_id=interaction.user.id, member_id=member.id
        )
        await send_ephemeral(
            interaction,
            self._say(interaction, v.TRANSFERRED, member=member.mention, team=v.esc(team.name)),
        )

    @team.command(name="rename", description="Rename your team (captain)")
    @app_commands.describe(name="The new name, 2-32 characters")
    async def rename(self, interaction: discord.Interaction[PodiumBot], name: str) -> None:
        """Rename the team (and its channel)."""
        team, old = await self.bot.services.teams.rename(captain_id=interaction.user.id, name=name)
        await send_ephemeral(
            interaction, self._say(interaction, v.RENAMED, team=v.esc(team.name), old=v.esc(old))
        )
        channel = self.bot.get_channel(team.channel_id) if team.channel_id else None
        if isinstance(channel, discord.TextChannel):
            try:
                await channel.edit(name=v.channel_name(team.name), reason="Podium team renamed")
            except discord.HTTPException as exc:
                log.warning("team channel not renamed team=%s status=%s", team.id, exc.status)

    @team.command(name="invite", description="Show your team's invite code, or rotate it (captain)")
    @app_commands.describe(rotate="Replace the code with a new one; the old one stops working")
    async def invite(
        self, interaction: discord.Interaction[PodiumBot], rotate: bool = False
    ) -> None:
        """Show or rotate the invite code, in inline code so it copies cleanly."""
        team = await self.bot.services.teams.invite(captain_id=interaction.user.id, rotate=rotate)
        message = v.INVITE_ROTATED if rotate else v.INVITE
        await send_ephemeral(
            interaction,
            self._say(interaction, message, team=v.esc(team.name), code=team.invite_code),
        )

    @team.command(
        name="disband", description="Disband your team (captain), or any team (organizer)"
    )
    @app_commands.describe(team="Organizers: the team to disband")
    async def disband(
        self, interaction: discord.Interaction[PodiumBot], team: str | None = None
    ) -> None:
        """Ask for confirmation with a button; the button does the disbanding."""
        teams = self.bot.services.teams
        team_id = None
        if team is not None:
            member = interaction.user
            if not (
                isinstance(member, discord.Member) and await member_is_organizer(self.bot, member)
            ):
                raise DomainCheckFailure(NotOrganizer())
            team_id = (await teams.resolve(team)).id
        details = await teams.disband_preview(
            actor_id=interaction.user.id, team_id=team_id, as_organizer=team_id is not None
        )
        view = discord.ui.View(timeout=None)
        view.add_item(v.DisbandButton(details.team.id, self._say(interaction, v.DISBAND_BUTTON)))
        await send_ephemeral(
            interaction,
            self._say(
                interaction,
                v.DISBAND_ASK,
                team=v.esc(details.team.name),
                count=len(details.members),
            ),
            view=view,
        )

    disband.autocomplete("team")(_team_choices)

    @team.command(
        name="withdraw", description="Give up your team's place or waitlist entry (captain)"
    )
    async def withdraw(self, interaction: discord.Interaction[PodiumBot]) -> None:
        """Ask for confirmation with a button; the button withdraws the team."""
        team, standing = await self.bot.services.capacity.withdraw_preview(
            captain_id=interaction.user.id
        )
        text, view = capacity_views.withdraw_prompt(
            self.bot, interaction, team.id, team.name, standing.status == "waitlisted"
        )
        await send_ephemeral(interaction, text, view=view)

    @team.command(name="checkin", description="Confirm your team takes part (captain)")
    async def checkin(self, interaction: discord.Interaction[PodiumBot]) -> None:
        """Check the team in during the check-in window."""
        team = await self.bot.services.capacity.checkin(user_id=interaction.user.id)
        await send_ephemeral(
            interaction, self._say(interaction, capacity_views.CHECKED_IN, team=v.esc(team.name))
        )

    @team.command(
        name="admin-move",
        description="Move a member into a team (organizer)",
        extras=ORGANIZER_ONLY,
    )
    @app_commands.describe(member="The member to move", team="The team to move them into")
    @organizer_only
    async def admin_move(
        self, interaction: discord.Interaction[PodiumBot], member: discord.Member, team: str
    ) -> None:
        """Move a member (out of their team, into another); their channel access follows."""
        teams = self.bot.services.teams
        target = await teams.resolve(team)
        moved = await teams.admin_move(
            actor_id=interaction.user.id, member_id=member.id, team_id=target.id
        )
        if moved.left is not None:
            await v.after_leaving(self.bot, moved.left)
        await v.sync_channel_member(self.bot, moved.joined.team.channel_id, member.id, present=True)
        await send_ephemeral(
            interaction,
            self._say(interaction, v.MOVED, member=member.mention, team=v.esc(target.name)),
        )

    admin_move.autocomplete("team")(_team_choices)

    @team.command(
        name="admin-lock",
        description="Stop team creation and joining (organizer)",
        extras=ORGANIZER_ONLY,
    )
    @organizer_only
    async def admin_lock(self, interaction: discord.Interaction[PodiumBot]) -> None:
        """Lock registration for the season."""
        changed = await self.bot.services.teams.lock_registration(actor_id=interaction.user.id)
        await send_ephemeral(
            interaction, self._say(interaction, v.LOCKED if changed else v.ALREADY_LOCKED)
        )

    @team.command(
        name="admin-unlock",
        description="Allow team creation and joining again (organizer)",
        extras=ORGANIZER_ONLY,
    )
    @organizer_only
    async def admin_unlock(self, interaction: discord.Interaction[PodiumBot]) -> None:
        """Unlock registration (the configured deadline still applies)."""
        changed = await self.bot.services.teams.unlock_registration(actor_id=interaction.user.id)
        await send_ephemeral(
            interaction, self._say(interaction, v.UNLOCKED if changed else v.NOT_LOCKED)
        )

    @commands.Cog.listener()
    async def on_raw_member_remove(self, payload: discord.RawMemberRemoveEvent) -> None:
        """A member left the server: they leave their team (audited by the service)."""
        if payload.guild_id != self.bot.guild_id:
            return
        change = await self.bot.services.teams.member_left_server(user_id=payload.user.id)
        if change is not None:
            log.info(
                "member left server user=%s team=%s disbanded=%s",
                payload.user.id,
                change.team.id,
                change.disbanded,
            )
            await v.after_leaving(self.bot, change)
