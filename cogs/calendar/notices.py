"""How a phase notice looks: its post in the announcements channel and its WhatsApp wording.

The calendar service runs the notice jobs (``CalendarService.run_notice``) and returns the
post; the one publisher claims it in the journal of posts under the notice's key and sends
it once, in the competition's language, pinging no one. The WhatsApp texts go through the
outbox in every language, so each subscriber gets the notice in their own.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord

from bot.calendar import discord_timestamp
from bot.durations import format_duration
from bot.i18n import N_
from bot.services.calendar import CLOSES, DEADLINE, OPENS, PhaseNotice
from bot.services.publications import Publication
from cogs._publisher import Rendered, Renderer
from cogs._ui import esc

if TYPE_CHECKING:
    from bot.app import PodiumBot

log = logging.getLogger(__name__)

POST_OPENS = N_("📅 **{phase}** is open from now until {end} ({relative}).")
POST_DEADLINE = N_("⏳ Deadline: **{phase}** closes {relative}, at {end}.")
POST_CLOSES = N_("🏁 **{phase}** has closed.")
POST_NEXT = N_("Next: **{phase}** opens {relative}, at {start}.")
WHATSAPP_OPENS = N_("Season calendar: {phase} is open from now until {end} ({timezone}).")
WHATSAPP_DEADLINE = N_("Season calendar: {phase} closes in {remaining}, at {end} ({timezone}).")
WHATSAPP_CLOSES = N_("Season calendar: {phase} has closed.")
#: The template's ``event`` variable: what happens to the phase.
EVENT_OPENS = N_("is open")
EVENT_DEADLINE = N_("closes soon")
EVENT_CLOSES = N_("has closed")

_POSTS = {OPENS: POST_OPENS, DEADLINE: POST_DEADLINE, CLOSES: POST_CLOSES}
_WHATSAPP = {OPENS: WHATSAPP_OPENS, DEADLINE: WHATSAPP_DEADLINE, CLOSES: WHATSAPP_CLOSES}
_EVENTS = {OPENS: EVENT_OPENS, DEADLINE: EVENT_DEADLINE, CLOSES: EVENT_CLOSES}


def notice_text(bot: PodiumBot, locale: str, notice: PhaseNotice) -> str:
    """The notice's post in ``locale``: what happens, the description on opening, and the
    phase that follows a closing."""
    phase = notice.phase
    say = bot.catalogs.gettext
    lines = [
        say(
            locale,
            _POSTS[notice.what],
            phase=esc(phase.name.get(locale)),
            end=discord_timestamp(phase.end, "F"),
            relative=discord_timestamp(phase.end, "R"),
        )
    ]
    if notice.what == OPENS and phase.description is not None:
        lines.append(esc(phase.description.get(locale)))
    if notice.what == CLOSES and notice.following is not None:
        following = notice.following
        lines.append(
            say(
                locale,
                POST_NEXT,
                phase=esc(following.name.get(locale)),
                start=discord_timestamp(following.start, "F"),
                relative=discord_timestamp(following.start, "R"),
            )
        )
    return "\n".join(lines)


class NoticeRenderer(Renderer):
    """A phase notice in the announcements channel, pinging no one."""

    def __init__(self, bot: PodiumBot) -> None:
        super().__init__()
        self.bot = bot

    async def render(
        self, publication: Publication, channel: discord.abc.Messageable
    ) -> Rendered | None:
        """The notice in the competition's language."""
        notice: PhaseNotice = publication.data
        locale = self.bot.competition.competition.default_locale
        return Rendered(
            content=notice_text(self.bot, locale, notice),
            kwargs={"allowed_mentions": discord.AllowedMentions.none()},
        )

    async def no_channel(self, publication: Publication) -> None:
        """Logged: the WhatsApp notices still go out."""
        log.warning(
            "calendar notice not posted key=%s: no announcements channel (run /admin setup)",
            publication.key,
        )


def wording(
    bot: PodiumBot, notice: PhaseNotice
) -> tuple[dict[str, str], dict[str, dict[str, str]]]:
    """What the notice says on WhatsApp: its texts and template variables per language."""
    competition = bot.competition.competition
    phase = notice.phase
    end = phase.end.astimezone(competition.tz).strftime("%Y-%m-%d %H:%M")
    remaining = format_duration(bot.competition.calendar.deadline_notice)
    texts: dict[str, str] = {}
    variables: dict[str, dict[str, str]] = {}
    for language in ("en", "zh_CN"):
        name = phase.name.get(language)
        texts[language] = bot.catalogs.gettext(
            language,
            _WHATSAPP[notice.what],
            phase=name,
            end=end,
            remaining=remaining,
            timezone=competition.timezone,
        )
        variables[language] = {
            "phase": name,
            "event": bot.catalogs.gettext(language, _EVENTS[notice.what]),
            "time": f"{end} {competition.timezone}",
        }
    return texts, variables
