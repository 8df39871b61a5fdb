"""`/capacity status` for organizers, and the capacity jobs, renderers and buttons.

The commands teams use (`/team withdraw`, `/team checkin`) live in the `/team` group
(``cogs.teams``) and call the capacity service; the buttons and DMs are here."""

from __future__ import annotations

import functools
import logging
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.calendar import discord_timestamp
from bot.i18n import N_
from bot.interactions import interaction_locale, send_ephemeral
from bot.services.capacity import (
    CHECKIN_CLOSE_JOB,
    CHECKIN_OPEN_JOB,
    CHECKIN_REMIND_JOB,
    NOTICE_PUBLICATION,
    OFFER_LAPSE_JOB,
    OFFER_NOTICE_JOB,
    OFFER_PUBLICATION,
    CapacityStatus,
)
from cogs._ui import ORGANIZER_ONLY, organizer_only, tr
from cogs.capacity import views as v

if TYPE_CHECKING:
    from bot.app import PodiumBot

log = logging.getLogger(__name__)

STATUS_TITLE = N_("Places and waitlist")
STATUS_TRACK = N_(
    "Places taken: {taken} of {cap}\nWaitlist: {waitlisted}\nOpen offers: {offered}\n"
    "Checked in: {checked_in}\nOut (withdrawn, declined, lapsed, missed check-in): {released}"
)
NO_CAP = N_("no cap")
CHECKIN_WINDOW = N_("Check-in: {opens} to {closes}")
NO_CHECKIN = N_("No check-in is configured.")
JOBS = (
    (OFFER_LAPSE_JOB, "run_lapse"),
    (CHECKIN_OPEN_JOB, "run_checkin_open"),
    (CHECKIN_REMIND_JOB, "run_checkin_remind"),
    (CHECKIN_CLOSE_JOB, "run_checkin_close"),
)


def status_embed(bot: PodiumBot, locale: str, status: CapacityStatus) -> discord.Embed:
    """The organizers' figures: one field per track (at most 25 tracks exist)."""
    embed = discord.Embed(title=tr(bot, locale, STATUS_TITLE), colour=discord.Colour.blurple())
    if status.checkin_opens and status.checkin_closes:
        embed.description = tr(
            bot,
            locale,
            CHECKIN_WINDOW,
            opens=discord_timestamp(status.checkin_opens, "f"),
            closes=discord_timestamp(status.checkin_closes, "f"),
        )
    else:
        embed.description = tr(bot, locale, NO_CHECKIN)
    for track in status.tracks[:25]:
        embed.add_field(
            name=bot.competition.track(track.track).name.get(locale)[:256],
            value=tr(
                bot,
                locale,
                STATUS_TRACK,
                taken=track.taken,
                cap=track.cap if track.cap is not None else tr(bot, locale, NO_CAP),
                waitlisted=track.waitlisted,
                offered=track.offered,
                checked_in=track.checked_in,
                released=track.released,
            ),
            inline=False,
        )
    return embed


class CapacityCog(commands.Cog):
    """Places per track, the waitlist and check-in."""

    capacity = app_commands.Group(
        name="capacity", description="Places per track and the waitlist", guild_only=True
    )

    def __init__(self, bot: PodiumBot) -> None:
        self.bot = bot

    async def cog_load(self) -> None:
        """Register the jobs, renderers and buttons; schedule the check-in; repair what a
        crash or downtime left behind (posting in the background once ready)."""
        services = self.bot.services
        wording = v.offer_wording(self.bot)
        self.bot.publisher.register(OFFER_PUBLICATION, v.OfferRenderer(self.bot))
        self.bot.publisher.register(NOTICE_PUBLICATION, v.NoticeRenderer(self.bot))
        services.scheduler.register(
            OFFER_NOTICE_JOB, functools.partial(services.capacity.run_offer_notice, wording=wording)
        )
        for kind, method in JOBS:
            services.scheduler.register(kind, getattr(services.capacity, method))
        self.bot.add_dynamic_items(v.OfferButton, v.CheckinButton, v.WithdrawButton)
        await services.capacity.ensure_jobs()
        posts = await services.capacity.catch_up(wording) if self.bot.role.jobs else ()
        if posts:
            self.bot.spawn(self.bot.publisher.publish(list(posts)), name="capacity-catch-up")

    async def cog_unload(self) -> None:
        """Forget the jobs and renderers (their rows stay pending)."""
        for kind in (OFFER_NOTICE_JOB, *(kind for kind, _method in JOBS)):
            self.bot.services.scheduler.unregister(kind)
        self.bot.publisher.unregister(OFFER_PUBLICATION)
        self.bot.publisher.unregister(NOTICE_PUBLICATION)

    @capacity.command(
        name="status",
        description="Places, waitlist, open offers and check-ins per track (organizer)",
        extras=ORGANIZER_ONLY,
    )
    @organizer_only
    async def status(self, interaction: discord.Interaction[PodiumBot]) -> None:
        """Show every track's figures."""
        status = await self.bot.services.capacity.status()
        locale = interaction_locale(interaction)
        await send_ephemeral(interaction, embed=status_embed(self.bot, locale, status))
