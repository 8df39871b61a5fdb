"""Competition calendar: weeks and local times in the competition's timezone.

Inside Podium every instant is an aware UTC datetime; the competition timezone is used only
here, at the edges. A week starts at local midnight of the configured first day, so a week
is 167, 168 or 169 hours long around daylight-saving changes.

Week keys look like ISO weeks (``2026-W48``). With a first day other than Monday the key is
the ISO week of the Thursday inside the competition week: each competition week contains
exactly one Thursday and each ISO week has exactly one, so keys are unique and sort in
time order whatever the first day.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_WEEK_KEY = re.compile(r"^(\d{4})-W(\d{2})$")
_LOCAL_INPUT = re.compile(r"^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}$")


@dataclass(frozen=True, slots=True)
class Week:
    """One competition week: [start, end) in UTC, with its key."""

    key: str
    start: dt.datetime
    end: dt.datetime
    first_day: dt.date

    def contains(self, instant: dt.datetime) -> bool:
        """True when the instant falls inside this week."""
        return self.start <= instant < self.end


def local_midnight(day: dt.date, tz: ZoneInfo) -> dt.datetime:
    """The first instant of ``day`` in ``tz``, in UTC (DST-safe: a skipped midnight moves on)."""
    return to_utc(dt.datetime.combine(day, dt.time(0)), tz)


def to_utc(local: dt.datetime, tz: ZoneInfo) -> dt.datetime:
    """Interpret a naive wall-clock time in ``tz`` and return it in UTC.

    A time that does not exist (the hour skipped when clocks go forward) is moved forward by
    the gap, as people expect ("02:30" on that night means 03:30). A repeated time (clocks
    going back) means its first occurrence.
    """
    if local.tzinfo is not None:
        return local.astimezone(dt.UTC)
    # PEP 495: fold=0 reads a skipped time with the offset before the change, which lands
    # on the wall time one gap later, and reads a repeated time as its first occurrence.
    return local.replace(tzinfo=tz, fold=0).astimezone(dt.UTC)


def week_of(instant: dt.datetime, tz: ZoneInfo, week_start: int) -> Week:
    """The competition week containing ``instant`` (week_start: 0 = Monday … 6 = Sunday)."""
    local_day = instant.astimezone(tz).date()
    first_day = local_day - dt.timedelta(days=(local_day.weekday() - week_start) % 7)
    return _week_from_first_day(first_day, tz)


def _week_from_first_day(first_day: dt.date, tz: ZoneInfo) -> Week:
    thursday = first_day + dt.timedelta(days=(3 - first_day.weekday()) % 7)
    iso_year, iso_week, _ = thursday.isocalendar()
    return Week(
        key=f"{iso_year}-W{iso_week:02d}",
        start=local_midnight(first_day, tz),
        end=local_midnight(first_day + dt.timedelta(days=7), tz),
        first_day=first_day,
    )


def week_by_key(key: str, tz: ZoneInfo, week_start: int) -> Week:
    """The competition week with this ``YYYY-Www`` key (ValueError if malformed)."""
    match = _WEEK_KEY.match(key.strip().upper())
    if not match:
        raise ValueError(f"not a week key: {key!r} (expected YYYY-Www)")
    thursday = dt.date.fromisocalendar(int(match[1]), int(match[2]), 4)
    first_day = thursday - dt.timedelta(days=(thursday.weekday() - week_start) % 7)
    return _week_from_first_day(first_day, tz)


def previous_week(week: Week, tz: ZoneInfo) -> Week:
    """The week before ``week``."""
    return _week_from_first_day(week.first_day - dt.timedelta(days=7), tz)


def next_week(week: Week, tz: ZoneInfo) -> Week:
    """The week after ``week``."""
    return _week_from_first_day(week.first_day + dt.timedelta(days=7), tz)


def resolve_week(text: str, now: dt.datetime, tz: ZoneInfo, week_start: int) -> Week:
    """Turn ``current``, ``last`` or ``YYYY-Www`` into a week (ValueError otherwise)."""
    word = text.strip().lower()
    current = week_of(now, tz, week_start)
    if word in ("", "current", "this"):
        return current
    if word in ("last", "previous"):
        return previous_week(current, tz)
    return week_by_key(word, tz, week_start)


def parse_local_datetime(text: str, tz: ZoneInfo) -> dt.datetime:
    """Parse organizer input: ``YYYY-MM-DD HH:MM`` in ``tz``, or ISO 8601 with an offset.

    Returns an aware UTC datetime; raises ValueError with a short reason otherwise.
    """
    raw = text.strip()
    if _LOCAL_INPUT.match(raw):
        return to_utc(dt.datetime.fromisoformat(raw.replace(" ", "T")), tz)
    try:
        parsed = dt.datetime.fromisoformat(raw)
    except ValueError:
        raise ValueError(f"not a date and time: {raw!r} (expected YYYY-MM-DD HH:MM)") from None
    if parsed.tzinfo is None:
        return to_utc(parsed, tz)
    return parsed.astimezone(dt.UTC)


def next_local_time(
    after: dt.datetime, at: dt.time, tz: ZoneInfo, *, weekday: int | None = None
) -> dt.datetime:
    """The first instant strictly after ``after`` whose local wall-clock time is ``at``.

    With ``weekday`` (0 = Monday) only that day of the week counts. Computed in local time,
    so "every Monday 09:00" stays at 09:00 across daylight-saving changes.
    """
    day = after.astimezone(tz).date()
    for offset in range(0, 9):
        candidate_day = day + dt.timedelta(days=offset)
        if weekday is not None and candidate_day.weekday() != weekday:
            continue
        candidate = to_utc(dt.datetime.combine(candidate_day, at), tz)
        if candidate > after:
            return candidate
    raise AssertionError("unreachable: a matching day occurs within 8 days")


def discord_timestamp(instant: dt.datetime, style: str = "F") -> str:
    """Discord timestamp markup (``<t:UNIX:F>``) so each reader sees their own timezone."""
    return f"<t:{int(instant.timestamp())}:{style}>"
