"""The team finder (issue 18): cards, browsing with filters, invites and their answers,
on the real database."""

from __future__ import annotations

import datetime as dt

import pytest
from pydantic import ValidationError

from bot.clock import FrozenClock
from bot.config.sections import LfgSection
from bot.services.lfg import (
    PAGE_SIZE,
    AlreadyInvited,
    CardGone,
    CardHasControl,
    Filters,
    HasTeam,
    InviteAnswered,
    InviteExpired,
    InviteVoid,
    LookingForLength,
    NoCard,
    SkillsLength,
    TagLength,
    TooManyInvites,
    TooManyLanguages,
    TrackMismatch,
    UnknownInvite,
    UnknownTimezone,
    parse_timezone,
)
from bot.services.registry import Services
from bot.services.teams import (
    AlreadyInTeam,
    NotCaptain,
    NotInTeam,
    RegistrationLocked,
    TeamFull,
    UnknownTrack,
)
from storage.queries import teams as team_queries
from tests.conftest import T0

CAPTAIN, AGENT, OTHER_AGENT, OTHER_CAPTAIN = 21, 22, 23, 24
ORGANIZER = 99


async def post(
    services: Services,
    user_id: int = AGENT,
    *,
    track: str = "student",
    skills: str = "Python, Design",
    languages: str = "English, 中文",
    timezone: str = "Asia/Shanghai",
    looking_for: str = "A team that ships every week.",
):
    return await services.lfg.publish(
        user_id=user_id,
        track=track,
        skills=skills,
        languages=languages,
        timezone=timezone,
        looking_for=looking_for,
    )


async def team(services: Services, captain: int = CAPTAIN, name: str = "Rocket Sellers"):
    return await services.teams.create(user_id=captain, name=name, track="student")


# -- cards ------------------------------------------------------------------------------


async def test_a_member_has_one_card_which_posting_again_replaces(services: Services):
    card, created = await post(services)
    assert created
    assert card.skills == "Python, Design"
    assert card.timezone == "Asia/Shanghai"
    assert card.utc_offset_minutes == 480
    again, created = await post(services, skills="Rust", timezone="utc-5")
    assert not created
    assert again.skills == "Rust"
    assert again.timezone == "UTC-05:00"
    page = await services.lfg.browse(Filters())
    assert [c.user_id for c in page.cards] == [AGENT]
    assert (await services.lfg.browse(Filters(skill="python"))).total == 0
    assert (await services.lfg.browse(Filters(skill="RUST"))).total == 1


async def test_a_member_in_a_team_cannot_post_a_card(services: Services):
    await team(services, captain=AGENT)
    with pytest.raises(HasTeam):
        await services.lfg.check_can_post(AGENT)
    with pytest.raises(HasTeam):
        await post(services)
    assert await services.lfg.card(AGENT) is None


@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        ("skills", "x" * 201, SkillsLength),
        ("skills", " , , ", SkillsLength),
        ("skills", "a" * 31, TagLength),
        ("languages", "en, fr, de, es, it, pt", TooManyLanguages),
        ("looking_for", "short", LookingForLength),
        ("looking_for", "A team\u200b that ships", CardHasControl),
        ("timezone", "Mars/Olympus", UnknownTimezone),
        ("timezone", "UTC+15", UnknownTimezone),
        ("track", "wizards", UnknownTrack),
    ],
)
async def test_bad_card_texts_are_refused_and_nothing_is_written(
    services: Services, field: str, value: str, error: type[Exception]
):
    with pytest.raises(error):
        await post(services, AGENT, **{field: value})
    assert await services.lfg.card(AGENT) is None


async def test_texts_are_kept_as_typed_and_duplicate_tags_count_once(services: Services):
    card, _ = await post(
        services, skills="Python, python ,  PYTHON, Go", looking_for="@everyone\n\n\n\nhi there"
    )
    assert card.skills == "Python, Go"
    assert card.looking_for == "@everyone\n\nhi there"
    assert await services.lfg.tag_choices("skill", "p") == ["python"]


