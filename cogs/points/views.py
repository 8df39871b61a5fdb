"""Embeds and buttons of the points commands: boards, a team's points, import previews.

The import buttons are Confirm / Cancel buttons keyed by the import preview's id stored in
the database, so they keep working after a restart.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import discord

from bot.calendar import discord_timestamp
from bot.i18n import N_
from bot.interactions import fit_name, interaction_locale
from bot.services.points import Board, ImportPreview, LedgerEntry, TeamPoints
from cogs._ui import ConfirmCancelButton, esc, tr

if TYPE_CHECKING:
    from bot.app import PodiumBot

log = logging.getLogger(__name__)

BOARD_TITLE = N_("Leaderboard · {track} · {week}")
FINAL_TITLE = N_("Final leaderboard · {track} · season {season}")
BOARD_WEEK = N_("Week from {start} to {end}")
BOARD_COHORT = N_("Cohort: {cohort}")
BOARD_EMPTY = N_("No points yet this week.")
BOARD_LINE = N_("**{rank}.** {team} — {points} points")
BOARD_MINE = N_("Your team")
BOARD_MINE_LINE = N_("**{rank}.** {team} — {points} points")
BOARD_MINE_NONE = N_("{team} has no points in this board yet.")
SHOW_TITLE = N_("Points of {team}")
SHOW_WEEK = N_("This week ({week})")
SHOW_WEEK_VALUE = N_("{points} points · rank {rank}")
SHOW_WEEK_NO_RANK = N_("{points} points")
SHOW_SEASON = N_("Season {season}")
SHOW_SEASON_VALUE = N_("{points} points")
SHOW_RECENT = N_("Latest entries")
SHOW_NONE = N_("No entries yet.")
SHOW_REVERSAL = N_("reverses #{entry}")
AWARDED = N_("Entry #{entry}: {amount} points for {team} ({reason}), counted in week {week}.")
REVOKED = N_("Entry #{entry} reverses #{original}: {amount} points for {team} ({reason}).")
IMPORT_TITLE = N_("Import preview: {file}")
EMBED_TITLE_LIMIT = 256  # Discord refuses a longer embed title (400, 50035)
IMPORT_SUMMARY = N_(
    "{rows} rows ready for {teams} teams, {total} points in total. {skipped} rows already "
    "imported will be skipped."
)
IMPORT_PROBLEMS = N_("Rows that will not be imported ({count})")
IMPORT_LINE = N_("line {line}: {problem}")
IMPORT_MORE = N_("… and {count} more")
IMPORT_DONE_BEFORE = N_(
    "This exact file was already imported (import #{import_id}); confirming is not possible."
)
IMPORT_CONFIRM = N_("Import")
IMPORT_CANCEL = N_("Cancel")
IMPORT_CONFIRMED = N_("Imported {entries} entries ({total} points) from {file}.")
IMPORT_CANCELLED = N_("Import cancelled: nothing was added.")
SOURCE_LABELS = {
    "award": N_("award"),
    "import": N_("import"),
    "ugc": N_("UGC"),
    "qa_attendance": N_("Q&A"),
    "judging": N_("judging"),
    "results": N_("store results"),
}


def signed(amount: int) -> str:
    """``+10`` / ``-5``."""
    return f"{amount:+,}"


def track_name(bot: PodiumBot, track: str, locale: str) -> str:
    """A track's display name in ``locale``."""
    return bot.competition.track(track).name.get(locale)


def board_embed(bot: PodiumBot, board: Board, locale: str) -> discord.Embed:
    """A board as an embed: top rows, the week's dates and the viewer's own line."""
    track = track_name(bot, board.track, locale)
    if board.week is None:
        title = tr(bot, locale, FINAL_TITLE, track=track, season=board.season)
    else:
        title = tr(bot, locale, BOARD_TITLE, track=track, week=board.week_key)
    lines = [
        tr(bot, locale, BOARD_LINE, rank=s.rank, team=esc(s.name), points=f"{s.points:,}")
        for s in board.rows
    ]
    embed = discord.Embed(
        title=title,
        description="\n".join(lines) or tr(bot, locale, BOARD_EMPTY),
        colour=discord.Colour.gold(),
    )
    if board.week is not None:
        embed.add_field(
            name="📅",
            value=tr(
                bot,
                locale,
                BOARD_WEEK,
                start=discord_timestamp(board.week.start, "f"),
                end=discord_timestamp(board.week.end, "f"),
            ),
            inline=False,
        )
    if board.cohort is not None:
        cohort = bot.competition.cohort(board.cohort).name.get(locale)
        embed.add_field(name="🏕️", value=tr(bot, locale, BOARD_COHORT, cohort=cohort))
    if board.my_team is not None:
        if board.mine is not None:
            mine = tr(
                bot,
                locale,
                BOARD_MINE_LINE,
                rank=board.mine.rank,
                team=esc(board.mine.name),
                points=f"{board.mine.points:,}",
            )
        else:
            mine = tr(bot, locale, BOARD_MINE_NONE, team=esc(board.my_team))
        embed.add_field(name=tr(bot, locale, BOARD_MINE), value=mine, inline=False)
    return embed


