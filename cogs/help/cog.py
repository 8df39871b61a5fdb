"""`/help`: a localized overview of the commands this member may use."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.i18n import N_
from bot.interactions import CONTINUED, interaction_locale, pack_lines, send_ephemeral
from cogs._ui import member_is_organizer

if TYPE_CHECKING:
    from bot.app import PodiumBot

TITLE = N_("Podium commands")
INTRO = N_("Here is what you can do in {competition}. Every reply to you is private.")
ORGANIZER_SECTION = N_("Organizer commands")
PARTICIPANT_SECTION = N_("Your commands")
FOOTER = N_("Times are shown in your own timezone. Organizers set things up with /admin setup.")

#: Discord's embed limits (a field's value, a field's name, fields per embed, one embed).
FIELD_VALUE_LIMIT = 1024
FIELD_NAME_LIMIT = 256
FIELDS_PER_EMBED = 25
EMBED_LIMIT = 6000


def help_embeds(
    *, title: str, intro: str, fields: list[tuple[str, str]], footer: str
) -> list[discord.Embed]:
    """The help pages: every field, in order, on as many embeds as Discord's limits need
    (25 fields and 6,000 characters each); the title and intro on the first, the footer on
    the last."""
    embeds = [discord.Embed(title=title, description=intro, colour=discord.Colour.blurple())]
    size = len(title) + len(intro)
    for name, value in fields:
        name = name[:FIELD_NAME_LIMIT]
        grown = size + len(name) + len(value) + len(footer)
        if len(embeds[-1].fields) >= FIELDS_PER_EMBED or grown > EMBED_LIMIT:
            embeds.append(discord.Embed(colour=discord.Colour.blurple()))
            size = 0
        embeds[-1].add_field(name=name, value=value, inline=False)
        size += len(name) + len(value)
    embeds[-1].set_footer(text=footer)
    return embeds


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
        sections = [(bot.catalogs.gettext(locale, PARTICIPANT_SECTION), participant or ["—"])]
        if is_organizer and organizer:
            sections.append((bot.catalogs.gettext(locale, ORGANIZER_SECTION), organizer))
        fields = [
            (name if number == 0 else bot.catalogs.gettext(locale, CONTINUED, section=name), value)
            for name, lines in sections
            for number, value in enumerate(pack_lines(lines, FIELD_VALUE_LIMIT))
        ]
        embeds = help_embeds(
            title=bot.catalogs.gettext(locale, TITLE),
            intro=bot.catalogs.gettext(
                locale,
                INTRO,
                competition=discord.utils.escape_markdown(bot.competition.competition.name),
            ),
            fields=fields,
            footer=bot.catalogs.gettext(locale, FOOTER),
        )
        # One embed per message: Discord counts 6,000 characters across a message's embeds.
        for embed in embeds:
            await send_ephemeral(interaction, embed=embed)
