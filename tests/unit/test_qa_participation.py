"""Q&A participation: RSVPs, questions and upvotes, the host's queue, check-in and the
next session a member sees."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from bot.bootstrap import build_services
from bot.clock import FrozenClock
from bot.config import CompetitionConfig
from bot.services import qa
from bot.services.qa import (
    AlreadyCheckedIn,
    CheckInClosed,
    NotHost,
    OpenQuestionExists,
    OwnQuestion,
    QuestionAnswered,
    QuestionLength,
    SessionStarted,
)
from bot.services.registry import Services
from storage.engine import Database
from storage.schema import points_ledger, qa_questions
from tests.conftest import GUILD_ID
from tests.points_support import add_team
from tests.unit.test_qa import (
    ELITE,
    HOST,
    LONER,
    ORGANIZER,
    ROOKIE,
    START,
    add_people,
    schedule,
)


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
