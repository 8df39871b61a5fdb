"""Files that hold personal data or secrets are private: mode 0600 (issue 13, defect 9).

The commands run as real processes under a typical shell umask (0o022), so what a file's
mode shows is what Podium asked for, not what the test's environment happened to allow.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import EXAMPLE_COMPETITION, ROOT
from tests.e2e.conftest import DASHBOARD_SECRET, base_env

pytestmark = pytest.mark.e2e


@pytest.fixture(autouse=True)
def loose_umask() -> Iterator[None]:
    old = os.umask(0o022)
    yield
    os.umask(old)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def podium(workdir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = base_env(workdir) | {
        "DISCORD_TOKEN": "fake-token",
        "DISCORD_GUILD_ID": "900000000000000001",
        "DASHBOARD_SECRET": DASHBOARD_SECRET,
        "DATABASE_URL": f"sqlite+aiosqlite:///{workdir / 'podium.db'}",
    }
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=workdir,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_database_wal_backup_and_export_files_are_created_private(tmp_path: Path) -> None:
    shutil.copy(EXAMPLE_COMPETITION, tmp_path / "competition.toml")
    migrated = podium(tmp_path, "migrate")
    assert migrated.returncode == 0, migrated.stderr
    assert _mode(tmp_path / "podium.db") == 0o600

    backup = podium(tmp_path, "backup", str(tmp_path / "backups" / "copy.db"))
    assert backup.returncode == 0, backup.stderr
    assert _mode(tmp_path / "backups" / "copy.db") == 0o600

    exported = podium(tmp_path, "export", str(tmp_path / "out"))
    assert exported.returncode == 0, exported.stderr
    csvs = {p.name: _mode(p) for p in (tmp_path / "out").iterdir()}
    assert "members.csv" in csvs
    assert csvs == dict.fromkeys(csvs, 0o600)
    # SQLite gives the WAL and shared-memory files the database file's mode.
    side_files = [p for p in tmp_path.iterdir() if p.name.startswith("podium.db-")]
    assert all(_mode(p) == 0o600 for p in side_files), [(p.name, _mode(p)) for p in side_files]


def test_make_run_makes_the_env_file_private(tmp_path: Path) -> None:
    # `make run` with an installed virtual environment whose `podium` only records its call.
    venv_bin = tmp_path / "venv" / "bin"
    venv_bin.mkdir(parents=True)
    (tmp_path / "pyproject.toml").write_text("")
    (tmp_path / "requirements.lock").write_text("")
    (venv_bin / "pip").write_text("")
    fake = venv_bin / "podium"
    fake.write_text(f'#!/bin/sh\necho "$@" > {tmp_path / "called"}\n')
    fake.chmod(0o755)
    stamp = tmp_path / "venv" / ".installed-run"
    stamp.write_text("")
    later = time.time() + 60
    os.utime(stamp, (later, later))  # newer than the lock and pyproject.toml: nothing to install
    (tmp_path / "competition.toml").write_text("")
    env_file = tmp_path / ".env"
    env_file.write_text("DISCORD_TOKEN=secret\n")
    env_file.chmod(0o644)
    result = subprocess.run(
        ["make", "-f", str(ROOT / "Makefile"), "run", f"VENV={tmp_path / 'venv'}"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "called").read_text().strip() == "run"
    assert _mode(env_file) == 0o600
