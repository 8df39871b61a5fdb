"""Phase notices through the real `podium run` process: the opening of a phase, SIGKILL,
then its deadline; each posted once in the announcements channel.

No waiting for the phase's times: the process is restarted later in time (libfaketime,
``PodiumProcess.start(clock_at=...)``), shortly before each due time, as in test_qa.py.
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
LEAD = dt.timedelta(seconds=10)
OPENS = "calendar:2026:sprint:opens"
DEADLINE = "calendar:2026:sprint:deadline"


def job_status(podium: PodiumProcess, key: str) -> list[tuple]:
    with sqlite3.connect(podium.database) as conn:
        return conn.execute("SELECT status FROM scheduled_jobs WHERE key = ?", (key,)).fetchall()


def one_phase(podium: PodiumProcess, start: dt.datetime, end: dt.datetime) -> None:
    """The example rules with one phase, its deadline notice an hour before its end."""
    config = podium.workdir / "competition.toml"
    text = config.read_text()
    head = text[: text.index("\n[calendar]\n")]
    config.write_text(
        head
        + f"""
[calendar]
deadline_notice = "1h"

[[calendar.phases]]
key = "sprint"
kind = "round"
name = {{ en = "Sprint", zh_CN = "冲刺赛" }}
start = "{start.isoformat()}"
end = "{end.isoformat()}"
"""
    )


async def test_a_phase_opening_and_its_deadline_are_posted_once_across_a_sigkill(
    podium: PodiumProcess, fake_discord: FakeDiscord
):
    now = dt.datetime.now(dt.UTC).replace(second=0, microsecond=0)
    opens, ends = now + dt.timedelta(hours=1), now + dt.timedelta(hours=4)
    deadline = ends - dt.timedelta(hours=1)
    one_phase(podium, opens, ends)
    fake = fake_discord
    fake.posting.nonce_window = dt.timedelta(0)  # only the bot's own journal stops a repeat
    manager = fake.add_role("Server Manager", permissions=MANAGE_GUILD)
    fake.add_member(ORGANIZER, "Olivia Organizer", roles=[int(manager["id"])])
    await podium.start()
    await fake.wait_for_commands()
    await fake.invoke("admin setup", user_id=ORGANIZER)
    announcements = fake.channel_named("announcements")
    assert announcements is not None
    channel_id = int(announcements["id"])
    assert job_status(podium, OPENS) == [("pending",)]

    def posts(marker: str) -> list[dict]:
        return [m for m in fake.messages_in(channel_id) if marker in m["content"]]

    await podium.kill()
    await podium.start(clock_at=opens - LEAD)
    await wait_for(lambda: bool(posts("is open")), timeout=60, interval=0.2)
    await wait_for(lambda: job_status(podium, OPENS) == [("done",)], timeout=30)
    (opening,) = posts("is open")
    assert opening["content"].startswith("📅 **Sprint** is open from now until")
    assert opening["allowed_mentions"]["parse"] == []
    assert job_status(podium, DEADLINE) == [("pending",)], "the chain goes on"

    await podium.kill()
    await podium.start(clock_at=deadline - LEAD)
    await wait_for(lambda: bool(posts("Deadline:")), timeout=60, interval=0.2)
    await wait_for(lambda: job_status(podium, DEADLINE) == [("done",)], timeout=30)
    assert len(posts("is open")) == 1, "the opening was not posted again after the restart"
    assert len(posts("Deadline:")) == 1
    assert "Traceback" not in podium.log()
    assert await podium.terminate() == 0
