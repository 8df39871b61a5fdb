"""`/calendar`: the season's phases, the current one marked, and the next deadline."""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.calendar import discord_timestamp
from bot.i18n import N_
from bot.interactions import interaction_locale, send_ephemeral
from bot.services.calendar import CURRENT, NOTICE_JOB, NOTICE_PUBLICATION, PAST, Overview
from cogs._ui import esc
from cogs.calendar.notices import NoticeRenderer, wording

if TYPE_CHECKING:
    from bot.app import PodiumBot

NO_PHASES = N_("The season calendar has no phases yet.")
TITLE = N_("Season calendar")
LINE_PAST = N_("✅ ~~{phase}~~ · {start} – {end}")
LINE_CURRENT = N_("▶️ **{phase}** (now) · {start} – {end} · closes {relative}")
LINE_UPCOMING = N_("🗓️ **{phase}** · {start} – {end} · opens {relative}")
NEXT_DEADLINE = N_("Next deadline")
DEADLINE_TEXT = N_("**{phase}** closes {end} ({relative}).")
FEED = N_("On the web")
FEED_TEXT = N_("Calendar page: {page}\nAdd it to your calendar: {feed}")
FOOTER = N_("Times are shown in your own timezone.")
MORE = N_("… and {count} more")

_LINES = {PAST: LINE_PAST, CURRENT: LINE_CURRENT}
#: Room kept in the embed description for the "… and N more" line.
_DESCRIPTION_ROOM = 4000


def calendar_embed(bot: PodiumBot, locale: str, overview: Overview) -> discord.Embed:
    """The phases as lines (within the description's limit), the next deadline and the
    links to the calendar page and its feed."""
    say = bot.catalogs.gettext
    lines: list[str] = []
    for index, status in enumerate(overview.phases):
        phase = status.phase
        line = say(
            locale,
            _LINES.get(status.state, LINE_UPCOMING),
            phase=esc(phase.name.get(locale)),
            start=discord_timestamp(phase.start, "f"),
            end=discord_timestamp(phase.end, "f"),
            relative=discord_timestamp(phase.end if status.state == CURRENT else phase.start, "R"),
        )
        if sum(len(x) + 1 for x in lines) + len(line) > _DESCRIPTION_ROOM:
            lines.append(say(locale, MORE, count=len(overview.phases) - index))
            break
        lines.append(line)
    embed = discord.Embed(
        title=say(locale, TITLE), description="\n".join(lines), colour=discord.Colour.blurple()
    )
    deadline = overview.next_deadline
    if deadline is not None:
        embed.add_field(
            name=say(locale, NEXT_DEADLINE),
            value=say(
                locale,
                DEADLINE_TEXT,
                phase=esc(deadline.name.get(locale)),
                end=discord_timestamp(deadline.end, "F"),
                relative=discord_timestamp(deadline.end, "R"),
            ),
            inline=False,
        )
    base = bot.services.web_auth.base_url
    lang = "?lang=zh" if locale.lower().startswith("zh") else ""
    embed.add_field(
        name=say(locale, FEED),
        value=say(
            locale, FEED_TEXT, page=f"{base}/calendar{lang}", feed=f"{base}/calendar.ics{lang}"
        ),
        inline=False,
    )
    embed.set_footer(text=say(locale, FOOTER))
    return embed


class CalendarCog(commands.Cog):
    """The season calendar: /calendar and the phase notices."""

    def __init__(self, bot: PodiumBot) -> None:
        self.bot = bot

    async def cog_load(self) -> None:
        """Register the notice job and its renderer, and make sure the next notice is
        pending (before the scheduler starts)."""
        self.bot.publisher.register(NOTICE_PUBLICATION, NoticeRenderer(self.bot))
        handler = functools.partial(
            self.bot.services.calendar.run_notice, wording=functools.partial(wording, self.bot)
        )
        self.bot.services.scheduler.register(NOTICE_JOB, handler)
        await self.bot.services.calendar.ensure_job()

    @app_commands.command(name="calendar", description="The season's phases and deadlines")
    @app_commands.guild_only()
    async def calendar(self, interaction: discord.Interaction[PodiumBot]) -> None:
        """Show the phases privately, in the member's language."""
        locale = interaction_locale(interaction)
        overview = self.bot.services.calendar.overview()
        if not overview.phases:
            await send_ephemeral(interaction, self.bot.catalogs.gettext(locale, NO_PHASES))
            return
        await send_ephemeral(interaction, embed=calendar_embed(self.bot, locale, overview))
