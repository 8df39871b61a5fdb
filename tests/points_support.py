"""Test helpers for points: teams and members inserted with plain SQL (the team commands
belong to another feature), and competition configs with other rules."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from sqlalchemy import insert

from bot.config import CompetitionConfig
from bot.services.names import name_key
from storage.engine import Database
from storage.schema import members, team_members, teams

_codes = itertools.count(1)


async def add_team(
    db: Database,
    name: str,
    *,
    track: str = "student",
    members_: list[int] | None = None,
    season: str = "2026",
    at: dt.datetime | None = None,
    disbanded: bool = False,
) -> int:
    """Insert an active team (first member is captain) and its members; returns its id."""
    now = at or dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
    user_ids = members_ or [700_000_000_000_000_000 + next(_codes)]
    async with db.write() as conn:
        team_id = (
            await conn.execute(
                insert(teams)
                .values(
                    season=season,
                    name=name,
                    name_key=name_key(name),
                    track=track,
                    captain_id=user_ids[0],
                    invite_code=f"T{next(_codes):07d}",
                    created_at=now,
                    disbanded_at=now if disbanded else None,
                )
                .returning(teams.c.id)
            )
        ).scalar_one()
        for user_id in user_ids:
            await conn.execute(
                insert(team_members).values(
                    team_id=team_id, user_id=user_id, season=season, joined_at=now
                )
            )
    return int(team_id)


async def add_member(db: Database, user_id: int, *, cohort: str | None = None) -> None:
    """Insert a member row (cohort optional)."""
    now = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
    async with db.write() as conn:
        await conn.execute(
            insert(members).values(
                user_id=user_id,
                display_name=f"member {user_id}",
                cohort_key=cohort,
                first_seen_at=now,
                last_seen_at=now,
            )
        )


def with_rules(
    competition: CompetitionConfig,
    *,
    timezone: str | None = None,
    week_start: str | None = None,
    caps: dict[str, int] | None = None,
    alumni_top_n: int | None = None,
) -> CompetitionConfig:
    """A copy of ``competition`` with other timezone, week start, caps or alumni count."""
    section: dict[str, Any] = {}
    if timezone is not None:
        section["timezone"] = timezone
    if week_start is not None:
        section["week_start"] = week_start
    points: dict[str, Any] = {}
    if caps is not None:
        points["weekly_caps"] = caps
    if alumni_top_n is not None:
        points["alumni_top_n"] = alumni_top_n
    return competition.model_copy(
        update={
            "competition": competition.competition.model_copy(update=section),
            "points": competition.points.model_copy(update=points),
        }
    )


def csv_bytes(*lines: str) -> bytes:
    """A CSV file from its lines."""
    return ("\n".join(lines) + "\n").encode()
