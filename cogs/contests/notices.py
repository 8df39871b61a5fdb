"""Discord side of entry moderation: the team's DM, the organizers' report notice, and
bringing the gallery post in step after an entry is hidden, disqualified or restored."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord

from bot.i18n import N_
from bot.services.contests import (
    DISQUALIFIED,
    HIDDEN,
    ModerationNotice,
    ModerationOutcome,
    ReportAlert,
)
from bot.services.publications import Publication
from cogs._publisher import Rendered, Renderer
from cogs._ui import esc, tr
from cogs.contests.gallery import refresh_entry

if TYPE_CHECKING:
    from bot.app import PodiumBot

log = logging.getLogger(__name__)

DM_HIDDEN = N_(
    "The organizers hid your team's entry #{id} **{title}** in {contest}. It takes no votes "
    "while it is hidden. Reason: {reason}"
)
DM_DISQUALIFIED = N_(
    "The organizers disqualified your team's entry #{id} **{title}** in {contest}. Its votes "
    "do not count. Reason: {reason}"
)
DM_RESTORED = N_(
    "The organizers restored your team's entry #{id} **{title}** in {contest}. It is back in "
    "the gallery and its votes count again."
)
DM_RESTORED_REASON = N_(
    "The organizers restored your team's entry #{id} **{title}** in {contest}. It is back in "
    "the gallery and its votes count again. Note: {reason}"
)
REPORT_ALERT = N_(
    "🚩 Entry #{id} **{title}** ({team}, {contest}) has {count} open reports. Review them "
    "with /contest reports."
)


def notice_text(bot: PodiumBot, notice: ModerationNotice) -> str:
    """The team's DM in the member's language (user text escaped)."""
    if notice.action == HIDDEN:
        message = DM_HIDDEN
    elif notice.action == DISQUALIFIED:
        message = DM_DISQUALIFIED
    else:
        message = DM_RESTORED_REASON if notice.reason else DM_RESTORED
    return tr(
        bot,
        notice.locale,
        message,
        id=notice.submission_id,
        title=esc(notice.title),
        contest=esc(notice.contest_name),
        reason=esc(notice.reason),
    )


class ModerationNoticeRenderer(Renderer):
    """The DM telling a team member their entry was hidden, disqualified or restored."""

    def __init__(self, bot: PodiumBot) -> None:
        super().__init__()
        self.bot = bot

    async def render(
        self, publication: Publication, channel: discord.abc.Messageable
    ) -> Rendered | None:
        """The notice's text, pinging no one."""
        text = notice_text(self.bot, publication.data)
        return Rendered(content=text, kwargs={"allowed_mentions": discord.AllowedMentions.none()})

    async def failed(self, publication: Publication, exc: Exception) -> None:
        """A DM that cannot go (DMs closed, the member left) is recorded, not retried."""
        log.info("moderation dm not sent key=%s", publication.key)


class ReportAlertRenderer(Renderer):
    """The organizers' notice that an entry reached the report threshold."""

    def __init__(self, bot: PodiumBot) -> None:
        super().__init__()
        self.bot = bot

    async def render(
        self, publication: Publication, channel: discord.abc.Messageable
    ) -> Rendered | None:
        """The notice in the competition's language, pinging no one."""
        alert: ReportAlert = publication.data
        text = tr(
            self.bot,
            self.bot.competition.competition.default_locale,
            REPORT_ALERT,
            id=alert.submission_id,
            title=esc(alert.title),
            team=esc(alert.team_name),
            contest=esc(alert.contest_name),
            count=alert.open_reports,
        )
        return Rendered(content=text, kwargs={"allowed_mentions": discord.AllowedMentions.none()})


async def apply_moderation(bot: PodiumBot, outcome: ModerationOutcome) -> None:
    """After a hide, disqualify or restore: the gallery post shows it (buttons removed or
    back), then the team's DMs go out through the publisher, each once."""
    try:
        await refresh_entry(bot, outcome.entry.id)
    except discord.HTTPException as exc:
        log.warning("gallery post not updated entry=%s status=%s", outcome.entry.id, exc.status)
    await bot.publisher.publish(outcome.publications)
