"""The ``[judging]`` table: defaults, the configured rubric, readable problems; and when a
round's reminders are planned."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from bot.config import CompetitionConfig, load_competition
from bot.services.judging.base import rubric_of
from bot.services.registry import Services
from tests.config_support import MINIMAL_TOML, competition_problems, example_with, write
from tests.conftest import T0


def test_without_a_judging_table_the_rubric_is_feasibility_innovation_business_value(
    tmp_path: Path,
) -> None:
    config = load_competition(write(tmp_path, MINIMAL_TOML)).judging
    rubric = rubric_of(config)
    assert [(c.key, c.name, c.name_zh, c.weight) for c in rubric.criteria] == [
        ("feasibility", "Feasibility", "可行性", 1.0),
        ("innovation", "Innovation", "创新性", 1.0),
        ("business_value", "Business value", "商业价值", 1.0),
    ]
    assert (rubric.scale_min, rubric.scale_max) == (1, 10)
    assert (config.judges_per_entry, config.judge_weight, config.community_weight) == (3, 1, 0)
    assert config.placing_points == (300, 200, 100)


def test_the_example_configures_the_same_rubric(competition: CompetitionConfig) -> None:
    assert rubric_of(competition.judging).keys == ("feasibility", "innovation", "business_value")
    assert competition.judging.criteria[2].label("zh-CN") == "商业价值"


@pytest.mark.parametrize(
    ("old", "new", "key"),
    [
        ("scale_max = 10 ", "scale_max = 1 ", "judging.scale_max"),
        ('key = "innovation"', 'key = "feasibility"', "judging.criteria"),
        ("judges_per_entry = 3 ", "judges_per_entry = 0 ", "judging.judges_per_entry"),
        ("judge_weight = 1.0 ", "judge_weight = 0.0 ", "judging.community_weight"),
        ("weight = 1.0                   #", "weight = 0                   #", None),
    ],
)
def test_judging_problems_are_reported_by_key(
    tmp_path: Path, old: str, new: str, key: str | None
) -> None:
    (problem,) = competition_problems(example_with(tmp_path, old, new))
    if key is not None:
        assert problem.key == key
    else:
        assert problem.key.startswith("judging.criteria")
        assert problem.key.endswith("weight")
    assert problem.fix


def test_reminders_midway_and_before_the_deadline_only_when_ahead(services: Services) -> None:
    judging = services.judging
    week = T0 + dt.timedelta(days=7)
    assert [(k.rsplit(":", 1)[1], w) for k, w in judging._reminder_plan(5, T0, week)] == [
        ("midway", T0 + dt.timedelta(days=3, hours=12)),
        ("final", week - dt.timedelta(hours=24)),
    ]
    # A 30-hour round: the final reminder (at 6 h) comes before midway (15 h): final only.
    short = T0 + dt.timedelta(hours=30)
    assert [k for k, _ in judging._reminder_plan(5, T0, short)] == ["judging:5:remind:final"]
    # A round shorter than the reminder lead time: no reminder at all.
    assert judging._reminder_plan(5, T0, T0 + dt.timedelta(hours=10)) == []
