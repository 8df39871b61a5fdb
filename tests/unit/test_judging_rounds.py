"""Judging rounds on the real database: drop-outs, new conflicts, hand reassigning, entry
sources, publishing exactly once, reminders and shared comments."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest
from sqlalchemy import delete, func, insert, select

from bot.clock import FrozenClock
from bot.scheduler import Job
from bot.services import judging as j
from bot.services.registry import Services
from storage.schema import audit_log, outbox, points_ledger, scheduled_jobs, subscribers, votes
from tests.conftest import T0
from tests.contest_support import OLD_ACCOUNT, VOTING
from tests.judging_support import (
    DEADLINE,
    JUDGE_USER,
    ORG,
    add_judges,
    contest_with_entries,
    open_round,
    score_all,
)


async def actions(services: Services, prefix: str) -> list[str]:
    async with services.db.read() as conn:
        rows = await conn.execute(select(audit_log.c.action).order_by(audit_log.c.id))
        return [a for (a,) in rows if a.startswith(prefix)]


async def test_a_removed_judges_unfinished_entries_go_to_others_and_submitted_ones_stay(
    services: Services, clock: FrozenClock
) -> None:
    contest, _, _entries = await contest_with_entries(services, clock, 6)
    judges = await add_judges(services, 4)
    round_ = await open_round(services, contest, judges_per_entry=2)
    leaving = judges[0]
    tasks = await services.judging.queue(leaving.id)
    assert len(tasks) == 3
    done = tasks[0]
    await services.judging.submit(
        judge_id=leaving.id,
        assignment_id=done.assignment.id,
        scores=dict.fromkeys(done.round.rubric.keys, 7),
        comment=None,
    )
    moved = await services.judging.remove_judge(actor_id=ORG, judge_id=leaving.id)
    assert moved == 2
    assert leaving.id not in {x.id for x in await services.judging.judges()}
    progress = await services.judging.progress(round_.id)
    assert all(e.assigned == 2 for e in progress.entries)
    loads = {p.judge.id: p.assigned for p in progress.judges}
    assert loads[leaving.id] == 1  # the submitted sheet stays and counts
    others = [loads[x.id] for x in judges[1:]]
    assert sum(others) == 11
    assert max(others) - min(others) <= 1
    results = await services.judging.results(round_.id)
    assert sum(r.sheets for r in results.results) == 1
    assert "judging.judge.remove" in await actions(services, "judging.")


async def test_removing_a_judge_is_refused_when_an_entry_would_lack_judges(
    services: Services, clock: FrozenClock
) -> None:
    contest, _, _ = await contest_with_entries(services, clock, 2)
    judges = await add_judges(services, 2)
    round_ = await open_round(services, contest, judges_per_entry=2)
    with pytest.raises(j.NotEnoughJudges):
        await services.judging.remove_judge(actor_id=ORG, judge_id=judges[0].id)
    assert judges[0].id in {x.id for x in await services.judging.judges()}
    progress = await services.judging.progress(round_.id)
    assert [p.assigned for p in progress.judges] == [2, 2]


async def test_a_new_declared_conflict_moves_the_judges_work_on_that_team(
    services: Services, clock: FrozenClock
) -> None:
    contest, _, _ = await contest_with_entries(services, clock, 3)
    judges = await add_judges(services, 3)
    round_ = await open_round(services, contest, judges_per_entry=2)
    mine = await services.judging.queue(judges[0].id)
    submitted, unfinished = mine[0], mine[1]
    await services.judging.submit(
        judge_id=judges[0].id,
        assignment_id=submitted.assignment.id,
        scores=dict.fromkeys(submitted.round.rubric.keys, 9),
        comment=None,
    )
    teams_now = [submitted.entry.team_id, unfinished.entry.team_id]
    updated = await services.judging.update_judge(
        actor_id=ORG, judge_id=judges[0].id, conflict_team_ids=teams_now
    )
    assert updated.conflict_team_ids == tuple(sorted(teams_now))
    left = {t.entry.team_id for t in await services.judging.queue(judges[0].id)}
    assert left.isdisjoint(teams_now)
    # The sheet scored before the conflict was declared no longer counts.
    results = await services.judging.results(round_.id)
    assert sum(r.sheets for r in results.results) == 0
    progress = await services.judging.progress(round_.id)
    assert all(e.assigned == 2 for e in progress.entries)


async def test_hand_reassigning_checks_conflicts_and_is_audited(
    services: Services, clock: FrozenClock
) -> None:
    contest, _, _ = await contest_with_entries(services, clock, 2)
    judges = await add_judges(services, 3)
    await open_round(services, contest, judges_per_entry=1)
    queues = {x.id: await services.judging.queue(x.id) for x in judges}
    busy = next(x for x in judges if queues[x.id])
    spare = next(x for x in judges if not queues[x.id])
    task = queues[busy.id][0]
    await services.judging.update_judge(
        actor_id=ORG, judge_id=spare.id, conflict_team_ids=[task.entry.team_id]
    )
    with pytest.raises(j.JudgeConflict):
        await services.judging.reassign(
            actor_id=ORG, assignment_id=task.assignment.id, judge_id=spare.id
        )
    await services.judging.update_judge(actor_id=ORG, judge_id=spare.id, conflict_team_ids=[])
    moved = await services.judging.reassign(
        actor_id=ORG, assignment_id=task.assignment.id, judge_id=spare.id
    )
    assert (moved.judge_id, moved.entry_id, moved.status) == (
        spare.id,
        task.entry.entry_id,
        "pending",
    )
    with pytest.raises(j.AssignmentWithdrawn):
        await services.judging.task(busy.id, task.assignment.id)
    with pytest.raises(j.AlreadyAssigned):
        await services.judging.reassign(actor_id=ORG, assignment_id=moved.id, judge_id=spare.id)
    assert "judging.reassign" in await actions(services, "judging.")


async def test_top_n_by_votes_and_top_n_of_the_previous_round(
    services: Services, clock: FrozenClock
) -> None:
    contest, _, entries = await contest_with_entries(services, clock, 4)
    async with services.db.write() as conn:
        for voter, entry in enumerate([entries[2], entries[2], entries[3]]):
            await conn.execute(
                insert(votes).values(
                    contest_id=contest,
                    submission_id=entry,
                    voter_id=900 + voter,
                    voter_created_at=OLD_ACCOUNT,
                    created_at=VOTING,
                )
            )
    judges = await add_judges(services, 2)
    first = await open_round(
        services, contest, name="By votes", entry_source="votes", top_n=2, judges_per_entry=1
    )
    assert [e.entry_id for e in (await services.judging.progress(first.id)).entries] == [
        entries[2],
        entries[3],
    ]
    for judge in judges:
        await score_all(services, judge.id, {entries[2]: 4, entries[3]: 9})
    created = await services.judging.create_round(
        actor_id=ORG,
        contest=contest,
        name="Final",
        entry_source="previous_round",
        top_n=1,
        deadline=DEADLINE,
        judges_per_entry=1,
    )
    with pytest.raises(j.PreviousRoundNotClosed):
        await services.judging.open_round(actor_id=ORG, round_id=created.id)
    await services.judging.close_round(actor_id=ORG, round_id=first.id)
    final = await services.judging.open_round(actor_id=ORG, round_id=created.id)
    assert [e.entry_id for e in (await services.judging.progress(final.id)).entries] == [entries[3]]
    assert [r.ordinal for r in await services.judging.rounds(contest)] == [1, 2]


async def test_two_publishes_at_once_credit_the_points_once(
    services: Services, clock: FrozenClock
) -> None:
    contest, _, entries = await contest_with_entries(services, clock, 3)
    judges = await add_judges(services, 1)
    round_ = await open_round(services, contest, judges_per_entry=1)
    await score_all(services, judges[0].id, {entries[0]: 5, entries[1]: 8, entries[2]: 2})
    await services.judging.close_round(actor_id=ORG, round_id=round_.id)
    outcomes = await asyncio.gather(
        services.judging.publish(actor_id=ORG, round_id=round_.id),
        services.judging.publish(actor_id=ORG, round_id=round_.id),
        return_exceptions=True,
    )
    published = [o for o in outcomes if isinstance(o, tuple)]
    refused = [o for o in outcomes if isinstance(o, j.AlreadyPublished)]
    assert len(published) == 1
    assert len(refused) == 1
    async with services.db.read() as conn:
        total = await conn.scalar(select(func.sum(points_ledger.c.amount)))
        count = await conn.scalar(select(func.count()).select_from(points_ledger))
    assert (count, total) == (3, 600)
    assert (await actions(services, "judging.publish")) == ["judging.publish"]


async def test_only_the_contests_last_round_gives_placing_points(
    services: Services, clock: FrozenClock
) -> None:
    contest, _, entries = await contest_with_entries(services, clock, 2)
    (judge,) = await add_judges(services, 1)
    first = await open_round(services, contest, judges_per_entry=1)
    await score_all(services, judge.id, {entries[0]: 5, entries[1]: 8})
    await services.judging.close_round(actor_id=ORG, round_id=first.id)
    await services.judging.create_round(
        actor_id=ORG, contest=contest, name="Final", deadline=DEADLINE, judges_per_entry=1
    )
    results, _ = await services.judging.publish(actor_id=ORG, round_id=first.id)
    assert [r.points for r in results.results] == [0, 0]
    async with services.db.read() as conn:
        assert await conn.scalar(select(func.count()).select_from(points_ledger)) == 0


async def test_reminders_reach_judges_behind_schedule_once_per_window(
    services: Services, clock: FrozenClock
) -> None:
    contest, _, _entries = await contest_with_entries(services, clock, 2)
    judges = await add_judges(services, 2)
    async with services.db.write() as conn:
        await conn.execute(
            insert(subscribers).values(
                user_id=JUDGE_USER,
                phone_e164="+8613800000001",
                consent_at=T0,
                consent_source="discord_code",
                consent_text="I agree",
                created_at=T0,
            )
        )
    round_ = await open_round(services, contest, judges_per_entry=2)
    async with services.db.read() as conn:
        jobs = (
            await conn.execute(
                select(scheduled_jobs.c.key, scheduled_jobs.c.run_at).where(
                    scheduled_jobs.c.kind == j.REMINDER_JOB
                )
            )
        ).all()
    assert sorted(jobs) == sorted(
        [
            (j.reminder_key(round_.id, "final"), DEADLINE - dt.timedelta(hours=24)),
            (j.reminder_key(round_.id, "midway"), T0 + (DEADLINE - T0) / 2),
        ]
    )
    await score_all(services, judges[1].id, 6)
    key = j.reminder_key(round_.id, "final")
    job = Job(1, j.REMINDER_JOB, key, DEADLINE, {"round_id": round_.id, "window": "final"})
    result = await services.judging.run_reminders(job)
    assert [(p.key, p.kind, p.user_id) for p in result.publications] == [
        (f"{key}:dm:{judges[0].id}", j.REMINDER_PUBLICATION, JUDGE_USER)
    ]
    reminder = result.publications[0].data
    assert (reminder.assigned, reminder.submitted) == (2, 0)
    again = await services.judging.run_reminders(job)
    assert [p.key for p in again.publications] == [p.key for p in result.publications]
    async with services.db.read() as conn:
        queued = (await conn.execute(select(outbox.c.occurrence_key, outbox.c.language))).all()
    assert queued == [(f"{key}:{judges[0].id}", "en")]
    await services.judging.close_round(actor_id=ORG, round_id=round_.id)
    assert (await services.judging.run_reminders(job)).publications == ()


async def test_teams_read_comments_without_names_only_when_shared_and_published(
    services: Services, clock: FrozenClock, competition
) -> None:
    contest, teams, _entries = await contest_with_entries(services, clock, 1)
    (judge,) = await add_judges(services, 1)
    round_ = await open_round(services, contest, judges_per_entry=1)
    task = (await services.judging.queue(judge.id))[0]
    await services.judging.submit(
        judge_id=judge.id,
        assignment_id=task.assignment.id,
        scores=dict.fromkeys(task.round.rubric.keys, 8),
        comment="Sharpen the pricing section.",
    )
    await services.judging.close_round(actor_id=ORG, round_id=round_.id)
    await services.judging.publish(actor_id=ORG, round_id=round_.id)
    assert await services.judging.comments_for_team(teams[0], round_.id) == []
    shared = competition.model_copy(
        update={"judging": competition.judging.model_copy(update={"share_comments": True})}
    )
    services.judging.competition = shared
    assert await services.judging.comments_for_team(teams[0], round_.id) == [
        "Sharpen the pricing section."
    ]


async def test_reminder_jobs_lost_in_a_crash_are_scheduled_again_at_start(
    services: Services, clock: FrozenClock
) -> None:
    contest, _, _ = await contest_with_entries(services, clock, 2)
    await add_judges(services, 2)
    round_ = await open_round(services, contest, judges_per_entry=1)
    async with services.db.write() as conn:
        await conn.execute(delete(scheduled_jobs).where(scheduled_jobs.c.kind == j.REMINDER_JOB))
    assert await services.judging.ensure_jobs() == 2
    assert await services.judging.ensure_jobs() == 2  # idempotent: still one row per window
    async with services.db.read() as conn:
        keys = sorted(
            k
            for (k,) in await conn.execute(
                select(scheduled_jobs.c.key).where(scheduled_jobs.c.kind == j.REMINDER_JOB)
            )
        )
    assert keys == [j.reminder_key(round_.id, "final"), j.reminder_key(round_.id, "midway")]
    await services.judging.close_round(actor_id=ORG, round_id=round_.id)
    assert await services.judging.ensure_jobs() == 0
