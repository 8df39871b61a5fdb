"""Season calendar notices: the plan, the chain of notice jobs, exactly once across a restart
(a second scheduler on the same database), missed beyond the grace period, each language."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Sequence
from types import SimpleNamespace
from typing import Any

from sqlalchemy import insert, select

from bot.bootstrap import build_services
from bot.clock import FrozenClock
from bot.config import CompetitionConfig
from bot.i18n import Catalogs
from bot.scheduler import Job, Scheduler
from bot.services.calendar import NOTICE_JOB, NOTICE_PUBLICATION, PhaseNotice
from bot.services.publications import Publication
from bot.services.registry import Services
from cogs.calendar.notices import notice_text, wording
from storage.queries import jobs as job_queries
from storage.schema import outbox, subscribers
from tests.conftest import GUILD_ID

UTC = dt.UTC
#: The example's registration phase ends 2026-12-31 23:59 in Shanghai (15:59 UTC).
REGISTRATION_END = dt.datetime(2026, 12, 31, 15, 59, tzinfo=UTC)
REGISTRATION_DEADLINE = REGISTRATION_END - dt.timedelta(hours=24)
CHECKIN_START = dt.datetime(2027, 1, 4, 1, 0, tzinfo=UTC)
KEY = "calendar:2026:{}:{}"


class Posts:
    """Stands in for the Discord publisher: records what a job handed it."""

    def __init__(self) -> None:
        self.made: list[Publication] = []

    async def publish(self, publications: Sequence[Publication]) -> list[str]:
        self.made.extend(publications)
        return ["posted"] * len(publications)


def fake_bot(competition: CompetitionConfig) -> Any:
    """What the wording and the post need of the bot: its catalogs and competition."""
    return SimpleNamespace(catalogs=Catalogs(), competition=competition)


def wire(services: Services, scheduler: Scheduler | None = None) -> tuple[Scheduler, Posts]:
    """Register the notice job as the calendar cog does, with the real wording."""
    scheduler = scheduler or services.scheduler
    bot = fake_bot(services.competition)
    scheduler.register(
        NOTICE_JOB,
        functools.partial(services.calendar.run_notice, wording=functools.partial(wording, bot)),
    )
    posts = Posts()
    scheduler.set_publisher(posts)
    return scheduler, posts


async def add_subscribers(services: Services) -> None:
    now = services.clock.now()
    async with services.db.write() as conn:
        for user_id, language in ((1, "en"), (2, "zh_CN")):
            await conn.execute(
                insert(subscribers).values(
                    user_id=user_id,
                    phone_e164=f"+1555000000{user_id}",
                    language=language,
                    consent_at=now,
                    consent_source="test",
                    consent_text="ok",
                    created_at=now,
                )
            )


async def whatsapp_rows(services: Services) -> list[tuple[str, str, str, str]]:
    async with services.db.read() as conn:
        rows = await conn.execute(
            select(
                outbox.c.occurrence_key, outbox.c.language, outbox.c.kind, outbox.c.body
            ).order_by(outbox.c.id)
        )
        return [tuple(r) for r in rows]


# -- the plan ------------------------------------------------------------------------------
def test_the_plan_has_three_notices_per_phase_but_no_deadline_for_a_short_one(
    services: Services,
):
    plan = services.calendar.plan()
    keys = [n.key for n in plan]
    assert keys[:3] == [
        KEY.format("registration", "opens"),
        KEY.format("registration", "deadline"),
        KEY.format("registration", "closes"),
    ]
    deadline = next(n for n in plan if n.key == KEY.format("registration", "deadline"))
    assert deadline.at == REGISTRATION_DEADLINE
    # The final lasts 4 hours: a notice 24 hours before its end would come before it opens.
    assert KEY.format("final", "deadline") not in keys
    assert KEY.format("final", "opens") in keys
    assert [n.at for n in plan] == sorted(n.at for n in plan)
    assert len(keys) == 6 * 3 - 2  # the final and the awards evening have no deadline notice


def test_overview_marks_the_current_phase_and_the_next_deadline(services: Services):
    overview = services.calendar.overview()  # T0: 2026-11-25, registration is open
    assert overview.current is not None
    assert overview.current.key == "registration"
    assert [s.state for s in overview.phases] == ["current"] + ["upcoming"] * 5
    assert overview.next_deadline is not None
    assert overview.next_deadline.key == "registration"
    between = services.calendar.overview(REGISTRATION_END + dt.timedelta(days=1))
    assert between.current is None, "between registration and check-in"
    assert between.next_deadline is not None
    assert between.next_deadline.key == "checkin"
    after = services.calendar.overview(dt.datetime(2028, 1, 1, tzinfo=UTC))
    assert [s.state for s in after.phases] == ["past"] * 6
    assert after.next_deadline is None


# -- the chain -----------------------------------------------------------------------------
async def test_ensure_job_makes_the_next_notice_pending_once(services: Services):
    first = await services.calendar.ensure_job()
    again = await services.calendar.ensure_job()
    assert first == again == KEY.format("registration", "deadline")
    statuses = await services.calendar.statuses()
    assert statuses == {KEY.format("registration", "deadline"): "pending"}, (
        "the opening of registration (a month ago) is not sent late"
    )


async def test_a_notice_goes_out_once_in_each_subscribers_language_and_chains_the_next(
    services: Services, clock: FrozenClock
):
    await add_subscribers(services)
    scheduler, posts = wire(services)
    await services.calendar.ensure_job()
    clock.set(REGISTRATION_DEADLINE)
    assert await scheduler.run_due() == ["done"]

    rows = await whatsapp_rows(services)
    key = KEY.format("registration", "deadline")
    assert [(r[0], r[1], r[2]) for r in rows] == [
        (key, "en", "calendar"),
        (key, "zh_CN", "calendar"),
    ]
    assert rows[0][3] == (
        "Season calendar: Registration closes in 1d, at 2026-12-31 23:59 (Asia/Shanghai)."
    )
    assert (
        rows[1][3] == "赛季日历：报名 将在 1d 后截止，截止时间 2026-12-31 23:59（Asia/Shanghai）。"
    )
    assert [(p.key, p.kind, p.resource) for p in posts.made] == [
        (key, NOTICE_PUBLICATION, "channel:announcements")
    ]
    assert await services.calendar.statuses() == {
        key: "done",
        KEY.format("registration", "closes"): "pending",
    }
    assert await scheduler.run_due() == [], "nothing else is due yet"


async def test_the_template_variables_name_the_phase_and_the_event_per_language(
    services: Services, clock: FrozenClock
):
    await add_subscribers(services)
    scheduler, _posts = wire(services)
    clock.set(REGISTRATION_END)
    await scheduler.schedule(
        NOTICE_JOB,
        KEY.format("registration", "closes"),
        REGISTRATION_END,
        {"phase": "registration", "what": "closes"},
    )
    assert await scheduler.run_due() == ["done"]
    async with services.db.read() as conn:
        variables = [
            (r.language, dict(r.variables))
            for r in await conn.execute(select(outbox.c.language, outbox.c.variables))
        ]
    assert variables == [
        (
            "en",
            {
                "phase": "Registration",
                "event": "has closed",
                "time": "2026-12-31 23:59 Asia/Shanghai",
            },
        ),
        ("zh_CN", {"phase": "报名", "event": "已结束", "time": "2026-12-31 23:59 Asia/Shanghai"}),
    ]
    assert await services.calendar.statuses() == {
        KEY.format("registration", "closes"): "done",
        KEY.format("checkin", "opens"): "pending",
    }


async def test_a_notice_interrupted_by_a_crash_is_finished_once_by_the_next_process(
    services: Services, clock: FrozenClock, competition: CompetitionConfig
):
    await add_subscribers(services)
    _scheduler, _posts = wire(services)
    await services.calendar.ensure_job()
    clock.set(REGISTRATION_DEADLINE + dt.timedelta(minutes=1))
    key = KEY.format("registration", "deadline")
    # The first process claims the job and queues the WhatsApp messages, then dies before
    # it posts on Discord and records the job as done.
    async with services.db.write() as conn:
        row = await job_queries.get_by_key(conn, key)
        assert row is not None
        assert await job_queries.claim(conn, row.id, now=clock.now())
    first = await services.calendar.run_notice(
        Job.of(row),
        functools.partial(wording, fake_bot(competition)),
    )
    assert len(first.publications) == 1
    assert len(await whatsapp_rows(services)) == 2

    # The next process: its own services and scheduler on the same database.
    clock.set(REGISTRATION_DEADLINE + dt.timedelta(minutes=5))
    restarted = build_services(
        db=services.db, clock=clock, competition=competition, guild_id=GUILD_ID
    )
    scheduler, posts = wire(restarted)
    await restarted.calendar.ensure_job()
    report = await scheduler.start()
    await scheduler.shutdown()
    assert report.fired_late == [row.id]
    assert len(await whatsapp_rows(restarted)) == 2, "each subscriber still gets it once"
    assert [p.key for p in posts.made] == [key], "the post keeps its journal key"
    assert await restarted.calendar.statuses() == {
        key: "done",
        KEY.format("registration", "closes"): "pending",
    }

    # A third start changes nothing.
    third = build_services(db=services.db, clock=clock, competition=competition, guild_id=GUILD_ID)
    scheduler3, posts3 = wire(third)
    await third.calendar.ensure_job()
    report3 = await scheduler3.start()
    await scheduler3.shutdown()
    assert report3.fired_late == []
    assert posts3.made == []
    assert len(await whatsapp_rows(third)) == 2


async def test_a_notice_missed_beyond_the_grace_period_is_marked_missed_and_the_chain_goes_on(
    services: Services, clock: FrozenClock, competition: CompetitionConfig
):
    await add_subscribers(services)
    await services.calendar.ensure_job()
    # The bot was down from before the deadline notice until two hours after it.
    clock.set(REGISTRATION_DEADLINE + dt.timedelta(hours=2))
    restarted = build_services(
        db=services.db, clock=clock, competition=competition, guild_id=GUILD_ID
    )
    scheduler, posts = wire(restarted)
    told: list[list[str]] = []

    async def tell(missed: list[Job]) -> None:
        told.append([job.key for job in missed])

    scheduler.on_missed(tell)
    nxt = await restarted.calendar.ensure_job()
    await scheduler.start()
    await scheduler.shutdown()
    assert told == [[KEY.format("registration", "deadline")]], "organizers are told"
    assert nxt == KEY.format("registration", "closes")
    assert await restarted.calendar.statuses() == {
        KEY.format("registration", "deadline"): "missed",
        KEY.format("registration", "closes"): "pending",
    }
    assert await whatsapp_rows(restarted) == []
    assert posts.made == []


async def test_a_late_notice_within_the_grace_period_still_goes_out(
    services: Services, clock: FrozenClock, competition: CompetitionConfig
):
    await services.calendar.ensure_job()
    clock.set(REGISTRATION_DEADLINE + competition.reminders.grace_period - dt.timedelta(minutes=1))
    restarted = build_services(
        db=services.db, clock=clock, competition=competition, guild_id=GUILD_ID
    )
    scheduler, posts = wire(restarted)
    await restarted.calendar.ensure_job()
    report = await scheduler.start()
    await scheduler.shutdown()
    assert len(report.fired_late) == 1
    assert report.missed == []
    assert [p.key for p in posts.made] == [KEY.format("registration", "deadline")]


async def test_at_start_pending_notices_follow_the_config_and_removed_phases_are_withdrawn(
    services: Services, clock: FrozenClock, competition: CompetitionConfig
):
    await services.calendar.ensure_job()
    stale = KEY.format("gone", "opens")
    await services.scheduler.schedule(
        NOTICE_JOB, stale, REGISTRATION_END, {"phase": "gone", "what": "opens"}
    )
    # The organizers move the end of registration a week later and restart.
    registration = competition.calendar.phases[0]
    later = registration.model_copy(update={"end": REGISTRATION_END + dt.timedelta(days=3)})
    checkin = competition.calendar.phases[1]
    moved = competition.model_copy(
        update={
            "calendar": competition.calendar.model_copy(
                update={"phases": (later, *competition.calendar.phases[1:])}
            )
        }
    )
    assert later.end < checkin.start
    restarted = build_services(db=services.db, clock=clock, competition=moved, guild_id=GUILD_ID)
    await restarted.calendar.ensure_job()
    async with services.db.read() as conn:
        deadline = await job_queries.get_by_key(conn, KEY.format("registration", "deadline"))
        gone = await job_queries.get_by_key(conn, stale)
    assert deadline is not None
    assert deadline.status == "pending"
    assert deadline.run_at == REGISTRATION_DEADLINE + dt.timedelta(days=3)
    assert gone is not None
    assert gone.status == "cancelled"


async def test_an_opening_notice_of_a_phase_already_over_is_not_sent(
    services: Services, clock: FrozenClock
):
    scheduler, posts = wire(services)
    await scheduler.schedule(
        NOTICE_JOB,
        KEY.format("final", "opens"),
        dt.datetime(2027, 3, 27, 6, 0, tzinfo=UTC),
        {"phase": "final", "what": "opens"},
    )
    clock.set(dt.datetime(2027, 3, 27, 10, 5, tzinfo=UTC))  # the final ended at 10:00 UTC
    assert await scheduler.run_due() == ["done"]
    assert posts.made == []
    assert await whatsapp_rows(services) == []
    statuses = await services.calendar.statuses()
    assert statuses[KEY.format("final", "closes")] == "pending", "the chain goes on"


def test_the_discord_post_says_what_happens_and_what_comes_next(services: Services):
    bot = fake_bot(services.competition)
    registration = services.competition.calendar.phase("registration")
    checkin = services.competition.calendar.phase("checkin")
    assert registration is not None
    assert checkin is not None
    closes = PhaseNotice("k", "closes", registration, checkin)
    end, start = int(REGISTRATION_END.timestamp()), int(CHECKIN_START.timestamp())
    assert notice_text(bot, "en", closes) == (
        "🏁 **Registration** has closed.\n"
        f"Next: **Check-in** opens <t:{start}:R>, at <t:{start}:F>."
    )
    opens = PhaseNotice("k", "opens", registration, None)
    assert notice_text(bot, "zh_CN", opens) == (
        f"📅 **报名** 现已开始，持续到 <t:{end}:F>（<t:{end}:R>）。\n"
        "使用 /team create 或 /team join 创建或加入队伍。"
    )
