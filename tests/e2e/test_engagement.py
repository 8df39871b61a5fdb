"""Engagement through the real `podium run` process: activity counts reach the database
on a clean shutdown, and NPS buttons keep answering after a crash and a restart."""

from __future__ import annotations

import pytest

from tests.dispatch.conftest import MANAGE_GUILD
from tests.e2e.conftest import PodiumProcess
from tests.fakes.discord import FakeDiscord

pytestmark = pytest.mark.e2e

ORGANIZER = 200000000000000001
MEMBER = 200000000000000002


def member_message(fake: FakeDiscord, user_id: int) -> None:
    author = fake.members[user_id]["user"]
    message = fake._message_payload(
        int(fake.default_channel["id"]), {"content": "hi"}, author=author
    )
    message["member"] = {k: v for k, v in fake.members[user_id].items() if k != "user"}
    fake.dispatch("MESSAGE_CREATE", message)


async def test_counts_are_flushed_at_shutdown_and_nps_buttons_survive_a_sigkill(
    podium: PodiumProcess, fake_discord: FakeDiscord
):
    fake = fake_discord
    manager = fake.add_role("Server Manager", permissions=MANAGE_GUILD)
    fake.add_member(ORGANIZER, "Olivia Organizer", roles=[int(manager["id"])])
    fake.add_member(MEMBER, "Mei Member")
    await podium.start()
    await fake.wait_for_commands()
    posted = await fake.invoke("survey nps-post", user_id=ORGANIZER)
    assert "Survey #1 is posted" in posted.text
    survey_message = next(
        m
        for m in fake.messages_in(int(fake.default_channel["id"]))
        if any(
            c["custom_id"] == "podium:nps:1:8" for row in m["components"] for c in row["components"]
        )
    )

    for _ in range(3):
        member_message(fake, MEMBER)
    # gateway events arrive in order: once this command is answered the messages were seen
    await fake.invoke("help", user_id=MEMBER)
    assert await podium.terminate() == 0
    counts = podium.db.rows(
        "SELECT SUM(messages), SUM(interactions) FROM activity_daily WHERE user_id = ?",
        MEMBER,
    )
    assert counts == [(3, 1)]

    await podium.start()
    await podium.kill()
    await podium.start()
    pressed = await fake.click(
        "podium:nps:1:8", user_id=MEMBER, message_id=int(survey_message["id"])
    )
    assert pressed.text == "You answered 8 — thanks! Press another number to change it."
    assert podium.db.rows("SELECT user_id, score FROM nps_responses") == [(MEMBER, 8)]
