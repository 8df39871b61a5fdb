"""A Q&A session through the real `podium run` process: event, reminder, SIGKILL, start.

This test waits for real time (the session starts two minutes after it is scheduled, with
a one-minute reminder), about two minutes of wall time.
"""

from __future__ import annotations

import datetime as dt
import re
import sqlite3

import pytest

from tests.dispatch.conftest import MANAGE_GUILD
from tests.e2e.conftest import PodiumProcess
from tests.fakes.fake_discord import FakeDiscord, wait_for

pytestmark = pytest.mark.e2e

ORGANIZER = 200000000000000001


def rows(database, sql: str, *params: object) -> list[tuple]:
    with sqlite3.connect(database) as conn:
        return conn.execute(sql, params).fetchall()


def quick_reminders(podium: PodiumProcess) -> None:
    config = podium.workdir / "competition.toml"
    text = config.read_text()
    old = 'offsets = ["24h", "1h"]'
    assert old in text
    text = text.replace(old, 'offsets = ["1m"]')
    text = re.sub(r'grace_period = "15m"', 'grace_period = "30s"', text)
    config.write_text(text)


async def test_reminder_and_start_notice_go_out_once_across_a_sigkill(
    podium: PodiumProcess, fake_discord: FakeDiscord
):
    quick_reminders(podium)
    fake = fake_discord
    manager = fake.add_role("Server Manager", permissions=MANAGE_GUILD)
    fake.add_member(ORGANIZER, "Olivia Organizer", roles=[int(manager["id"])])
    await podium.start()
    await fake.wait_for_commands()
    await fake.invoke("admin setup", user_id=ORGANIZER)
    rookie_channel = fake.channel_named("rookie-camp")
    rookie_role = fake.role_named("Rookie")
    assert rookie_channel is not None
    assert rookie_role is not None
    channel_id = int(rookie_channel["id"])

    start = (dt.datetime.now(dt.UTC) + dt.timedelta(minutes=2)).replace(microsecond=0)
    scheduled = await fake.invoke(
        "qa schedule",
        user_id=ORGANIZER,
        options={
            "title": "Ask the judges",
            "kind": "official",
            "start": start.isoformat(),
            "duration": "30m",
            "host": str(ORGANIZER),
            "audience": "rookie",
        },
        timeout=20,
    )
    assert "Q&A session #1 **Ask the judges** scheduled" in scheduled.text
    (event,) = fake.scheduled_events.values()
    assert event["name"] == "Ask the judges"

    def posts(marker: str) -> list[dict]:
        return [m for m in fake.messages_in(channel_id) if marker in m["content"]]

    await wait_for(lambda: bool(posts("Reminder:")), timeout=100, interval=0.2)
    (reminder,) = posts("Reminder:")
    assert reminder["content"].startswith(f"<@&{rookie_role['id']}>")
    assert [int(r) for r in reminder["allowed_mentions"]["roles"]] == [int(rookie_role["id"])]
    assert reminder["allowed_mentions"]["parse"] == []
    await wait_for(
        lambda: (
            rows(podium.database, "SELECT status FROM scheduled_jobs WHERE key = 'qa:1:remind:60'")
            == [("done",)]
        ),
        timeout=10,
    )

    await podium.kill()
    assert rows(podium.database, "SELECT status FROM scheduled_jobs WHERE key = 'qa:1:start'") == [
        ("pending",)
    ]
    await podium.start()
    await wait_for(lambda: bool(posts("starts now")), timeout=100, interval=0.2)
    await wait_for(
        lambda: (
            rows(podium.database, "SELECT status FROM scheduled_jobs WHERE key = 'qa:1:start'")
            == [("done",)]
        ),
        timeout=10,
    )
    (notice,) = posts("starts now")
    assert notice["content"].startswith(f"<@&{rookie_role['id']}>")
    assert notice["components"][0]["components"][0]["custom_id"] == "podium:qa-checkin:1"
    assert len(posts("Reminder:")) == 1, "the reminder was not sent again after the restart"
    assert len(fake.scheduled_events) == 1
    assert "Traceback" not in podium.log()
    assert await podium.terminate() == 0
