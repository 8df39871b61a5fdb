import datetime as dt

import pytest
from sqlalchemy import insert, select

from bot.services.registry import Services
from storage.schema import members, outbox, subscribers, team_members, teams


async def add_subscriber(services: Services, user_id: int, language: str = "en", **extra) -> int:
    now = services.clock.now()
    async with services.db.write() as conn:
        result = await conn.execute(
            insert(subscribers)
            .values(
                user_id=user_id,
                phone_e164=f"+8613800{(user_id or 0):06d}" if user_id else "+8613999999999",
                language=language,
                consent_at=now,
                consent_source="test",
                consent_text="I agree",
                created_at=now,
                **extra,
            )
            .returning(subscribers.c.id)
        )
        return int(result.scalar_one())


async def add_member(services: Services, user_id: int, cohort: str | None = None) -> None:
    now = services.clock.now()
    async with services.db.write() as conn:
        await conn.execute(
            insert(members).values(
                user_id=user_id,
                display_name=f"m{user_id}",
                cohort_key=cohort,
                first_seen_at=now,
                last_seen_at=now,
            )
        )


async def add_team(services: Services, name: str, track: str, user_ids: list[int]) -> None:
    now = services.clock.now()
    season = services.competition.competition.season
    async with services.db.write() as conn:
        team_id = (
            await conn.execute(
                insert(teams)
                .values(
                    season=season,
                    name=name,
                    name_key=name.lower(),
                    track=track,
                    captain_id=user_ids[0],
                    invite_code=f"CODE{name}",
                    created_at=now,
                )
                .returning(teams.c.id)
            )
        ).scalar_one()
        for user_id in user_ids:
            await conn.execute(
                insert(team_members).values(
                    team_id=team_id, user_id=user_id, season=season, joined_at=now
                )
            )


async def queued(services: Services) -> list[tuple[int, str, str]]:
    async with services.db.read() as conn:
        rows = await conn.execute(
            select(outbox.c.subscriber_id, outbox.c.language, outbox.c.body).order_by(outbox.c.id)
        )
        return [tuple(r) for r in rows]


TEXTS = {"en": "Week 48 board is up", "zh_CN": "第48周排行榜已发布"}


async def test_enqueue_reaches_every_subscriber_once_in_their_language(services: Services):
    english = await add_subscriber(services, 1, "en")
    chinese = await add_subscriber(services, 2, "zh_CN")
    added = await services.outbox.enqueue(
        occurrence_key="lb:2026-W48", kind="leaderboard", texts=TEXTS
    )
    assert added == 2
    assert sorted(await queued(services)) == [
        (english, "en", TEXTS["en"]),
        (chinese, "zh_CN", TEXTS["zh_CN"]),
    ]


async def test_enqueueing_the_same_occurrence_twice_queues_nothing_new(services: Services):
    await add_subscriber(services, 1)
    assert await services.outbox.enqueue(occurrence_key="k", kind="broadcast", texts=TEXTS) == 1
    assert await services.outbox.enqueue(occurrence_key="k", kind="broadcast", texts=TEXTS) == 0
    assert len(await queued(services)) == 1


async def test_opted_out_and_erased_subscribers_are_never_queued(services: Services):
    await add_subscriber(services, 1, opted_out_at=services.clock.now() - dt.timedelta(days=1))
    await add_subscriber(services, None)  # type: ignore[arg-type]  # erased member
    assert await services.outbox.enqueue(occurrence_key="k", kind="broadcast", texts=TEXTS) == 0


async def test_a_language_without_text_falls_back_to_english(services: Services):
    sid = await add_subscriber(services, 1, "zh_CN")
    await services.outbox.enqueue(occurrence_key="k", kind="broadcast", texts={"en": "Hi"})
    assert await queued(services) == [(sid, "en", "Hi")]


async def test_cohort_and_track_audiences_pick_only_their_members(services: Services):
    for user_id, cohort in ((1, "rookie"), (2, "elite"), (3, "rookie")):
        await add_member(services, user_id, cohort)
        await add_subscriber(services, user_id)
    await add_team(services, "Alpha", "student", [1, 2])
    await add_team(services, "Beta", "professional", [3])
    await services.outbox.enqueue(
        occurrence_key="c", kind="broadcast", texts=TEXTS, cohort="rookie"
    )
    await services.outbox.enqueue(
        occurrence_key="t", kind="broadcast", texts=TEXTS, track="student"
    )
    async with services.db.read() as conn:
        rows = await conn.execute(
            select(outbox.c.occurrence_key, subscribers.c.user_id)
            .join(subscribers, subscribers.c.id == outbox.c.subscriber_id)
            .order_by(outbox.c.occurrence_key, subscribers.c.user_id)
        )
        got = [tuple(r) for r in rows]
    assert got == [("c", 1), ("c", 3), ("t", 1), ("t", 2)]


async def test_an_english_text_is_required(services: Services):
    with pytest.raises(ValueError, match="English"):
        await services.outbox.enqueue(occurrence_key="k", kind="broadcast", texts={"zh_CN": "x"})
