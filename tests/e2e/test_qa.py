"""A Q&A session through the real `podium run` process: event, reminder, SIGKILL, start.

No waiting for the session's times: the process is restarted later in time (libfaketime,
``PodiumProcess.start(clock_at=...)``), shortly before each due time, so the reminder and
the start notice fire from the timers armed at start, seconds later. (On a machine so busy
that a start takes longer than ``LEAD``, they fire late at start instead, within the grace
period: the test proves the same either way.)
"""

from __future__ import annotations

import datetime as dt
import sqlite3

import pytest

from tests.dispatch.conftest import MANAGE_GUILD
from tests.e2e.conftest import PodiumProcess
from tests.fakes.discord import FakeDiscord, wait_for

pytestmark = pytest.mark.e2e

ORGANIZER = 200000000000000001


def rows(database, sql: str, *params: object) -> list[tuple]:
    with sqlite3.connect(database) as conn:
        return conn.execute(sql, params).fetchall()


# How long before a due time a restarted process starts: longer than a start takes (about
# 5 s on a busy CI machine), so the timer is armed before it is due.
LEAD = dt.timedelta(seconds=10)


def one_reminder(podium: PodiumProcess) -> None:
    """One reminder, a minute before the start."""
    config = podium.workdir / "competition.toml"
    text = config.read_text()
    old = 'offsets = ["24h", "1h"]'
    assert old in text
    config.write_text(text.replace(old, 'offsets = ["1m"]'))


def job_status(podium: PodiumProcess, key: str) -> list[tuple]:
    return rows(podium.database, "SELECT status FROM scheduled_jobs WHERE key = ?", key)


async def test_reminder_and_start_notice_go_out_once_across_a_sigkill(
    podium: PodiumProcess, fake_discord: FakeDiscord
):
    one_reminder(podium)
    fake = fake_discord
    # The bot's clock jumps ahead between starts while Discord's stays real: Discord would
    # have forgotten the nonces by then, so only the bot's own records can stop a repeat.
    fake.posting.nonce_window = dt.timedelta(0)
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

    start = (dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)).replace(microsecond=0)
    reminder_due = start - dt.timedelta(minutes=1)
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
    assert job_status(podium, "qa:1:remind:60") == [("pending",)]

    def posts(marker: str) -> list[dict]:
        return [m for m in fake.messages_in(channel_id) if marker in m["content"]]

    # Down until just before the reminder is due; it fires from the timer armed at start.
    await podium.kill()
    await podium.start(clock_at=reminder_due - LEAD)
    await wait_for(lambda: bool(posts("Reminder:")), timeout=60, interval=0.2)
    (reminder,) = posts("Reminder:")
    assert reminder["content"].startswith(f"<@&{rookie_role['id']}>")
    assert [int(r) for r in reminder["allowed_mentions"]["roles"]] == [int(rookie_role["id"])]
    assert reminder["allowed_mentions"]["parse"] == []
    await wait_for(lambda: job_status(podium, "qa:1:remind:60") == [("done",)], timeout=30)

    await podium.kill()
    assert job_status(podium, "qa:1:start") == [("pending",)]
    await podium.start(clock_at=start - LEAD)
    await wait_for(lambda: bool(posts("starts now")), timeout=60, interval=0.2)
    await wait_for(lambda: job_status(podium, "qa:1:start") == [("done",)], timeout=30)
    (notice,) = posts("starts now")
    assert notice["content"].startswith(f"<@&{rookie_role['id']}>")
    assert notice["components"][0]["components"][0]["custom_id"] == "podium:qa-checkin:1"
    assert len(posts("Reminder:")) == 1, "the reminder was not sent again after the restart"
    assert len(fake.scheduled_events) == 1
    assert "Traceback" not in podium.log()
    assert await podium.terminate() == 0
