"""Capacity (issue 18): caps per track, the waitlist, offers of freed places (accept,
decline, lapse) and check-in, on the real database and the real service graph."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest
from sqlalchemy import select

from bot.bootstrap import build_services
from bot.clock import FrozenClock
from bot.config import CompetitionConfig, load_competition
from bot.config.sections import CapacitySection
from bot.services.capacity import (
    OFFER_PUBLICATION,
    AlreadyCheckedIn,
    CheckinClosed,
    CheckinNeedsPlace,
    CheckinNotOpen,
    NoPlaceToWithdraw,
    OfferExpired,
    OfferNotice,
    OfferNotOpen,
)
from bot.services.registry import Services
from bot.services.teams import NotCaptain
from storage.engine import Database
from storage.schema import outbox
from tests.config_support import competition_problems, example_with, write
from tests.conftest import GUILD_ID, T0
from tests.unit.test_outbox import add_subscriber

CAP = 3
OPENS = T0 + dt.timedelta(days=2)
CLOSES = T0 + dt.timedelta(days=5)


def capped(competition: CompetitionConfig) -> CompetitionConfig:
    tracks = tuple(
        t.model_copy(update={"cap": CAP}) if t.key == "student" else t for t in competition.tracks
    )
    window = CapacitySection(
        offer_window=dt.timedelta(hours=48), checkin_opens=OPENS, checkin_closes=CLOSES
    )
    return competition.model_copy(update={"tracks": tracks, "capacity": window})


@pytest.fixture
def cap_services(db: Database, clock: FrozenClock, competition: CompetitionConfig) -> Services:
    return build_services(db=db, clock=clock, competition=capped(competition), guild_id=GUILD_ID)


def wording(notice: OfferNotice):
    text = f"offer {notice.team_name}"
    return {"en": text}, {"en": {"message": text}}


async def register(services: Services, count: int, start: int = 1, track: str = "student"):
    teams = []
    for number in range(start, start + count):
        teams.append(
            await services.teams.create(user_id=100 + number, name=f"Team {number}", track=track)
        )
        services.clock.advance(dt.timedelta(minutes=1))  # type: ignore[attr-defined]
    return teams


async def statuses(services: Services, teams) -> list[str | None]:
    found = [await services.capacity.standing(t.id) for t in teams]
    return [standing.status if standing else None for standing in found]


class Collected:
    """The publisher the scheduler hands the jobs' posts to (here: a list)."""

    def __init__(self) -> None:
        self.posts: list = []

    async def publish(self, publications) -> list[str]:
        self.posts += publications
        return ["posted"] * len(publications)


async def deliver(services: Services) -> list:
    """Fire the due jobs through the scheduler; returns the posts they made."""
    sink = Collected()
    scheduler = services.scheduler
    scheduler.set_publisher(sink)
    for kind, handler in (
        ("capacity.offer_notice", lambda job: services.capacity.run_offer_notice(job, wording)),
        ("capacity.offer_lapse", services.capacity.run_lapse),
    ):
        scheduler.unregister(kind)
        scheduler.register(kind, handler)
    assert "failed" not in await scheduler.run_due()
    return sink.posts


async def test_teams_past_the_cap_are_waitlisted_in_order_of_registration(cap_services):
    teams = await register(cap_services, 5)
    assert await statuses(cap_services, teams) == [
        "placed",
        "placed",
        "placed",
        "waitlisted",
        "waitlisted",
    ]
    assert (await cap_services.capacity.standing(teams[3].id)).position == 1
    assert (await cap_services.capacity.standing(teams[4].id)).position == 2


async def test_a_track_without_a_cap_places_every_team(cap_services):
    teams = await register(cap_services, 5, track="professional")
    assert await statuses(cap_services, teams) == ["placed"] * 5


async def test_a_disbanded_team_frees_its_place_for_the_first_waitlisted_team(cap_services):
    teams = await register(cap_services, 5)
    await cap_services.teams.disband(actor_id=101)
    first = await cap_services.capacity.standing(teams[3].id)
    second = await cap_services.capacity.standing(teams[4].id)
    deadline = cap_services.clock.now() + dt.timedelta(hours=48)
    assert first.status == "offered"
    assert first.offer_expires_at == deadline
    assert second.status == "waitlisted"
    assert second.position == 1
    posts = await deliver(cap_services)
    assert [p.kind for p in posts] == [OFFER_PUBLICATION]
    assert posts[0].user_id == 104
    assert posts[0].data.team_name == "Team 4"


