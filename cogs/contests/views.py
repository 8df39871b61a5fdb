"""Embeds of contest results, standings and flagged vote clusters."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord

from bot.calendar import discord_timestamp
from bot.i18n import N_
from bot.services.brushing import CREATED_TOGETHER, JOINED_TOGETHER
from bot.services.contests import Contest, FlaggedCluster, Results
from cogs._ui import esc, tr

if TYPE_CHECKING:
    from bot.app import PodiumBot

RESULTS_TITLE = N_("Results: {contest}")
STANDINGS_TITLE = N_("Standings so far: {contest} (voting until {when})")
RESULTS_LINE = N_("**{place}.** {title} — {team}: {votes} votes, {points} points")
STANDING_LINE = N_("{title} — {team}: {votes} votes")
RESULTS_EMPTY = N_("No entry received a vote.")
FLAGGED_TITLE = N_("Flagged votes: {contest}")
FLAGGED_NONE = N_("No suspicious vote clusters in {contest}.")
FLAGGED_LINE = N_(
    "Entry #{entry} {title} ({team}): votes {votes} — {reasons}; voted {first} to {last}"
)
REASON_CREATED = N_("accounts created within {window} of each other")
REASON_JOINED = N_("joined the server within {window} of each other")


def results_embed(bot: PodiumBot, locale: str, results: Results) -> discord.Embed:
    """Places with counts and points (final), or the current standings."""
    contest = results.contest
    if results.closed:
        title = tr(bot, locale, RESULTS_TITLE, contest=contest.name)
        lines = [
            tr(
                bot,
                locale,
                RESULTS_LINE,
                place=p.place,
                title=esc(p.title),
                team=esc(p.team_name),
                votes=p.votes,
                points=p.points,
            )
            for p in results.placings
        ]
    else:
        title = tr(
            bot,
            locale,
            STANDINGS_TITLE,
            contest=contest.name,
            when=discord_timestamp(contest.voting_ends),
        )
        lines = [
            tr(bot, locale, STANDING_LINE, title=esc(p.title), team=esc(p.team_name), votes=p.votes)
            for p in results.placings
        ]
    description = "\n".join(lines[:25]) or tr(bot, locale, RESULTS_EMPTY)
    return discord.Embed(
        title=title[:256], description=description[:4000], colour=discord.Colour.gold()
    )


def flagged_text(
    bot: PodiumBot, locale: str, contest: Contest, clusters: list[FlaggedCluster]
) -> list[str]:
    """One line per cluster, with its reasons in words."""
    window = bot.competition.votes.brushing_window
    minutes = f"{int(window.total_seconds() // 60)}m"
    names = {
        CREATED_TOGETHER: tr(bot, locale, REASON_CREATED, window=minutes),
        JOINED_TOGETHER: tr(bot, locale, REASON_JOINED, window=minutes),
    }
    if not clusters:
        return [tr(bot, locale, FLAGGED_NONE, contest=esc(contest.name))]
    lines = [f"**{tr(bot, locale, FLAGGED_TITLE, contest=esc(contest.name))}**"]
    for cluster in clusters:
        lines.append(
            tr(
                bot,
                locale,
                FLAGGED_LINE,
                entry=cluster.submission_id,
                title=esc(cluster.title),
                team=esc(cluster.team_name),
                votes=", ".join(str(v) for v in cluster.vote_ids),
                reasons="; ".join(names[r] for r in cluster.reasons),
                first=discord_timestamp(cluster.first_vote_at, "t"),
                last=discord_timestamp(cluster.last_vote_at, "t"),
            )
        )
    return lines
