"""Teams and tracks (SPEC §3.1): every rule of the team service on the real database."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest

from bot.clock import FrozenClock
from bot.config import CompetitionConfig
from bot.services.registry import Services
from bot.services.teams import (
    INVITE_ALPHABET,
    AlreadyInTeam,
    AlreadyInThatTeam,
    BadInviteCode,
    CannotTargetSelf,
    NotCaptain,
    NotInTeam,
    NotTeamMember,
    RegistrationClosed,
    RegistrationLocked,
    SameTeamName,
    TeamFull,
    TeamNameHasControl,
    TeamNameHasLink,
    TeamNameHasMention,
    TeamNameLength,
    TeamNameTaken,
    TeamService,
    UnknownTeam,
    UnknownTrack,
    clean_team_name,
)

CAPTAIN, SECOND, THIRD, FOURTH, FIFTH, SIXTH = 11, 12, 13, 14, 15, 16
ORGANIZER = 99


def teams_of(services: Services) -> TeamService:
    return services.teams


async def make_team(services: Services, name: str = "Rocket Sellers", captain: int = CAPTAIN):
    return await services.teams.create(user_id=captain, name=name, track="student")


async def audit_actions(services: Services) -> list[str]:
    return [row.action for row in await services.audit.recent(limit=50)]


# -- names ------------------------------------------------------------------------------


async def test_names_are_unique_after_nfkc_and_casefold(services: Services):
    await make_team(services, "Ｔｅａｍ Ａ")
    with pytest.raises(TeamNameTaken):
        await make_team(services, "team a", captain=SECOND)
    with pytest.raises(TeamNameTaken):
        await make_team(services, "  TEAM   A ", captain=SECOND)


async def test_a_disbanded_teams_name_can_be_used_again(services: Services):
    await make_team(services, "Phoenix")
    await services.teams.disband(actor_id=CAPTAIN)
    again = await make_team(services, "phoenix", captain=SECOND)
    assert again.name == "phoenix"


@pytest.mark.parametrize("name", ["A", "x" * 33, "   ", " B "])
def test_names_need_2_to_32_characters(name: str):
    with pytest.raises(TeamNameLength):
        clean_team_name(name)


@pytest.mark.parametrize("name", ["ab", "x" * 32, "新手队", "  Spaced   Out  "])
def test_names_of_2_to_32_characters_are_accepted_and_tidied(name: str):
    clean, key = clean_team_name(name)
    assert clean == " ".join(name.split())
    assert key == clean.casefold()


@pytest.mark.parametrize(
    "name", ["@everyone wins", "hi @here", "<@123456789012345678>", "team <@&12345>", "<#999>"]
)
def test_names_with_mentions_are_refused(name: str):
    with pytest.raises(TeamNameHasMention):
        clean_team_name(name)


@pytest.mark.parametrize(
    "name",
    ["https://spam.example", "www.shop", "discord.gg/abc", "buy at shop.com", "ｈｔｔｐ://x"],
)
def test_names_with_links_are_refused(name: str):
    with pytest.raises(TeamNameHasLink):
        clean_team_name(name)


@pytest.mark.parametrize(
    "name", ["Team\nA", "Team\tA", "Zero\u200bWidth", "Evil\u202eName", "Bell\x07"]
)
def test_names_with_control_or_invisible_characters_are_refused(name: str):
    with pytest.raises(TeamNameHasControl):
        clean_team_name(name)


def test_names_with_dots_that_are_not_links_are_accepted():
    assert clean_team_name("Mr.Smith & Co")[0] == "Mr.Smith & Co"


async def test_a_refused_name_writes_nothing(services: Services):
    with pytest.raises(TeamNameHasLink):
        await make_team(services, "see http://x.io")
    assert await services.teams.team_of(CAPTAIN) is None


# -- create and join ---------------------------------------------------------------------


async def test_create_makes_the_creator_captain_and_only_member(services: Services):
    team = await make_team(services)
    assert team.captain_id == CAPTAIN
    assert team.track == "student"
    assert len(team.invite_code) >= 8
    assert set(team.invite_code) <= set(INVITE_ALPHABET)
    details = await services.teams.details(team.id)
    assert [m.user_id for m in details.members] == [CAPTAIN]


async def test_an_unknown_track_is_refused(services: Services):
    with pytest.raises(UnknownTrack):
        await services.teams.create(user_id=CAPTAIN, name="Good Name", track="retired")


async def test_joining_by_code_adds_the_member_and_codes_ignore_case_and_spaces(
    services: Services,
):
    team = await make_team(services)
    sloppy = " " + team.invite_code.lower()[:5] + " " + team.invite_code.lower()[5:]
    change = await services.teams.join(user_id=SECOND, code=sloppy)
    assert change.joined
    assert change.team.id == team.id
    assert change.remaining == (CAPTAIN, SECOND)


async def test_a_member_is_in_at_most_one_team_per_season(services: Services):
    first = await make_team(services)
    await make_team(services, "Other Team", captain=SECOND)
    with pytest.raises(AlreadyInTeam):
        await services.teams.join(user_id=SECOND, code=first.invite_code)
    with pytest.raises(AlreadyInTeam):
        await make_team(services, "Third Team", captain=CAPTAIN)


async def test_a_bad_code_is_refused(services: Services):
    await make_team(services)
    with pytest.raises(BadInviteCode):
        await services.teams.join(user_id=SECOND, code="NOPE2345XY")
    assert await services.teams.team_of(SECOND) is None


async def test_joining_a_full_team_is_refused(services: Services, competition: CompetitionConfig):
    team = await make_team(services)
    for user_id in range(100, 100 + competition.teams.max_size - 1):
        await services.teams.join(user_id=user_id, code=team.invite_code)
    with pytest.raises(TeamFull):
        await services.teams.join(user_id=SECOND, code=team.invite_code)
    assert len((await services.teams.details(team.id)).members) == competition.teams.max_size


async def test_two_members_taking_the_last_seat_at_once_exactly_one_succeeds(
    services: Services, competition: CompetitionConfig
):
    team = await make_team(services)
    for user_id in range(100, 100 + competition.teams.max_size - 2):
        await services.teams.join(user_id=user_id, code=team.invite_code)
    results = await asyncio.gather(
        services.teams.join(user_id=SECOND, code=team.invite_code),
        services.teams.join(user_id=THIRD, code=team.invite_code),
        return_exceptions=True,
    )
    assert sum(1 for r in results if not isinstance(r, BaseException)) == 1
    assert sum(1 for r in results if isinstance(r, TeamFull)) == 1
    assert len((await services.teams.details(team.id)).members) == competition.teams.max_size


async def test_registration_closes_at_the_deadline(
    services: Services, clock: FrozenClock, competition: CompetitionConfig
):
    team = await make_team(services)
    deadline = competition.teams.registration_deadline
    assert deadline is not None
    clock.set(deadline)
    with pytest.raises(RegistrationClosed):
        await services.teams.join(user_id=SECOND, code=team.invite_code)
    with pytest.raises(RegistrationClosed):
        await make_team(services, "Late Team", captain=THIRD)
    assert not (await services.teams.registration()).open


async def test_a_locked_registration_refuses_create_and_join_until_unlocked(services: Services):
    team = await make_team(services)
    assert await services.teams.lock_registration(actor_id=ORGANIZER)
    assert not await services.teams.lock_registration(actor_id=ORGANIZER)
    with pytest.raises(RegistrationLocked):
        await services.teams.join(user_id=SECOND, code=team.invite_code)
    with pytest.raises(RegistrationLocked):
        await make_team(services, "Blocked", captain=THIRD)
    assert await services.teams.unlock_registration(actor_id=ORGANIZER)
    assert not await services.teams.unlock_registration(actor_id=ORGANIZER)
    await services.teams.join(user_id=SECOND, code=team.invite_code)
    actions = await audit_actions(services)
    assert actions.count("team.admin_lock") == 1
    assert actions.count("team.admin_unlock") == 1


# -- leaving ------------------------------------------------------------------------------


async def test_leaving_without_a_team_is_refused(services: Services):
    with pytest.raises(NotInTeam):
        await services.teams.leave(user_id=SECOND)


async def test_a_leaving_captain_passes_captaincy_to_the_longest_standing_member(
    services: Services, clock: FrozenClock
):
    team = await make_team(services)
    clock.advance(dt.timedelta(minutes=1))
    await services.teams.join(user_id=THIRD, code=team.invite_code)
    clock.advance(dt.timedelta(minutes=1))
    await services.teams.join(user_id=SECOND, code=team.invite_code)
    change = await services.teams.leave(user_id=CAPTAIN)
    assert change.new_captain_id == THIRD
    assert change.team.captain_id == THIRD
    assert not change.disbanded


async def test_the_last_member_leaving_disbands_the_team(services: Services):
    team = await make_team(services)
    change = await services.teams.leave(user_id=CAPTAIN)
    assert change.disbanded
    with pytest.raises(UnknownTeam):
        await services.teams.details(team.id)
    assert await services.teams.search("Rocket") == []


async def test_a_member_leaving_the_server_leaves_their_team_and_it_is_audited(
    services: Services,
):
    team = await make_team(services)
    await services.teams.join(user_id=SECOND, code=team.invite_code)
    change = await services.teams.member_left_server(user_id=CAPTAIN)
    assert change is not None
    assert change.new_captain_id == SECOND
    assert await services.teams.member_left_server(user_id=CAPTAIN) is None
    (record,) = await services.audit.recent(action="team.member_left_server")
    assert record.details["user_id"] == CAPTAIN
    assert record.actor_id is None
    last = await services.teams.member_left_server(user_id=SECOND)
    assert last is not None
    assert last.disbanded


# -- captain actions -----------------------------------------------------------------------


async def test_captain_only_actions_are_refused_for_a_non_captain(services: Services):
    team = await make_team(services)
    await services.teams.join(user_id=SECOND, code=team.invite_code)
    with pytest.raises(NotCaptain):
        await services.teams.kick(captain_id=SECOND, member_id=CAPTAIN)
    with pytest.raises(NotCaptain):
        await services.teams.transfer(captain_id=SECOND, member_id=CAPTAIN)
    with pytest.raises(NotCaptain):
        await services.teams.rename(captain_id=SECOND, name="Hijacked")
    with pytest.raises(NotCaptain):
        await services.teams.invite(captain_id=SECOND, rotate=True)
    with pytest.raises(NotCaptain):
        await services.teams.disband(actor_id=SECOND)
    assert (await services.teams.details(team.id)).team.name == "Rocket Sellers"


async def test_captain_actions_without_a_team_are_refused(services: Services):
    with pytest.raises(NotInTeam):
        await services.teams.invite(captain_id=SECOND)


async def test_transfer_to_a_non_member_is_refused(services: Services):
    await make_team(services)
    await make_team(services, "Elsewhere", captain=SECOND)
    with pytest.raises(NotTeamMember):
        await services.teams.transfer(captain_id=CAPTAIN, member_id=SECOND)
    with pytest.raises(CannotTargetSelf):
        await services.teams.transfer(captain_id=CAPTAIN, member_id=CAPTAIN)


async def test_transfer_makes_the_member_captain(services: Services):
    team = await make_team(services)
    await services.teams.join(user_id=SECOND, code=team.invite_code)
    after = await services.teams.transfer(captain_id=CAPTAIN, member_id=SECOND)
    assert after.captain_id == SECOND
    await services.teams.kick(captain_id=SECOND, member_id=CAPTAIN)
    assert await services.teams.team_of(CAPTAIN) is None


async def test_kick_removes_a_member_but_not_a_stranger_or_oneself(services: Services):
    team = await make_team(services)
    await services.teams.join(user_id=SECOND, code=team.invite_code)
    with pytest.raises(NotTeamMember):
        await services.teams.kick(captain_id=CAPTAIN, member_id=THIRD)
    with pytest.raises(CannotTargetSelf):
        await services.teams.kick(captain_id=CAPTAIN, member_id=CAPTAIN)
    change = await services.teams.kick(captain_id=CAPTAIN, member_id=SECOND)
    assert change.remaining == (CAPTAIN,)
    assert await services.teams.team_of(SECOND) is None


async def test_rename_checks_the_rules_and_uniqueness(services: Services):
    await make_team(services)
    await make_team(services, "Taken Name", captain=SECOND)
    with pytest.raises(TeamNameTaken):
        await services.teams.rename(captain_id=CAPTAIN, name="TAKEN name")
    with pytest.raises(TeamNameHasMention):
        await services.teams.rename(captain_id=CAPTAIN, name="@everyone")
    with pytest.raises(SameTeamName):
        await services.teams.rename(captain_id=CAPTAIN, name="Rocket Sellers")
    team, old = await services.teams.rename(captain_id=CAPTAIN, name="rocket sellers 2")
    assert (team.name, old) == ("rocket sellers 2", "Rocket Sellers")
    # Changing only the case of one's own name is allowed (same key, same team).
    team, _ = await services.teams.rename(captain_id=CAPTAIN, name="Rocket Sellers 2")
    assert team.name == "Rocket Sellers 2"
    assert [c.name for c in await services.teams.search("rocket")] == ["Rocket Sellers 2"]


async def test_rotating_the_invite_code_invalidates_the_old_one(services: Services):
    team = await make_team(services)
    shown = await services.teams.invite(captain_id=CAPTAIN)
    assert shown.invite_code == team.invite_code
    rotated = await services.teams.invite(captain_id=CAPTAIN, rotate=True)
    assert rotated.invite_code != team.invite_code
    with pytest.raises(BadInviteCode):
        await services.teams.join(user_id=SECOND, code=team.invite_code)
    await services.teams.join(user_id=SECOND, code=rotated.invite_code)


async def test_the_captain_disbands_and_every_member_is_free_again(services: Services):
    team = await make_team(services)
    await services.teams.join(user_id=SECOND, code=team.invite_code)
    result = await services.teams.disband(actor_id=CAPTAIN)
    assert set(result.members) == {CAPTAIN, SECOND}
    assert result.team.disbanded_at is not None
    assert await services.teams.team_of(SECOND) is None
    await make_team(services, "Fresh Start", captain=SECOND)


async def test_an_organizer_disbands_any_team_and_it_is_audited(services: Services):
    team = await make_team(services)
    with pytest.raises(NotCaptain):
        await services.teams.disband(actor_id=ORGANIZER, team_id=team.id)
    await services.teams.disband(actor_id=ORGANIZER, team_id=team.id, as_organizer=True)
    (record,) = await services.audit.recent(action="team.admin_disband")
    assert record.actor_id == ORGANIZER


# -- organizer moves -------------------------------------------------------------------------


async def test_admin_move_moves_a_member_between_teams_past_the_lock_and_audits_it(
    services: Services,
):
    first = await make_team(services)
    await services.teams.join(user_id=SECOND, code=first.invite_code)
    second = await make_team(services, "Destination", captain=THIRD)
    await services.teams.lock_registration(actor_id=ORGANIZER)
    moved = await services.teams.admin_move(
        actor_id=ORGANIZER, member_id=CAPTAIN, team_id=second.id
    )
    assert moved.left is not None
    assert moved.left.new_captain_id == SECOND
    assert set(moved.joined.remaining) == {THIRD, CAPTAIN}
    assert (await services.teams.team_of(CAPTAIN)) == (await services.teams.get(second.id))
    (record,) = await services.audit.recent(action="team.admin_move")
    assert record.details["from_team"] == first.id
    with pytest.raises(AlreadyInThatTeam):
        await services.teams.admin_move(actor_id=ORGANIZER, member_id=CAPTAIN, team_id=second.id)


async def test_admin_move_of_a_teamless_member_into_a_full_team_is_refused(
    services: Services, competition: CompetitionConfig
):
    team = await make_team(services)
    for user_id in range(100, 100 + competition.teams.max_size - 1):
        await services.teams.join(user_id=user_id, code=team.invite_code)
    with pytest.raises(TeamFull):
        await services.teams.admin_move(actor_id=ORGANIZER, member_id=SIXTH, team_id=team.id)
    with pytest.raises(UnknownTeam):
        await services.teams.admin_move(actor_id=ORGANIZER, member_id=SIXTH, team_id=424242)


async def test_admin_move_out_of_a_one_member_team_disbands_it(services: Services):
    lonely = await make_team(services, "Lonely")
    target = await make_team(services, "Target", captain=SECOND)
    moved = await services.teams.admin_move(
        actor_id=ORGANIZER, member_id=CAPTAIN, team_id=target.id
    )
    assert moved.left is not None
    assert moved.left.disbanded
    assert (await services.teams.get(lonely.id)).disbanded_at is not None  # type: ignore[union-attr]


# -- lookup and autocomplete ------------------------------------------------------------------


async def test_resolve_accepts_an_autocomplete_id_or_a_typed_name(services: Services):
    team = await make_team(services)
    assert (await services.teams.resolve(str(team.id))).id == team.id
    assert (await services.teams.resolve("ROCKET sellers")).id == team.id
    with pytest.raises(UnknownTeam):
        await services.teams.resolve("nobody")


async def test_search_finds_prefix_substring_and_typo_matches_and_follows_writes(
    services: Services,
):
    await make_team(services, "Alpha Wolves", captain=CAPTAIN)
    await make_team(services, "The Alpine Club", captain=SECOND)
    await make_team(services, "Zebra", captain=THIRD)
    names = [c.name for c in await services.teams.search("alp")]
    assert names == ["Alpha Wolves", "The Alpine Club"]
    assert [c.name for c in await services.teams.search("zerba")] == ["Zebra"]
    await make_team(services, "Alpaca Express", captain=FOURTH)
    assert [c.name for c in await services.teams.search("alp")][:2] == [
        "Alpaca Express",
        "Alpha Wolves",
    ]
    assert len(await services.teams.search("")) == 4


async def test_search_returns_at_most_25_choices(services: Services):
    for n in range(30):
        await make_team(services, f"Squad {n:02d}", captain=1000 + n)
    assert len(await services.teams.search("squad")) == 25


async def test_autocomplete_picks_up_another_processs_writes_within_a_minute(
    services: Services, clock: FrozenClock
):
    await make_team(services, "First Team")
    assert [c.name for c in await services.teams.search("")] == ["First Team"]
    other_process = TeamService(services.db, clock, services.competition, services.audit)
    await other_process.create(user_id=SECOND, name="Second Team", track="student")
    assert [c.name for c in await services.teams.search("")] == ["First Team"]
    clock.advance(dt.timedelta(minutes=2))
    assert [c.name for c in await services.teams.search("")] == ["First Team", "Second Team"]
