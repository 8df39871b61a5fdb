"""Discord side of cohorts: role swaps, drift repair, promotion notices and the import
preview with its confirm button (a DynamicItem, so it works after a restart)."""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import discord

from bot.errors import NotOrganizer
from bot.i18n import N_
from bot.interactions import DomainCheckFailure, PersistentButton, send_ephemeral
from bot.services.cohorts import (
    IMPORT_ERRORS,
    CohortAssignment,
    ImportPreview,
    RoleFix,
    cohort_role_ids,
)
from cogs._ui import member_is_organizer

if TYPE_CHECKING:
    from bot.app import PodiumBot

log = logging.getLogger(__name__)

PROMOTED_DM = N_(
    "Congratulations! Your team reached {points} season points, so you are now in the "
    "{cohort} cohort. Its channels are open to you."
)
PROMOTED_WELCOME = N_("Welcome to {cohort}, {member}! Promoted with {points} team points.")
PREVIEW_TITLE = N_("Cohort import preview: {file}")
PREVIEW_CHANGES = N_("{count} member(s) will change cohort")
PREVIEW_UNCHANGED = N_("{count} row(s) match the current cohort already")
PREVIEW_ERRORS = N_("{count} row(s) refused")
PREVIEW_NOTHING = N_("Nothing to apply: no row changes a cohort.")
PREVIEW_HINT = N_("Nothing has changed yet. Press the button to apply the changes listed.")
APPLY_BUTTON = N_("Apply the import")
APPLIED = N_("Import applied: {count} member(s) changed cohort.")
ROLE_FAILURES = N_("{count} role change(s) failed: check that my role is above the cohort roles.")
NO_COHORT_ROLE = N_("unassigned")


def cohort_name(bot: PodiumBot, key: str | None, locale: str) -> str:
    """A cohort's display name in ``locale`` (or the localized 'unassigned')."""
    if key is None or key not in bot.competition.cohort_keys:
        return bot.catalogs.gettext(locale, NO_COHORT_ROLE)
    return bot.competition.cohort(key).name.get(locale)


async def cohort_roles(bot: PodiumBot, guild: discord.Guild) -> dict[str, int]:
    """Role id per cohort: the ids /admin setup recorded, else a role with the configured name."""
    found = cohort_role_ids(await bot.services.setup.resource_ids())
    for cohort in bot.competition.cohorts:
        if guild.get_role(found.get(cohort.key, 0)) is None:
            role = discord.utils.get(guild.roles, name=cohort.role)
            if role is not None:
                found[cohort.key] = role.id
            else:
                found.pop(cohort.key, None)
    return found


async def _member(guild: discord.Guild, user_id: int) -> discord.Member | None:
    member = guild.get_member(user_id)
    if member is not None:
        return member
    try:
        return await guild.fetch_member(user_id)
    except discord.NotFound:
        return None


async def set_cohort_role(
    guild: discord.Guild,
    member: discord.Member,
    role_ids: dict[str, int],
    wanted: int | None,
    *,
    reason: str,
) -> None:
    """Give ``member`` exactly the cohort role ``wanted`` (none if None) in ONE role edit,
    keeping every other role."""
    cohort_ids = set(role_ids.values())
    keep = [r for r in member.roles if not r.is_default() and r.id not in cohort_ids]
    new = guild.get_role(wanted) if wanted is not None else None
    roles = keep + ([new] if new is not None else [])
    await member.edit(roles=roles, reason=reason)


async def apply_assignment(
    bot: PodiumBot,
    guild: discord.Guild,
    assignment: CohortAssignment,
    *,
    reason: str = "Podium cohort",
    role_ids: dict[str, int] | None = None,
) -> bool:
    """Swap the member's cohort role to match ``assignment``; False when Discord refused or
    the member is not in the server (the database stays the truth; start-up repairs it)."""
    role_ids = role_ids if role_ids is not None else await cohort_roles(bot, guild)
    if assignment.new_cohort not in role_ids:
        log.info("cohort role unknown cohort=%s (run /admin setup)", assignment.new_cohort)
        return False
    member = await _member(guild, assignment.user_id)
    if member is None:
        return False
    try:
        await set_cohort_role(
            guild, member, role_ids, role_ids.get(assignment.new_cohort), reason=reason
        )
    except discord.HTTPException as exc:
        log.warning("cohort role not set user=%s status=%s", assignment.user_id, exc.status)
        return False
    return True


async def repair_drift(bot: PodiumBot) -> int:
    """Make every member's cohort roles match the database; audit each fix. Returns the
    number of members fixed. Fetches the member list (the bot does not chunk at start)."""
    await bot.wait_until_ready()
    guild = bot.get_guild(bot.guild_id)
    if guild is None:
        return 0
    members = guild.members if guild.chunked else await guild.chunk()
    role_ids = await cohort_roles(bot, guild)
    if not role_ids:
        log.info("cohort role repair skipped: no cohort roles yet (run /admin setup)")
        return 0
    cohorts = bot.services.cohorts
    member_roles = {m.id: {r.id for r in m.roles} for m in members if not m.bot}
    fixes = cohorts.plan_role_repair(member_roles, await cohorts.assigned(), role_ids)
    fixed = await _apply_fixes(bot, guild, {m.id: m for m in members}, fixes, role_ids)
    log.info("cohort role repair checked=%d fixed=%d", len(member_roles), fixed)
    return fixed


