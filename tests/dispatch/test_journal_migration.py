"""Migration 0013: the three older journals of Discord posts become rows of ``discord_posts``.

A database is built at revision 0012 with posted, empty, failed and in-flight rows in
``broadcast_posts``, ``qa_deliveries`` and ``leaderboard_posts``, then upgraded: what was
posted is DONE (never posted again, also by the real weekly job), a claim in flight is
RESUMEd with the nonce it was first sent with, a failed post is tried again. Runs on SQLite
and, with ``PODIUM_TEST_POSTGRES_URL``, on PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from alembic import command
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from bot.services.posts import DONE, NEW, RESUME, PostService
from bot.services.registry import Services
from storage.engine import Database
from storage.migrate import alembic_config, migrate
from storage.schema import broadcasts
from storage.types import UTCDateTime
from tests.conftest import POSTGRES_URL, T0
from tests.dispatch.conftest import ORGANIZER_ID, Harness
from tests.dispatch.test_points import fire_due_posts, settled
from tests.points_support import add_team

SHANGHAI = ZoneInfo("Asia/Shanghai")
OCCURRENCE = "broadcast:1:2026-11-24T01:00:00+00:00"
LATER = "broadcast:1:2026-11-25T01:00:00+00:00"

_broadcast_posts = sa.table(
    "broadcast_posts",
    *(sa.column(name) for name in ("id", "broadcast_id", "occurrence_key", "channel_id")),
    *(sa.column(name) for name in ("status", "message_id", "error")),
    sa.column("at", UTCDateTime()),
)
_qa_deliveries = sa.table(
    "qa_deliveries",
    *(sa.column(name) for name in ("id", "occurrence_key", "target", "status", "message_id")),
    sa.column("at", UTCDateTime()),
)
_leaderboard_posts = sa.table(
    "leaderboard_posts",
    *(sa.column(name) for name in ("id", "season", "week_key", "track", "status")),
    *(sa.column(name) for name in ("channel_id", "message_id")),
    sa.column("claimed_at", UTCDateTime()),
    sa.column("posted_at", UTCDateTime()),
)


def _upgrade_to(connection: Connection, revision: str) -> None:
    config = alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, revision)


async def _fill_old_journals(db: Database) -> None:
    """Revision 0012 with rows in the three journals: posted, empty, failed, in flight."""
    async with db.write() as conn:
        await conn.run_sync(_upgrade_to, "0012")
        await conn.execute(
            sa.insert(broadcasts).values(
                id=1,
                message="Finals on Friday",
                audience="all",
                channels="discord",
                first_run_at=T0,
                repeat="0 9 * * *",
                status="scheduled",
                next_run_at=T0 + dt.timedelta(days=1),
                created_by=ORGANIZER_ID,
                created_at=T0,
            )
        )
        posts: list[dict[str, Any]] = [
            {"id": 1, "occurrence_key": OCCURRENCE, "channel_id": 10, "status": "posted"},
            {"id": 2, "occurrence_key": OCCURRENCE, "channel_id": 11, "status": "failed"},
            {"id": 3, "occurrence_key": LATER, "channel_id": 10, "status": "pending"},
        ]
        for post in posts:
            message_id = 100 if post["status"] == "posted" else None
            error = "Discord 500" if post["status"] == "failed" else None
            await conn.execute(
                sa.insert(_broadcast_posts).values(
                    broadcast_id=1, message_id=message_id, error=error, at=T0, **post
                )
            )
        await conn.execute(
            sa.insert(_qa_deliveries),
            [
                {"id": 7, "occurrence_key": "qa:1:start", "target": "channel:20", "at": T0}
                | {"status": "posted", "message_id": 200},
                {"id": 8, "occurrence_key": "qa:1:start", "target": "dm:30", "at": T0}
                | {"status": "pending", "message_id": None},
            ],
        )
        boards = [
            (4, "2026-W48", "student", "posted", 300),
            (5, "2026-W48", "professional", "empty", None),
            (6, "2026-W47", "student", "claimed", None),
        ]
        for board_id, week, track, status, message_id in boards:
            await conn.execute(
                sa.insert(_leaderboard_posts).values(
                    id=board_id,
                    season="2026",
                    week_key=week,
                    track=track,
                    status=status,
                    channel_id=40 if message_id else None,
                    message_id=message_id,
                    claimed_at=T0,
                    posted_at=T0 if status != "claimed" else None,
                )
            )
    await migrate(db)


@pytest.fixture(
    params=[
        "sqlite",
        pytest.param(
            "postgres",
            marks=pytest.mark.skipif(
                POSTGRES_URL is None, reason="PODIUM_TEST_POSTGRES_URL not set"
            ),
        ),
    ]
)
async def db(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    """A database upgraded from 0012 with rows in the three older journals."""
    if request.param == "sqlite":
        database = Database(f"sqlite+aiosqlite:///{tmp_path / 'podium.db'}")
        try:
            await _fill_old_journals(database)
            yield database
        finally:
            await database.dispose()
        return
    assert POSTGRES_URL is not None
    schema = f"t_{secrets.token_hex(6)}"
    admin = create_async_engine(POSTGRES_URL)
    async with admin.begin() as conn:
        await conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    database = Database(POSTGRES_URL, pg_schema=schema)
    try:
        await _fill_old_journals(database)
        yield database
    finally:
        await database.dispose()
        async with admin.begin() as conn:
            await conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        await admin.dispose()


async def test_the_old_journals_answer_done_resume_or_new_from_discord_posts(
    services: Services,
):
    # Right after the upgrade, with no bot running: a bot's start-up catch-up would post
    # last week's board (claiming its key) while this reads it.
    status = await services.broadcasts.status(1)
    assert status.discord == {"posted": 1, "failed": 1, "pending": 1}
    posts = PostService(services.db, services.clock)
    expected = {
        f"{OCCURRENCE}:channel:10": (DONE, "bc.1"),
        f"{OCCURRENCE}:channel:11": (NEW, "bc.2"),
        f"{LATER}:channel:10": (RESUME, "bc.3"),
        "qa:1:start:channel:20": (DONE, "qa.7"),
        "qa:1:start:dm:30": (RESUME, "qa.8"),
        "leaderboard:2026:2026-W48:student": (DONE, "lb.4"),
        "leaderboard:2026:2026-W48:professional": (DONE, "lb.5"),
        "leaderboard:2026:2026-W47:student": (RESUME, "lb.6"),
    }
    found = {}
    for key in expected:
        delivery = await posts.claim(key)
        found[key] = (delivery.state, delivery.nonce)
    assert found == expected
    async with services.db.read() as conn:
        tables = await conn.run_sync(lambda sync: sa.inspect(sync).get_table_names())
    assert not {"broadcast_posts", "qa_deliveries", "leaderboard_posts"} & set(tables)


async def test_a_board_posted_before_the_upgrade_is_not_posted_again_by_the_weekly_job(
    harness: Harness, clock
):
    await settled(harness)
    await harness.fake.invoke("admin setup", user_id=ORGANIZER_ID)
    channel_id = (await harness.services.setup.resource_ids())["channel:leaderboard"]
    await add_team(harness.services.db, "Alpha")
    await add_team(harness.services.db, "Pro Team", track="professional")
    points = harness.services.points
    await points.award(actor_id=ORGANIZER_ID, team="Alpha", amount=70, reason="r")
    await points.award(actor_id=ORGANIZER_ID, team="Pro Team", amount=40, reason="r")
    clock.set(dt.datetime(2026, 11, 30, 9, 0, tzinfo=SHANGHAI).astimezone(dt.UTC))
    assert await fire_due_posts(harness) == ["done"]
    assert harness.fake.messages_in(channel_id) == [], "both boards of 2026-W48 were done"


def _downgrade_to(connection: Connection, revision: str) -> None:
    config = alembic_config()
    config.attributes["connection"] = connection
    command.downgrade(config, revision)


async def test_a_downgrade_moves_the_rows_back_into_the_three_tables(db: Database):
    async with db.write() as conn:
        await conn.run_sync(_downgrade_to, "0012")
    async with db.read() as conn:
        broadcast = await conn.execute(
            sa.select(
                _broadcast_posts.c.occurrence_key,
                _broadcast_posts.c.channel_id,
                _broadcast_posts.c.status,
            )
        )
        qa = await conn.execute(sa.select(_qa_deliveries.c.target, _qa_deliveries.c.status))
        boards = await conn.execute(
            sa.select(
                _leaderboard_posts.c.week_key,
                _leaderboard_posts.c.track,
                _leaderboard_posts.c.status,
            )
        )
        left = await conn.execute(sa.text("SELECT count(*) FROM discord_posts"))
        assert sorted(broadcast.all()) == [
            (OCCURRENCE, 10, "posted"),
            (OCCURRENCE, 11, "failed"),
            (LATER, 10, "pending"),
        ]
        assert sorted(qa.all()) == [("channel:20", "posted"), ("dm:30", "pending")]
        assert sorted(boards.all()) == [
            ("2026-W47", "student", "claimed"),
            ("2026-W48", "professional", "empty"),
            ("2026-W48", "student", "posted"),
        ]
        assert left.scalar_one() == 0
