import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from bot.calendar import (
    discord_timestamp,
    next_local_time,
    parse_local_datetime,
    resolve_week,
    to_utc,
    week_by_key,
    week_of,
)

NY = ZoneInfo("America/New_York")
SHANGHAI = ZoneInfo("Asia/Shanghai")
MONDAY, SUNDAY = 0, 6


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=dt.UTC)


def test_week_starts_at_local_midnight_of_the_configured_day_in_shanghai():
    week = week_of(utc(2026, 11, 25, 6), SHANGHAI, MONDAY)
    assert week.key == "2026-W48"
    assert week.start == utc(2026, 11, 22, 16)  # Monday 00:00 +08:00
    assert week.end - week.start == dt.timedelta(days=7)


def test_sunday_evening_in_shanghai_is_still_the_old_week_although_utc_says_sunday_noon():
    # Sunday 23:30 local = Sunday 15:30 UTC: same week; Monday 00:30 local = Sunday 16:30 UTC: next.
    assert week_of(utc(2026, 11, 29, 15, 30), SHANGHAI, MONDAY).key == "2026-W48"
    assert week_of(utc(2026, 11, 29, 16, 30), SHANGHAI, MONDAY).key == "2026-W49"


def test_week_across_spring_forward_in_new_york_is_167_hours_and_keeps_local_midnights():
    week = week_of(utc(2026, 3, 10, 12), NY, MONDAY)  # DST starts Sunday 2026-03-08
    assert week.key == "2026-W11"
    assert week.start.astimezone(NY).time() == dt.time(0)
    before = week_of(utc(2026, 3, 4, 12), NY, MONDAY)
    assert before.end - before.start == dt.timedelta(hours=167)
    assert before.end == week.start


def test_week_across_fall_back_in_new_york_is_169_hours():
    week = week_of(utc(2026, 10, 28, 12), NY, MONDAY)  # DST ends Sunday 2026-11-01
    assert week.end - week.start == dt.timedelta(hours=169)
    assert week.end.astimezone(NY) == dt.datetime(2026, 11, 2, 0, 0, tzinfo=NY)


def test_sunday_start_weeks_have_unique_keys_in_time_order():
    keys = [
        week_of(utc(2026, 1, 1) + dt.timedelta(days=7 * n), SHANGHAI, SUNDAY).key for n in range(60)
    ]
    assert keys == sorted(keys)
    assert len(set(keys)) == 60


@pytest.mark.parametrize("week_start", range(7))
def test_week_by_key_round_trips_for_every_first_day(week_start: int):
    instant = utc(2026, 6, 17, 3)
    week = week_of(instant, SHANGHAI, week_start)
    assert week_by_key(week.key, SHANGHAI, week_start) == week
    assert week.contains(instant)
    assert week.start.astimezone(SHANGHAI).weekday() == week_start


def test_resolve_week_understands_current_last_and_keys():
    now = utc(2026, 11, 25, 6)
    assert resolve_week("current", now, SHANGHAI, MONDAY).key == "2026-W48"
    assert resolve_week("last", now, SHANGHAI, MONDAY).key == "2026-W47"
    assert resolve_week("2026-w01", now, SHANGHAI, MONDAY).key == "2026-W01"
    with pytest.raises(ValueError, match="YYYY-Www"):
        resolve_week("next tuesday", now, SHANGHAI, MONDAY)


def test_first_iso_week_belongs_to_the_year_of_its_thursday():
    # 2026-12-31 is a Thursday, so Monday 2026-12-28 starts 2026-W53.
    assert week_of(utc(2027, 1, 1, 12), NY, MONDAY).key == "2026-W53"


def test_parse_local_datetime_reads_competition_local_time_and_iso_offsets():
    assert parse_local_datetime("2026-12-01 20:00", SHANGHAI) == utc(2026, 12, 1, 12)
    assert parse_local_datetime("2026-12-01T20:00+01:00", SHANGHAI) == utc(2026, 12, 1, 19)
    with pytest.raises(ValueError, match="YYYY-MM-DD HH:MM"):
        parse_local_datetime("tomorrow at 8", SHANGHAI)


def test_a_skipped_local_time_moves_forward_by_the_gap():
    assert to_utc(dt.datetime(2026, 3, 8, 2, 30), NY)  # noqa: DTZ001 - a wall-clock time is the input.astimezone(NY).time() == dt.time(3, 30)


def test_next_local_time_keeps_20_00_local_across_a_dst_change():
    first = next_local_time(utc(2026, 3, 6, 12), dt.time(20), NY)
    later = next_local_time(first + dt.timedelta(days=2), dt.time(20), NY)
    assert first.astimezone(NY).time() == later.astimezone(NY).time() == dt.time(20)
    assert first.utcoffset() == later.utcoffset() == dt.timedelta(0)
    assert first.hour == 1
    assert later.hour == 0


def test_next_local_time_on_a_weekday_returns_the_next_such_day():
    when = next_local_time(utc(2026, 11, 25, 6), dt.time(9), SHANGHAI, weekday=MONDAY)
    assert when.astimezone(SHANGHAI) == dt.datetime(2026, 11, 30, 9, tzinfo=SHANGHAI)


def test_discord_timestamp_markup():
    assert discord_timestamp(utc(2026, 1, 1), "R") == "<t:1767225600:R>"
