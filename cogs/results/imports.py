"""`/results import` (organizers): a store export or daily totals file checked into a
preview with Apply / Discard buttons (a mixin of ``ResultsCog``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.interactions import interaction_locale
from bot.services.results import MAX_RESULTS_BYTES, ResultsFileTooLarge
from cogs._ui import ORGANIZER_ONLY, organizer_only
from cogs.results.groups import results
from cogs.results.views import preview_embed, preview_view

if TYPE_CHECKING:
    from bot.app import PodiumBot


class ImportCommands(commands.Cog):
    """``/results import`` (a base of ``ResultsCog``: the ``/results`` group binds its
    subcommands to the cog instance)."""

    bot: PodiumBot

    async def _platforms(
        self, interaction: discord.Interaction[PodiumBot], current: str
    ) -> list[app_commands.Choice[str]]:
        wanted = current.strip().casefold()
        names = [n for n in self.bot.competition.results.platforms if wanted in n.casefold()]
        return [app_commands.Choice(name=name, value=name) for name in names[:25]]

    async def _teams(
        self, interaction: discord.Interaction[PodiumBot], current: str
    ) -> list[app_commands.Choice[str]]:
        found = await self.bot.services.points.search_teams(current, limit=25)
        return [app_commands.Choice(name=name[:100], value=name) for _id, name in found]

    @results.command(
        name="import",
        description="Import a store's orders or daily totals (CSV or XLSX)",
        extras=ORGANIZER_ONLY,
    )
    @app_commands.describe(
        file="The store's export: CSV (UTF-8) or Excel .xlsx",
        platform="The store platform whose column names the file uses",
        team="The team whose store this is (leave empty when the file has a team column)",
    )
    @organizer_only
    async def import_results(
        self,
        interaction: discord.Interaction[PodiumBot],
        file: discord.Attachment,
        platform: str,
        team: str | None = None,
    ) -> None:
        """Check the file and show a preview with Apply / Discard buttons (organizers)."""
        locale = interaction_locale(interaction)
        # Refused before downloading anything.
        if file.size > MAX_RESULTS_BYTES:
            raise ResultsFileTooLarge(size=MAX_RESULTS_BYTES // (1024 * 1024))
        await interaction.response.defer(ephemeral=True, thinking=True)
        data = await file.read()
        summary = await self.bot.services.results.preview(
            actor_id=interaction.user.id,
            platform=platform,
            filename=file.filename,
            data=data,
            team=team,
        )
        await interaction.followup.send(
            embed=preview_embed(self.bot, summary, locale),
            view=preview_view(self.bot, summary, locale),
            ephemeral=True,
        )

    import_results.autocomplete("platform")(_platforms)
    import_results.autocomplete("team")(_teams)
