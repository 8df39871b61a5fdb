"""The Score modal: one text input per criterion (pages of four when a rubric has more,
since a modal holds five inputs), an optional comment on the last page, and reading a
submitted page. A modal's custom id carries the assignment and the page, so the cog's
interaction observer handles a submission even after a restart."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import discord

from bot.errors import InvalidInput
from bot.i18n import N_
from bot.interactions import fit_name
from bot.services.judging import Criterion, Judge, JudgeTask, NotAJudge
from cogs._ui import tr
from cogs.judging.views import scale_text

if TYPE_CHECKING:
    from bot.app import PodiumBot

#: A modal holds at most five inputs: four criteria and, on the last page, the comment.
CRITERIA_PER_PAGE = 4
SCORE_ID = re.compile(r"podium:judge:score:(?P<assignment>\d+):(?P<page>\d+)")
COMMENT_ID = "comment"
COMMENT_LENGTH = 1000

MODAL_TITLE = N_("Score #{id}: {title}")
MODAL_TITLE_PAGED = N_("Score #{id} ({page}/{pages}): {title}")
CRITERION_HINT = N_("A whole number from {min} to {max} (weight {weight})")
COMMENT_LABEL = N_("Comment (optional)")
COMMENT_HINT = N_("Shown to the organizers; to the team without your name if they share it")
NOT_A_NUMBER = N_("a whole number from {min} to {max}, not “{value}”")


def criterion_key(criterion: Criterion) -> str:
    """The custom id of a criterion's text input."""
    return f"c:{criterion.key}"


def pages(criteria: Sequence[Criterion]) -> list[tuple[Criterion, ...]]:
    """The criteria split into modal pages of at most four (at least one page)."""
    chunks = [
        tuple(criteria[i : i + CRITERIA_PER_PAGE])
        for i in range(0, len(criteria), CRITERIA_PER_PAGE)
    ]
    return chunks or [()]


def score_modal(bot: PodiumBot, locale: str, task: JudgeTask, page: int) -> discord.ui.Modal:
    """The modal of ``page`` for ``task``, prefilled with the judge's scores so far."""
    rubric = task.round.rubric
    chunks = pages(rubric.criteria)
    page = min(max(page, 0), len(chunks) - 1)
    entry = task.entry
    if len(chunks) == 1:
        message, extra = MODAL_TITLE, {}
    else:
        message, extra = MODAL_TITLE_PAGED, {"page": page + 1, "pages": len(chunks)}
    title = fit_name(
        lambda shown: tr(bot, locale, message, id=entry.entry_id, title=shown, **extra),
        entry.title,
        lambda text: text,
        45,
    )
    modal = discord.ui.Modal(
        title=title, custom_id=f"podium:judge:score:{task.assignment.id}:{page}", timeout=None
    )
    scores = task.sheet.scores if task.sheet is not None else {}
    for criterion in chunks[page]:
        value = scores.get(criterion.key)
        hint = tr(
            bot,
            locale,
            CRITERION_HINT,
            min=rubric.scale_min,
            max=rubric.scale_max,
            weight=f"{criterion.weight:g}",
        )
        modal.add_item(
            discord.ui.Label(
                text=criterion.label(locale)[:45],
                description=hint[:100],
                component=discord.ui.TextInput(
                    custom_id=criterion_key(criterion),
                    placeholder=scale_text(task.round),
                    default=None if value is None else str(value),
                    required=True,
                    max_length=6,
                ),
            )
        )
    if page == len(chunks) - 1:
        comment = task.sheet.comment if task.sheet is not None else None
        modal.add_item(
            discord.ui.Label(
                text=tr(bot, locale, COMMENT_LABEL)[:45],
                description=tr(bot, locale, COMMENT_HINT)[:100],
                component=discord.ui.TextInput(
                    custom_id=COMMENT_ID,
                    style=discord.TextStyle.paragraph,
                    default=comment[:COMMENT_LENGTH] if comment else None,
                    required=False,
                    max_length=COMMENT_LENGTH,
                ),
            )
        )
    # Not kept in discord.py's view store: the cog's listener handles every submission of
    # this custom id, so a modal opened before a restart still saves.
    modal.stop()
    return modal


def submitted_values(data: Mapping[str, Any] | None) -> dict[str, str]:
    """The text inputs of a MODAL_SUBMIT payload by custom id (in rows or labels)."""
    found: dict[str, str] = {}

    def walk(components: Any) -> None:
        for component in components or []:
            if component.get("type") == 1:
                walk(component.get("components"))
            elif component.get("type") == 18:
                walk([component.get("component") or {}])
            elif "custom_id" in component:
                found[str(component["custom_id"])] = str(component.get("value") or "")

    walk((data or {}).get("components"))
    return found


async def judge_of(bot: PodiumBot, user_id: int) -> Judge:
    """The active judge who is this member; NotAJudge otherwise."""
    judge = await bot.services.judging.judge_of_user(user_id)
    if judge is None or not judge.active:
        raise NotAJudge()
    return judge


def parse_scores(
    bot: PodiumBot, locale: str, task: JudgeTask, page: int, values: Mapping[str, str]
) -> dict[str, int]:
    """The judge's scores with this page's values typed in (an empty one clears it);
    a value that is not a whole number is refused, the scale is the service's to check."""
    rubric = task.round.rubric
    scores = dict(task.sheet.scores) if task.sheet is not None else {}
    for criterion in pages(rubric.criteria)[page]:
        raw = values.get(criterion_key(criterion), "").strip()
        if not raw:
            scores.pop(criterion.key, None)
            continue
        try:
            scores[criterion.key] = int(raw)
        except ValueError:
            reason = tr(
                bot,
                locale,
                NOT_A_NUMBER,
                min=rubric.scale_min,
                max=rubric.scale_max,
                value=raw[:20],
            )
            raise InvalidInput(field=criterion.label(locale), reason=reason) from None
    return scores
