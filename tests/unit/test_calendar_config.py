"""`[[calendar.phases]]`: local times read in the competition timezone, and friendly problems
for inverted, overlapping, duplicate or unreadable phases."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from bot.config import load_competition
from tests.config_support import (
    COMPETITION_EXAMPLE,
    MINIMAL_TOML,
    competition_problems,
    example_with,
    write,
)

UTC = dt.UTC


def phases_toml(*phases: tuple[str, str, str]) -> str:
    blocks = [
        f'[[calendar.phases]]\nkey = "{key}"\nkind = "round"\nname = {{ en = "{key}" }}\n'
        f'start = "{start}"\nend = "{end}"\n'
        for key, start, end in phases
    ]
    return MINIMAL_TOML + "\n" + "\n".join(blocks)


def test_example_phases_are_read_in_shanghai_time_and_stored_as_utc() -> None:
    config = load_competition(COMPETITION_EXAMPLE)
    round1 = config.calendar.phase("round1")
    assert round1 is not None
    assert round1.start == dt.datetime(2027, 1, 11, 1, 0, tzinfo=UTC)  # 09:00 at UTC+8
    assert round1.end == dt.datetime(2027, 2, 7, 15, 59, tzinfo=UTC)
    assert round1.name.get("zh-CN") == "第一轮"
    assert [p.key for p in config.calendar.ordered] == [
        "registration",
        "checkin",
        "round1",
        "round2",
        "final",
        "awards",
    ]
    assert config.calendar.deadline_notice == dt.timedelta(hours=24)


def test_a_file_without_phases_has_an_empty_calendar(tmp_path: Path) -> None:
    config = load_competition(write(tmp_path, MINIMAL_TOML))
    assert config.calendar.phases == ()


def test_phases_listed_out_of_order_are_accepted_and_ordered(tmp_path: Path) -> None:
    text = phases_toml(
        ("late", "2027-02-01 00:00", "2027-02-02 00:00"),
        ("early", "2027-01-01 00:00", "2027-01-02 00:00"),
    )
    config = load_competition(write(tmp_path, text))
    assert [p.key for p in config.calendar.ordered] == ["early", "late"]


def test_a_phase_ending_before_it_starts_is_reported_at_its_end(tmp_path: Path) -> None:
    text = phases_toml(("round1", "2027-01-10 09:00", "2027-01-09 09:00"))
    problems = {p.key: p for p in competition_problems(write(tmp_path, text))}
    assert list(problems) == ["calendar.phases[0].end"]
    assert "must be after start" in problems["calendar.phases[0].end"].problem
    assert "after start" in problems["calendar.phases[0].end"].fix


def test_overlapping_phases_are_reported_with_the_phase_they_overlap(tmp_path: Path) -> None:
    text = phases_toml(
        ("round1", "2027-01-01 00:00", "2027-01-10 00:00"),
        ("round2", "2027-01-09 00:00", "2027-01-20 00:00"),
        ("round3", "2027-01-20 00:00", "2027-01-30 00:00"),  # starts as round2 ends: fine
    )
    problems = competition_problems(write(tmp_path, text))
    assert [p.key for p in problems] == ["calendar.phases[1].start"]
    assert "overlaps phase 'round1' (phases[0])" in problems[0].problem
    assert "at or after the end of the one before" in problems[0].fix


def test_two_phases_with_one_key_are_reported(tmp_path: Path) -> None:
    text = phases_toml(
        ("round1", "2027-01-01 00:00", "2027-01-10 00:00"),
        ("round1", "2027-02-01 00:00", "2027-02-10 00:00"),
    )
    problems = competition_problems(write(tmp_path, text))
    assert [p.key for p in problems] == ["calendar.phases[1].key"]
    assert "already used by phases[0]" in problems[0].problem


def test_an_unreadable_start_is_reported_at_its_key(tmp_path: Path) -> None:
    path = example_with(tmp_path, 'start = "2027-01-11 09:00"', 'start = "next monday"')
    problems = competition_problems(path)
    assert [p.key for p in problems] == ["calendar.phases[2].start"]
    assert "is not a valid date and time" in problems[0].problem
    assert "YYYY-MM-DD HH:MM" in problems[0].fix


def test_an_unknown_phase_kind_is_reported_with_the_kinds_to_use(tmp_path: Path) -> None:
    path = example_with(tmp_path, 'kind = "final"', 'kind = "semifinal"')
    problems = competition_problems(path)
    assert [p.key for p in problems] == ["calendar.phases[4].kind"]
    assert "registration, checkin, round, final, awards, other" in problems[0].fix


def test_a_phase_time_in_a_daylight_saving_gap_is_rejected(tmp_path: Path) -> None:
    text = phases_toml(("round1", "2027-03-14 02:30", "2027-03-20 00:00")).replace(
        "Asia/Shanghai", "America/New_York"
    )
    problems = competition_problems(write(tmp_path, text))
    assert [p.key for p in problems] == ["calendar.phases[0].start"]
    assert "does not exist in America/New_York" in problems[0].problem
