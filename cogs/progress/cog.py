"""`/progress [stage] [link] [file]` for teams, `/progress-admin set|undo` for organizers,
and the daily stuck check with its alert and clinic button (issue 17)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.interactions import interaction_locale, send_ephemeral
from bot.services.progress import ALERT_PUBLICATION, STUCK_JOB, Evidence
from cogs._ui import ORGANIZER_ONLY, esc, is_organizer, organizer_only, tr
from cogs.contests.forms import dispatch_form
from cogs.progress import views as v

if TYPE_CHECKING:
    from bot.app import PodiumBot

log = logging.getLogger(__name__)


class ProgressCog(commands.Cog):
    """Team milestones: report, show, set, undo; the stuck alert."""

    admin = app_commands.Group(
        name="progress-admin", description="Team milestones (organizers)", guild_only=True
    )

    def __init__(self, bot: PodiumBot) -> None:
        self.bot = bot

    async def cog_load(self) -> None:
        """Register the stuck check and its post, make the clinic button survive restarts,
        schedule the next check."""
        self.bot.add_dynamic_items(v.ClinicButton)
        self.bot.publisher.register(ALERT_PUBLICATION, v.AlertRenderer(self.bot))
        self.bot.services.scheduler.register(STUCK_JOB, self.bot.services.progress.run_stuck_check)
        await self.bot.services.progress.ensure_job()

    async def cog_unload(self) -> None:
        """Unregister the job and the renderer."""
        self.bot.services.scheduler.unregister(STUCK_JOB)
        self.bot.publisher.unregister(ALERT_PUBLICATION)

    @commands.Cog.listener()
    async def on_interaction(self, interaction: discord.Interaction[PodiumBot]) -> None:
        """The clinic form's submissions (routed by custom id)."""
        await dispatch_form(self.bot, interaction, (v.CLINIC_FORM,))

    # -- autocomplete ---------------------------------------------------------------------
    async def _report_stages(
        self, interaction: discord.Interaction[PodiumBot], current: str
    ) -> list[app_commands.Choice[str]]:
        """Stages a member may report (not the first, not those reached from results)."""
        locale = interaction_locale(interaction)
        wanted = current.strip().casefold()
        return [
            app_commands.Choice(name=stage.label.get(locale)[:100], value=stage.key)
            for stage in self.bot.competition.progress.stages[1:]
            if stage.auto_orders is None
            and (wanted in stage.key or wanted in stage.label.get(locale).casefold())
        ][:25]

    async def _all_stages(
        self, interaction: discord.Interaction[PodiumBot], current: str
    ) -> list[app_commands.Choice[str]]:
        if not await is_organizer(interaction):
            return []
        locale = interaction_locale(interaction)
        wanted = current.strip().casefold()
        return [
            app_commands.Choice(name=stage.label.get(locale)[:100], value=stage.key)
            for stage in self.bot.competition.progress.stages
            if wanted in stage.key or wanted in stage.label.get(locale).casefold()
        ][:25]

    async def _teams(
        self, interaction: discord.Interaction[PodiumBot], current: str
    ) -> list[app_commands.Choice[str]]:
        if not await is_organizer(interaction):
            return []
        found = await self.bot.services.teams.search(current)
        return [app_commands.Choice(name=t.name[:100], value=t.name[:100]) for t in found][:25]

    # -- members --------------------------------------------------------------------------
    @app_commands.command(
        name="progress", description="Your team's stage and next step, or report a stage"
    )
    @app_commands.guild_only()
    @app_commands.describe(
        stage="The stage your team reached (leave empty to see where you are)",
        link="Evidence: an http(s) link",
        file="Evidence: a file",
    )
    @app_commands.autocomplete(stage=_report_stages)
    async def progress(
        self,
        interaction: discord.Interaction[PodiumBot],
        stage: str | None = None,
        link: str | None = None,
        file: discord.Attachment | None = None,
    ) -> None:
        """Without a stage: show; with one: report it with its evidence."""
        service = self.bot.services.progress
        locale = interaction_locale(interaction)
        if stage is None:
            status = await service.of_member(interaction.user.id)
            await send_ephemeral(interaction, v.show_text(self.bot, locale, status))
            return
        evidence = Evidence(
            link=link,
            file_name=file.filename if file is not None else None,
            file_url=file.url if file is not None else None,
        )
        change = await service.report(user_id=interaction.user.id, stage=stage, evidence=evidence)
        status = await service.of_team(change.team_id)
        text = tr(
            self.bot,
            locale,
            v.REPORTED,
            team=esc(change.team),
            stage=change.after.label.get(locale),
        )
        await send_ephemeral(interaction, text + "\n" + v.show_text(self.bot, locale, status))

    # -- organizers -----------------------------------------------------------------------
    @admin.command(
        name="set", description="Put a team at a stage (organizer)", extras=ORGANIZER_ONLY
    )
    @app_commands.describe(team="The team", stage="The stage to put it at")
    @app_commands.autocomplete(team=_teams, stage=_all_stages)
    @organizer_only
    async def set_stage(
        self, interaction: discord.Interaction[PodiumBot], team: str, stage: str
    ) -> None:
        """Set the stage (audited)."""
        service = self.bot.services.progress
        change = await service.set_stage(
            actor_id=interaction.user.id, team_id=await service.find_team(team), stage=stage
        )
        locale = interaction_locale(interaction)
        await send_ephemeral(
            interaction,
            tr(
                self.bot,
                locale,
                v.SET_DONE,
                team=esc(change.team),
                before=change.before.label.get(locale),
                after=change.after.label.get(locale),
            ),
        )

    @admin.command(
        name="undo",
        description="Undo a team's last change of stage (organizer)",
        extras=ORGANIZER_ONLY,
    )
    @app_commands.describe(team="The team")
    @app_commands.autocomplete(team=_teams)
    @organizer_only
    async def undo(self, interaction: discord.Interaction[PodiumBot], team: str) -> None:
        """Revert the last change (audited)."""
        service = self.bot.services.progress
        change = await service.undo(
            actor_id=interaction.user.id, team_id=await service.find_team(team)
        )
        locale = interaction_locale(interaction)
        await send_ephemeral(
            interaction,
            tr(
                self.bot,
                locale,
                v.UNDONE,
                team=esc(change.team),
                before=change.before.label.get(locale),
                after=change.after.label.get(locale),
            ),
        )
