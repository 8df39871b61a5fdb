"""Activity counting (SPEC §3.8): messages and interactions in the competition server are
counted per member per day (never their content), flushed every 30 seconds and on
shutdown; after each competition week the week-over-week drop check posts alerts to the
organizers' channel."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord
from discord.ext import commands, tasks

from bot.calendar import next_week, week_by_key
from bot.i18n import N_
from bot.scheduler import Job
from bot.services.activity import DROP_CHECK_JOB, DropAlert
from cogs._posting import send_once
from cogs._ui import resource_channel

if TYPE_CHECKING:
    from bot.app import PodiumBot

log = logging.getLogger(__name__)

#: Seconds between flushes of the in-memory counters (a crash loses at most this much).
FLUSH_SECONDS = 30

DROP_ALERT = N_(
    "Activity alert: in week {week}, weekly actives in {cohort} fell by {percent}% "
    "({previous} → {actives} members)."
)
NO_COHORT = N_("members without a cohort")


def cohort_label(bot: PodiumBot, locale: str, key: str) -> str:
    """The cohort's display name in ``locale`` ("" means members without a cohort)."""
    if not key:
        return bot.catalogs.gettext(locale, NO_COHORT)
    for cohort in bot.competition.cohorts:
        if cohort.key == key:
            return cohort.name.get(locale)
    return key


class ActivityCog(commands.Cog):
    """Feeds ActivityService and runs the weekly drop check."""

    def __init__(self, bot: PodiumBot) -> None:
        self.bot = bot
        self.activity = bot.services.activity

    async def cog_load(self) -> None:
        """Observe interactions, register the drop check, make sure this week's is pending,
        start flushing."""
        self.bot.interaction_observers.append(self.count_interaction)
        self.bot.services.scheduler.register(DROP_CHECK_JOB, self._drop_check)
        await self.schedule_drop_check(self.activity.current_week().key)
        unposted = await self.activity.unposted_alerts()
        if unposted:
            # Claimed by a process that stopped before recording the post: post them now
            # (once the gateway is ready), with the nonce of their post claim.
            self.bot.spawn(self._post_alerts(unposted), name="drop-alerts-unposted")
        self.flush_loop.start()

    async def cog_unload(self) -> None:
        """Stop the loop and write what is buffered (also runs when the bot closes)."""
        self.flush_loop.cancel()
        self.bot.services.scheduler.unregister(DROP_CHECK_JOB)
        if self.count_interaction in self.bot.interaction_observers:
            self.bot.interaction_observers.remove(self.count_interaction)
        try:
            await self.activity.flush()
        except Exception:
            log.exception("activity flush at shutdown failed")

    @tasks.loop(seconds=FLUSH_SECONDS)
    async def flush_loop(self) -> None:
        """Write the buffered counts; a failure keeps them for the next round."""
        try:
            written = await self.activity.flush()
        except Exception:
            log.exception("activity flush failed; counts kept for the next flush")
            return
        if written:
            log.debug("activity flushed rows=%d", written)

    # -- counting -----------------------------------------------------------------------
    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        """Count a member's message in the competition server (not its content)."""
        if message.guild is None or message.guild.id != self.bot.guild_id:
            return
        if message.author.bot or message.webhook_id is not None:
            return
        self.activity.record(message.author.id, "message")

    def count_interaction(self, interaction: discord.Interaction[PodiumBot]) -> None:
        """Count a member's command, button or form (autocomplete typing is not counted).
        An interaction observer (a plain call as the interaction arrives, not a listener:
        no task per interaction)."""
        if interaction.guild_id != self.bot.guild_id or interaction.user.bot:
            return
        if interaction.type is discord.InteractionType.autocomplete:
            return
        self.activity.record(interaction.user.id, "interaction")

    # -- drop alert ---------------------------------------------------------------------
    async def schedule_drop_check(self, week_key: str) -> None:
        """Make the check of ``week_key`` pending at the week's end (idempotent)."""
        competition = self.bot.competition.competition
        week = week_by_key(week_key, competition.tz, competition.week_start_index)
        key, when = self.activity.drop_check_key(week)
        await self.bot.services.scheduler.schedule(DROP_CHECK_JOB, key, when, {"week": week.key})

    async def _drop_check(self, job: Job) -> None:
        week_key = str(job.payload["week"])
        alerts = await self.activity.check_drop(week_key)
        competition = self.bot.competition.competition
        following = next_week(
            week_by_key(week_key, competition.tz, competition.week_start_index), competition.tz
        )
        await self.schedule_drop_check(following.key)
        if alerts:
            # Claimed already (at most once); posting waits for the gateway at start.
            self.bot.spawn(self._post_alerts(alerts), name=f"drop-alerts-{week_key}")

    def alert_text(self, alert: DropAlert) -> str:
        """The alert as posted to the organizers' channel (the competition's language)."""
        locale = self.bot.competition.competition.default_locale
        return self.bot.catalogs.gettext(
            locale,
            DROP_ALERT,
            cohort=cohort_label(self.bot, locale, alert.cohort),
            percent=alert.drop_percent,
            week=alert.week_key,
            previous=alert.previous_actives,
            actives=alert.actives,
        )

    async def _post_alerts(self, alerts: list[DropAlert]) -> None:
        await self.bot.wait_until_ready()
        channel = await resource_channel(self.bot, "channel:organizers")
        posts = self.bot.services.posts
        for alert in alerts:
            if channel is None:
                log.warning("drop alert not posted: no organizers channel (run /admin setup)")
                await self.activity.alert_posted(alert.id, message_id=None)
                continue
            delivery = await posts.claim(f"drop-alert:{alert.id}")
            if not delivery.to_send:
                continue  # posted already, or being posted by another task right now
            try:
                sent = await send_once(
                    self.bot,
                    channel,
                    delivery,
                    content=self.alert_text(alert),
                    allowed_mentions=discord.AllowedMentions.none(),
                )
            except discord.HTTPException as exc:
                log.warning("drop alert not posted id=%s status=%s", alert.id, exc.status)
                await self.activity.alert_posted(alert.id, message_id=None)
                await posts.finish(delivery, channel_id=channel.id, error=f"Discord {exc.status}")
                continue
            # The alert first: once it is recorded, no later start looks at it again.
            await self.activity.alert_posted(alert.id, message_id=sent.id)
            await posts.finish(delivery, channel_id=channel.id, message_id=sent.id)
