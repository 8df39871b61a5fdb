"""Reading results: a team's breakdown, metric boards and breakdowns by country, category
and channel (organizers and judges see every team; a member only their own)."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from bot.calendar import Week
from bot.config.results import ResultsSection
from bot.services.names import name_key
from bot.services.results.metrics import derive
from bot.services.results.scoring import score_track
from bot.services.results.scoring_base import Dimension, ScoringBase
from bot.services.results.scoring_errors import (
    InvalidResultsPage,
    NotInResultsTeam,
    OnlyOwnTeamResults,
    ResultsTeamNotFound,
    UnknownResultsMetric,
)
from bot.services.results.scoring_models import (
    BoardRow,
    CrossAnalysis,
    MetricBoard,
    TeamBreakdown,
)
from storage.queries import results_scoring as scores_q
from storage.queries import teams as team_queries
from storage.queries.teams import TeamRow

BOARD_PAGE = 10
MAX_GROUPS = 15
#: ``week`` value that means the whole season so far (boards and breakdowns).
SEASON = "season"


def _sorted_groups(
    groups: dict[str, dict[str, float | None]],
) -> list[tuple[str, dict[str, float | None]]]:
    def size(item: tuple[str, dict[str, float | None]]) -> tuple[float, str]:
        first = next(iter(item[1].values()), None) if item[1] else None
        value = item[1].get("orders", first)
        return (-(value or 0.0), item[0])

    return sorted(groups.items(), key=size)


@dataclass(slots=True)
class ResultsReportService(ScoringBase):
    """Breakdowns, boards and cross-analysis of the current season's results."""

    def metric_keys(self, seen: Iterable[str] = ()) -> list[str]:
        """Metric keys a board may rank by: the scored ones and any the engine returned."""
        keys = set(seen)
        for entry in self.competition.results.scoring.tracks:
            keys.update(entry.weights)
        return sorted(keys)

    def _span(self, week: str | None, default: str = "last") -> Week | None:
        if week is not None and week.strip().lower() == SEASON:
            return None
        return self.week(week, default=default)

    async def _team(self, *, viewer_id: int, team: str | None, organizer: bool) -> TeamRow:
        async with self.db.read() as conn:
            own = await team_queries.team_of(conn, self.season, viewer_id)
            if team is None or not team.strip():
                if own is None:
                    raise NotInResultsTeam()
                return own
            cleaned = team.strip()
            found = await team_queries.by_name_key(conn, self.season, name_key(cleaned))
            if found is None and cleaned.lstrip("#").isdigit():
                by_id = await team_queries.get(conn, int(cleaned.lstrip("#")))
                if by_id is not None and by_id.season == self.season and not by_id.disbanded_at:
                    found = by_id
        if found is None:
            if not organizer:
                raise OnlyOwnTeamResults()
            raise ResultsTeamNotFound(team=cleaned[:64])
        if not organizer and (own is None or own.id != found.id):
            raise OnlyOwnTeamResults()
        return found

    async def team_breakdown(
        self,
        *,
        viewer_id: int,
        team: str | None,
        week: str | None,
        organizer: bool,
        by: Dimension | None = None,
    ) -> TeamBreakdown:
        """``/results show``: a team's week (default last week) or season: each weighted
        metric's value, normalized value, weight and points among its track's teams, its
        other metrics, and with ``by`` its order metrics per country, category or channel.
        Members see their own team only (OnlyOwnTeamResults); organizers any team."""
        row = await self._team(viewer_id=viewer_id, team=team, organizer=organizer)
        span = self._span(week)
        start, end = self.days(span) if span is not None else (None, None)
        track_teams = await self.active_teams(row.track)
        if row.id not in {t.id for t in track_teams}:
            track_teams.append(row)
        found = await self.metrics.team_metrics(
            team_ids=[t.id for t in track_teams], start=start, end=end
        )
        metrics = {t.id: dict(found.get(t.id, {})) for t in track_teams}
        scoring = self.competition.results.scoring.for_track(row.track)
        scores = score_track(metrics, scoring)[row.id] if scoring is not None else None
        weighted = set(scoring.weights) if scoring is not None else set()
        credited = None
        if span is not None:
            async with self.db.read() as conn:
                stored = await scores_q.week_scores(
                    conn, season=self.season, week_key=span.key, team_ids=[row.id]
                )
            credited = stored[row.id].credited if row.id in stored else None
        groups: tuple[tuple[str, tuple[tuple[str, float | None], ...]], ...] = ()
        if by is not None:
            split = await self.metrics.breakdown(by=by, team_ids=[row.id], start=start, end=end)
            groups = tuple(
                (group, tuple(values.items()))
                for group, values in _sorted_groups(split.get(row.id, {}))[:MAX_GROUPS]
            )
        return TeamBreakdown(
            team_id=row.id,
            team=row.name,
            track=row.track,
            week_key=span.key if span is not None else None,
            scores=scores.metrics if scores is not None else (),
            points=scores.points if scores is not None else 0,
            credited=credited,
            other_values=tuple(
                sorted((k, v) for k, v in metrics[row.id].items() if k not in weighted)
            ),
            groups=groups,
            by=by,
        )

    async def board(
        self,
        *,
        metric: str,
        track: str | None,
        week: str | None,
        page: int = 1,
        page_size: int = BOARD_PAGE,
    ) -> MetricBoard:
        """The teams of a track ranked by one metric over a week (default last week) or
        the season: best first (smallest first for a lower-is-better metric), teams
        without a value last and unranked; standard competition ranking (1, 2, 2, 4)."""
        track_key = self.check_track(track or self.competition.track_keys[0])
        span = self._span(week)
        start, end = self.days(span) if span is not None else (None, None)
        teams = await self.active_teams(track_key)
        found = await self.metrics.team_metrics(
            team_ids=[t.id for t in teams], start=start, end=end
        )
        seen = {key for values in found.values() for key in values}
        keys = self.metric_keys(seen)
        cleaned = metric.strip().lower()
        if cleaned not in keys:
            raise UnknownResultsMetric(metric=metric[:40], metrics=", ".join(keys))
        scoring = self.competition.results.scoring.for_track(track_key)
        lower = scoring is not None and cleaned in scoring.lower_is_better
        valued: list[tuple[float, TeamRow]] = []
        empty: list[TeamRow] = []
        for team in teams:
            value = found.get(team.id, {}).get(cleaned)
            if value is None or math.isnan(value):
                empty.append(team)
            else:
                valued.append((value, team))
        valued.sort(key=lambda item: (item[0] if lower else -item[0], item[1].name_key))
        rows: list[BoardRow] = []
        for index, (value, team) in enumerate(valued):
            rank = rows[-1].rank if rows and rows[-1].value == value else index + 1
            rows.append(BoardRow(rank=rank, team_id=team.id, team=team.name, value=value))
        rows += [BoardRow(rank=None, team_id=t.id, team=t.name, value=None) for t in empty]
        pages = max(1, math.ceil(len(rows) / page_size))
        if not 1 <= page <= pages:
            raise InvalidResultsPage(page=page, pages=pages)
        return MetricBoard(
            metric=cleaned,
            track=track_key,
            week_key=span.key if span is not None else None,
            lower_is_better=lower,
            rows=tuple(rows[(page - 1) * page_size : page * page_size]),
            page=page,
            pages=pages,
            teams=len(rows),
        )

    async def cross_analysis(
        self, *, by: Dimension, track: str, team_id: int | None = None, week: str | None = None
    ) -> CrossAnalysis:
        """Order metrics per country, category or channel: for one team, or for the whole
        track (each group's counts and sums added over the track's teams; averages and
        rates recomputed from them). ``week`` None: the season so far."""
        track_key = self.check_track(track)
        span = self._span(week, default=SEASON) if week is not None else None
        start, end = self.days(span) if span is not None else (None, None)
        teams = await self.active_teams(track_key)
        ids = [t.id for t in teams if team_id is None or t.id == team_id]
        name = next((t.name for t in teams if t.id == team_id), None)
        split = await self.metrics.breakdown(by=by, team_ids=ids, start=start, end=end)
        merged = combine_groups(
            (split.get(team_id, {}) for team_id in ids), self.competition.results
        )
        metrics = sorted({key for values in merged.values() for key in values})
        return CrossAnalysis(
            by=by,
            track=track_key,
            team=name,
            week_key=span.key if span is not None else None,
            metrics=tuple(metrics),
            groups=tuple(_sorted_groups(merged)),
        )


def combine_groups(
    per_team: Iterable[dict[str, dict[str, float | None]]], config: ResultsSection
) -> dict[str, dict[str, float | None]]:
    """A track's groups from its teams' groups: the order-based base metrics (orders,
    sales, buyers) added over the teams, the derived ones recomputed from the sums (an
    average order value is the track's sales / orders, not a sum of averages). Buyers are
    added per team (a buyer of two teams counts twice)."""
    order_keys = [m.key for m in config.metrics if m.source == "orders"]
    sums: dict[str, dict[str, float | None]] = {}
    for groups in per_team:
        for group, values in groups.items():
            target = sums.setdefault(group, {m.key: None for m in config.metrics})
            for key in order_keys:
                value = values.get(key)
                if value is not None:
                    target[key] = (target[key] or 0.0) + value
    return {group: derive(base, config.derived) for group, base in sums.items()}
