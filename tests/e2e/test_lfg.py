"""The team finder through the real `podium run` process: an invite DM sent before a
SIGKILL is accepted after the restart, and the new member sees the team channel."""

from __future__ import annotations

import pytest

from tests.dispatch.conftest import MANAGE_GUILD
from tests.e2e.conftest import PodiumProcess
from tests.fakes.discord import FakeDiscord, wait_for

pytestmark = pytest.mark.e2e

ORGANIZER = 210000000000000001
CAPTAIN = 210000000000000002
AGENT = 210000000000000003
VIEW_CHANNEL = 1 << 10


def custom_ids(message: dict) -> list[str]:
    return [c["custom_id"] for row in message.get("components") or [] for c in row["components"]]


async def test_an_invite_sent_before_a_kill_is_accepted_after_the_restart(
    podium: PodiumProcess, fake_discord: FakeDiscord
):
    config = podium.workdir / "competition.toml"
    config.write_text(
        config.read_text().replace("private_channels = false", "private_channels = true")
    )
    fake = fake_discord
    manager = fake.add_role("Server Manager", permissions=MANAGE_GUILD)
    fake.add_member(ORGANIZER, "Olivia Organizer", roles=[int(manager["id"])])
    fake.add_member(CAPTAIN, "Cara Captain")
    fake.add_member(AGENT, "Ada Agent")
    await podium.start()
    await fake.wait_for_commands()
    await fake.invoke("admin setup", user_id=ORGANIZER)
    await fake.invoke(
        "team create", user_id=CAPTAIN, options={"name": "Night Owls", "track": "student"}
    )
    opened = await fake.invoke("lfg post", user_id=AGENT, options={"track": "student"})
    assert opened.response_type == 9
    posted = await fake.submit_modal(
        opened.response["data"]["custom_id"],  # type: ignore[index]
        {
            "skills": "Rust, Figma",
            "languages": "English",
            "timezone": "UTC+1",
            "looking_for": "A team that ships every week.",
        },
        user_id=AGENT,
    )
    assert "Your card is in the team finder" in posted.text

    page = await fake.invoke("lfg browse", user_id=CAPTAIN, options={"skill": "rust"})
    message_id = int(page.response["_message_id"])  # type: ignore[index]
    [invite] = [c for c in custom_ids(fake.messages[message_id]) if "invite" in c]
    sent = await fake.click(invite, user_id=CAPTAIN, message_id=message_id)
    assert "Invite sent to" in sent.text
    await wait_for(lambda: bool(fake.dms_to(AGENT)))
    dm = fake.dms_to(AGENT)[-1]
    accept, _decline = custom_ids(dm)

    await podium.kill()
    await podium.start()
    await fake.wait_ready()

    pressed = await fake.click(accept, user_id=AGENT, message_id=int(dm["id"]), in_dm=True)
    assert "Welcome to **Night Owls**" in pressed.text
    await wait_for(lambda: bool(fake.dms_to(CAPTAIN)))
    assert "accepted your invite" in fake.dms_to(CAPTAIN)[-1]["content"]
    assert len(fake.dms_to(AGENT)) == 1, "the invite DM was sent once, not again at restart"
    channel = fake.channel_named("team-night-owls")
    assert channel is not None
    overwrites = {int(o["id"]): o for o in channel["permission_overwrites"]}
    assert int(overwrites[AGENT]["allow"]) & VIEW_CHANNEL
    gone = await fake.invoke("lfg browse", user_id=CAPTAIN)
    assert "No card matches" in gone.text
