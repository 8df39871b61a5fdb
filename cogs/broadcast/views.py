"""Embeds of `/broadcast` (kept out of the cog so it stays thin)."""

from __future__ import annotations

import discord

from bot.calendar import discord_timestamp
from bot.i18n import N_, Catalogs
from bot.services.broadcasts import BroadcastInfo, BroadcastStatus

LIST_TITLE = N_("Scheduled broadcasts")
LIST_EMPTY = N_("No broadcast is scheduled.")
STATUS_TITLE = N_("Broadcast #{id}")
WHATSAPP_COUNTS = N_(
    "queued {queued} · sent {sent} · delivered {delivered} · read {read} · failed {failed} · "
    "skipped (opted out) {skipped}"
)
DISCORD_COUNTS = N_("posted {posted} · failed {failed} · pending {pending}")
REPEATS = N_("repeats: {cron}")


def _line(catalogs: Catalogs, locale: str, info: BroadcastInfo) -> str:
    when = discord_timestamp(info.next_run_at, "f") if info.next_run_at else "—"
    text = discord.utils.escape_markdown(info.message[:80])
    line = f"**#{info.id}** {when} · {info.audience} · {info.channels} — {text}"
    if info.repeat:
        line += " · " + catalogs.gettext(locale, REPEATS, cron=f"`{info.repeat}`")
    return line


def list_embed(catalogs: Catalogs, locale: str, items: list[BroadcastInfo]) -> discord.Embed:
    """The scheduled broadcasts, soonest first."""
    embed = discord.Embed(title=catalogs.gettext(locale, LIST_TITLE), colour=discord.Colour.blue())
    lines = [_line(catalogs, locale, info) for info in items[:25]]
    embed.description = "\n".join(lines)[:4000] if lines else catalogs.gettext(locale, LIST_EMPTY)
    return embed


def status_embed(catalogs: Catalogs, locale: str, status: BroadcastStatus) -> discord.Embed:
    """Per-channel counts of one broadcast."""
    embed = discord.Embed(
        title=catalogs.gettext(locale, STATUS_TITLE, id=status.id), colour=discord.Colour.blue()
    )
    embed.add_field(
        name="WhatsApp",
        value=catalogs.gettext(locale, WHATSAPP_COUNTS, **status.whatsapp),
        inline=False,
    )
    embed.add_field(
        name="Discord",
        value=catalogs.gettext(locale, DISCORD_COUNTS, **status.discord),
        inline=False,
    )
    return embed
