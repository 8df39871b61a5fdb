"""Refusals of results scoring, the results board and the team breakdowns."""

from __future__ import annotations

from bot.errors import PodiumError
from bot.i18n import N_


class NotInResultsTeam(PodiumError):
    message = N_("You are not in a team this season, so there are no store results to show.")


class OnlyOwnTeamResults(PodiumError):
    message = N_(
        "You can see your own team's store results only. Leave the team option empty to see them."
    )


class ResultsTeamNotFound(PodiumError):
    message = N_(
        "There is no team called {team} this season. Pick one from the suggestions or use "
        "the team's exact name."
    )


class UnknownResultsMetric(PodiumError):
    message = N_("There is no metric {metric}. Choose one of: {metrics}.")


class UnknownResultsTrack(PodiumError):
    message = N_("There is no track {track}. Choose one of: {tracks}.")


class InvalidResultsWeek(PodiumError):
    message = N_("Week {week} is not valid: use current, last or a week like 2026-W48.")


class WeekNotOver(PodiumError):
    message = N_(
        "Week {week} is not over yet: results points are given for finished weeks only "
        "(use last or an earlier week)."
    )


class TrackNotScored(PodiumError):
    message = N_(
        "Track {track} earns no results points: add a [[results.scoring.tracks]] block for "
        "it in competition.toml."
    )


class InvalidResultsPage(PodiumError):
    message = N_("Page {page} does not exist: the board has {pages} page(s).")


class ResultsSeasonClosed(PodiumError):
    message = N_("Season {season} is closed: its results points are final.")
