"""`/admin`: organizer tools: `/admin setup`, `/admin stats`, `/admin audit` (SPEC §3.8)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord_resources import create_resource, existing_resources, repair_mentionable
from bot.errors import GuildOnly
from bot.i18n import N_
from bot.services.setup import DesiredResource, SetupReport
from cogs._ui import ORGANIZER_ONLY, organizer_only
from cogs.admin.organizer_access import reconcile, remember_member
from cogs.admin.views import AuditPager, audit_embed, stats_embed

if TYPE_CHECKING:
    from bot.app import PodiumBot

log = logging.getLogger(__name__)

SETUP_TITLE = N_("Server setup")
SETUP_NOTHING = N_("Everything the configuration names already exists. Nothing was created.")
SETUP_CREATED = N_("Created")
SETUP_FOUND = N_("Already there: {count} roles and channels, now linked to Podium.")
SETUP_FAILED = N_("Could not create")
SETUP_FAILED_HINT = N_(
    "Give my role the Manage Roles and Manage Channels permissions, move it above the cohort "
    "roles, and run /admin setup again."
)
KIND_LABELS = {"role": N_("role"), "category": N_("category"), "channel": N_("channel")}


class AdminCog(commands.Cog):
    """Organizer tools."""

    admin = app_commands.Group(
        name="admin",
        description="Organizer tools",
        guild_only=True,
        extras=ORGANIZER_ONLY,
    )

    def __init__(self, bot: PodiumBot) -> None:
        self.bot = bot

    @admin.command(
        name="setup", description="Create the roles and channels the configuration names"
    )
    @organizer_only
    async def setup_server(self, interaction: discord.Interaction[PodiumBot]) -> None:
        """Create what the server lacks, record every id, and report what happened."""
        guild = interaction.guild
        if guild is None:
            raise GuildOnly()
        await interaction.response.defer(ephemeral=True, thinking=True)
        services = self.bot.services
        plan = await services.setup.plan(existing_resources(guild))
        ids = {resource.key: discord_id for resource, discord_id in plan.found}
        created: list[tuple[DesiredResource, int]] = []
        failed: list[tuple[DesiredResource, str]] = []
        reason = f"Podium /admin setup by {interaction.user} ({interaction.user.id})"
        for resource in plan.to_create:
            try:
                new_id = await create_resource(guild, resource, ids, reason=reason)
            except discord.Forbidden:
                failed.append((resource, "missing permission"))
                continue
            except discord.HTTPException as exc:
                log.warning(
                    "setup could not create kind=%s name=%s status=%s",
                    resource.kind,
                    resource.name,
                    exc.status,
                )
                failed.append((resource, f"Discord error {exc.status}"))
                continue
            ids[resource.key] = new_id
            created.append((resource, new_id))
        await repair_mentionable(guild, plan.found, reason=reason)
        report = await services.setup.record(
            actor_id=interaction.user.id, found=plan.found, created=created, failed=failed
        )
        await interaction.followup.send(
            embed=self._report_embed(interaction, report), ephemeral=True
        )
        # The recorded organizer role may have changed: its former holders lose the dashboard.
        self.bot.spawn(reconcile(self.bot, guild), name="dashboard-access-reconcile")

    def _report_embed(
        self, interaction: discord.Interaction[PodiumBot], report: SetupReport
    ) -> discord.Embed:
        catalogs = self.bot.catalogs
        locale = str(interaction.locale)
        embed = discord.Embed(
            title=catalogs.gettext(locale, SETUP_TITLE), colour=discord.Colour.green()
        )

        def describe(resource: DesiredResource) -> str:
            kind = catalogs.gettext(locale, KIND_LABELS[resource.kind])
            return f"{kind} **{discord.utils.escape_markdown(resource.name)}**"

        if report.created:
            embed.add_field(
                name=catalogs.gettext(locale, SETUP_CREATED),
                value="\n".join(describe(r) for r in report.created)[:1024],
                inline=False,
            )
        else:
            embed.description = catalogs.gettext(locale, SETUP_NOTHING)
        if report.found:
            embed.add_field(
                name="✓",
                value=catalogs.gettext(locale, SETUP_FOUND, count=len(report.found)),
                inline=False,
            )
        if report.failed:
            embed.colour = discord.Colour.orange()
            embed.add_field(
                name=catalogs.gettext(locale, SETUP_FAILED),
                value=(
                    "\n".join(describe(r) for r, _ in report.failed)[:900]
                    + "\n"
                    + catalogs.gettext(locale, SETUP_FAILED_HINT)
                )[:1024],
                inline=False,
            )
        return embed

    # -- engagement (stats, audit) -------------------------------------------------------
    @admin.command(name="stats", description="Daily and weekly actives per cohort, and totals")
    @organizer_only
    async def stats(self, interaction: discord.Interaction[PodiumBot]) -> None:
        """Flush the activity counters, then show actives per cohort and the totals."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        stats = await self.bot.services.activity.stats()
        locale = str(interaction.locale)
        await interaction.followup.send(embed=stats_embed(self.bot, stats, locale), ephemeral=True)

    @admin.command(name="audit", description="The audit log, newest first")
    @app_commands.describe(
        action="An action or its prefix, e.g. team or points.award",
        member="Only records this member did or that concern them",
        page="Page number (10 records a page)",
    )
    @organizer_only
    async def audit(
        self,
        interaction: discord.Interaction[PodiumBot],
        action: app_commands.Range[str, 1, 64] | None = None,
        member: discord.User | None = None,
        page: app_commands.Range[int, 1, 100000] = 1,
    ) -> None:
        """One page of the audit log with Previous / Next buttons."""
        user_id = member.id if member is not None else None
        result = await self.bot.services.audit.page(page=page, action=action, user_id=user_id)
        locale = str(interaction.locale)
        view = AuditPager(self.bot, page=result, action=action, user_id=user_id, locale=locale)
        await interaction.response.send_message(
            embed=audit_embed(self.bot, result, locale),
            view=view,
            ephemeral=True,
            allowed_mentions=discord.AllowedMentions.none(),
        )

    @audit.autocomplete("action")
    async def _audit_actions(
        self, interaction: discord.Interaction[PodiumBot], current: str
    ) -> list[app_commands.Choice[str]]:
        typed = current.strip().casefold()
        actions = await self.bot.services.audit.actions()
        return [
            app_commands.Choice(name=name, value=name)
            for name in actions
            if not typed or typed in name.casefold()
        ][:25]

    # -- web dashboard -------------------------------------------------------------------
    DASHBOARD_LINK = N_(
        "Your dashboard login link: <{url}>\nIt works once, until {expires}. Do not share it: "
        "whoever opens it is signed in as you."
    )

    @admin.command(name="dashboard", description="A private login link to the web dashboard")
    @organizer_only
    async def dashboard(self, interaction: discord.Interaction[PodiumBot]) -> None:
        """Reply privately with a single-use 10-minute login link (audited)."""
        from bot.calendar import discord_timestamp
        from bot.interactions import send_ephemeral

        link = await self.bot.services.web_auth.issue_link(user_id=interaction.user.id)
        await send_ephemeral(
            interaction,
            self.bot.catalogs.gettext(
                str(interaction.locale),
                self.DASHBOARD_LINK,
                url=link.url,
                expires=discord_timestamp(link.expires_at),
            ),
        )
        if isinstance(interaction.user, discord.Member):
            await remember_member(self.bot, interaction.user)
