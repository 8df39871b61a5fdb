"""Q&A sessions: scheduling and its notices, RSVPs, the question queue, check-ins."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from bot.bootstrap import build_services
from bot.clock import FrozenClock
from bot.config import CompetitionConfig
from bot.errors import InvalidInput
from bot.scheduler import Job, JobResult, Scheduler
from bot.services import qa
from bot.services.posts import PostService, target_key
from bot.services.publications import Publication
from bot.services.qa import (
    AlreadyCheckedIn,
    CheckInClosed,
    NotHost,
    OpenQuestionExists,
    OwnQuestion,
    QuestionAnswered,
    QuestionLength,
    SessionCancelled,
    SessionStarted,
    StartInPast,
)
from bot.services.registry import Services
from storage.engine import Database
from storage.schema import audit_log, members, outbox, points_ledger, qa_questions, subscribers
from tests.conftest import GUILD_ID
from tests.points_support import add_team, with_rules

ORGANIZER = 42
HOST = 43
ROOKIE, ELITE, LONER = 1, 2, 3
#: 2026-11-27 20:00 in Shanghai (the example competition's timezone).
START_LOCAL = "2026-11-27 20:00"
START = dt.datetime(2026, 11, 27, 12, 0, tzinfo=dt.UTC)


async def add_people(services: Services) -> None:
    now = services.clock.now()
    async with services.db.write() as conn:
        for user_id, cohort in ((ROOKIE, "rookie"), (ELITE, "elite"), (LONER, "rookie")):
            await conn.execute(
                insert(members).values(
                    user_id=user_id,
                    display_name=f"m{user_id}",
                    cohort_key=cohort,
                    locale="zh_CN" if user_id == ELITE else "en",
                    first_seen_at=now,
                    last_seen_at=now,
                )
            )
            await conn.execute(
                insert(subscribers).values(
                    user_id=user_id,
                    phone_e164=f"+1555000000{user_id}",
                    consent_at=now,
                    consent_source="test",
                    consent_text="ok",
                    created_at=now,
                )
            )


async def schedule(services: Services, **overrides: object) -> qa.Session:
    values: dict[str, object] = {
        "actor_id": ORGANIZER,
        "title": "Ask the judges",
        "kind": "official",
        "start": START_LOCAL,
        "duration": "90m",
        "host_id": HOST,
        "audience": None,
    }
    values.update(overrides)
    return await services.qa.schedule(**values)  # type: ignore[arg-type]


class Recorder:
    """Registers handlers for the Q&A job kinds and records the keys that fired."""

    def __init__(self, scheduler: Scheduler) -> None:
        self.fired: list[str] = []
        for kind in (qa.REMINDER_JOB, qa.START_JOB, qa.CANCEL_JOB):
            scheduler.register(kind, self.handle)

    async def handle(self, job: Job) -> None:
        self.fired.append(job.key)


async def test_schedule_stores_utc_from_local_input_and_creates_its_notice_jobs(
    services: Services,
):
    session = await schedule(services, audience="elite, rookie")

    assert session.starts_at == START
    assert session.duration == dt.timedelta(minutes=90)
    assert session.audience == ("rookie", "elite"), "config order, duplicates and spaces ignored"
    jobs = await services.qa.jobs(session.id)
    assert jobs == {
        f"qa:{session.id}:remind:86400": "pending",
        f"qa:{session.id}:remind:3600": "pending",
        f"qa:{session.id}:start": "pending",
    }
    async with services.db.read() as conn:
        actions = [r.action for r in await conn.execute(select(audit_log.c.action))]
    assert actions == ["qa.schedule"]
    assert [s.id for s in await services.qa.upcoming()] == [session.id]


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"kind": "party"}, InvalidInput),
        ({"audience": "rookie,wizards"}, InvalidInput),
        ({"start": "tomorrow-ish"}, InvalidInput),
        ({"start": "2026-11-25 13:00"}, StartInPast),
        ({"duration": "ninety"}, InvalidInput),
        ({"duration": "25h"}, InvalidInput),
        ({"title": "   "}, InvalidInput),
        ({"title": "x" * 101}, InvalidInput),
    ],
)
async def test_bad_input_is_refused_and_nothing_is_written(
    services: Services, overrides: dict[str, object], error: type[Exception]
):
    with pytest.raises(error):
        await schedule(services, **overrides)
    assert await services.qa.upcoming() == []


async def test_reminders_whose_time_has_passed_are_not_scheduled(services: Services):
    services.clock.set(START - dt.timedelta(minutes=30))  # type: ignore[attr-defined]
    session = await schedule(services)
    assert await services.qa.jobs(session.id) == {f"qa:{session.id}:start": "pending"}


async def test_an_edit_moving_the_session_later_never_resends_a_sent_reminder(
    services: Services, clock: FrozenClock
):
    recorder = Recorder(services.scheduler)
    session = await schedule(services)
    day_before = f"qa:{session.id}:remind:86400"
    clock.set(START - dt.timedelta(hours=24))
    assert await services.scheduler.run_due() == ["done"]
    assert recorder.fired == [day_before]

    moved = await services.qa.edit(
        actor_id=ORGANIZER, session_id=session.id, start="2026-11-29 20:00"
    )
    assert moved.starts_at == START + dt.timedelta(days=2)
    jobs = await services.qa.jobs(session.id)
    assert jobs[day_before] == "done", "the sent reminder stays sent"
    clock.set(moved.starts_at + dt.timedelta(minutes=1))
    await services.scheduler.run_due()
    assert recorder.fired == [day_before, f"qa:{session.id}:remind:3600", f"qa:{session.id}:start"]
    assert recorder.fired.count(day_before) == 1


async def test_an_edit_moving_the_session_earlier_withdraws_reminders_now_in_the_past(
    services: Services, clock: FrozenClock
):
    session = await schedule(services)
    clock.set(START - dt.timedelta(hours=30))
    moved = await services.qa.edit(
        actor_id=ORGANIZER, session_id=session.id, start="2026-11-26 16:00"
    )
    jobs = await services.qa.jobs(session.id)
    assert jobs[f"qa:{session.id}:remind:86400"] == "cancelled"
    assert jobs[f"qa:{session.id}:remind:3600"] == "pending"
    # Moved back later, the withdrawn reminder is due again (it was never sent).
    await services.qa.edit(actor_id=ORGANIZER, session_id=moved.id, start=START_LOCAL)
    assert (await services.qa.jobs(session.id))[f"qa:{session.id}:remind:86400"] == "pending"


async def test_editing_title_duration_or_host_keeps_the_jobs_and_is_audited(services: Services):
    session = await schedule(services)
    before = await services.qa.jobs(session.id)
    edited = await services.qa.edit(
        actor_id=ORGANIZER, session_id=session.id, title="Judges' hour", duration="2h", host_id=7
    )
    assert (edited.title, edited.duration, edited.host_id) == (
        "Judges' hour",
        dt.timedelta(hours=2),
        7,
    )
    assert edited.starts_at == START
    assert await services.qa.jobs(session.id) == before
    with pytest.raises(qa.NothingToEdit):
        await services.qa.edit(actor_id=ORGANIZER, session_id=session.id)


async def test_cancelling_after_reminders_went_out_withdraws_the_rest_and_announces_it(
    services: Services, clock: FrozenClock
):
    recorder = Recorder(services.scheduler)
    session = await schedule(services)
    clock.set(START - dt.timedelta(hours=24))
    await services.scheduler.run_due()

    cancelled = await services.qa.cancel(actor_id=ORGANIZER, session_id=session.id)
    assert cancelled.status == "cancelled"
    jobs = await services.qa.jobs(session.id)
    assert jobs == {
        f"qa:{session.id}:remind:86400": "done",
        f"qa:{session.id}:remind:3600": "cancelled",
        f"qa:{session.id}:start": "cancelled",
        f"qa:{session.id}:cancel": "pending",
    }
    await services.scheduler.run_due()
    clock.set(START + dt.timedelta(minutes=5))
    await services.scheduler.run_due()
    assert recorder.fired == [f"qa:{session.id}:remind:86400", f"qa:{session.id}:cancel"]
    notice = await services.qa.notice(
        session_id=session.id, key=f"qa:{session.id}:cancel", what=qa.CANCELLED
    )
    assert notice is not None
    assert notice.what == "cancelled"
    assert (
        await services.qa.notice(session_id=session.id, key=f"qa:{session.id}:start", what=qa.START)
        is None
    ), "a cancelled session sends no start notice"
    with pytest.raises(SessionCancelled):
        await services.qa.cancel(actor_id=ORGANIZER, session_id=session.id)


async def test_a_20_00_session_stays_at_20_00_local_across_a_dst_change(
    db: Database, competition: CompetitionConfig
):
    new_york = ZoneInfo("America/New_York")
    clock = FrozenClock(dt.datetime(2026, 10, 20, 12, 0, tzinfo=dt.UTC))  # daylight time
    rules = with_rules(competition, timezone="America/New_York")
    services = build_services(db=db, clock=clock, competition=rules, guild_id=GUILD_ID)
    before = await schedule(services, start="2026-10-30 20:00")
    after = await schedule(services, start="2026-11-06 20:00")  # clocks went back on Nov 1

    assert before.starts_at == dt.datetime(2026, 10, 31, 0, 0, tzinfo=dt.UTC)
    assert after.starts_at == dt.datetime(2026, 11, 7, 1, 0, tzinfo=dt.UTC)
    for session in (before, after):
        assert session.starts_at.astimezone(new_york).strftime("%H:%M") == "20:00"
    async with db.read() as conn:
        from storage.queries import jobs as job_queries

        hour_before = await job_queries.get_by_key(conn, f"qa:{after.id}:remind:3600")
    assert hour_before is not None
    assert hour_before.run_at.astimezone(new_york).strftime("%Y-%m-%d %H:%M") == "2026-11-06 19:00"

    moved = await services.qa.edit(
        actor_id=ORGANIZER, session_id=before.id, start="2026-11-13 20:00"
    )
    assert moved.starts_at.astimezone(new_york).strftime("%H:%M") == "20:00"


async def test_at_start_a_missed_reminder_fires_inside_the_grace_period_else_is_marked_missed(
    services: Services, clock: FrozenClock, competition: CompetitionConfig
):
    session = await schedule(services)
    # The bot was down for a day and comes back 10 minutes after the 1-hour reminder was
    # due (grace period: 15 minutes) and 23 hours after the 24-hour one.
    clock.set(START - dt.timedelta(minutes=50))
    restarted = Scheduler(services.db, clock, grace=competition.reminders.grace_period)
    recorder = Recorder(restarted)
    told: list[list[str]] = []

    async def tell(missed: list[Job]) -> None:
        told.append([job.key for job in missed])

    restarted.on_missed(tell)
    report = await restarted.start()
    await restarted.shutdown()

    assert recorder.fired == [f"qa:{session.id}:remind:3600"]
    assert told == [[f"qa:{session.id}:remind:86400"]], "organizers are told"
    assert len(report.missed) == 1
    assert await services.qa.jobs(session.id) == {
        f"qa:{session.id}:remind:86400": "missed",
        f"qa:{session.id}:remind:3600": "done",
        f"qa:{session.id}:start": "pending",
    }
    assert restarted.timer_count == 0, "shut down"


async def test_a_notice_goes_to_the_audience_cohorts_whatsapp_once(services: Services):
    await add_people(services)
    session = await schedule(services, audience="elite")
    key = qa.reminder_key(session.id, dt.timedelta(hours=1))
    notice = await services.qa.notice(session_id=session.id, key=key, what=qa.REMINDER)
    assert notice is not None
    assert notice.cohorts == ("elite",)
    texts = {"en": "Starts soon", "zh_CN": "即将开始"}
    variables = {"en": {"title": "t", "start": "s"}, "zh_CN": {"title": "t", "start": "s"}}
    assert await services.qa.relay(notice, texts, variables) == 1
    assert await services.qa.relay(notice, texts, variables) == 0, "idempotent per key"
    async with services.db.read() as conn:
        rows = (await conn.execute(select(outbox.c.occurrence_key, outbox.c.body))).all()
    assert [tuple(r) for r in rows] == [(key, "Starts soon")]

    everyone = await schedule(services, title="All hands")
    notice_all = await services.qa.notice(
        session_id=everyone.id, key=qa.start_key(everyone.id), what=qa.START
    )
    assert notice_all is not None
    assert notice_all.cohorts == ("rookie", "advanced", "elite")
    assert await services.qa.relay(notice_all, texts, variables) == 3


async def test_a_notice_job_queues_whatsapp_and_returns_its_posts_and_dms(
    services: Services, clock: FrozenClock
):
    await add_people(services)
    session = await schedule(services, audience="elite")
    await services.qa.rsvp(user_id=ROOKIE, session_id=session.id)
    await services.qa.rsvp(user_id=ELITE, session_id=session.id)
    key = qa.start_key(session.id)
    job = Job(1, qa.START_JOB, key, START, {"session_id": session.id})
    worded: list[qa.Notice] = []

    def wording(notice: qa.Notice) -> tuple[dict[str, str], dict[str, dict[str, str]]]:
        worded.append(notice)
        return {"en": "Now", "zh_CN": "现在"}, {"en": {"title": "t"}, "zh_CN": {"title": "t"}}

    clock.set(START)
    result = await services.qa.run_notice(job, wording)

    assert result.next_run is None
    [notice] = worded
    assert notice.what == qa.START
    default = services.qa.competition.competition.default_locale
    assert result.publications == (
        Publication(
            key,
            qa.NOTICE_PUBLICATION,
            qa.NoticePost(notice, default, "elite"),
            resource="channel:cohort:elite:0",
            per_channel=True,
        ),
        Publication(
            target_key(key, f"dm:{ROOKIE}"),
            qa.NOTICE_PUBLICATION,
            qa.NoticePost(notice, "en"),
            user_id=ROOKIE,
        ),
        Publication(
            target_key(key, f"dm:{ELITE}"),
            qa.NOTICE_PUBLICATION,
            qa.NoticePost(notice, "zh_CN"),
            user_id=ELITE,
        ),
    )
    async with services.db.read() as conn:
        rows = (await conn.execute(select(outbox.c.occurrence_key, outbox.c.body))).all()
    assert [tuple(r) for r in rows] == [(key, "Now")], "the elite subscriber, once"

    await services.qa.cancel(actor_id=ORGANIZER, session_id=session.id)
    assert await services.qa.run_notice(job, wording) == JobResult(), "cancelled: nothing"


async def test_a_reminder_of_a_session_that_already_started_is_not_sent(
    services: Services, clock: FrozenClock
):
    session = await schedule(services)
    clock.set(START + dt.timedelta(minutes=1))
    key = qa.reminder_key(session.id, dt.timedelta(hours=1))
    assert await services.qa.notice(session_id=session.id, key=key, what=qa.REMINDER) is None


async def test_deliveries_are_reserved_once_per_notice_and_target(services: Services):
    key = target_key("qa:1:start", "channel:5")
    first = await services.posts.claim(key)
    assert first.state == "new"
    restarted = PostService(services.db, services.clock)  # the next process
    again = await restarted.claim(key)
    assert again.state == "resume", "a reservation never finished may have been posted"
    assert again.nonce == first.nonce
    await restarted.finish(again, channel_id=5, message_id=9)
    assert (await restarted.claim(key)).state == "done"
    assert await services.posts.statuses("qa:1:start:") == {"qa:1:start:channel:5": "posted"}


async def test_rsvp_toggles_and_closes_when_the_session_starts(
    services: Services, clock: FrozenClock
):
    session = await schedule(services)
    assert (await services.qa.rsvp(user_id=ROOKIE, session_id=session.id))[1] is True
    notice = await services.qa.notice(
        session_id=session.id, key=qa.start_key(session.id), what=qa.START
    )
    assert notice is not None
    assert notice.rsvp_user_ids == (ROOKIE,)
    assert await services.qa.rsvped(ROOKIE, [session.id]) == {session.id}
    assert (await services.qa.rsvp(user_id=ROOKIE, session_id=session.id))[1] is False
    assert await services.qa.rsvped(ROOKIE, [session.id]) == set()
    clock.set(START)
    with pytest.raises(SessionStarted):
        await services.qa.rsvp(user_id=ROOKIE, session_id=session.id)


async def test_one_open_question_per_member_per_session_of_at_most_300_characters(
    services: Services,
):
    session = await schedule(services)
    with pytest.raises(QuestionLength):
        await services.qa.ask(user_id=ROOKIE, session_id=session.id, text="x" * 301)
    with pytest.raises(QuestionLength):
        await services.qa.ask(user_id=ROOKIE, session_id=session.id, text="   ")
    first = await services.qa.ask(user_id=ROOKIE, session_id=session.id, text="x" * 300)
    with pytest.raises(OpenQuestionExists) as refused:
        await services.qa.ask(user_id=ROOKIE, session_id=session.id, text="Another?")
    assert refused.value.params["question"] == first.id
    await services.qa.answered(actor_id=HOST, is_organizer=False, question_id=first.id)
    second = await services.qa.ask(user_id=ROOKIE, session_id=session.id, text="Another?")
    assert second.id != first.id


async def test_the_database_refuses_a_second_open_question_too(services: Services):
    session = await schedule(services)
    await services.qa.ask(user_id=ROOKIE, session_id=session.id, text="First")
    with pytest.raises(IntegrityError):
        async with services.db.write() as conn:
            await conn.execute(
                insert(qa_questions).values(
                    session_id=session.id,
                    asker_id=ROOKIE,
                    text="Sneaky",
                    status="open",
                    created_at=services.clock.now(),
                )
            )


async def test_upvotes_order_the_queue_by_votes_then_age_and_never_count_ones_own(
    services: Services, clock: FrozenClock
):
    session = await schedule(services)
    oldest = await services.qa.ask(user_id=ROOKIE, session_id=session.id, text="Oldest")
    clock.advance(dt.timedelta(minutes=1))
    middle = await services.qa.ask(user_id=ELITE, session_id=session.id, text="Middle")
    clock.advance(dt.timedelta(minutes=1))
    newest = await services.qa.ask(user_id=LONER, session_id=session.id, text="Newest")

    with pytest.raises(OwnQuestion):
        await services.qa.upvote(user_id=LONER, question_id=newest.id)
    assert (await services.qa.upvote(user_id=ROOKIE, question_id=newest.id)).added
    toggled = await services.qa.upvote(user_id=ELITE, question_id=newest.id)
    assert toggled.added
    assert toggled.question.votes == 2
    assert [q.id for q in await services.qa.queue(session.id)] == [newest.id, oldest.id, middle.id]
    withdrawn = await services.qa.upvote(user_id=ELITE, question_id=newest.id)
    assert not withdrawn.added
    assert withdrawn.question.votes == 1
    await services.qa.upvote(user_id=LONER, question_id=middle.id)
    # Tied at one vote each: the older question first.
    assert [q.id for q in await services.qa.queue(session.id)] == [middle.id, newest.id, oldest.id]


async def test_only_the_host_or_an_organizer_manages_the_queue(services: Services):
    session = await schedule(services)
    question = await services.qa.ask(user_id=ROOKIE, session_id=session.id, text="Why?")
    with pytest.raises(NotHost):
        await services.qa.host_queue(actor_id=ELITE, is_organizer=False, session_id=session.id)
    with pytest.raises(NotHost):
        await services.qa.answered(actor_id=ELITE, is_organizer=False, question_id=question.id)
    _, top = await services.qa.host_queue(actor_id=HOST, is_organizer=False, session_id=session.id)
    assert [q.id for q in top] == [question.id]
    done = await services.qa.answered(
        actor_id=ORGANIZER, is_organizer=True, question_id=question.id
    )
    assert done.status == "answered"
    with pytest.raises(QuestionAnswered):
        await services.qa.answered(actor_id=HOST, is_organizer=False, question_id=question.id)
    with pytest.raises(QuestionAnswered):
        await services.qa.upvote(user_id=ELITE, question_id=question.id)
    assert await services.qa.queue(session.id) == []
    assert [
        q.id for q in await services.qa.answerable(actor_id=HOST, is_organizer=False, text="")
    ] == []


async def test_check_in_while_the_session_runs_credits_the_team_once(
    services: Services, clock: FrozenClock
):
    team_id = await add_team(services.db, "Night Owls", members_=[ROOKIE])
    session = await schedule(services)
    with pytest.raises(CheckInClosed):
        await services.qa.check_in(user_id=ROOKIE, session_id=session.id)
    clock.set(START + dt.timedelta(minutes=10))
    checked = await services.qa.check_in(user_id=ROOKIE, session_id=session.id)
    assert (checked.points, checked.team) == (services.competition.points.qa_checkin, "Night Owls")
    with pytest.raises(AlreadyCheckedIn):
        await services.qa.check_in(user_id=ROOKIE, session_id=session.id)
    loner = await services.qa.check_in(user_id=LONER, session_id=session.id)
    assert (loner.points, loner.team) == (0, None), "attendance recorded without points"
    assert await services.qa.attendance(session.id) == 2
    async with services.db.read() as conn:
        ledger = (
            await conn.execute(
                select(
                    points_ledger.c.team_id,
                    points_ledger.c.amount,
                    points_ledger.c.source,
                    points_ledger.c.reference,
                )
            )
        ).all()
    assert [tuple(r) for r in ledger] == [
        (team_id, 10, "qa_attendance", f"qa:{session.id}:checkin:{ROOKIE}")
    ]
    clock.set(START + dt.timedelta(minutes=90))
    with pytest.raises(CheckInClosed):
        await services.qa.check_in(user_id=ELITE, session_id=session.id)


async def test_check_in_with_no_points_configured_says_points_are_off_not_capped(
    db: Database, clock: FrozenClock, competition: CompetitionConfig
):
    rules = competition.model_copy(
        update={"points": competition.points.model_copy(update={"qa_checkin": 0})}
    )
    services = build_services(db=db, clock=clock, competition=rules, guild_id=GUILD_ID)
    await add_team(services.db, "Night Owls", members_=[ROOKIE])
    session = await schedule(services)
    clock.set(START + dt.timedelta(minutes=10))
    checked = await services.qa.check_in(user_id=ROOKIE, session_id=session.id)
    assert (checked.points, checked.team, checked.points_enabled) == (0, "Night Owls", False)
    async with services.db.read() as conn:
        assert (await conn.execute(select(points_ledger.c.id))).all() == []
    assert await services.qa.attendance(session.id) == 1


async def test_next_for_member_is_the_next_session_of_their_cohort(services: Services):
    await add_people(services)
    await schedule(services, title="Elite only", start="2026-11-26 20:00", audience="elite")
    await schedule(services, title="Everyone", start="2026-11-28 20:00")
    now = services.clock.now()
    assert await services.qa.next_for_member(ELITE, now) == (
        dt.datetime(2026, 11, 26, 12, 0, tzinfo=dt.UTC),
        "Q&A: Elite only",
    )
    assert await services.qa.next_for_member(ROOKIE, now) == (
        dt.datetime(2026, 11, 28, 12, 0, tzinfo=dt.UTC),
        "Q&A: Everyone",
    )


async def test_whatsapp_next_answers_with_the_earlier_of_a_broadcast_and_a_qa_session(
    services: Services,
):
    from bot.whatsapp.wiring import keyword_sources

    await add_people(services)
    await services.broadcasts.schedule(
        actor_id=ORGANIZER,
        message="Finals week",
        when="2026-11-28 09:00",
        audience="all",
        channels="whatsapp",
    )
    next_item = keyword_sources(services)["next_item"]
    now = services.clock.now()
    assert (await next_item(ROOKIE, now))[1] == "Finals week"
    await schedule(services, title="Rookie clinic", start="2026-11-26 20:00", audience="rookie")
    assert await next_item(ROOKIE, now) == (
        dt.datetime(2026, 11, 26, 12, 0, tzinfo=dt.UTC),
        "Q&A: Rookie clinic",
    )
    assert (await next_item(ELITE, now))[1] == "Finals week", "not their cohort's session"
