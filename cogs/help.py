"""`/help`: a localized overview of the commands this member may use."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.i18n import N_
from bot.interactions import interaction_locale, send_ephemeral
from cogs._checks import member_is_organizer

if TYPE_CHECKING:
    from bot.app import PodiumBot

TITLE = N_("Podium commands")
INTRO = N_("Here is what you can do in {competition}. Every reply to you is private.")
ORGANIZER_SECTION = N_("Organizer commands")
PARTICIPANT_SECTION = N_("Your commands")
FOOTER = N_("Times are shown in your own timezone. Organizers set things up with /admin setup.")


def _leaves(
    command: app_commands.Command[Any, ..., Any] | app_commands.Group,
    inherited_organizer: bool = False,
) -> list[tuple[app_commands.Command[Any, ..., Any], bool]]:
    organizer = inherited_organizer or bool(command.extras.get("organizer"))
    if isinstance(command, app_commands.Group):
        leaves: list[tuple[app_commands.Command[Any, ..., Any], bool]] = []
        for child in command.commands:
            leaves += _leaves(child, organizer)
        return leaves
    return [(command, organizer)]


class HelpCog(commands.Cog):
    """The help command."""

    def __init__(self, bot: PodiumBot) -> None:
        self.bot = bot

    @app_commands.command(name="help", description="Show what you can do with Podium")
    @app_commands.guild_only()
    async def help(self, interaction: discord.Interaction[PodiumBot]) -> None:
        """List the commands the member may use, organizer ones only for organizers."""
        bot = self.bot
        locale = interaction_locale(interaction)
        is_organizer = isinstance(interaction.user, discord.Member) and await member_is_organizer(
            bot, interaction.user
        )
        participant: list[str] = []
        organizer: list[str] = []
        for top in sorted(
            bot.tree.get_commands(guild=discord.Object(bot.guild_id)), key=lambda c: c.name
        ):
            if not isinstance(top, app_commands.Command | app_commands.Group):
                continue
            for command, organizer_only in _leaves(top):
                description = bot.catalogs.gettext(locale, command.description)
                line = f"{bot.command_mention(command)} — {description}"
                (organizer if organizer_only else participant).append(line)
        embed = discord.Embed(
            title=bot.catalogs.gettext(locale, TITLE),
            description=bot.catalogs.gettext(
                locale,
                INTRO,
                competition=discord.utils.escape_markdown(bot.competition.competition.name),
            ),
            colour=discord.Colour.blurple(),
        )
        embed.add_field(
            name=bot.catalogs.gettext(locale, PARTICIPANT_SECTION),
            value="\n".join(participant)[:1024] or "—",
            inline=False,
        )
        if is_organizer and organizer:
            embed.add_field(
                name=bot.catalogs.gettext(locale, ORGANIZER_SECTION),
                value="\n".join(organizer)[:1024],
                inline=False,
            )
        embed.set_footer(text=bot.catalogs.gettext(locale, FOOTER))
        await send_ephemeral(interaction, embed=embed)


async def setup(bot: PodiumBot) -> None:
    """Load the cog (discord.py extension entry point)."""
    await bot.add_cog(HelpCog(bot))
