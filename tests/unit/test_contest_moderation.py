"""Entry moderation on the real migrated database: hiding, disqualifying and restoring
entries (votes, standings, results, points, audit, DMs), and members' reports (once per
member, the organizers' queue, the threshold notice, privacy)."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select

from bot.clock import FrozenClock
from bot.services import contests as c
from bot.services.registry import Services
from storage.schema import audit_log, entry_reports, points_ledger
from tests.contest_support import VOTING, VOTING_CLOSE
from tests.points_support import add_team
from tests.unit.test_contests import (
    ALICE,
    BOB,
    CAROL,
    ORG,
    VOTER,
    count_rows,
    entry,
    make_contest,
    press,
    setup_entries,
)

DAVE = 710000000000000004  # Alice's teammate (Alice submitted; Dave is the captain)
REPORTERS = [740000000000000001 + i for i in range(5)]


async def audit_actions(services: Services) -> list[tuple[str, str | None, dict]]:
    async with services.db.read() as conn:
        rows = await conn.execute(
            select(audit_log.c.action, audit_log.c.target, audit_log.c.details)
            .where(audit_log.c.action.like("contest.entr%") | audit_log.c.action.like("%reports%"))
            .order_by(audit_log.c.id)
        )
        return [(a, t, d) for a, t, d in rows]


async def test_hiding_an_entry_stops_its_votes_counting_and_leaves_it_out_of_standings_and_points(
    services: Services, clock: FrozenClock
):
    contest, _teams, entries = await setup_entries(services, clock)
    for voter in (VOTER, VOTER + 1, VOTER + 2):
        await press(services, entries[0].id, voter)
    await press(services, entries[1].id, VOTER + 3)

    hidden = await services.contests.hide(
        actor_id=ORG, submission_id=entries[0].id, reason="  copied   from a blog "
    )

    assert hidden.entry.moderation == c.HIDDEN
    assert hidden.previous is None
    standings = await services.contests.results(contest.id)
    assert [p.submission_id for p in standings.placings] == [entries[1].id, entries[2].id]
    with pytest.raises(c.EntryModerated):
        await press(services, entries[0].id, VOTER + 4)
    assert [e.id for e in await services.contests.listed_entries(contest.id)] == [
        entries[1].id,
        entries[2].id,
    ]
    results = await services.contests.close(actor_id=ORG, contest=contest.id)
    assert [(p.place, p.submission_id) for p in results.placings] == [(1, entries[1].id)]
    async with services.db.read() as conn:
        ledger = (await conn.execute(select(points_ledger.c.team_id))).scalars().all()
    assert ledger == [entries[1].team_id]
    [(action, target, details)] = await audit_actions(services)
    assert (action, target) == ("contest.entry_hide", f"submission:{entries[0].id}")
    assert details["reason"] == "copied from a blog"


async def test_votes_for_a_moderated_entry_give_the_voters_allowance_back(
    services: Services, clock: FrozenClock
):
    contest = await make_contest(services, max_votes=2)
    entries = []
    for i, user in enumerate([ALICE, BOB, CAROL]):
        await add_team(services.db, f"Team {i}", members_=[user])
        entries.append(await entry(services, clock, contest, user, f"Entry {i}"))
    clock.set(VOTING)
    await press(services, entries[0].id)
    await press(services, entries[1].id)
    with pytest.raises(c.VoteLimitReached):
        await press(services, entries[2].id)

    await services.contests.disqualify(actor_id=ORG, submission_id=entries[0].id, reason="spam")
    outcome = await press(services, entries[2].id)

    assert (outcome.added, outcome.used, outcome.max_votes) == (True, 2, 2)
    assert await services.contests.count(entries[0].id) == 1  # kept, not counted in results
    standings = await services.contests.results(contest.id)
    assert entries[0].id not in [p.submission_id for p in standings.placings]


async def test_disqualify_then_restore_counts_the_votes_again_and_both_are_audited(
    services: Services, clock: FrozenClock
):
    contest, _teams, entries = await setup_entries(services, clock)
    await press(services, entries[2].id, VOTER)
    await press(services, entries[2].id, VOTER + 1)

    out = await services.contests.disqualify(
        actor_id=ORG, submission_id=entries[2].id, reason="plagiarism"
    )
    assert out.entry.moderation == c.DISQUALIFIED
    assert (await services.contests.submission(entries[2].id)).moderation == c.DISQUALIFIED
    back = await services.contests.restore(actor_id=ORG, submission_id=entries[2].id)

    assert back.previous == c.DISQUALIFIED
    assert back.entry.moderation is None
    standings = await services.contests.results(contest.id)
    assert standings.placings[0].submission_id == entries[2].id
    assert standings.placings[0].votes == 2
    assert [a for a, _t, _d in await audit_actions(services)] == [
        "contest.entry_disqualify",
        "contest.entry_restore",
    ]


async def test_moderation_refusals_change_nothing(services: Services, clock: FrozenClock):
    contest, _teams, entries = await setup_entries(services, clock)
    with pytest.raises(c.InvalidReason):
        await services.contests.hide(actor_id=ORG, submission_id=entries[0].id, reason="   ")
    with pytest.raises(c.EntryNotModerated):
        await services.contests.restore(actor_id=ORG, submission_id=entries[0].id)
    with pytest.raises(c.SubmissionNotFound):
        await services.contests.hide(actor_id=ORG, submission_id=999999, reason="x")
    await services.contests.hide(actor_id=ORG, submission_id=entries[0].id, reason="check")
    with pytest.raises(c.AlreadyHidden):
        await services.contests.hide(actor_id=ORG, submission_id=entries[0].id, reason="again")
    moved = await services.contests.disqualify(
        actor_id=ORG, submission_id=entries[0].id, reason="confirmed"
    )
    assert moved.previous == c.HIDDEN
    with pytest.raises(c.AlreadyDisqualified):
        await services.contests.disqualify(actor_id=ORG, submission_id=entries[0].id, reason="x")
    clock.set(VOTING_CLOSE)
    await services.contests.close(actor_id=None, contest=contest.id)
    with pytest.raises(c.ModerationClosed):
        await services.contests.restore(actor_id=ORG, submission_id=entries[0].id)
    assert len(await audit_actions(services)) == 2


async def test_the_team_is_told_by_dm_the_submitter_and_the_captain_once_each(
    services: Services, clock: FrozenClock
):
    contest = await make_contest(services)
    await add_team(services.db, "Pair", members_=[DAVE, ALICE])  # Dave captains
    submitted = await entry(services, clock, contest, ALICE, "Shared work")

    out = await services.contests.hide(actor_id=ORG, submission_id=submitted.id, reason="check")

    assert [p.user_id for p in out.publications] == [ALICE, DAVE]
    assert {p.kind for p in out.publications} == {c.MODERATION_PUBLICATION}
    assert len({p.key for p in out.publications}) == 2
    notice = out.publications[0].data
    assert (notice.action, notice.reason, notice.title) == (c.HIDDEN, "check", "Shared work")
    again = await services.contests.restore(actor_id=ORG, submission_id=submitted.id)
    assert {p.key for p in again.publications}.isdisjoint({p.key for p in out.publications})
    assert again.publications[0].data.action == c.RESTORED


async def test_a_member_reports_an_entry_once(services: Services, clock: FrozenClock):
    _contest, _teams, entries = await setup_entries(services, clock)
    first = await services.contests.report(
        user_id=VOTER, submission_id=entries[0].id, text="  looks   copied "
    )
    assert first.open_reports == 1
    with pytest.raises(c.AlreadyReported):
        await services.contests.check_report(user_id=VOTER, submission_id=entries[0].id)
    with pytest.raises(c.AlreadyReported):
        await services.contests.report(user_id=VOTER, submission_id=entries[0].id, text="again")
    with pytest.raises(c.OwnEntryReport):
        await services.contests.report(user_id=ALICE, submission_id=entries[0].id)
    with pytest.raises(c.InvalidReportText):
        await services.contests.report(
            user_id=VOTER + 1, submission_id=entries[0].id, text="x" * (c.MAX_REPORT_TEXT + 1)
        )
    async with services.db.read() as conn:
        rows = (await conn.execute(select(entry_reports.c.user_id, entry_reports.c.text))).all()
    assert [tuple(r) for r in rows] == [(VOTER, "looks copied")]


async def test_the_queue_counts_open_reports_and_dismiss_or_hide_resolves_them(
    services: Services, clock: FrozenClock
):
    _contest, _teams, entries = await setup_entries(services, clock)
    for i, reporter in enumerate(REPORTERS[:3]):
        await services.contests.report(
            user_id=reporter, submission_id=entries[1].id, text=f"reason {i}" if i else None
        )
    await services.contests.report(user_id=REPORTERS[0], submission_id=entries[2].id)

    queue = await services.contests.report_queue()
    assert [(q.submission_id, q.open_reports) for q in queue] == [
        (entries[1].id, 3),
        (entries[2].id, 1),
    ]
    assert queue[0].reasons == ("reason 2", "reason 1")
    assert await services.contests.dismiss_reports(actor_id=ORG, submission_id=entries[2].id) == 1
    with pytest.raises(c.NoOpenReports):
        await services.contests.dismiss_reports(actor_id=ORG, submission_id=entries[2].id)
    await services.contests.hide(actor_id=ORG, submission_id=entries[1].id, reason="reported")
    assert await services.contests.report_queue() == []
    with pytest.raises(c.EntryModerated):
        await services.contests.report(user_id=REPORTERS[4], submission_id=entries[1].id)
    with pytest.raises(c.AlreadyReported):  # a dismissed report still counts as made
        await services.contests.report(user_id=REPORTERS[0], submission_id=entries[2].id)
    [(_a, _t, details)] = [a for a in await audit_actions(services) if a[0] == "contest.entry_hide"]
    assert details["reports_resolved"] == 3


async def test_organizers_get_one_notice_when_an_entry_reaches_the_threshold(
    services: Services, clock: FrozenClock
):
    _contest, _teams, entries = await setup_entries(services, clock)
    threshold = services.contests.competition.moderation.report_alert_threshold
    outcomes = [
        await services.contests.report(user_id=reporter, submission_id=entries[0].id)
        for reporter in REPORTERS[: threshold + 1]
    ]
    notices = [p for o in outcomes for p in o.publications]
    assert len(notices) == 1
    assert outcomes[threshold - 1].publications == tuple(notices)
    assert notices[0].kind == c.REPORT_ALERT_PUBLICATION
    assert notices[0].resource == "channel:organizers"
    assert notices[0].data.open_reports == threshold


async def test_erasing_a_reporter_keeps_the_count_but_not_their_id_or_words(
    services: Services, clock: FrozenClock
):
    _contest, _teams, entries = await setup_entries(services, clock)
    await services.contests.report(user_id=CAROL + 50, submission_id=entries[0].id, text="mine")
    exported = await services.privacy.export(CAROL + 50)
    assert [r["text"] for r in exported["tables"]["entry_reports"]] == ["mine"]

    await services.privacy.delete(CAROL + 50, actor_id=CAROL + 50)

    async with services.db.read() as conn:
        rows = (await conn.execute(select(entry_reports.c.user_id, entry_reports.c.text))).all()
    assert len(rows) == 1
    assert rows[0].user_id != CAROL + 50
    assert rows[0].text == "[erased]"
    assert (await services.contests.report_queue())[0].open_reports == 1
    assert await count_rows(services.db, entry_reports) == 1


async def test_a_disqualified_entry_cannot_be_withdrawn_to_enter_again(
    services: Services, clock: FrozenClock
):
    contest = await make_contest(services)
    await add_team(services.db, "Team A", members_=[ALICE])
    submitted = await entry(services, clock, contest, ALICE, "First try")
    await services.contests.disqualify(actor_id=ORG, submission_id=submitted.id, reason="rules")

    with pytest.raises(c.DisqualifiedWithdraw):
        await services.contests.withdraw(user_id=ALICE, submission_id=submitted.id)
    with pytest.raises(c.TeamAlreadySubmitted):
        await entry(services, clock, contest, ALICE, "Second try")
    await services.contests.restore(actor_id=ORG, submission_id=submitted.id)
    await services.contests.hide(actor_id=ORG, submission_id=submitted.id, reason="check")
    gone = await services.contests.withdraw(user_id=ALICE, submission_id=submitted.id)
    assert gone.withdrawn  # a hidden entry may still be withdrawn by its team


async def test_the_public_contest_page_leaves_hidden_and_disqualified_entries_out(
    services: Services, clock: FrozenClock
):
    contest, _teams, entries = await setup_entries(services, clock)
    await services.contests.hide(actor_id=ORG, submission_id=entries[0].id, reason="check")
    await services.contests.disqualify(actor_id=ORG, submission_id=entries[1].id, reason="spam")

    page = await services.dashboard.public_contest(contest.id)

    assert [e.title for e in page.entries] == [entries[2].title]


async def test_two_organizers_hiding_at_once_hide_it_once(services: Services, clock: FrozenClock):
    _contest, _teams, entries = await setup_entries(services, clock)
    outcomes = await asyncio.gather(
        *(
            services.contests.hide(actor_id=ORG + i, submission_id=entries[0].id, reason="dup")
            for i in range(2)
        ),
        return_exceptions=True,
    )
    assert sorted(type(o).__name__ for o in outcomes) == ["AlreadyHidden", "ModerationOutcome"]
    assert [a for a, _t, _d in await audit_actions(services)] == ["contest.entry_hide"]
