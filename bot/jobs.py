"""Scheduled jobs that belong to the core (not to one capability)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord

from bot.calendar import discord_timestamp
from bot.i18n import N_
from bot.scheduler import Job
from bot.services import maintenance

if TYPE_CHECKING:
    from bot.app import PodiumBot

log = logging.getLogger(__name__)

#: job kinds whose missed runs are not announced to organizers (they catch up by themselves)
SILENT_WHEN_MISSED = frozenset({maintenance.JOB_KIND})

MISSED_NOTICE = N_("These scheduled jobs were missed while the bot was offline and were not run:")


def register_core_jobs(bot: PodiumBot) -> None:
    """Register the nightly maintenance job and the missed-job notice to organizers."""
    services = bot.services

    async def run_maintenance(job: Job) -> None:
        await services.maintenance.run()
        key, when = services.maintenance.next_run(after=job.run_at)
        await services.scheduler.schedule(maintenance.JOB_KIND, key, when)

    async def tell_organizers(missed: list[Job]) -> None:
        # Internal housekeeping is no news to organizers: a missed night simply runs the next
        # night (ensure_core_jobs), so only jobs they scheduled or expect are announced.
        missed = [job for job in missed if job.kind not in SILENT_WHEN_MISSED]
        if not missed:
            return
        # The scheduler is rebuilt in setup_hook, before the gateway delivers the guild.
        bot.spawn(post_missed_notice(missed), name="missed-jobs-notice")

    async def post_missed_notice(missed: list[Job]) -> None:
        await bot.wait_until_ready()
        channel_id = (await services.setup.resource_ids()).get("channel:organizers")
        channel = bot.get_channel(channel_id) if channel_id else None
        if not isinstance(channel, discord.TextChannel):
            log.warning("missed jobs not announced: no organizers channel (run /admin setup)")
            return
        locale = bot.competition.competition.default_locale
        lines = [bot.catalogs.gettext(locale, MISSED_NOTICE)]
        lines += [f"• `{job.key}` ({discord_timestamp(job.run_at)})" for job in missed[:20]]
        if len(missed) > 20:
            lines.append(f"… +{len(missed) - 20}")
        await channel.send("\n".join(lines), allowed_mentions=discord.AllowedMentions.none())

    services.scheduler.register(maintenance.JOB_KIND, run_maintenance)
    services.scheduler.on_missed(tell_organizers)


async def ensure_core_jobs(bot: PodiumBot) -> None:
    """Make sure the next nightly maintenance is pending (idempotent, run at start).

    A night whose key is already used (its run was done, missed or cancelled) is skipped
    for the following one, so a missed night never stops the nightly chain.
    """
    services = bot.services
    after = services.clock.now()
    for _ in range(7):
        key, when = services.maintenance.next_run(after=after)
        row = await services.scheduler.schedule(maintenance.JOB_KIND, key, when)
        if row.status == "pending":
            return
        after = when
    log.warning("could not schedule nightly maintenance: the next seven nights are taken")
