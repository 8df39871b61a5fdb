"""Q&A views: Upvote and Check-in buttons (DynamicItems, so they survive restarts), the
embeds of `/qa upcoming` and of the live queue, and the queue-message updater that
coalesces edits so a burst of upvotes costs one message edit, not one per vote."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import time
from typing import TYPE_CHECKING, Any

import discord

from bot.calendar import discord_timestamp
from bot.durations import format_duration
from bot.i18n import N_, Catalogs
from bot.interactions import PersistentButton, send_ephemeral
from bot.services.qa import Question, Session

if TYPE_CHECKING:
    from bot.app import PodiumBot

log = logging.getLogger(__name__)

KIND_LABELS = {
    "official": N_("Official Q&A"),
    "expert_clinic": N_("Expert clinic"),
    "alumni": N_("Alumni sharing"),
}
EVERY_COHORT = N_("every cohort")
UPCOMING_TITLE = N_("Upcoming Q&A sessions")
UPCOMING_EMPTY = N_("No Q&A session is scheduled.")
UPCOMING_LINE = N_(
    "**#{id} {title}** · {kind}\n{start} ({relative}) · {duration} · host {host} · {audience}"
)
RSVPED = N_("you RSVP'd")
QUEUE_TITLE = N_("Question queue: {title}")
QUEUE_EMPTY = N_("No open questions yet. Ask one with /ask.")
QUEUE_FOOTER = N_("{open} open · {answered} answered · most upvoted first, then oldest")
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


def safe(text: str) -> str:
    """User text shown in a message: markdown and mentions escaped."""
    return discord.utils.escape_mentions(discord.utils.escape_markdown(text))


def audience_label(bot: PodiumBot, session: Session, locale: str) -> str:
    """The audience cohorts' names in ``locale`` (or "every cohort")."""
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
            title=safe(session.title),
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


def queue_embed(
    catalogs: Catalogs, locale: str, session: Session, top: list[Question], counts: dict[str, int]
) -> discord.Embed:
    """The live queue: top questions by upvotes, then age."""
    embed = discord.Embed(
        title=catalogs.gettext(locale, QUEUE_TITLE, title=session.title)[:256],
        colour=discord.Colour.gold(),
    )
    lines = [f"**#{q.id}** ▲{q.votes} — {safe(q.text)} (<@{q.asker_id}>)" for q in top]
    embed.description = "\n".join(lines)[:4000] if lines else catalogs.gettext(locale, QUEUE_EMPTY)
    embed.set_footer(
        text=catalogs.gettext(
            locale, QUEUE_FOOTER, open=counts.get("open", 0), answered=counts.get("answered", 0)
        )
    )
    return embed


def question_content(catalogs: Catalogs, locale: str, session: Session, question: Question) -> str:
    """The public message that shows one question."""
    text = catalogs.gettext(
        locale,
        QUESTION_POST,
        id=question.id,
        title=safe(session.title),
        asker=f"<@{question.asker_id}>",
        text=safe(question.text),
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
        QueueUpdater.of(bot).request(result.question.session_id)
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
        title = safe(result.session.title)
        if not result.points_enabled:
            text = bot.catalogs.gettext(locale, CHECKED_IN_PLAIN, title=title)
        elif result.team is None:
            text = bot.catalogs.gettext(locale, CHECKED_IN_NO_TEAM, title=title)
        elif result.points == 0:
            text = bot.catalogs.gettext(
                locale, CHECKED_IN_NO_POINTS, title=title, team=safe(result.team)
            )
        else:
            text = bot.catalogs.gettext(
                locale, CHECKED_IN, title=title, points=result.points, team=safe(result.team)
            )
        await send_ephemeral(interaction, text)


class QueueUpdater:
    """Keeps each session's live queue message current with few edits.

    ``request`` marks a session dirty. One task per session edits the message, then waits
    ``min_interval`` seconds before the next edit; requests arriving meanwhile are folded
    into that next edit, which renders the state at that moment. Discord's 429s are retried
    by discord.py; a failed edit is logged and the next request tries again.
    """

    def __init__(self, bot: PodiumBot, *, min_interval: float = 2.0) -> None:
        self.bot = bot
        self.min_interval = min_interval
        self._dirty: set[int] = set()
        self._tasks: dict[int, asyncio.Task[None]] = {}
        self._last_edit: dict[int, float] = {}
        self._wake: dict[int, asyncio.Event] = {}
        self.edits = 0

    @classmethod
    def of(cls, bot: PodiumBot) -> QueueUpdater:
        """The bot's updater (one per bot)."""
        updater = getattr(bot, "_qa_queue_updater", None)
        if not isinstance(updater, QueueUpdater):
            updater = cls(bot)
            bot._qa_queue_updater = updater  # type: ignore[attr-defined]
        return updater

    def request(self, session_id: int) -> None:
        """Ask for the queue message of ``session_id`` to be brought up to date."""
        self._dirty.add(session_id)
        task = self._tasks.get(session_id)
        if task is None or task.done():
            self._tasks[session_id] = self.bot.spawn(
                self._run(session_id), name=f"qa-queue-{session_id}"
            )

    async def flush(self, session_id: int) -> None:
        """Do the pending edit now (skipping the wait) and return when it is done."""
        event = self._wake.get(session_id)
        if event is not None:
            event.set()
        task = self._tasks.get(session_id)
        if task is not None:
            await asyncio.shield(task)

    async def _run(self, session_id: int) -> None:
        while session_id in self._dirty:
            wait = self._last_edit.get(session_id, -1e9) + self.min_interval - time.monotonic()
            if wait > 0:
                event = self._wake.setdefault(session_id, asyncio.Event())
                event.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(event.wait(), wait)
            self._dirty.discard(session_id)
            self._last_edit[session_id] = time.monotonic()
            try:
                await self.edit_now(session_id)
            except discord.HTTPException as exc:
                log.warning(
                    "queue message not updated session=%s status=%s", session_id, exc.status
                )

    async def edit_now(self, session_id: int) -> None:
        """Render the queue as it is now and edit the session's queue message."""
        qa = self.bot.services.qa
        session = await qa.get(session_id)
        if session.queue_channel_id is None or session.queue_message_id is None:
            return
        channel = self.bot.get_channel(session.queue_channel_id)
        if not isinstance(channel, discord.TextChannel):
            return
        locale = self.bot.competition.competition.default_locale
        embed = queue_embed(
            self.bot.catalogs,
            locale,
            session,
            await qa.queue(session_id),
            await qa.question_counts(session_id),
        )
        await channel.get_partial_message(session.queue_message_id).edit(embed=embed)
        self.edits += 1
