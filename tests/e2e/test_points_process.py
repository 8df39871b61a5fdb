"""Points end to end: slash commands against the real process, the weekly post's catch-up
at start across a SIGKILL and a restart, and `podium import-points`."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.bootstrap import build_services
from bot.clock import FrozenClock, SystemClock
from bot.config import load_competition
from storage.engine import Database
from storage.migrate import migrate
from storage.queries import guild_resources
from storage.schema import points_ledger
from tests.conftest import EXAMPLE_COMPETITION, GUILD_ID
from tests.databases import BACKENDS
from tests.dispatch.conftest import MANAGE_GUILD
from tests.e2e.conftest import PodiumProcess
from tests.e2e.test_cli import good_env
from tests.fakes.discord import FakeDiscord, wait_for
from tests.points_support import add_team, csv_bytes

pytestmark = pytest.mark.e2e

ORGANIZER = 200000000000000001
PARTICIPANT = 200000000000000002


async def prepare(podium: PodiumProcess, fake: FakeDiscord) -> int:
    """The process's database migrated, with two teams that scored last week, and a
    leaderboard channel the bot already knows; returns the channel id."""
    manager = fake.add_role("Server Manager", permissions=MANAGE_GUILD)
    fake.add_member(ORGANIZER, "Olivia Organizer", roles=[int(manager["id"])])
    fake.add_member(PARTICIPANT, "Pat Participant")
    channel_id = int(fake.add_channel("leaderboard")["id"])
    competition = load_competition(EXAMPLE_COMPETITION)
    db = Database(podium.db.url)
    try:
        await migrate(db)
        async with db.write() as conn:
            await guild_resources.upsert(
                conn,
                guild_id=GUILD_ID,
                kind="channel",
                key="channel:leaderboard",
                name="leaderboard",
                discord_id=channel_id,
                created_by_bot=False,
                now=dt.datetime.now(dt.UTC),
            )
        await add_team(db, "丝路先锋", members_=[PARTICIPANT])
        await add_team(db, "Night Shift Pros", track="professional")
        due = build_services(
            db=db, clock=SystemClock(), competition=competition, guild_id=GUILD_ID
        ).points.due_week()
        then = FrozenClock(due.start + dt.timedelta(hours=12))
        points = build_services(
            db=db, clock=then, competition=competition, guild_id=GUILD_ID
        ).points
        await points.award(actor_id=ORGANIZER, team="丝路先锋", amount=80, reason="case study")
        await points.award(actor_id=ORGANIZER, team="Night Shift Pros", amount=35, reason="quiz")
    finally:
        await db.dispose()
    return channel_id


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
async def test_last_weeks_boards_are_posted_once_at_start_and_not_again_after_a_kill(
    podium: PodiumProcess, fake_discord: FakeDiscord
):
    channel_id = await prepare(podium, fake_discord)
    await podium.start()
    await wait_for(lambda: len(fake_discord.messages_in(channel_id)) >= 2, timeout=30)
    posts = fake_discord.messages_in(channel_id)
    assert len(posts) == 2
    assert {p["attachments"][0]["filename"].split("-")[-1] for p in posts} == {
        "student.png",
        "professional.png",
    }
    assert any("丝路先锋" in p["embeds"][0]["description"] for p in posts)

    # Award by slash command and see the team on this week's board.
    awarded = await fake_discord.invoke(
        "points award",
        user_id=ORGANIZER,
        options={"team": "丝路先锋", "amount": 15, "reason": "Q&A answer"},
    )
    assert "+15" in awarded.text
    board = await fake_discord.invoke("leaderboard", user_id=PARTICIPANT)
    assert "丝路先锋 — 15 points" in board.text

    await podium.kill()
    await podium.start()
    await wait_for(lambda: podium.log().count("weekly boards catch-up") >= 2, timeout=30)
    assert len(fake_discord.messages_in(channel_id)) == 2
    assert "Traceback" not in podium.log()
    assert await podium.terminate() == 0


def podium_cli(workdir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=workdir,
        env=good_env(workdir),
        capture_output=True,
        text=True,
        timeout=60,
    )


async def count_entries(database: Path) -> int:
    db = Database(f"sqlite+aiosqlite:///{database}")
    try:
        async with db.read() as conn:
            return int(await conn.scalar(select(func.count()).select_from(points_ledger)) or 0)
    finally:
        await db.dispose()


async def test_import_points_cli_previews_with_dry_run_then_imports_once(tmp_path: Path):
    import shutil

    shutil.copy(EXAMPLE_COMPETITION, tmp_path / "competition.toml")
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'podium.db'}")
    try:
        await migrate(db)
        await add_team(db, "Alpha")
        await add_team(db, "星辰电商", track="professional")
    finally:
        await db.dispose()
    (tmp_path / "results.csv").write_bytes(
        csv_bytes(
            "team,points,reason,key", "Alpha,10,quiz,r1", "星辰电商,25,案例,r2", "Ghost,5,x,r3"
        )
    )

    dry = podium_cli(tmp_path, "import-points", "results.csv", "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "2 rows ready for 2 teams, +35 points" in dry.stdout
    assert "line 4: no team Ghost this season" in dry.stdout
    assert "Dry run: nothing was imported." in dry.stdout
    assert await count_entries(tmp_path / "podium.db") == 0

    real = podium_cli(tmp_path, "import-points", "results.csv")
    assert real.returncode == 0, real.stderr
    assert "Imported 2 entries (+35 points)" in real.stdout
    assert await count_entries(tmp_path / "podium.db") == 2

    again = podium_cli(tmp_path, "import-points", "results.csv")
    assert again.returncode == 1
    assert "already imported" in again.stderr
    assert "Traceback" not in again.stderr
    assert await count_entries(tmp_path / "podium.db") == 2

    missing = podium_cli(tmp_path, "import-points", "nope.csv")
    assert missing.returncode == 1
    assert "cannot read" in missing.stderr
