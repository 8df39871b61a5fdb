"""Embeds and the pager behind `/admin stats` and `/admin audit`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import discord

from bot.calendar import discord_timestamp
from bot.i18n import N_
from bot.interactions import PodiumView, interaction_locale
from bot.services.activity import ActivityStats, CohortStats
from bot.services.audit import AuditPage
from cogs.activity.cog import cohort_label

if TYPE_CHECKING:
    from bot.app import PodiumBot

STATS_TITLE = N_("Engagement — week {week}")
STATS_COHORT = N_(
    "Today {today} · yesterday {yesterday}\nThis week {this_week} · last week {last_week} "
    "({change})"
)
STATS_NO_CHANGE = N_("no data last week")
STATS_TOTALS = N_("Totals")
STATS_TOTALS_VALUE = N_(
    "Active members this week: {members}\nTeams: {teams}\nWhatsApp subscribers: "
    "{subscribers}\nVotes this week: {votes}"
)
STATS_FOOTER = N_("Actives: members with at least one message, command, button or vote.")
AUDIT_TITLE = N_("Audit log — page {page} of {pages} ({total} records)")
AUDIT_EMPTY = N_("No audit records match.")
AUDIT_BOT = N_("Podium (automatic)")
PREVIOUS = N_("Previous")
NEXT = N_("Next")
#: How long the Previous/Next buttons of an ephemeral audit page keep working (seconds).
PAGER_TIMEOUT = 600


def _change(line: CohortStats, bot: PodiumBot, locale: str) -> str:
    percent = line.change_percent
    if percent is None:
        return bot.catalogs.gettext(locale, STATS_NO_CHANGE)
    arrow = "↑" if percent > 0 else "↓" if percent < 0 else "→"
    return f"{arrow} {abs(percent)}%"


def stats_embed(bot: PodiumBot, stats: ActivityStats, locale: str) -> discord.Embed:
    """Per cohort: today/yesterday daily actives, this/last week weekly actives with the
    change; then the totals."""

    def t(message: str, **params: Any) -> str:
        return bot.catalogs.gettext(locale, message, **params)

    embed = discord.Embed(title=t(STATS_TITLE, week=stats.week_key), colour=discord.Colour.teal())
    for line in stats.cohorts[:20]:
        embed.add_field(
            name=cohort_label(bot, locale, line.cohort),
            value=t(
                STATS_COHORT,
                today=line.today,
                yesterday=line.yesterday,
                this_week=line.this_week,
                last_week=line.last_week,
                change=_change(line, bot, locale),
            ),
            inline=False,
        )
    embed.add_field(
        name=t(STATS_TOTALS),
        value=t(
            STATS_TOTALS_VALUE,
            members=stats.members_counted,
            teams=stats.teams,
            subscribers=stats.subscribers,
            votes=stats.votes_this_week,
        ),
        inline=False,
    )
    embed.set_footer(text=t(STATS_FOOTER))
    return embed


def audit_embed(bot: PodiumBot, page: AuditPage, locale: str) -> discord.Embed:
    """One page of the audit log: time, actor (a mention that never pings), action,
    target and short details (phone numbers already masked by the service)."""
    esc = discord.utils.escape_markdown
    lines = []
    for entry in page.entries:
        actor = (
            f"<@{entry.actor_id}>"
            if entry.actor_id is not None
            else bot.catalogs.gettext(locale, AUDIT_BOT)
        )
        parts = [discord_timestamp(entry.at, "f"), actor, f"`{entry.action}`"]
        if entry.target:
            parts.append(esc(entry.target))
        if entry.details:
            parts.append(esc(entry.details)[:160])
        lines.append(" · ".join(parts))
    embed = discord.Embed(
        title=bot.catalogs.gettext(
            locale, AUDIT_TITLE, page=page.page, pages=page.pages, total=page.total
        ),
        description="\n".join(lines)[:4096] or bot.catalogs.gettext(locale, AUDIT_EMPTY),
        colour=discord.Colour.dark_grey(),
    )
    return embed


class AuditPager(PodiumView):
    """Previous / Next under an ephemeral audit page (only its invoker sees it)."""

    def __init__(
        self,
        bot: PodiumBot,
        *,
        page: AuditPage,
        action: str | None,
        user_id: int | None,
        locale: str,
    ) -> None:
        super().__init__(bot, timeout=PAGER_TIMEOUT)
        self.page = page
        self.action = action
        self.user_id = user_id
        self.previous.label = bot.catalogs.gettext(locale, PREVIOUS)
        self.next.label = bot.catalogs.gettext(locale, NEXT)
        self._sync()

    def _sync(self) -> None:
        self.previous.disabled = self.page.page <= 1
        self.next.disabled = self.page.page >= self.page.pages

    async def _show(self, interaction: discord.Interaction[Any], number: int) -> None:
        self.page = await self.bot.services.audit.page(
            page=number, action=self.action, user_id=self.user_id
        )
        self._sync()
        await interaction.response.edit_message(
            embed=audit_embed(self.bot, self.page, interaction_locale(interaction)), view=self
        )

    @discord.ui.button(label="Previous", style=discord.ButtonStyle.secondary)
    async def previous(
        self, interaction: discord.Interaction[Any], _button: discord.ui.Button[Any]
    ) -> None:
        """Show the newer page."""
        await self._show(interaction, self.page.page - 1)

    @discord.ui.button(label="Next", style=discord.ButtonStyle.secondary)
    async def next(
        self, interaction: discord.Interaction[Any], _button: discord.ui.Button[Any]
    ) -> None:
        """Show the older page."""
        await self._show(interaction, self.page.page + 1)
