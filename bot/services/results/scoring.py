"""Results scoring as pure functions: normalize each metric within a track, weigh, add up.

``rank``: a team's normalized value is the share of the track's *other* teams it beats
(strictly better value): the best of n distinct values gets 1, the worst 0, tied teams the
same value; a team without a value counts as worse than any value. ``minmax``: (value -
min) / (max - min) over the teams with a value. In both, a team without a value (None: no
data, or a division by zero) gets 0, and a metric on which every team with a value has the
same value gives those teams 0 by min-max (by rank they still beat the teams without one).
``lower_is_better`` metrics are mirrored (the smallest value wins).

A team's points: the sum over the weighted metrics of weight × normalized value, rounded
half up to a whole number (points are integers).
"""

from __future__ import annotations

import math
from bisect import bisect_left
from collections.abc import Collection, Mapping
from dataclasses import dataclass

from bot.config.results_scoring import TrackScoring

Metrics = Mapping[str, float | None]


@dataclass(frozen=True, slots=True)
class MetricScore:
    """One metric of one team: its value, normalized value (0..1), weight and points."""

    metric: str
    value: float | None
    normalized: float
    weight: float
    points: float


@dataclass(frozen=True, slots=True)
class TeamScore:
    """A team's week: each weighted metric's score and the total points (an integer)."""

    team_id: int
    metrics: tuple[MetricScore, ...]
    points: int


def _clean(value: float | None) -> float | None:
    # NaN and infinities are no value (a corrupt aggregate must not win a metric).
    if value is None or not math.isfinite(value):
        return None
    return float(value)


def normalize_rank(
    values: Mapping[int, float | None], *, lower_is_better: bool = False
) -> dict[int, float]:
    """Rank normalization: per team, the share of the other teams with a strictly worse
    value (None is worse than any value and scores 0). One team, or all equal: 0."""
    sign = -1.0 if lower_is_better else 1.0
    cleaned = {team_id: _clean(raw) for team_id, raw in values.items()}
    present = sorted(sign * v for v in cleaned.values() if v is not None)
    others = len(values) - 1
    missing = len(values) - len(present)
    result: dict[int, float] = {}
    for team_id, value in cleaned.items():
        if value is None or others == 0:
            result[team_id] = 0.0
        else:
            # Teams strictly below: every None team plus the values strictly smaller.
            result[team_id] = (missing + bisect_left(present, sign * value)) / others
    return result


def normalize_minmax(
    values: Mapping[int, float | None], *, lower_is_better: bool = False
) -> dict[int, float]:
    """Min-max normalization over the teams with a value: (value - min) / (max - min),
    mirrored for ``lower_is_better``; None scores 0; all equal: 0 for all."""
    cleaned = {team_id: _clean(value) for team_id, value in values.items()}
    present = [v for v in cleaned.values() if v is not None]
    if not present:
        return dict.fromkeys(values, 0.0)
    low, high = min(present), max(present)
    spread = high - low
    result: dict[int, float] = {}
    for team_id, value in cleaned.items():
        if value is None or spread == 0:
            result[team_id] = 0.0
        elif lower_is_better:
            result[team_id] = (high - value) / spread
        else:
            result[team_id] = (value - low) / spread
    return result


def round_points(value: float) -> int:
    """Whole points, rounded half up (2.5 → 3), as the README's worked example shows.

    The same result as rounding the value's decimal form half up, without building a
    Decimal (a weekly run rounds 10,000 teams' points twice): a float that prints as
    ``k.5`` is exactly ``k.5``, so rounding the exact value is rounding what it prints
    as, and a float's fractional part (``value - floor(value)``) is computed exactly.
    Half away from zero below zero, as Decimal's ROUND_HALF_UP."""
    if value < 0:
        return -round_points(-value)
    whole = math.floor(value)
    return int(whole) + (1 if value - whole >= 0.5 else 0)


Normalized = dict[str, dict[int, float]]


def normalize_track(metrics: Mapping[int, Metrics], scoring: TrackScoring) -> Normalized:
    """Per weighted metric, every team's normalized value within the track (what
    ``track_points`` and ``score_track`` weigh; compute it once for both)."""
    normalize = normalize_rank if scoring.normalization == "rank" else normalize_minmax
    lower = set(scoring.lower_is_better)
    return {
        metric: normalize(
            {team_id: values.get(metric) for team_id, values in metrics.items()},
            lower_is_better=metric in lower,
        )
        for metric in scoring.weights
    }


def track_points(
    metrics: Mapping[int, Metrics],
    scoring: TrackScoring,
    *,
    normalized: Normalized | None = None,
) -> dict[int, int]:
    """Every team's points only (what ``score_track`` totals, without the breakdown)."""
    normalized = normalized if normalized is not None else normalize_track(metrics, scoring)
    weights = list(scoring.weights.items())
    return {
        team_id: round_points(
            sum(weight * normalized[metric][team_id] for metric, weight in weights)
        )
        for team_id in metrics
    }


#: A team's breakdown as stored with its score: metric → [value, normalized, weight, points].
StoredBreakdown = dict[str, list[float | None]]


def stored_breakdowns(
    metrics: Mapping[int, Metrics],
    scoring: TrackScoring,
    *,
    only: Collection[int],
    normalized: Normalized,
) -> dict[int, StoredBreakdown]:
    """The breakdowns of the ``only`` teams of ``metrics`` in their stored form: the same
    numbers as ``score_track`` (whose total is ``track_points``'s), without building its
    objects for each of 10,000 teams."""
    columns = [(metric, weight, normalized[metric]) for metric, weight in scoring.weights.items()]
    return {
        team_id: {
            metric: [
                _clean(metrics[team_id].get(metric)),
                values[team_id],
                weight,
                weight * values[team_id],
            ]
            for metric, weight, values in columns
        }
        for team_id in only
        if team_id in metrics
    }


def score_track(
    metrics: Mapping[int, Metrics],
    scoring: TrackScoring,
    *,
    only: Collection[int] | None = None,
    normalized: Normalized | None = None,
) -> dict[int, TeamScore]:
    """Score every team of one track from its metrics (missing keys count as None); with
    ``only``, return those teams' scores (normalized among all of ``metrics``)."""
    normalized = normalized if normalized is not None else normalize_track(metrics, scoring)
    scores: dict[int, TeamScore] = {}
    for team_id, values in metrics.items():
        if only is not None and team_id not in only:
            continue
        parts = tuple(
            MetricScore(
                metric=metric,
                value=_clean(values.get(metric)),
                normalized=normalized[metric][team_id],
                weight=weight,
                points=weight * normalized[metric][team_id],
            )
            for metric, weight in scoring.weights.items()
        )
        total = round_points(sum(part.points for part in parts))
        scores[team_id] = TeamScore(team_id=team_id, metrics=parts, points=total)
    return scores
