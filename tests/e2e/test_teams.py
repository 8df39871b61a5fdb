"""Teams and cohorts through the real `podium run` process and the fake Discord."""

from __future__ import annotations

import re

import pytest

from tests.dispatch.conftest import MANAGE_GUILD
from tests.e2e.conftest import PodiumProcess
from tests.fakes.discord import FakeDiscord, wait_for

pytestmark = pytest.mark.e2e

ORGANIZER = 200000000000000001
CAPTAIN = 200000000000000002
TEAMMATE = 200000000000000003
VIEW_CHANNEL = 1 << 10


def role(fake: FakeDiscord, name: str) -> int:
    found = fake.role_named(name)
    assert found is not None, name
    return int(found["id"])


def roles_of(fake: FakeDiscord, user_id: int) -> set[int]:
    return {int(r) for r in fake.members[user_id]["roles"]}


async def test_team_channel_cohort_roles_and_drift_repair_after_restart(
    podium: PodiumProcess, fake_discord: FakeDiscord
):
    config = podium.workdir / "competition.toml"
    text = config.read_text()
    assert "private_channels = false" in text
    config.write_text(text.replace("private_channels = false", "private_channels = true"))
    fake = fake_discord
    manager = fake.add_role("Server Manager", permissions=MANAGE_GUILD)
    fake.add_member(ORGANIZER, "Olivia Organizer", roles=[int(manager["id"])])
    fake.add_member(CAPTAIN, "Cara Captain")
    fake.add_member(TEAMMATE, "Theo Teammate")
    await podium.start()
    await fake.wait_for_commands()
    await fake.invoke("admin setup", user_id=ORGANIZER)

    created = await fake.invoke(
        "team create", user_id=CAPTAIN, options={"name": "Night Owls", "track": "professional"}
    )
    assert created.ephemeral
    match = re.search(r"`([A-Z0-9]{8,})`", created.text)
    assert match, created.text
    joined = await fake.invoke("team join", user_id=TEAMMATE, options={"code": match.group(1)})
    assert "Welcome to **Night Owls**" in joined.text

    channel = fake.channel_named("team-night-owls")
    assert channel is not None
    overwrites = {int(o["id"]): o for o in channel["permission_overwrites"]}
    assert int(overwrites[fake.guild_id]["deny"]) & VIEW_CHANNEL
    for member in (CAPTAIN, TEAMMATE):
        assert int(overwrites[member]["allow"]) & VIEW_CHANNEL
        assert int(overwrites[member]["type"]) == 1
    teams_category = fake.channel_named("Teams")
    assert teams_category is not None
    assert channel["parent_id"] == teams_category["id"]

    rookie, advanced = role(fake, "Rookie"), role(fake, "Advanced")
    assert rookie in roles_of(fake, TEAMMATE), "a new team member gets the entry cohort"
    assigned = await fake.invoke(
        "cohort assign",
        user_id=ORGANIZER,
        options={"member": str(TEAMMATE), "cohort": "advanced"},
    )
    assert "is now in **Advanced**" in assigned.text
    assert advanced in roles_of(fake, TEAMMATE)
    assert rookie not in roles_of(fake, TEAMMATE)

    await podium.kill()
    # Someone edits roles while the bot is down: the database still says otherwise.
    fake.set_member_roles(TEAMMATE, [rookie], notify=False)
    fake.set_member_roles(CAPTAIN, [advanced], notify=False)
    await podium.start()

    def repaired() -> list[tuple]:
        return podium.db.rows(
            "SELECT target FROM audit_log WHERE action = 'cohort.role_repair' ORDER BY target",
        )

    await wait_for(lambda: len(repaired()) == 2, timeout=20)
    assert repaired() == [(f"user:{CAPTAIN}",), (f"user:{TEAMMATE}",)]
    assert roles_of(fake, TEAMMATE) == {advanced}
    assert roles_of(fake, CAPTAIN) == {rookie}
    # The repairs are committed just before the line is logged.
    await wait_for(lambda: "cohort role repair checked=" in podium.log())
    assert "Traceback" not in podium.log()
    assert await podium.terminate() == 0