async def test_accepting_takes_the_place_and_counts_as_check_in(cap_services):
    teams = await register(cap_services, 4)
    await cap_services.capacity.withdraw(captain_id=102)
    offer = (await cap_services.capacity.standing(teams[3].id)).offer_id
    with pytest.raises(NotCaptain):
        await cap_services.capacity.accept(offer_id=offer, user_id=101)
    await cap_services.capacity.accept(offer_id=offer, user_id=104)
    standing = await cap_services.capacity.standing(teams[3].id)
    assert standing.status == "placed"
    assert standing.checked_in_at is not None
    with pytest.raises(OfferNotOpen):
        await cap_services.capacity.accept(offer_id=offer, user_id=104)
    status = await cap_services.capacity.status()
    student = next(t for t in status.tracks if t.track == "student")
    assert (student.placed, student.offered, student.waitlisted) == (3, 0, 0)


async def test_declining_moves_the_offer_to_the_next_team(cap_services):
    teams = await register(cap_services, 5)
    await cap_services.capacity.withdraw(captain_id=101)
    offer = (await cap_services.capacity.standing(teams[3].id)).offer_id
    await cap_services.capacity.decline(offer_id=offer, user_id=104)
    assert await statuses(cap_services, teams[3:]) == ["released", "offered"]


async def test_an_offer_lapsing_moves_on_to_the_next_team_and_tells_the_captain(cap_services):
    teams = await register(cap_services, 5)
    await cap_services.capacity.withdraw(captain_id=101)
    await deliver(cap_services)
    cap_services.clock.advance(dt.timedelta(hours=48))
    posts = await deliver(cap_services)
    assert await statuses(cap_services, teams[3:]) == ["released", "offered"]
    kinds = sorted((p.kind, p.user_id) for p in posts)
    assert ("capacity.notice", 104) in kinds  # told it lapsed
    # the next team's offer is delivered on the next tick
    assert [p.user_id for p in await deliver(cap_services)] == [105]


async def test_accepting_after_the_deadline_is_refused_and_lapses_the_offer(cap_services):
    teams = await register(cap_services, 5)
    await cap_services.capacity.withdraw(captain_id=101)
    offer = (await cap_services.capacity.standing(teams[3].id)).offer_id
    cap_services.clock.advance(dt.timedelta(hours=49))
    with pytest.raises(OfferExpired):
        await cap_services.capacity.accept(offer_id=offer, user_id=104)
    assert await statuses(cap_services, teams[3:]) == ["released", "offered"]
    assert await cap_services.capacity.lapse(offer) == ()  # the lapse job finds nothing


async def test_two_places_freeing_at_once_make_exactly_two_offers(cap_services):
    teams = await register(cap_services, 6)
    await asyncio.gather(
        cap_services.capacity.withdraw(captain_id=101),
        cap_services.capacity.withdraw(captain_id=102),
        cap_services.capacity.release(teams[2].id, reason="withdrawn", actor_id=None),
        cap_services.capacity.release(teams[2].id, reason="withdrawn", actor_id=None),
    )
    assert await statuses(cap_services, teams[3:]) == ["offered", "offered", "offered"]
    status = await cap_services.capacity.status()
    student = next(t for t in status.tracks if t.track == "student")
    assert student.taken == CAP


async def test_an_accept_racing_the_lapse_job_has_exactly_one_winner(cap_services):
    teams = await register(cap_services, 5)
    await cap_services.capacity.withdraw(captain_id=101)
    offer = (await cap_services.capacity.standing(teams[3].id)).offer_id
    cap_services.clock.advance(dt.timedelta(hours=48))
    outcomes = await asyncio.gather(
        cap_services.capacity.accept(offer_id=offer, user_id=104),
        cap_services.capacity.lapse(offer),
        return_exceptions=True,
    )
    accepted, lapsed = outcomes
    assert (isinstance(accepted, OfferExpired) and lapsed == ()) or (
        isinstance(accepted, OfferNotOpen) and isinstance(lapsed, tuple) and len(lapsed) == 1
    )
    actions = [row.action for row in await cap_services.audit.recent(limit=50)]
    assert actions.count("capacity.lapsed") == 1
    async with cap_services.db.read() as conn:
        from storage.queries import capacity as q

        row = await q.get_offer(conn, offer)
    assert row is not None
    assert row.status == "lapsed"
    assert await statuses(cap_services, teams[3:]) == ["released", "offered"]


