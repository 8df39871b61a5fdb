"""`/cohort`: tiered cohorts (SPEC §3.2). Roles follow the database; drift is repaired at
start. Thin: parse, call the cohort service, apply roles through ``cogs.cohorts.roles``."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.errors import GuildOnly
from bot.i18n import N_
from bot.interactions import send_ephemeral
from bot.services.cohorts import (
    IMPORT_MAX_BYTES,
    IMPORT_MAX_ROWS,
    CohortImportUnreadable,
    Promotion,
)
from cogs._ui import ORGANIZER_ONLY, organizer_only
from cogs.cohorts import promotions as promotion_posts
from cogs.cohorts import roles

if TYPE_CHECKING:
    from bot.app import PodiumBot

log = logging.getLogger(__name__)

SHOW_COHORT = N_("Your cohort: **{cohort}**")
SHOW_NONE = N_("You are not in a cohort yet: join or create a team, or ask an organizer.")
SHOW_POINTS = N_("Team **{team}**: {points} season points.")
SHOW_NO_TEAM = N_("You are not in a team, so you collect no points toward promotion yet.")
SHOW_NEXT = N_("Next: **{cohort}** at {threshold} points — {needed} to go.")
SHOW_TOP = N_("You are in the top cohort.")
ASSIGNED = N_("{member} is now in **{cohort}** (was {old}).")
ROLE_FAILED = N_(
    "The cohort is saved, but I could not change the role: check that my role is above the "
    "cohort roles. It is fixed at my next start."
)
PROMOTE_DONE = N_("Promotion run done: {count} member(s) promoted.")


class CohortCog(commands.Cog):
    """Cohorts and their roles."""

    cohort = app_commands.Group(
        name="cohort", description="Your cohort and the cohort tools", guild_only=True
    )

    def __init__(self, bot: PodiumBot) -> None:
        self.bot = bot
        self._repaired = False

    async def cog_load(self) -> None:
        """Make import confirmations work after a restart."""
        self.bot.add_dynamic_items(roles.ImportConfirmButton)
        self.bot.publisher.register(
            promotion_posts.PROMOTION_DM, promotion_posts.PromotionDmRenderer(self.bot)
        )
        self.bot.publisher.register(
            promotion_posts.PROMOTION_WELCOME, promotion_posts.PromotionWelcomeRenderer(self.bot)
        )

    async def cog_unload(self) -> None:
        """Forget the promotion renderers."""
        self.bot.publisher.unregister(promotion_posts.PROMOTION_DM)
        self.bot.publisher.unregister(promotion_posts.PROMOTION_WELCOME)

    @commands.Cog.listener()
    async def on_ready(self) -> None:
        """Repair role drift once per process, off the critical path."""
        if not self._repaired:
            self._repaired = True
            self.bot.spawn(roles.repair_drift(self.bot), name="cohort-role-repair")

    @commands.Cog.listener()
    async def on_member_update(self, before: discord.Member, after: discord.Member) -> None:
        """Someone changed a member's cohort roles by hand: the database wins again."""
        if after.guild.id != self.bot.guild_id or after.bot:
            return
        configured = {c.role for c in self.bot.competition.cohorts}
        changed = {r for r in before.roles if r.name in configured} ^ {
            r for r in after.roles if r.name in configured
        }
        if changed:
            role_ids = await roles.cohort_roles(self.bot, after.guild)
            if await roles.repair_member(self.bot, after, role_ids):
                log.info("cohort role drift repaired live user=%s", after.id)

    @commands.Cog.listener()
    async def on_member_join(self, member: discord.Member) -> None:
        """A member who comes back gets their cohort role again."""
        if member.guild.id == self.bot.guild_id and not member.bot:
            role_ids = await roles.cohort_roles(self.bot, member.guild)
            await roles.repair_member(self.bot, member, role_ids)

    @commands.Cog.listener()
    async def on_weekly_boards_posted(self, week_key: str) -> None:
        """Promotions also run after each weekly leaderboard (SPEC §3.2)."""
        promotions = await self.run_promotions()
        log.info("promotions after weekly boards week=%s count=%d", week_key, len(promotions))

    async def run_promotions(self, *, actor_id: int | None = None) -> list[Promotion]:
        """Apply promotion thresholds now: database, roles, DMs and welcomes. The weekly
        leaderboard job calls this after posting the boards."""
        promotions = await self.bot.services.cohorts.promote_all(actor_id=actor_id)
        await promotion_posts.announce_promotions(self.bot, promotions)
        return promotions

    def _say(self, interaction: discord.Interaction[Any], message: str, **params: Any) -> str:
        return self.bot.catalogs.gettext(str(interaction.locale), message, **params)

    @cohort.command(name="show", description="Show your cohort and your progress to the next")
    async def show(self, interaction: discord.Interaction[PodiumBot]) -> None:
        """The member's cohort, team points and what the next cohort needs."""
        status = await self.bot.services.cohorts.status(interaction.user.id)
        locale = str(interaction.locale)
        lines = [
            self._say(
                interaction, SHOW_COHORT, cohort=roles.cohort_name(self.bot, status.cohort, locale)
            )
            if status.cohort
            else self._say(interaction, SHOW_NONE)
        ]
        if status.team_name is None:
            lines.append(self._say(interaction, SHOW_NO_TEAM))
        else:
            lines.append(
                self._say(
                    interaction,
                    SHOW_POINTS,
                    team=discord.utils.escape_markdown(status.team_name),
                    points=status.points,
                )
            )
        # Without a cohort there is no ladder to show yet (the entry cohort comes with a team).
        if status.cohort is not None and status.next_cohort is None:
            lines.append(self._say(interaction, SHOW_TOP))
        elif status.cohort is not None:
            lines.append(
                self._say(
                    interaction,
                    SHOW_NEXT,
                    cohort=roles.cohort_name(self.bot, status.next_cohort, locale),
                    threshold=status.next_threshold,
                    needed=status.points_needed,
                )
            )
        await send_ephemeral(interaction, "\n".join(lines))

    @cohort.command(
        name="assign", description="Put a member in a cohort (organizer)", extras=ORGANIZER_ONLY
    )
    @app_commands.describe(member="The member", cohort="The cohort to put them in")
    @organizer_only
    async def assign(
        self, interaction: discord.Interaction[PodiumBot], member: discord.Member, cohort: str
    ) -> None:
        """Save the cohort, then swap the member's cohort role in one edit."""
        if interaction.guild is None:
            raise GuildOnly()
        change = await self.bot.services.cohorts.assign(
            actor_id=interaction.user.id,
            user_id=member.id,
            display_name=member.display_name,
            cohort=cohort,
        )
        locale = str(interaction.locale)
        text = self._say(
            interaction,
            ASSIGNED,
            member=member.mention,
            cohort=roles.cohort_name(self.bot, change.new_cohort, locale),
            old=roles.cohort_name(self.bot, change.old_cohort, locale),
        )
        reason = f"Podium /cohort assign by {interaction.user.id}"
        if not await roles.apply_assignment(self.bot, interaction.guild, change, reason=reason):
            text += "\n" + self._say(interaction, ROLE_FAILED)
        await send_ephemeral(interaction, text)

    @assign.autocomplete("cohort")
    async def _cohort_choices(
        self, interaction: discord.Interaction[Any], current: str
    ) -> list[app_commands.Choice[str]]:
        locale = str(interaction.locale)
        return [
            app_commands.Choice(name=c.name.get(locale), value=c.key)
            for c in self.bot.competition.cohorts
            if current.casefold() in (c.key + " " + c.name.get(locale).casefold())
        ][:25]

    @cohort.command(
        name="import",
        description="Assign cohorts from a CSV file of user id, cohort (organizer)",
        extras=ORGANIZER_ONLY,
    )
    @app_commands.describe(file="CSV: one row per member with user id, cohort")
    @organizer_only
    async def import_file(
        self, interaction: discord.Interaction[PodiumBot], file: discord.Attachment
    ) -> None:
        """Check the file and show a dry-run preview with a confirm button."""
        guild = interaction.guild
        if guild is None:
            raise GuildOnly()
        if file.size > IMPORT_MAX_BYTES:
            raise roles_unreadable()
        await interaction.response.defer(ephemeral=True, thinking=True)
        data = await file.read()
        members = guild.members if guild.chunked else await guild.chunk()
        preview = await self.bot.services.cohorts.preview_import(
            actor_id=interaction.user.id,
            file_name=file.filename,
            data=data,
            server_members={m.id: m.display_name for m in members if not m.bot},
        )
        locale = str(interaction.locale)
        view = discord.ui.View(timeout=None)
        if preview.changes:
            label = self._say(interaction, roles.APPLY_BUTTON)
            view.add_item(roles.ImportConfirmButton(preview.import_id, label))
        await send_ephemeral(
            interaction, embed=roles.preview_embed(self.bot, locale, preview), view=view
        )

    @cohort.command(
        name="promote-run",
        description="Apply the promotion thresholds now (organizer)",
        extras=ORGANIZER_ONLY,
    )
    @organizer_only
    async def promote_run(self, interaction: discord.Interaction[PodiumBot]) -> None:
        """Promote every member whose team reached a threshold; roles, DMs, welcomes."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        promotions = await self.run_promotions(actor_id=interaction.user.id)
        lines = [self._say(interaction, PROMOTE_DONE, count=len(promotions))]
        locale = str(interaction.locale)
        lines += [
            f"<@{p.user_id}> → {roles.cohort_name(self.bot, p.new_cohort, locale)}"
            for p in promotions[:20]
        ]
        await send_ephemeral(interaction, "\n".join(lines)[:2000])


def roles_unreadable() -> CohortImportUnreadable:
    """The error for an import file that is too big to read."""
    return CohortImportUnreadable(max_kb=IMPORT_MAX_BYTES // 1024, max_rows=IMPORT_MAX_ROWS)
