"""``[results.scoring]``: the weekly results points per track (weights on normalized metrics)."""

from __future__ import annotations

from typing import Annotated, Final, Literal

from pydantic import Field, field_validator, model_validator

from bot.config.fields import _issue, _Key, _Model

#: How a metric's values become 0..1 within a track: ``rank`` (the share of the other
#: teams a team beats) or ``minmax`` ((value - min) / (max - min)). See the README.
Normalization = Literal["rank", "minmax"]

_Weight = Annotated[float, Field(gt=0, le=10_000)]


class TrackScoring(_Model):
    """One ``[[results.scoring.tracks]]`` entry: how one track's teams earn results points.

    ``weights``: metric key → the points a team gets for being the best of its track on
    that metric (its normalized value is 1); ``lower_is_better``: metrics where a smaller
    value wins (e.g. ad spend). A team's points are the sum of weight × normalized value,
    rounded half up.
    """

    track: _Key
    normalization: Normalization = "rank"
    weights: dict[_Key, _Weight] = Field(min_length=1, max_length=20)
    lower_is_better: tuple[_Key, ...] = ()

    @model_validator(mode="after")
    def _lower_are_weighted(self) -> TrackScoring:
        unknown = [key for key in self.lower_is_better if key not in self.weights]
        if unknown:
            raise _issue(
                (
                    ("lower_is_better",),
                    f"names metrics without a weight: {', '.join(unknown)}",
                    "list only metrics that appear in weights, or give them a weight.",
                )
            )
        return self

    @property
    def total_weight(self) -> float:
        """The most points a team can get in a week (the sum of the weights)."""
        return sum(self.weights.values())


class ScoringSection(_Model):
    """``[results.scoring]``: the weekly results points (source ``results`` in the ledger).

    ``tracks``: one entry per track that earns results points; a track left out gets
    none. The weekly run scores the week that just ended, at the competition's weekly post
    time (``[points]``'s board time), and posts a summary to the leaderboard channel.
    """

    tracks: tuple[TrackScoring, ...] = ()

    @field_validator("tracks")
    @classmethod
    def _one_per_track(cls, tracks: tuple[TrackScoring, ...]) -> tuple[TrackScoring, ...]:
        seen: set[str] = set()
        for index, entry in enumerate(tracks):
            if entry.track in seen:
                raise _issue(
                    (
                        (index, "track"),
                        f"scores track {entry.track!r} a second time",
                        "keep one [[results.scoring.tracks]] block per track.",
                    )
                )
            seen.add(entry.track)
        return tracks

    def for_track(self, track: str) -> TrackScoring | None:
        """The scoring of ``track``, or None when the track earns no results points."""
        return next((entry for entry in self.tracks if entry.track == track), None)


SCORING_FIXES: Final[dict[str, str]] = {
    "results.scoring*": (
        "use [[results.scoring.tracks]] blocks with track (a [[tracks]] key, once), "
        'normalization ("rank" or "minmax"), weights (metric = points above 0, e.g. '
        "{ sales = 40, orders = 30 }) and lower_is_better (weighted metrics)."
    ),
}
