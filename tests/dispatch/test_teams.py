"""`/team` through the real command tree and the fake Discord."""

from __future__ import annotations

import re

import pytest

from bot.config import CompetitionConfig, load_competition
from tests.conftest import EXAMPLE_COMPETITION
from tests.dispatch.conftest import ORGANIZER_ID, PARTICIPANT_ID, Harness
from tests.fakes.discord import wait_for

MEMBER_ID = 100000000000000030
OTHER_ID = 100000000000000040
VIEW_CHANNEL = 1 << 10


@pytest.fixture
def competition() -> CompetitionConfig:
    """The example rules with private team channels on."""
    base = load_competition(EXAMPLE_COMPETITION)
    return base.model_copy(
        update={"teams": base.teams.model_copy(update={"private_channels": True})}
    )


@pytest.fixture
async def members(harness: Harness) -> Harness:
    harness.fake.add_member(MEMBER_ID, "Mia Member")
    harness.fake.add_member(OTHER_ID, "Otto Other")
    return harness


def code_in(text: str) -> str:
    match = re.search(r"`([A-Z0-9]{8,})`", text)
    assert match, text
    return match.group(1)


async def create(harness: Harness, name: str = "Rocket Sellers", user_id: int = PARTICIPANT_ID):
    return await harness.fake.invoke(
        "team create", user_id=user_id, options={"name": name, "track": "student"}
    )


def overwrite_ids(harness: Harness, channel_id: int) -> set[int]:
    channel = harness.fake.channels[channel_id]
    return {
        int(o["id"])
        for o in channel["permission_overwrites"]
        if int(o["allow"]) & VIEW_CHANNEL
        and int(o["type"]) == 1
        and int(o["id"]) != harness.fake.bot_user_id
    }


async def test_create_registers_the_team_shows_the_code_and_opens_a_private_channel(
    members: Harness,
):
    await members.fake.invoke("admin setup", user_id=ORGANIZER_ID)
    reply = await create(members)
    assert reply.ephemeral
    assert "Rocket Sellers" in reply.text
    assert "Student" in reply.text
    code = code_in(reply.text)
    team = await members.services.teams.team_of(PARTICIPANT_ID)
    assert team is not None
    assert team.invite_code == code
    assert team.channel_id is not None
    channel = members.fake.channels[team.channel_id]
    everyone = next(
        o for o in channel["permission_overwrites"] if int(o["id"]) == members.bot.guild_id
    )
    assert int(everyone["deny"]) & VIEW_CHANNEL
    assert overwrite_ids(members, team.channel_id) == {PARTICIPANT_ID}
    ids = await members.services.setup.resource_ids()
    assert channel["parent_id"] == str(ids["category:teams"])
    rookie = ids["role:cohort:rookie"]
    assert str(rookie) in members.fake.members[PARTICIPANT_ID]["roles"]


async def test_join_by_code_gives_the_member_the_team_channel_and_leave_takes_it(
    members: Harness,
):
    code = code_in((await create(members)).text)
    joined = await members.fake.invoke("team join", user_id=MEMBER_ID, options={"code": code})
    assert joined.ephemeral
    assert "Welcome to **Rocket Sellers**" in joined.text
    team = await members.services.teams.team_of(MEMBER_ID)
    assert team is not None
    assert team.channel_id is not None
    assert overwrite_ids(members, team.channel_id) == {PARTICIPANT_ID, MEMBER_ID}
    left = await members.fake.invoke("team leave", user_id=MEMBER_ID)
    assert "You left **Rocket Sellers**" in left.text
    assert overwrite_ids(members, team.channel_id) == {PARTICIPANT_ID}


@pytest.mark.parametrize(
    ("locale", "expected"),
    [("en-US", "No team has the invite code"), ("zh-CN", "没有队伍使用邀请码")],
)
async def test_a_bad_code_is_refused_privately_in_the_members_language(
    members: Harness, locale: str, expected: str
):
    await create(members)
    reply = await members.fake.invoke(
        "team join", user_id=MEMBER_ID, options={"code": "WRONG2345X"}, locale=locale
    )
    assert reply.ephemeral
    assert expected in reply.text
    assert await members.services.teams.team_of(MEMBER_ID) is None


