"""Contest votes: the vote rules, batches of presses, and brushing review (voids)."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest
from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError

from bot.clock import FrozenClock
from bot.config import CompetitionConfig
from bot.services import contests as c
from bot.services.brushing import VoteSignal, find_clusters
from bot.services.registry import Services
from storage.engine import Database
from storage.schema import (
    audit_log,
    vote_events,
    votes,
)
from tests.conftest import T0
from tests.contest_support import (
    OLD_ACCOUNT,
    SUBMISSIONS_CLOSE,
    VOTING,
    VOTING_CLOSE,
    with_votes,
)
from tests.points_support import add_team
from tests.unit.test_contests import (
    ALICE,
    BOB,
    MICRO,
    ORG,
    VOTER,
    count_rows,
    entry,
    make_contest,
    press,
    rebuilt,
    setup_entries,
)


# -- votes ------------------------------------------------------------------------------
async def test_voting_opens_exactly_at_submissions_close_and_closes_exactly_at_voting_close(
    services: Services, clock: FrozenClock
):
    contest, _teams, entries = await setup_entries(services, clock)
    clock.set(SUBMISSIONS_CLOSE - MICRO)
    with pytest.raises(c.VotingNotOpen) as early:
        await press(services, entries[0].id)
    assert early.value.params["when"] == f"<t:{int(SUBMISSIONS_CLOSE.timestamp())}:F>"
    clock.set(SUBMISSIONS_CLOSE)  # inclusive
    assert (await press(services, entries[0].id)).added
    clock.set(VOTING_CLOSE - MICRO)  # still open
    assert (await press(services, entries[1].id, voter=VOTER + 1)).added
    clock.set(VOTING_CLOSE)  # exclusive
    with pytest.raises(c.VotingClosed):
        await press(services, entries[2].id)
    assert [await services.contests.count(e.id) for e in entries] == [1, 1, 0]
    assert contest.voting_ends == VOTING_CLOSE


async def test_pressing_again_takes_the_vote_back_and_every_press_is_an_event(
    services: Services, clock: FrozenClock
):
    contest, _teams, entries = await setup_entries(services, clock)
    first = await press(services, entries[0].id)
    assert (first.added, first.used, first.max_votes) == (True, 1, 3)
    assert await services.contests.count(entries[0].id) == 1
    clock.advance(dt.timedelta(seconds=5))
    second = await press(services, entries[0].id)
    assert (second.added, second.used) == (False, 0)
    assert await services.contests.count(entries[0].id) == 0
    clock.advance(dt.timedelta(seconds=5))
    await press(services, entries[0].id)
    log = await services.contests.event_log(contest.id)
    assert [(s, v, a) for s, v, a, _ in log] == [
        (entries[0].id, VOTER, "vote"),
        (entries[0].id, VOTER, "unvote"),
        (entries[0].id, VOTER, "vote"),
    ]
    assert [at for *_, at in log] == [
        VOTING,
        VOTING + dt.timedelta(seconds=5),
        VOTING + dt.timedelta(seconds=10),
    ]


async def test_two_clicks_at_the_same_moment_count_one_vote(services: Services, clock: FrozenClock):
    _contest, _teams, entries = await setup_entries(services, clock)
    outcomes = await asyncio.gather(*(press(services, entries[0].id) for _ in range(2)))
    assert all(o.added for o in outcomes)
    assert await services.contests.count(entries[0].id) == 1
    assert await count_rows(services.db, votes) == 1
    assert await count_rows(services.db, vote_events) == 1


async def test_a_double_click_taking_a_vote_back_does_not_put_it_back(
    services: Services, clock: FrozenClock
):
    _contest, _teams, entries = await setup_entries(services, clock)
    await press(services, entries[0].id)
    clock.advance(dt.timedelta(seconds=10))
    outcomes = await asyncio.gather(*(press(services, entries[0].id) for _ in range(2)))
    assert [o.added for o in outcomes] == [False, False]
    assert await services.contests.count(entries[0].id) == 0


async def test_one_vote_per_member_per_entry_is_a_database_constraint(
    services: Services, clock: FrozenClock
):
    contest, _teams, entries = await setup_entries(services, clock)
    await press(services, entries[0].id)
    with pytest.raises(IntegrityError):
        async with services.db.write() as conn:
            await conn.execute(
                insert(votes).values(
                    contest_id=contest.id,
                    submission_id=entries[0].id,
                    voter_id=VOTER,
                    voter_created_at=OLD_ACCOUNT,
                    created_at=VOTING,
                )
            )


async def test_at_most_max_votes_per_contest_and_taking_one_back_frees_it(
    services: Services, clock: FrozenClock, db: Database, competition: CompetitionConfig
):
    services = rebuilt(db, clock, with_votes(competition, max_votes_per_contest=2))
    _contest, _teams, entries = await setup_entries(services, clock)
    await press(services, entries[0].id)
    clock.advance(dt.timedelta(seconds=3))
    used = await press(services, entries[1].id)
    assert (used.used, used.max_votes) == (2, 2)
    clock.advance(dt.timedelta(seconds=3))
    with pytest.raises(c.VoteLimitReached):
        await press(services, entries[2].id)
    await press(services, entries[0].id)  # take one back
    clock.advance(dt.timedelta(seconds=3))
    assert (await press(services, entries[2].id)).used == 2
    assert [await services.contests.count(e.id) for e in entries] == [0, 1, 1]


async def test_concurrent_votes_of_one_member_never_pass_the_maximum(
    services: Services, clock: FrozenClock, db: Database, competition: CompetitionConfig
):
    services = rebuilt(db, clock, with_votes(competition, max_votes_per_contest=2))
    _contest, _teams, entries = await setup_entries(services, clock)
    results = await asyncio.gather(
        *(press(services, e.id) for e in entries), return_exceptions=True
    )
    assert sum(1 for r in results if isinstance(r, c.VoteLimitReached)) == 1
    assert await count_rows(db, votes, votes.c.voter_id == VOTER) == 2


async def test_a_contest_override_of_max_votes_wins_over_the_config(
    services: Services, clock: FrozenClock
):
    contest = await make_contest(services, max_votes=1)
    await add_team(services.db, "A", members_=[ALICE])
    await add_team(services.db, "B", members_=[BOB])
    one = await entry(services, clock, contest, ALICE, "One")
    two = await entry(services, clock, contest, BOB, "Two")
    clock.set(VOTING)
    assert (await press(services, one.id)).max_votes == 1
    clock.advance(dt.timedelta(seconds=3))
    with pytest.raises(c.VoteLimitReached):
        await press(services, two.id)


async def test_no_votes_for_ones_own_team_or_a_withdrawn_entry(
    services: Services, clock: FrozenClock
):
    contest = await make_contest(services)
    await add_team(services.db, "Mine", members_=[ALICE, VOTER])
    await add_team(services.db, "Gone", members_=[BOB])
    mine = await entry(services, clock, contest, ALICE, "Ours")
    gone = await entry(services, clock, contest, BOB, "Theirs")
    await services.contests.withdraw(user_id=BOB, submission_id=gone.id)
    clock.set(VOTING)
    with pytest.raises(c.OwnTeamVote):
        await press(services, mine.id)
    with pytest.raises(c.EntryWithdrawn):
        await press(services, gone.id)
    assert await count_rows(services.db, vote_events) == 0


async def test_account_and_membership_age_minimums_are_exact(
    services: Services, clock: FrozenClock
):
    _contest, _teams, entries = await setup_entries(services, clock)
    now = clock.now()
    with pytest.raises(c.AccountTooNew) as young:
        await press(services, entries[0].id, created=now - dt.timedelta(days=7) + MICRO)
    assert young.value.params["days"] == 7
    with pytest.raises(c.MembershipTooNew):
        await press(services, entries[0].id, joined=now - dt.timedelta(days=1) + MICRO)
    with pytest.raises(c.MembershipTooNew):
        await press(services, entries[0].id, joined=None)
    ok = await press(
        services,
        entries[0].id,
        created=now - dt.timedelta(days=7),
        joined=now - dt.timedelta(days=1),
    )
    assert ok.added


async def test_the_rate_limit_refuses_presses_past_the_limit_and_changes_nothing(
    services: Services, clock: FrozenClock, db: Database, competition: CompetitionConfig
):
    services = rebuilt(db, clock, with_votes(competition, rate_limit_per_minute=4))
    _contest, _teams, entries = await setup_entries(services, clock)
    start = clock.now()
    for _ in range(4):  # vote, unvote, vote, unvote
        await press(services, entries[0].id)
        clock.advance(dt.timedelta(seconds=3))
    with pytest.raises(c.VotingTooFast) as fast:
        await press(services, entries[1].id)
    assert (
        fast.value.params["when"] == f"<t:{int((start + dt.timedelta(minutes=1)).timestamp())}:R>"
    )
    assert await count_rows(db, vote_events) == 4
    assert await count_rows(db, votes) == 0
    clock.set(start + dt.timedelta(minutes=1))  # the first press leaves the window
    assert (await press(services, entries[1].id)).added


# -- brushing ---------------------------------------------------------------------------
def signal(
    vote_id: int, entry_id: int, created_min: int, joined_min: int | None, voted_min: int
) -> VoteSignal:
    return VoteSignal(
        vote_id=vote_id,
        submission_id=entry_id,
        voter_id=1000 + vote_id,
        account_created_at=T0 + dt.timedelta(minutes=created_min),
        joined_at=T0 + dt.timedelta(minutes=joined_min) if joined_min is not None else None,
        voted_at=T0 + dt.timedelta(days=30, minutes=voted_min),
    )


def test_detector_links_votes_from_accounts_created_together_voting_together():
    window = dt.timedelta(minutes=10)
    signals = [
        signal(1, 7, 0, None, 0),
        signal(2, 7, 5, None, 4),
        signal(3, 7, 12, None, 9),  # created 7 min after #2: chained into the cluster
        signal(4, 7, 500, None, 5),  # an old friend: created far apart, not linked
        signal(5, 8, 1, None, 1),  # another entry: never mixed in
    ]
    clusters = find_clusters(signals, window)
    assert [(cl.submission_id, cl.vote_ids, cl.reasons) for cl in clusters] == [
        (7, (1, 2, 3), ("created",))
    ]


def test_detector_links_by_join_time_and_ignores_votes_far_apart_in_time():
    window = dt.timedelta(minutes=10)
    joined = [signal(i, 3, i * 1000, 2 * i, i) for i in range(1, 5)]
    assert find_clusters(joined, window)[0].reasons == ("joined",)
    spread = [signal(i, 3, i, i, i * 60) for i in range(1, 5)]  # voted an hour apart
    assert find_clusters(spread, window) == []
    assert find_clusters(joined[:2], window) == []  # two votes are no cluster


async def test_flagged_lists_clusters_and_void_removes_them_from_counts_but_keeps_them(
    services: Services, clock: FrozenClock
):
    contest, _teams, entries = await setup_entries(services, clock)
    burst_created = T0 - dt.timedelta(days=30)
    for i in range(4):
        await press(
            services,
            entries[0].id,
            voter=VOTER + i,
            created=burst_created + dt.timedelta(minutes=i),
        )
        clock.advance(dt.timedelta(minutes=1))
    # An ordinary member: account and membership far from the burst's.
    await press(services, entries[0].id, voter=VOTER + 50, joined=T0 - dt.timedelta(days=300))
    clock.advance(dt.timedelta(minutes=1))
    _, flagged = await services.contests.flagged(contest.id)
    assert len(flagged) == 1
    cluster = flagged[0]
    assert cluster.voter_ids == tuple(VOTER + i for i in range(4))
    assert "created" in cluster.reasons
    assert cluster.title == "Entry 0"
    with pytest.raises(c.UnknownVotes):
        await services.contests.void(
            actor_id=ORG, vote_ids=f"{cluster.vote_ids[0]}, 99999", reason="ring"
        )
    assert await services.contests.count(entries[0].id) == 5
    ids = ", ".join(str(v) for v in cluster.vote_ids)
    outcomes = await services.contests.void(actor_id=ORG, vote_ids=ids, reason="vote ring")
    assert outcomes[-1].count == 1
    assert await services.contests.count(entries[0].id) == 1
    assert await count_rows(services.db, votes) == 5  # kept
    assert await count_rows(services.db, audit_log, audit_log.c.action == "contest.void_vote") == 4
    assert (await services.contests.flagged(contest.id))[1] == []
    with pytest.raises(c.VoteVoided):
        await press(services, entries[0].id, voter=VOTER)
    again = await services.contests.void(actor_id=ORG, vote_ids=ids, reason="again")
    assert again == []  # already voided: nothing more
    with pytest.raises(c.InvalidVoteIds):
        await services.contests.void(actor_id=ORG, vote_ids="twelve", reason="x")
    with pytest.raises(c.InvalidReason):
        await services.contests.void(actor_id=ORG, vote_ids=ids, reason=" ")
