"""Contest rules on the real migrated database (SQLite, and PostgreSQL when configured)."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError

from bot.bootstrap import build_services
from bot.clock import FrozenClock
from bot.config import CompetitionConfig
from bot.services import contests as c
from bot.services.registry import Services
from storage.engine import Database
from storage.schema import (
    audit_log,
    points_ledger,
    scheduled_jobs,
    submissions,
    vote_events,
    votes,
)
from tests.conftest import GUILD_ID, T0
from tests.contest_support import (
    OLD_ACCOUNT,
    OLD_MEMBER,
    OPENS,
    SUBMISSIONS_CLOSE,
    VOTING,
    VOTING_CLOSE,
    with_votes,
)
from tests.points_support import add_team

ORG = 100000000000000010
ALICE, BOB, CAROL = 710000000000000001, 710000000000000002, 710000000000000003
VOTER = 720000000000000001
MICRO = dt.timedelta(microseconds=1)


def rebuilt(db: Database, clock: FrozenClock, competition: CompetitionConfig) -> Services:
    return build_services(db=db, clock=clock, competition=competition, guild_id=GUILD_ID)


async def make_contest(services: Services, name: str = "Best Practical Case", **kw) -> c.Contest:
    return await services.contests.create(
        actor_id=ORG,
        name=name,
        category=kw.pop("category", "case"),
        submissions_open=OPENS,
        submissions_close=SUBMISSIONS_CLOSE,
        voting_close=VOTING_CLOSE,
        **kw,
    )


async def entry(services: Services, clock: FrozenClock, contest: c.Contest, user: int, title: str):
    clock.set(OPENS)
    return await services.contests.submit(
        user_id=user,
        contest=contest.id,
        title=title,
        url="https://example.com/" + title.replace(" ", "-"),
    )


async def setup_entries(services: Services, clock: FrozenClock, count: int = 3):
    contest = await make_contest(services)
    teams, entries = [], []
    for i, user in enumerate([ALICE, BOB, CAROL][:count]):
        teams.append(await add_team(services.db, f"Team {i}", members_=[user]))
        entries.append(await entry(services, clock, contest, user, f"Entry {i}"))
    clock.set(VOTING)
    return contest, teams, entries


async def press(services: Services, submission_id: int, voter: int = VOTER, **kw):
    return await services.contests.vote(
        submission_id=submission_id,
        voter_id=voter,
        account_created_at=kw.get("created", OLD_ACCOUNT),
        joined_at=kw.get("joined", OLD_MEMBER),
    )


async def count_rows(db: Database, table, *where) -> int:
    async with db.read() as conn:
        return int(await conn.scalar(select(func.count()).select_from(table).where(*where)) or 0)


# -- contest creation -------------------------------------------------------------------
async def test_create_reads_local_times_audits_and_schedules_the_automatic_close(
    services: Services,
):
    contest = await services.contests.create(
        actor_id=ORG,
        name="Creative  Marketing Video",
        category="video",
        submissions_open="2026-11-26 09:00",
        submissions_close="2026-11-28 18:00",
        voting_close="2026-11-30 18:00",
        max_votes=5,
    )
    assert contest.name == "Creative Marketing Video"
    assert contest.submissions_open == dt.datetime(2026, 11, 26, 1, 0, tzinfo=dt.UTC)
    assert contest.voting_opens == contest.submissions_close
    assert contest.max_votes == 5
    assert await count_rows(services.db, audit_log, audit_log.c.action == "contest.create") == 1
    async with services.db.read() as conn:
        job = (await conn.execute(select(scheduled_jobs))).one()
    assert (job.kind, job.key) == (c.CLOSE_JOB, f"contest:{contest.id}:close")
    assert job.run_at == dt.datetime(2026, 11, 30, 10, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("opens", "closes", "voting"),
    [
        ("2026-11-28 09:00", "2026-11-27 09:00", "2026-11-30 09:00"),
        ("2026-11-26 09:00", "2026-11-28 09:00", "2026-11-28 09:00"),
        ("2026-11-20 09:00", "2026-11-21 09:00", "2026-11-22 09:00"),
        ("tomorrow", "2026-11-28 09:00", "2026-11-30 09:00"),
    ],
)
async def test_create_refuses_windows_out_of_order_in_the_past_or_unreadable(
    services: Services, opens: str, closes: str, voting: str
):
    with pytest.raises(c.InvalidWindow):
        await services.contests.create(
            actor_id=ORG,
            name="Bad",
            category="x",
            submissions_open=opens,
            submissions_close=closes,
            voting_close=voting,
        )
    assert await count_rows(services.db, audit_log) == 0


async def test_create_refuses_a_second_contest_with_the_same_name(services: Services):
    await make_contest(services)
    with pytest.raises(c.ContestNameTaken):
        await make_contest(services)
    with pytest.raises(c.InvalidMaxVotes):
        await make_contest(services, name="Other", max_votes=0)


# -- submissions ------------------------------------------------------------------------
async def test_submissions_open_inclusive_and_close_exclusive_with_timestamps(
    services: Services, clock: FrozenClock
):
    contest = await make_contest(services)
    await add_team(services.db, "Early Birds", members_=[ALICE])
    clock.set(OPENS - MICRO)
    with pytest.raises(c.SubmissionsNotOpen) as early:
        await services.contests.submit(
            user_id=ALICE, contest=contest.id, title="Hi!", url="http://a.io"
        )
    assert early.value.params["when"] == f"<t:{int(OPENS.timestamp())}:F>"
    clock.set(OPENS)
    made = await services.contests.submit(
        user_id=ALICE, contest="best practical case", title="Hi!", url="http://a.io"
    )
    assert (made.team_name, made.title, made.url) == ("Early Birds", "Hi!", "http://a.io")
    clock.set(SUBMISSIONS_CLOSE - MICRO)
    await services.contests.edit(user_id=ALICE, submission_id=made.id, title="Hello")
    clock.set(SUBMISSIONS_CLOSE)
    with pytest.raises(c.SubmissionsClosed) as late:
        await services.contests.edit(user_id=ALICE, submission_id=made.id, title="Too late")
    assert late.value.params["when"] == f"<t:{int(SUBMISSIONS_CLOSE.timestamp())}:F>"
    assert (await services.contests.submission(made.id)).title == "Hello"


@pytest.mark.parametrize(
    "url",
    [
        "ftp://example.com/file",
        "https://",
        "example.com/no-scheme",
        "https://exa mple.com",
        "https://example.com/" + "a" * 493,
        "javascript:alert(1)",
    ],
)
async def test_submit_refuses_links_that_are_not_http_with_a_host_or_too_long(
    services: Services, clock: FrozenClock, url: str
):
    contest = await make_contest(services)
    await add_team(services.db, "Linkers", members_=[ALICE])
    clock.set(OPENS)
    with pytest.raises(c.InvalidUrl):
        await services.contests.submit(user_id=ALICE, contest=contest.id, title="Title", url=url)
    assert await count_rows(services.db, submissions) == 0


async def test_submit_accepts_a_512_character_link_and_checks_titles_and_attachments(
    services: Services, clock: FrozenClock
):
    contest = await make_contest(services)
    await add_team(services.db, "Makers", members_=[ALICE])
    clock.set(OPENS)
    for title in ("ab", "x" * 101, "   "):
        with pytest.raises(c.InvalidTitle):
            await services.contests.submit(
                user_id=ALICE, contest=contest.id, title=title, url="https://a.io"
            )
    with pytest.raises(c.NothingSubmitted):
        await services.contests.submit(user_id=ALICE, contest=contest.id, title="Title")
    too_big = c.Attachment(
        url="https://cdn/x.mp4",
        filename="x.mp4",
        content_type="video/mp4",
        size=25 * 1024 * 1024 + 1,
    )
    with pytest.raises(c.AttachmentTooLarge):
        await services.contests.submit(
            user_id=ALICE, contest=contest.id, title="Title", attachment=too_big
        )
    exe = c.Attachment(
        url="https://cdn/x.exe", filename="x.exe", content_type="application/x-msdownload", size=10
    )
    with pytest.raises(c.AttachmentTypeRefused):
        await services.contests.submit(
            user_id=ALICE, contest=contest.id, title="Title", attachment=exe
        )
    fits = c.Attachment(
        url="https://cdn/x.png", filename="x.png", content_type="image/png", size=25 * 1024 * 1024
    )
    made = await services.contests.submit(
        user_id=ALICE,
        contest=contest.id,
        title="abc",
        url="https://example.com/" + "a" * 492,
        attachment=fits,
    )
    assert len(made.url or "") == 512
    assert made.attachment_name == "x.png"


async def test_one_entry_per_team_unless_configured_and_a_withdrawn_entry_frees_the_slot(
    services: Services, clock: FrozenClock, db: Database, competition: CompetitionConfig
):
    contest = await make_contest(services)
    team_id = await add_team(db, "Solo", members_=[ALICE, BOB])
    first = await entry(services, clock, contest, ALICE, "First")
    with pytest.raises(c.TeamAlreadySubmitted):
        await services.contests.submit(
            user_id=BOB, contest=contest.id, title="Second", url="https://b.io"
        )
    with pytest.raises(c.NoTeam):
        await services.contests.submit(
            user_id=CAROL, contest=contest.id, title="Second", url="https://b.io"
        )
    # The rule is also a database constraint.
    with pytest.raises(IntegrityError):
        async with db.write() as conn:
            await conn.execute(
                insert(submissions).values(
                    contest_id=contest.id,
                    team_id=team_id,
                    team_key=team_id,
                    user_id=BOB,
                    title="Sneaky",
                    created_at=T0,
                    updated_at=T0,
                )
            )
    withdrawn = await services.contests.withdraw(user_id=BOB, submission_id=first.id)
    assert withdrawn.withdrawn
    again = await services.contests.submit(
        user_id=BOB, contest=contest.id, title="Second", url="https://b.io"
    )
    assert again.id != first.id
    many = rebuilt(db, clock, with_votes(competition, allow_multiple_submissions=True))
    third = await many.contests.submit(
        user_id=ALICE, contest=contest.id, title="Third", url="https://c.io"
    )
    assert third.team_id == team_id


async def test_only_members_of_the_submitting_team_edit_or_withdraw(
    services: Services, clock: FrozenClock
):
    contest = await make_contest(services)
    await add_team(services.db, "Owners", members_=[ALICE])
    await add_team(services.db, "Others", members_=[BOB])
    made = await entry(services, clock, contest, ALICE, "Mine")
    with pytest.raises(c.NotYourSubmission):
        await services.contests.edit(user_id=BOB, submission_id=made.id, title="Yours")
    with pytest.raises(c.NotYourSubmission):
        await services.contests.withdraw(user_id=BOB, submission_id=made.id)
    with pytest.raises(c.SubmissionNotFound):
        await services.contests.withdraw(user_id=ALICE, submission_id=made.id + 99)


# -- close ------------------------------------------------------------------------------
async def test_close_ranks_entries_writes_places_and_their_points_exactly_once(
    services: Services, clock: FrozenClock
):
    contest, teams, entries = await setup_entries(services, clock)
    for i, voter in enumerate(range(VOTER, VOTER + 3)):
        await press(services, entries[1].id, voter=voter)
        if i < 2:
            await press(services, entries[2].id, voter=voter)
    # Entry 0 gets 2 votes too (tie with entry 2; entry 0 was submitted first).
    await press(services, entries[0].id, voter=VOTER + 10)
    await press(services, entries[0].id, voter=VOTER + 11)
    clock.set(VOTING_CLOSE)
    results = await services.contests.close(actor_id=None, contest=contest.id)
    assert results.closed
    assert results.closed_now
    assert [(p.place, p.title, p.votes, p.points) for p in results.placings] == [
        (1, "Entry 1", 3, 100),
        (2, "Entry 0", 2, 60),
        (3, "Entry 2", 2, 30),
    ]
    again = await services.contests.close(actor_id=ORG, contest=contest.id)
    assert not again.closed_now
    assert again.placings == results.placings
    async with services.db.read() as conn:
        ledger = (await conn.execute(select(points_ledger).order_by(points_ledger.c.id))).all()
    assert [(r.team_id, r.amount, r.source, r.reference) for r in ledger] == [
        (teams[1], 100, "ugc", f"contest:{contest.id}:place:1"),
        (teams[0], 60, "ugc", f"contest:{contest.id}:place:2"),
        (teams[2], 30, "ugc", f"contest:{contest.id}:place:3"),
    ]
    assert await count_rows(services.db, audit_log, audit_log.c.action == "contest.close") == 1


async def test_closing_early_ends_voting_at_that_instant_and_cancels_the_close_job(
    services: Services, clock: FrozenClock
):
    contest, _teams, entries = await setup_entries(services, clock)
    await press(services, entries[0].id)
    closed = await services.contests.close(actor_id=ORG, contest=contest.name)
    assert closed.contest.voting_ends == VOTING
    assert [(p.place, p.votes) for p in closed.placings] == [
        (1, 1)
    ]  # entries without votes get no place
    clock.advance(dt.timedelta(seconds=5))
    with pytest.raises(c.VotingClosed):
        await press(services, entries[1].id)
    async with services.db.read() as conn:
        status = await conn.scalar(select(scheduled_jobs.c.status))
    assert status == "cancelled"


async def test_results_before_close_show_current_standings_without_places_points(
    services: Services, clock: FrozenClock
):
    contest, _teams, entries = await setup_entries(services, clock)
    await press(services, entries[2].id)
    standings = await services.contests.results(contest.id)
    assert not standings.closed
    assert next((p.title, p.votes) for p in standings.placings) == ("Entry 2", 1)
    assert await count_rows(services.db, points_ledger) == 0
    with pytest.raises(c.ContestNotFound):
        await services.contests.results("no such contest")


async def test_every_vote_and_unvote_event_carries_the_id_of_its_vote(
    services: Services, clock: FrozenClock, db: Database
):
    _contest, _teams, entries = await setup_entries(services, clock)
    # a batch: three voters at once, then one of them takes the vote back
    await asyncio.gather(*(press(services, entries[0].id, voter=VOTER + i) for i in range(3)))
    clock.advance(dt.timedelta(seconds=5))
    await press(services, entries[0].id, voter=VOTER + 1)
    async with db.read() as conn:
        cast = {
            int(r.voter_id): int(r.id)
            for r in await conn.execute(select(votes.c.id, votes.c.voter_id))
        }
        events = [
            (int(r.voter_id), r.action, r.vote_id)
            for r in await conn.execute(
                select(
                    vote_events.c.voter_id, vote_events.c.action, vote_events.c.vote_id
                ).order_by(vote_events.c.id)
            )
        ]
    assert sorted(cast) == [VOTER, VOTER + 2]  # VOTER + 1's vote was taken back
    voted = {voter: vote_id for voter, action, vote_id in events if action == "vote"}
    assert voted[VOTER] == cast[VOTER]
    assert voted[VOTER + 2] == cast[VOTER + 2]
    unvote = [(voter, vote_id) for voter, action, vote_id in events if action == "unvote"]
    assert unvote == [(VOTER + 1, voted[VOTER + 1])]
    assert len({vote_id for _, _, vote_id in events if vote_id is not None}) == 3


async def test_presses_arriving_together_commit_together_and_are_checked_in_arrival_order(
    services: Services, clock: FrozenClock, db: Database, competition: CompetitionConfig
):
    services = rebuilt(db, clock, with_votes(competition, max_votes_per_contest=2))
    _contest, _teams, entries = await setup_entries(services, clock)
    presses = [
        press(services, entries[0].id),  # counted: 1 of 2
        press(services, entries[0].id),  # double click: repeats, no second vote
        press(services, entries[1].id),  # counted: 2 of 2
        press(services, entries[2].id),  # over the maximum
        press(services, entries[0].id, voter=ALICE),  # Alice's own team: refused alone
        press(services, entries[1].id, voter=ALICE),  # counted
        press(services, 999_999, voter=BOB),  # unknown entry: refused alone
    ]
    results = await asyncio.gather(*presses, return_exceptions=True)
    kinds = [
        (r.added, r.used) if isinstance(r, c.VoteOutcome) else type(r).__name__ for r in results
    ]
    assert kinds == [
        (True, 1),
        (True, 1),
        (True, 2),
        "VoteLimitReached",
        "OwnTeamVote",
        (True, 1),
        "SubmissionNotFound",
    ]
    counted = [r for r in results if isinstance(r, c.VoteOutcome)]
    assert {r.submission_id for r in counted} == {entries[0].id, entries[1].id}
    assert [await services.contests.count(e.id) for e in entries[:2]] == [1, 2]
    assert await count_rows(db, votes) == 3
    assert await count_rows(db, vote_events) == 3
