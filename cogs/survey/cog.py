"""`/survey nps-post|nps-results` (organizers, SPEC §3.8) and the persistent 0-10 buttons."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.errors import GuildOnly
from bot.i18n import N_
from bot.interactions import interaction_locale, send_ephemeral
from cogs._ui import ORGANIZER_ONLY, organizer_only
from cogs.survey.views import (
    DEFAULT_QUESTION,
    NpsButton,
    results_embed,
    survey_embed,
    survey_view,
)

if TYPE_CHECKING:
    from bot.app import PodiumBot

log = logging.getLogger(__name__)

POSTED = N_("Survey #{id} is posted in {channel}. See the score with /survey nps-results.")
CANNOT_POST = N_(
    "I cannot post in this channel. Give my role the View Channel and Send Messages "
    "permissions here, or run the command in another channel."
)


class SurveyCog(commands.Cog):
    """NPS surveys."""

    survey = app_commands.Group(
        name="survey", description="Member surveys", guild_only=True, extras=ORGANIZER_ONLY
    )

    def __init__(self, bot: PodiumBot) -> None:
        self.bot = bot

    async def cog_load(self) -> None:
        """Answer presses on every survey ever posted, also after a restart."""
        self.bot.add_dynamic_items(NpsButton)

    @survey.command(name="nps-post", description="Post a 0-10 recommendation survey here")
    @app_commands.describe(question="The question (default: how likely to recommend us)")
    @organizer_only
    async def nps_post(
        self,
        interaction: discord.Interaction[PodiumBot],
        question: app_commands.Range[str, 1, 300] | None = None,
    ) -> None:
        """Create the survey, post it with its buttons in this channel, confirm privately."""
        channel = interaction.channel
        if interaction.guild is None:
            raise GuildOnly()
        locale = interaction_locale(interaction)
        if not isinstance(channel, discord.abc.GuildChannel) or not isinstance(
            channel, discord.abc.Messageable
        ):
            await send_ephemeral(interaction, self.bot.catalogs.gettext(locale, CANNOT_POST))
            return
        public = self.bot.competition.competition.default_locale
        text = question or self.bot.catalogs.gettext(
            public, DEFAULT_QUESTION, competition=self.bot.competition.competition.name
        )
        services = self.bot.services
        survey = await services.surveys.create(
            actor_id=interaction.user.id, question=text, channel_id=channel.id
        )
        try:
            message = await channel.send(
                embed=survey_embed(self.bot, survey, public),
                view=survey_view(survey.id),
                allowed_mentions=discord.AllowedMentions.none(),
            )
        except discord.HTTPException as exc:
            log.warning("survey not posted id=%s status=%s", survey.id, exc.status)
            await services.surveys.discard(survey.id)
            await send_ephemeral(interaction, self.bot.catalogs.gettext(locale, CANNOT_POST))
            return
        await services.surveys.posted(survey.id, channel_id=channel.id, message_id=message.id)
        await send_ephemeral(
            interaction,
            self.bot.catalogs.gettext(locale, POSTED, id=survey.id, channel=channel.mention),
        )

    @survey.command(name="nps-results", description="Show a survey's NPS and its answers")
    @app_commands.describe(survey="Which survey (default: the latest)")
    @organizer_only
    async def nps_results(
        self, interaction: discord.Interaction[PodiumBot], survey: int | None = None
    ) -> None:
        """NPS = % promoters − % detractors, with the counts and the distribution."""
        results = await self.bot.services.surveys.results(survey)
        locale = interaction_locale(interaction)
        await send_ephemeral(interaction, embed=results_embed(self.bot, results, locale))

    @nps_results.autocomplete("survey")
    async def _survey_choices(
        self, interaction: discord.Interaction[PodiumBot], current: str
    ) -> list[app_commands.Choice[int]]:
        typed = current.strip().lstrip("#").casefold()
        choices = []
        for item in await self.bot.services.surveys.recent(limit=25):
            name = f"#{item.id} {item.question}"
            if typed and typed not in name.casefold():
                continue
            choices.append(app_commands.Choice(name=name[:100], value=item.id))
        return choices
