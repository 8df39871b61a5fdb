"""Dashboard read models (bot/services/dashboard.py) on the real database."""

import datetime as dt

from bot.services.audit import mask_phones
from bot.services.dashboard import funnel_from


def test_the_funnel_is_cumulative_and_keeps_failed_and_skipped_apart():
    funnel = funnel_from(
        {
            "queued": 2,
            "sending": 1,
            "accepted": 1,
            "sent": 3,
            "delivered": 4,
            "read": 5,
            "failed": 2,
            "undelivered": 1,
            "cancelled": 6,
        }
    )
    assert funnel.stages == (("queued", 16), ("sent", 12), ("delivered", 9), ("read", 5))
    assert (funnel.failed, funnel.skipped) == (3, 6)
    assert funnel.total == 25


def test_phone_numbers_are_masked_wherever_they_appear():
    text = mask_phones("linked +8613800001234 and whatsapp:+12025550142; id 123456789012")
    assert "13800001234" not in text
    assert "2025550142" not in text
    assert "+86 •••••••1234" in text
    assert "0142" in text
    assert "123456789012" in text  # not a phone number (no +)


async def test_overview_reads_actives_per_cohort_nps_and_the_broadcast_funnel(services, clock):
    for user_id, cohort in ((11, "rookie"), (12, "rookie"), (13, "elite")):
        await services.members.seen(user_id=user_id, display_name=f"m{user_id}", locale="en")
        await services.cohorts.assign(
            actor_id=1, user_id=user_id, display_name=f"m{user_id}", cohort=cohort
        )
    clock.advance(dt.timedelta(days=-1))
    services.activity.record(11, "message")
    await services.activity.flush()
    clock.advance(dt.timedelta(days=1))
    for user_id in (11, 12, 13):
        services.activity.record(user_id, "interaction")
    await services.activity.flush()
    survey = await services.surveys.create(actor_id=1, question="Recommend us?", channel_id=None)
    for user_id, score in ((11, 10), (12, 8), (13, 3), (14, 9)):
        await services.surveys.answer(survey_id=survey.id, user_id=user_id, score=score)

    overview = await services.dashboard.overview()

    daily = {s.name: dict(s.points) for s in overview.daily}
    today = clock.now().astimezone(services.competition.competition.tz).date()
    assert daily["rookie"][today.isoformat()] == 2
    assert daily["rookie"][(today - dt.timedelta(days=1)).isoformat()] == 1
    assert daily["elite"][today.isoformat()] == 1
    assert all(len(s.points) == 14 for s in overview.daily)
    weekly = {s.name: dict(s.points) for s in overview.weekly}
    assert sum(weekly["rookie"].values()) >= 2
    assert overview.nps is not None
    assert (overview.nps.promoters, overview.nps.passives, overview.nps.detractors) == (2, 1, 1)
    assert overview.nps.score == 25
    assert overview.nps.question == "Recommend us?"
    assert overview.funnel.total == 0
    assert [b.track for b in overview.boards] == ["student", "professional"]


async def test_overview_without_any_data_has_empty_sections(services):
    overview = await services.dashboard.overview()
    assert overview.daily == () or all(all(v == 0 for _, v in s.points) for s in overview.daily)
    assert overview.nps is None
    assert overview.flagged == ()
    assert overview.totals["teams"] == 0


async def test_public_boards_follow_the_points_service_ranking(services):
    for index, name in enumerate(("Alpha", "Beta", "Gamma")):
        await services.teams.create(user_id=100 + index, name=name, track="student")
    await services.points.award(actor_id=1, team="Alpha", amount=30, reason="x")
    await services.points.award(actor_id=1, team="Beta", amount=30, reason="x")
    await services.points.award(actor_id=1, team="Gamma", amount=10, reason="x")
    front = await services.dashboard.public_front()
    student = front.boards[0]
    assert [(r.rank, r.name) for r in student.rows] == [(1, "Alpha"), (1, "Beta"), (3, "Gamma")]
    assert front.week_key == services.points.current_week().key
