"""Test helpers for judging: a contest with entries from distinct teams, judges, rounds."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import insert

from bot.clock import FrozenClock
from bot.services import judging as j
from bot.services.registry import Services
from storage.schema import submissions
from tests.conftest import T0
from tests.contest_support import OPENS, SUBMISSIONS_CLOSE, VOTING_CLOSE
from tests.points_support import add_team

ORG = 100000000000000010
#: Member ids of teams' captains: 810000000000000000 + n.
MEMBER = 810000000000000000
#: Discord judges: 820000000000000000 + n.
JUDGE_USER = 820000000000000000
DEADLINE = T0 + dt.timedelta(days=7)


async def contest_with_entries(
    services: Services, clock: FrozenClock, count: int, *, name: str = "Business Plans"
) -> tuple[int, list[int], list[int]]:
    """A contest with ``count`` entries, one per team: (contest id, team ids, entry ids)."""
    contest = await services.contests.create(
        actor_id=ORG,
        name=name,
        category="plan",
        submissions_open=OPENS,
        submissions_close=SUBMISSIONS_CLOSE,
        voting_close=VOTING_CLOSE,
    )
    team_ids, entry_ids = [], []
    for i in range(count):
        team_ids.append(await add_team(services.db, f"Team {name[:3]} {i}", members_=[MEMBER + i]))
    async with services.db.write() as conn:
        for i, team_id in enumerate(team_ids):
            at = OPENS + dt.timedelta(minutes=i)
            entry = (
                await conn.execute(
                    insert(submissions)
                    .values(
                        contest_id=contest.id,
                        team_id=team_id,
                        team_key=team_id,
                        user_id=MEMBER + i,
                        title=f"Plan {i}",
                        url=f"https://example.com/plan-{i}",
                        attachment_url=f"https://cdn.example.com/plan-{i}.pdf",
                        created_at=at,
                        updated_at=at,
                    )
                    .returning(submissions.c.id)
                )
            ).scalar_one()
            entry_ids.append(int(entry))
    return contest.id, team_ids, entry_ids


async def add_judges(
    services: Services, count: int, *, tags: list[list[str]] | None = None, start: int = 0
) -> list[j.Judge]:
    """``count`` Discord judges (user ids ``JUDGE_USER + n``)."""
    return [
        await services.judging.add_judge(
            actor_id=ORG,
            user_id=JUDGE_USER + start + i,
            name=f"Judge {start + i}",
            tags=(tags[i] if tags else ()),
        )
        for i in range(count)
    ]


async def open_round(
    services: Services, contest_id: int, *, name: str = "Preliminary", **kw
) -> j.Round:
    """Create and open a round of the contest."""
    created = await services.judging.create_round(
        actor_id=ORG, contest=contest_id, name=name, deadline=kw.pop("deadline", DEADLINE), **kw
    )
    return await services.judging.open_round(actor_id=ORG, round_id=created.id)


async def score_all(services: Services, judge_id: int, value: int | dict[int, int]) -> int:
    """Submit every task in the judge's queue with the same score on each criterion
    (``value`` per entry id when a dict); returns how many were submitted."""
    done = 0
    for task in await services.judging.queue(judge_id):
        score = value[task.entry.entry_id] if isinstance(value, dict) else value
        await services.judging.submit(
            judge_id=judge_id,
            assignment_id=task.assignment.id,
            scores={c.key: score for c in task.round.rubric.criteria},
            comment=None,
        )
        done += 1
    return done
