"""Judging service on the real migrated database: the pool, rounds, assignment, sheets."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from bot.clock import FrozenClock
from bot.services import judging as j
from bot.services.registry import Services
from storage.schema import audit_log, points_ledger
from tests.conftest import T0
from tests.judging_support import (
    DEADLINE,
    JUDGE_USER,
    ORG,
    add_judges,
    contest_with_entries,
    open_round,
    score_all,
)
from tests.points_support import add_team


async def test_judges_are_added_listed_and_found_by_member(services: Services) -> None:
    discord = await services.judging.add_judge(
        actor_id=ORG, user_id=JUDGE_USER, name="  Dana   Li ", tags=["Retail", "retail", "AI"]
    )
    external = await services.judging.add_judge(
        actor_id=ORG, name="Eve Expert", email="eve@example.com", conflict_team_ids=[5, 5]
    )
    assert discord.name == "Dana Li"
    assert discord.tags == ("retail", "ai")
    assert external.external
    assert external.conflict_team_ids == (5,)
    assert [x.id for x in await services.judging.judges()] == [discord.id, external.id]
    assert await services.judging.judge_of_user(JUDGE_USER) == discord
    assert await services.judging.judge_of_user(JUDGE_USER + 1) is None
    with pytest.raises(j.JudgeExists):
        await services.judging.add_judge(actor_id=ORG, user_id=JUDGE_USER, name="Again")
    with pytest.raises(j.InvalidJudge):
        await services.judging.add_judge(actor_id=ORG, name="No Mail")
    with pytest.raises(j.InvalidJudge):
        await services.judging.add_judge(actor_id=ORG, name="Bad", email="not-an-email")
    with pytest.raises(j.InvalidTags):
        await services.judging.add_judge(actor_id=ORG, user_id=1, name="T", tags=["x" * 31])
    async with services.db.read() as conn:
        actions = [r.action for r in await conn.execute(select(audit_log))]
    assert actions.count("judging.judge.add") == 2


async def test_opening_a_round_gives_every_entry_k_judges_free_of_conflict(
    services: Services, clock: FrozenClock
) -> None:
    contest, teams, entries = await contest_with_entries(services, clock, 6)
    judges = await add_judges(services, 4)
    # Judge 0 declares a conflict with team 0; judge 1 is a member of team 1.
    await services.judging.update_judge(
        actor_id=ORG, judge_id=judges[0].id, conflict_team_ids=[teams[0]]
    )
    await add_team(services.db, "Judge Team", members_=[JUDGE_USER + 1])
    clock.set(T0)
    round_ = await open_round(services, contest, judges_per_entry=3)
    assert round_.status == "open"
    progress = await services.judging.progress(round_.id)
    assert [e.entry_id for e in progress.entries] == entries
    assert all(e.assigned == 3 and e.submitted == 0 for e in progress.entries)
    loads = [p.assigned for p in progress.judges]
    assert sum(loads) == 18
    assert max(loads) - min(loads) <= 1
    tasks0 = await services.judging.queue(judges[0].id)
    assert teams[0] not in {t.entry.team_id for t in tasks0}
    task = tasks0[0]
    assert task.entry.links
    assert task.entry.attachments[0].endswith(".pdf")
    assert task.sheet is None
    assert task.round.rubric.keys == (
        "feasibility",
        "innovation",
        "business_value",
    )


async def test_not_enough_judges_is_refused_with_the_entry_named_and_nothing_changes(
    services: Services, clock: FrozenClock
) -> None:
    contest, teams, _ = await contest_with_entries(services, clock, 2)
    judges = await add_judges(services, 3)
    await services.judging.update_judge(
        actor_id=ORG, judge_id=judges[2].id, conflict_team_ids=[teams[1]]
    )
    created = await services.judging.create_round(
        actor_id=ORG, contest=contest, name="Prelim", deadline=DEADLINE, judges_per_entry=3
    )
    with pytest.raises(j.NotEnoughJudges) as caught:
        await services.judging.open_round(actor_id=ORG, round_id=created.id)
    assert caught.value.params["available"] == 2
    assert caught.value.params["needed"] == 3
    assert (await services.judging.round(created.id)).status == "draft"
    assert (await services.judging.progress(created.id)).entries == ()


async def test_drafts_merge_submit_needs_every_criterion_and_edits_last_until_close(
    services: Services, clock: FrozenClock
) -> None:
    contest, _, _ = await contest_with_entries(services, clock, 2)
    (judge,) = await add_judges(services, 1)
    round_ = await open_round(services, contest, judges_per_entry=1)
    task = await services.judging.next_task(judge.id)
    assert task is not None
    aid = task.assignment.id
    draft = await services.judging.save_draft(
        judge_id=judge.id, assignment_id=aid, scores={"feasibility": 7}, comment="Good"
    )
    assert draft.submitted_at is None
    assert dict(draft.scores) == {"feasibility": 7}
    with pytest.raises(j.MissingCriterion):
        await services.judging.submit(
            judge_id=judge.id, assignment_id=aid, scores={"innovation": 5}, comment=None
        )
    with pytest.raises(j.ScoreOutOfRange):
        await services.judging.save_draft(
            judge_id=judge.id, assignment_id=aid, scores={"innovation": 11}, comment=None
        )
    with pytest.raises(j.UnknownCriterion):
        await services.judging.save_draft(
            judge_id=judge.id, assignment_id=aid, scores={"charm": 5}, comment=None
        )
    sheet = await services.judging.submit(
        judge_id=judge.id,
        assignment_id=aid,
        scores={"innovation": 5, "business_value": 6},
        comment=None,
    )
    assert sheet.submitted_at is not None
    assert sheet.comment == "Good"
    assert dict(sheet.scores) == {"feasibility": 7, "innovation": 5, "business_value": 6}
    edited = await services.judging.submit(
        judge_id=judge.id, assignment_id=aid, scores={"feasibility": 9}, comment="Better"
    )
    assert edited.scores["feasibility"] == 9
    assert edited.comment == "Better"
    queue = await services.judging.queue(judge.id)
    assert [t.assignment.status for t in queue] == ["pending", "submitted"]
    with pytest.raises(j.NotAJudge):
        await services.judging.task(judge.id + 99, aid)
    await services.judging.close_round(actor_id=ORG, round_id=round_.id)
    with pytest.raises(j.RoundClosed):
        await services.judging.submit(
            judge_id=judge.id, assignment_id=aid, scores={"feasibility": 1}, comment=None
        )
    assert await services.judging.queue(judge.id) == []


async def test_publishing_credits_placing_points_once_and_returns_the_gallery_post(
    services: Services, clock: FrozenClock
) -> None:
    contest, teams, entries = await contest_with_entries(services, clock, 3)
    judges = await add_judges(services, 2)
    round_ = await open_round(services, contest, judges_per_entry=2)
    for judge in judges:
        await score_all(services, judge.id, {entries[0]: 6, entries[1]: 9, entries[2]: 3})
    with pytest.raises(j.RoundNotClosed):
        await services.judging.publish(actor_id=ORG, round_id=round_.id)
    await services.judging.close_round(actor_id=ORG, round_id=round_.id)
    preview = await services.judging.results(round_.id)
    assert preview.published_at is None
    assert await services.judging.results_posts(round_.id) == ()
    assert [r.entry_id for r in preview.results] == [entries[1], entries[0], entries[2]]
    results, posts = await services.judging.publish(actor_id=ORG, round_id=round_.id)
    assert results.published_at is not None
    assert [(r.rank, r.team_id, r.points) for r in results.results] == [
        (1, teams[1], 300),
        (2, teams[0], 200),
        (3, teams[2], 100),
    ]
    assert [(p.key, p.kind, p.resource) for p in posts] == [
        (f"judging:{round_.id}:results", "judging.results", "channel:gallery")
    ]
    with pytest.raises(j.AlreadyPublished):
        await services.judging.publish(actor_id=ORG, round_id=round_.id)
    assert await services.judging.results_posts(round_.id) == posts
    async with services.db.read() as conn:
        rows = (
            await conn.execute(
                select(points_ledger.c.reference, points_ledger.c.amount, points_ledger.c.source)
            )
        ).all()
        assert await conn.scalar(select(func.count()).select_from(points_ledger)) == 3
    assert sorted(rows) == sorted(
        [
            (f"judging:{round_.id}:{entries[1]}", 300, "judging"),
            (f"judging:{round_.id}:{entries[0]}", 200, "judging"),
            (f"judging:{round_.id}:{entries[2]}", 100, "judging"),
        ]
    )
    assert (await services.judging.results(round_.id)) == results


async def test_a_removed_judge_added_again_comes_back_and_e_mails_stay_unique(
    services: Services,
) -> None:
    external = await services.judging.add_judge(
        actor_id=ORG, name="Eve Expert", email="Eve@Example.com"
    )
    assert external.email == "eve@example.com"
    assert await services.judging.judge_of_email("EVE@example.com ") == external
    with pytest.raises(j.JudgeExists):
        await services.judging.add_judge(
            actor_id=ORG, user_id=JUDGE_USER, name="Eve on Discord", email="eve@example.com"
        )
    assert await services.judging.remove_judge(actor_id=ORG, judge_id=external.id) == 0
    assert await services.judging.judge_of_email("eve@example.com") is None
    back = await services.judging.add_judge(
        actor_id=ORG, name="Eve Expert", email="eve@example.com", tags=["brand"]
    )
    assert back.id == external.id
    assert back.active
    assert back.tags == ("brand",)
    assert [x.id for x in await services.judging.judges(include_removed=True)] == [external.id]


async def test_a_judges_export_has_their_scores_and_erasure_removes_them(
    services: Services, clock: FrozenClock
) -> None:
    contest, _, _ = await contest_with_entries(services, clock, 2)
    judges = await add_judges(services, 2)
    await open_round(services, contest, judges_per_entry=1)
    await score_all(services, judges[0].id, 7)
    data = await services.privacy.export(JUDGE_USER)
    tables = data["tables"]
    assert [r["name"] for r in tables["judges"]] == ["Judge 0"]
    assert len(tables["judging_assignments"]) == 1
    assert tables["judging_score_sheets"][0]["scores"] == dict.fromkeys(
        ("feasibility", "innovation", "business_value"), 7
    )
    await services.privacy.delete(JUDGE_USER, actor_id=JUDGE_USER)
    clock.advance(dt.timedelta(minutes=11))
    assert [x.id for x in await services.judging.judges(include_removed=True)] == [judges[1].id]
    again = (await services.privacy.export(JUDGE_USER))["tables"]
    assert again["judges"] == []
    assert again["judging_score_sheets"] == []


async def test_a_normalizing_round_ranks_by_normalized_scores(
    services: Services, clock: FrozenClock
) -> None:
    contest, _, entries = await contest_with_entries(services, clock, 4)
    harsh, lenient = await add_judges(services, 2)
    round_ = await open_round(services, contest, judges_per_entry=1, normalize=True)
    mine = {t.entry.entry_id for t in await services.judging.queue(harsh.id)}
    assert len(mine) == 2
    harsh_scores = dict(zip(sorted(mine), (5, 3), strict=True))
    theirs = sorted(set(entries) - mine)
    lenient_scores = dict(zip(theirs, (8, 7), strict=True))
    await score_all(services, harsh.id, harsh_scores)
    await score_all(services, lenient.id, lenient_scores)
    results = (await services.judging.results(round_.id)).results
    # Without votes the README example's tie at the top is complete: a shared first place.
    assert {r.entry_id for r in results if r.rank == 1} == {sorted(mine)[0], theirs[0]}
    assert [r.rank for r in results] == [1, 1, 3, 3]
    assert [r.tie_break for r in results] == ["shared"] * 4
    assert round(results[0].normalized_score or 0, 4) == 7.6703
