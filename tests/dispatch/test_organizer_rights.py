"""Who is an organizer: the role id `/admin setup` recorded, or Manage Server. A role that
merely has the organizer role's name grants nothing, and organizer commands are refused
with the localized "not allowed" reply."""

from typing import Any

import pytest

from bot.config import CompetitionConfig
from tests.conftest import GUILD_ID
from tests.dispatch.conftest import ORGANIZER_ID, PARTICIPANT_ID, Harness
from tests.fakes.discord import wait_for

IMPOSTOR_ID = 100000000000000030
HOLDER_ID = 100000000000000040

NOT_ALLOWED = {"en-US": "Only organizers can do that", "zh-CN": "只有组织者可以执行此操作"}


async def add_known_role(harness: Harness, name: str, *, permissions: int = 0) -> int:
    """A role made in Discord by someone else (GUILD_ROLE_CREATE reaches the bot)."""
    role = harness.fake.add_role(name, permissions=permissions)
    harness.fake.dispatch("GUILD_ROLE_CREATE", {"guild_id": str(GUILD_ID), "role": role})
    guild = harness.bot.get_guild(GUILD_ID)
    assert guild is not None
    await wait_for(lambda: guild.get_role(int(role["id"])) is not None)
    return int(role["id"])


async def broadcast_now(harness: Harness, user_id: int, locale: str = "en-US") -> Any:
    return await harness.fake.invoke(
        "broadcast now",
        user_id=user_id,
        locale=locale,
        options={"message": "Free prizes, reply now", "audience": "all", "channels": "both"},
    )


@pytest.mark.parametrize("locale", ["en-US", "zh-CN"])
async def test_a_role_named_like_the_organizer_role_but_not_the_recorded_one_cannot_broadcast(
    harness: Harness, competition: CompetitionConfig, locale: str
):
    await harness.fake.invoke("admin setup", user_id=ORGANIZER_ID)
    recorded = (await harness.services.setup.resource_ids())["role:organizer"]
    impostor_role = await add_known_role(harness, competition.roles.organizer)
    assert impostor_role != recorded
    harness.fake.add_member(IMPOSTOR_ID, "Ivan Impostor", roles=[impostor_role])

    result = await broadcast_now(harness, IMPOSTOR_ID, locale)

    assert result.ephemeral
    assert NOT_ALLOWED[locale] in result.text
    assert await harness.services.broadcasts.list_scheduled() == []


async def test_a_role_named_like_the_organizer_role_cannot_close_the_season(
    harness: Harness, competition: CompetitionConfig
):
    await harness.fake.invoke("admin setup", user_id=ORGANIZER_ID)
    impostor_role = await add_known_role(harness, competition.roles.organizer.lower())
    harness.fake.add_member(IMPOSTOR_ID, "Ivan Impostor", roles=[impostor_role])

    result = await harness.fake.invoke("season close", user_id=IMPOSTOR_ID)

    assert result.ephemeral
    assert NOT_ALLOWED["en-US"] in result.text
    assert "Close season" not in result.text


async def test_before_setup_only_manage_server_counts_not_a_role_called_organizer(
    harness: Harness, competition: CompetitionConfig
):
    assert "role:organizer" not in await harness.services.setup.resource_ids()
    named = await add_known_role(harness, competition.roles.organizer)
    harness.fake.add_member(IMPOSTOR_ID, "Ivan Impostor", roles=[named])

    refused = await harness.fake.invoke("season close", user_id=IMPOSTOR_ID)
    assert refused.ephemeral
    assert NOT_ALLOWED["en-US"] in refused.text

    allowed = await harness.fake.invoke("season close", user_id=ORGANIZER_ID)
    assert allowed.ephemeral
    assert "Close season" in allowed.text


async def test_the_holder_of_the_recorded_organizer_role_is_an_organizer(harness: Harness):
    await harness.fake.invoke("admin setup", user_id=ORGANIZER_ID)
    recorded = (await harness.services.setup.resource_ids())["role:organizer"]
    harness.fake.add_member(HOLDER_ID, "Hana Holder", roles=[recorded])

    result = await harness.fake.invoke("season close", user_id=HOLDER_ID)

    assert result.ephemeral
    assert "Close season" in result.text


async def test_help_hides_organizer_commands_from_a_member_with_a_role_named_organizer(
    harness: Harness, competition: CompetitionConfig
):
    named = await add_known_role(harness, competition.roles.organizer)
    harness.fake.add_member(IMPOSTOR_ID, "Ivan Impostor", roles=[named])

    result = await harness.fake.invoke("help", user_id=IMPOSTOR_ID)

    assert "</admin setup:" not in result.text
    assert "Organizer commands" not in result.text
    participant = await harness.fake.invoke("help", user_id=PARTICIPANT_ID)
    assert result.text == participant.text