async def repair_member(bot: PodiumBot, member: discord.Member, role_ids: dict[str, int]) -> bool:
    """Make one member's cohort roles match the database (someone changed them by hand
    while the bot runs); audited. True when a fix was applied."""
    cohorts = bot.services.cohorts
    cohort = await cohorts.cohort_of(member.id)
    fixes = cohorts.plan_role_repair(
        {member.id: {r.id for r in member.roles}},
        {member.id: cohort} if cohort is not None else {},
        role_ids,
    )
    return await _apply_fixes(bot, member.guild, {member.id: member}, fixes, role_ids) > 0


async def _apply_fixes(
    bot: PodiumBot,
    guild: discord.Guild,
    members: dict[int, discord.Member],
    fixes: Sequence[RoleFix],
    role_ids: dict[str, int],
) -> int:
    applied = []
    for fix in fixes:
        try:
            wanted = role_ids.get(fix.cohort) if fix.cohort is not None else None
            await set_cohort_role(
                guild, members[fix.user_id], role_ids, wanted, reason="Podium cohort role repair"
            )
        except discord.HTTPException as exc:
            log.warning("cohort role repair failed user=%s status=%s", fix.user_id, exc.status)
            continue
        applied.append(fix)
    await bot.services.cohorts.record_repairs(applied)
    return len(applied)


def preview_embed(bot: PodiumBot, locale: str, preview: ImportPreview) -> discord.Embed:
    """The dry-run report of a cohort import."""
    say = bot.catalogs.gettext
    embed = discord.Embed(
        title=say(locale, PREVIEW_TITLE, file=discord.utils.escape_markdown(preview.file_name))[
            :256
        ],
        colour=discord.Colour.orange() if preview.errors else discord.Colour.blurple(),
    )
    changes = [
        f"<@{c.user_id}>: {cohort_name(bot, c.old_cohort, locale)} → "
        f"{cohort_name(bot, c.new_cohort, locale)}"
        for c in preview.changes[:15]
    ]
    if len(preview.changes) > 15:
        changes.append(f"… +{len(preview.changes) - 15}")
    embed.add_field(
        name=say(locale, PREVIEW_CHANGES, count=len(preview.changes)),
        value="\n".join(changes)[:1024] or say(locale, PREVIEW_NOTHING),
        inline=False,
    )
    if preview.errors:
        errors = [
            say(
                locale,
                IMPORT_ERRORS[e.code],
                line=e.line,
                value=discord.utils.escape_markdown(e.value),
                first=e.first,
            )
            for e in preview.errors[:15]
        ]
        if len(preview.errors) > 15:
            errors.append(f"… +{len(preview.errors) - 15}")
        embed.add_field(
            name=say(locale, PREVIEW_ERRORS, count=len(preview.errors)),
            value="\n".join(errors)[:1024],
            inline=False,
        )
    embed.set_footer(
        text=say(locale, PREVIEW_UNCHANGED, count=preview.unchanged)
        + " · "
        + say(locale, PREVIEW_HINT)
    )
    return embed


class ImportConfirmButton(PersistentButton, template=r"podium:cohort-import:(?P<id>\d+)"):
    """Applies a previewed cohort import (organizers only, once)."""

    def __init__(self, import_id: int, label: str = "Apply") -> None:
        super().__init__(
            custom_id=f"podium:cohort-import:{import_id}",
            label=label,
            style=discord.ButtonStyle.success,
        )
        self.import_id = import_id

    @classmethod
    def from_match(cls, match: re.Match[str]) -> ImportConfirmButton:
        """The button of the import in the custom id."""
        return cls(int(match["id"]))

    async def pressed(self, bot: PodiumBot, interaction: discord.Interaction[Any]) -> None:
        """Apply the import, then swap the roles of everyone it moved."""
        user, guild = interaction.user, interaction.guild
        if guild is None or not (
            isinstance(user, discord.Member) and await member_is_organizer(bot, user)
        ):
            raise DomainCheckFailure(NotOrganizer())
        await interaction.response.defer(ephemeral=True, thinking=True)
        changes = await bot.services.cohorts.apply_import(
            actor_id=user.id, import_id=self.import_id
        )
        role_ids = await cohort_roles(bot, guild)
        failed = 0
        for change in changes:
            if not await apply_assignment(
                bot, guild, change, reason="Podium cohort import", role_ids=role_ids
            ):
                failed += 1
        locale = str(interaction.locale)
        text = bot.catalogs.gettext(locale, APPLIED, count=len(changes))
        if failed:
            text += "\n" + bot.catalogs.gettext(locale, ROLE_FAILURES, count=failed)
        await send_ephemeral(interaction, text)