async def test_offer_delivery_queues_whatsapp_once_for_the_teams_linked_members(cap_services):
    teams = await register(cap_services, 4)
    await add_subscriber(cap_services, 104)
    await add_subscriber(cap_services, 101)  # in another team: not told
    await cap_services.capacity.withdraw(captain_id=102)
    offer = (await cap_services.capacity.standing(teams[3].id)).offer_id
    await cap_services.capacity.offer_delivery(offer, wording)
    await cap_services.capacity.offer_delivery(offer, wording)
    async with cap_services.db.read() as conn:
        rows = (await conn.execute(select(outbox.c.occurrence_key, outbox.c.body))).all()
    assert rows == [(f"capacity:offer:{offer}", "offer Team 4")]


async def test_withdraw_is_for_captains_of_teams_holding_something(cap_services):
    await register(cap_services, 1)
    await cap_services.teams.join(
        user_id=200, code=(await cap_services.teams.team_of(101)).invite_code
    )
    with pytest.raises(NotCaptain):
        await cap_services.capacity.withdraw(captain_id=200)
    await cap_services.capacity.withdraw(captain_id=101)
    with pytest.raises(NoPlaceToWithdraw):
        await cap_services.capacity.withdraw(captain_id=101)


async def test_check_in_only_in_the_window_and_only_for_placed_teams(cap_services):
    teams = await register(cap_services, 4)
    with pytest.raises(CheckinNotOpen):
        await cap_services.capacity.checkin(user_id=101)
    cap_services.clock.set(OPENS)
    await cap_services.capacity.checkin(user_id=101)
    with pytest.raises(AlreadyCheckedIn):
        await cap_services.capacity.checkin(user_id=101)
    with pytest.raises(CheckinNeedsPlace):
        await cap_services.capacity.checkin(user_id=104)
    cap_services.clock.set(CLOSES)
    with pytest.raises(CheckinClosed):
        await cap_services.capacity.checkin(user_id=102)
    assert (await cap_services.capacity.standing(teams[0].id)).checked_in_at == OPENS


async def test_check_in_close_releases_unconfirmed_teams_and_promotes_the_waitlist(cap_services):
    teams = await register(cap_services, 5)
    cap_services.clock.set(OPENS)
    open_posts = (await cap_services.capacity.run_checkin_open(None)).publications
    assert sorted(p.user_id for p in open_posts) == [101, 102, 103]
    await cap_services.capacity.checkin(user_id=101)
    await cap_services.capacity.checkin(user_id=103)
    cap_services.clock.set(CLOSES - dt.timedelta(hours=24))
    reminded = (await cap_services.capacity.run_checkin_remind(None)).publications
    assert [p.user_id for p in reminded] == [102]
    cap_services.clock.set(CLOSES)
    told = await cap_services.capacity.close_checkin()
    assert [(p.user_id, p.data.what) for p in told] == [(102, "no_checkin")]
    assert await statuses(cap_services, teams) == [
        "placed",
        "released",
        "placed",
        "offered",
        "waitlisted",
    ]
    assert await cap_services.capacity.close_checkin() == ()  # once


async def test_catch_up_enrols_missing_teams_lapses_overdue_offers_and_redelivers(
    cap_services,
):
    teams = await register(cap_services, 5)
    cap_services.teams.listeners.clear()  # a crash between the team's commit and ours
    late = await cap_services.teams.create(user_id=300, name="Late", track="student")
    await cap_services.teams.disband(actor_id=101)  # its place is not released either
    posts = await cap_services.capacity.catch_up(wording)
    assert (await cap_services.capacity.standing(late.id)).status == "waitlisted"
    assert await statuses(cap_services, teams) == [
        "released",
        "placed",
        "placed",
        "offered",
        "waitlisted",
    ]
    assert [p.user_id for p in posts if p.kind == OFFER_PUBLICATION] == [104]
    cap_services.clock.advance(dt.timedelta(days=3))
    await cap_services.capacity.catch_up(wording)
    assert await statuses(cap_services, teams[3:]) == ["released", "offered"]


