"""`podium run --only gateway|worker|web`: what each role runs, and split roles refused on
SQLite (one writing process per file) with what to do instead, before anything starts."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from bot.cli import build_parser, main
from bot.roles import ALL, GATEWAY, SPLIT, WEB, WORKER
from tests.conftest import EXAMPLE_COMPETITION


def test_the_roles_split_what_one_process_runs_between_them() -> None:
    assert ALL.runs() == ["gateway", "scheduler", "relay", "web"]
    assert [GATEWAY.runs(), WORKER.runs(), WEB.runs()] == [
        ["gateway"],
        ["scheduler", "relay"],
        ["web"],
    ]
    assert sorted(part for role in SPLIT.values() for part in role.runs()) == sorted(ALL.runs())
    # Both Discord roles log in; only the gateway connects to the gateway.
    assert (GATEWAY.discord, WORKER.discord, WEB.discord) == (True, True, False)


def test_run_help_lists_the_roles() -> None:
    parser = build_parser()
    args = parser.parse_args(["run", "--only", "worker"])
    assert args.only == "worker"
    with pytest.raises(SystemExit):
        parser.parse_args(["run", "--only", "relay"])


@pytest.mark.parametrize("role", ["gateway", "worker"])
def test_a_split_role_on_sqlite_is_refused_before_anything_starts(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    role: str,
) -> None:
    shutil.copy(EXAMPLE_COMPETITION, tmp_path / "competition.toml")
    database = tmp_path / "podium.db"
    env = tmp_path / ".env"
    env.write_text(
        "DISCORD_TOKEN=fake-token\nDISCORD_GUILD_ID=1\n"
        f"DASHBOARD_SECRET={'s' * 40}\nDATABASE_URL=sqlite+aiosqlite:///{database}\n"
    )
    for key in ("DATABASE_URL", "DISCORD_TOKEN", "DISCORD_GUILD_ID", "DASHBOARD_SECRET"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.chdir(tmp_path)
    umask = os.umask(0o022)
    try:
        code = main(["--env-file", str(env), "run", "--only", role])
    finally:
        os.umask(umask)
    err = capsys.readouterr().err
    assert code == 2
    assert f"podium run --only {role}: split processes" in err
    assert "need PostgreSQL" in err
    assert "DATABASE_URL=postgresql+asyncpg://" in err
    assert not database.exists()  # refused before the database was touched
    assert not (tmp_path / "podium.db.lock").exists()
