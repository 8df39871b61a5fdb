"""Q&A views: Upvote and Check-in buttons (DynamicItems, so they survive restarts), the
embed of `/qa upcoming` and the public message of a question."""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Any

import discord

from bot.calendar import discord_timestamp
from bot.durations import format_duration
from bot.i18n import N_, Catalogs
from bot.interactions import PersistentButton, send_ephemeral
from bot.services.qa import Question, Session
from cogs._ui import esc
from cogs.qa.queue import queue_updater

if TYPE_CHECKING:
    from bot.app import PodiumBot

log = logging.getLogger(__name__)

KIND_LABELS = {
    "official": N_("Official Q&A"),
    "expert_clinic": N_("Expert clinic"),
    "alumni": N_("Alumni sharing"),
}
EVERY_COHORT = N_("every cohort")
TEAM_AUDIENCE = N_("{count} invited teams")
UPCOMING_TITLE = N_("Upcoming Q&A sessions")
UPCOMING_EMPTY = N_("No Q&A session is scheduled.")
UPCOMING_LINE = N_(
    "**#{id} {title}** · {kind}\n{start} ({relative}) · {duration} · host {host} · {audience}"
)
RSVPED = N_("you RSVP'd")
QUESTION_POST = N_("**Question #{id}** for *{title}* from {asker}:\n{text}")
QUESTION_ANSWERED = N_("✅ Answered")
UPVOTE_LABEL = N_("Upvote ({votes})")
CHECKIN_LABEL = N_("Check in")
UPVOTED = N_("Upvoted question #{id} ({votes} votes).")
UNVOTED = N_("Upvote withdrawn from question #{id} ({votes} votes).")
CHECKED_IN_PLAIN = N_("Checked in to **{title}**. Thanks for coming!")
CHECKED_IN = N_("Checked in to **{title}**: {points} points for {team}.")
CHECKED_IN_NO_TEAM = N_(
    "Checked in to **{title}**. You are not in a team this season, so no points were added."
)
CHECKED_IN_NO_POINTS = N_(
    "Checked in to **{title}**. No points were added: {team} reached this week's Q&A points cap."
)


def audience_label(bot: PodiumBot, session: Session, locale: str) -> str:
    """The audience cohorts' names in ``locale`` (or "every cohort", or how many teams
    a session for a team list invites)."""
    if session.teams:
        return bot.catalogs.gettext(locale, TEAM_AUDIENCE, count=len(session.teams))
    if not session.audience:
        return bot.catalogs.gettext(locale, EVERY_COHORT)
    return ", ".join(bot.competition.cohort(key).name.get(locale) for key in session.audience)


def upcoming_embed(
    bot: PodiumBot, locale: str, sessions: list[Session], rsvped: set[int]
) -> discord.Embed:
    """`/qa upcoming`: soonest first, times in each reader's timezone."""
    say = bot.catalogs.gettext
    embed = discord.Embed(title=say(locale, UPCOMING_TITLE), colour=discord.Colour.teal())
    lines = []
    for session in sessions[:15]:
        line = say(
            locale,
            UPCOMING_LINE,
            id=session.id,
            title=esc(session.title),
            kind=say(locale, KIND_LABELS[session.kind]),
            start=discord_timestamp(session.starts_at, "F"),
            relative=discord_timestamp(session.starts_at, "R"),
            duration=format_duration(session.duration),
            host=f"<@{session.host_id}>",
            audience=audience_label(bot, session, locale),
        )
        if session.id in rsvped:
            line += " · ✅ " + say(locale, RSVPED)
        lines.append(line)
    embed.description = "\n\n".join(lines)[:4000] if lines else say(locale, UPCOMING_EMPTY)
    return embed


def question_content(catalogs: Catalogs, locale: str, session: Session, question: Question) -> str:
    """The public message that shows one question."""
    text = catalogs.gettext(
        locale,
        QUESTION_POST,
        id=question.id,
        title=esc(session.title),
        asker=f"<@{question.asker_id}>",
        text=esc(question.text),
    )
    if question.status == "answered":
        text += "\n" + catalogs.gettext(locale, QUESTION_ANSWERED)
    return text


def question_view(catalogs: Catalogs, locale: str, question: Question) -> discord.ui.View:
    """The Upvote button of an open question (no button once answered)."""
    view = discord.ui.View(timeout=None)
    if question.status == "open":
        label = catalogs.gettext(locale, UPVOTE_LABEL, votes=question.votes)
        view.add_item(UpvoteButton(question.id, label))
    return view


def checkin_view(catalogs: Catalogs, locale: str, session_id: int) -> discord.ui.View:
    """The Check-in button of a start notice."""
    view = discord.ui.View(timeout=None)
    view.add_item(CheckInButton(session_id, catalogs.gettext(locale, CHECKIN_LABEL)))
    return view


class UpvoteButton(PersistentButton, template=r"podium:qa-upvote:(?P<id>\d+)"):
    """Toggles the presser's upvote on a question (never their own)."""

    def __init__(self, question_id: int, label: str = "Upvote") -> None:
        super().__init__(
            custom_id=f"podium:qa-upvote:{question_id}",
            label=label,
            style=discord.ButtonStyle.primary,
            emoji="▲",
        )
        self.question_id = question_id

    @classmethod
    def from_match(cls, match: re.Match[str]) -> UpvoteButton:
        """The button of the question in the custom id."""
        return cls(int(match["id"]))

    async def pressed(self, bot: PodiumBot, interaction: discord.Interaction[Any]) -> None:
        """Toggle the upvote, update the count on this message, refresh the live queue."""
        result = await bot.services.qa.upvote(
            user_id=interaction.user.id, question_id=self.question_id
        )
        queue_updater(bot).request(result.question.session_id)
        locale = bot.competition.competition.default_locale
        await interaction.response.edit_message(
            view=question_view(bot.catalogs, locale, result.question)
        )
        say = bot.catalogs.gettext
        message = UPVOTED if result.added else UNVOTED
        await send_ephemeral(
            interaction,
            say(
                str(interaction.locale),
                message,
                id=result.question.id,
                votes=result.question.votes,
            ),
        )


class CheckInButton(PersistentButton, template=r"podium:qa-checkin:(?P<id>\d+)"):
    """Records attendance while the session runs and credits the team's points once."""

    def __init__(self, session_id: int, label: str = "Check in") -> None:
        super().__init__(
            custom_id=f"podium:qa-checkin:{session_id}",
            label=label,
            style=discord.ButtonStyle.success,
            emoji="✅",
        )
        self.session_id = session_id

    @classmethod
    def from_match(cls, match: re.Match[str]) -> CheckInButton:
        """The button of the session in the custom id."""
        return cls(int(match["id"]))

    async def pressed(self, bot: PodiumBot, interaction: discord.Interaction[Any]) -> None:
        """Check the presser in and say what it earned, privately."""
        result = await bot.services.qa.check_in(
            user_id=interaction.user.id, session_id=self.session_id
        )
        locale = str(interaction.locale)
        title = esc(result.session.title)
        if not result.points_enabled:
            text = bot.catalogs.gettext(locale, CHECKED_IN_PLAIN, title=title)
        elif result.team is None:
            text = bot.catalogs.gettext(locale, CHECKED_IN_NO_TEAM, title=title)
        elif result.points == 0:
            text = bot.catalogs.gettext(
                locale, CHECKED_IN_NO_POINTS, title=title, team=esc(result.team)
            )
        else:
            text = bot.catalogs.gettext(
                locale, CHECKED_IN, title=title, points=result.points, team=esc(result.team)
            )
        await send_ephemeral(interaction, text)
