"""`podium import-results` through the command line's entry point: a check without --apply
stores nothing, --apply imports once with a progress bar, a second run adds nothing, a
running bot's writer lock refuses it, a bad platform is refused without a traceback."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.cli import main
from storage.engine import Database
from storage.lock import acquire_writer_lock
from storage.migrate import migrate
from storage.schema import audit_log, store_orders
from tests.conftest import EXAMPLE_COMPETITION
from tests.points_support import add_team

EXPORT = (
    "Name,Created at,Total,Currency,Shipping Country,Email,Refunded\n"
    "#1001,2026-11-20 10:00:00 +0800,12.50,USD,US,ann@example.com,false\n"
    "#1002,2026-11-20 11:00:00 +0800,7.00,EUR,DE,,false\n"
    "#1003,2026-11-20 12:00:00 +0800,-7.00,EUR,DE,,false\n"
)


async def _prepare(url: str) -> None:
    db = Database(url)
    try:
        await migrate(db)
        await add_team(db, "星辰电商")
    finally:
        await db.dispose()


async def _counts(url: str) -> tuple[int, int]:
    db = Database(url)
    try:
        async with db.read() as conn:
            orders = await conn.scalar(select(func.count()).select_from(store_orders))
            audits = await conn.scalar(select(func.count()).select_from(audit_log))
            return int(orders or 0), int(audits or 0)
    finally:
        await db.dispose()


def test_import_results_checks_then_applies_once_with_a_progress_bar(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
):
    url = f"sqlite+aiosqlite:///{tmp_path / 'podium.db'}"
    shutil.copy(EXAMPLE_COMPETITION, tmp_path / "competition.toml")
    (tmp_path / "orders.csv").write_text(EXPORT, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    for key, value in {
        "DISCORD_TOKEN": "fake-token",
        "DISCORD_GUILD_ID": "900000000000000001",
        "DATABASE_URL": url,
    }.items():
        monkeypatch.setenv(key, value)
    asyncio.run(_prepare(url))
    args = ["import-results", "orders.csv", "--platform", "shopify", "--team", "星辰电商"]

    assert main(args) == 0
    checked = capsys.readouterr()
    assert "2 new, 0 corrected, 0 unchanged, 1 refused" in checked.out
    assert "line 4: the amount -7.00 is negative" in checked.out
    assert "nothing was imported" in checked.out
    assert asyncio.run(_counts(url)) == (0, 0)

    assert main([*args, "--apply"]) == 0
    applied = capsys.readouterr()
    assert "Importing [##############################] 100%  3/3 lines" in applied.err
    assert "Applied as import #1." in applied.out
    assert asyncio.run(_counts(url)) == (2, 1)

    with acquire_writer_lock(tmp_path / "podium.db", "podium run"):
        assert main([*args, "--apply"]) == 2
    assert "/results import in Discord" in capsys.readouterr().err

    assert main([*args, "--apply"]) == 0
    assert "0 new, 0 corrected, 2 unchanged, 1 refused" in capsys.readouterr().out
    assert asyncio.run(_counts(url)) == (2, 2)

    assert main(["import-results", "orders.csv", "--platform", "ebay", "--apply"]) == 1
    wrong = capsys.readouterr()
    assert "There is no store platform called ebay" in wrong.err
    assert "Traceback" not in wrong.err
