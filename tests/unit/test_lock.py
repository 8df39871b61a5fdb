"""The writer lock of a SQLite database (storage/lock.py, bot/single_writer.py)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from bot.single_writer import refusal
from storage.lock import DatabaseInUse, acquire_writer_lock, lock_path_for


def test_a_second_lock_is_refused_with_the_holder_until_the_first_is_released(
    tmp_path: Path,
) -> None:
    database = tmp_path / "podium.db"
    first = acquire_writer_lock(database, "podium run")
    try:
        with pytest.raises(DatabaseInUse) as refused:
            acquire_writer_lock(database, "podium migrate")
        assert refused.value.pid == os.getpid()
        assert refused.value.command == "podium run"
        assert refused.value.lock_path == tmp_path / "podium.db.lock"
    finally:
        first.release()
    with acquire_writer_lock(database, "podium migrate"):
        pass


def test_the_lock_file_is_private_and_names_the_holder(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        with acquire_writer_lock(tmp_path / "podium.db", "podium import-points x.csv") as lock:
            assert lock.path == lock_path_for(tmp_path / "podium.db")
            assert stat.S_IMODE(lock.path.stat().st_mode) == 0o600
            assert '"command": "podium import-points x.csv"' in lock.path.read_text()
    finally:
        os.umask(old)


def test_the_refusal_names_the_file_the_holder_and_what_to_do_instead(tmp_path: Path) -> None:
    error = DatabaseInUse(tmp_path / "podium.db.lock", 4242, "podium run")
    text = refusal("import-points", tmp_path / "podium.db", error)
    assert str(tmp_path / "podium.db") in text
    assert "PID 4242: podium run" in text
    assert "/points import in Discord" in text
    assert "stop the bot first" in text
    unknown = refusal("migrate", tmp_path / "podium.db", DatabaseInUse(tmp_path, None, None))
    assert "see the lock file" in unknown
