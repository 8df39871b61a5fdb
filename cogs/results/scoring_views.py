"""Embeds and buttons of results scoring: a team's breakdown, metric boards with page
buttons, and the weekly results summary post (its renderer)."""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Any

import discord

from bot.i18n import N_
from bot.interactions import PersistentButton, interaction_locale
from bot.services.publications import Publication
from bot.services.results.scoring_models import MetricBoard, TeamBreakdown, WeekSummary
from cogs._publisher import Rendered, Renderer
from cogs._ui import esc, require_organizer, tr
from cogs.points.views import track_name

if TYPE_CHECKING:
    from bot.app import PodiumBot

log = logging.getLogger(__name__)

SHOW_TITLE = N_("Store results of {team} · {span}")
SHOW_SEASON = N_("season so far")
SHOW_WEEK = N_("week {week}")
SHOW_LINE = N_(
    "**{metric}**: {value} → normalized {normalized} × weight {weight} = {points} points"
)
SHOW_TOTAL = N_("Results points: **{points}** of {max}")
SHOW_CREDITED = N_("In the ledger for this week: {points} points")
SHOW_NOT_SCORED = N_("This week has not been scored into the ledger yet.")
SHOW_NO_SCORING = N_("Track {track} earns no results points; these are its numbers only.")
SHOW_OTHER = N_("Other metrics")
SHOW_BY = N_("By {by}")
SHOW_BY_NONE = N_("No counted orders in this span.")
SHOW_UNKNOWN_GROUP = N_("(not given)")
BOARD_TITLE = N_("Results board · {metric} · {track} · {span}")
BOARD_LINE = N_("**{rank}.** {team} — {value}")
BOARD_NO_VALUE = N_("— {team}: no value")
BOARD_EMPTY = N_("No teams in this track yet.")
BOARD_FOOTER = N_("Page {page} of {pages} · {teams} teams")
BOARD_LOWER = N_("Smallest value first.")
BOARD_PREVIOUS = N_("Previous")
BOARD_NEXT = N_("Next")
SUMMARY_TITLE = N_("Store results points · {track} · week {week}")
SUMMARY_LINE = N_("**{rank}.** {team} — {points} points")
SUMMARY_FOOTER = N_("{teams} teams scored · at most {max} points a week")
RESCORED = N_(
    "Week {week} scored again: {scored} teams, {credited} new ledger entries, {reversed} reversed."
)
DIMENSION_LABELS = {
    "country": N_("country"),
    "category": N_("category"),
    "channel": N_("channel"),
}
NO_VALUE = "—"


def format_value(bot: PodiumBot, metric: str, value: float | None) -> str:
    """A metric's value in its unit (money in the season's base currency)."""
    if value is None:
        return NO_VALUE
    config = bot.competition.results
    spec = config.metric(metric)
    unit = spec.unit if spec is not None else None
    if unit is None:
        unit = next((d.unit for d in config.derived if d.key == metric), "ratio")
    if unit == "money":
        return f"{value:,.2f} {config.base_currency}"
    if unit == "count":
        return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"
    if unit == "percent":
        return f"{value * 100:.2f}%"
    return f"{value:,.2f}"


def _span(bot: PodiumBot, locale: str, week_key: str | None) -> str:
    if week_key is None:
        return tr(bot, locale, SHOW_SEASON)
    return tr(bot, locale, SHOW_WEEK, week=week_key)


