"""Configuration: the competition TOML file, its models, checks and readable problems."""

from __future__ import annotations

import re
import typing
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from bot.config import (
    CompetitionConfig,
    load_competition,
)
from bot.config.competition import _toml_fix
from bot.config.problems import _unwrap
from tests.config_support import (
    COMPETITION_EXAMPLE,
    MINIMAL_TOML,
    competition_problems,
    example_text,
    example_with,
    write,
)

# --------------------------------------------------------------------------------------
# Competition file
# --------------------------------------------------------------------------------------


def test_minimal_competition_file_gets_defaults_for_every_optional_table(tmp_path: Path) -> None:
    config = load_competition(write(tmp_path, MINIMAL_TOML))
    assert config.competition.week_start == "monday"
    assert config.week_start_index == 0
    assert config.weekly_post_time == time(9, 0)
    assert config.competition.default_locale == "en"
    assert config.roles.organizer == "Organizer"
    assert config.channels.gallery == "ugc-gallery"
    assert (config.teams.min_size, config.teams.max_size) == (1, 5)
    assert config.teams.registration_deadline is None
    assert config.points.contest_placing == (100, 60, 30)
    assert config.points.weekly_cap("ugc") is None
    assert config.votes.brushing_window == timedelta(minutes=10)
    assert config.reminders.offsets == (timedelta(hours=24), timedelta(hours=1))
    assert config.reminders.grace_period == timedelta(minutes=15)
    assert config.engagement.drop_alert_percent == 15
    assert config.whatsapp.template("reminder", "en") is None


def test_helpers_expose_typed_values(tmp_path: Path) -> None:
    config = load_competition(COMPETITION_EXAMPLE)
    assert config.tz.key == "Asia/Shanghai"
    assert config.week_start_index == 0
    assert isinstance(config.weekly_post_time, time)
    assert config.points.weekly_cap("ugc") == 200
    assert config.points.weekly_cap("award") is None
    assert config.next_cohort("rookie") is config.cohort("advanced")
    assert config.next_cohort("elite") is None
    assert config.cohort_for_points(499).key == "rookie"
    assert config.cohort_for_points(1500).key == "elite"
    assert config.cohort("rookie").announcement_channel == "rookie-camp"
    with pytest.raises(KeyError):
        config.cohort("nonexistent")
    with pytest.raises(KeyError):
        config.track("nonexistent")
    template = config.whatsapp.template("reminder", "zh-CN")
    assert template is not None
    assert template.content_variables({"title": "Q&A", "start": "10:00"}) == {
        "1": "Q&A",
        "2": "10:00",
    }


def test_week_start_and_post_time_are_parsed(tmp_path: Path) -> None:
    text = MINIMAL_TOML.replace(
        'timezone = "Asia/Shanghai"',
        'timezone = "Asia/Shanghai"\nweek_start = "Sunday"\nweekly_post_time = "18:30"',
    )
    config = load_competition(write(tmp_path, text))
    assert config.week_start_index == 6
    assert config.weekly_post_time == time(18, 30)


def test_registration_deadline_is_read_in_the_competition_timezone_and_stored_as_utc() -> None:
    config = load_competition(COMPETITION_EXAMPLE)
    assert config.teams.registration_deadline == datetime(2026, 12, 31, 15, 59, tzinfo=UTC)
    assert config.teams.registration_deadline.tzinfo is UTC


@pytest.mark.parametrize(
    "written",
    ['"2026-12-31T23:59:00+08:00"', '"2026-12-31T15:59:00Z"', "2026-12-31T23:59:00+08:00"],
)
def test_registration_deadline_with_an_offset_is_converted_to_utc(
    tmp_path: Path, written: str
) -> None:
    path = example_with(
        tmp_path, 'registration_deadline = "2026-12-31 23:59"', f"registration_deadline = {written}"
    )
    assert load_competition(path).teams.registration_deadline == datetime(
        2026, 12, 31, 15, 59, tzinfo=UTC
    )


@pytest.mark.parametrize(
    ("written", "fragment"),
    [
        ('"31/12/2026 23:59"', "not a valid date and time"),
        ('"2026-02-30 10:00"', "not a valid date and time"),
        ("2026-12-31", "needs a time of day"),
    ],
)
def test_bad_registration_deadline_is_reported(tmp_path: Path, written: str, fragment: str) -> None:
    path = example_with(
        tmp_path, 'registration_deadline = "2026-12-31 23:59"', f"registration_deadline = {written}"
    )
    (problem,) = competition_problems(path)
    assert problem.key == "teams.registration_deadline"
    assert fragment in problem.problem


def test_registration_deadline_in_a_daylight_saving_gap_is_rejected(tmp_path: Path) -> None:
    text = MINIMAL_TOML.replace("Asia/Shanghai", "Europe/Berlin")
    text += '\n[teams]\nregistration_deadline = "2026-03-29 02:30"\n'
    (problem,) = competition_problems(write(tmp_path, text))
    assert problem.key == "teams.registration_deadline"
    assert "does not exist in Europe/Berlin" in problem.problem


