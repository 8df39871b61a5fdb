"""`/lfg`: the team finder (issue 18). Thin: parse, call the service, render."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.interactions import interaction_locale, send_ephemeral
from bot.services.lfg import Filters
from bot.services.teams import UnknownTrack
from cogs._ui import say
from cogs.lfg import invites as i
from cogs.lfg import views as v

if TYPE_CHECKING:
    from bot.app import PodiumBot

#: A filter or track as typed: Discord refuses longer text, so pages stay within limits.
Option = app_commands.Range[str, 1, 100]


class LfgCog(commands.Cog):
    """Free agents' cards, browsing them, invites."""

    lfg = app_commands.Group(
        name="lfg", description="The team finder: members looking for a team", guild_only=True
    )

    def __init__(self, bot: PodiumBot) -> None:
        self.bot = bot

    async def cog_load(self) -> None:
        """Renderers of the invite DMs; Accept / Decline work after a restart."""
        self.bot.publisher.register(i.INVITE_KIND, i.InviteRenderer(self.bot))
        self.bot.publisher.register(i.ANSWER_KIND, i.AnswerRenderer(self.bot))
        self.bot.add_dynamic_items(i.AnswerButton)

    async def cog_unload(self) -> None:
        """Forget the renderers."""
        self.bot.publisher.unregister(i.INVITE_KIND)
        self.bot.publisher.unregister(i.ANSWER_KIND)
        self.bot.remove_dynamic_items(i.AnswerButton)

    @lfg.command(name="post", description="Publish or update your card: you look for a team")
    @app_commands.describe(track="The track you want to compete in")
    async def post(self, interaction: discord.Interaction[PodiumBot], track: Option) -> None:
        """Open the card form (prefilled with the current card), for members without a team."""
        if track not in self.bot.competition.track_keys:
            raise UnknownTrack(track=track[:30], tracks=", ".join(self.bot.competition.track_keys))
        card = await self.bot.services.lfg.check_can_post(interaction.user.id)
        await interaction.response.send_modal(
            v.CardModal(self.bot, interaction_locale(interaction), track, card)
        )

    @lfg.command(name="remove", description="Take your card out of the team finder")
    async def remove(self, interaction: discord.Interaction[PodiumBot]) -> None:
        """Delete the member's card."""
        await self.bot.services.lfg.remove(user_id=interaction.user.id)
        await send_ephemeral(interaction, say(self.bot, interaction, v.REMOVED))

    @lfg.command(name="browse", description="Find members looking for a team, and invite them")
    @app_commands.describe(
        track="Only cards for this track",
        skill="Only cards listing this skill",
        language="Only cards listing this language",
        timezone="Only cards within a few hours of this timezone",
    )
    async def browse(
        self,
        interaction: discord.Interaction[PodiumBot],
        track: Option | None = None,
        skill: Option | None = None,
        language: Option | None = None,
        timezone: Option | None = None,
    ) -> None:
        """The first page of matching cards; a captain gets an Invite button per card."""
        filters = Filters(track=track, skill=skill, language=language, timezone=timezone)
        page = await self.bot.services.lfg.browse(filters)
        team = await self.bot.services.teams.team_of(interaction.user.id)
        locale = interaction_locale(interaction)
        view = v.BrowseView(
            self.bot,
            owner_id=interaction.user.id,
            page=page,
            locale=locale,
            captain=team is not None and team.captain_id == interaction.user.id,
        )
        await send_ephemeral(interaction, embed=v.page_embed(self.bot, locale, page), view=view)

    @lfg.command(name="invites", description="See and answer the invites teams sent you")
    async def invites(self, interaction: discord.Interaction[PodiumBot]) -> None:
        """The member's waiting invites with Accept / Decline."""
        await i.show_invites(self.bot, interaction)

    # -- autocomplete --------------------------------------------------------------------

    @post.autocomplete("track")
    @browse.autocomplete("track")
    async def _track_choices(
        self, interaction: discord.Interaction[Any], current: str
    ) -> list[app_commands.Choice[str]]:
        locale = str(interaction.locale)
        return [
            app_commands.Choice(name=t.name.get(locale)[:100], value=t.key)
            for t in self.bot.competition.tracks
            if current.casefold() in (t.key + t.name.get(locale).casefold())
        ][:25]

    @browse.autocomplete("skill")
    async def _skill_choices(
        self, _interaction: discord.Interaction[Any], current: str
    ) -> list[app_commands.Choice[str]]:
        tags = await self.bot.services.lfg.tag_choices("skill", current)
        return [app_commands.Choice(name=tag[:100], value=tag[:100]) for tag in tags]

    @browse.autocomplete("language")
    async def _language_choices(
        self, _interaction: discord.Interaction[Any], current: str
    ) -> list[app_commands.Choice[str]]:
        tags = await self.bot.services.lfg.tag_choices("language", current)
        return [app_commands.Choice(name=tag[:100], value=tag[:100]) for tag in tags]

    @browse.autocomplete("timezone")
    async def _timezone_choices(
        self, _interaction: discord.Interaction[Any], current: str
    ) -> list[app_commands.Choice[str]]:
        zones = await self.bot.services.lfg.timezone_choices(current)
        return [app_commands.Choice(name=label[:100], value=value) for label, value in zones]
