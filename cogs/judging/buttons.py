"""A judge's buttons (Score / Edit, Previous, Skip to next), which keep working after a
restart since each custom id carries the assignment it is about, and what a submitted page
of the Score form does."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import discord

from bot.i18n import N_
from bot.interactions import PersistentButton, interaction_locale, send_ephemeral
from bot.services.judging import JudgeTask, MissingCriterion, RoundClosed, ScoreOutOfRange
from cogs._ui import esc, tr
from cogs.judging.scoring import (
    COMMENT_ID,
    judge_of,
    pages,
    parse_scores,
    score_modal,
    submitted_values,
)
from cogs.judging.views import QUEUE_EMPTY, progress_of, task_embed

if TYPE_CHECKING:
    from bot.app import PodiumBot

PAGE_SAVED = N_("Page {page} of {pages} saved as a draft. Continue with the next criteria.")
CONTINUE_BUTTON = N_("Continue ({page}/{pages})")
SUBMITTED = N_("Scores for #{id} **{title}** submitted ({done} of {total} done).")
ALL_DONE = N_("That was the last entry of your queue. You can still edit with /judge scores.")
UNFINISHED = ("pending", "draft")
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


@contextmanager
def criteria_named(task: JudgeTask, locale: str) -> Iterator[None]:
    """The service's refusals name criteria by key: show the reader's names instead."""
    names = {c.key: c.label(locale) for c in task.round.rubric.criteria}
    try:
        yield
    except ScoreOutOfRange as exc:
        key = str(exc.params.get("criterion", ""))
        raise ScoreOutOfRange(**{**exc.params, "criterion": names.get(key, key)}) from None
    except MissingCriterion as exc:
        keys = str(exc.params.get("criteria", "")).split(", ")
        shown = ", ".join(names.get(key, key) for key in keys)
        raise MissingCriterion(**{**exc.params, "criteria": shown}) from None


async def submit_page(
    bot: PodiumBot, interaction: discord.Interaction[Any], assignment_id: int, page: int
) -> None:
    """Save a submitted page: a draft before the last page (then a Continue button), the
    whole sheet on the last one (then the judge's next entry)."""
    locale = interaction_locale(interaction)
    judging = bot.services.judging
    judge = await judge_of(bot, interaction.user.id)
    task = await judging.task(judge.id, assignment_id)
    chunks = pages(task.round.rubric.criteria)
    page = min(max(page, 0), len(chunks) - 1)
    values = submitted_values(interaction.data)
    scores = parse_scores(bot, locale, task, page, values)
    if page < len(chunks) - 1:
        # The comment is on the last page: None keeps the one the sheet has.
        with criteria_named(task, locale):
            await judging.save_draft(
                judge_id=judge.id, assignment_id=assignment_id, scores=scores, comment=None
            )
        view = discord.ui.View(timeout=None)
        label = tr(bot, locale, CONTINUE_BUTTON, page=page + 2, pages=len(chunks))
        view.add_item(ScoreButton(assignment_id, page + 1, label))
        text = tr(bot, locale, PAGE_SAVED, page=page + 1, pages=len(chunks))
        await send_ephemeral(interaction, text, view=view)
        return
    # An emptied comment box clears the comment ("" rather than None, which would keep it).
    comment = values.get(COMMENT_ID, "").strip()
    with criteria_named(task, locale):
        await judging.submit(
            judge_id=judge.id, assignment_id=assignment_id, scores=scores, comment=comment
        )
    tasks = await judging.queue(judge.id)
    done, total = progress_of(tasks, task.round.id)
    text = tr(
        bot,
        locale,
        SUBMITTED,
        id=task.entry.entry_id,
        title=esc(task.entry.title[:100]),
        done=done,
        total=total,
    )
    following = next((t for t in tasks if t.assignment.status in UNFINISHED), None)
    if following is None:
        await send_ephemeral(interaction, f"{text}\n{tr(bot, locale, ALL_DONE)}")
        return
    await send_ephemeral(
        interaction,
        text,
        embed=task_embed(bot, locale, following, tasks),
        view=task_view(bot, locale, following),
    )
