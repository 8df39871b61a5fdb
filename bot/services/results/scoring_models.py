"""What results scoring returns: a week's run, a team's breakdown, a metric board, breakdowns."""

from __future__ import annotations

from dataclasses import dataclass

from bot.services.results.scoring import MetricScore

#: The dimensions of the cross-analysis (order fields of ``store_orders``).
DIMENSIONS = ("country", "category", "channel")


@dataclass(frozen=True, slots=True)
class WeekRun:
    """What one scoring run of a week did: teams scored, ledger entries credited and
    reversed (0 and 0 when nothing changed since the last run)."""

    week_key: str
    scored: int
    credited: int
    reversed: int
    changed_team_ids: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class SummaryLine:
    """One team on a week's results summary."""

    rank: int
    team: str
    points: int


@dataclass(frozen=True, slots=True)
class WeekSummary:
    """The posted summary of a week's results points for one track."""

    season: str
    week_key: str
    track: str
    lines: tuple[SummaryLine, ...]
    scored_teams: int
    max_points: float


@dataclass(frozen=True, slots=True)
class TeamBreakdown:
    """``/results show``: a team's week, each weighted metric's score, and its other
    metrics' values; ``week_key`` None: the season so far; ``credited`` is what the ledger
    holds for the week (None: not scored yet)."""

    team_id: int
    team: str
    track: str
    week_key: str | None
    scores: tuple[MetricScore, ...]
    points: int
    credited: int | None
    other_values: tuple[tuple[str, float | None], ...]
    groups: tuple[tuple[str, tuple[tuple[str, float | None], ...]], ...] = ()
    by: str | None = None


@dataclass(frozen=True, slots=True)
class BoardRow:
    """One team on a metric board (``rank`` None: no value)."""

    rank: int | None
    team_id: int
    team: str
    value: float | None


@dataclass(frozen=True, slots=True)
class MetricBoard:
    """One page of the teams of a track ranked by one metric (a week, or the season)."""

    metric: str
    track: str
    week_key: str | None
    lower_is_better: bool
    rows: tuple[BoardRow, ...]
    page: int
    pages: int
    teams: int


@dataclass(frozen=True, slots=True)
class CrossAnalysis:
    """Order metrics per group (country, category or channel): for the whole track
    (``team`` None) or one team; ``groups`` maps group → metric → value."""

    by: str
    track: str
    team: str | None
    week_key: str | None
    metrics: tuple[str, ...]
    groups: tuple[tuple[str, dict[str, float | None]], ...]
