"""A judge's buttons (Score / Edit, Previous, Skip to next), which keep working after a
restart: each custom id carries the assignment it is about."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import discord

from bot.i18n import N_
from bot.interactions import PersistentButton, interaction_locale
from bot.services.judging import JudgeTask, RoundClosed
from cogs._ui import tr
from cogs.judging.scoring import judge_of, score_modal
from cogs.judging.views import QUEUE_EMPTY, task_embed

if TYPE_CHECKING:
    from bot.app import PodiumBot

SCORE_BUTTON = N_("Score")
EDIT_BUTTON = N_("Edit")
PREVIOUS_BUTTON = N_("Previous")
NEXT_BUTTON = N_("Skip to next")


class ScoreButton(
    PersistentButton, template=r"podium:judge:score:(?P<assignment>\d+):(?P<page>\d+)"
):
    """Opens the Score modal of an assignment at a page, prefilled (also to edit)."""

    def __init__(self, assignment_id: int, page: int, label: str) -> None:
        super().__init__(
            custom_id=f"podium:judge:score:{assignment_id}:{page}",
            label=label[:80],
            style=discord.ButtonStyle.primary,
        )
        self.assignment_id = assignment_id
        self.page = page

    @classmethod
    def from_match(cls, match: re.Match[str]) -> ScoreButton:
        """The button of the assignment and page in the custom id."""
        return cls(int(match["assignment"]), int(match["page"]), "")

    async def pressed(self, bot: PodiumBot, interaction: discord.Interaction[Any]) -> None:
        """Only the assigned judge may open it (NotAJudge otherwise)."""
        judge = await judge_of(bot, interaction.user.id)
        task = await bot.services.judging.task(judge.id, self.assignment_id)
        if task.round.status != "open":  # say so now, not after the form is filled in
            raise RoundClosed(id=task.round.id)
        locale = interaction_locale(interaction)
        await interaction.response.send_modal(score_modal(bot, locale, task, self.page))


class MoveTaskButton(
    PersistentButton, template=r"podium:judge:move:(?P<assignment>\d+):(?P<direction>prev|next)"
):
    """Previous / Skip to next: the entry before or after this one in the judge's queue."""

    def __init__(self, assignment_id: int, direction: str, label: str) -> None:
        super().__init__(
            custom_id=f"podium:judge:move:{assignment_id}:{direction}", label=label[:80]
        )
        self.assignment_id = assignment_id
        self.direction = direction

    @classmethod
    def from_match(cls, match: re.Match[str]) -> MoveTaskButton:
        """The button of the assignment and direction in the custom id."""
        return cls(int(match["assignment"]), match["direction"], "")

    async def pressed(self, bot: PodiumBot, interaction: discord.Interaction[Any]) -> None:
        """Show the neighbouring entry in the same message (the queue wraps around)."""
        judge = await judge_of(bot, interaction.user.id)
        tasks = await bot.services.judging.queue(judge.id)
        locale = interaction_locale(interaction)
        if not tasks:
            await interaction.response.edit_message(
                content=tr(bot, locale, QUEUE_EMPTY), embed=None, view=None
            )
            return
        ids = [t.assignment.id for t in tasks]
        step = 1 if self.direction == "next" else -1
        index = (ids.index(self.assignment_id) + step) if self.assignment_id in ids else 0
        shown = tasks[index % len(tasks)]
        await interaction.response.edit_message(
            content=None,
            embed=task_embed(bot, locale, shown, tasks),
            view=task_view(bot, locale, shown),
        )


def task_view(bot: PodiumBot, locale: str, task: JudgeTask) -> discord.ui.View:
    """Score (Edit once submitted), Previous and Skip to next."""
    view = discord.ui.View(timeout=None)
    label = EDIT_BUTTON if task.assignment.status == "submitted" else SCORE_BUTTON
    view.add_item(ScoreButton(task.assignment.id, 0, tr(bot, locale, label)))
    view.add_item(MoveTaskButton(task.assignment.id, "prev", tr(bot, locale, PREVIOUS_BUTTON)))
    view.add_item(MoveTaskButton(task.assignment.id, "next", tr(bot, locale, NEXT_BUTTON)))
    return view