def entry_line(bot: PodiumBot, entry: LedgerEntry, locale: str) -> str:
    """One ledger entry, e.g. ``#12 +50 · award · reason · <t:…:R>``."""
    source = tr(bot, locale, SOURCE_LABELS.get(entry.source, entry.source))
    line = f"`#{entry.id}` **{signed(entry.amount)}** · {source} · {esc(entry.reason)[:80]}"
    if entry.reverses_id is not None:
        line += f" · {tr(bot, locale, SHOW_REVERSAL, entry=entry.reverses_id)}"
    return f"{line} · {discord_timestamp(entry.at, 'R')}"


def team_points_embed(bot: PodiumBot, shown: TeamPoints, locale: str) -> discord.Embed:
    """``/points show``: this week, the season and the newest entries."""
    embed = discord.Embed(
        title=tr(bot, locale, SHOW_TITLE, team=esc(shown.name)), colour=discord.Colour.blurple()
    )
    week_value = (
        tr(bot, locale, SHOW_WEEK_VALUE, points=f"{shown.week_points:,}", rank=shown.week_rank)
        if shown.week_rank is not None
        else tr(bot, locale, SHOW_WEEK_NO_RANK, points=f"{shown.week_points:,}")
    )
    embed.add_field(name=tr(bot, locale, SHOW_WEEK, week=shown.week.key), value=week_value)
    embed.add_field(
        name=tr(bot, locale, SHOW_SEASON, season=bot.competition.competition.season),
        value=tr(bot, locale, SHOW_SEASON_VALUE, points=f"{shown.season_points:,}"),
    )
    recent = "\n".join(entry_line(bot, entry, locale) for entry in shown.recent)
    embed.add_field(
        name=tr(bot, locale, SHOW_RECENT),
        value=recent[:1024] or tr(bot, locale, SHOW_NONE),
        inline=False,
    )
    embed.set_footer(text=track_name(bot, shown.track, locale))
    return embed


def import_embed(bot: PodiumBot, preview: ImportPreview, locale: str) -> discord.Embed:
    """An import preview: counts, totals and the refused rows with their reasons."""
    embed = discord.Embed(
        title=fit_name(
            lambda file: tr(bot, locale, IMPORT_TITLE, file=file),
            preview.file_name,
            esc,
            EMBED_TITLE_LIMIT,
        ),
        description=tr(
            bot,
            locale,
            IMPORT_SUMMARY,
            rows=preview.rows,
            teams=preview.teams,
            total=f"{preview.total:+,}",
            skipped=preview.skipped,
        ),
        colour=discord.Colour.orange() if preview.problems else discord.Colour.green(),
    )
    if preview.already_imported is not None:
        embed.colour = discord.Colour.red()
        embed.add_field(
            name="⚠️",
            value=tr(bot, locale, IMPORT_DONE_BEFORE, import_id=preview.already_imported),
            inline=False,
        )
    if preview.problems:
        lines: list[str] = []
        for shown, problem in enumerate(preview.problems):
            line = tr(
                bot,
                locale,
                IMPORT_LINE,
                line=problem.line,
                problem=esc(tr(bot, locale, problem.message, **problem.params)),
            )
            if sum(len(x) + 1 for x in lines) + len(line) > 900:
                lines.append(tr(bot, locale, IMPORT_MORE, count=len(preview.problems) - shown))
                break
            lines.append(line)
        embed.add_field(
            name=tr(bot, locale, IMPORT_PROBLEMS, count=len(preview.problems)),
            value="\n".join(lines)[:1024],
            inline=False,
        )
    embed.set_footer(text=f"#{preview.id} · sha256 {preview.file_hash[:12]}")
    return embed


class ImportButton(ConfirmCancelButton, prefix="points-import"):
    """Confirms or cancels a stored import preview (organizers only)."""

    async def confirmed(self, bot: PodiumBot, interaction: discord.Interaction[Any]) -> None:
        """Import the preview and replace the message with the outcome."""
        await interaction.response.defer()
        done = await bot.services.points.confirm_import(
            actor_id=interaction.user.id, import_id=int(self.subject)
        )
        text = tr(
            bot,
            interaction_locale(interaction),
            IMPORT_CONFIRMED,
            entries=done.entries,
            total=f"{done.total:+,}",
            file=esc(done.file_name),
        )
        await interaction.edit_original_response(content=text, embed=None, view=None)

    async def cancelled(self, bot: PodiumBot, interaction: discord.Interaction[Any]) -> None:
        """Drop the preview and say nothing was added."""
        await bot.services.points.cancel_import(
            actor_id=interaction.user.id, import_id=int(self.subject)
        )
        await interaction.response.edit_message(
            content=tr(bot, interaction_locale(interaction), IMPORT_CANCELLED),
            embed=None,
            view=None,
        )


def import_view(bot: PodiumBot, preview: ImportPreview, locale: str) -> discord.ui.View:
    """Import / Cancel buttons for a preview (Import only when something can be imported)."""
    importable = preview.rows and preview.already_imported is None
    return ImportButton.pair(
        str(preview.id),
        confirm=tr(bot, locale, IMPORT_CONFIRM) if importable else None,
        cancel=tr(bot, locale, IMPORT_CANCEL),
    )
