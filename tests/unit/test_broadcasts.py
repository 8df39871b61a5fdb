"""Broadcast scheduling, occurrences, cancel and status (SPEC §3.6)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import insert, select

from bot.clock import FrozenClock
from bot.errors import InvalidInput
from bot.services.broadcasts import (
    BroadcastNotFound,
    BroadcastNotScheduled,
    WhenInPast,
    occurrence_key,
)
from bot.services.outbox import whatsapp_counts
from bot.services.registry import Services
from storage.schema import audit_log, members, outbox, scheduled_jobs, subscribers

ORGANIZER = 42


async def add_people(services: Services) -> None:
    now = services.clock.now()
    async with services.db.write() as conn:
        for user_id, cohort in ((1, "rookie"), (2, "elite"), (3, "rookie")):
            await conn.execute(
                insert(members).values(
                    user_id=user_id,
                    display_name=f"m{user_id}",
                    cohort_key=cohort,
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
                    opted_out_at=now if user_id == 3 else None,
                )
            )


async def jobs(services: Services) -> list[tuple[str, str]]:
    async with services.db.read() as conn:
        rows = await conn.execute(
            select(scheduled_jobs.c.key, scheduled_jobs.c.status).order_by(scheduled_jobs.c.id)
        )
        return [tuple(r) for r in rows]


async def test_schedule_reads_local_time_and_creates_one_job_per_occurrence(services: Services):
    info = await services.broadcasts.schedule(
        actor_id=ORGANIZER,
        message="Kick-off call tonight",
        when="2026-11-26 20:00",
        audience="all",
        channels="both",
    )
    assert info.next_run_at == dt.datetime(2026, 11, 26, 12, 0, tzinfo=dt.UTC)  # Shanghai
    assert await jobs(services) == [(f"broadcast:{info.id}:2026-11-26T12:00:00+00:00", "pending")]
    async with services.db.read() as conn:
        audit = (await conn.execute(select(audit_log.c.action, audit_log.c.actor_id))).all()
    assert [tuple(a) for a in audit] == [("broadcast.schedule", ORGANIZER)]


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"audience": "everyone"}, InvalidInput),
        ({"audience": "cohort:nope"}, InvalidInput),
        ({"channels": "sms"}, InvalidInput),
        ({"repeat": "every monday"}, InvalidInput),
        ({"template": "HX123"}, InvalidInput),
        ({"when": "tomorrow-ish"}, InvalidInput),
        ({"when": "2026-11-01 09:00"}, WhenInPast),
        ({"message": "   "}, InvalidInput),
    ],
)
async def test_bad_input_is_refused_and_nothing_is_written(services: Services, kwargs, error):
    values = {
        "message": "hello",
        "when": "2026-12-01 09:00",
        "audience": "all",
        "channels": "both",
    } | kwargs
    with pytest.raises(error):
        await services.broadcasts.schedule(actor_id=ORGANIZER, **values)
    assert await services.broadcasts.list_scheduled() == []
    assert await jobs(services) == []


async def test_an_occurrence_queues_its_audience_once_and_moves_a_cron_repeat_on(
    services: Services, clock: FrozenClock
):
    await add_people(services)
    info = await services.broadcasts.schedule(
        actor_id=ORGANIZER,
        message="Weekly clinic",
        when="2026-11-30 09:00",
        audience="cohort:rookie",
        channels="both",
        repeat="0 9 * * 1",
    )
    first = dt.datetime(2026, 11, 30, 1, 0, tzinfo=dt.UTC)  # Monday 09:00 in Shanghai
    assert info.next_run_at == first
    key = occurrence_key(info.id, first)
    clock.set(first)

    occurrence = await services.broadcasts.fire(info.id, key)
    again = await services.broadcasts.fire(info.id, key)

    assert occurrence is not None
    assert again is not None
    assert occurrence.whatsapp_queued == 1  # rookie 1; rookie 3 opted out; elite 2 not in it
    assert again.whatsapp_queued == 0
    assert occurrence.discord_targets == ("channel:cohort:rookie:0",)
    assert occurrence.next_run_at == first + dt.timedelta(days=7)
    async with services.db.read() as conn:
        rows = (await conn.execute(select(outbox.c.occurrence_key, outbox.c.variables))).all()
    assert [(r.occurrence_key, r.variables) for r in rows] == [(key, {"message": "Weekly clinic"})]
    (listed,) = await services.broadcasts.list_scheduled()
    assert listed.next_run_at == first + dt.timedelta(days=7)


async def test_cancel_withdraws_the_next_occurrence_and_is_audited(services: Services):
    info = await services.broadcasts.schedule(
        actor_id=ORGANIZER, message="x", when="2026-12-01 09:00", audience="all", channels="discord"
    )
    await services.broadcasts.cancel(actor_id=ORGANIZER, broadcast_id=info.id)
    assert [status for _, status in await jobs(services)] == ["cancelled"]
    assert info.next_run_at is not None
    key = occurrence_key(info.id, info.next_run_at)
    assert await services.broadcasts.fire(info.id, key) is None
    with pytest.raises(BroadcastNotScheduled):
        await services.broadcasts.cancel(actor_id=ORGANIZER, broadcast_id=info.id)
    with pytest.raises(BroadcastNotFound):
        await services.broadcasts.cancel(actor_id=ORGANIZER, broadcast_id=999)


async def test_status_folds_outbox_states_into_the_counts_organizers_see(services: Services):
    counts = whatsapp_counts(
        {
            "queued": 1,
            "sending": 1,
            "accepted": 1,
            "sent": 2,
            "delivered": 3,
            "read": 4,
            "failed": 1,
            "undelivered": 1,
            "cancelled": 2,
        }
    )
    assert counts == {"queued": 3, "sent": 2, "delivered": 3, "read": 4, "failed": 2, "skipped": 2}
    with pytest.raises(BroadcastNotFound):
        await services.broadcasts.status(5)


async def test_next_for_member_finds_the_next_whatsapp_broadcast_of_their_audience(
    services: Services,
):
    await add_people(services)
    await services.broadcasts.schedule(
        actor_id=ORGANIZER,
        message="elite only",
        when="2026-11-27 09:00",
        audience="cohort:elite",
        channels="both",
    )
    await services.broadcasts.schedule(
        actor_id=ORGANIZER,
        message="discord only",
        when="2026-11-27 10:00",
        audience="all",
        channels="discord",
    )
    await services.broadcasts.schedule(
        actor_id=ORGANIZER,
        message="for rookies",
        when="2026-11-28 09:00",
        audience="cohort:rookie",
        channels="whatsapp",
    )
    found = await services.broadcasts.next_for_member(1, services.clock.now())
    assert found == (dt.datetime(2026, 11, 28, 1, 0, tzinfo=dt.UTC), "for rookies")


@pytest.mark.parametrize(
    ("cron", "apscheduler"),
    [
        ("0 9 * * 1", "0 9 * * mon"),
        ("30 8 * * 0,7", "30 8 * * sun,sun"),
        ("0 9 * * 1-5", "0 9 * * mon-fri"),
        ("0 9 * * */2", "0 9 * * */2"),
        ("0 9 1 * *", "0 9 1 * *"),
    ],
)
def test_standard_cron_days_of_week_mean_what_cron_users_expect(cron, apscheduler):
    from bot.services.broadcasts import standard_cron

    assert standard_cron(cron) == apscheduler
