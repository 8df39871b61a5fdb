"""The NPS survey post, its 0-10 buttons (persistent) and the results embed."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import discord

from bot.i18n import N_
from bot.interactions import PersistentButton, interaction_locale, send_ephemeral
from bot.services.surveys import SCORES, NpsResults, Survey

if TYPE_CHECKING:
    from bot.app import PodiumBot

DEFAULT_QUESTION = N_("How likely are you to recommend {competition} to a friend or colleague?")
SURVEY_HINT = N_(
    "Press a number: 0 = not at all likely, 10 = extremely likely. Only you see your answer; "
    "press another number to change it."
)
SURVEY_FOOTER = N_("Survey #{id}")
ANSWERED = N_("You answered {score} — thanks! Press another number to change it.")
RESULTS_TITLE = N_("NPS of survey #{id}")
NPS_FIELD = N_("Net Promoter Score")
PROMOTERS = N_("Promoters (9–10)")
PASSIVES = N_("Passives (7–8)")
DETRACTORS = N_("Detractors (0–6)")
TOTAL = N_("Answers")
DISTRIBUTION = N_("Distribution")
BAR_WIDTH = 20


class NpsButton(
    PersistentButton,
    template=r"podium:nps:(?P<survey>\d+):(?P<score>\d+)",
):
    """One score button under a survey; survives restarts (the custom id holds it all)."""

    def __init__(self, survey_id: int, score: int) -> None:
        super().__init__(
            custom_id=f"podium:nps:{survey_id}:{score}",
            label=str(score),
            style=discord.ButtonStyle.secondary,
            row=min(score // 5, 2),
        )
        self.survey_id = survey_id
        self.score = score

    @classmethod
    def from_match(cls, match: re.Match[str]) -> NpsButton:
        """The button of the survey and score in the custom id."""
        return cls(int(match["survey"]), int(match["score"]))

    async def pressed(self, bot: PodiumBot, interaction: discord.Interaction[Any]) -> None:
        """Store (or change) the member's answer and confirm it privately."""
        answer = await bot.services.surveys.answer(
            survey_id=self.survey_id, user_id=interaction.user.id, score=self.score
        )
        locale = interaction_locale(interaction)
        await send_ephemeral(
            interaction, bot.catalogs.gettext(locale, ANSWERED, score=answer.score)
        )


def survey_view(survey_id: int) -> discord.ui.View:
    """The 11 score buttons (0-10) of a survey, five to a row."""
    view = discord.ui.View(timeout=None)
    for score in SCORES:
        view.add_item(NpsButton(survey_id, score))
    return view


def survey_embed(bot: PodiumBot, survey: Survey, locale: str) -> discord.Embed:
    """The public survey post, in the server's language."""
    embed = discord.Embed(
        title=discord.utils.escape_markdown(survey.question)[:256],
        description=bot.catalogs.gettext(locale, SURVEY_HINT),
        colour=discord.Colour.blurple(),
    )
    embed.set_footer(text=bot.catalogs.gettext(locale, SURVEY_FOOTER, id=survey.id))
    return embed


def _share(part: int, total: int) -> str:
    return f"{part} ({round(part * 100 / total)}%)"


def results_embed(bot: PodiumBot, results: NpsResults, locale: str) -> discord.Embed:
    """NPS with promoters, passives, detractors and the 0-10 distribution."""

    def t(message: str, **params: Any) -> str:
        return bot.catalogs.gettext(locale, message, **params)

    embed = discord.Embed(
        title=t(RESULTS_TITLE, id=results.survey.id),
        description=discord.utils.escape_markdown(results.survey.question)[:4000],
        colour=discord.Colour.green() if results.nps >= 0 else discord.Colour.red(),
    )
    embed.add_field(name=t(NPS_FIELD), value=f"**{results.nps:+d}**", inline=False)
    embed.add_field(name=t(PROMOTERS), value=_share(results.promoters, results.total))
    embed.add_field(name=t(PASSIVES), value=_share(results.passives, results.total))
    embed.add_field(name=t(DETRACTORS), value=_share(results.detractors, results.total))
    embed.add_field(name=t(TOTAL), value=str(results.total))
    peak = max(results.distribution) or 1
    lines = [
        f"`{score:>2}` {'█' * max(1 if n else 0, round(n * BAR_WIDTH / peak))} {n}"
        for score, n in enumerate(results.distribution)
    ]
    embed.add_field(name=t(DISTRIBUTION), value="\n".join(lines)[:1024], inline=False)
    return embed
