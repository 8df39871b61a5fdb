"""What a judge sees in Discord: an entry with its materials, the round, its criteria and
deadline, their scores so far and their progress."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import discord

from bot.calendar import discord_timestamp
from bot.i18n import N_
from bot.interactions import fit_name, pack_lines
from bot.services.judging import JudgeTask, Round
from cogs._ui import esc, tr

if TYPE_CHECKING:
    from bot.app import PodiumBot

QUEUE_EMPTY = N_(
    "Nothing left to score: every entry assigned to you is submitted. /judge scores lists "
    "them, editable until their round closes."
)
ENTRY_TITLE = N_("Entry #{id}: {title}")
FIELD_TEAM = N_("Team")
FIELD_LINKS = N_("Links")
FIELD_ATTACHMENTS = N_("Attachments")
FIELD_ROUND = N_("Round")
ROUND_LINE = N_("{round} · deadline {deadline} ({relative})")
FIELD_CRITERIA = N_("Criteria (scale {min}–{max})")
CRITERION_LINE = N_("**{name}** · weight {weight}")
FIELD_YOUR_SCORES = N_("Your scores")
SCORE_LINE = N_("{name}: {score}")
COMMENT_LINE = N_("Comment: {comment}")
STATUS_SUBMITTED = N_("Submitted, editable until the round closes.")
STATUS_DRAFT = N_("Draft: not submitted yet.")
PROGRESS = N_("{done} of {total} done in {round}")

# An embed holds 6,000 characters in all: the description and each field get a share that
# keeps the sum below it (title 256 + 2,000 + team 100 + 4 fields of at most 600 + footer).
EMBED_DESCRIPTION = 2000
FIELD_VALUE = 600


def _weight(value: float) -> str:
    return f"{value:g}"


def _field(lines: Sequence[str]) -> str:
    """As many whole lines as fit in a field's share (a single longer line is cut)."""
    chunks = pack_lines([line[:FIELD_VALUE] for line in lines], FIELD_VALUE)
    return chunks[0] if chunks else "—"


def progress_of(tasks: Sequence[JudgeTask], round_id: int) -> tuple[int, int]:
    """(submitted, assigned) of the judge's tasks in round ``round_id``."""
    mine = [t for t in tasks if t.round.id == round_id]
    done = sum(1 for t in mine if t.assignment.status == "submitted")
    return done, len(mine)


def task_embed(
    bot: PodiumBot, locale: str, task: JudgeTask, tasks: Sequence[JudgeTask]
) -> discord.Embed:
    """One entry as its judge sees it: materials, round, criteria, deadline, their scores
    so far and their progress in the round."""
    entry, round_ = task.entry, task.round
    title = fit_name(
        lambda shown: tr(bot, locale, ENTRY_TITLE, id=entry.entry_id, title=shown),
        entry.title,
        esc,
        256,
    )
    # A contest submission has a title, a link and a file; a description only when the
    # entry has one (none is shown rather than an empty line).
    description = esc(entry.description) if entry.description else None
    if description is not None and len(description) > EMBED_DESCRIPTION:
        description = description[: EMBED_DESCRIPTION - 1] + "…"
    embed = discord.Embed(title=title, description=description, colour=discord.Colour.blurple())
    embed.add_field(name=tr(bot, locale, FIELD_TEAM), value=esc(entry.team_name[:100]))
    if entry.links:
        embed.add_field(name=tr(bot, locale, FIELD_LINKS), value=_field(entry.links), inline=False)
    if entry.attachments:
        embed.add_field(
            name=tr(bot, locale, FIELD_ATTACHMENTS), value=_field(entry.attachments), inline=False
        )
    embed.add_field(
        name=tr(bot, locale, FIELD_ROUND),
        value=tr(
            bot,
            locale,
            ROUND_LINE,
            round=esc(round_.name),
            deadline=discord_timestamp(round_.deadline),
            relative=discord_timestamp(round_.deadline, "R"),
        )[:FIELD_VALUE],
        inline=False,
    )
    rubric = round_.rubric
    embed.add_field(
        name=tr(bot, locale, FIELD_CRITERIA, min=rubric.scale_min, max=rubric.scale_max),
        value=_field(
            [
                tr(
                    bot,
                    locale,
                    CRITERION_LINE,
                    name=esc(c.label(locale)),
                    weight=_weight(c.weight),
                )
                for c in rubric.criteria
            ]
        ),
        inline=False,
    )
    if task.sheet is not None:
        embed.add_field(
            name=tr(bot, locale, FIELD_YOUR_SCORES),
            value=_field(sheet_lines(bot, locale, task)),
            inline=False,
        )
    done, total = progress_of(tasks, round_.id)
    embed.set_footer(
        text=tr(bot, locale, PROGRESS, done=done, total=total, round=round_.name)[:2048]
    )
    return embed


def sheet_lines(bot: PodiumBot, locale: str, task: JudgeTask) -> list[str]:
    """The judge's scores on ``task``, its comment and whether it is submitted."""
    sheet = task.sheet
    if sheet is None:
        return []
    lines = [
        tr(
            bot,
            locale,
            SCORE_LINE,
            name=esc(c.label(locale)),
            score=sheet.scores.get(c.key, "—"),
        )
        for c in task.round.rubric.criteria
    ]
    if sheet.comment:
        comment = esc(sheet.comment)
        lines.append(tr(bot, locale, COMMENT_LINE, comment=comment[:300]))
    submitted = task.assignment.status == "submitted"
    lines.append(tr(bot, locale, STATUS_SUBMITTED if submitted else STATUS_DRAFT))
    return lines


def scale_text(round_: Round) -> str:
    """``1–10``: the round's scale."""
    return f"{round_.rubric.scale_min}–{round_.rubric.scale_max}"