def test_unknown_timezone_name_is_reported(tmp_path: Path) -> None:
    path = example_with(tmp_path, 'timezone = "Asia/Shanghai"', 'timezone = "Asia/Shangai"')
    (problem,) = competition_problems(path)
    assert problem.key == "competition.timezone"
    assert "unknown timezone 'Asia/Shangai'" in problem.problem
    assert "IANA" in problem.fix


def test_negative_threshold_is_reported_with_its_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    example_with(tmp_path, "promotion_threshold = 500", "promotion_threshold = -5")
    (problem,) = competition_problems(Path("competition.toml"))
    assert problem.line() == (
        "competition.toml: cohorts[1].promotion_threshold: must be 0 or more (got -5). "
        "Fix: use a whole number of season points, 0 or more."
    )


def test_decreasing_thresholds_are_reported_at_the_cohort_that_drops(tmp_path: Path) -> None:
    path = example_with(tmp_path, "promotion_threshold = 1500", "promotion_threshold = 400")
    (problem,) = competition_problems(path)
    assert problem.key == "cohorts[2].promotion_threshold"
    assert "400 < 500" in problem.problem
    assert "never decrease" in problem.fix


def test_first_cohort_must_start_at_zero_points(tmp_path: Path) -> None:
    path = example_with(tmp_path, "promotion_threshold = 0", "promotion_threshold = 10")
    (problem,) = competition_problems(path)
    assert problem.key == "cohorts[0].promotion_threshold"
    assert "must be 0 for the first" in problem.problem


def test_duplicate_cohort_keys_are_reported(tmp_path: Path) -> None:
    path = example_with(tmp_path, 'key = "elite"', 'key = "rookie"')
    (problem,) = competition_problems(path)
    assert problem.key == "cohorts[2].key"
    assert "'rookie' is already used by cohorts[0]" in problem.problem


def test_duplicate_cohort_roles_and_track_keys_are_reported(tmp_path: Path) -> None:
    text = example_text().replace('role = "Elite"', 'role = "Rookie"')
    text = text.replace('key = "professional"', 'key = "student"')
    keys = {p.key for p in competition_problems(write(tmp_path, text))}
    assert keys == {"cohorts[2].role", "tracks[1].key"}


def test_cohort_role_may_not_be_the_organizer_role(tmp_path: Path) -> None:
    path = example_with(tmp_path, 'organizer = "Organizer"', 'organizer = "Elite"')
    (problem,) = competition_problems(path)
    assert problem.key == "cohorts[2].role"
    assert "organizer role" in problem.problem


def test_unknown_key_is_reported_with_its_path_and_a_suggestion(tmp_path: Path) -> None:
    path = example_with(tmp_path, "max_size = 5", "max_size = 5\nmaxsize = 3")
    (problem,) = competition_problems(path)
    assert problem.key == "teams.maxsize"
    assert problem.problem == "unknown key"
    assert "'max_size'" in problem.fix


@pytest.mark.parametrize(
    ("old", "new", "key"),
    [
        ("[engagement]", "[engagment]", "engagment"),
        ('key = "rookie"', 'key = "rookie"\ncolour = "red"', "cohorts[0].colour"),
        (
            'variables = ["code"]',
            'variables = ["code"]\nlanguage = "en"',
            "whatsapp.templates.verification.en.language",
        ),
        ("ugc = 200", "ugcc = 200", "points.weekly_caps.ugcc"),
        ("[whatsapp.templates.broadcast.en]", "[whatsapp.templates.broadcast.fr]", None),
    ],
)
def test_unknown_keys_anywhere_are_errors(
    tmp_path: Path, old: str, new: str, key: str | None
) -> None:
    problems = competition_problems(example_with(tmp_path, old, new))
    assert len(problems) == 1
    if key is not None:
        assert problems[0].key == key
    else:
        assert problems[0].key.startswith("whatsapp.templates.broadcast.fr")


def test_missing_required_tables_are_each_reported(tmp_path: Path) -> None:
    problems = competition_problems(write(tmp_path, "[teams]\nmax_size = 4\n"))
    assert {p.key: p.problem for p in problems} == {
        "competition": "missing",
        "cohorts": "missing",
        "tracks": "missing",
    }


def test_many_problems_are_reported_at_once(tmp_path: Path) -> None:
    text = (
        example_text()
        .replace('timezone = "Asia/Shanghai"', 'timezone = "Mars/Olympus"')
        .replace("max_size = 5", "max_size = 80")
        .replace('brushing_window = "10m"', 'brushing_window = "soon"')
        .replace("drop_alert_percent = 15", "drop_alert_percent = 0")
        .replace('offsets = ["24h", "1h"]', 'offsets = ["24h", "24h"]')
        .replace('weekly_post_time = "09:00"', 'weekly_post_time = "9am"')
        .replace('content_sid = "HX00000000000000000000000000000001"', 'content_sid = "HX1"')
    )
    keys = {p.key for p in competition_problems(write(tmp_path, text))}
    assert keys == {
        "competition.timezone",
        "competition.weekly_post_time",
        "teams.max_size",
        "votes.brushing_window",
        "engagement.drop_alert_percent",
        "reminders.offsets[1]",
        "whatsapp.templates.reminder.en.content_sid",
    }


