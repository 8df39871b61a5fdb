"""Judging follows entry moderation: a hidden or disqualified entry is not judged, and one
moderated during a round leaves its results and its votes leave the vote shares."""

from __future__ import annotations

from bot.clock import FrozenClock
from bot.services.registry import Services
from tests.judging_support import ORG, add_judges, contest_with_entries, open_round, score_all


async def test_a_round_opened_after_a_hide_leaves_the_hidden_entry_out(
    services: Services, clock: FrozenClock
) -> None:
    contest, _, entries = await contest_with_entries(services, clock, 4)
    await add_judges(services, 3)
    await services.contests.hide(actor_id=ORG, submission_id=entries[1], reason="Copied work")
    await services.contests.disqualify(actor_id=ORG, submission_id=entries[2], reason="Late")
    round_ = await open_round(services, contest, judges_per_entry=2)
    progress = await services.judging.progress(round_.id)
    assert [e.entry_id for e in progress.entries] == [entries[0], entries[3]]


async def test_an_entry_disqualified_mid_round_leaves_the_results_and_restoring_brings_it_back(
    services: Services, clock: FrozenClock
) -> None:
    contest, _, entries = await contest_with_entries(services, clock, 3)
    judges = await add_judges(services, 2)
    round_ = await open_round(services, contest, judges_per_entry=2)
    for judge in judges:
        await score_all(services, judge.id, {entries[0]: 5, entries[1]: 9, entries[2]: 7})
    before = await services.judging.results(round_.id)
    assert before.results[0].entry_id == entries[1]

    await services.contests.disqualify(actor_id=ORG, submission_id=entries[1], reason="Fake data")
    during = await services.judging.results(round_.id)
    assert [r.entry_id for r in during.results] == [entries[2], entries[0]]
    assert [r.rank for r in during.results] == [1, 2]

    await services.contests.restore(actor_id=ORG, submission_id=entries[1], reason="Appeal won")
    after = await services.judging.results(round_.id)
    assert [r.entry_id for r in after.results] == [r.entry_id for r in before.results]
