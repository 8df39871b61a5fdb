"""Discord side of Q&A notices and events: the reminder, start and cancellation jobs, and
the Discord scheduled event of each session.

A notice goes to the first channel of each audience cohort, mentioning only those cohorts'
roles (the one place Podium pings), to the cohorts' WhatsApp subscribers through the outbox,
and by DM to members who RSVP'd. Each Discord delivery is claimed in the journal of posts
(job key and target) first and sent with a nonce from its row (``cogs._posting.send_once``), so a
job re-run after a crash posts nothing twice, even when the crash came between Discord
accepting the post and the bot recording it.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord

from bot.calendar import discord_timestamp
from bot.i18n import N_
from bot.scheduler import Job
from bot.services.posts import target_key
from bot.services.qa import (
    CANCEL_JOB,
    CANCELLED,
    REMINDER,
    REMINDER_JOB,
    START,
    START_JOB,
    Notice,
    Session,
)
from cogs._posting import send_once
from cogs._ui import esc as safe
from cogs.qa.views import KIND_LABELS, checkin_view

if TYPE_CHECKING:
    from bot.app import PodiumBot

log = logging.getLogger(__name__)

REMINDER_POST = N_("⏰ Reminder: **{title}** ({kind}) starts {relative}, {start}. Host: {host}.")
START_POST = N_(
    "🎙️ **{title}** ({kind}) starts now and runs until {end}. Host: {host}. Ask with /ask and "
    "press Check in to record your attendance."
)
CANCEL_POST = N_("❌ **{title}** ({kind}), planned for {start}, is cancelled.")
WHATSAPP_REMINDER = N_("Reminder: {title} starts at {start} ({timezone}).")
WHATSAPP_START = N_("Starting now: {title}. Join on Discord.")
WHATSAPP_CANCEL = N_("Cancelled: {title}, planned for {start} ({timezone}).")
EVENT_DESCRIPTION = N_("{kind} hosted by {host}. Ask your questions with /ask.")

_POSTS = {REMINDER: REMINDER_POST, START: START_POST, CANCELLED: CANCEL_POST}
_WHATSAPP = {REMINDER: WHATSAPP_REMINDER, START: WHATSAPP_START, CANCELLED: WHATSAPP_CANCEL}
_JOBS = {REMINDER_JOB: REMINDER, START_JOB: START, CANCEL_JOB: CANCELLED}


def notice_text(bot: PodiumBot, locale: str, notice: Notice) -> str:
    """The notice in ``locale`` (user text escaped)."""
    session = notice.session
    return bot.catalogs.gettext(
        locale,
        _POSTS[notice.what],
        title=safe(session.title),
        kind=bot.catalogs.gettext(locale, KIND_LABELS[session.kind]),
        start=discord_timestamp(session.starts_at, "F"),
        relative=discord_timestamp(session.starts_at, "R"),
        end=discord_timestamp(session.ends_at, "t"),
        host=f"<@{session.host_id}>",
    )


class QANotices:
    """Runs the Q&A jobs for one bot and keeps the sessions' Discord events in step."""

    def __init__(self, bot: PodiumBot) -> None:
        self.bot = bot

    def register(self) -> None:
        """Register the three job kinds with the scheduler (before it starts)."""
        for kind in _JOBS:
            self.bot.services.scheduler.register(kind, self.run)

    async def run(self, job: Job) -> None:
        """Fire one reminder, start notice or cancellation (idempotent per job key)."""
        notice = await self.bot.services.qa.notice(
            session_id=int(job.payload["session_id"]), key=job.key, what=_JOBS[job.kind]
        )
        if notice is None:
            return
        await self._whatsapp(notice)
        await self.bot.wait_until_ready()
        await self._post(notice)
        await self._dms(notice)
        log.info("qa notice sent key=%s", job.key)

    async def _whatsapp(self, notice: Notice) -> None:
        competition = self.bot.competition.competition
        local = notice.session.starts_at.astimezone(competition.tz).strftime("%Y-%m-%d %H:%M")
        texts: dict[str, str] = {}
        variables: dict[str, dict[str, str]] = {}
        for language in ("en", "zh_CN"):
            texts[language] = self.bot.catalogs.gettext(
                language,
                _WHATSAPP[notice.what],
                title=notice.session.title,
                start=local,
                timezone=competition.timezone,
            )
            variables[language] = {
                "title": notice.session.title,
                "start": f"{local} {competition.timezone}",
            }
        added = await self.bot.services.qa.relay(notice, texts, variables)
        log.info("qa notice queued for whatsapp key=%s rows=%d", notice.key, added)

    async def _post(self, notice: Notice) -> None:
        services = self.bot.services
        ids = await services.setup.resource_ids()
        locale = self.bot.competition.competition.default_locale
        text = notice_text(self.bot, locale, notice)
        for cohort in notice.cohorts:
            channel_id = ids.get(f"channel:cohort:{cohort}:0")
            channel = self.bot.get_channel(channel_id) if channel_id else None
            if channel_id is None or not isinstance(channel, discord.TextChannel):
                log.warning("qa notice: no channel for cohort=%s (run /admin setup)", cohort)
                continue
            target = f"channel:{channel_id}"
            delivery = await services.posts.claim(target_key(notice.key, target))
            if not delivery.to_send:
                continue
            role_id = ids.get(f"role:cohort:{cohort}")
            content = f"<@&{role_id}> {text}" if role_id else text
            mentions = discord.AllowedMentions(
                everyone=False,
                users=False,
                replied_user=False,
                roles=[discord.Object(id=role_id)] if role_id else False,
            )
            view = (
                checkin_view(self.bot.catalogs, locale, notice.session.id)
                if notice.what == START
                else discord.utils.MISSING
            )
            try:
                sent = await send_once(
                    self.bot,
                    channel,
                    delivery,
                    content=content,
                    allowed_mentions=mentions,
                    view=view,
                )
            except discord.HTTPException as exc:
                await services.posts.finish(
                    delivery, channel_id=channel_id, error=f"Discord {exc.status}"
                )
                log.warning("qa notice not posted key=%s channel=%s", notice.key, channel_id)
                continue
            await services.posts.finish(delivery, channel_id=channel_id, message_id=sent.id)

    async def _dms(self, notice: Notice) -> None:
        services = self.bot.services
        if not notice.rsvp_user_ids:
            return
        locales = await services.qa.locales(list(notice.rsvp_user_ids))
        default = self.bot.competition.competition.default_locale
        for user_id in notice.rsvp_user_ids:
            target = f"dm:{user_id}"
            delivery = await services.posts.claim(target_key(notice.key, target))
            if not delivery.to_send:
                continue
            locale = locales.get(user_id, default)
            try:
                user = self.bot.get_user(user_id) or await self.bot.fetch_user(user_id)
                sent = await send_once(
                    self.bot,
                    user,
                    delivery,
                    content=notice_text(self.bot, locale, notice),
                    allowed_mentions=discord.AllowedMentions.none(),
                )
            except discord.HTTPException as exc:
                # DMs closed, or the member left: nothing to retry.
                await services.posts.finish(
                    delivery, channel_id=None, error=f"Discord {exc.status}"
                )
                continue
            await services.posts.finish(delivery, channel_id=None, message_id=sent.id)

    # -- the Discord scheduled event --------------------------------------------------------
    def _location(self, session: Session) -> str:
        cohorts = session.audience or self.bot.competition.cohort_keys
        return ", ".join(
            f"#{self.bot.competition.cohort(key).announcement_channel}" for key in cohorts
        )[:100]

    async def sync_event(self, guild: discord.Guild, session: Session, host_name: str) -> bool:
        """Create or update the session's external scheduled event; False when Discord
        refused (missing Manage Events), which never undoes the session."""
        locale = self.bot.competition.competition.default_locale
        description = self.bot.catalogs.gettext(
            locale,
            EVENT_DESCRIPTION,
            kind=self.bot.catalogs.gettext(locale, KIND_LABELS[session.kind]),
            host=host_name,
        )
        try:
            if session.discord_event_id is not None:
                event = await guild.fetch_scheduled_event(session.discord_event_id)
                await event.edit(
                    name=session.title,
                    start_time=session.starts_at,
                    end_time=session.ends_at,
                    description=description,
                    entity_type=discord.EntityType.external,
                    location=self._location(session),
                )
                return True
            event = await guild.create_scheduled_event(
                name=session.title,
                start_time=session.starts_at,
                end_time=session.ends_at,
                entity_type=discord.EntityType.external,
                location=self._location(session),
                description=description,
                privacy_level=discord.PrivacyLevel.guild_only,
            )
        except discord.HTTPException as exc:
            log.warning("qa event not synced session=%s status=%s", session.id, exc.status)
            return False
        await self.bot.services.qa.set_discord_event(session.id, event.id)
        return True

    async def cancel_event(self, guild: discord.Guild, session: Session) -> None:
        """Cancel the session's scheduled event (if it has one)."""
        if session.discord_event_id is None:
            return
        try:
            event = await guild.fetch_scheduled_event(session.discord_event_id)
            await event.cancel()
        except discord.HTTPException as exc:
            log.warning("qa event not cancelled session=%s status=%s", session.id, exc.status)