def test_timezones_are_read_as_names_or_offsets():
    at = dt.datetime(2026, 7, 1, tzinfo=dt.UTC)
    assert parse_timezone("europe/berlin", at) == ("Europe/Berlin", 120)
    assert parse_timezone("UTC+5:30", at) == ("UTC+05:30", 330)
    assert parse_timezone("GMT-3", at) == ("UTC-03:00", -180)
    assert parse_timezone("utc", at) == ("UTC", 0)


async def test_removing_a_card_takes_it_down_and_a_second_remove_is_refused(services: Services):
    await post(services)
    await services.lfg.remove(user_id=AGENT)
    assert (await services.lfg.browse(Filters())).total == 0
    with pytest.raises(NoCard):
        await services.lfg.remove(user_id=AGENT)


@pytest.mark.parametrize("how", ["create", "join", "admin_move", "accept"])
async def test_a_card_disappears_when_its_owner_joins_a_team_any_way(services: Services, how: str):
    rockets = await team(services)
    await post(services)
    if how == "create":
        await services.teams.create(user_id=AGENT, name="Agents", track="student")
    elif how == "join":
        await services.teams.join(user_id=AGENT, code=rockets.invite_code)
    elif how == "admin_move":
        await services.teams.admin_move(actor_id=ORGANIZER, member_id=AGENT, team_id=rockets.id)
    else:
        invite = await services.lfg.invite(captain_id=CAPTAIN, member_id=AGENT)
        await services.lfg.accept(invite_id=invite.id, user_id=AGENT)
    assert await services.lfg.card(AGENT) is None
    assert (await services.lfg.browse(Filters())).total == 0
    assert await services.lfg.tag_choices("skill", "") == []


# -- browsing ---------------------------------------------------------------------------


async def test_cards_of_members_who_left_the_server_are_not_shown(services: Services):
    await services.members.seen(user_id=AGENT, display_name="Ada", locale="en")
    await post(services)
    assert (await services.lfg.browse(Filters())).total == 1
    await services.teams.member_left_server(user_id=AGENT)
    assert (await services.lfg.browse(Filters())).total == 0


def test_invite_lifetimes_outside_one_hour_to_thirty_days_are_refused():
    with pytest.raises(ValidationError, match="from 1h to 30d"):
        LfgSection.model_validate({"invite_ttl": "10m"})
    assert LfgSection.model_validate({"invite_ttl": "2d"}).invite_ttl == dt.timedelta(days=2)


async def test_filters_narrow_by_track_skill_language_and_timezone(services: Services):
    await post(services, AGENT, skills="Python", languages="English", timezone="Asia/Shanghai")
    await post(
        services,
        OTHER_AGENT,
        track="professional",
        skills="Go",
        languages="中文",
        timezone="Europe/London",
    )

    async def found(**filters: str) -> list[int]:
        page = await services.lfg.browse(Filters(**filters))
        return sorted(c.user_id for c in page.cards)

    assert await found() == [AGENT, OTHER_AGENT]
    assert await found(track="student") == [AGENT]
    assert await found(skill="go") == [OTHER_AGENT]
    assert await found(language="中文") == [OTHER_AGENT]
    assert await found(timezone="UTC+9") == [AGENT]  # within two hours of +8
    assert await found(timezone="UTC+11") == []
    assert await found(timezone="Europe/Lisbon") == [OTHER_AGENT]
    assert await found(track="student", skill="go") == []
    with pytest.raises(UnknownTimezone):
        await found(timezone="nowhere")


async def test_browsing_pages_through_the_cards_newest_first(
    services: Services, clock: FrozenClock
):
    agents = list(range(1000, 1000 + PAGE_SIZE * 2 + 1))
    for agent in agents:
        await post(services, agent)
        clock.advance(dt.timedelta(minutes=1))
    first = await services.lfg.browse(Filters())
    assert (first.total, first.pages, first.page) == (len(agents), 3, 0)
    assert [c.user_id for c in first.cards] == agents[::-1][:PAGE_SIZE]
    last = await services.lfg.browse(Filters(), page=99)
    assert last.page == 2
    assert [c.user_id for c in last.cards] == [agents[0]]