@pytest.mark.parametrize(
    ("locale", "expected"),
    [("en-US", "cannot contain mentions"), ("zh-CN", "队名不能包含提及")],
)
async def test_a_name_with_a_mention_is_refused_in_the_members_language(
    members: Harness, locale: str, expected: str
):
    reply = await members.fake.invoke(
        "team create",
        user_id=MEMBER_ID,
        options={"name": "@everyone rocks", "track": "student"},
        locale=locale,
    )
    assert reply.ephemeral
    assert expected in reply.text
    assert await members.services.teams.team_of(MEMBER_ID) is None


@pytest.mark.parametrize(
    ("locale", "expected"),
    [("en-US", "Only the captain of Rocket Sellers"), ("zh-CN", "只有 Rocket Sellers 的队长")],
)
async def test_captain_commands_are_refused_for_members_in_their_language(
    members: Harness, locale: str, expected: str
):
    code = code_in((await create(members)).text)
    await members.fake.invoke("team join", user_id=MEMBER_ID, options={"code": code})
    for command, options in [
        ("team kick", {"member": str(PARTICIPANT_ID)}),
        ("team rename", {"name": "Hijack"}),
        ("team invite", {}),
    ]:
        reply = await members.fake.invoke(
            command, user_id=MEMBER_ID, options=options, locale=locale
        )
        assert reply.ephemeral
        assert expected in reply.text


async def test_captain_kicks_transfers_renames_and_rotates_the_code(members: Harness):
    code = code_in((await create(members)).text)
    await members.fake.invoke("team join", user_id=MEMBER_ID, options={"code": code})
    await members.fake.invoke("team join", user_id=OTHER_ID, options={"code": code})
    kicked = await members.fake.invoke(
        "team kick", user_id=PARTICIPANT_ID, options={"member": str(OTHER_ID)}
    )
    assert "is no longer in **Rocket Sellers**" in kicked.text
    assert kicked.ephemeral
    renamed = await members.fake.invoke(
        "team rename", user_id=PARTICIPANT_ID, options={"name": "Rocket Traders"}
    )
    assert "**Rocket Traders**" in renamed.text
    team = await members.services.teams.team_of(PARTICIPANT_ID)
    assert team is not None
    assert team.channel_id is not None
    assert members.fake.channels[team.channel_id]["name"] == "team-rocket-traders"
    shown = await members.fake.invoke("team invite", user_id=PARTICIPANT_ID)
    assert code_in(shown.text) == code
    rotated = await members.fake.invoke(
        "team invite", user_id=PARTICIPANT_ID, options={"rotate": True}
    )
    assert code_in(rotated.text) != code
    transferred = await members.fake.invoke(
        "team transfer", user_id=PARTICIPANT_ID, options={"member": str(MEMBER_ID)}
    )
    assert "is now the captain of **Rocket Traders**" in transferred.text
    assert (await members.services.teams.team_of(MEMBER_ID)).captain_id == MEMBER_ID  # type: ignore[union-attr]


async def test_info_shows_the_team_and_autocomplete_suggests_names(members: Harness):
    await create(members)
    await create(members, "Rocket Lab", user_id=MEMBER_ID)
    choices = await members.fake.autocomplete(
        "team info", user_id=OTHER_ID, focused="team", value="rock"
    )
    assert [c["name"] for c in choices] == ["Rocket Lab", "Rocket Sellers"]
    info = await members.fake.invoke(
        "team info", user_id=OTHER_ID, options={"team": choices[1]["value"]}
    )
    assert info.ephemeral
    assert "Rocket Sellers" in info.text
    assert f"<@{PARTICIPANT_ID}>" in info.text
    assert "Invite code" not in info.text, "only members see the code"
    own = await members.fake.invoke("team info", user_id=PARTICIPANT_ID)
    assert "Invite code" in own.text


async def test_disband_asks_first_and_the_button_disbands_and_deletes_the_channel(
    members: Harness,
):
    await create(members)
    team = await members.services.teams.team_of(PARTICIPANT_ID)
    assert team is not None
    assert team.channel_id is not None
    ask = await members.fake.invoke("team disband", user_id=PARTICIPANT_ID)
    assert ask.ephemeral
    assert "cannot be undone" in ask.text
    (row,) = ask.final_message["components"]
    button = row["components"][0]
    assert await members.services.teams.team_of(PARTICIPANT_ID) is not None
    message_id = int(ask.response["_message_id"])  # type: ignore[index]
    done = await members.fake.click(
        button["custom_id"], user_id=PARTICIPANT_ID, message_id=message_id
    )
    assert "is disbanded" in done.text
    assert await members.services.teams.team_of(PARTICIPANT_ID) is None
    assert team.channel_id not in members.fake.channels


