"""`/feedback`: a team reads the judges' comments on its entries, without the judges'
names, once a round is published and the organizers share comments."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.i18n import N_
from bot.interactions import interaction_locale, pack_lines, send_ephemeral
from bot.services.judging import Round
from cogs._ui import esc, tr

if TYPE_CHECKING:
    from bot.app import PodiumBot

NO_TEAM = N_("You are not in a team, so there is no judges' feedback for you.")
NOT_SHARED = N_("The organizers do not share the judges' comments in this competition.")
NONE_YET = N_(
    "No judges' comments for your team yet: they appear here once a round's results are published."
)
TITLE = N_("Judges' feedback for {team}")
ROUND_HEADING = N_("**{round}** (round {ordinal})")
FOOTER = N_("Comments are shown without the judges' names.")
MORE = N_("… and {count} more comments")

#: Room for the description, leaving space for the "… and N more" line.
_DESCRIPTION_ROOM = 3900


def feedback_embed(
    bot: PodiumBot, locale: str, team: str, found: list[tuple[Round, list[str]]]
) -> discord.Embed:
    """The comments, round by round, quoted and escaped, within the embed's limits."""
    lines: list[str] = []
    total = sum(len(comments) for _, comments in found)
    shown = 0
    for round_, comments in found:
        lines.append(tr(bot, locale, ROUND_HEADING, round=esc(round_.name), ordinal=round_.ordinal))
        for comment in comments:
            lines.append("> " + esc(" ".join(comment.split()))[:1000])
            shown += 1
    description = pack_lines(lines, _DESCRIPTION_ROOM)[0]
    kept = sum(1 for line in description.split("\n") if line.startswith("> "))
    if kept < shown:
        description += "\n" + tr(bot, locale, MORE, count=total - kept)
    embed = discord.Embed(
        title=tr(bot, locale, TITLE, team=esc(team)),
        description=description,
        colour=discord.Colour.blurple(),
    )
    embed.set_footer(text=tr(bot, locale, FOOTER))
    return embed


class FeedbackCog(commands.Cog):
    """Teams read the judges' comments on their entries."""

    def __init__(self, bot: PodiumBot) -> None:
        self.bot = bot

    @app_commands.command(
        name="feedback", description="The judges' comments on your team's entries"
    )
    @app_commands.guild_only()
    async def feedback(self, interaction: discord.Interaction[PodiumBot]) -> None:
        """Privately, in the member's language."""
        locale = interaction_locale(interaction)
        services = self.bot.services
        team = await services.teams.team_of(interaction.user.id)
        if team is None:
            await send_ephemeral(interaction, tr(self.bot, locale, NO_TEAM))
            return
        if not services.judging.config.share_comments:
            await send_ephemeral(interaction, tr(self.bot, locale, NOT_SHARED))
            return
        found = await services.judging.team_feedback(team.id)
        if not found:
            await send_ephemeral(interaction, tr(self.bot, locale, NONE_YET))
            return
        await send_ephemeral(interaction, embed=feedback_embed(self.bot, locale, team.name, found))
