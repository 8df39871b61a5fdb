"""The `podium` command line as a newcomer meets it: bad configuration, migrate, backup."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import EXAMPLE_COMPETITION, ROOT
from tests.e2e.conftest import DASHBOARD_SECRET, base_env

pytestmark = pytest.mark.e2e


def podium(
    workdir: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=workdir,
        env=env or base_env(workdir),
        capture_output=True,
        text=True,
        timeout=60,
    )


def good_env(workdir: Path) -> dict[str, str]:
    return base_env(workdir) | {
        "DISCORD_TOKEN": "fake-token",
        "DISCORD_GUILD_ID": "900000000000000001",
        "DASHBOARD_SECRET": DASHBOARD_SECRET,
        "DATABASE_URL": f"sqlite+aiosqlite:///{workdir / 'podium.db'}",
    }


def test_run_without_env_lists_each_missing_key_with_where_to_get_it_and_exits_2(tmp_path: Path):
    shutil.copy(EXAMPLE_COMPETITION, tmp_path / "competition.toml")
    result = podium(tmp_path, "run")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr + result.stdout
    for key in ("DISCORD_TOKEN", "DISCORD_GUILD_ID", "DASHBOARD_SECRET"):
        line = next(line for line in result.stderr.splitlines() if key in line)
        assert "Fix:" in line


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (('timezone = "Asia/Shanghai"', 'timezone = "Mars/Olympus_Mons"'), "timezone"),
        (("promotion_threshold = 500", "promotion_threshold = -5"), "promotion_threshold"),
        (("[teams]", "[teams]\nmaxsize = 3"), "maxsize"),
    ],
)
def test_run_with_an_invalid_competition_file_names_the_key_and_exits_2(
    tmp_path: Path, edit, expected
):
    text = EXAMPLE_COMPETITION.read_text(encoding="utf-8")
    assert edit[0] in text, "the example changed; update this test"
    (tmp_path / "competition.toml").write_text(text.replace(edit[0], edit[1], 1), encoding="utf-8")
    result = podium(tmp_path, "run", env=good_env(tmp_path))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert any(expected in line and "Fix:" in line for line in result.stderr.splitlines())
    assert not (tmp_path / "podium.db").exists(), (
        "nothing may be written before the config is valid"
    )


def test_check_config_accepts_the_example_files(tmp_path: Path):
    shutil.copy(EXAMPLE_COMPETITION, tmp_path / "competition.toml")
    result = podium(tmp_path, "check-config", env=good_env(tmp_path))
    assert result.returncode == 0, result.stderr
    assert "Configuration OK" in result.stdout


def test_migrate_then_backup_makes_a_consistent_copy(tmp_path: Path):
    env = good_env(tmp_path)
    first = podium(tmp_path, "migrate", env=env)
    assert first.returncode == 0, first.stderr
    assert "migrated" in first.stdout
    assert "already at revision" in podium(tmp_path, "migrate", env=env).stdout
    result = podium(tmp_path, "backup", str(tmp_path / "copy.db"), env=env)
    assert result.returncode == 0, result.stderr
    with sqlite3.connect(tmp_path / "copy.db") as conn:
        tables = {
            row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")
        }
    assert {"members", "audit_log", "scheduled_jobs", "guild_resources"} <= tables
    refused = podium(tmp_path, "backup", str(tmp_path / "copy.db"), env=env)
    assert refused.returncode == 2
    assert "already exists" in refused.stderr


def test_python_dash_m_bot_and_the_console_script_are_the_same_program():
    script = Path(sys.executable).with_name("podium")
    result = subprocess.run(
        [str(script), "--help"], capture_output=True, text=True, timeout=30, cwd=ROOT
    )
    assert result.returncode == 0
    assert all(name in result.stdout for name in ("run", "migrate", "check-config", "backup"))
