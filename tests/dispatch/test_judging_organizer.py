"""/judging for organizers through the command tree: the judge pool, removal with its
reassignments, reassigning by hand, reminders by DM, and long lists within Discord's limits."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.clock import FrozenClock
from bot.services.judge_access import JudgeLinkUsed
from tests.conftest import T0
from tests.dispatch.conftest import ORGANIZER_ID, PARTICIPANT_ID, Harness
from tests.dispatch.test_judging import buttons, press
from tests.judging_support import (
    DEADLINE,
    JUDGE_USER,
    add_judges,
    contest_with_entries,
    open_round,
)


def clock_of(harness: Harness) -> FrozenClock:
    clock = harness.services.clock
    assert isinstance(clock, FrozenClock)
    return clock


async def opened(harness: Harness, entries: int, judges: int, k: int = 2) -> list[int]:
    """A contest with ``entries`` entries, ``judges`` Discord judges (members of the fake
    server) and round 1 open with ``k`` judges per entry; returns the team ids."""
    await harness.fake.invoke("admin setup", user_id=ORGANIZER_ID)
    clock = clock_of(harness)
    contest, teams, _ = await contest_with_entries(harness.services, clock, entries)
    for judge in await add_judges(harness.services, judges):
        assert judge.user_id is not None
        harness.fake.add_member(judge.user_id, judge.name)
    clock.set(T0)
    await open_round(harness.services, contest, judges_per_entry=k)
    return teams


async def test_the_pool_takes_members_and_external_judges_with_tags_and_conflicts(
    harness: Harness,
):
    fake = harness.fake
    await fake.invoke("admin setup", user_id=ORGANIZER_ID)
    _, teams, _ = await contest_with_entries(harness.services, clock_of(harness), 3)
    role = fake.add_role("Judge")
    fake.add_member(JUDGE_USER, "Dana Li")

    choices = await fake.autocomplete(
        "judging judge-add", user_id=ORGANIZER_ID, focused="conflicts", value=f"{teams[0]},Team"
    )
    values = [c["value"] for c in choices]
    assert f"{teams[0]},{teams[1]}" in values
    assert f"{teams[0]},{teams[0]}" not in values
    nothing = await fake.autocomplete(
        "judging judge-add", user_id=PARTICIPANT_ID, focused="conflicts", value="Team"
    )
    assert nothing == []

    member = await fake.invoke(
        "judging judge-add",
        user_id=ORGANIZER_ID,
        options={
            "member": str(JUDGE_USER),
            "tags": "Retail, AI",
            "conflicts": f"{teams[0]},{teams[1]}",
        },
    )
    assert member.text == (
        "Judge #1 **Dana Li** added · expertise: retail, ai · conflicts: 2 teams.\n"
        "They now have the Judge role."
    ), member.text
    assert str(role["id"]) in [str(r) for r in fake.members[JUDGE_USER]["roles"]]
    external = await fake.invoke(
        "judging judge-add",
        user_id=ORGANIZER_ID,
        options={"name": "Eve Expert", "email": "eve@example.com"},
        locale="zh-CN",
    )
    assert external.text == "已添加评委 #2 **Eve Expert**。", external.text
    refused = await fake.invoke(
        "judging judge-add", user_id=ORGANIZER_ID, options={"name": "No Mail"}
    )
    assert refused.ephemeral
    assert "valid e-mail" in refused.text, refused.text

    pool = await fake.invoke("judging judges", user_id=ORGANIZER_ID)
    assert "#1 Dana Li · Discord · retail, ai · conflicts: 2 teams" in pool.text, pool.text
    assert "#2 Eve Expert · web only" in pool.text


async def test_removing_a_judge_asks_first_then_says_how_many_entries_moved(harness: Harness):
    await opened(harness, entries=6, judges=4)
    judging = harness.services.judging
    leaving = (await judging.judges())[0]
    load = len(await judging.queue(leaving.id))
    assert load == 3

    ask = await harness.fake.invoke(
        "judging judge-remove", user_id=ORGANIZER_ID, options={"judge": leaving.id}
    )
    assert ask.text.startswith("Remove judge #1 **Judge 0**?"), ask.text
    assert set(buttons(ask)) == {"Remove judge", "Cancel"}
    kept = await press(harness, ask, "Cancel", ORGANIZER_ID)
    assert kept.text == "Nothing changed: judge #1 stays."
    assert len(await judging.queue(leaving.id)) == 3

    ask = await harness.fake.invoke(
        "judging judge-remove", user_id=ORGANIZER_ID, options={"judge": leaving.id}
    )
    done = await press(harness, ask, "Remove judge", ORGANIZER_ID)
    assert done.text == "Judge #1 **Judge 0** removed; 3 unfinished entries reassigned."
    progress = await judging.progress(1)
    assert all(e.assigned == 2 for e in progress.entries)
    assert [j.id for j in await judging.judges()] == [2, 3, 4]


async def test_reassign_moves_one_of_a_judges_entries_and_refuses_a_conflict(harness: Harness):
    teams = await opened(harness, entries=4, judges=3)
    fake, judging = harness.fake, harness.services.judging
    first = (await judging.queue(1))[0]
    choices = await fake.autocomplete(
        "judging reassign",
        user_id=ORGANIZER_ID,
        focused="assignment",
        value="",
        options={"from_judge": 1},
    )
    assert first.assignment.id in [c["value"] for c in choices]
    assert choices[0]["name"].startswith(f"#{first.entry.entry_id} Plan ")
    others = [t.entry.entry_id for t in await judging.queue(2)]
    target = 2 if first.entry.entry_id not in others else 3

    moved = await fake.invoke(
        "judging reassign",
        user_id=ORGANIZER_ID,
        options={"from_judge": 1, "assignment": first.assignment.id, "to_judge": target},
    )
    assert moved.text == (
        f"Entry #{first.entry.entry_id} **{first.entry.title}** now goes to judge #{target} "
        f"**Judge {target - 1}**."
    ), moved.text
    assert first.entry.entry_id in [t.entry.entry_id for t in await judging.queue(target)]
    assert first.assignment.id not in [t.assignment.id for t in await judging.queue(1)]
    not_theirs = await fake.invoke(
        "judging reassign",
        user_id=ORGANIZER_ID,
        options={"from_judge": 1, "assignment": first.assignment.id, "to_judge": 1},
    )
    assert not_theirs.text == f"There is no assignment #{first.assignment.id}."

    await judging.update_judge(actor_id=ORGANIZER_ID, judge_id=1, conflict_team_ids=[teams[0]])
    holders = [
        (judge, t)
        for judge in (2, 3)
        for t in await judging.queue(judge)
        if t.entry.team_id == teams[0]
    ]
    assert holders, "team 0's entry has two judges, at least one of them not judge 1"
    holder, task = holders[0]
    conflict = await fake.invoke(
        "judging reassign",
        user_id=ORGANIZER_ID,
        options={"from_judge": holder, "assignment": task.assignment.id, "to_judge": 1},
    )
    assert conflict.ephemeral
    assert "is in conflict with team" in conflict.text, conflict.text
    assert task.assignment.id in [t.assignment.id for t in await judging.queue(holder)]


async def test_judges_behind_schedule_get_one_reminder_dm_in_their_language(harness: Harness):
    await opened(harness, entries=3, judges=2)
    fake, services = harness.fake, harness.services
    await fake.invoke("judge queue", user_id=JUDGE_USER, locale="zh-CN")  # records the locale
    await fake.invoke("judge queue", user_id=JUDGE_USER + 1)
    clock_of(harness).set(T0 + (DEADLINE - T0) / 2 + dt.timedelta(minutes=1))
    await services.scheduler.run_due()
    await services.scheduler.run_due()

    texts = {}
    for channel in fake.dm_channels.values():
        (dm,) = fake.messages_in(int(channel["id"]))
        recipient = int(channel["recipients"][0]["id"])
        texts[recipient] = dm["content"]
    assert set(texts) == {JUDGE_USER, JUDGE_USER + 1}
    assert texts[JUDGE_USER].startswith("⏰ 评审提醒：你在 **Preliminary** 的 "), texts
    assert "Use /judge queue to score them." in texts[JUDGE_USER + 1]


async def test_long_progress_and_results_are_paginated_within_discord_limits(harness: Harness):
    await opened(harness, entries=45, judges=25, k=3)
    fake = harness.fake
    first = await fake.invoke("judging progress", user_id=ORGANIZER_ID, options={"round": 1})
    assert "Page 1 of 3" in first.text
    assert "Judge 0: 0 of " in first.text
    last = await fake.invoke(
        "judging progress", user_id=ORGANIZER_ID, options={"round": 1, "page": 9}
    )
    assert "Page 3 of 3" in last.text
    assert "Judge 0:" not in last.text
    results = await fake.invoke(
        "judging results", user_id=ORGANIZER_ID, options={"round": 1, "page": 3}
    )
    assert "Results preview (not published): Preliminary" in results.text
    assert "Page 3 of 3" in results.text
    assert "no score sheet" in results.text
    # The fake refuses any message over a limit; the harness fails the test on a refusal.
    assert not fake.limit_errors


async def test_judge_link_gives_the_organizer_alone_a_link_that_signs_the_judge_in_once(
    harness: Harness,
):
    fake = harness.fake
    await fake.invoke("admin setup", user_id=ORGANIZER_ID)
    judge = await harness.services.judging.add_judge(
        actor_id=ORGANIZER_ID, name="Eve Expert", email="eve@example.com"
    )
    refused = await fake.invoke(
        "judging judge-link", user_id=PARTICIPANT_ID, options={"judge": judge.id}
    )
    assert refused.ephemeral
    assert "http" not in (refused.text or "")

    reply = await fake.invoke(
        "judging judge-link", user_id=ORGANIZER_ID, options={"judge": judge.id}
    )
    assert reply.ephemeral
    assert "#1 **Eve Expert**" in reply.text
    url = reply.text.rsplit("\n", 1)[-1]
    assert "?token=" in url
    token = url.split("?token=", 1)[1]
    opened = await harness.services.judge_access.login(token)
    assert opened.session.judge_id == judge.id
    with pytest.raises(JudgeLinkUsed):
        await harness.services.judge_access.login(token)
