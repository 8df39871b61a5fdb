"""Points: weeks, boards, the ledger's rules, weekly posts and the season close, on the real
migrated database (SQLite, and PostgreSQL when configured)."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from bot.bootstrap import build_services
from bot.clock import FrozenClock
from bot.config import AUTOMATIC_POINT_SOURCES, POINT_SOURCES, CompetitionConfig
from bot.services import points as p
from bot.services.posts import PostService
from bot.services.registry import Services
from storage.engine import Database
from storage.schema import audit_log, points_ledger, team_week_points
from tests.conftest import GUILD_ID
from tests.points_support import add_team, with_rules

ORG = 100000000000000010
SHANGHAI = ZoneInfo("Asia/Shanghai")
NEW_YORK = ZoneInfo("America/New_York")
#: A small points file (imports are tested in test_points_import.py).
IMPORT = b"team,points,reason,member,key\nAlpha,10,quiz,,q-1\nBravo,20,quiz,,q-2\n"


def local(tz: ZoneInfo, year: int, month: int, day: int, hour: int, minute: int) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=tz).astimezone(dt.UTC)


def rebuilt(db: Database, clock: FrozenClock, competition: CompetitionConfig) -> Services:
    return build_services(db=db, clock=clock, competition=competition, guild_id=GUILD_ID)


async def ledger_count(services: Services) -> int:
    async with services.db.read() as conn:
        return int(await conn.scalar(select(func.count()).select_from(points_ledger)) or 0)


# -- weeks ------------------------------------------------------------------------------
async def test_weeks_follow_new_york_local_midnight_across_the_november_dst_change(
    db: Database, clock: FrozenClock, competition: CompetitionConfig
):
    services = rebuilt(db, clock, with_rules(competition, timezone="America/New_York"))
    await add_team(db, "Late Owls")
    # Sunday 1 Nov 2026, 23:30 EST (clocks went back at 02:00 that morning) is still the
    # week that began Monday 26 Oct; Monday 00:30 EST starts the next one. In UTC both are
    # on Monday 2 Nov, so a UTC-based week would put both in the same week.
    clock.set(local(NEW_YORK, 2026, 11, 1, 23, 30))
    sunday = await services.points.award(actor_id=ORG, team="Late Owls", amount=30, reason="a")
    clock.set(local(NEW_YORK, 2026, 11, 2, 0, 30))
    monday = await services.points.award(actor_id=ORG, team="late owls", amount=5, reason="b")
    assert (sunday.week_key, monday.week_key) == ("2026-W44", "2026-W45")
    board = await services.points.week_board(week="2026-W44", track="student")
    assert [(s.name, s.points) for s in board.rows] == [("Late Owls", 30)]
    last = await services.points.week_board(week="last", track="student")
    assert last.week_key == "2026-W44"
    current = await services.points.week_board(week="current", track="student")
    assert [(s.name, s.points) for s in current.rows] == [("Late Owls", 5)]
    assert current.week is not None
    assert current.week.start == local(NEW_YORK, 2026, 11, 2, 0, 0)
    # The week of the change is 169 hours long (the repeated hour).
    week44 = services.points.resolve_week("2026-W44")
    assert week44.end - week44.start == dt.timedelta(hours=169)


async def test_weeks_follow_new_york_local_midnight_across_the_march_dst_change(
    db: Database, clock: FrozenClock, competition: CompetitionConfig
):
    services = rebuilt(db, clock, with_rules(competition, timezone="America/New_York"))
    await add_team(db, "Spring Forward")
    clock.set(local(NEW_YORK, 2026, 3, 15, 23, 59))  # Sunday, a week after the change
    await services.points.award(actor_id=ORG, team="Spring Forward", amount=7, reason="a")
    week = services.points.resolve_week("2026-W11")
    assert week.start == local(NEW_YORK, 2026, 3, 9, 0, 0)
    assert week.end == local(NEW_YORK, 2026, 3, 16, 0, 0)
    assert week.contains(clock.now())
    changed = services.points.resolve_week("2026-W10")
    assert changed.end - changed.start == dt.timedelta(hours=167)


async def test_weeks_in_shanghai_start_at_local_monday_midnight(services: Services, clock):
    await add_team(services.db, "Panda Traders", track="professional")
    clock.set(local(SHANGHAI, 2026, 11, 29, 23, 59))  # Sunday night in Shanghai
    late = await services.points.award(actor_id=ORG, team="Panda Traders", amount=4, reason="a")
    clock.set(local(SHANGHAI, 2026, 11, 30, 0, 1))  # Monday, still Sunday in UTC
    early = await services.points.award(actor_id=ORG, team="Panda Traders", amount=9, reason="b")
    assert (late.week_key, early.week_key) == ("2026-W48", "2026-W49")
    board = await services.points.week_board(week="last", track="professional")
    assert [(s.name, s.points) for s in board.rows] == [("Panda Traders", 4)]


async def test_a_sunday_first_week_keys_by_its_thursday(
    db: Database, clock: FrozenClock, competition: CompetitionConfig
):
    services = rebuilt(db, clock, with_rules(competition, week_start="sunday"))
    await add_team(db, "Sunday Start")
    clock.set(local(SHANGHAI, 2026, 11, 29, 0, 5))  # Sunday just after midnight
    entry = await services.points.award(actor_id=ORG, team="Sunday Start", amount=1, reason="a")
    assert entry.week_key == "2026-W49"


async def test_an_unreadable_week_is_refused_with_the_accepted_forms(services: Services):
    with pytest.raises(p.InvalidWeek):
        await services.points.week_board(week="next tuesday")


# -- boards ----------------------------------------------------------------------------
async def test_a_weekly_board_counts_only_that_weeks_entries(services: Services, clock):
    await add_team(services.db, "Alpha")
    await add_team(services.db, "Bravo")
    await services.points.award(actor_id=ORG, team="Alpha", amount=100, reason="week 48")
    clock.advance(dt.timedelta(days=7))
    await services.points.award(actor_id=ORG, team="Bravo", amount=50, reason="week 49")
    await services.points.award(actor_id=ORG, team="Alpha", amount=10, reason="week 49")
    board = await services.points.week_board(week="current", track="student")
    assert [(s.rank, s.name, s.points) for s in board.rows] == [(1, "Bravo", 50), (2, "Alpha", 10)]
    last = await services.points.week_board(week="last", track="student")
    assert [(s.name, s.points) for s in last.rows] == [("Alpha", 100)]
    season = await services.points.season_board("student")
    assert [(s.name, s.points) for s in season.rows] == [("Alpha", 110), ("Bravo", 50)]


async def test_ranks_are_standard_competition_ranks_with_ties_in_order_of_reaching_the_score(
    services: Services, clock
):
    for name in ("Delta", "Charlie", "Bravo", "Alpha", "Echo"):
        await add_team(services.db, name)
    award = services.points.award
    await award(actor_id=ORG, team="Delta", amount=20, reason="r")
    clock.advance(dt.timedelta(minutes=1))
    await award(actor_id=ORG, team="Charlie", amount=50, reason="r")  # reaches 50 first
    clock.advance(dt.timedelta(minutes=1))
    await award(actor_id=ORG, team="Echo", amount=100, reason="r")
    clock.advance(dt.timedelta(minutes=1))
    await award(actor_id=ORG, team="Bravo", amount=50, reason="r")  # same time as Alpha,
    await award(actor_id=ORG, team="Alpha", amount=50, reason="r")  # so by name
    board = await services.points.week_board(track="student")
    assert [(s.rank, s.name, s.points) for s in board.rows] == [
        (1, "Echo", 100),
        (2, "Charlie", 50),
        (2, "Alpha", 50),
        (2, "Bravo", 50),
        (5, "Delta", 20),
    ]


async def test_the_board_shows_the_top_ten_and_the_viewers_own_rank_below(
    services: Services, clock
):
    for index in range(12):
        await add_team(services.db, f"Team {index:02d}", members_=[500 + index])
    for index in range(12):
        await services.points.award(
            actor_id=ORG, team=f"Team {index:02d}", amount=200 - index * 10, reason="r"
        )
        clock.advance(dt.timedelta(seconds=1))
    board = await services.points.week_board(viewer_id=511)
    assert len(board.rows) == 10
    assert board.rows[0].name == "Team 00"
    assert board.mine is not None
    assert (board.mine.rank, board.mine.name, board.mine.points) == (12, "Team 11", 90)
    assert board.track == "student"


async def test_the_board_of_a_cohort_lists_teams_whose_captain_is_in_it(services: Services):
    from tests.points_support import add_member

    await add_member(services.db, 601, cohort="rookie")
    await add_member(services.db, 602, cohort="elite")
    await add_team(services.db, "Rookies", members_=[601])
    await add_team(services.db, "Elites", members_=[602])
    await services.points.award(actor_id=ORG, team="Rookies", amount=5, reason="r")
    await services.points.award(actor_id=ORG, team="Elites", amount=9, reason="r")
    board = await services.points.week_board(track="student", cohort="rookie", viewer_id=602)
    assert [(s.rank, s.name) for s in board.rows] == [(1, "Rookies")]
    assert (board.mine, board.my_team) == (None, None)  # the viewer's team is elite
    mine = await services.points.week_board(track="student", cohort="rookie", viewer_id=601)
    assert mine.mine is not None
    assert mine.mine.rank == 1
    other_track = await services.points.week_board(track="professional", viewer_id=601)
    assert other_track.my_team is None
    with pytest.raises(p.UnknownCohort):
        await services.points.week_board(cohort="nope")
    with pytest.raises(p.UnknownTrack):
        await services.points.week_board(track="nope")


async def test_disbanded_teams_leave_the_board(services: Services):
    await add_team(services.db, "Stays")
    gone = await add_team(services.db, "Gone")
    await services.points.award(actor_id=ORG, team="Stays", amount=5, reason="r")
    async with services.db.write() as conn:
        from sqlalchemy import update

        from storage.schema import teams

        await services.points.credit(
            conn, team_id=gone, amount=50, reason="ugc", source="ugc", reference="x:1"
        )
        await conn.execute(
            update(teams).where(teams.c.id == gone).values(disbanded_at=services.clock.now())
        )
    board = await services.points.week_board(track="student")
    assert [s.name for s in board.rows] == ["Stays"]
    shown = await services.points.team_points(team="Stays", viewer_id=0)
    assert shown.week_rank == 1  # the disbanded team above is not counted


# -- ledger rules ------------------------------------------------------------------------
async def test_a_reversal_restores_the_totals_of_the_week_of_the_entry(services: Services, clock):
    team_id = await add_team(services.db, "Oops Inc")
    entry = await services.points.award(actor_id=ORG, team="Oops Inc", amount=80, reason="typo")
    await services.points.award(actor_id=ORG, team="Oops Inc", amount=20, reason="fine")
    clock.advance(dt.timedelta(days=7))  # revoked the week after
    reversal = await services.points.revoke(actor_id=ORG, entry_id=entry.id, reason="typo fixed")
    assert (reversal.amount, reversal.reverses_id, reversal.week_key) == (-80, entry.id, "2026-W48")
    last = await services.points.week_board(week="last", track="student")
    assert [(s.name, s.points) for s in last.rows] == [("Oops Inc", 20)]
    assert (await services.points.week_board(track="student")).rows == ()
    assert await services.points.season_points([team_id]) == {team_id: 20}
    assert await ledger_count(services) == 3  # nothing deleted
    with pytest.raises(p.AlreadyRevoked):
        await services.points.revoke(actor_id=ORG, entry_id=entry.id, reason="again")
    with pytest.raises(p.CannotRevokeReversal):
        await services.points.revoke(actor_id=ORG, entry_id=reversal.id, reason="undo")
    with pytest.raises(p.EntryNotFound):
        await services.points.revoke(actor_id=ORG, entry_id=999_999, reason="nope")


async def test_revoking_the_only_entry_takes_the_team_off_the_board(services: Services):
    await add_team(services.db, "Zeroed")
    entry = await services.points.award(actor_id=ORG, team="Zeroed", amount=10, reason="x")
    await services.points.revoke(actor_id=ORG, entry_id=entry.id, reason="wrong team")
    assert (await services.points.week_board(track="student")).rows == ()
    shown = await services.points.team_points(team="Zeroed", viewer_id=1)
    assert (shown.week_points, shown.season_points, shown.week_rank) == (0, 0, None)
    assert [e.amount for e in shown.recent] == [-10, 10]


async def test_weekly_totals_always_equal_the_ledger(services: Services, clock):
    await add_team(services.db, "Sum A")
    await add_team(services.db, "Sum B", track="professional")
    for day in range(10):
        await services.points.award(actor_id=ORG, team="Sum A", amount=day + 1, reason="r")
        await services.points.award(actor_id=ORG, team="Sum B", amount=-day - 1, reason="r")
        clock.advance(dt.timedelta(days=1))
    async with services.db.read() as conn:
        ledger = {
            (t, w): int(s)
            for t, w, s in await conn.execute(
                select(
                    points_ledger.c.team_id,
                    points_ledger.c.week_key,
                    func.sum(points_ledger.c.amount),
                ).group_by(points_ledger.c.team_id, points_ledger.c.week_key)
            )
        }
        totals = {
            (t, w): s
            for t, w, s in await conn.execute(
                select(
                    team_week_points.c.team_id,
                    team_week_points.c.week_key,
                    team_week_points.c.total,
                )
            )
        }
    assert ledger == totals
    assert len(totals) == 4


async def test_awards_are_refused_past_the_weekly_cap_and_the_cap_resets_next_week(
    db: Database, clock: FrozenClock, competition: CompetitionConfig
):
    services = rebuilt(db, clock, with_rules(competition, caps={"award": 100}))
    await add_team(db, "Capped")
    await services.points.award(actor_id=ORG, team="Capped", amount=60, reason="r")
    with pytest.raises(p.WeeklyCapReached) as refused:
        await services.points.award(actor_id=ORG, team="Capped", amount=50, reason="r")
    assert refused.value.params["remaining"] == 40
    await services.points.award(actor_id=ORG, team="Capped", amount=40, reason="r")
    penalty = await services.points.award(actor_id=ORG, team="Capped", amount=-30, reason="late")
    assert penalty.amount == -30  # deductions are never capped
    clock.advance(dt.timedelta(days=7))
    await services.points.award(actor_id=ORG, team="Capped", amount=100, reason="r")
    assert await ledger_count(services) == 4


async def test_automatic_points_are_trimmed_to_the_cap_and_idempotent_by_reference(
    services: Services,
):
    team_id = await add_team(services.db, "Creators")
    assert services.competition.points.weekly_cap("ugc") == 200
    async with services.db.write() as conn:
        first = await services.points.credit(
            conn, team_id=team_id, amount=150, reason="placing", source="ugc", reference="c:1:1"
        )
        again = await services.points.credit(
            conn, team_id=team_id, amount=150, reason="placing", source="ugc", reference="c:1:1"
        )
        trimmed = await services.points.credit(
            conn, team_id=team_id, amount=100, reason="accepted", source="ugc", reference="s:9"
        )
        full = await services.points.credit(
            conn, team_id=team_id, amount=10, reason="accepted", source="ugc", reference="s:10"
        )
    assert first is not None
    assert trimmed is not None
    assert (first.amount, again, trimmed.amount, full) == (150, None, 50, None)
    assert await services.points.season_points([team_id, 424242]) == {team_id: 200, 424242: 0}


async def test_credit_takes_exactly_the_automatic_sources_of_the_one_list(services: Services):
    team_id = await add_team(services.db, "Listed")
    assert set(AUTOMATIC_POINT_SOURCES) < set(POINT_SOURCES)
    async with services.db.write() as conn:
        for source in POINT_SOURCES:
            credit = services.points.credit(
                conn, team_id=team_id, amount=1, reason="r", source=source, reference=source
            )
            if source in AUTOMATIC_POINT_SOURCES:
                assert (await credit) is not None
            else:
                with pytest.raises(ValueError, match="automatic sources"):
                    await credit


async def test_award_validates_amount_reason_and_team(services: Services):
    await add_team(services.db, "Valid")
    with pytest.raises(p.InvalidAmount):
        await services.points.award(actor_id=ORG, team="Valid", amount=0, reason="r")
    with pytest.raises(p.InvalidAmount):
        await services.points.award(actor_id=ORG, team="Valid", amount=100_001, reason="r")
    with pytest.raises(p.InvalidReason):
        await services.points.award(actor_id=ORG, team="Valid", amount=1, reason="   ")
    with pytest.raises(p.TeamNotFound):
        await services.points.award(actor_id=ORG, team="Nobody", amount=1, reason="r")
    assert await ledger_count(services) == 0


async def test_every_organizer_action_is_audited(services: Services):
    await add_team(services.db, "Audited")
    entry = await services.points.award(actor_id=ORG, team="Audited", amount=5, reason="r")
    await services.points.revoke(actor_id=ORG, entry_id=entry.id, reason="undo")
    actions = [row.action for row in await services.audit.recent()]
    assert actions == ["points.revoke", "points.award"]


async def test_points_show_gives_this_week_the_season_the_rank_and_newest_entries(
    services: Services, clock
):
    await add_team(services.db, "Shown", members_=[801])
    await add_team(services.db, "Ahead")
    await services.points.award(actor_id=ORG, team="Shown", amount=30, reason="old")
    clock.advance(dt.timedelta(days=7))
    await services.points.award(actor_id=ORG, team="Ahead", amount=99, reason="r")
    await services.points.award(actor_id=ORG, team="Shown", amount=12, reason="new")
    shown = await services.points.team_points(team=None, viewer_id=801)
    assert (shown.name, shown.week_points, shown.season_points, shown.week_rank) == (
        "Shown",
        12,
        42,
        2,
    )
    assert [e.reason for e in shown.recent] == ["new", "old"]
    with pytest.raises(p.NotInTeam):
        await services.points.team_points(team=None, viewer_id=802)


# -- weekly posts -------------------------------------------------------------------------
async def test_the_post_of_a_week_is_due_at_the_post_time_of_the_next_weeks_first_day(
    services: Services, clock
):
    points = services.points
    monday_9 = local(SHANGHAI, 2026, 11, 30, 9, 0)
    assert points.post_time(points.resolve_week("2026-W48")) == monday_9
    clock.set(monday_9 - dt.timedelta(seconds=1))
    assert points.due_week().key == "2026-W47"
    assert points.next_post() == (points.resolve_week("2026-W48"), monday_9)
    clock.set(monday_9)
    assert points.due_week().key == "2026-W48"
    week, when = points.next_post()
    assert (week.key, when) == ("2026-W49", local(SHANGHAI, 2026, 12, 7, 9, 0))


async def test_a_board_post_is_claimed_once_per_week_and_track(services: Services):
    points = services.points
    key = points.board_post_key("2026-W47", "student")
    claim = await services.posts.claim(key)
    assert claim.state == "new"
    restarted = PostService(services.db, services.clock)  # the next process
    resumed = await restarted.claim(key)
    assert resumed.state == "resume"
    assert (await restarted.claim(points.board_post_key("2026-W47", "professional"))).state == (
        "new"
    )
    await restarted.finish(resumed, channel_id=5, message_id=6)
    assert (await restarted.claim(key)).state == "done"


# -- season close -------------------------------------------------------------------------
async def test_season_close_freezes_points_and_picks_top_teams_members_per_track_once(
    db: Database, clock: FrozenClock, competition: CompetitionConfig
):
    services = rebuilt(db, clock, with_rules(competition, alumni_top_n=2))
    await add_team(db, "Gold", members_=[11, 12])
    await add_team(db, "Silver", members_=[21])
    await add_team(db, "Silver Too", members_=[31])  # tied for second: included
    await add_team(db, "Fourth", members_=[41])
    await add_team(db, "Pro One", track="professional", members_=[51])
    entry = None
    for name, amount in (("Gold", 90), ("Silver", 50), ("Silver Too", 50), ("Fourth", 10)):
        entry = await services.points.award(actor_id=ORG, team=name, amount=amount, reason="r")
    await services.points.award(actor_id=ORG, team="Pro One", amount=5, reason="r")
    closed = await services.points.close_season(actor_id=ORG)
    assert closed.newly_closed
    assert sorted((a.user_id, a.rank, a.track) for a in closed.alumni) == [
        (11, 1, "student"),
        (12, 1, "student"),
        (21, 2, "student"),
        (31, 2, "student"),
        (51, 1, "professional"),
    ]
    assert [s.name for s in closed.boards[0].rows] == ["Gold", "Silver", "Silver Too", "Fourth"]
    with pytest.raises(p.SeasonClosed):
        await services.points.award(actor_id=ORG, team="Fourth", amount=100, reason="late")
    assert entry is not None
    with pytest.raises(p.SeasonClosed):
        await services.points.revoke(actor_id=ORG, entry_id=entry.id, reason="late")
    with pytest.raises(p.SeasonClosed):
        await services.points.preview_import(actor_id=ORG, file_name="x.csv", data=IMPORT)
    async with db.write() as conn:
        assert (
            await services.points.credit(
                conn, team_id=entry.team_id, amount=5, reason="r", source="ugc", reference="z"
            )
            is None
        )
    await services.points.alumni_granted([11, 12])
    again = await services.points.close_season(actor_id=ORG)
    assert not again.newly_closed
    assert again.closed_at == closed.closed_at
    assert {a.user_id for a in again.alumni if a.granted_at is None} == {21, 31, 51}
    async with db.read() as conn:
        closes = await conn.scalar(
            select(func.count()).select_from(audit_log).where(audit_log.c.action == "season.close")
        )
    assert closes == 1
    assert await services.points.is_closed()