async def test_organizer_moves_locks_and_unlocks_and_participants_cannot(members: Harness):
    await create(members)
    await create(members, "Destination", user_id=MEMBER_ID)
    target = await members.services.teams.team_of(MEMBER_ID)
    assert target is not None
    refused = await members.fake.invoke("team admin-lock", user_id=PARTICIPANT_ID)
    assert refused.ephemeral
    assert "Only organizers can do that" in refused.text
    locked = await members.fake.invoke("team admin-lock", user_id=ORGANIZER_ID)
    assert "locked" in locked.text
    blocked = await members.fake.invoke(
        "team create", user_id=OTHER_ID, options={"name": "Too Late", "track": "student"}
    )
    assert "locked by the organizers" in blocked.text
    moved = await members.fake.invoke(
        "team admin-move",
        user_id=ORGANIZER_ID,
        options={"member": str(PARTICIPANT_ID), "team": str(target.id)},
    )
    assert "is now in **Destination**" in moved.text
    assert (await members.services.teams.team_of(PARTICIPANT_ID)) == target
    assert target.channel_id is not None
    assert PARTICIPANT_ID in overwrite_ids(members, target.channel_id)
    unlocked = await members.fake.invoke("team admin-unlock", user_id=ORGANIZER_ID)
    assert "open again" in unlocked.text


async def test_a_member_leaving_the_server_leaves_the_team(members: Harness):
    code = code_in((await create(members)).text)
    await members.fake.invoke("team join", user_id=MEMBER_ID, options={"code": code})
    members.fake.remove_member(PARTICIPANT_ID)
    teams = members.services.teams

    async def captain() -> int | None:
        team = await teams.team_of(MEMBER_ID)
        return team.captain_id if team else None

    for _ in range(200):
        if await captain() == MEMBER_ID:
            break
        await wait_for(lambda: True, timeout=0.05)
    assert await captain() == MEMBER_ID
    assert await teams.team_of(PARTICIPANT_ID) is None
    (record,) = await members.services.audit.recent(action="team.member_left_server")
    assert record.details["user_id"] == PARTICIPANT_ID


async def test_track_autocomplete_offers_the_configured_tracks_in_the_members_language(
    members: Harness,
):
    english = await members.fake.autocomplete(
        "team create", user_id=MEMBER_ID, focused="track", value="", options={"name": "x"}
    )
    assert [(c["name"], c["value"]) for c in english] == [
        ("Student", "student"),
        ("Professional", "professional"),
    ]
    chinese = await members.fake.autocomplete(
        "team create",
        user_id=MEMBER_ID,
        focused="track",
        value="",
        options={"name": "x"},
        locale="zh-CN",
    )
    assert [c["name"] for c in chinese] == ["学生组", "在职组"]


async def test_info_without_a_team_says_how_to_get_one(members: Harness):
    reply = await members.fake.invoke("team info", user_id=OTHER_ID)
    assert reply.ephemeral
    assert "You are not in a team this season" in reply.text


async def test_an_organizer_disbands_another_team_and_a_participant_cannot(members: Harness):
    await create(members)
    team = await members.services.teams.team_of(PARTICIPANT_ID)
    assert team is not None
    refused = await members.fake.invoke(
        "team disband", user_id=MEMBER_ID, options={"team": str(team.id)}
    )
    assert "Only organizers can do that" in refused.text
    ask = await members.fake.invoke(
        "team disband", user_id=ORGANIZER_ID, options={"team": str(team.id)}
    )
    (row,) = ask.final_message["components"]
    message_id = int(ask.response["_message_id"])  # type: ignore[index]
    done = await members.fake.click(
        row["components"][0]["custom_id"], user_id=ORGANIZER_ID, message_id=message_id
    )
    assert "is disbanded" in done.text
    (record,) = await members.services.audit.recent(action="team.admin_disband")
    assert record.actor_id == ORGANIZER_ID
