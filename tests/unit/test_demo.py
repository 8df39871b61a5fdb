"""`podium seed-demo` (bot/demo.py) on both databases."""

import asyncio

import pytest

from bot.demo import DemoRefused, seed_demo
from tests.conftest import T0


async def test_seed_demo_fills_every_dashboard_section_and_refuses_a_second_run(
    db, competition, services
):
    report = await seed_demo(db, competition, now=T0)
    assert report.teams == 24
    assert report.members >= 48
    overview = await services.dashboard.overview()
    tracks = {board.track: board for board in overview.boards}
    assert set(tracks) == {"student", "professional"}
    assert all(len(board.rows) > 0 for board in tracks.values())
    names = [row.name for board in tracks.values() for row in board.rows]
    assert any(name.isascii() for name in names)
    assert any(not name.isascii() for name in names)
    cohorts = {series.name for series in overview.daily}
    assert {c.key for c in competition.cohorts} <= cohorts
    assert len(overview.flagged) == 1
    assert overview.funnel.failed > 0
    assert overview.funnel.skipped > 0
    assert all(count > 0 for _, count in overview.funnel.stages)
    assert overview.nps is not None
    assert overview.nps.responses == report.nps_answers
    assert all(phone.startswith("+1202555") for phone in report.phones)
    assert all(100 <= int(phone[-4:]) <= 199 for phone in report.phones)
    results = await services.contests.results(report.contest_id)
    assert results.closed
    with pytest.raises(DemoRefused):
        await seed_demo(db, competition, now=T0)


async def test_seed_demo_is_deterministic(tmp_path, tmp_path_factory):
    """A fresh seed matches the one the web tests share (seeded the same way, at T0)."""
    from tests.demo_cache import seed_demo_at, shared_sqlite_demo

    # built in a thread: the first caller of the run seeds it with asyncio.run
    _, shared = await asyncio.to_thread(shared_sqlite_demo, tmp_path_factory)
    fresh = await seed_demo_at(f"sqlite+aiosqlite:///{tmp_path / 'fresh.db'}")
    assert fresh == shared
