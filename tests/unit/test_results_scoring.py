"""Results scoring as pure functions (rank and min-max normalization, ties, None, weights,
rounding) on worked cases and random ones (hypothesis), and the ``[results.scoring]`` table."""

from __future__ import annotations

import math
import random
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.config import CompetitionConfig, load_competition
from bot.config.results_scoring import TrackScoring
from bot.services.results.scoring import (
    normalize_minmax,
    normalize_rank,
    normalize_track,
    round_points,
    score_track,
    stored_breakdowns,
    track_points,
)
from tests.config_support import MINIMAL_TOML, competition_problems, example_with, write

values = st.dictionaries(
    st.integers(min_value=1, max_value=60),
    st.one_of(st.none(), st.floats(min_value=-1e6, max_value=1e6, allow_nan=False)),
    min_size=1,
    max_size=25,
)


def test_rank_gives_the_share_of_other_teams_beaten_ties_equal_and_none_last() -> None:
    assert normalize_rank({1: 50.0, 2: 30.0, 3: 30.0, 4: 10.0, 5: None}) == {
        1: 1.0,  # beats all 4 others
        2: 0.5,  # beats 4 (10) and 5 (None)
        3: 0.5,
        4: 0.25,  # beats only the team without a value
        5: 0.0,
    }


def test_rank_lower_is_better_mirrors_the_order() -> None:
    assert normalize_rank({1: 5.0, 2: 1.0, 3: None}, lower_is_better=True) == {
        1: 0.5,
        2: 1.0,
        3: 0.0,
    }


def test_minmax_scales_between_the_smallest_and_largest_value() -> None:
    assert normalize_minmax({1: 200.0, 2: 150.0, 3: 100.0, 4: None}) == {
        1: 1.0,
        2: 0.5,
        3: 0.0,
        4: 0.0,
    }
    assert normalize_minmax({1: 200.0, 2: 150.0, 3: 100.0}, lower_is_better=True) == {
        1: 0.0,
        2: 0.5,
        3: 1.0,
    }


@pytest.mark.parametrize("normalize", [normalize_rank, normalize_minmax])
def test_a_metric_on_which_every_team_is_equal_separates_no_one(normalize: object) -> None:
    assert callable(normalize)
    assert normalize({1: 3.0, 2: 3.0, 3: 3.0}) == {1: 0.0, 2: 0.0, 3: 0.0}
    assert normalize({7: 9.0}) == {7: 0.0}
    assert normalize({1: None, 2: None}) == {1: 0.0, 2: 0.0}


def test_equal_values_still_beat_teams_without_a_value_by_rank_not_by_minmax() -> None:
    assert normalize_rank({1: 3.0, 2: 3.0, 3: None}) == {1: 0.5, 2: 0.5, 3: 0.0}
    assert normalize_minmax({1: 3.0, 2: 3.0, 3: None}) == {1: 0.0, 2: 0.0, 3: 0.0}


def test_nan_and_infinity_count_as_no_value() -> None:
    assert normalize_minmax({1: float("nan"), 2: 1.0, 3: 3.0}) == {1: 0.0, 2: 0.0, 3: 1.0}
    assert normalize_rank({1: float("inf"), 2: 1.0})[1] == 0.0


@settings(max_examples=80, deadline=None)
@given(values, st.booleans(), st.sampled_from(["rank", "minmax"]))
def test_normalized_values_lie_in_0_1_and_keep_the_order_of_values(
    data: dict[int, float | None], lower: bool, how: str
) -> None:
    normalize = normalize_rank if how == "rank" else normalize_minmax
    result = normalize(data, lower_is_better=lower)
    assert set(result) == set(data)
    assert all(0.0 <= v <= 1.0 for v in result.values())
    for a, va in data.items():
        if va is None:
            assert result[a] == 0.0
            continue
        for b, vb in data.items():
            if vb is None:
                continue
            better = va < vb if lower else va > vb
            if better:
                assert result[a] >= result[b]
            if va == vb:
                assert result[a] == result[b]


@settings(max_examples=80, deadline=None)
@given(values)
def test_rank_top_value_scores_1_when_it_is_unique(data: dict[int, float | None]) -> None:
    present = [v for v in data.values() if v is not None]
    result = normalize_rank(data)
    if len(data) > 1 and present and present.count(max(present)) == 1:
        best = next(k for k, v in data.items() if v == max(present))
        assert result[best] == 1.0


def test_round_points_rounds_half_up() -> None:
    assert [round_points(x) for x in (2.5, 3.5, 2.4999, 0.5, 0.0, 89.99999999999999)] == [
        3,
        4,
        2,
        1,
        0,
        90,
    ]


