"""`podium export DIR` as an organizer runs it: CSV files with masked phone numbers."""

from __future__ import annotations

import asyncio
import csv
from pathlib import Path

import pytest
from sqlalchemy import insert, select

from bot.bootstrap import build_services
from bot.clock import FrozenClock
from bot.config import load_competition
from storage.engine import Database
from storage.migrate import migrate
from storage.schema import broadcasts, discord_posts
from tests.conftest import EXAMPLE_COMPETITION, GUILD_ID, T0
from tests.e2e.test_cli import good_env, podium
from tests.privacy_support import ALICE, ALICE_PHONE, BOB_PHONE, seed

pytestmark = pytest.mark.e2e

FILES = [
    "teams.csv",
    "members.csv",
    "ledger.csv",
    "votes.csv",
    "submissions.csv",
    "deliveries.csv",
    "profiles.csv",
]


async def _seed(path: Path) -> None:
    db = Database(f"sqlite+aiosqlite:///{path}")
    try:
        await migrate(db)
        services = build_services(
            db=db,
            clock=FrozenClock(T0),
            competition=load_competition(EXAMPLE_COMPETITION),
            guild_id=GUILD_ID,
        )
        await seed(services)
        async with db.write() as conn:
            broadcast_id = (await conn.execute(select(broadcasts.c.id))).scalar_one()
            await conn.execute(
                insert(discord_posts).values(
                    key=f"broadcast:{broadcast_id}:x:channel:123",
                    owner="test",
                    channel_id=123,
                    status="posted",
                    message_id=456,
                    claimed_at=T0,
                )
            )
    finally:
        await db.dispose()


def read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture
def seeded(tmp_path: Path) -> Path:
    (tmp_path / "competition.toml").write_text(EXAMPLE_COMPETITION.read_text("utf-8"), "utf-8")
    asyncio.run(_seed(tmp_path / "podium.db"))
    return tmp_path


def test_export_writes_every_csv_with_headers_and_row_counts(seeded: Path) -> None:
    result = podium(seeded, "export", "out/data", env=good_env(seeded))
    assert result.returncode == 0, result.stderr
    out = seeded / "out" / "data"
    assert sorted(p.name for p in out.iterdir()) == sorted(FILES)
    counts = {line.split(":")[0]: line for line in result.stdout.splitlines() if ".csv:" in line}
    teams = read(out / "teams.csv")
    assert counts["teams.csv"] == f"teams.csv: {len(teams)} rows"
    assert {t["name"] for t in teams} == {"Rocket Owls", "Lone Star", "Old Owls"}
    owls = next(t for t in teams if t["name"] == "Rocket Owls")
    assert owls["members"] == "2"
    assert owls["captain_id"] == str(ALICE)
    members = read(out / "members.csv")
    alice = next(m for m in members if m["user_id"] == str(ALICE))
    assert alice["display_name"] == "Alice Wonderland"
    assert alice["team_id"] == owls["id"]
    assert alice["whatsapp"] == "+86 •••••••5678"
    ledger = read(out / "ledger.csv")
    assert sum(int(e["amount"]) for e in ledger) == 49
    assert len(read(out / "votes.csv")) == 3
    assert len(read(out / "submissions.csv")) == 2
    deliveries = read(out / "deliveries.csv")
    assert {d["channel"] for d in deliveries} == {"whatsapp", "discord", "qa"}
    assert {d["recipient"] for d in deliveries if d["channel"] == "discord"} == {"channel:123"}
    assert (out / "ledger.csv").read_text("utf-8").splitlines()[0].startswith("id,season,week_key")
    (profile,) = read(out / "profiles.csv")
    assert profile["user_id"] == str(ALICE)
    assert profile["full_name"] == "Alice A"
    assert profile["eligible_tracks"] == "student"


def test_export_never_writes_a_full_phone_number(seeded: Path) -> None:
    result = podium(seeded, "export", "out", env=good_env(seeded))
    assert result.returncode == 0, result.stderr
    for name in FILES:
        text = (seeded / "out" / name).read_text("utf-8")
        for phone in (ALICE_PHONE, BOB_PHONE):
            assert phone.lstrip("+") not in text, name


def test_export_refuses_to_overwrite_unless_forced(seeded: Path) -> None:
    out = seeded / "out"
    out.mkdir()
    (out / "votes.csv").write_text("keep me", "utf-8")
    refused = podium(seeded, "export", "out", env=good_env(seeded))
    assert refused.returncode == 1
    assert "votes.csv" in refused.stderr
    assert "--force" in refused.stderr
    assert (out / "votes.csv").read_text("utf-8") == "keep me"
    assert not (out / "teams.csv").exists()
    forced = podium(seeded, "export", "out", "--force", env=good_env(seeded))
    assert forced.returncode == 0, forced.stderr
    assert (out / "votes.csv").read_text("utf-8").startswith("id,contest_id,submission_id")