async def test_autocomplete_offers_the_tags_and_timezones_on_cards(services: Services):
    await post(services, AGENT, skills="Python, Pixel art", timezone="Asia/Shanghai")
    await post(services, OTHER_AGENT, skills="python", timezone="UTC-3")
    assert await services.lfg.tag_choices("skill", "P") == ["python", "pixel art"]
    assert await services.lfg.tag_choices("language", "eng") == ["english"]
    zones = await services.lfg.timezone_choices("")
    assert ("Asia/Shanghai (UTC+08:00)", "Asia/Shanghai") in zones
    assert ("UTC-03:00", "UTC-03:00") in zones
    assert await services.lfg.timezone_choices("shang") == [
        ("Asia/Shanghai (UTC+08:00)", "Asia/Shanghai")
    ]


# -- invites ----------------------------------------------------------------------------


async def test_an_accepted_invite_puts_the_member_in_the_team(services: Services):
    rockets = await team(services)
    await post(services)
    invite = await services.lfg.invite(captain_id=CAPTAIN, member_id=AGENT)
    assert invite.team_name == "Rocket Sellers"
    assert invite.expires_at == T0 + dt.timedelta(hours=72)
    assert [i.id for i in await services.lfg.pending_invites(AGENT)] == [invite.id]
    accepted, change = await services.lfg.accept(invite_id=invite.id, user_id=AGENT)
    assert accepted.status == "accepted"
    assert change.joined
    assert change.team.id == rockets.id
    assert set(change.remaining) == {CAPTAIN, AGENT}
    joined = await services.teams.team_of(AGENT)
    assert joined is not None
    assert joined.id == rockets.id
    with pytest.raises(InviteAnswered):
        await services.lfg.accept(invite_id=invite.id, user_id=AGENT)


async def test_a_declined_invite_changes_no_team(services: Services):
    await team(services)
    await post(services)
    invite = await services.lfg.invite(captain_id=CAPTAIN, member_id=AGENT)
    declined = await services.lfg.decline(invite_id=invite.id, user_id=AGENT)
    assert declined.status == "declined"
    assert await services.teams.team_of(AGENT) is None
    assert await services.lfg.card(AGENT) is not None
    with pytest.raises(InviteAnswered):
        await services.lfg.accept(invite_id=invite.id, user_id=AGENT)


async def test_only_the_invited_member_may_answer(services: Services):
    await team(services)
    await post(services)
    invite = await services.lfg.invite(captain_id=CAPTAIN, member_id=AGENT)
    with pytest.raises(UnknownInvite):
        await services.lfg.accept(invite_id=invite.id, user_id=OTHER_AGENT)
    with pytest.raises(UnknownInvite):
        await services.lfg.decline(invite_id=invite.id + 1000, user_id=AGENT)


async def test_one_pending_invite_per_team_and_member_and_a_new_one_after_expiry(
    services: Services, clock: FrozenClock
):
    await team(services)
    await post(services)
    first = await services.lfg.invite(captain_id=CAPTAIN, member_id=AGENT)
    with pytest.raises(AlreadyInvited):
        await services.lfg.invite(captain_id=CAPTAIN, member_id=AGENT)
    clock.advance(dt.timedelta(hours=72))
    assert await services.lfg.pending_invites(AGENT) == []
    with pytest.raises(InviteExpired):
        await services.lfg.accept(invite_id=first.id, user_id=AGENT)
    second = await services.lfg.invite(captain_id=CAPTAIN, member_id=AGENT)
    assert second.id != first.id
    with pytest.raises(InviteExpired):
        await services.lfg.decline(invite_id=first.id, user_id=AGENT)
    await services.lfg.accept(invite_id=second.id, user_id=AGENT)


async def test_only_a_captain_invites_members_with_a_card_of_their_track(services: Services):
    await team(services)
    with pytest.raises(CardGone):
        await services.lfg.invite(captain_id=CAPTAIN, member_id=AGENT)
    await post(services, track="professional")
    with pytest.raises(TrackMismatch):
        await services.lfg.invite(captain_id=CAPTAIN, member_id=AGENT)
    await post(services, OTHER_AGENT)
    rockets = await services.teams.team_of(CAPTAIN)
    assert rockets is not None
    await services.teams.join(user_id=OTHER_CAPTAIN, code=rockets.invite_code)
    with pytest.raises(NotCaptain):
        await services.lfg.invite(captain_id=OTHER_CAPTAIN, member_id=OTHER_AGENT)
    with pytest.raises(NotInTeam):
        await services.lfg.invite(captain_id=AGENT, member_id=OTHER_AGENT)


