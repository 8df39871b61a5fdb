"""Actives rollups: the exact changes a flush or an erasure makes to daily and weekly
actives per cohort, and rebuilding them from ``activity_daily``.

Which cohort counts: each ``activity_daily`` row records the member's cohort when the row
was first written (their first counted activity that day, as flushed). A member counts on
a day in that day's recorded cohort, and in a week once, in the cohort recorded on their
earliest active day of that week. A member promoted mid-week therefore counts in the old
cohort for the week if they were active before the promotion, and in the new one for the
days after it. Counts arriving late for an earlier day (a flush after midnight, or after
the week ended) move the member's week to that earlier day's cohort when it differs.

The rollups hold counts only, never member ids; erasing a member subtracts what their rows
added before the rows are deleted, so the rollups always equal a full scan.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from storage.queries.activity import DayRow

Deltas = dict[tuple[dt.date, str], int]


def week_start_of(day: dt.date, week_start_index: int) -> dt.date:
    """The first day of the competition week containing ``day`` (0 = Monday … 6 = Sunday)."""
    return day - dt.timedelta(days=(day.weekday() - week_start_index) % 7)


@dataclass(slots=True)
class FlushPlan:
    """What one flush writes: the cohort of each new (member, day) row and the rollup
    changes, (day | week start, cohort) → signed count."""

    new_rows: dict[tuple[int, dt.date], str] = field(default_factory=dict)
    daily: Deltas = field(default_factory=lambda: defaultdict(int))
    weekly: Deltas = field(default_factory=lambda: defaultdict(int))


def plan_flush(
    keys: Iterable[tuple[int, dt.date]],
    existing: Iterable[DayRow],
    cohorts: dict[int, str],
    week_start_index: int,
) -> FlushPlan:
    """The rollup changes of writing counts for ``keys`` (member, day), given the rows
    already stored for those members in the weeks touched and each member's current cohort
    (the one a new row records)."""
    plan = FlushPlan()
    stored: dict[tuple[int, dt.date], dict[dt.date, str]] = defaultdict(dict)
    for row in existing:
        stored[(row.user_id, week_start_of(row.day, week_start_index))][row.day] = row.cohort
    added: dict[tuple[int, dt.date], dict[dt.date, str]] = defaultdict(dict)
    for user_id, day in keys:
        week = week_start_of(day, week_start_index)
        if day in stored[(user_id, week)] or (user_id, day) in plan.new_rows:
            continue
        cohort = cohorts.get(user_id, "")
        plan.new_rows[(user_id, day)] = cohort
        plan.daily[(day, cohort)] += 1
        added[(user_id, week)][day] = cohort
    for (user_id, week), new_days in added.items():
        before = stored[(user_id, week)]
        after_day = min(new_days)
        if before:
            first_day = min(before)
            if after_day > first_day or new_days[after_day] == before[first_day]:
                continue  # the week's earliest day (so its cohort) is unchanged
            plan.weekly[(week, before[first_day])] -= 1
        plan.weekly[(week, new_days[after_day])] += 1
    return plan


def erase_deltas(rows: Iterable[DayRow], week_start_index: int) -> tuple[Deltas, Deltas]:
    """The rollup changes of deleting ``rows`` (every row of the members erased)."""
    daily: Deltas = defaultdict(int)
    earliest: dict[tuple[int, dt.date], DayRow] = {}
    for row in rows:
        daily[(row.day, row.cohort)] -= 1
        key = (row.user_id, week_start_of(row.day, week_start_index))
        if key not in earliest or row.day < earliest[key].day:
            earliest[key] = row
    weekly: Deltas = defaultdict(int)
    for (_, week), row in earliest.items():
        weekly[(week, row.cohort)] -= 1
    return daily, weekly


def weeks_between(first: dt.date, last: dt.date, week_start_index: int) -> list[dt.date]:
    """The first days of every competition week touching [first, last], in order."""
    week = week_start_of(first, week_start_index)
    weeks = []
    while week <= last:
        weeks.append(week)
        week += dt.timedelta(days=7)
    return weeks