def _number(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")


def breakdown_embed(bot: PodiumBot, shown: TeamBreakdown, locale: str) -> discord.Embed:
    """``/results show``: each weighted metric's value, normalized value, weight and points,
    the total, what the ledger holds, the other metrics and a breakdown by group."""
    title = tr(bot, locale, SHOW_TITLE, team=shown.team, span=_span(bot, locale, shown.week_key))
    lines = [
        tr(
            bot,
            locale,
            SHOW_LINE,
            metric=score.metric,
            value=format_value(bot, score.metric, score.value),
            normalized=f"{score.normalized:.2f}",
            weight=_number(score.weight),
            points=f"{score.points:.1f}",
        )
        for score in shown.scores
    ]
    scoring = bot.competition.results.scoring.for_track(shown.track)
    if scoring is None:
        lines.append(tr(bot, locale, SHOW_NO_SCORING, track=track_name(bot, shown.track, locale)))
    else:
        lines.append(
            tr(bot, locale, SHOW_TOTAL, points=shown.points, max=_number(scoring.total_weight))
        )
        if shown.week_key is not None:
            lines.append(
                tr(bot, locale, SHOW_CREDITED, points=shown.credited)
                if shown.credited is not None
                else tr(bot, locale, SHOW_NOT_SCORED)
            )
    embed = discord.Embed(
        title=title[:256], description="\n".join(lines)[:4096], colour=discord.Colour.teal()
    )
    if shown.other_values:
        other = "\n".join(f"{k}: {format_value(bot, k, v)}" for k, v in shown.other_values)
        embed.add_field(name=tr(bot, locale, SHOW_OTHER), value=other[:1024], inline=False)
    if shown.by is not None:
        by = tr(bot, locale, DIMENSION_LABELS[shown.by])
        rows = [
            f"**{esc(group) if group else tr(bot, locale, SHOW_UNKNOWN_GROUP)}**: "
            + " · ".join(f"{k} {format_value(bot, k, v)}" for k, v in values if v is not None)
            for group, values in shown.groups
        ]
        embed.add_field(
            name=tr(bot, locale, SHOW_BY, by=by),
            value=("\n".join(rows) or tr(bot, locale, SHOW_BY_NONE))[:1024],
            inline=False,
        )
    return embed


def board_embed(bot: PodiumBot, board: MetricBoard, locale: str) -> discord.Embed:
    """One page of a metric board."""
    lines = [
        tr(
            bot,
            locale,
            BOARD_LINE,
            rank=row.rank,
            team=esc(row.team),
            value=format_value(bot, board.metric, row.value),
        )
        if row.rank is not None
        else tr(bot, locale, BOARD_NO_VALUE, team=esc(row.team))
        for row in board.rows
    ]
    if board.lower_is_better:
        lines.append(tr(bot, locale, BOARD_LOWER))
    title = tr(
        bot,
        locale,
        BOARD_TITLE,
        metric=board.metric,
        track=track_name(bot, board.track, locale),
        span=_span(bot, locale, board.week_key),
    )
    embed = discord.Embed(
        title=title[:256],
        description=("\n".join(lines) or tr(bot, locale, BOARD_EMPTY))[:4096],
        colour=discord.Colour.teal(),
    )
    embed.set_footer(
        text=tr(bot, locale, BOARD_FOOTER, page=board.page, pages=board.pages, teams=board.teams)
    )
    return embed


class BoardPageButton(
    PersistentButton,
    template=r"podium:results-board:(?P<page>\d{1,4}):(?P<track>[a-z0-9_]{2,20}):"
    r"(?P<week>season|\d{4}-W\d{2}):(?P<metric>[a-z][a-z0-9_]{0,39})",
):
    """Previous / Next on a results board (organizers); the custom id names the board."""

    def __init__(self, page: int, track: str, week: str, metric: str, label: str = "") -> None:
        super().__init__(
            custom_id=f"podium:results-board:{page}:{track}:{week}:{metric}",
            label=label or str(page),
        )
        self.page, self.track, self.week, self.metric = page, track, week, metric

    @classmethod
    def from_match(cls, match: re.Match[str]) -> BoardPageButton:
        """The button of the page and board in the custom id."""
        return cls(int(match["page"]), match["track"], match["week"], match["metric"])

    async def pressed(self, bot: PodiumBot, interaction: discord.Interaction[Any]) -> None:
        """Show the page in place of the one pressed on."""
        await require_organizer(interaction)
        locale = interaction_locale(interaction)
        board = await bot.services.results_scoring.reports.board(
            metric=self.metric, track=self.track, week=self.week, page=self.page
        )
        await interaction.response.edit_message(
            embed=board_embed(bot, board, locale), view=board_view(bot, board, locale)
        )


def board_view(bot: PodiumBot, board: MetricBoard, locale: str) -> discord.ui.View | None:
    """Previous / Next buttons (only those that lead somewhere); None for a single page."""
    if board.pages <= 1:
        return None
    week = board.week_key or "season"
    view = discord.ui.View(timeout=None)
    if board.page > 1:
        label = tr(bot, locale, BOARD_PREVIOUS)
        view.add_item(BoardPageButton(board.page - 1, board.track, week, board.metric, label))
    if board.page < board.pages:
        label = tr(bot, locale, BOARD_NEXT)
        view.add_item(BoardPageButton(board.page + 1, board.track, week, board.metric, label))
    return view


class SummaryRenderer(Renderer):
    """The weekly results summary post in the leaderboard channel (once per week and
    track: its journal key; a crashed post is found again by its footer marker)."""

    claim_without_channel = True
    no_channel_error = "no leaderboard channel"
    history_limit = 50

    def __init__(self, bot: PodiumBot) -> None:
        super().__init__()
        self.bot = bot

    def marker(self, summary: WeekSummary) -> str:
        """The footer marker of a summary post (season · week · track)."""
        return f"Podium results · {summary.season} · {summary.week_key} · {summary.track}"

    async def find(self, publication: Publication, channel: discord.abc.Messageable) -> int | None:
        """The post a dead process made, by its footer marker."""
        marker = self.marker(publication.data)
        me = self.bot.user
        try:
            async for message in channel.history(limit=self.history_limit):
                if me is not None and message.author.id != me.id:
                    continue
                if any((embed.footer.text or "").endswith(marker) for embed in message.embeds):
                    return message.id
        except discord.HTTPException as exc:
            log.warning("cannot read the leaderboard channel history status=%s", exc.status)
        return None

    async def render(
        self, publication: Publication, channel: discord.abc.Messageable
    ) -> Rendered | None:
        """The summary embed in the competition's default language."""
        summary: WeekSummary = publication.data
        bot = self.bot
        locale = bot.competition.competition.default_locale
        lines = [
            tr(bot, locale, SUMMARY_LINE, rank=line.rank, team=esc(line.team), points=line.points)
            for line in summary.lines
        ]
        embed = discord.Embed(
            title=tr(
                bot,
                locale,
                SUMMARY_TITLE,
                track=track_name(bot, summary.track, locale),
                week=summary.week_key,
            )[:256],
            description="\n".join(lines)[:4096],
            colour=discord.Colour.teal(),
        )
        footer = tr(
            bot, locale, SUMMARY_FOOTER, teams=summary.scored_teams, max=_number(summary.max_points)
        )
        embed.set_footer(text=f"{footer}\n{self.marker(summary)}")
        return Rendered(embed=embed, kwargs={"allowed_mentions": discord.AllowedMentions.none()})
