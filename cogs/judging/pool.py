"""The judge pool in Discord: the judge role, what an organizer is told when adding a
judge, the pool's list, and the Remove judge / Cancel decision that survives restarts."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import discord

from bot.i18n import N_
from bot.interactions import interaction_locale, pack_lines
from bot.services.judging import Judge
from cogs._ui import ConfirmCancelButton, esc, tr

if TYPE_CHECKING:
    from bot.app import PodiumBot

log = logging.getLogger(__name__)

JUDGE_ADDED = N_("Judge #{id} **{name}** added{tags}{conflicts}.")
JUDGE_ADDED_ROLE = N_("They now have the {role} role.")
TAGS_PART = N_(" · expertise: {tags}")
CONFLICTS_PART = N_(" · conflicts: {count} teams")
REMOVE_ASK = N_(
    "Remove judge #{id} **{name}**? Their unfinished entries go to other judges; their "
    "submitted scores stay."
)
REMOVE_CONFIRM = N_("Remove judge")
CANCEL = N_("Cancel")
REMOVED = N_("Judge #{id} **{name}** removed; {count} unfinished entries reassigned.")
REMOVE_CANCELLED = N_("Nothing changed: judge #{id} stays.")
JUDGES_TITLE = N_("Judges ({count})")
JUDGES_NONE = N_("No judges yet: add them with /judging judge-add.")
JUDGE_LINE = N_("#{id} {name} · {where}{tags}{conflicts}")
DISCORD_JUDGE = N_("Discord")
EXTERNAL_JUDGE = N_("web only")
INACTIVE = N_(" · removed")
MORE = N_("… and {count} more")


async def judge_role(bot: PodiumBot, guild: discord.Guild | None) -> discord.Role | None:
    """The ``[judging] judge_role`` role if the server has it (organizers create it)."""
    if guild is None:
        return None
    name = bot.competition.judging.judge_role
    role = discord.utils.get(guild.roles, name=name)
    if role is None:  # created since the bot last saw the server's roles
        try:
            role = discord.utils.get(await guild.fetch_roles(), name=name)
        except discord.HTTPException as exc:
            log.warning("roles not fetched status=%s", exc.status)
    return role


def _conflicts(bot: PodiumBot, locale: str, judge: Judge) -> str:
    if not judge.conflict_team_ids:
        return ""
    return tr(bot, locale, CONFLICTS_PART, count=len(judge.conflict_team_ids))


def added_text(bot: PodiumBot, locale: str, judge: Judge) -> str:
    """What the organizer is told about a judge just added."""
    tags = tr(bot, locale, TAGS_PART, tags=esc(", ".join(judge.tags))) if judge.tags else ""
    return tr(
        bot,
        locale,
        JUDGE_ADDED,
        id=judge.id,
        name=esc(judge.name),
        tags=tags,
        conflicts=_conflicts(bot, locale, judge),
    )


def judges_embed(bot: PodiumBot, locale: str, pool: list[Judge]) -> discord.Embed:
    """Every judge, Discord or web only, with their expertise and conflicts; as many as
    the description holds, then how many more."""
    lines = []
    for judge in pool:
        where = tr(bot, locale, EXTERNAL_JUDGE if judge.external else DISCORD_JUDGE)
        tags = f" · {esc(', '.join(judge.tags))}"[:120] if judge.tags else ""
        line = tr(
            bot,
            locale,
            JUDGE_LINE,
            id=judge.id,
            name=esc(judge.name[:60]),
            where=where,
            tags=tags,
            conflicts=_conflicts(bot, locale, judge),
        )
        lines.append(line + ("" if judge.active else tr(bot, locale, INACTIVE)))
    chunks = pack_lines(lines, 3900)
    description = chunks[0] if chunks else ""
    shown = description.count("\n") + 1 if description else 0
    if shown < len(lines):
        description += "\n" + tr(bot, locale, MORE, count=len(lines) - shown)
    return discord.Embed(
        title=tr(bot, locale, JUDGES_TITLE, count=len(pool)),
        description=description,
        colour=discord.Colour.blurple(),
    )


class RemoveJudgeButton(ConfirmCancelButton, prefix="judging-remove"):
    """Confirm or cancel removing a judge (their unfinished entries are reassigned)."""

    confirm_style = discord.ButtonStyle.danger

    async def confirmed(self, bot: PodiumBot, interaction: discord.Interaction[Any]) -> None:
        """Remove, and say how many entries moved."""
        judging = bot.services.judging
        judge = await judging.judge(int(self.subject))
        moved = await judging.remove_judge(actor_id=interaction.user.id, judge_id=judge.id)
        text = tr(
            bot,
            interaction_locale(interaction),
            REMOVED,
            id=judge.id,
            name=esc(judge.name),
            count=moved,
        )
        await interaction.response.edit_message(content=text, view=None)

    async def cancelled(self, bot: PodiumBot, interaction: discord.Interaction[Any]) -> None:
        """Leave the judge."""
        text = tr(bot, interaction_locale(interaction), REMOVE_CANCELLED, id=self.subject)
        await interaction.response.edit_message(content=text, view=None)
