"""Judging's embeds for organizers and the public: results (preview and published, with
tie notes), progress per judge and per entry; and the publisher's renderers of the
results post and the judges' reminder DMs."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord

from bot.calendar import discord_timestamp
from bot.i18n import N_
from bot.interactions import pack_lines
from bot.services.judging import TIE_BREAKS, JudgeReminder, Progress, RoundResults
from bot.services.publications import Publication
from cogs._publisher import Rendered, Renderer
from cogs._ui import esc, tr

if TYPE_CHECKING:
    from bot.app import PodiumBot

log = logging.getLogger(__name__)

RESULTS_TITLE = N_("Judging results: {round}")
PREVIEW_TITLE = N_("Results preview (not published): {round}")
RESULT_LINE = N_("**{rank}.** {title} — {team}: {final}")
SCORE_PARTS = N_("judges {judge}")
NORMALIZED_PART = N_("normalized {score}")
VOTES_PART = N_("votes {share}")
POINTS_PART = N_("{points} points")
NO_SHEETS = N_("no score sheet")
RESULTS_EMPTY = N_("No entry in this round.")
TIES = N_("Ties")
TIE_LINE = N_("#{rank} {team}: {rule}")
PAGE_FOOTER = N_("Page {page} of {pages}")
MORE = N_("… and {count} more")
PROGRESS_TITLE = N_("Progress of {round} (deadline {deadline})")
PROGRESS_JUDGES = N_("Judges")
PROGRESS_ENTRIES = N_("Entries")
JUDGE_LINE = N_("{name}: {submitted} of {assigned} submitted")
ENTRY_LINE = N_("#{id} {team}: {submitted} of {assigned} sheets")
REMINDER = N_(
    "⏰ Judging reminder: {pending} of your {assigned} entries in **{round}** still need "
    "your scores. The deadline is {deadline} ({relative}). Use /judge queue to score them."
)

RESULTS_PER_PAGE = 15
RESULTS_TEXT = 3500
PROGRESS_PER_PAGE = 20
PUBLIC_RESULTS = 25


def _score(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}"


def results_embed(
    bot: PodiumBot, locale: str, results: RoundResults, *, page: int = 1, per_page: int = 0
) -> discord.Embed:
    """The round's ranking with each entry's judge score, vote share, final and placing
    points, and the tie rule applied where one was; ``per_page`` 0 means the first
    ``PUBLIC_RESULTS`` lines (the public post)."""
    round_ = results.round
    message = RESULTS_TITLE if results.published_at is not None else PREVIEW_TITLE
    title = tr(bot, locale, message, round=round_.name)[:256]
    size = per_page or PUBLIC_RESULTS
    pages = max(1, (len(results.results) + size - 1) // size)
    page = min(max(page, 1), pages)
    shown = results.results[(page - 1) * size : page * size]
    lines = []
    for result in shown:
        parts = []
        if result.judge_score is None:
            parts.append(tr(bot, locale, NO_SHEETS))
        else:
            parts.append(tr(bot, locale, SCORE_PARTS, judge=_score(result.judge_score)))
        if result.normalized_score is not None:
            parts.append(tr(bot, locale, NORMALIZED_PART, score=_score(result.normalized_score)))
        if round_.community_weight:
            parts.append(tr(bot, locale, VOTES_PART, share=f"{result.vote_share:.0%}"))
        if result.points:
            parts.append(tr(bot, locale, POINTS_PART, points=result.points))
        line = tr(
            bot,
            locale,
            RESULT_LINE,
            rank=result.rank,
            title=esc((result.title or f"#{result.entry_id}")[:80]),
            team=esc(result.team_name[:60]),
            final=f"{result.final:.3f}",
        )
        lines.append(f"{line} ({', '.join(parts)})")
    # Whole lines only, and room left for the ties field within Discord's 6,000 in all.
    chunks = pack_lines(lines, RESULTS_TEXT)
    description = chunks[0] if chunks else tr(bot, locale, RESULTS_EMPTY)
    listed = description.count("\n") + 1 if chunks else 0
    # The public post lists the first entries; a page, the lines of its entries that fit.
    hidden = (len(shown) if per_page else len(results.results)) - listed
    if chunks and hidden > 0:
        description += "\n" + tr(bot, locale, MORE, count=hidden)
    embed = discord.Embed(title=title, description=description, colour=discord.Colour.gold())
    ties = [
        tr(
            bot,
            locale,
            TIE_LINE,
            rank=r.rank,
            team=esc(r.team_name[:60]),
            rule=tr(bot, locale, TIE_BREAKS[r.tie_break]),
        )
        for r in shown
        if r.tie_break in TIE_BREAKS
    ]
    if ties:
        embed.add_field(name=tr(bot, locale, TIES), value=pack_lines(ties, 1024)[0])
    if pages > 1 and per_page:
        embed.set_footer(text=tr(bot, locale, PAGE_FOOTER, page=page, pages=pages))
    return embed


def progress_embed(bot: PodiumBot, locale: str, progress: Progress, page: int) -> discord.Embed:
    """Per judge and per entry: how many sheets are submitted of those assigned, twenty of
    each a page."""
    round_ = progress.round
    size = PROGRESS_PER_PAGE
    longest = max(len(progress.judges), len(progress.entries), 1)
    pages = (longest + size - 1) // size
    page = min(max(page, 1), pages)
    window = slice((page - 1) * size, page * size)
    judges = [
        tr(
            bot,
            locale,
            JUDGE_LINE,
            name=esc(p.judge.name[:60]),
            submitted=p.submitted,
            assigned=p.assigned,
        )
        for p in progress.judges[window]
    ]
    entries = [
        tr(
            bot,
            locale,
            ENTRY_LINE,
            id=p.entry_id,
            team=esc(p.team_name[:60]),
            submitted=p.submitted,
            assigned=p.assigned,
        )
        for p in progress.entries[window]
    ]
    title = tr(
        bot, locale, PROGRESS_TITLE, round=round_.name, deadline=discord_timestamp(round_.deadline)
    )
    embed = discord.Embed(title=title[:256], colour=discord.Colour.blurple())
    for name, lines in ((PROGRESS_JUDGES, judges), (PROGRESS_ENTRIES, entries)):
        for chunk in pack_lines(lines, 1024)[:2] or ["—"]:
            embed.add_field(name=tr(bot, locale, name), value=chunk, inline=False)
    embed.set_footer(text=tr(bot, locale, PAGE_FOOTER, page=page, pages=pages))
    return embed


class ResultsRenderer(Renderer):
    """A published round's results post in its contest's gallery, in the public locale."""

    claim_without_channel = True
    no_channel_error = "no gallery channel"

    def __init__(self, bot: PodiumBot) -> None:
        super().__init__()
        self.bot = bot

    async def render(
        self, publication: Publication, channel: discord.abc.Messageable
    ) -> Rendered | None:
        """The results embed."""
        results: RoundResults = publication.data
        locale = self.bot.competition.competition.default_locale
        return Rendered(embed=results_embed(self.bot, locale, results))


class ReminderRenderer(Renderer):
    """A DM to a judge behind schedule, in their language."""

    def __init__(self, bot: PodiumBot) -> None:
        super().__init__()
        self.bot = bot

    async def render(
        self, publication: Publication, channel: discord.abc.Messageable
    ) -> Rendered | None:
        """The reminder text with the pending count and the deadline."""
        reminder: JudgeReminder = publication.data
        locale = reminder.locale or self.bot.competition.competition.default_locale
        text = tr(
            self.bot,
            locale,
            REMINDER,
            pending=reminder.assigned - reminder.submitted,
            assigned=reminder.assigned,
            round=esc(reminder.round.name),
            deadline=discord_timestamp(reminder.round.deadline),
            relative=discord_timestamp(reminder.round.deadline, "R"),
        )
        return Rendered(content=text[:2000])
