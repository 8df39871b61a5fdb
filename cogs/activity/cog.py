"""Activity counting (SPEC §3.8): messages and interactions in the competition server are
counted per member per day (never their content), flushed every 30 seconds and on
shutdown; after each competition week the week-over-week drop check posts alerts to the
organizers' channel."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord
from discord.ext import commands, tasks

from bot.i18n import N_
from bot.services.activity import ALERT_PUBLICATION, DROP_CHECK_JOB, DropAlert
from bot.services.publications import Publication
from cogs._publisher import Rendered, Renderer

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


class AlertRenderer(Renderer):
    """A drop alert's post in the organizers' channel; the alert is marked posted (with its
    message, or none when it could not go) so no later start posts it again."""

    def __init__(self, bot: PodiumBot) -> None:
        super().__init__()
        self.bot = bot

    def text(self, alert: DropAlert) -> str:
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

    async def render(
        self, publication: Publication, channel: discord.abc.Messageable
    ) -> Rendered | None:
        """The alert's text, pinging no one."""
        return Rendered(
            content=self.text(publication.data),
            kwargs={"allowed_mentions": discord.AllowedMentions.none()},
        )

    async def no_channel(self, publication: Publication) -> None:
        """Logged, and the alert is given up (no message)."""
        log.warning("drop alert not posted: no organizers channel (run /admin setup)")
        await self.bot.services.activity.alert_posted(publication.data.id, message_id=None)

    async def failed(self, publication: Publication, exc: Exception) -> None:
        """Logged, and the alert is given up (no message)."""
        status = exc.status if isinstance(exc, discord.HTTPException) else None
        log.warning("drop alert not posted id=%s status=%s", publication.data.id, status)
        await self.bot.services.activity.alert_posted(publication.data.id, message_id=None)

    async def posted(
        self, publication: Publication, message_id: int, *, recovered: bool = False
    ) -> None:
        """The alert first: once it is recorded, no later start looks at it again."""
        await self.bot.services.activity.alert_posted(publication.data.id, message_id=message_id)


class ActivityCog(commands.Cog):
    """Feeds ActivityService and runs the weekly drop check."""

    def __init__(self, bot: PodiumBot) -> None:
        self.bot = bot
        self.activity = bot.services.activity
        #: How a drop alert's post looks (registered with the publisher at load).
        self.alerts = AlertRenderer(bot)

    async def cog_load(self) -> None:
        """Observe interactions, register the drop check, make sure this week's is pending,
        start flushing."""
        self.bot.interaction_observers.append(self.count_interaction)
        self.bot.publisher.register(ALERT_PUBLICATION, self.alerts)
        scheduler = self.bot.services.scheduler
        scheduler.register(DROP_CHECK_JOB, self.activity.run_drop_check)
        pending = self.activity.drop_check_run(self.activity.current_week().key)
        await scheduler.schedule(pending.kind, pending.key, pending.when, pending.payload)
        unposted = await self.activity.unposted_alerts() if self.bot.role.jobs else []
        if unposted:
            # Claimed by a process that stopped before recording the post: post them now
            # (once the gateway is ready), with the nonce of their post claim.
            self.bot.spawn(self._post_alerts(unposted), name="drop-alerts-unposted")
        self.flush_loop.start()

    async def cog_unload(self) -> None:
        """Stop the loop and write what is buffered (also runs when the bot closes)."""
        self.flush_loop.cancel()
        self.bot.services.scheduler.unregister(DROP_CHECK_JOB)
        self.bot.publisher.unregister(ALERT_PUBLICATION)
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
    def alert_text(self, alert: DropAlert) -> str:
        """The alert as posted to the organizers' channel (the competition's language)."""
        return self.alerts.text(alert)

    async def _post_alerts(self, alerts: list[DropAlert]) -> None:
        # Each alert once: the publisher claims it, sends it with the claim's nonce and
        # records it; posting waits for the gateway.
        await self.bot.publisher.publish(self.activity.alert_publications(alerts))
