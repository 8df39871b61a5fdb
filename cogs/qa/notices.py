"""Discord side of Q&A notices and events: how a notice looks (its posts, DMs and WhatsApp
wording), and the Discord scheduled event of each session.

A notice goes to the first channel of each audience cohort, mentioning only those cohorts'
roles (the one place Podium pings), to the cohorts' WhatsApp subscribers through the outbox,
and by DM to members who RSVP'd. The Q&A service runs the jobs (``QAService.run_notice``);
the one publisher (``cogs._publisher``) claims each Discord delivery in the journal of posts
(job key and target) and sends it with a nonce from its row, so a job re-run after a crash
posts nothing twice, even when the crash came between Discord accepting the post and the
bot recording it.
"""

from __future__ import annotations

import functools
import logging
from typing import TYPE_CHECKING

import discord

from bot.calendar import discord_timestamp
from bot.i18n import N_
from bot.services.publications import Publication
from bot.services.qa import (
    CANCELLED,
    NOTICE_OF_JOB,
    NOTICE_PUBLICATION,
    REMINDER,
    START,
    Notice,
    NoticePost,
    Session,
)
from cogs._publisher import Rendered, Renderer
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
RESOURCES = N_("Learning resources:")

_POSTS = {REMINDER: REMINDER_POST, START: START_POST, CANCELLED: CANCEL_POST}
_WHATSAPP = {REMINDER: WHATSAPP_REMINDER, START: WHATSAPP_START, CANCELLED: WHATSAPP_CANCEL}


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
    ) + resources_text(bot, locale, notice)


def resources_text(bot: PodiumBot, locale: str, notice: Notice) -> str:
    """The session's learning-resource links under a reminder or start notice ("" when it
    has none); links are not embedded as previews."""
    if not notice.session.resources or notice.what == CANCELLED:
        return ""
    links = "\n".join(f"<{link}>" for link in notice.session.resources)
    return "\n" + bot.catalogs.gettext(locale, RESOURCES) + "\n" + links


class NoticeRenderer(Renderer):
    """A notice's post in a cohort's channel (its role mentioned, the Check in button on a
    start notice) or its DM to a member who RSVP'd (pinging no one)."""

    def __init__(self, bot: PodiumBot) -> None:
        super().__init__()
        self.bot = bot

    async def render(
        self, publication: Publication, channel: discord.abc.Messageable
    ) -> Rendered | None:
        """The notice's text in the post's locale."""
        post: NoticePost = publication.data
        notice = post.notice
        text = notice_text(self.bot, post.locale, notice)
        if post.cohort is None:
            kwargs: dict[str, object] = {"allowed_mentions": discord.AllowedMentions.none()}
            if notice.what == START and notice.session.teams:
                # A session for a team list has no channel post: its start DM carries the
                # Check in button.
                kwargs["view"] = checkin_view(self.bot.catalogs, post.locale, notice.session.id)
            return Rendered(content=text, kwargs=kwargs)
        ids = await self.bot.services.setup.resource_ids()
        role_id = ids.get(f"role:cohort:{post.cohort}")
        content = f"<@&{role_id}> {text}" if role_id else text
        mentions = discord.AllowedMentions(
            everyone=False,
            users=False,
            replied_user=False,
            roles=[discord.Object(id=role_id)] if role_id else False,
        )
        view = (
            checkin_view(self.bot.catalogs, post.locale, notice.session.id)
            if notice.what == START
            else discord.utils.MISSING
        )
        return Rendered(content=content, kwargs={"allowed_mentions": mentions, "view": view})

    async def no_channel(self, publication: Publication) -> None:
        """Logged; the other cohorts still get theirs."""
        post: NoticePost = publication.data
        log.warning("qa notice: no channel for cohort=%s (run /admin setup)", post.cohort)

    async def failed(self, publication: Publication, exc: Exception) -> None:
        """A channel post is logged; a DM that cannot go (DMs closed, the member left) is
        only recorded: nothing to retry."""
        if publication.user_id is None:
            log.warning(
                "qa notice not posted key=%s channel=%s",
                publication.key,
                publication.resource,
            )

    async def after(self, outcomes: list[tuple[Publication, str]]) -> None:
        """Logged once per notice."""
        for key in dict.fromkeys(p.data.notice.key for p, _outcome in outcomes):
            log.info("qa notice sent key=%s", key)


class QANotices:
    """Registers the Q&A jobs and their renderer for one bot and keeps the sessions'
    Discord events in step."""

    def __init__(self, bot: PodiumBot) -> None:
        self.bot = bot

    def register(self) -> None:
        """Register the three job kinds with the scheduler (before it starts) and how their
        posts look with the publisher."""
        self.bot.publisher.register(NOTICE_PUBLICATION, NoticeRenderer(self.bot))
        handler = functools.partial(self.bot.services.qa.run_notice, wording=self.wording)
        for kind in NOTICE_OF_JOB:
            self.bot.services.scheduler.register(kind, handler)

    def wording(self, notice: Notice) -> tuple[dict[str, str], dict[str, dict[str, str]]]:
        """What the notice says on WhatsApp: its texts and template variables per language."""
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
            if notice.session.resources and notice.what != CANCELLED:
                texts[language] += "\n" + "\n".join(
                    [self.bot.catalogs.gettext(language, RESOURCES), *notice.session.resources]
                )
            variables[language] = {
                "title": notice.session.title,
                "start": f"{local} {competition.timezone}",
            }
        return texts, variables

    # -- the Discord scheduled event --------------------------------------------------------
    def _location(self, session: Session) -> str:
        if session.teams:
            return "Discord"
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
