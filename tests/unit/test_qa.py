"""Q&A sessions: scheduling, edits and cancels, the DST rule and the notices with their jobs."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import insert, select

from bot.bootstrap import build_services
from bot.clock import FrozenClock
from bot.config import CompetitionConfig
from bot.errors import InvalidInput
from bot.scheduler import Job, JobResult, Scheduler
from bot.services import qa
from bot.services.posts import PostService, target_key
from bot.services.publications import Publication
from bot.services.qa import (
    SessionCancelled,
    StartInPast,
)
from bot.services.registry import Services
from storage.engine import Database
from storage.schema import audit_log, members, outbox, subscribers
from tests.conftest import GUILD_ID
from tests.points_support import with_rules

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
