"""The real `podium run` process against the fake Discord."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.databases import BACKENDS
from tests.dispatch.conftest import MANAGE_GUILD
from tests.e2e.conftest import PodiumProcess
from tests.fakes.discord import FakeDiscord, wait_for

pytestmark = pytest.mark.e2e

ORGANIZER = 200000000000000001
PARTICIPANT = 200000000000000002


def seed_members(fake: FakeDiscord) -> None:
    manager = fake.add_role("Server Manager", permissions=MANAGE_GUILD)
    fake.add_member(ORGANIZER, "Olivia Organizer", roles=[int(manager["id"])])
    fake.add_member(PARTICIPANT, "Pat Participant")


async def test_help_and_admin_setup_work_through_the_real_process(
    podium: PodiumProcess, fake_discord: FakeDiscord
):
    seed_members(fake_discord)
    seconds = await podium.start()
    print(f"start-to-ready against the fake: {seconds:.2f}s")
    await fake_discord.wait_for_commands()
    assert {c["name"] for c in fake_discord.commands} >= {"help", "admin"}

    help_reply = await fake_discord.invoke("help", user_id=PARTICIPANT)
    assert help_reply.ephemeral
    assert "help" in help_reply.text

    refused = await fake_discord.invoke("admin setup", user_id=PARTICIPANT)
    assert refused.ephemeral
    assert "Only organizers" in refused.text
    assert not fake_discord.role_named("Rookie")

    setup = await fake_discord.invoke("admin setup", user_id=ORGANIZER)
    assert "Created" in setup.text
    assert fake_discord.role_named("Rookie")
    assert fake_discord.channel_named("leaderboard")

    again = await fake_discord.invoke("admin setup", user_id=ORGANIZER)
    assert "Nothing was created" in again.text
    assert "Traceback" not in podium.log()
    assert await podium.terminate() == 0


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
async def test_sigkill_then_restart_loses_nothing_committed_and_rebuilds_the_scheduler(
    podium: PodiumProcess, fake_discord: FakeDiscord
):
    seed_members(fake_discord)
    await podium.start()
    await fake_discord.wait_for_commands()
    await fake_discord.invoke("admin setup", user_id=ORGANIZER)
    resources_before = podium.db.rows(
        "SELECT kind, key, discord_id FROM guild_resources ORDER BY key"
    )
    assert resources_before
    health = await podium.health()
    assert health["scheduler"]["timers"] >= 1

    await podium.kill()
    # Everything committed before the kill is on disk (SQLite's WAL included).
    assert (
        podium.db.rows("SELECT kind, key, discord_id FROM guild_resources ORDER BY key")
        == resources_before
    )
    assert podium.db.rows("SELECT count(*) FROM audit_log WHERE action = 'admin.setup'") == [(1,)]
    jobs = podium.db.rows("SELECT key, status FROM scheduled_jobs ORDER BY key")
    # Each capability keeps its next occurrence pending (nightly maintenance, weekly boards…).
    assert jobs
    assert {status for _, status in jobs} == {"pending"}

    identifies = fake_discord.identify_count
    await podium.start()
    assert fake_discord.identify_count == identifies + 1
    health = await podium.health()
    assert health["scheduler"] == {"ok": True, "timers": len(jobs)}
    assert f"scheduler rebuilt armed={len(jobs)}" in podium.log()
    assert podium.db.rows("SELECT key, status FROM scheduled_jobs ORDER BY key") == jobs

    again = await fake_discord.invoke("admin setup", user_id=ORGANIZER)
    assert "Nothing was created" in again.text
    assert await podium.terminate() == 0


async def restart_with_job_moved(
    podium: PodiumProcess, fake: FakeDiscord, minutes_ago: int, *, orphan_key: str | None = None
) -> str:
    """Run, set up, SIGKILL; move the pending maintenance job into the past (and, with
    ``orphan_key``, add a pending broadcast occurrence that fell due while the bot was down
    and that no start-up code re-arms); restart. Returns the maintenance job's key."""
    seed_members(fake)
    await podium.start()
    await fake.wait_for_commands()
    await fake.invoke("admin setup", user_id=ORGANIZER)
    await podium.kill()
    ((key,),) = podium.db.rows(
        "SELECT key FROM scheduled_jobs WHERE status = 'pending' AND kind = 'maintenance.database'",
    )
    now = dt.datetime.now(dt.UTC)
    due = now - dt.timedelta(minutes=minutes_ago)
    podium.db.execute("UPDATE scheduled_jobs SET run_at = ? WHERE key = ?", due, key)
    if orphan_key is not None:
        podium.db.execute(
            "INSERT INTO scheduled_jobs (kind, key, run_at, status, payload, attempts,"
            " created_at) VALUES ('broadcast', ?, ?, 'pending', '{\"broadcast_id\": 99}', 0, ?)",
            orphan_key,
            due,
            now - dt.timedelta(days=1),
        )
    await podium.start()
    return str(key)


async def test_a_missed_broadcast_is_told_to_organizers_and_a_missed_maintenance_night_is_not(
    podium: PodiumProcess, fake_discord: FakeDiscord
):
    broadcast_key = "broadcast:99:2026-11-25T08:00:00+00:00"
    key = await restart_with_job_moved(
        podium, fake_discord, minutes_ago=120, orphan_key=broadcast_key
    )
    organizers = fake_discord.channel_named("organizers")
    assert organizers is not None
    await wait_for(lambda: bool(fake_discord.messages_in(int(organizers["id"]))))
    (notice,) = fake_discord.messages_in(int(organizers["id"]))
    assert "missed while the bot was offline" in notice["content"]
    assert broadcast_key in notice["content"]
    assert key not in notice["content"], "housekeeping catches up by itself: no noise"
    assert podium.db.rows(
        "SELECT status FROM scheduled_jobs WHERE key IN (?, ?)", key, broadcast_key
    ) == [("missed",), ("missed",)]
    pending = podium.db.rows(
        "SELECT key FROM scheduled_jobs WHERE status = 'pending' AND kind = 'maintenance.database'",
    )
    assert len(pending) == 1, "the nightly chain goes on"
    assert pending[0][0] != key
    assert await podium.terminate() == 0


async def test_a_job_missed_within_the_grace_period_runs_once_at_start(
    podium: PodiumProcess, fake_discord: FakeDiscord
):
    key = await restart_with_job_moved(podium, fake_discord, minutes_ago=5)

    def status() -> str:
        return str(podium.db.rows("SELECT status FROM scheduled_jobs WHERE key = ?", key)[0][0])

    await wait_for(lambda: status() == "done")
    assert podium.db.rows("SELECT attempts FROM scheduled_jobs WHERE key = ?", key) == [(1,)]
    assert "database maintenance done" in podium.log()
    organizers = fake_discord.channel_named("organizers")
    assert organizers is not None
    assert fake_discord.messages_in(int(organizers["id"])) == []
    assert await podium.terminate() == 0
