"""Scheduled jobs that belong to the core (not to one capability): the nightly maintenance
and the notice to organizers of jobs missed while the bot was down."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING

import discord

from bot.calendar import discord_timestamp
from bot.i18n import N_
from bot.scheduler import Job
from bot.services import maintenance
from bot.services.publications import Publication
from cogs._publisher import Rendered, Renderer

if TYPE_CHECKING:
    from bot.app import PodiumBot

log = logging.getLogger(__name__)

#: job kinds whose missed runs are not announced to organizers (they catch up by themselves)
SILENT_WHEN_MISSED = frozenset({maintenance.JOB_KIND})
#: The publication kind of the missed-jobs notice in the organizers' channel.
MISSED_PUBLICATION = "core.missed-jobs"

MISSED_NOTICE = N_("These scheduled jobs were missed while the bot was offline and were not run:")


def missed_notice_key(missed: Sequence[Job]) -> str:
    """The journal key of one start-up's notice: ``missed-jobs:<lowest id>-<highest id>:
    <count>`` of the jobs it lists. A job is marked missed once, so two start-ups never list
    the same job, and two sets without a common job never share their lowest id."""
    ids = sorted(job.id for job in missed)
    return f"missed-jobs:{ids[0]}-{ids[-1]}:{len(ids)}"


class MissedNoticeRenderer(Renderer):
    """The list of missed jobs (at most 20, then a count), pinging no one."""

    def __init__(self, bot: PodiumBot) -> None:
        super().__init__()
        self.bot = bot

    async def render(
        self, publication: Publication, channel: discord.abc.Messageable
    ) -> Rendered | None:
        """The notice in the competition's language."""
        missed: list[Job] = publication.data
        locale = self.bot.competition.competition.default_locale
        lines = [self.bot.catalogs.gettext(locale, MISSED_NOTICE)]
        lines += [f"• `{job.key}` ({discord_timestamp(job.run_at)})" for job in missed[:20]]
        if len(missed) > 20:
            lines.append(f"… +{len(missed) - 20}")
        return Rendered(
            content="\n".join(lines),
            kwargs={"allowed_mentions": discord.AllowedMentions.none()},
        )

    async def no_channel(self, publication: Publication) -> None:
        """Logged: the notice is not made."""
        log.warning("missed jobs not announced: no organizers channel (run /admin setup)")


def register_core_jobs(bot: PodiumBot) -> None:
    """Register the nightly maintenance job and the missed-job notice to organizers."""
    services = bot.services
    bot.publisher.register(MISSED_PUBLICATION, MissedNoticeRenderer(bot))

    async def tell_organizers(missed: list[Job]) -> None:
        # Internal housekeeping is no news to organizers: a missed night simply runs the next
        # night (ensure_core_jobs), so only jobs they scheduled or expect are announced.
        missed = [job for job in missed if job.kind not in SILENT_WHEN_MISSED]
        if not missed:
            return
        # The scheduler is rebuilt in setup_hook, before the gateway delivers the guild: the
        # publisher waits for it in the background.
        notice = Publication(
            missed_notice_key(missed), MISSED_PUBLICATION, missed, resource="channel:organizers"
        )
        bot.spawn(bot.publisher.publish([notice]), name="missed-jobs-notice")

    services.scheduler.register(maintenance.JOB_KIND, services.maintenance.run_job)
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
