"""`/broadcast schedule|now|list|cancel|status` (SPEC §3.6), and how an occurrence's post looks."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.i18n import N_
from bot.interactions import fit_name, interaction_locale, send_ephemeral
from bot.services.broadcasts import JOB_KIND, PUBLICATION, Occurrence
from bot.services.publications import Publication
from cogs._publisher import Rendered, Renderer
from cogs._ui import ORGANIZER_ONLY, organizer_only
from cogs.broadcast.views import list_embed, status_embed

if TYPE_CHECKING:
    from bot.app import PodiumBot

log = logging.getLogger(__name__)

SCHEDULED = N_("Broadcast #{id} scheduled for {when} ({audience}, {channels}).")
CANCELLED = N_("Broadcast #{id} cancelled; nothing more of it will go out.")


class OccurrenceRenderer(Renderer):
    """An occurrence's Discord post: its message, pinging no one."""

    async def render(
        self, publication: Publication, channel: discord.abc.Messageable
    ) -> Rendered | None:
        """The broadcast's text as written."""
        occurrence: Occurrence = publication.data
        return Rendered(
            content=occurrence.message,
            kwargs={"allowed_mentions": discord.AllowedMentions.none()},
        )

    async def no_channel(self, publication: Publication) -> None:
        """Logged; the other channels still get theirs."""
        log.warning("broadcast channel missing key=%s (run /admin setup)", publication.resource)


CHANNEL_CHOICES = [
    app_commands.Choice(name="Discord", value="discord"),
    app_commands.Choice(name="WhatsApp", value="whatsapp"),
    app_commands.Choice(name="Discord + WhatsApp", value="both"),
]


class BroadcastCog(commands.Cog):
    """Organizer announcements to Discord channels and WhatsApp subscribers."""

    broadcast = app_commands.Group(
        name="broadcast",
        description="Announcements to Discord and WhatsApp",
        guild_only=True,
        extras=ORGANIZER_ONLY,
    )

    def __init__(self, bot: PodiumBot) -> None:
        self.bot = bot

    async def cog_load(self) -> None:
        """Register the occurrence job and its renderer, and make sure every next occurrence
        has its job."""
        self.bot.publisher.register(PUBLICATION, OccurrenceRenderer())
        self.bot.services.scheduler.register(JOB_KIND, self.bot.services.broadcasts.run_job)
        await self.bot.services.broadcasts.ensure_jobs()

    # -- commands -------------------------------------------------------------------------
    async def _audiences(
        self, interaction: discord.Interaction[PodiumBot], current: str
    ) -> list[app_commands.Choice[str]]:
        wanted = current.casefold()
        # A choice name over 100 characters makes Discord refuse the whole answer: a long
        # cohort or track name is shortened, its key always shown.
        return [
            app_commands.Choice(
                name=fit_name(f"{{}} ({value})".format, label, str, 100), value=value
            )
            for value, label in self.bot.services.broadcasts.audiences()
            if wanted in value or wanted in label.casefold()
        ][:25]

    async def _scheduled(
        self, interaction: discord.Interaction[PodiumBot], **kwargs: object
    ) -> None:
        info = await self.bot.services.broadcasts.schedule(
            actor_id=interaction.user.id,
            **kwargs,  # type: ignore[arg-type]
        )
        when = f"<t:{int(info.next_run_at.timestamp())}:F>" if info.next_run_at else "—"
        await send_ephemeral(
            interaction,
            self.bot.catalogs.gettext(
                interaction_locale(interaction),
                SCHEDULED,
                id=info.id,
                when=when,
                audience=info.audience,
                channels=info.channels,
            ),
        )

    @broadcast.command(name="schedule", description="Schedule an announcement")
    @app_commands.describe(
        message="The text to send",
        when="YYYY-MM-DD HH:MM in the competition timezone",
        audience="all, a cohort or a track",
        channels="Where it goes",
        repeat="Cron expression in the competition timezone, e.g. 0 9 * * 1",
        template="WhatsApp template Content SID (HX…) for subscribers outside the window",
    )
    @app_commands.autocomplete(audience=_audiences)
    @app_commands.choices(channels=CHANNEL_CHOICES)
    @organizer_only
    async def schedule(
        self,
        interaction: discord.Interaction[PodiumBot],
        message: str,
        when: str,
        audience: str,
        channels: app_commands.Choice[str],
        repeat: str | None = None,
        template: str | None = None,
    ) -> None:
        """Schedule a broadcast (optionally repeating)."""
        await self._scheduled(
            interaction,
            message=message,
            when=when,
            audience=audience,
            channels=channels.value,
            repeat=repeat,
            template=template,
        )

    @broadcast.command(name="now", description="Send an announcement now")
    @app_commands.describe(message="The text to send", audience="all, a cohort or a track")
    @app_commands.autocomplete(audience=_audiences)
    @app_commands.choices(channels=CHANNEL_CHOICES)
    @organizer_only
    async def now(
        self,
        interaction: discord.Interaction[PodiumBot],
        message: str,
        audience: str,
        channels: app_commands.Choice[str],
    ) -> None:
        """Send a broadcast at once (through the same durable job as a scheduled one)."""
        await self._scheduled(
            interaction, message=message, when=None, audience=audience, channels=channels.value
        )

    @broadcast.command(name="list", description="Show scheduled broadcasts")
    @organizer_only
    async def list_(self, interaction: discord.Interaction[PodiumBot]) -> None:
        """The broadcasts still to come."""
        items = await self.bot.services.broadcasts.list_scheduled()
        embed = list_embed(self.bot.catalogs, interaction_locale(interaction), items)
        await send_ephemeral(interaction, embed=embed)

    @broadcast.command(name="cancel", description="Cancel a scheduled broadcast")
    @app_commands.describe(id="The broadcast number from /broadcast list")
    @organizer_only
    async def cancel(self, interaction: discord.Interaction[PodiumBot], id: int) -> None:
        """Cancel the occurrences still to come."""
        await self.bot.services.broadcasts.cancel(actor_id=interaction.user.id, broadcast_id=id)
        await send_ephemeral(
            interaction,
            self.bot.catalogs.gettext(interaction_locale(interaction), CANCELLED, id=id),
        )

    @broadcast.command(name="status", description="Delivery counts of a broadcast")
    @app_commands.describe(id="The broadcast number")
    @organizer_only
    async def status(self, interaction: discord.Interaction[PodiumBot], id: int) -> None:
        """Per-channel counts: queued, sent, delivered, read, failed, skipped (opted out)."""
        result = await self.bot.services.broadcasts.status(id)
        embed = status_embed(self.bot.catalogs, interaction_locale(interaction), result)
        await send_ephemeral(interaction, embed=embed)
