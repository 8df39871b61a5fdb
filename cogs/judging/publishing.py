"""Publishing a round's results: the Publish / Cancel decision that survives restarts, and
the post sent once through the publisher (again after a crash left it unsent)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import discord

from bot.i18n import N_
from bot.interactions import interaction_locale, send_ephemeral
from bot.services.judging import AlreadyPublished
from cogs._ui import ConfirmCancelButton, esc, tr

if TYPE_CHECKING:
    from bot.app import PodiumBot

PUBLISH_ASK = N_(
    "Publish the results of round #{id} **{name}**? The results post goes to the gallery and "
    "placing points to the ledger, once. This cannot be undone."
)
PUBLISH_CONFIRM = N_("Publish")
PUBLISHED = N_("Round #{id} **{name}** is published: the results are posted.")
PUBLISH_CANCELLED = N_("Not published: round #{id} stays closed.")


class PublishButton(ConfirmCancelButton, prefix="judging-publish"):
    """Confirm or cancel publishing a round's results."""

    async def confirmed(self, bot: PodiumBot, interaction: discord.Interaction[Any]) -> None:
        """Publish once: ledger, then the results post through the publisher."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        round_id = int(self.subject)
        try:
            results, publications = await bot.services.judging.publish(
                actor_id=interaction.user.id, round_id=round_id
            )
        except AlreadyPublished:
            # A process that died between the commit and the post left it unsent: the
            # journal's key makes this a no-op when the post is already in the gallery.
            await bot.publisher.publish(await bot.services.judging.results_posts(round_id))
            raise
        await bot.publisher.publish(publications)
        round_ = results.round
        text = tr(
            bot, interaction_locale(interaction), PUBLISHED, id=round_.id, name=esc(round_.name)
        )
        await send_ephemeral(interaction, text)

    async def cancelled(self, bot: PodiumBot, interaction: discord.Interaction[Any]) -> None:
        """Keep the round closed and unpublished."""
        text = tr(bot, interaction_locale(interaction), PUBLISH_CANCELLED, id=self.subject)
        await interaction.response.edit_message(content=text, view=None)