def test_round_points_matches_rounding_the_printed_value_half_up() -> None:
    # The float shortcut must agree with rounding repr(value) half up as a decimal,
    # including the values next to every .5 and the 0.4999… whose + 0.5 rounds up.
    def by_decimal(value: float) -> int:
        return int(Decimal(repr(value)).quantize(Decimal(1), rounding=ROUND_HALF_UP))

    rng = random.Random(5)
    values = [rng.uniform(-120, 120) for _ in range(20_000)]
    for k in range(-101, 101):
        half = k + 0.5
        values += [half, math.nextafter(half, -math.inf), math.nextafter(half, math.inf)]
    values += [0.49999999999999994, -0.49999999999999994, 1e-300, 4503599627370495.5]
    for value in values:
        assert round_points(value) == by_decimal(value), value


def test_the_readme_worked_example() -> None:
    """README "Results scoring": three student teams, weights sales 40, orders 30,
    conversion 20, roi 10, rank normalization."""
    scoring = TrackScoring(
        track="student", weights={"sales": 40, "orders": 30, "conversion": 20, "roi": 10}
    )
    metrics: dict[int, dict[str, float | None]] = {
        1: {"sales": 1200.0, "orders": 30.0, "conversion": 0.02, "roi": 1.5},
        2: {"sales": 800.0, "orders": 40.0, "conversion": 0.04, "roi": None},
        3: {"sales": 800.0, "orders": 10.0, "conversion": 0.01, "roi": 0.5},
    }
    scores = score_track(metrics, scoring)
    first = {m.metric: (m.normalized, m.points) for m in scores[1].metrics}
    assert first == {
        "sales": (1.0, 40.0),
        "orders": (0.5, 15.0),
        "conversion": (0.5, 10.0),
        "roi": (1.0, 10.0),
    }
    assert [scores[t].points for t in (1, 2, 3)] == [75, 50, 5]


def test_minmax_weights_and_missing_metrics() -> None:
    scoring = TrackScoring(
        track="professional",
        normalization="minmax",
        weights={"sales": 50, "ad_spend": 10},
        lower_is_better=("ad_spend",),
    )
    scores = score_track(
        {1: {"sales": 300.0, "ad_spend": 50.0}, 2: {"sales": 100.0, "ad_spend": 10.0}, 3: {}},
        scoring,
    )
    assert [scores[t].points for t in (1, 2, 3)] == [50, 10, 0]
    assert scores[3].metrics[0].value is None


def test_example_configures_rank_for_students_and_minmax_for_professionals(
    competition: CompetitionConfig,
) -> None:
    student = competition.results.scoring.for_track("student")
    assert student is not None
    assert student.normalization == "rank"
    assert student.total_weight == 100
    professional = competition.results.scoring.for_track("professional")
    assert professional is not None
    assert professional.normalization == "minmax"


def test_without_a_results_table_no_track_is_scored(tmp_path: Path) -> None:
    assert load_competition(write(tmp_path, MINIMAL_TOML)).results.scoring.tracks == ()


@pytest.mark.parametrize(
    ("old", "new", "key"),
    [
        ('track = "student"              #', 'track = "nope"              #', "results"),
        ("sales = 40,", "sales = 0,", "results.scoring.tracks[0].weights.sales"),
        ('normalization = "rank"', 'normalization = "zscore"', "results"),
        ("lower_is_better = []", 'lower_is_better = ["visits"]', "results"),
        ("sales = 40,", "salez = 40,", "results.scoring.tracks[0].weights.salez"),
        ('track = "professional"\nnormalization', 'track = "student"\nnormalization', "results"),
    ],
)
def test_scoring_problems_are_reported_by_key(tmp_path: Path, old: str, new: str, key: str) -> None:
    (problem,) = competition_problems(example_with(tmp_path, old, new))
    assert problem.key.startswith(key)
    assert problem.fix


@settings(max_examples=60, deadline=None)
@given(
    st.dictionaries(
        st.integers(min_value=1, max_value=40),
        st.fixed_dictionaries(
            {
                "sales": st.one_of(st.none(), st.floats(0, 1e5, allow_nan=False)),
                "orders": st.one_of(st.none(), st.integers(0, 50).map(float)),
            }
        ),
        min_size=1,
        max_size=20,
    ),
    st.sampled_from(["rank", "minmax"]),
)
def test_points_alone_equal_the_breakdowns_totals(
    metrics: dict[int, dict[str, float | None]], how: str
) -> None:
    scoring = TrackScoring(track="student", normalization=how, weights={"sales": 7, "orders": 3.5})
    full = score_track(metrics, scoring)
    assert track_points(metrics, scoring) == {t: s.points for t, s in full.items()}
    some = set(list(metrics)[:3])
    assert score_track(metrics, scoring, only=some) == {t: full[t] for t in some}
    # The stored form of a breakdown holds the very numbers of score_track's.
    stored = stored_breakdowns(
        metrics, scoring, only=some, normalized=normalize_track(metrics, scoring)
    )
    assert stored == {
        t: {m.metric: [m.value, m.normalized, m.weight, m.points] for m in full[t].metrics}
        for t in some
    }
