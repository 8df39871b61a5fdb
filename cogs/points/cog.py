"""`/leaderboard`, `/points …` and `/season close` (SPEC §3.3), and the weekly board post."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.i18n import N_
from bot.interactions import interaction_locale, send_ephemeral
from bot.services.points import (
    BOARD_PUBLICATION,
    MAX_AMOUNT,
    MAX_IMPORT_BYTES,
    MAX_REASON,
    WEEKLY_POST_JOB,
    FileTooLarge,
)
from cogs._ui import ORGANIZER_ONLY, esc, organizer_only, tr
from cogs.points.leaderboard_post import (
    SEASON_CLOSE_WARNING,
    BoardRenderer,
    SeasonCloseButton,
    catch_up,
    season_close_view,
)
from cogs.points.views import (
    AWARDED,
    REVOKED,
    ImportButton,
    board_embed,
    import_embed,
    import_view,
    signed,
    team_points_embed,
)

if TYPE_CHECKING:
    from bot.app import PodiumBot

log = logging.getLogger(__name__)

WEEK_CURRENT = N_("This week")
WEEK_LAST = N_("Last week")


class PointsCog(commands.Cog):
    """Points, boards and the season close."""

    points = app_commands.Group(name="points", description="Team points", guild_only=True)
    season = app_commands.Group(
        name="season", description="Season tools", guild_only=True, extras=ORGANIZER_ONLY
    )

    def __init__(self, bot: PodiumBot) -> None:
        self.bot = bot
        #: The catch-up started with the bot (tests wait for it before moving the clock).
        self.startup: asyncio.Task[dict[str, str]] | None = None

    async def cog_load(self) -> None:
        """Buttons that survive restarts, the board renderer, the weekly job, and the
        catch-up of a missed post."""
        self.bot.add_dynamic_items(ImportButton, SeasonCloseButton)
        points = self.bot.services.points
        self.bot.publisher.register(BOARD_PUBLICATION, BoardRenderer(self.bot))
        scheduler = self.bot.services.scheduler
        scheduler.register(WEEKLY_POST_JOB, points.run_weekly_post)
        following = points.next_weekly_run()
        await scheduler.schedule(following.kind, following.key, following.when, following.payload)
        if self.bot.role.jobs:  # the posts of jobs are made where jobs fire
            self.startup = self.bot.spawn(catch_up(self.bot), name="leaderboard-catch-up")

    async def cog_unload(self) -> None:
        """Stop a catch-up still waiting for the gateway."""
        if self.startup is not None:
            self.startup.cancel()

    # -- autocomplete ----------------------------------------------------------------------
    async def _teams(
        self, interaction: discord.Interaction[PodiumBot], current: str
    ) -> list[app_commands.Choice[str]]:
        found = await self.bot.services.points.search_teams(current, limit=25)
        return [app_commands.Choice(name=name[:100], value=name) for _id, name in found]

    async def _weeks(
        self, interaction: discord.Interaction[PodiumBot], current: str
    ) -> list[app_commands.Choice[str]]:
        locale = interaction_locale(interaction)
        points = self.bot.services.points
        choices = [
            app_commands.Choice(name=tr(self.bot, locale, WEEK_CURRENT), value="current"),
            app_commands.Choice(name=tr(self.bot, locale, WEEK_LAST), value="last"),
        ]
        choices += [
            app_commands.Choice(name=week.key, value=week.key) for week in points.recent_weeks(12)
        ]
        typed = current.strip().lower()
        return [c for c in choices if typed in c.name.lower() or typed in c.value][:25]

    async def _tracks(
        self, interaction: discord.Interaction[PodiumBot], current: str
    ) -> list[app_commands.Choice[str]]:
        locale = interaction_locale(interaction)
        return [
            app_commands.Choice(name=t.name.get(locale), value=t.key)
            for t in self.bot.competition.tracks
            if current.lower() in (t.key + t.name.get(locale)).lower()
        ]

    async def _cohorts(
        self, interaction: discord.Interaction[PodiumBot], current: str
    ) -> list[app_commands.Choice[str]]:
        locale = interaction_locale(interaction)
        return [
            app_commands.Choice(name=c.name.get(locale), value=c.key)
            for c in self.bot.competition.cohorts
            if current.lower() in (c.key + c.name.get(locale)).lower()
        ]

    # -- commands --------------------------------------------------------------------------
    @app_commands.command(name="leaderboard", description="This week's top teams and your rank")
    @app_commands.guild_only()
    @app_commands.describe(
        week="current, last or a week like 2026-W48",
        track="Which track's board (default: your team's)",
        cohort="Only teams of this cohort",
    )
    async def leaderboard(
        self,
        interaction: discord.Interaction[PodiumBot],
        week: str | None = None,
        track: str | None = None,
        cohort: str | None = None,
    ) -> None:
        """Show a week's top 10 of a track and the caller's team rank."""
        board = await self.bot.services.points.week_board(
            week=week, track=track, cohort=cohort, viewer_id=interaction.user.id
        )
        await send_ephemeral(
            interaction, embed=board_embed(self.bot, board, interaction_locale(interaction))
        )

    @points.command(name="show", description="A team's points this week and this season")
    @app_commands.describe(team="The team (default: yours)")
    async def show(
        self, interaction: discord.Interaction[PodiumBot], team: str | None = None
    ) -> None:
        """This week, the season total and the newest ledger entries of a team."""
        shown = await self.bot.services.points.team_points(team=team, viewer_id=interaction.user.id)
        await send_ephemeral(
            interaction, embed=team_points_embed(self.bot, shown, interaction_locale(interaction))
        )

    @points.command(name="award", description="Give points to a team", extras=ORGANIZER_ONLY)
    @app_commands.describe(
        team="The team",
        amount="Points to give (negative for a penalty)",
        reason="Why, shown to the team",
    )
    @organizer_only
    async def award(
        self,
        interaction: discord.Interaction[PodiumBot],
        team: str,
        amount: app_commands.Range[int, -MAX_AMOUNT, MAX_AMOUNT],
        reason: app_commands.Range[str, 1, MAX_REASON],
    ) -> None:
        """Append an award entry (organizers)."""
        entry = await self.bot.services.points.award(
            actor_id=interaction.user.id, team=team, amount=amount, reason=reason
        )
        text = tr(
            self.bot,
            interaction_locale(interaction),
            AWARDED,
            entry=entry.id,
            amount=signed(entry.amount),
            team=esc(entry.team_name),
            reason=esc(entry.reason),
            week=entry.week_key,
        )
        await send_ephemeral(interaction, text)

    @points.command(name="revoke", description="Reverse a ledger entry", extras=ORGANIZER_ONLY)
    @app_commands.describe(entry="The entry number (see /points show)", reason="Why")
    @organizer_only
    async def revoke(
        self,
        interaction: discord.Interaction[PodiumBot],
        entry: app_commands.Range[int, 1],
        reason: app_commands.Range[str, 1, MAX_REASON],
    ) -> None:
        """Append the reversal of an entry (organizers)."""
        reversal = await self.bot.services.points.revoke(
            actor_id=interaction.user.id, entry_id=entry, reason=reason
        )
        text = tr(
            self.bot,
            interaction_locale(interaction),
            REVOKED,
            entry=reversal.id,
            original=entry,
            amount=signed(reversal.amount),
            team=esc(reversal.team_name),
            reason=esc(reversal.reason),
        )
        await send_ephemeral(interaction, text)

    @points.command(
        name="import", description="Import points from a CSV file", extras=ORGANIZER_ONLY
    )
    @app_commands.describe(
        file="CSV with columns team, points, reason, member (optional), key (optional)"
    )
    @organizer_only
    async def import_file(
        self, interaction: discord.Interaction[PodiumBot], file: discord.Attachment
    ) -> None:
        """Check the file and show a preview with Import / Cancel buttons (organizers)."""
        locale = interaction_locale(interaction)
        if file.size > MAX_IMPORT_BYTES:
            raise FileTooLarge(size=MAX_IMPORT_BYTES // (1024 * 1024))
        await interaction.response.defer(ephemeral=True, thinking=True)
        data = await file.read()
        preview = await self.bot.services.points.preview_import(
            actor_id=interaction.user.id, file_name=file.filename, data=data
        )
        await interaction.followup.send(
            embed=import_embed(self.bot, preview, locale),
            view=import_view(self.bot, preview, locale),
            ephemeral=True,
        )

    @season.command(
        name="close", description="Freeze points, post final boards, give the Alumni role"
    )
    @organizer_only
    async def close(self, interaction: discord.Interaction[PodiumBot]) -> None:
        """Ask for confirmation; the button does the work (organizers)."""
        locale = interaction_locale(interaction)
        text = tr(
            self.bot,
            locale,
            SEASON_CLOSE_WARNING,
            season=self.bot.services.points.season,
            top_n=self.bot.competition.points.alumni_top_n,
            role=esc(self.bot.competition.roles.alumni),
        )
        await send_ephemeral(interaction, text, view=season_close_view(self.bot, locale))

    show.autocomplete("team")(_teams)
    award.autocomplete("team")(_teams)
    leaderboard.autocomplete("week")(_weeks)
    leaderboard.autocomplete("track")(_tracks)
    leaderboard.autocomplete("cohort")(_cohorts)
