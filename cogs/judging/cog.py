"""`/judge queue|scores` for judges, the Score modal's submissions, and the judging
publications and reminder job wired at load (issue 16)."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.i18n import N_
from bot.interactions import interaction_locale, reply_error, send_ephemeral
from bot.services.judging import (
    REMINDER_JOB,
    REMINDER_PUBLICATION,
    RESULTS_PUBLICATION,
)
from cogs._ui import esc, tr
from cogs.judging.buttons import MoveTaskButton, ScoreButton, submit_page, task_view
from cogs.judging.renderers import ReminderRenderer, ResultsRenderer
from cogs.judging.scoring import SCORE_ID, judge_of
from cogs.judging.views import QUEUE_EMPTY, task_embed

if TYPE_CHECKING:
    from bot.app import PodiumBot

log = logging.getLogger(__name__)

SCORES_NONE = N_("You have not scored anything that is still editable.")
SCORES_TITLE = N_("Your scores (page {page} of {pages})")
SCORES_LINE = N_("**#{id} {title}** — {team}: {scores}{draft}")
DRAFT_MARK = N_(" (draft)")
EDIT_ENTRY = N_("Edit #{id}")

SCORES_PER_PAGE = 10


class JudgeCog(commands.Cog):
    """What judges do in Discord: their queue, the Score modal, their scores."""

    judge = app_commands.Group(name="judge", description="Score the entries assigned to you")

    def __init__(self, bot: PodiumBot) -> None:
        self.bot = bot
        #: Score modal submissions being saved (kept referenced until they finish).
        self._submissions: set[asyncio.Task[None]] = set()

    async def cog_load(self) -> None:
        """Buttons that survive restarts, the results and reminder posts, the reminders."""
        self.bot.add_dynamic_items(ScoreButton, MoveTaskButton)
        self.bot.interaction_observers.append(self.observe_modal)
        self.bot.publisher.register(RESULTS_PUBLICATION, ResultsRenderer(self.bot))
        self.bot.publisher.register(REMINDER_PUBLICATION, ReminderRenderer(self.bot))
        judging = self.bot.services.judging
        self.bot.services.scheduler.register(REMINDER_JOB, judging.run_reminders)
        await judging.ensure_jobs()

    async def cog_unload(self) -> None:
        """Forget the renderers and the modal observer (they are the bot's), and let the
        Score forms being saved finish (bounded)."""
        if self.observe_modal in self.bot.interaction_observers:
            self.bot.interaction_observers.remove(self.observe_modal)
        if self._submissions:
            await asyncio.wait(set(self._submissions), timeout=10)
        self.bot.publisher.unregister(RESULTS_PUBLICATION)
        self.bot.publisher.unregister(REMINDER_PUBLICATION)

    def observe_modal(self, interaction: discord.Interaction[PodiumBot]) -> None:
        """An interaction observer (a plain call, no task per interaction): a Score modal's
        submission, also of a modal opened before a restart, is handled in a task."""
        if interaction.type is not discord.InteractionType.modal_submit:
            return
        data: dict[str, Any] = dict(interaction.data or {})
        match = SCORE_ID.fullmatch(str(data.get("custom_id", "")))
        if match is None:
            return
        task = asyncio.create_task(
            self._submit(interaction, int(match["assignment"]), int(match["page"]))
        )
        self._submissions.add(task)
        task.add_done_callback(self._submissions.discard)

    async def _submit(
        self, interaction: discord.Interaction[PodiumBot], assignment_id: int, page: int
    ) -> None:
        try:
            await submit_page(self.bot, interaction, assignment_id, page)
        except Exception as exc:
            await reply_error(self.bot, interaction, exc)

    @judge.command(name="queue", description="The next entry for you to score, with its materials")
    async def queue(self, interaction: discord.Interaction[PodiumBot]) -> None:
        """The judge's next unfinished entry, with Score, Previous and Skip to next."""
        judging = self.bot.services.judging
        judge = await judge_of(self.bot, interaction.user.id)
        locale = interaction_locale(interaction)
        task = await judging.next_task(judge.id)
        if task is None:
            await send_ephemeral(interaction, tr(self.bot, locale, QUEUE_EMPTY))
            return
        tasks = await judging.queue(judge.id)
        await send_ephemeral(
            interaction,
            embed=task_embed(self.bot, locale, task, tasks),
            view=task_view(self.bot, locale, task),
        )

    @judge.command(name="scores", description="What you scored, with Edit until the round closes")
    @app_commands.describe(page="Page of the list, 10 entries a page")
    async def scores(
        self,
        interaction: discord.Interaction[PodiumBot],
        page: app_commands.Range[int, 1, 1000] = 1,
    ) -> None:
        """The judge's scored entries (drafts marked), ten a page, each with Edit."""
        judge = await judge_of(self.bot, interaction.user.id)
        locale = interaction_locale(interaction)
        scored = [(t, t.sheet) for t in await self.bot.services.judging.queue(judge.id) if t.sheet]
        if not scored:
            await send_ephemeral(interaction, tr(self.bot, locale, SCORES_NONE))
            return
        pages = (len(scored) + SCORES_PER_PAGE - 1) // SCORES_PER_PAGE
        page = min(page, pages)
        shown = scored[(page - 1) * SCORES_PER_PAGE : page * SCORES_PER_PAGE]
        lines = []
        view = discord.ui.View(timeout=None)
        for task, sheet in shown:
            values = " · ".join(
                f"{esc(c.label(locale))} {sheet.scores.get(c.key, '—')}"
                for c in task.round.rubric.criteria
            )
            draft = (
                "" if task.assignment.status == "submitted" else tr(self.bot, locale, DRAFT_MARK)
            )
            lines.append(
                tr(
                    self.bot,
                    locale,
                    SCORES_LINE,
                    id=task.entry.entry_id,
                    title=esc(task.entry.title[:100]),
                    team=esc(task.entry.team_name[:100]),
                    scores=values,
                    draft=draft,
                )
            )
            label = tr(self.bot, locale, EDIT_ENTRY, id=task.entry.entry_id)
            view.add_item(ScoreButton(task.assignment.id, 0, label))
        embed = discord.Embed(
            title=tr(self.bot, locale, SCORES_TITLE, page=page, pages=pages),
            description="\n".join(lines)[:4096],
            colour=discord.Colour.blurple(),
        )
        await send_ephemeral(interaction, embed=embed, view=view)
