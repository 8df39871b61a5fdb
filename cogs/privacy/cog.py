"""`/privacy export|delete`: a member downloads or erases their own data (SPEC §3.8).

Both replies are ephemeral: the export holds the member's own phone number in full.
"""

from __future__ import annotations

import io
import json
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.interactions import interaction_locale, send_ephemeral
from cogs._ui import say
from cogs.privacy.views import DELETE_WARNING, EXPORT_READY, DeleteConfirmView

if TYPE_CHECKING:
    from bot.app import PodiumBot


class PrivacyCog(commands.Cog):
    """A member's own data: export and erasure."""

    privacy = app_commands.Group(
        name="privacy", description="Your data: download it or erase it", guild_only=True
    )

    def __init__(self, bot: PodiumBot) -> None:
        self.bot = bot

    @privacy.command(name="export", description="Download everything Podium stores about you")
    async def export(self, interaction: discord.Interaction[PodiumBot]) -> None:
        """Send the member their data as ``podium-data-<id>.json`` (once per 10 minutes)."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        user_id = interaction.user.id
        data = await self.bot.services.privacy.export(user_id)
        body = json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8")
        file = discord.File(io.BytesIO(body), filename=f"podium-data-{user_id}.json")
        await send_ephemeral(interaction, say(self.bot, interaction, EXPORT_READY), file=file)

    @privacy.command(name="delete", description="Erase your personal data from Podium")
    async def delete(self, interaction: discord.Interaction[PodiumBot]) -> None:
        """Say what is erased and what stays, with Erase and Cancel buttons."""
        view = DeleteConfirmView(
            self.bot, owner_id=interaction.user.id, locale=interaction_locale(interaction)
        )
        await send_ephemeral(interaction, say(self.bot, interaction, DELETE_WARNING), view=view)
