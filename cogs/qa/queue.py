"""The live question queue of a Q&A session: its embed, and the updater (owned by the Q&A
cog) that coalesces edits so a burst of upvotes costs one message edit, not one per vote."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import TYPE_CHECKING, cast

import discord

from bot.i18n import N_, Catalogs
from bot.services.qa import Question, Session
from cogs._ui import esc, text_channel

if TYPE_CHECKING:
    from bot.app import PodiumBot
    from cogs.qa.cog import QACog

log = logging.getLogger(__name__)

QUEUE_TITLE = N_("Question queue: {title}")
QUEUE_EMPTY = N_("No open questions yet. Ask one with /ask.")
QUEUE_FOOTER = N_("{open} open · {answered} answered · most upvoted first, then oldest")


def queue_embed(
    catalogs: Catalogs, locale: str, session: Session, top: list[Question], counts: dict[str, int]
) -> discord.Embed:
    """The live queue: top questions by upvotes, then age."""
    embed = discord.Embed(
        title=catalogs.gettext(locale, QUEUE_TITLE, title=session.title)[:256],
        colour=discord.Colour.gold(),
    )
    lines = [f"**#{q.id}** ▲{q.votes} — {esc(q.text)} (<@{q.asker_id}>)" for q in top]
    embed.description = "\n".join(lines)[:4000] if lines else catalogs.gettext(locale, QUEUE_EMPTY)
    embed.set_footer(
        text=catalogs.gettext(
            locale, QUEUE_FOOTER, open=counts.get("open", 0), answered=counts.get("answered", 0)
        )
    )
    return embed


def queue_updater(bot: PodiumBot) -> QueueUpdater:
    """The Q&A cog's updater (one per bot)."""
    cog = cast("QACog | None", bot.get_cog("QACog"))
    if cog is None:
        raise RuntimeError("the Q&A cog is not loaded")
    return cog.queue_updater


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
        channel = text_channel(self.bot, session.queue_channel_id)
        if channel is None:
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