@pytest.mark.parametrize(
    ("old", "new", "key", "fragment"),
    [
        ("min_size = 1", "min_size = 6", "teams.max_size", "at least min_size (6)"),
        ('week_start = "monday"', 'week_start = "funday"', "competition.week_start", "one of"),
        ('default_locale = "en"', 'default_locale = "fr"', "competition.default_locale", "one of"),
        ("qa_checkin = 10", "qa_checkin = 1.5", "points.qa_checkin", "whole number"),
        ("qa_checkin = 10", 'qa_checkin = "ten"', "points.qa_checkin", "whole number"),
        ("ugc = 200", "ugc = 0", "points.weekly_caps.ugc", "more than 0"),
        ("[100, 60, 30]", "[100, 160, 30]", "points.contest_placing[1]", "more points"),
        ('gallery = "ugc-gallery"', 'gallery = "UGC Gallery"', "channels.gallery", "lower case"),
        ('channels = ["rookie-camp"]', "channels = []", "cohorts[0].channels", "at least 1"),
        ('key = "rookie"', 'key = "Rookie Camp"', "cohorts[0].key", "lower-case letters"),
        (
            "messages_per_second = 10",
            "messages_per_second = 0",
            "whatsapp.messages_per_second",
            "more than 0 (got 0)",
        ),
        (
            'grace_period = "15m"',
            'grace_period = "0m"',
            "reminders.grace_period",
            "longer than zero",
        ),
        (
            "private_channels = false",
            'private_channels = "maybe"',
            "teams.private_channels",
            "true or false",
        ),
    ],
)
def test_invalid_competition_values_are_reported_readably(
    tmp_path: Path, old: str, new: str, key: str, fragment: str
) -> None:
    problems = competition_problems(example_with(tmp_path, old, new))
    assert [p.key for p in problems] == [key]
    assert fragment in problems[0].problem


def test_toml_syntax_error_names_the_line(tmp_path: Path) -> None:
    path = write(tmp_path, '[competition]\nname = "X"\nseason "2026"\n')
    (problem,) = competition_problems(path)
    assert problem.source == str(path)
    assert "TOML syntax error" in problem.problem
    assert "line 3" in problem.problem


def test_missing_competition_file_is_reported(tmp_path: Path) -> None:
    (problem,) = competition_problems(tmp_path / "nope.toml")
    assert problem.problem.startswith("file not found")
    assert "competition.example.toml" in problem.fix


def test_file_with_a_byte_order_mark_loads(tmp_path: Path) -> None:
    path = tmp_path / "competition.toml"
    path.write_bytes(b"\xef\xbb\xbf" + example_text().encode("utf-8"))
    assert load_competition(path).competition.season == "2026"


def test_reminder_offsets_are_sorted_from_the_earliest_reminder(tmp_path: Path) -> None:
    path = example_with(tmp_path, 'offsets = ["24h", "1h"]', 'offsets = ["1h", "2d", "30m"]')
    assert load_competition(path).reminders.offsets == (
        timedelta(days=2),
        timedelta(hours=1),
        timedelta(minutes=30),
    )


def test_competition_config_is_immutable() -> None:
    config = load_competition(COMPETITION_EXAMPLE)
    with pytest.raises(ValidationError):
        config.teams.max_size = 9  # type: ignore[misc]


def _leaf_paths(model: type[BaseModel], prefix: str = "") -> list[str]:
    paths: list[str] = []
    for name, field in model.model_fields.items():
        path = f"{prefix}{name}"
        paths.append(path)
        annotation: Any = _unwrap(field.annotation)
        if typing.get_origin(annotation) is tuple:
            annotation = _unwrap(typing.get_args(annotation)[0])
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            paths.extend(_leaf_paths(annotation, f"{path}."))
    return paths


def test_every_competition_key_has_a_specific_fix_text() -> None:
    generic = _toml_fix("no.such.key")
    for path in _leaf_paths(CompetitionConfig):
        assert _toml_fix(path) != generic, path


def test_every_competition_key_is_documented_in_the_example() -> None:
    text = example_text()
    for path in _leaf_paths(CompetitionConfig):
        name = path.rsplit(".", 1)[-1]
        if name in ("en", "zh_CN") and "templates" not in path:
            continue  # inline tables: name = { en = ..., zh_CN = ... }
        assert re.search(rf"(^|[\s.\[{{]){name}\b", text), path
