"""One writing process per SQLite file (issue 13, defect 11).

The real `podium run` holds the database; every other command that writes it is refused
with exit code 2 and a message naming the file, the holder and what to do instead, while
read-only commands still work. Once the bot has stopped, the same commands work.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import stat
import sys
from pathlib import Path

import aiohttp
import pytest

from storage.engine import Database
from storage.lock import DatabaseInUse, acquire_writer_lock
from tests.conftest import ROOT
from tests.e2e.conftest import PodiumProcess, free_port
from tests.fakes.discord import FakeDiscord
from tests.points_support import add_team, csv_bytes

pytestmark = pytest.mark.e2e

LIMIT_S = 120  # bounds a command that was not refused and kept running; not a speed check


async def cli(podium: PodiumProcess, *args: str, port: int | None = None) -> tuple[int, str]:
    """Run `podium ARGS` beside the bot (same settings and file); returns (code, stderr)."""
    env = podium.env | ({"WEB_PORT": str(port)} if port is not None else {})
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        *args,
        cwd=podium.workdir,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        _, err = await asyncio.wait_for(proc.communicate(), LIMIT_S)
    except TimeoutError:
        proc.kill()
        await proc.wait()
        raise AssertionError(f"podium {' '.join(args)} was not refused and kept running") from None
    assert proc.returncode is not None
    return proc.returncode, err.decode()


async def test_second_writers_are_refused_while_podium_runs_and_work_after_it_stops(
    podium: PodiumProcess, fake_discord: FakeDiscord
) -> None:
    (podium.workdir / "results.csv").write_bytes(
        csv_bytes("team,points,reason,key", "Alpha,10,quiz,r1")
    )
    await podium.start()
    assert podium.proc is not None
    holder = f"PID {podium.proc.pid}: podium run"
    lock_file = podium.workdir / "podium.db.lock"
    assert stat.S_IMODE(lock_file.stat().st_mode) == 0o600
    assert json.loads(lock_file.read_text()) == {"pid": podium.proc.pid, "command": "podium run"}

    refused = {
        "import-points": (("import-points", "results.csv"), "/points import in Discord"),
        "migrate": (("migrate",), "applies the migrations at every start"),
        "run --only web": (("run", "--only", "web"), "already serves the web pages"),
        "dashboard-link": (("dashboard-link", "--user", "1"), "/admin dashboard in Discord"),
        "judge-link": (("judge-link", "--judge", "1"), "/admin/judging"),
        "seed-demo": (("seed-demo",), "point DATABASE_URL at a new file"),
    }
    for name, (args, advice) in refused.items():
        code, err = await cli(podium, *args, port=free_port())
        assert code == 2, f"{name}: {code}\n{err}"
        assert str(podium.database) in err, err
        assert holder in err, err
        assert advice in err, err
        assert "Traceback" not in err

    # Read-only commands do not need the lock.
    code, err = await cli(podium, "backup", str(podium.workdir / "copy.db"))
    assert code == 0, err
    code, err = await cli(podium, "export", str(podium.workdir / "out"))
    assert code == 0, err
    await podium.wait_healthy()  # the bot was never disturbed

    assert await podium.terminate() == 0
    db = Database(f"sqlite+aiosqlite:///{podium.database}")
    try:
        await add_team(db, "Alpha")
    finally:
        await db.dispose()

    code, err = await cli(podium, "migrate")
    assert code == 0, err
    code, err = await cli(podium, "import-points", "results.csv")
    assert code == 0, err
    code, err = await cli(podium, "dashboard-link", "--user", "1")
    assert code == 0, err
    await _web_alone_starts(podium)


async def _web_alone_starts(podium: PodiumProcess) -> None:
    port = free_port()
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        "--only",
        "web",
        cwd=podium.workdir,
        env=podium.env | {"WEB_PORT": str(port)},
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        async with aiohttp.ClientSession() as http:
            for _ in range(600):
                assert proc.returncode is None, "run --only web exited"
                try:
                    async with http.get(f"http://127.0.0.1:{port}/healthz") as response:
                        if response.status == 200:
                            break
                except aiohttp.ClientError:
                    pass
                await asyncio.sleep(0.1)
            else:
                raise AssertionError("run --only web never became healthy")
    finally:
        if proc.returncode is None:
            proc.send_signal(signal.SIGTERM)
        _, err = await asyncio.wait_for(proc.communicate(), 30)
    assert proc.returncode == 0, err.decode()


async def test_a_killed_writer_leaves_no_stale_lock(tmp_path: Path) -> None:
    database = tmp_path / "podium.db"
    holder = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        "import sys, time\n"
        "from pathlib import Path\n"
        "from storage.lock import acquire_writer_lock\n"
        f"lock = acquire_writer_lock(Path({str(database)!r}), 'podium run')\n"
        "print('locked', flush=True)\n"
        "time.sleep(600)\n",
        stdout=asyncio.subprocess.PIPE,
        env=os.environ | {"PYTHONPATH": str(ROOT)},
    )
    assert holder.stdout is not None
    assert (await asyncio.wait_for(holder.stdout.readline(), LIMIT_S)).strip() == b"locked"
    with pytest.raises(DatabaseInUse) as refused:
        acquire_writer_lock(database, "podium migrate")
    assert refused.value.pid == holder.pid
    holder.send_signal(signal.SIGKILL)
    await holder.wait()
    with acquire_writer_lock(database, "podium migrate") as lock:
        assert lock.fd is not None
