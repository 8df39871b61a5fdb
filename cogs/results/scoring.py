"""``/results show``, ``/results board`` and ``/results rescore``: the scoring commands of
the results cog (a mixin of ``ResultsCog``), and the loading of the weekly results job."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.interactions import interaction_locale, send_ephemeral
from bot.services.results.weekly_points import RESULTS_POINTS_JOB, SUMMARY_PUBLICATION
from cogs._ui import is_organizer, organizer_only, tr
from cogs.results.groups import results
from cogs.results.scoring_views import (
    RESCORED,
    BoardPageButton,
    SummaryRenderer,
    board_embed,
    board_view,
    breakdown_embed,
)

if TYPE_CHECKING:
    from bot.app import PodiumBot

log = logging.getLogger(__name__)

_BY = [
    app_commands.Choice(name="country", value="country"),
    app_commands.Choice(name="category", value="category"),
    app_commands.Choice(name="channel", value="channel"),
]


async def load_scoring(bot: PodiumBot) -> None:
    """The board's page buttons, the summary renderer, the weekly job and its next run, and
    the catch-up of a week missed while down (``ResultsCog.cog_load`` calls this)."""
    bot.add_dynamic_items(BoardPageButton)
    bot.publisher.register(SUMMARY_PUBLICATION, SummaryRenderer(bot))
    weekly = bot.services.results_scoring.weekly
    scheduler = bot.services.scheduler
    scheduler.register(RESULTS_POINTS_JOB, weekly.run_job)
    following = weekly.next_run()
    await scheduler.schedule(following.kind, following.key, following.when, following.payload)


async def catch_up_scoring(bot: PodiumBot) -> list[str]:
    """At start, once connected: score the newest due week and post its summaries if they
    were not posted (the journal skips those that were)."""
    await bot.wait_until_ready()
    _run, publications = await bot.services.results_scoring.weekly.catch_up()
    outcomes = await bot.publisher.publish(publications)
    log.info("results summaries catch-up %s", outcomes)
    return outcomes


class ScoringCommands(commands.Cog):
    """``/results show``, ``board`` and ``rescore`` (a base of ``ResultsCog``)."""

    bot: PodiumBot

    async def _scoring_teams(
        self, interaction: discord.Interaction[PodiumBot], current: str
    ) -> list[app_commands.Choice[str]]:
        if not await is_organizer(interaction):
            return []
        found = await self.bot.services.points.search_teams(current, limit=25)
        return [app_commands.Choice(name=name[:100], value=name) for _id, name in found]

    async def _scoring_weeks(
        self, interaction: discord.Interaction[PodiumBot], current: str
    ) -> list[app_commands.Choice[str]]:
        keys = ["last", "current", "season"] + [
            w.key for w in self.bot.services.points.recent_weeks(12)
        ]
        typed = current.strip().lower()
        return [app_commands.Choice(name=k, value=k) for k in keys if typed in k.lower()][:25]

    async def _scoring_metrics(
        self, interaction: discord.Interaction[PodiumBot], current: str
    ) -> list[app_commands.Choice[str]]:
        keys = self.bot.services.results_scoring.reports.metric_keys(
            self.bot.competition.results.metric_keys
        )
        typed = current.strip().lower()
        return [app_commands.Choice(name=k, value=k) for k in keys if typed in k][:25]

    async def _scoring_tracks(
        self, interaction: discord.Interaction[PodiumBot], current: str
    ) -> list[app_commands.Choice[str]]:
        locale = interaction_locale(interaction)
        return [
            app_commands.Choice(name=t.name.get(locale)[:100], value=t.key)
            for t in self.bot.competition.tracks
            if current.lower() in (t.key + t.name.get(locale)).lower()
        ][:25]

    @results.command(name="show", description="Store results: each metric, its weight and points")
    @app_commands.describe(
        team="organizers: any team (default: your team)",
        week="last (default), current, YYYY-Www or season",
        by="break the orders down by country, category or channel",
    )
    @app_commands.autocomplete(team=_scoring_teams, week=_scoring_weeks)
    @app_commands.choices(by=_BY)
    async def show(
        self,
        interaction: discord.Interaction[PodiumBot],
        team: app_commands.Range[str, 1, 100] | None = None,
        week: app_commands.Range[str, 1, 20] | None = None,
        by: app_commands.Choice[str] | None = None,
    ) -> None:
        organizer = await is_organizer(interaction)
        await interaction.response.defer(ephemeral=True, thinking=True)
        shown = await self.bot.services.results_scoring.reports.team_breakdown(
            viewer_id=interaction.user.id,
            team=team,
            week=week,
            organizer=organizer,
            by=by.value if by is not None else None,  # type: ignore[arg-type]
        )
        locale = interaction_locale(interaction)
        await send_ephemeral(interaction, embed=breakdown_embed(self.bot, shown, locale))

    @results.command(name="board", description="Teams ranked by one store metric (organizers)")
    @app_commands.describe(
        metric="the metric to rank by",
        track="the track (default: the first)",
        week="last (default), current, YYYY-Www or season",
        page="page of 10 teams (default 1)",
    )
    @app_commands.autocomplete(metric=_scoring_metrics, track=_scoring_tracks, week=_scoring_weeks)
    @organizer_only
    async def board(
        self,
        interaction: discord.Interaction[PodiumBot],
        metric: app_commands.Range[str, 1, 40],
        track: app_commands.Range[str, 1, 20] | None = None,
        week: app_commands.Range[str, 1, 20] | None = None,
        page: app_commands.Range[int, 1, 1000] = 1,
    ) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        board = await self.bot.services.results_scoring.reports.board(
            metric=metric, track=track, week=week, page=page
        )
        locale = interaction_locale(interaction)
        view = board_view(self.bot, board, locale)
        await send_ephemeral(
            interaction,
            embed=board_embed(self.bot, board, locale),
            view=view or discord.utils.MISSING,
        )

    @results.command(name="rescore", description="Score a finished week into the ledger again")
    @app_commands.describe(week="last (default) or YYYY-Www")
    @app_commands.autocomplete(week=_scoring_weeks)
    @organizer_only
    async def rescore(
        self,
        interaction: discord.Interaction[PodiumBot],
        week: app_commands.Range[str, 1, 20] | None = None,
    ) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        run = await self.bot.services.results_scoring.weekly.rescore(
            actor_id=interaction.user.id, week=week
        )
        text = tr(
            self.bot,
            interaction_locale(interaction),
            RESCORED,
            week=run.week_key,
            scored=run.scored,
            credited=run.credited,
            reversed=run.reversed,
        )
        await send_ephemeral(interaction, text)