# -- configuration and other ways a place frees up ----------------------------------------


def test_check_in_times_are_read_in_the_competition_timezone_and_caps_per_track(tmp_path):
    path = example_with(
        tmp_path,
        '# checkin_opens = "2026-12-20 09:00"',
        'checkin_opens = "2026-12-20 09:00"\ncheckin_closes = "2026-12-27 21:00"\n#',
    )
    text = path.read_text().replace("# cap = 100 ", "cap = 100 #", 1)
    config = load_competition(write(tmp_path, text))
    assert config.capacity.checkin_opens == dt.datetime(2026, 12, 20, 1, 0, tzinfo=dt.UTC)
    assert config.capacity.checkin_closes == dt.datetime(2026, 12, 27, 13, 0, tzinfo=dt.UTC)
    assert config.capacity.offer_window == dt.timedelta(hours=48)
    assert [t.cap for t in config.tracks] == [100, None]


def test_a_check_in_window_needs_both_ends_in_order(tmp_path):
    only_opens = example_with(
        tmp_path, '# checkin_opens = "2026-12-20 09:00"', 'checkin_opens = "2026-12-20 09:00"\n#'
    )
    assert any("checkin_closes" in p.problem for p in competition_problems(only_opens))
    backwards = example_with(
        tmp_path,
        '# checkin_opens = "2026-12-20 09:00"',
        'checkin_opens = "2026-12-20 09:00"\ncheckin_closes = "2026-12-19 09:00"\n#',
    )
    assert any("after checkin_opens" in p.problem for p in competition_problems(backwards))


async def test_the_last_member_leaving_or_being_erased_frees_the_place(cap_services):
    teams = await register(cap_services, 5)
    await cap_services.teams.leave(user_id=101)
    await cap_services.privacy.delete(102, actor_id=1)
    assert await statuses(cap_services, teams) == [
        "released",
        "released",
        "placed",
        "offered",
        "offered",
    ]


async def test_an_offered_team_that_disbands_passes_its_offer_on(cap_services):
    teams = await register(cap_services, 5)
    await cap_services.capacity.withdraw(captain_id=101)
    offer = (await cap_services.capacity.standing(teams[3].id)).offer_id
    await cap_services.teams.disband(actor_id=104)
    assert await statuses(cap_services, teams[3:]) == ["released", "offered"]
    with pytest.raises(OfferNotOpen):
        await cap_services.capacity.accept(offer_id=offer, user_id=104)


async def test_an_accept_racing_a_decline_of_the_same_offer_has_one_winner(cap_services):
    teams = await register(cap_services, 4)
    await cap_services.capacity.withdraw(captain_id=101)
    standing = await cap_services.capacity.standing(teams[3].id)
    assert standing is not None
    assert standing.offer_id is not None
    outcomes = await asyncio.gather(
        cap_services.capacity.accept(offer_id=standing.offer_id, user_id=104),
        cap_services.capacity.decline(offer_id=standing.offer_id, user_id=104),
        return_exceptions=True,
    )
    assert sum(isinstance(o, OfferNotOpen) for o in outcomes) == 1
    final = await cap_services.capacity.standing(teams[3].id)
    assert final is not None
    assert final.status == ("placed" if not isinstance(outcomes[0], Exception) else "released")


async def test_a_withdraw_confirmation_only_withdraws_the_team_it_was_asked_for(cap_services):
    first, second = await register(cap_services, 2)
    await cap_services.teams.leave(user_id=101)  # disbands the first team
    await cap_services.teams.join(user_id=101, code=second.invite_code)
    await cap_services.teams.transfer(captain_id=102, member_id=101)
    with pytest.raises(NotCaptain):
        await cap_services.capacity.withdraw(captain_id=101, team_id=first.id)
    assert await statuses(cap_services, [second]) == ["placed"]