async def test_a_full_team_cannot_invite_and_an_invite_to_a_team_filled_since_is_refused(
    services: Services, competition
):
    rockets = await team(services)
    await post(services)
    invite = await services.lfg.invite(captain_id=CAPTAIN, member_id=AGENT)
    for filler in range(500, 500 + competition.teams.max_size - 1):
        await services.teams.join(user_id=filler, code=rockets.invite_code)
    with pytest.raises(TeamFull):
        await services.lfg.accept(invite_id=invite.id, user_id=AGENT)
    assert await services.teams.team_of(AGENT) is None
    assert await services.lfg.card(AGENT) is not None
    await post(services, OTHER_AGENT)
    with pytest.raises(TeamFull):
        await services.lfg.invite(captain_id=CAPTAIN, member_id=OTHER_AGENT)


async def test_accepting_voids_the_members_other_invites(services: Services):
    await team(services)
    await team(services, OTHER_CAPTAIN, "Night Owls")
    await post(services)
    first = await services.lfg.invite(captain_id=CAPTAIN, member_id=AGENT)
    second = await services.lfg.invite(captain_id=OTHER_CAPTAIN, member_id=AGENT)
    await services.lfg.accept(invite_id=first.id, user_id=AGENT)
    with pytest.raises(InviteVoid):
        await services.lfg.accept(invite_id=second.id, user_id=AGENT)


async def test_an_invite_to_a_disbanded_team_no_longer_applies(services: Services):
    await team(services)
    await post(services)
    invite = await services.lfg.invite(captain_id=CAPTAIN, member_id=AGENT)
    await services.teams.disband(actor_id=CAPTAIN)
    with pytest.raises(InviteVoid):
        await services.lfg.accept(invite_id=invite.id, user_id=AGENT)


async def test_the_registration_lock_stops_invites_and_accepting(services: Services):
    await team(services)
    await post(services)
    invite = await services.lfg.invite(captain_id=CAPTAIN, member_id=AGENT)
    await services.teams.lock_registration(actor_id=ORGANIZER)
    with pytest.raises(RegistrationLocked):
        await services.lfg.accept(invite_id=invite.id, user_id=AGENT)
    await post(services, OTHER_AGENT)
    with pytest.raises(RegistrationLocked):
        await services.lfg.invite(captain_id=CAPTAIN, member_id=OTHER_AGENT)
    await services.teams.unlock_registration(actor_id=ORGANIZER)
    await services.lfg.accept(invite_id=invite.id, user_id=AGENT)


async def test_a_team_has_at_most_the_configured_invites_waiting(services: Services, competition):
    await team(services)
    most = competition.lfg.max_pending_invites
    for agent in range(700, 700 + most + 1):
        await post(services, agent)
    for agent in range(700, 700 + most):
        await services.lfg.invite(captain_id=CAPTAIN, member_id=agent)
    with pytest.raises(TooManyInvites):
        await services.lfg.invite(captain_id=CAPTAIN, member_id=700 + most)


async def test_a_member_in_a_team_cannot_accept_another(services: Services):
    await team(services)
    await post(services)
    invite = await services.lfg.invite(captain_id=CAPTAIN, member_id=AGENT)
    # Joined elsewhere behind the hook's back (another process, before this one's commit).
    await team(services, OTHER_CAPTAIN, "Night Owls")
    owls = await services.teams.team_of(OTHER_CAPTAIN)
    assert owls is not None
    async with services.db.write() as conn:
        await team_queries.add_member(
            conn, team_id=owls.id, user_id=AGENT, season=services.teams.season, now=T0
        )
    with pytest.raises(AlreadyInTeam):
        await services.lfg.accept(invite_id=invite.id, user_id=AGENT)
