"""Texts and the confirmation view of `/privacy delete` (cogs/privacy/cog.py)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import discord

from bot.i18n import N_
from bot.interactions import PodiumView, send_ephemeral
from cogs._ui import say
from cogs.cohorts.roles import cohort_roles, set_cohort_role
from cogs.teams.views import after_leaving

if TYPE_CHECKING:
    from bot.app import PodiumBot

log = logging.getLogger(__name__)

EXPORT_READY = N_(
    "Here is everything Podium stores about you, as a JSON file. Keep it private: it "
    "includes your WhatsApp number if you linked one. You can download it again in 10 minutes."
)
DELETE_WARNING = N_(
    "**Erase your personal data from Podium?** This cannot be undone.\n\n"
    "**Erased:** your WhatsApp numbers and consent records (messages to you stop at once), "
    "your name, pending codes, dashboard sessions, survey answers, activity counts, the "
    "texts of your Q&A questions and your RSVPs. You leave your team: captaincy passes to "
    "the longest-standing member, and a team you are the last member of is disbanded.\n\n"
    "**Kept, anonymized:** the points you earned stay with your team without your name; "
    "your votes, submissions and organizer actions stay under an anonymous id so totals do "
    "not change."
)
DELETE_BUTTON = N_("Erase my data")
CANCEL_BUTTON = N_("Cancel")
DELETED = N_(
    "Your personal data was erased. Your points stay with your team, anonymized. If you use "
    "Podium again, it records you as a new member."
)
CANCELLED = N_("Nothing was erased.")
NOT_YOURS = N_("Only the member who ran the command can press these buttons.")

#: How long the Erase / Cancel buttons work.
CONFIRM_TIMEOUT = 120.0


class DeleteConfirmView(PodiumView):
    """A red Erase button and Cancel, for the member who asked only, for 2 minutes."""

    def __init__(self, bot: PodiumBot, *, owner_id: int, locale: str) -> None:
        super().__init__(bot, timeout=CONFIRM_TIMEOUT)
        self.owner_id = owner_id
        erase: discord.ui.Button[DeleteConfirmView] = discord.ui.Button(
            style=discord.ButtonStyle.danger,
            label=bot.catalogs.gettext(locale, DELETE_BUTTON),
            custom_id=f"podium:privacy-delete:{owner_id}",
        )
        cancel: discord.ui.Button[DeleteConfirmView] = discord.ui.Button(
            style=discord.ButtonStyle.secondary,
            label=bot.catalogs.gettext(locale, CANCEL_BUTTON),
            custom_id=f"podium:privacy-cancel:{owner_id}",
        )
        erase.callback = self.erase  # type: ignore[method-assign]
        cancel.callback = self.cancel  # type: ignore[method-assign]
        self.add_item(erase)
        self.add_item(cancel)

    async def interaction_check(self, interaction: discord.Interaction[Any]) -> bool:
        """Only the member who ran ``/privacy delete`` may press."""
        if interaction.user.id == self.owner_id:
            return True
        await send_ephemeral(interaction, say(self.bot, interaction, NOT_YOURS))
        return False

    async def erase(self, interaction: discord.Interaction[Any]) -> None:
        """Erase the member's data, then tidy the Discord side of leaving their team."""
        self.stop()
        await interaction.response.defer(ephemeral=True)
        erasure = await self.bot.services.privacy.delete(
            interaction.user.id, actor_id=interaction.user.id
        )
        try:
            if erasure.team_change is not None:
                await after_leaving(self.bot, erasure.team_change)
            await self._drop_cohort_role(interaction)
        except discord.HTTPException as error:
            log.warning("discord side of an erasure incomplete status=%s", error.status)
        await interaction.edit_original_response(
            content=say(self.bot, interaction, DELETED), view=None
        )

    async def _drop_cohort_role(self, interaction: discord.Interaction[Any]) -> None:
        """The database no longer gives the member a cohort: take the cohort role away now
        (else the start-up drift repair would, and audit it under their id)."""
        guild = interaction.guild
        member = interaction.user
        if guild is None or not isinstance(member, discord.Member):
            return
        role_ids = await cohort_roles(self.bot, guild)
        if set(role_ids.values()).intersection(role.id for role in member.roles):
            await set_cohort_role(guild, member, role_ids, None, reason="privacy erasure")

    async def cancel(self, interaction: discord.Interaction[Any]) -> None:
        """Change nothing."""
        self.stop()
        await interaction.response.edit_message(
            content=say(self.bot, interaction, CANCELLED), view=None
        )
